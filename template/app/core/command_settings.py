"""What every command of the command line does first: load the settings, set up logging."""

from __future__ import annotations

import click

from app.core.config import Settings, SettingsError, get_settings
from app.core.logging import configure_logging


def load_settings_or_exit() -> Settings:
    """The settings; a problem with them stops the command with exit status 2."""
    try:
        settings = get_settings()
    except SettingsError as error:
        click.echo(str(error), err=True)
        raise click.exceptions.Exit(2) from None
    configure_logging(settings)
    return settings
