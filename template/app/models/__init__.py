"""ORM models. Import every model here so Alembic sees the whole schema."""

from app.db.base import Base

__all__ = ["Base"]
