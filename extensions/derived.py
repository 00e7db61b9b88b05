"""Values the template derives from the answers, computed in one place.

Loaded by copier-template-extensions (``--trust`` is required for that).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import PurePath

from jinja2 import Environment
from jinja2.ext import Extension

_SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# Deliberately simple: one "@", no spaces, a dot in the domain. Full RFC 5322 parsing
# would accept addresses no mail server delivers to.
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slugify(value: str) -> str:
    """Turn a human-readable name into a lowercase, hyphenated slug."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_value.lower())
    slug = "-".join(words)
    # A slug starts with a letter: it is also a console command name.
    return re.sub(r"^[0-9-]+", "", slug) or "service"


def is_valid_slug(value: str) -> bool:
    return bool(_SLUG_PATTERN.match(value))


def is_valid_email(value: str) -> bool:
    return bool(_EMAIL_PATTERN.match(value.strip()))


_ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?$")


def is_valid_origin(value: object) -> bool:
    """scheme://host[:port], as browsers send it in the Origin header."""
    return isinstance(value, str) and bool(_ORIGIN_PATTERN.match(value))


def name_from_path(path: object) -> str:
    """A readable project name from the destination folder: "orders-api" -> "Orders Api"."""
    folder = PurePath(str(path)).name or "service"
    words = re.split(r"[-_\s]+", folder)
    return " ".join(word.capitalize() for word in words if word) or "Service"


def random_secret(length: int = 48) -> str:
    """A URL-safe random secret; rendered into .env only, never into the answers file."""
    return secrets.token_urlsafe(length)


class DerivedValues(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["slugify"] = slugify
        environment.filters["name_from_path"] = name_from_path
        environment.filters["is_valid_slug"] = is_valid_slug
        environment.filters["is_valid_email"] = is_valid_email
        environment.filters["is_valid_origin"] = is_valid_origin
        environment.globals["random_secret"] = random_secret
