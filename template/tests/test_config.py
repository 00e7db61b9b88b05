"""Settings: defaults, parsing from the environment, and start-up validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings, SettingsError, get_settings, load_settings

STRONG_SECRET = "x" * 32


def make_settings(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_defaults_are_safe_for_development() -> None:
    settings = make_settings()

    assert settings.ENVIRONMENT == "development"
    assert settings.DEBUG is False
    assert settings.log_json is False
    assert settings.DB_POOL_SIZE >= 32
    assert "http://localhost:3000" in settings.CORS_ORIGINS


def test_development_without_secret_uses_a_random_process_key() -> None:
    settings = make_settings(ENVIRONMENT="development")

    assert len(settings.jwt_secret) >= 32
    assert settings.jwt_secret == make_settings().jwt_secret


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_missing_jwt_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET: required"):
        make_settings(ENVIRONMENT=environment)


def test_short_jwt_secret_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        make_settings(ENVIRONMENT="production", JWT_SECRET="too-short")


def test_placeholder_jwt_secret_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="placeholder"):
        make_settings(ENVIRONMENT="production", JWT_SECRET="change-me")


def test_debug_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="DEBUG: must be false"):
        make_settings(ENVIRONMENT="production", JWT_SECRET=STRONG_SECRET, DEBUG=True)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        make_settings(ENVIRONMENT="production", DEBUG=True, CORS_ORIGINS=["*"])

    message = str(error.value)
    assert message.startswith("Invalid configuration:")
    assert "JWT_SECRET" in message
    assert "DEBUG" in message
    assert "CORS_ORIGINS" in message


def test_production_accepts_a_strong_configuration() -> None:
    settings = make_settings(ENVIRONMENT="production", JWT_SECRET=STRONG_SECRET)

    assert settings.jwt_secret == STRONG_SECRET
    assert settings.log_json is True


def test_wildcard_cors_with_credentials_is_refused() -> None:
    with pytest.raises(SettingsError, match="cannot be combined with CORS_ALLOW_CREDENTIALS"):
        make_settings(CORS_ORIGINS=["*"])


def test_wildcard_cors_without_credentials_is_allowed_in_development() -> None:
    settings = make_settings(CORS_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=False)

    assert settings.CORS_ORIGINS == ["*"]


def test_cors_origins_accept_a_comma_separated_environment_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")

    assert make_settings().CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_cors_origins_accept_a_json_list_environment_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", '["https://a.example"]')

    assert make_settings().CORS_ORIGINS == ["https://a.example"]


def test_plain_postgresql_url_selects_the_async_driver() -> None:
    settings = make_settings(DATABASE_URL="postgresql://user:pw@db:5432/app")

    assert settings.DATABASE_URL == "postgresql+asyncpg://user:pw@db:5432/app"


def test_non_postgresql_url_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL: must be a PostgreSQL URL"):
        make_settings(DATABASE_URL="mysql://db/app")


def test_invalid_value_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="DB_POOL_SIZE"):
        make_settings(DB_POOL_SIZE=0)


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ENVIRONMENT=staging\nJWT_SECRET=" + STRONG_SECRET + "\nLOG_LEVEL=DEBUG\n")

    settings = load_settings(_env_file=env_file)

    assert settings.ENVIRONMENT == "staging"
    assert settings.LOG_LEVEL == "DEBUG"


def test_environment_overrides_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")

    assert load_settings(_env_file=env_file).LOG_LEVEL == "ERROR"


def test_get_settings_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("ENVIRONMENT", "test")
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


def test_env_example_documents_every_setting() -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in example.read_text().splitlines()
        if "=" in line
    }

    assert set(Settings.model_fields) <= documented
