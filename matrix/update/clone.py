"""The template clone in which releases are tagged: the working tree is the new one."""

from __future__ import annotations

import shutil
from pathlib import Path

from matrix.releases import RELEASES, current_version
from matrix.update.runner import CheckFailed, git

ROOT = Path(__file__).resolve().parent.parent.parent


def clone_working_tree(destination: Path) -> Path:
    """A clone of this repository whose HEAD is its working tree, without any tag.

    The working tree (tracked and untracked files, not ignored ones) is committed as
    "work in progress" when it differs from HEAD, so `--vcs-ref HEAD` and a tag at HEAD
    both render what is on disk now, including an uncommitted copier.yml.
    """
    if destination.exists():
        shutil.rmtree(destination)
    git(destination.parent, "clone", "--quiet", str(ROOT), str(destination))
    for entry in destination.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in sorted(set(filter(None, listed.split("\0")))):
        source = ROOT / relative
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    git(destination, "add", "--all")
    if git(destination, "status", "--porcelain").strip():
        git(destination, "commit", "--quiet", "-m", "work in progress")
    # Only the tags a caller makes: one of the real repository could change what HEAD
    # describes, and so the version copier sees.
    for tag in git(destination, "tag", "--list").split():
        git(destination, "tag", "--delete", tag)
    return destination


def prepare_template(workdir: Path) -> Path:
    """The working tree tagged as VERSION, every older release tagged at its commit."""
    for release in RELEASES:
        try:
            git(ROOT, "rev-parse", "--verify", "--quiet", f"{release.commit}^{{commit}}")
        except CheckFailed:
            raise CheckFailed(
                f"commit {release.commit} ({release.version}) is not in {ROOT}: a shallow "
                "clone? Fetch the history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)."
            ) from None
    clone = clone_working_tree(workdir / "template")
    for release in RELEASES:
        git(clone, "tag", release.version, release.commit)
    git(clone, "tag", current_version(), "HEAD")
    return clone
