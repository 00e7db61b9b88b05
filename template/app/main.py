"""The application factory: settings, logging, middleware, handlers and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.health import router as health_router
from app.api.v1 import api_router
from app.core.config import Settings, get_settings
from app.core.handlers import register_exception_handlers
from app.core.logging import configure_logging, get_logger
from app.core.rate_limit import RateLimiter
from app.core.request_context import REQUEST_ID_HEADER, RequestContextMiddleware
from app.db.session import create_engine, create_session_factory
from app.schemas.errors import COMMON_ERROR_RESPONSES

logger = get_logger(__name__)


def _service_version(settings: Settings) -> str:
    try:
        return version(settings.SERVICE_NAME)
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; uvicorn calls it with `--factory`."""
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        rate_limiter = RateLimiter(settings)
        app.state.rate_limiter = rate_limiter
        logger.info("startup", environment=settings.ENVIRONMENT, version=app.version)
        try:
            yield
        finally:
            await rate_limiter.close()
            await engine.dispose()
            logger.info("shutdown")

    app = FastAPI(
        title=settings.PROJECT_NAME,
        version=_service_version(settings),
        debug=settings.DEBUG,
        lifespan=lifespan,
        responses=COMMON_ERROR_RESPONSES,
    )
    app.state.settings = settings

    register_exception_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.CORS_ORIGINS,
        allow_credentials=settings.CORS_ALLOW_CREDENTIALS,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[REQUEST_ID_HEADER],
    )
    # Added last, so it is outermost: every response, CORS ones included, carries the id.
    app.add_middleware(RequestContextMiddleware)

    app.include_router(health_router)
    app.include_router(api_router, prefix=settings.API_V1_PREFIX)
    return app
