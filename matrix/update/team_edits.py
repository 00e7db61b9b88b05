"""What a team does to its project: a model and its migration, a router, a setting, the
README, a dependency. The new files are real files under fixtures/widgets/ (ruff checks
them there; the updated projects' mypy and pytest check them in place)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from matrix.update.runner import CheckFailed, Runner

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "widgets"
MIGRATION_FILE = "app/migrations/versions/3f6c2a9d8e41_widgets.py"
# The migration fixture names this revision; the head of the project it joins replaces it.
DOWN_REVISION_PLACEHOLDER = "__down_revision__"
# Not LOG_LEVEL: the rendered tests read its default (tests/test_logging.py expects INFO).
SETTING_BEFORE = "DB_COMMAND_TIMEOUT: float = Field(default=30.0, gt=0)"
SETTING_AFTER = "DB_COMMAND_TIMEOUT: float = Field(default=15.0, gt=0)"
# The documented default follows (the project's tests hold .env.example to the defaults).
DOCUMENTED_BEFORE = "\nDB_COMMAND_TIMEOUT=30\n"
DOCUMENTED_AFTER = "\nDB_COMMAND_TIMEOUT=15\n"
# In name order, as `uv add` puts it, between sqlalchemy and structlog, where no release adds
# or removes one (0.3.0 removes typer). `humanize` would land next to `gunicorn`, which 0.3.0
# adds: a conflict, rightly.
DEPENDENCY = '"stamina>=25.1",'
DEPENDENCY_NAME = "stamina"


def copy_fixture(project: Path, kind: str, name: str) -> None:
    """fixtures/widgets/<kind>/<name> to <project>/<name>."""
    shutil.copyfile(FIXTURES / kind / name, project / name)


def migration_head(project: Path) -> str:
    """The revision no other revision names as its `down_revision`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (project / "app/migrations/versions").glob("*.py"):
        text = script.read_text()
        revision = re.search(r'^revision(?:: str)? = "([^"]+)"', text, re.MULTILINE)
        parent = re.search(r'^down_revision(?:: [^=]+)? = "([^"]+)"', text, re.MULTILINE)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise CheckFailed(f"expected one Alembic head in {project}, found {sorted(heads)}")
    return heads.pop()


def replace_once(path: Path, before: str, after: str) -> None:
    text = path.read_text()
    if text.count(before) != 1:
        raise CheckFailed(f"{path}: expected `{before}` once, found it {text.count(before)}x")
    path.write_text(text.replace(before, after))


def add_to_import(path: Path, module: str, name: str, before_module: str) -> None:
    """`from module import name`, merged into an existing import of `module` as isort does."""
    text = path.read_text()
    existing = re.search(rf"^from {re.escape(module)} import (.+)$", text, re.MULTILINE)
    if existing:
        names = sorted({*existing.group(1).split(", "), name})
        line = f"from {module} import {', '.join(names)}"
        path.write_text(text[: existing.start()] + line + text[existing.end() :])
    else:
        anchor = f"from {before_module} import"
        replace_once(path, anchor, f"from {module} import {name}\n{anchor}")


def add_model(project: Path) -> None:
    copy_fixture(project, "database", "app/models/widget.py")
    models = project / "app/models/__init__.py"
    text = models.read_text()
    imports = list(re.finditer(r"^from app\.[\w.]+ import .+$", text, re.MULTILINE))
    if not imports:
        raise CheckFailed(f"{models}: no `from app... import` line to follow")
    last = imports[-1]
    text = text[: last.end()] + "\nfrom app.models.widget import Widget" + text[last.end() :]
    exported = re.search(r"^__all__ = \[(.*)\]$", text, re.MULTILINE)
    if not exported:
        raise CheckFailed(f"{models}: no one-line __all__")
    names = sorted({*re.findall(r'"(\w+)"', exported.group(1)), "Widget"})
    listed = ", ".join(f'"{name}"' for name in names)
    models.write_text(text[: exported.start()] + f"__all__ = [{listed}]" + text[exported.end() :])
    migration = (FIXTURES / "database" / MIGRATION_FILE).read_text()
    head = migration_head(project)
    (project / MIGRATION_FILE).write_text(migration.replace(DOWN_REVISION_PLACEHOLDER, head))


def add_router(project: Path, with_database: bool) -> None:
    """The widget router and its test: on the team's table, or a fixed catalogue."""
    copy_fixture(project, "common", "app/schemas/widget.py")
    kind = "database" if with_database else "static"
    copy_fixture(project, kind, "app/api/v1/widgets.py")
    copy_fixture(project, kind, "tests/test_widgets.py")
    routers = project / "app/api/v1/__init__.py"
    add_to_import(routers, "app.api.v1", "widgets", before_module="app.schemas.errors")
    text = routers.read_text()
    routers.write_text(text.rstrip("\n") + "\napi_router.include_router(widgets.router)\n")


def change_setting(project: Path) -> None:
    replace_once(project / "app/core/config.py", SETTING_BEFORE, SETTING_AFTER)
    replace_once(project / ".env.example", DOCUMENTED_BEFORE, DOCUMENTED_AFTER)


def extend_readme(project: Path) -> None:
    """The team's own section, first after the introduction.

    Not appended at the end: the template adds sections there too (a new last section
    conflicts with every project that appended one), see "Updating your service".
    """
    readme = project / "README.md"
    text = readme.read_text()
    first_section = re.search(r"^## ", text, re.MULTILINE)
    if not first_section:
        raise CheckFailed(f"{readme}: no `## ` section")
    at = first_section.start()
    section = (FIXTURES / "README-section.md").read_text()
    readme.write_text(text[:at] + section + text[at:])


def add_dependency(project: Path) -> None:
    """Where `uv add` puts it: in name order in `dependencies`."""
    pyproject = project / "pyproject.toml"
    lines = pyproject.read_text().splitlines(keepends=True)
    start = lines.index("dependencies = [\n")
    end = lines.index("]\n", start)
    position = next(
        (
            index
            for index in range(start + 1, end)
            if lines[index].strip().strip('",').lower() > DEPENDENCY.strip('",').lower()
        ),
        end,
    )
    lines.insert(position, f"    {DEPENDENCY}\n")
    pyproject.write_text("".join(lines))


def team_edits(with_database: bool) -> list[tuple[str, Callable[[Path], None]]]:
    """The edits in the order the team commits them: (commit message, edit)."""
    edits: list[tuple[str, Callable[[Path], None]]] = []
    if with_database:
        edits.append(("Widget model and its migration", add_model))
    edits += [
        ("Widget catalogue endpoint", lambda project: add_router(project, with_database)),
        ("Fail slow queries sooner", change_setting),
        ("README: the widget catalogue", extend_readme),
        ("Depend on stamina", add_dependency),
    ]
    return edits


def make_team_edits(project: Path, runner: Runner, with_database: bool) -> None:
    for message, edit in team_edits(with_database):
        edit(project)
        runner.git(project, "add", "--all")
        runner.git(project, "commit", "--quiet", "-m", message)


def edit_evidence(with_database: bool) -> dict[str, str]:
    """A line of each team edit, by file: what must survive an update."""
    evidence = {
        "app/api/v1/widgets.py": "async def list_widgets",
        "app/api/v1/__init__.py": "api_router.include_router(widgets.router)",
        "app/core/config.py": SETTING_AFTER,
        ".env.example": DOCUMENTED_AFTER.strip(),
        "README.md": "## Widgets",
        "pyproject.toml": DEPENDENCY,
        "tests/test_widgets.py": "test_widgets_are_listed_by_name",
    }
    if with_database:
        evidence |= {
            "app/models/widget.py": "class Widget(Base)",
            "app/models/__init__.py": "from app.models.widget import Widget",
            MIGRATION_FILE: 'revision: str = "3f6c2a9d8e41"',
        }
    return evidence


def check_edits_kept(project: Path, with_database: bool) -> list[str]:
    problems = []
    for name, text in edit_evidence(with_database).items():
        path = project / name
        if not path.is_file() or text not in path.read_text():
            problems.append(f"team edit lost: `{text}` no longer in {name}")
    return problems
