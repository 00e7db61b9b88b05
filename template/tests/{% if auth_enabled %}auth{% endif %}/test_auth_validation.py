"""Registration input is validated before anything is stored."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

VALID = {"email": "grace@example.com", "username": "grace", "password": "cobol-compiler-59"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "body.email"),
        ({"username": "x"}, "body.username"),
        ({"username": "has spaces"}, "body.username"),
        ({"password": "short1"}, "body.password"),
        ({"password": "onlyletters"}, "body.password"),
        ({"password": "password1"}, "body.password"),
        ({"password": "a1" * 40}, "body.password"),
        ({"password": "é1" * 30}, "body.password"),
        ({"is_superuser": True}, "body.is_superuser"),
    ],
    ids=[
        "bad-email",
        "short-username",
        "username-with-spaces",
        "short-password",
        "letters-only-password",
        "common-password",
        "over-long-password",
        "over-72-bytes-password",
        "extra-field",
    ],
)
async def test_invalid_registration_is_refused_with_field_details(
    client: AsyncClient, change: dict[str, object], field: str
) -> None:
    response = await client.post("/api/v1/auth/register", json={**VALID, **change})

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in body["details"]]


async def test_over_long_password_at_login_is_a_plain_401(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", data={"username": "grace", "password": "x" * 500}
    )

    assert response.status_code == 401


async def test_login_without_form_fields_is_a_validation_error(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", data={})

    assert response.status_code == 422
    assert response.json()["error"] == "VALIDATION_ERROR"
