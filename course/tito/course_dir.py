"""The instructor's nbgrader course directory: ``source/``, ``release/``, the gradebook.

tito writes the instructor notebooks into ``source/<id>/<id>.ipynb`` and has nbgrader make
everything else, configured by :func:`nbgrader_config` (which the directory's own
``nbgrader_config.py`` calls too, so nbgrader's CLI and formgrader behave the same).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sysconfig
from pathlib import Path

from traitlets.config import Config

from tito.authoring.policy import configure
from tito.authoring.source import instructor_notebook, read_source
from tito.errors import TitoError
from tito.files import write_atomic, write_notebook
from tito.grading.autograde import configure as configure_autograde
from tito.grading.sandbox import Sandbox
from tito.manifest import Course, Module

COURSE_ID = "tinytorch"
CONFIG_FILE = "nbgrader_config.py"
_CONFIG_TEXT = '''\
"""nbgrader configuration of the TinyTorch course directory (written by tito).

nbgrader's own commands and formgrader read this file; tito applies the same settings.
"""
from pathlib import Path

from tito.course_dir import nbgrader_config

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
nbgrader_config(c, Path(__file__).resolve().parent)
'''


def gradebook_url(root: Path) -> str:
    """The course's gradebook. Parallel graders write the same SQLite file, so connections
    wait for its lock (up to 120 s) instead of failing with "database is locked"."""
    return f"sqlite:///{root / 'gradebook.db'}?timeout=120"


def nbgrader_config(config: Config, root: Path) -> Config:
    """The course's nbgrader settings: where the course lives and the stripping policy."""
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = gradebook_url(root)
    config.NbGraderAPI.log_level = "WARN"
    configure_autograde(config)
    return configure(config)


def _nbgrader_reason(result: dict) -> str:
    """The most telling line of a failed nbgrader call: its innermost exception message."""
    text = "\n".join(result.get(key) or "" for key in ("log", "error"))
    errors = [line.strip() for line in text.splitlines()
              if re.match(r"\s*[\w.]+(Error|Exception): ", line) and "Please see" not in line]
    return errors[0] if errors else "no details in nbgrader's log"


class CourseDir:
    """An nbgrader course directory for this course."""

    def __init__(self, root: Path, course: Course, modules_dir: Path) -> None:
        self.root = root
        self.course = course
        self.modules_dir = modules_dir

    def source_notebook(self, module: Module) -> Path:
        return self.root / "source" / module.id / f"{module.id}.ipynb"

    def release_notebook(self, module: Module) -> Path:
        return self.root / "release" / module.id / f"{module.id}.ipynb"

    def ensure(self) -> None:
        """Create the directory and its ``nbgrader_config.py`` unless they exist."""
        self.root.mkdir(parents=True, exist_ok=True)
        config_file = self.root / CONFIG_FILE
        if not config_file.exists():
            write_atomic(config_file, _CONFIG_TEXT)

    def api(self, sandboxed: bool = True):
        """nbgrader's high-level API on this directory, with the course's configuration."""
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        # nbgrader runs the `alembic` script by name: our environment's scripts must be on PATH
        # even when tito was started by its full path without activating the environment.
        scripts = sysconfig.get_path("scripts")
        if scripts not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
        config = nbgrader_config(Config(), self.root)
        config.Sandbox.enabled = sandboxed
        logging.getLogger("traitlets").setLevel(logging.WARNING)
        return NbGraderAPI(CourseDirectory(config=config), config=config)

    def generate(self, module: Module) -> Path:
        """Build the instructor notebook from the module source, then have nbgrader make the
        student version. Returns the student notebook's path in ``release/``."""
        source = read_source(module, self.modules_dir)
        self.ensure()
        write_notebook(self.source_notebook(module), instructor_notebook(source))
        result = self.api().generate_assignment(module.id, force=True, create=True)
        if not result["success"]:
            reason = _nbgrader_reason(result)
            raise TitoError(f"nbgrader could not generate '{module.id}' in {self.root}: "
                            f"{reason}: fix the module source and run the command again")
        with self.gradebook() as gradebook:  # nbgrader keeps due dates as naive UTC
            due = module.due.replace(tzinfo=None) if module.due else None
            gradebook.update_or_create_assignment(module.id, duedate=due)
        return self.release_notebook(module)

    def submitted_notebook(self, module: Module, student: str) -> Path:
        return self.root / "submitted" / student / module.id / f"{module.id}.ipynb"

    def _graded_marker(self, module: Module, student: str) -> Path:
        return self.root / "autograded" / student / module.id / ".tito-graded"

    def _submitted_at(self, module: Module, student: str) -> str:
        stamp = self.submitted_notebook(module, student).parent / "timestamp.txt"
        return stamp.read_text(encoding="utf-8").strip() if stamp.exists() else ""

    def needs_grading(self, module: Module, student: str) -> bool:
        """True unless this very submission was graded to the end (a killed run's partial
        work, or a newer submission, is graded again)."""
        marker = self._graded_marker(module, student)
        return not (marker.exists() and marker.read_text(encoding="utf-8")
                    == self._submitted_at(module, student))

    def autograde(self, module: Module, student: str, sandboxed: bool = True) -> None:
        """Grade one student's submission of ``module``: nbgrader's Autograde with the
        notebook run in the sandbox and the test cells scored by the judge. Marks the
        submission graded only once everything is in the gradebook."""
        if sandboxed:
            Sandbox().check()
        notebook = self.submitted_notebook(module, student)
        if not notebook.exists():
            raise TitoError(f"{notebook} does not exist: collect {student}'s submission of "
                            f"{module.id} first")
        self._check_submission(module, notebook)
        self._graded_marker(module, student).unlink(missing_ok=True)
        result = self.api(sandboxed).autograde(module.id, student, force=True, create=True)
        if not result["success"]:
            raise TitoError(f"autograding {student}'s {module.id} failed: "
                            f"{_nbgrader_reason(result)}")
        write_atomic(self._graded_marker(module, student), self._submitted_at(module, student))

    @staticmethod
    def _check_submission(module: Module, notebook: Path) -> None:
        """Refuse what nbgrader would mishandle: links (followed with the grader's rights,
        they could hand in someone else's file) and another module's notebook."""
        links = [p for p in [notebook.parent, *notebook.parent.rglob("*")] if p.is_symlink()]
        if links:
            raise TitoError(f"{links[0]} is a symbolic link: a submission holds only files; "
                            "nothing was graded")
        try:
            claimed = json.loads(notebook.read_bytes())["metadata"]["tinytorch"]["module"]
        except (ValueError, KeyError, TypeError):
            return  # unreadable or unmarked: nbgrader reports what is wrong with it
        if claimed != module.id:
            raise TitoError(f"{notebook} is the notebook of module '{claimed}', not "
                            f"'{module.id}': nothing was graded")

    def gradebook(self):
        """nbgrader's gradebook of this course (use it in a ``with`` block)."""
        from nbgrader.api import Gradebook

        return Gradebook(gradebook_url(self.root), COURSE_ID)

    def scores(self, module: Module, student: str) -> dict[str, float]:
        """Grade id → score (manual score where a TA gave one) of a graded submission."""
        with self.gradebook() as gradebook:
            notebook = gradebook.find_submission_notebook(module.id, module.id, student)
            return {grade.name: grade.score for grade in notebook.grades}
