"""Where things live: the project checkout, the student's workspace, the instructor's course."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    """The directories tito works on. Environment variables override the defaults."""

    root: Path
    workspace: Path
    course_dir: Path

    @property
    def course_toml(self) -> Path:
        return self.root / "course" / "course.toml"

    @property
    def modules_dir(self) -> Path:
        return self.root / "course" / "modules"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @classmethod
    def from_env(cls) -> Paths:
        """``TITO_ROOT``, ``TITO_WORKSPACE`` and ``TITO_COURSE_DIR`` override the defaults:
        the checkout tito runs from, ``<root>/workspace`` and ``<root>/instructor``."""
        root = Path(os.environ.get("TITO_ROOT") or PROJECT_ROOT).resolve()
        workspace = Path(os.environ.get("TITO_WORKSPACE") or root / "workspace").resolve()
        course_dir = Path(os.environ.get("TITO_COURSE_DIR") or root / "instructor").resolve()
        return cls(root=root, workspace=workspace, course_dir=course_dir)


def display(path: Path) -> str:
    """A path as people want to read it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
