"""Command line: `serve` the API, `migrate` the database, `create-superuser`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings, SettingsError, get_settings
from app.core.exceptions import ConflictError
from app.core.logging import configure_logging
from app.db import migrations
from app.db.session import create_engine, create_session_factory
from app.models import User
from app.schemas.users import UserCreate
from app.services import users

cli = typer.Typer(help="Manage the service.", no_args_is_help=True, add_completion=False)


def _load_settings_or_exit() -> Settings:
    try:
        settings = get_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    configure_logging(settings)
    return settings


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the API with uvicorn."""
    _load_settings_or_exit()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (to the latest revision by default)."""
    settings = _load_settings_or_exit()
    try:
        migrations.upgrade(revision)
    except (OSError, SQLAlchemyError) as error:
        database = make_url(settings.DATABASE_URL).render_as_string(hide_password=True)
        typer.echo(f"Cannot migrate the database at {database}: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Database upgraded to {revision}.")


@cli.command("create-superuser")
def create_superuser(
    email: Annotated[str, typer.Option(prompt=True, help="Login email.")],
    username: Annotated[str, typer.Option(prompt=True, help="Login name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="SUPERUSER_PASSWORD",
            help="Prompted for when omitted; also read from SUPERUSER_PASSWORD.",
        ),
    ],
) -> None:
    """Create an administrator account (refuses weak passwords and taken names)."""
    settings = _load_settings_or_exit()
    try:
        data = UserCreate(email=email, username=username, password=password)
    except PydanticValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            typer.echo(f"{field}: {problem['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(code=2) from None
    try:
        user = asyncio.run(_create_superuser(settings, data))
    except ConflictError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Superuser {user.username} (id {user.id}) created.")


async def _create_superuser(settings: Settings, data: UserCreate) -> User:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            return await users.create_user(session, data, is_superuser=True)
    finally:
        await engine.dispose()


def main() -> None:
    cli()
