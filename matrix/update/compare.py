"""Comparing projects: an updated one with a fresh render, and two releases' renders."""

from __future__ import annotations

import difflib
from pathlib import Path

from matrix.update.runner import Runner, tail

# Never compared with a fresh render: .env is the user's from the first render on
# (`_skip_if_exists`, random secret), the rest is produced by running the project.
NOT_COMPARED = {".env", "uv.lock"}
NOT_COMPARED_PARTS = {
    ".git",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}
UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


def compared_files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in root.rglob("*")
        if (path.is_file() or path.is_symlink())
        and not NOT_COMPARED_PARTS.intersection(path.relative_to(root).parts)
        and path.relative_to(root).as_posix() not in NOT_COMPARED
    }


def differences(expected_root: Path, actual_root: Path) -> list[str]:
    """Every file that is missing, unexpected or different, with the first diff lines."""
    expected, actual = compared_files(expected_root), compared_files(actual_root)
    problems = [f"missing after the update: {name}" for name in sorted(expected.keys() - actual)]
    problems += [f"left behind by the update: {name}" for name in sorted(actual.keys() - expected)]
    for name in sorted(expected.keys() & actual.keys()):
        wanted, got = expected[name].read_bytes(), actual[name].read_bytes()
        if wanted != got:
            diff = difflib.unified_diff(
                wanted.decode(errors="replace").splitlines(),
                got.decode(errors="replace").splitlines(),
                "expected (fresh render + team edits)",
                "updated project",
                lineterm="",
            )
            problems.append(
                f"differs from a fresh render with the same edits: {name}\n"
                + tail("\n".join(diff), 20)
            )
    return problems


def conflicts(runner: Runner, project: Path) -> list[str]:
    """`.rej` files, unmerged paths and files holding copier's conflict markers."""
    found = [
        f"rejected hunks: {path.relative_to(project)}"
        for path in project.rglob("*.rej")
        if ".git" not in path.relative_to(project).parts
    ]
    status = runner.git(project, "status", "--porcelain", "--untracked-files=all")
    found += [f"unmerged: {line}" for line in status.splitlines() if line[:2] in UNMERGED]
    for name, path in compared_files(project).items():
        text = path.read_bytes().decode(errors="replace")
        if any(marker in text.splitlines() for marker in CONFLICT_MARKERS):
            found.append(f"conflict markers: {name}")
    return found


def changed_between(old: Path, new: Path) -> list[str]:
    old_files, new_files = compared_files(old), compared_files(new)
    return sorted(
        name
        for name in old_files.keys() | new_files.keys()
        if name not in old_files
        or name not in new_files
        or old_files[name].read_bytes() != new_files[name].read_bytes()
    )


def conflicting_line(old: Path, new: Path) -> tuple[str, str] | None:
    """A line of a Python file that the new release changes: (file, line)."""
    old_files, new_files = compared_files(old), compared_files(new)
    for name in sorted(old_files.keys() & new_files.keys()):
        if not name.endswith(".py"):
            continue
        old_lines = old_files[name].read_text().splitlines()
        new_lines = new_files[name].read_text().splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, first, last, _, _ in matcher.get_opcodes():
            if tag != "replace":
                continue
            for line in old_lines[first:last]:
                unique = sum(candidate == line for candidate in old_lines) == 1
                if line.strip() and unique and not line.rstrip().endswith(("\\", '"""')):
                    return name, line
    return None
