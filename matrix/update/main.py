"""The update checks' command line: run the paths, print a summary."""

from __future__ import annotations

import argparse
import io
import re
import shutil
import sys
import time
from pathlib import Path

from matrix.releases import RELEASES, current_version
from matrix.update.clone import prepare_template
from matrix.update.paths import update_paths
from matrix.update.runner import CheckFailed, Outcome, Runner


def main() -> int:
    parser = argparse.ArgumentParser(description="`copier update` from older releases, checked")
    parser.add_argument("workdir", type=Path, help="where the clone, projects and logs go")
    parser.add_argument("-k", dest="select", help="only the paths whose name contains this")
    arguments = parser.parse_args()
    # Progress lines as they happen, also when nox or CI reads this through a pipe.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    workdir: Path = arguments.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    try:
        template = prepare_template(workdir)
    except CheckFailed as error:
        print(f"Cannot prepare the template clone: {error}")
        return 1
    tags = ", ".join(f"{release.version}={release.commit}" for release in RELEASES)
    print(f"Template clone {template}: {tags}, {current_version()}=the working tree")

    outcomes = []
    for index, path in enumerate(update_paths(), start=1):
        if arguments.select and arguments.select not in path.name:
            continue
        outcome = Outcome(path.name)
        slug = re.sub(r"[^a-z0-9]+", "-", path.name.lower()).strip("-")
        path_dir = workdir / f"{index:02d}-{slug}"
        if path_dir.exists():
            shutil.rmtree(path_dir)
        path_dir.mkdir(parents=True)
        runner = Runner(path_dir / "commands.log", outcome)
        print(f"[{index}] {path.name}")
        try:
            path.run(runner, template, path_dir)
        except CheckFailed as error:
            outcome.problems.append(str(error))
        status = "ok" if not outcome.problems else "FAILED"
        print(f"[{index}] {path.name}: {status} in {outcome.seconds:.1f} s ({path_dir})")
        outcomes.append(outcome)

    print("\nSummary")
    for outcome in outcomes:
        steps = ", ".join(f"{step} {took:.1f}" for step, took in outcome.timings.items())
        status = "ok    " if not outcome.problems else "FAILED"
        print(f"  {status} {outcome.seconds:6.1f} s  {outcome.name}  ({steps})")
    print(f"  total {time.perf_counter() - started:.1f} s")
    failed = [outcome for outcome in outcomes if outcome.problems]
    for outcome in failed:
        print(f"\nFAILED: {outcome.name}")
        for problem in outcome.problems:
            print(f"  - {problem}")
    if not outcomes:
        print(f"No path matches -k {arguments.select!r}")
    return 1 if failed or not outcomes else 0
