"""Password hashing: Argon2id now, legacy bcrypt verified and upgraded."""

from __future__ import annotations

import os
import sys
import threading

import bcrypt
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import security
from app.core.security import hash_password, password_problems, verify_password
from app.models import User
from tests.auth.conftest import login

LEGACY_PASSWORD = "from-the-old-system-1"


async def test_new_hashes_are_argon2id_and_verify() -> None:
    hashed = await hash_password("a-fine-password-1")

    assert hashed.startswith("$argon2id$")
    assert await verify_password("a-fine-password-1", hashed) == (True, None)
    assert (await verify_password("another-password-1", hashed))[0] is False


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(sys.platform != "linux", reason="threads have a priority of their own on Linux")
async def test_hashes_run_off_the_event_loop_at_a_lower_cpu_priority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[int, int]] = []
    original = security.password_hash.hash

    def recording_hash(password: str) -> str:
        seen.append((threading.get_ident(), _niceness()))
        return original(password)

    monkeypatch.setattr(security.password_hash, "hash", recording_hash)

    await hash_password("a-fine-password-1")

    [(thread, niceness)] = seen
    assert thread != threading.get_ident()
    assert niceness == min(19, _niceness() + security.HASHING_NICENESS)


async def test_verifying_without_a_hash_always_fails() -> None:
    assert await verify_password("anything-1", None) == (False, None)


async def test_legacy_bcrypt_hash_logs_in_and_is_upgraded(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    legacy_hash = bcrypt.hashpw(LEGACY_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    user = User(email="old@example.com", username="old", hashed_password=legacy_hash)
    db_session.add(user)
    await db_session.commit()

    response = await login(client, "old@example.com", LEGACY_PASSWORD)

    assert response.status_code == 200
    await db_session.refresh(user)
    assert user.hashed_password.startswith("$argon2id$")
    assert (await login(client, "old@example.com", LEGACY_PASSWORD)).status_code == 200


async def test_over_long_password_against_a_bcrypt_hash_fails_cleanly() -> None:
    legacy_hash = bcrypt.hashpw(b"short-secret-1", bcrypt.gensalt(rounds=4)).decode()

    assert await verify_password("y" * 100, legacy_hash) == (False, None)


def test_password_policy_explains_each_problem() -> None:
    assert password_problems("correct-horse-42") == []
    assert password_problems("abc") == [
        "must be at least 8 characters",
        "must mix letters with digits or symbols",
    ]
    assert "is too common" in password_problems("password1")
