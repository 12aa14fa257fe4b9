"""The course's released (student) notebooks, made at image build in a builder stage that
has the course sources: ``OUT/<module>/<module>.ipynb``, the layout of the exchange's
outbound folder, for the lab image to start homes with when no releases are mounted.

    python build_releases.py OUT [MODULE ...]      (default: every authored module)

Through tito's own generator (nbgrader with the course's stripping policy), then checked:
no solution region, hidden test or nbgrader solution marker survives.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tito.authoring.export import authored
from tito.lab import student_releases
from tito.manifest import load_course
from tito.project import Paths

FORBIDDEN = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS",
             "### END HIDDEN TESTS")


def build(out: Path, names: list[str]) -> list[Path]:
    """Write the released notebooks of ``names`` (every authored module if empty)."""
    with tempfile.TemporaryDirectory(prefix="tito-releases-") as cache:
        paths = Paths.from_env()
        paths = Paths(root=paths.root, workspace=paths.workspace, course_dir=paths.course_dir,
                      cache=Path(cache), exchange=paths.exchange)
        course = load_course(paths.course_toml)
        modules = [course.module(name) for name in names] if names else authored(
            course, paths.modules_dir)
        written = []
        for module_id, release in student_releases(course, paths, modules).items():
            target = out / module_id / release.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(release, target)
            text = target.read_text(encoding="utf-8")
            if found := [marker for marker in FORBIDDEN if marker in text]:
                raise SystemExit(f"error: {target} still holds {found[0]!r}: the release "
                                 "step did not strip it")
            written.append(target)
    return written


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: build_releases.py OUT [MODULE ...]", file=sys.stderr)
        return 2
    for path in build(Path(argv[0]), argv[1:]):
        print(f"released {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
