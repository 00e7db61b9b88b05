"""Prove that `copier update` carries a real project forward to this working tree.

    python -m matrix.update WORKDIR [-k TEXT]

Needs copier and copier-template-extensions in this interpreter, `uv` on PATH, and the
rendered projects' services: PostgreSQL at TEST_DATABASE_URL and Redis at TEST_REDIS_URL.

The template repository is cloned into WORKDIR/template (clone.py), the working tree of
this repository (tracked and untracked, not ignored) is committed there as "work in
progress" and tagged as VERSION, and each older release of matrix/releases.py is tagged
at its commit. For each variant of `matrix.variants.UPDATED`, a project is rendered at a
release, edited the way a team edits it (team_edits.py: a router, a model and its
migration, a setting, the README, a dependency; new files from fixtures/), each edit
committed, and updated with `copier update --trust --defaults --vcs-ref HEAD`. The update
must merge without conflicts, keep every edit and bring every change of the template:
the result must equal a fresh render of the new release with the same edits made to it
(compare.py). Projects updated from the latest release, and those whose answers change
on update, then pass their own ruff, mypy and pytest; those updated from older releases
pass ruff and import (paths.py). A deliberately conflicting edit must be reported as a
conflict, never lost.

Every project, and a log of every command, stays in WORKDIR for inspection.
"""
