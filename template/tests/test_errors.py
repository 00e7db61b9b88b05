"""Errors: every failure answers with the same body and the right status."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, HTTPException
from httpx import ASGITransport, AsyncClient, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.api.deps import SessionDep
from app.core import exceptions
from app.core.config import Settings
from app.core.logging import configure_logging


class Item(BaseModel):
    name: str = Field(min_length=1)
    quantity: int = Field(gt=0)


@pytest.fixture
async def error_app(app: FastAPI) -> FastAPI:
    """The real app, plus routes that fail in each way the handlers must cover."""

    @app.get("/boom/app/{name}")
    async def raise_app_exception(name: str) -> None:
        error_class = getattr(exceptions, name)
        raise error_class(details={"hint": "test"})

    @app.get("/boom/http")
    async def raise_http_exception() -> None:
        raise HTTPException(status_code=418, detail="No coffee here.")

    @app.post("/boom/validate")
    async def validate(item: Item) -> Item:
        return item

    @app.get("/boom/unexpected")
    async def raise_unexpected() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/boom/integrity")
    async def violate_constraint(session: SessionDep) -> None:
        await session.execute(text("CREATE TEMPORARY TABLE t (id int PRIMARY KEY)"))
        await session.execute(text("INSERT INTO t VALUES (1), (1)"))

    @app.get("/boom/pool-timeout")
    async def exhaust_pool() -> None:
        raise PoolTimeoutError("QueuePool limit reached")

    @app.get("/boom/connection-lost")
    async def lose_connection() -> None:
        raise DBAPIError("SELECT 1", None, ConnectionResetError(), connection_invalidated=True)

    @app.get("/boom/database")
    async def database_error() -> None:
        raise OperationalError("SELECT 1", None, Exception("disk full"))

    return app


@pytest.fixture
async def error_client(error_app: FastAPI) -> AsyncIterator[AsyncClient]:
    # Unexpected exceptions are re-raised by Starlette after the 500 is sent unless told not to.
    transport = ASGITransport(app=error_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("AppException", 500, "INTERNAL_SERVER_ERROR"),
        ("InvalidRequestError", 422, "VALIDATION_ERROR"),
        ("ResourceNotFoundError", 404, "NOT_FOUND"),
        ("UnauthorizedError", 401, "UNAUTHORIZED"),
        ("ForbiddenError", 403, "FORBIDDEN"),
        ("ConflictError", 409, "CONFLICT"),
        ("ContentTooLargeError", 413, "CONTENT_TOO_LARGE"),
        ("HeadersTooLargeError", 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"),
        ("DatabaseError", 500, "DATABASE_ERROR"),
        ("ServiceUnavailableError", 503, "SERVICE_UNAVAILABLE"),
    ],
)
async def test_app_exceptions_map_to_their_status_and_code(
    error_client: AsyncClient, name: str, status: int, code: str
) -> None:
    response = await error_client.get(f"/boom/app/{name}")

    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert body["message"] == getattr(exceptions, name).default_message
    assert body["details"] == {"hint": "test"}


async def test_unauthorized_asks_for_a_bearer_token(error_client: AsyncClient) -> None:
    response = await error_client.get("/boom/app/UnauthorizedError")

    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_unknown_route_gets_the_standard_body(error_client: AsyncClient) -> None:
    response = await error_client.get("/no/such/route")

    assert response.status_code == 404
    assert response.json() == {"error": "NOT_FOUND", "message": "Not Found", "details": None}


async def test_wrong_method_gets_the_standard_body(error_client: AsyncClient) -> None:
    response = await error_client.delete("/health/live")

    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]


async def test_http_exception_keeps_its_status_and_message(error_client: AsyncClient) -> None:
    response = await error_client.get("/boom/http")

    assert response.status_code == 418
    assert response.json() == {
        "error": "IM_A_TEAPOT",
        "message": "No coffee here.",
        "details": None,
    }


async def test_validation_errors_list_each_field(error_client: AsyncClient) -> None:
    response = await error_client.post("/boom/validate", json={"name": "", "quantity": 0})

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR"
    fields = {detail["field"]: detail for detail in body["details"]}
    assert set(fields) == {"body.name", "body.quantity"}
    assert fields["body.quantity"]["type"] == "greater_than"
    assert fields["body.quantity"]["message"]


async def test_malformed_json_is_a_validation_error(error_client: AsyncClient) -> None:
    response = await error_client.post(
        "/boom/validate", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "VALIDATION_ERROR"


def assert_standard_body(response: Response) -> None:
    assert set(response.json()) == {"error", "message", "details"}


async def test_an_oversized_body_is_refused_with_413(
    error_client: AsyncClient, settings: Settings
) -> None:
    padding = b"x" * settings.MAX_REQUEST_BODY_BYTES
    response = await error_client.post(
        "/boom/validate",
        content=b'{"name": "' + padding + b'", "quantity": 1}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert_standard_body(response)
    assert response.json()["error"] == "CONTENT_TOO_LARGE"


async def test_an_oversized_body_without_a_length_is_cut_off_with_413(
    error_client: AsyncClient, settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(settings.MAX_REQUEST_BODY_BYTES // 65536 + 1):
            yield b"x" * 65536
        yield b'", "quantity": 1}'

    response = await error_client.post(
        "/boom/validate", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["error"] == "CONTENT_TOO_LARGE"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"name": "x", "quantity": 1}'),
        ("application/x-www-form-urlencoded", b"name=x&quantity=1"),
        ("application/json", b'["not", "an", "object"]'),
        ("application/json", b"\xff\xfe binary"),
    ],
)
async def test_a_body_of_the_wrong_kind_is_a_4xx_in_the_standard_body(
    error_client: AsyncClient, content_type: str, content: bytes
) -> None:
    response = await error_client.post(
        "/boom/validate", content=content, headers={"Content-Type": content_type}
    )

    assert 400 <= response.status_code < 500
    assert_standard_body(response)


async def test_oversized_headers_are_refused_with_431(
    error_client: AsyncClient, settings: Settings
) -> None:
    padding = "x" * settings.MAX_REQUEST_HEADER_BYTES
    response = await error_client.get("/health/live", headers={"X-Padding": padding})

    assert response.status_code == 431
    assert_standard_body(response)
    assert response.headers["X-Request-ID"]


async def test_unexpected_exception_hides_internals_and_names_the_request(
    error_client: AsyncClient, settings: Settings
) -> None:
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"LOG_JSON": True}), stream=stream)
    try:
        response = await error_client.get(
            "/boom/unexpected", headers={"X-Request-ID": "trace-me-123"}
        )
    finally:
        configure_logging(settings)

    assert response.status_code == 500
    assert response.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "message": "An unexpected error occurred.",
        "details": {"request_id": "trace-me-123"},
    }
    assert "secret internal detail" not in response.text
    assert response.headers["X-Request-ID"] == "trace-me-123"
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    [error_line] = [line for line in logged if line["event"] == "unhandled_exception"]
    assert error_line["request_id"] == "trace-me-123"
    assert error_line["level"] == "error"
    [access_line] = [line for line in logged if line["event"] == "request"]
    assert access_line["status"] == 500


async def test_integrity_violation_is_a_conflict(error_client: AsyncClient) -> None:
    response = await error_client.get("/boom/integrity")

    assert response.status_code == 409
    assert response.json()["error"] == "CONFLICT"
    assert "duplicate key" not in response.text


@pytest.mark.parametrize("path", ["/boom/pool-timeout", "/boom/connection-lost"])
async def test_unreachable_database_is_service_unavailable(
    error_client: AsyncClient, path: str
) -> None:
    response = await error_client.get(path)

    assert response.status_code == 503
    assert response.json()["error"] == "SERVICE_UNAVAILABLE"


async def test_other_database_errors_are_generic_database_errors(
    error_client: AsyncClient,
) -> None:
    response = await error_client.get("/boom/database")

    assert response.status_code == 500
    assert response.json()["error"] == "DATABASE_ERROR"
    assert "disk full" not in response.text


async def test_openapi_declares_the_error_body(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    ready_503 = schema["paths"]["/health/ready"]["get"]["responses"]["503"]
    assert ready_503["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
