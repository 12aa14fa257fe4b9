"""Remove the solutions from an installed TinyTorch environment (the lab and sandbox images'
build step): the reference package ``tinytorch`` and the course's module sources, keeping
``course/__init__.py`` and ``course/course.toml`` (the manifest the tooling reads).

    python prune_solutions.py SITE_PACKAGES

Fails (exit 1, one line) when a solution is still there afterwards, so a build that
installed them somewhere unexpected stops instead of shipping them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

KEPT_COURSE_FILES = {"__init__.py", "course.toml"}


def prune(site: Path) -> list[Path]:
    """Delete the solutions under ``site``; what was removed."""
    removed = []
    reference = site / "tinytorch"
    if reference.exists():
        shutil.rmtree(reference)
        removed.append(reference)
    course = site / "course"
    for path in sorted(course.iterdir()) if course.is_dir() else []:
        if path.name not in KEPT_COURSE_FILES:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            removed.append(path)
    return removed


def leftovers(site: Path) -> list[Path]:
    """Solutions still under ``site``: a ``tinytorch`` package, a module source, a hidden
    test's notebook (any ``.ipynb`` or module source under ``course/``)."""
    found = [site / "tinytorch"] if (site / "tinytorch").exists() else []
    course = site / "course"
    if course.is_dir():
        found += [p for p in course.rglob("*") if p.is_file() and p.relative_to(course).as_posix()
                  not in KEPT_COURSE_FILES]
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: prune_solutions.py SITE_PACKAGES (the environment's site-packages)",
              file=sys.stderr)
        return 2
    site = Path(argv[0])
    if not (site / "course" / "course.toml").is_file():
        print(f"error: {site} holds no installed course (course/course.toml): install the "
              "tinytorch wheel first", file=sys.stderr)
        return 1
    for path in prune(site):
        print(f"removed {path}")
    if left := leftovers(site):
        print(f"error: solutions left in the image: {', '.join(map(str, left))}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
