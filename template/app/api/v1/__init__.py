"""Version 1 of the API: every router of this version is included here."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.v1 import auth, users
from app.schemas.errors import COMMON_ERROR_RESPONSES

api_router = APIRouter(responses=COMMON_ERROR_RESPONSES)
api_router.include_router(auth.router)
api_router.include_router(users.router)
