"""Profiles and user administration."""

from __future__ import annotations

from httpx import AsyncClient

from tests.auth.conftest import TEST_PASSWORD, UserFactory, bearer, login, tokens_for


async def auth_headers(client: AsyncClient, make_user: UserFactory, **kind: bool) -> dict[str, str]:
    user = await make_user(**kind)
    return bearer((await tokens_for(client, user))["access_token"])


async def test_profile_changes_are_saved(client: AsyncClient, make_user: UserFactory) -> None:
    headers = await auth_headers(client, make_user)

    response = await client.patch(
        "/api/v1/users/me",
        headers=headers,
        json={"username": "renamed", "email": "New@Example.com"},
    )

    assert response.status_code == 200
    assert response.json()["username"] == "renamed"
    assert response.json()["email"] == "new@example.com"
    assert (await client.get("/api/v1/users/me", headers=headers)).json()["username"] == "renamed"


async def test_password_change_needs_the_current_password(
    client: AsyncClient, make_user: UserFactory
) -> None:
    headers = await auth_headers(client, make_user)

    missing = await client.patch(
        "/api/v1/users/me", headers=headers, json={"password": "brand-new-secret-9"}
    )
    wrong = await client.patch(
        "/api/v1/users/me",
        headers=headers,
        json={"password": "brand-new-secret-9", "current_password": "wrong-guess-1"},
    )

    assert missing.status_code == wrong.status_code == 403
    assert wrong.json()["message"] == "The current password is not correct."
    assert "WWW-Authenticate" not in wrong.headers


async def test_password_change_ends_other_sessions_and_takes_effect(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    other_session = await tokens_for(client, user)
    headers = bearer((await tokens_for(client, user))["access_token"])

    response = await client.patch(
        "/api/v1/users/me",
        headers=headers,
        json={"password": "brand-new-secret-9", "current_password": TEST_PASSWORD},
    )

    assert response.status_code == 200
    assert (await login(client, user.email, TEST_PASSWORD)).status_code == 401
    assert (await login(client, user.email, "brand-new-secret-9")).status_code == 200
    old = await client.get("/api/v1/users/me", headers=bearer(other_session["access_token"]))
    assert old.status_code == 401


async def test_taking_another_users_name_is_a_conflict(
    client: AsyncClient, make_user: UserFactory
) -> None:
    other = await make_user()
    headers = await auth_headers(client, make_user)

    response = await client.patch(
        "/api/v1/users/me", headers=headers, json={"username": other.username}
    )

    assert response.status_code == 409


async def test_users_cannot_make_themselves_superusers(
    client: AsyncClient, make_user: UserFactory
) -> None:
    headers = await auth_headers(client, make_user)

    response = await client.patch("/api/v1/users/me", headers=headers, json={"is_superuser": True})

    assert response.status_code == 422


async def test_admin_routes_are_forbidden_to_regular_users(
    client: AsyncClient, make_user: UserFactory
) -> None:
    target = await make_user()
    headers = await auth_headers(client, make_user)

    responses = [
        await client.get("/api/v1/users", headers=headers),
        await client.get(f"/api/v1/users/{target.id}", headers=headers),
        await client.patch(f"/api/v1/users/{target.id}", headers=headers, json={}),
        await client.delete(f"/api/v1/users/{target.id}", headers=headers),
    ]

    assert [response.status_code for response in responses] == [403] * 4
    assert responses[0].json()["error"] == "FORBIDDEN"


async def test_admin_lists_users_page_by_page(client: AsyncClient, make_user: UserFactory) -> None:
    headers = await auth_headers(client, make_user, is_superuser=True)
    for _ in range(4):
        await make_user()

    first = (await client.get("/api/v1/users?limit=2&offset=0", headers=headers)).json()
    last = (await client.get("/api/v1/users?limit=2&offset=4", headers=headers)).json()

    assert first["total"] == last["total"] == 5
    assert len(first["items"]) == 2
    assert len(last["items"]) == 1
    assert {user["id"] for user in first["items"]}.isdisjoint(user["id"] for user in last["items"])


async def test_pagination_limits_are_validated(client: AsyncClient, make_user: UserFactory) -> None:
    headers = await auth_headers(client, make_user, is_superuser=True)

    response = await client.get("/api/v1/users?limit=1000", headers=headers)

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "query.limit"


async def test_admin_reads_updates_and_deletes_a_user(
    client: AsyncClient, make_user: UserFactory
) -> None:
    headers = await auth_headers(client, make_user, is_superuser=True)
    target = await make_user()
    url = f"/api/v1/users/{target.id}"

    assert (await client.get(url, headers=headers)).json()["username"] == target.username
    updated = await client.patch(url, headers=headers, json={"is_active": False})
    assert updated.json()["is_active"] is False
    assert (await client.delete(url, headers=headers)).status_code == 204
    missing = await client.get(url, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "NOT_FOUND"


async def test_admin_can_reset_a_password(client: AsyncClient, make_user: UserFactory) -> None:
    headers = await auth_headers(client, make_user, is_superuser=True)
    target = await make_user()

    await client.patch(
        f"/api/v1/users/{target.id}", headers=headers, json={"password": "reset-by-admin-7"}
    )

    assert (await login(client, target.email, "reset-by-admin-7")).status_code == 200


async def test_deactivation_ends_the_users_sessions(
    client: AsyncClient, make_user: UserFactory
) -> None:
    headers = await auth_headers(client, make_user, is_superuser=True)
    target = await make_user()
    target_tokens = await tokens_for(client, target)

    await client.patch(f"/api/v1/users/{target.id}", headers=headers, json={"is_active": False})
    await client.patch(f"/api/v1/users/{target.id}", headers=headers, json={"is_active": True})

    old_session = bearer(target_tokens["access_token"])
    assert (await client.get("/api/v1/users/me", headers=old_session)).status_code == 401
    assert (await login(client, target.email)).status_code == 200


async def test_admins_cannot_lock_themselves_out(
    client: AsyncClient, make_user: UserFactory
) -> None:
    admin = await make_user(is_superuser=True)
    headers = bearer((await tokens_for(client, admin))["access_token"])
    url = f"/api/v1/users/{admin.id}"

    demote = await client.patch(url, headers=headers, json={"is_superuser": False})
    deactivate = await client.patch(url, headers=headers, json={"is_active": False})
    delete = await client.delete(url, headers=headers)

    assert [demote.status_code, deactivate.status_code, delete.status_code] == [409] * 3
    assert (await client.get("/api/v1/users/me", headers=headers)).json()["is_superuser"] is True


async def test_an_unsupported_method_names_every_method_of_the_path(client: AsyncClient) -> None:
    response = await client.put("/api/v1/users/me", json={})

    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET, PATCH"
