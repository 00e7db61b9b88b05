"""JWT settings: refused outside development unless strong."""

from __future__ import annotations

import pytest

from app.core.config import Settings, SettingsError, load_settings
from tests.production import PRODUCTION

STRONG_SECRET = PRODUCTION["JWT_SECRET"]


def make_settings(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_development_without_secret_uses_a_random_process_key() -> None:
    settings = make_settings(ENVIRONMENT="development")

    assert len(settings.jwt_secret) >= 32
    assert settings.jwt_secret == make_settings().jwt_secret


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
def test_missing_jwt_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET: required"):
        make_settings(ENVIRONMENT=environment)


def test_short_jwt_secret_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        make_settings(ENVIRONMENT="production", JWT_SECRET="too-short")


def test_placeholder_jwt_secret_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="placeholder"):
        make_settings(ENVIRONMENT="production", JWT_SECRET="change-me")


@pytest.mark.parametrize("secret", ["a" * 40, "ab" * 20, "password" * 5])
def test_long_but_repetitive_jwt_secret_is_refused_in_production(secret: str) -> None:
    with pytest.raises(SettingsError, match="too few distinct characters"):
        make_settings(**{**PRODUCTION, "JWT_SECRET": secret})


@pytest.mark.parametrize("secret", ["", "   "])
def test_empty_jwt_secret_counts_as_missing(secret: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET: required"):
        make_settings(**{**PRODUCTION, "JWT_SECRET": secret})

    assert make_settings(JWT_SECRET=secret).JWT_SECRET is None


def test_production_uses_the_configured_secret() -> None:
    settings = make_settings(**PRODUCTION)

    assert settings.jwt_secret == STRONG_SECRET


def test_missing_secret_is_reported_with_the_other_problems() -> None:
    with pytest.raises(SettingsError) as error:
        make_settings(ENVIRONMENT="production", DEBUG=True)

    assert "JWT_SECRET: required" in str(error.value)
    assert "DEBUG" in str(error.value)


def test_several_workers_need_a_secret_they_share() -> None:
    without_secret = make_settings(ENVIRONMENT="development", JWT_SECRET=None)
    with_secret = make_settings(ENVIRONMENT="development", JWT_SECRET=STRONG_SECRET)

    [problem] = without_secret.several_workers_problems()
    assert problem.startswith("JWT_SECRET is not set")
    assert with_secret.several_workers_problems() == []
