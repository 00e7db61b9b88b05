"""CORS from the settings, and the request id on every response."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.core.config import Settings


@pytest.fixture
def allowed_origin(settings: Settings) -> str:
    return settings.CORS_ORIGINS[0]


async def test_preflight_from_an_allowed_origin_is_accepted(
    client: AsyncClient, allowed_origin: str
) -> None:
    response = await client.options(
        "/health/live",
        headers={"Origin": allowed_origin, "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == allowed_origin
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_preflight_from_an_unknown_origin_is_refused(client: AsyncClient) -> None:
    response = await client.options(
        "/health/live",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_simple_request_exposes_the_request_id_to_browsers(
    client: AsyncClient, allowed_origin: str
) -> None:
    response = await client.get("/health/live", headers={"Origin": allowed_origin})

    assert response.headers["access-control-allow-origin"] == allowed_origin
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_a_request_id_is_generated_when_none_is_sent(client: AsyncClient) -> None:
    first = await client.get("/health/live")
    second = await client.get("/health/live")

    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_a_well_formed_inbound_request_id_is_kept(client: AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123_DEF.456"})

    assert response.headers["X-Request-ID"] == "abc-123_DEF.456"


@pytest.mark.parametrize("bad_id", ["short", "has space in it", "x" * 200, "semi;colon-value"])
async def test_a_malformed_inbound_request_id_is_replaced(client: AsyncClient, bad_id: str) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": bad_id})

    assert response.headers["X-Request-ID"] != bad_id
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("path", ["/health/live", "/no-such-page"])
async def test_every_response_forbids_content_sniffing(client: AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
