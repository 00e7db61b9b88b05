"""What every settings class shares: where values come from, and how problems are found."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "staging", "production"]
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})


class SettingsBase(BaseSettings):
    """Read from the environment and `.env`; the environment wins."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
    )

    ENVIRONMENT: Environment = "development"

    @property
    def is_local(self) -> bool:
        """Development or test: the production checks are relaxed."""
        return self.ENVIRONMENT in LOCAL_ENVIRONMENTS

    def problems(self) -> list[str]:
        """Values that cannot be used in this ENVIRONMENT, one line each.

        Each settings class adds its own to those of the classes after it.
        """
        return []

    def several_workers_problems(self) -> list[str]:
        """Values that cannot be used by several worker processes at once."""
        return []

    @model_validator(mode="after")
    def _refuse_problems(self) -> Self:
        problems = self.problems()
        if problems:
            raise ValueError("\n  - ".join(problems))
        return self
