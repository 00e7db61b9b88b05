"""Rate limits on every path that hashes or verifies a password, in every storage the
service can count in (tests/auth/rate_limit_storages.py)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.core.rate_limit import RateLimitedError, RateLimiter
from tests.auth.conftest import UserFactory, bearer, client_from, login, tokens_for
from tests.auth.rate_limit_storages import STORAGES

# A window the test waits out: as short as it can be while 3 attempts fit in it.
SHORT_WINDOW_SECONDS = 3


async def attempt_login(client: AsyncClient, account: str) -> int:
    response = await client.post(
        "/api/v1/auth/login", data={"username": account, "password": "wrong-password-1"}
    )
    return response.status_code


async def test_storage_is_the_configured_one(limited_app: FastAPI, rate_limit_storage: str) -> None:
    limiter: RateLimiter = limited_app.state.rate_limiter
    _, expected = STORAGES[rate_limit_storage]

    assert type(limiter.storage).__name__ == expected


async def test_per_account_limit_answers_429_with_retry_after(
    limited_app: FastAPI, window_seconds: int
) -> None:
    async with client_from(limited_app, "10.0.0.1") as client:
        statuses = [await attempt_login(client, "ada"), await attempt_login(client, "ada")]
        response = await client.post(
            "/api/v1/auth/login", data={"username": "ADA", "password": "wrong-password-1"}
        )

    assert statuses == [401, 401]
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= window_seconds + 1
    assert response.json() == {
        "error": "RATE_LIMITED",
        "message": "Too many requests; try again later.",
        "details": {"retry_after": int(response.headers["Retry-After"])},
    }


async def test_failed_logins_elsewhere_do_not_lock_the_owner_out(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    victim = await make_user()
    async with (
        client_from(limited_app, "10.0.1.1") as attacker,
        client_from(limited_app, "10.0.1.2") as owner,
    ):
        guesses = [await attempt_login(attacker, victim.email) for _ in range(3)]
        response = await login(owner, victim.email)

    assert guesses == [401, 401, 429]
    assert response.status_code == 200


async def test_email_and_username_share_one_account_budget(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    async with client_from(limited_app, "10.0.1.3") as client:
        statuses = [
            await attempt_login(client, user.email),
            await attempt_login(client, user.username),
            await attempt_login(client, user.email.upper()),
        ]

    assert statuses == [401, 401, 429]


async def test_failed_logins_from_many_addresses_are_limited_together(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    statuses = []
    for host in range(5):
        async with client_from(limited_app, f"10.0.2.{host}") as client:
            statuses.append(await attempt_login(client, user.username))

    assert statuses == [401, 401, 401, 401, 429]


async def test_guessers_elsewhere_cannot_lock_the_owner_out_of_a_known_network(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    owner = await make_user()
    async with client_from(limited_app, "10.0.8.1") as home:
        first_login = await login(home, owner.email)
    guesses = []
    for host in range(5):
        async with client_from(limited_app, f"10.0.9.{host}") as attacker:
            guesses.append(await attempt_login(attacker, owner.email))
    async with (
        client_from(limited_app, "10.0.8.1") as home,
        client_from(limited_app, "10.0.8.2") as new_network,
    ):
        at_home = await login(home, owner.email)
        elsewhere = await login(new_network, owner.email)

    assert first_login.status_code == 200
    assert guesses == [401, 401, 401, 429, 429]  # the all-addresses budget: 4, one was home
    assert at_home.status_code == 200
    assert elsewhere.status_code == 429  # an address never seen waits for the window


async def test_guessing_the_current_password_spends_the_login_budget(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    async with client_from(limited_app, "10.0.10.1") as elsewhere:
        headers = bearer((await tokens_for(elsewhere, user))["access_token"])
    async with client_from(limited_app, "10.0.10.2") as thief:
        failed_logins = [await attempt_login(thief, user.email) for _ in range(2)]
        change = await thief.patch(
            "/api/v1/users/me",
            json={"password": "taken-over-42", "current_password": "a-guess-1"},
            headers=headers,
        )

    assert failed_logins == [401, 401]
    assert change.status_code == 429


async def test_concurrent_password_checks_cannot_outrun_the_budget(limited_app: FastAPI) -> None:
    limiter: RateLimiter = limited_app.state.rate_limiter

    outcomes = await asyncio.gather(
        *(limiter.begin_password_check("user:concurrent", "10.0.11.1") for _ in range(10)),
        return_exceptions=True,
    )

    assert sum(outcome is None for outcome in outcomes) == 2
    assert all(isinstance(outcome, RateLimitedError) for outcome in outcomes if outcome)


async def test_successful_logins_do_not_spend_the_account_budget(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    async with client_from(limited_app, "10.0.1.4") as client:
        statuses = [(await login(client, user.email)).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


async def test_addresses_that_are_not_ips_share_one_budget(limited_app: FastAPI) -> None:
    statuses = []
    for forged in ("proxy-said-a", "proxy-said-b", "proxy-said-c", "proxy-said-d"):
        async with client_from(limited_app, forged) as client:
            statuses.append(await attempt_login(client, f"someone-{forged}"))

    assert statuses == [401, 401, 401, 429]


async def test_per_ip_limit_spans_accounts(limited_app: FastAPI) -> None:
    async with client_from(limited_app, "10.0.0.3") as client:
        statuses = [await attempt_login(client, f"user{n}") for n in range(4)]

    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize("window_seconds", [SHORT_WINDOW_SECONDS])
async def test_limit_resets_when_the_window_passes(limited_app: FastAPI) -> None:
    async with client_from(limited_app, "10.0.0.4") as client:
        before = [await attempt_login(client, "grace") for _ in range(3)]
        await asyncio.sleep(SHORT_WINDOW_SECONDS + 0.1)
        after = await attempt_login(client, "grace")

    assert before == [401, 401, 429]
    assert after == 401


async def test_register_is_limited_per_email(limited_app: FastAPI) -> None:
    payload = {"email": "x@example.com", "username": "xavier", "password": "a-good-one-42"}
    async with client_from(limited_app, "10.0.0.5") as client:
        statuses = [
            (await client.post("/api/v1/auth/register", json=payload)).status_code for _ in range(3)
        ]

    assert statuses == [201, 409, 429]


async def refresh(client: AsyncClient, token: str) -> tuple[int, str]:
    """(status, the new refresh token or "")."""
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    return response.status_code, response.json().get("refresh_token", "")


async def test_refresh_is_limited_per_account(limited_app: FastAPI, make_user: UserFactory) -> None:
    user = await make_user()
    async with (
        client_from(limited_app, "10.0.0.6") as browser,
        client_from(limited_app, "10.0.0.7") as phone,
    ):
        token = (await tokens_for(browser, user))["refresh_token"]
        first, token = await refresh(phone, token)
        second, token = await refresh(phone, token)
        third, _ = await refresh(phone, token)

    assert [first, second, third] == [200, 200, 429]


async def test_replaying_a_dead_refresh_token_does_not_spend_the_owner_budget(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    async with client_from(limited_app, "10.0.3.1") as owner:
        stolen = (await tokens_for(owner, user))["refresh_token"]
        logout = await owner.post("/api/v1/auth/logout", json={"refresh_token": stolen})
        replays = []
        for host in range(3):
            async with client_from(limited_app, f"10.0.4.{host}") as attacker:
                replays.append((await refresh(attacker, stolen))[0])
        token = (await tokens_for(owner, user))["refresh_token"]
        first, token = await refresh(owner, token)
    async with client_from(limited_app, "10.0.3.2") as owner_elsewhere:
        second, _ = await refresh(owner_elsewhere, token)

    assert logout.status_code == 204
    assert replays == [401, 401, 401]
    assert [first, second] == [200, 200]


async def test_profile_changes_are_limited_per_account(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    user = await make_user()
    wrong = {"password": "a-new-one-42", "current_password": "a-guess-1"}
    async with client_from(limited_app, "10.0.5.1") as client:
        headers = bearer((await tokens_for(client, user))["access_token"])
    statuses = []
    for host in range(3):
        async with client_from(limited_app, f"10.0.5.{host + 2}") as client:
            response = await client.patch("/api/v1/users/me", json=wrong, headers=headers)
            statuses.append(response.status_code)

    assert statuses == [403, 403, 429]


async def test_profile_changes_are_limited_per_ip(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    headers = []
    for host in range(4):
        async with client_from(limited_app, f"10.0.5.{host + 30}") as client:
            tokens = await tokens_for(client, await make_user())
            headers.append(bearer(tokens["access_token"]))
    async with client_from(limited_app, "10.0.5.21") as client:
        statuses = [
            (
                await client.patch(
                    "/api/v1/users/me", json={"username": f"taken{n}"}, headers=header
                )
            ).status_code
            for n, header in enumerate(headers)
        ]

    assert statuses == [200, 200, 200, 429]


async def test_setting_passwords_as_an_admin_is_limited(
    limited_app: FastAPI, make_user: UserFactory
) -> None:
    admin = await make_user(is_superuser=True)
    other = await make_user()
    async with client_from(limited_app, "10.0.6.1") as client:
        headers = bearer((await tokens_for(client, admin))["access_token"])
    statuses = []
    for host in range(3):
        async with client_from(limited_app, f"10.0.6.{host + 2}") as client:
            response = await client.patch(
                f"/api/v1/users/{other.id}",
                json={"password": f"new-password-{host}"},
                headers=headers,
            )
            statuses.append(response.status_code)

    assert statuses == [200, 200, 429]
