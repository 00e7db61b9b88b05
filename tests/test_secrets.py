"""Each rendered project gets its own JWT secret, kept in .env and nowhere else."""

from __future__ import annotations

from pathlib import Path

from rendering import read_dot_env, render


def test_dot_env_holds_a_jwt_secret_of_at_least_32_characters(default_project: Path) -> None:
    assert len(read_dot_env(default_project).get("JWT_SECRET", "")) >= 32


def test_answers_file_does_not_store_the_jwt_secret(default_project: Path) -> None:
    secret = read_dot_env(default_project)["JWT_SECRET"]
    answers_text = (default_project / ".copier-answers.yml").read_text()

    assert secret not in answers_text
    assert "jwt_secret" not in answers_text.lower()


def test_each_render_gets_its_own_jwt_secret(default_project: Path, tmp_path: Path) -> None:
    other_project = render(tmp_path / "orders-api")

    assert read_dot_env(other_project)["JWT_SECRET"] != read_dot_env(default_project)["JWT_SECRET"]
