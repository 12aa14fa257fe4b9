"""Where things live: the course content, the student's workspace, the instructor's course."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from tito.errors import TitoError

# The importable package that holds the course content (course.toml, modules/<id>/<id>.py):
# the checkout's course/ folder, installed with the tooling as package data.
CONTENT_PACKAGE = "course"


def installed_root() -> Path:
    """The folder holding the course content (``course/``) and the reference package
    (``tinytorch/``): the checkout in an editable install, ``site-packages`` in an
    installed wheel. Found from where Python imports ``course`` from, without importing it
    (inside a lab's sandbox only ``course/course.toml`` is there, with no ``__init__.py``)."""
    spec = importlib.util.find_spec(CONTENT_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "course.toml").is_file():
            return Path(location).resolve().parent
    raise TitoError(f"the course content (the package {CONTENT_PACKAGE!r} with course.toml) "
                    "is not installed: pip install tinytorch")


PROJECT_ROOT = installed_root()


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
        return self.root / CONTENT_PACKAGE / "course.toml"

    @property
    def modules_dir(self) -> Path:
        return self.root / CONTENT_PACKAGE / "modules"

    @classmethod
    def from_env(cls) -> Paths:
        """``TITO_ROOT`` (a folder holding ``course/`` and ``tinytorch/``, such as a copy of
        the checkout) overrides where the course content is read from: by default
        :data:`PROJECT_ROOT`, the checkout or, installed from a wheel, ``site-packages``.

        ``TITO_WORKSPACE``, ``TITO_COURSE_DIR``, ``TITO_CACHE`` and ``TITO_EXCHANGE``
        override ``<base>/workspace``, ``<base>/instructor``, ``<base>/build`` (rebuildable
        files, such as the lab's student notebooks) and ``<base>/exchange`` (where modules
        are released and submissions handed in; outside the course directory, which
        students must not see). ``<base>`` is the root when it is a checkout (it holds
        ``pyproject.toml``) or named by ``TITO_ROOT``; installed from a wheel there is no
        checkout to keep them in, and ``<base>`` is the current directory."""
        named = os.environ.get("TITO_ROOT")
        root = Path(named or PROJECT_ROOT).resolve()
        base = root if named or (root / "pyproject.toml").is_file() else Path.cwd()

        def setting(name: str, default: Path) -> Path:
            return Path(os.environ.get(name) or default).resolve()

        return cls(root=root, workspace=setting("TITO_WORKSPACE", base / "workspace"),
                   course_dir=setting("TITO_COURSE_DIR", base / "instructor"),
                   cache=setting("TITO_CACHE", base / "build"),
                   exchange=setting("TITO_EXCHANGE", base / "exchange"))


def display(path: Path) -> str:
    """A path as people want to read it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
