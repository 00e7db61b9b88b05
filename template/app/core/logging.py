"""Structured logging: structlog for the app, the same formatter for stdlib records.

Records from uvicorn, SQLAlchemy and any library go through one root handler whose
`ProcessorFormatter` renders JSON (production) or readable console lines (development).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections.abc import Sequence
from typing import IO, Any, TextIO

import structlog
from structlog.types import EventDict, Processor

from app.core.config import Settings

LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUP_COUNT = 5


class _CurrentStdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stdout` is now: test runners and CLI runners swap it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def _drop_color_message(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """Uvicorn duplicates its message with ANSI colours in `color_message`."""
    event_dict.pop("color_message", None)
    return event_dict


# C0 but tab and newline, DEL, and C1 (which some terminals read as escapes too).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape_control_characters(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """Console lines: a client's control characters (a path, a header) are shown escaped,
    never sent to the terminal, where they could rewrite or hide what is on screen."""
    for key, value in event_dict.items():
        if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
            event_dict[key] = _CONTROL_CHARACTERS.sub(
                lambda match: match.group().encode("unicode_escape").decode(), value
            )
    return event_dict


def _shared_processors(extra: Sequence[Processor]) -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        *extra,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _formatter(*, json: bool, extra: Sequence[Processor]) -> structlog.stdlib.ProcessorFormatter:
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer()
        # Tracebacks as data, without each frame's local variables: those hold
        # passwords, tokens and settings.
        tracebacks = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
        final: list[Processor] = [tracebacks, renderer]
    else:
        renderer = structlog.dev.ConsoleRenderer()
        final = [_escape_control_characters, renderer]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(extra),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )


def configure_logging(
    settings: Settings,
    stream: IO[str] | None = None,
    extra_processors: Sequence[Processor] = (),
) -> None:
    """Route structlog and stdlib logging through one formatter; idempotent.

    `extra_processors` add fields to every record (the trace ids, when tracing is on).
    """
    level = logging.getLevelName(settings.LOG_LEVEL)

    console = logging.StreamHandler(stream) if stream else _CurrentStdoutHandler(sys.stdout)
    console.setFormatter(_formatter(json=settings.log_json, extra=extra_processors))
    handlers: list[logging.Handler] = [console]
    if settings.LOG_FILE is not None:
        settings.LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            settings.LOG_FILE,
            maxBytes=LOG_FILE_MAX_BYTES,
            backupCount=LOG_FILE_BACKUP_COUNT,
            encoding="utf-8",
        )
        file_handler.setFormatter(_formatter(json=True, extra=extra_processors))
        handlers.append(file_handler)

    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)

    # Uvicorn's own handlers would print a second, differently formatted copy;
    # the access log is replaced by the app's request log line.
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.handlers.clear()
    access_logger.propagate = False
    # SQL statements go through logging (not `echo=True`), so they share the format.
    logging.getLogger("sqlalchemy.engine").setLevel(
        logging.INFO if settings.DB_LOG_SQL else logging.WARNING
    )

    structlog.configure(
        processors=[
            *_shared_processors(extra_processors),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
