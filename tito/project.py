"""Where things live: the project checkout, the student's workspace, the instructor's course."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Paths:
    """The directories tito works on. Environment variables override the defaults."""

    root: Path
    workspace: Path
    course_dir: Path
    cache: Path
    exchange: Path

    @property
    def course_toml(self) -> Path:
        return self.root / "course" / "course.toml"

    @property
    def modules_dir(self) -> Path:
        return self.root / "course" / "modules"

    @classmethod
    def from_env(cls) -> Paths:
        """``TITO_ROOT``, ``TITO_WORKSPACE``, ``TITO_COURSE_DIR``, ``TITO_CACHE`` and
        ``TITO_EXCHANGE`` override the defaults: the checkout tito runs from,
        ``<root>/workspace``, ``<root>/instructor``, ``<root>/build`` (rebuildable files, such
        as the lab's student notebooks) and ``<root>/exchange`` (where modules are released
        and submissions handed in; outside the course directory, which students must not
        see)."""
        root = Path(os.environ.get("TITO_ROOT") or PROJECT_ROOT).resolve()

        def setting(name: str, default: Path) -> Path:
            return Path(os.environ.get(name) or default).resolve()

        return cls(root=root, workspace=setting("TITO_WORKSPACE", root / "workspace"),
                   course_dir=setting("TITO_COURSE_DIR", root / "instructor"),
                   cache=setting("TITO_CACHE", root / "build"),
                   exchange=setting("TITO_EXCHANGE", root / "exchange"))


def display(path: Path) -> str:
    """A path as people want to read it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
