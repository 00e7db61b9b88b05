"""ORM models. Import every model here so Alembic sees the whole schema."""

from app.db.base import Base
from app.models.user import RefreshToken, User

__all__ = ["Base", "RefreshToken", "User"]
