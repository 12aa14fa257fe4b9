"""The instructor's nbgrader course directory: ``source/``, ``release/``, the gradebook.

tito writes the instructor notebooks into ``source/<id>/<id>.ipynb`` and has nbgrader make
everything else, configured by :func:`nbgrader_config` (which the directory's own
``nbgrader_config.py`` calls too, so nbgrader's CLI and formgrader behave the same).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from traitlets import Unicode
from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from sandbox.backends import make_sandbox
from tito.authoring.policy import configure
from tito.authoring.source import instructor_notebook, read_source
from tito.errors import TitoError
from tito.exchange import COURSE_ID, ensure_exchange
from tito.files import write_atomic, write_notebook
from tito.grading import batch
from tito.grading.autograde import CourseLatePolicy
from tito.grading.autograde import configure as configure_autograde
from tito.grading.database import ConnectionLost, create_gradebook, lost_connection_text, retrying
from tito.grading.exchange import instructor_exchange_config
from tito.grading.inert import InertHTMLExporter
from tito.manifest import Course, Module, load_course, read_overrides
from tito.project import Paths

CONFIG_FILE = "nbgrader_config.py"
_CONFIG_TEXT = '''\
"""nbgrader configuration of the TinyTorch course directory, written by tito when it
created the directory; tito never rewrites it.

nbgrader's own commands, formgrader and every tito command on this directory read it.
The exchange (where students fetch and hand in) is the one named below. Add your own
settings after the last line, e.g. c.Sandbox.bwrap = "/usr/local/bin/bwrap".
The gradebook is the SQLite file gradebook/gradebook.db unless TITO_GRADEBOOK_URL names
another database (PostgreSQL: postgresql+psycopg://user:password@host:5432/name), or a
line below sets c.CourseDirectory.db_url.
"""
import os
from pathlib import Path

from tito.grading.course_dir import nbgrader_config

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
nbgrader_config(c, Path(__file__).resolve().parent, exchange=Path({exchange!r}),
                gradebook=os.environ.get("TITO_GRADEBOOK_URL") or None)
'''


def gradebook_path(root: Path) -> Path:
    """The course's gradebook file, in a folder of its own: SQLite writes its journal next
    to it, so whoever grades needs that folder writable, and nothing else of the course
    directory (its configuration, the sources) need be writable to them."""
    return root / "gradebook" / "gradebook.db"


def gradebook_url(root: Path) -> str:
    """The course's gradebook by default: SQLite, in :func:`gradebook_path`. Parallel
    graders write the same SQLite file, so connections wait for its lock (up to 120 s)
    instead of failing with "database is locked"."""
    return f"sqlite:///{gradebook_path(root)}?timeout=120"


def overrides_path(root: Path) -> Path:
    """The course's overrides of course.toml (due dates, late policy; see
    :class:`tito.manifest.Overrides`), which the grading dashboard edits: in the gradebook's
    folder, the one folder of the course directory the grading service may write."""
    return gradebook_path(root).parent / "course-overrides.json"


class OverriddenLatePolicy(CourseLatePolicy):
    """The course's late policy with the course directory's overrides applied (the
    dashboard may change the policy after the course started)."""

    overrides = Unicode(help="The course directory's overrides of course.toml (JSON, see "
                        "tito.manifest.Overrides); tito's course directory sets it.").tag(
        config=True)

    @cached_property
    def course(self) -> Course:
        return load_course(Path(self.course_toml), Path(self.overrides) if self.overrides
                           else None)


def nbgrader_config(config: Config, root: Path, exchange: Path,
                    gradebook: str | None = None) -> Config:
    """The course's nbgrader settings: where the course, its gradebook (the SQLAlchemy URL
    ``gradebook``, by default :func:`gradebook_url`) and its exchange live, the stripping
    policy, the autograde steps with the late policy as overridden in the dashboard, and
    feedback pages in which students' markup is inert (staff preview them, students open
    them)."""
    instructor_exchange_config(config, exchange)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = gradebook or gradebook_url(root)
    config.NbGraderAPI.log_level = "WARN"
    config.GenerateFeedback.exporter_class = InertHTMLExporter
    configure_autograde(config)
    config.AssignLatePenalties.plugin_class = OverriddenLatePolicy
    config.OverriddenLatePolicy.overrides = str(overrides_path(root))
    return configure(config)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _nbgrader_reason(result: dict) -> str:
    """The most telling line of a failed nbgrader call: its innermost exception message."""
    text = "\n".join(result.get(key) or "" for key in ("log", "error"))
    errors = [line.strip() for line in text.splitlines()
              if re.match(r"\s*[\w.]+(Error|Exception): ", line) and "Please see" not in line]
    return errors[0] if errors else "no details in nbgrader's log"


class AlreadyReleased(TitoError):
    """The module is in the exchange already. Releasing it again with ``replace`` puts the
    current version there; students keep the copy they fetched. Each front end names its
    own way to ask for that."""


@dataclass(frozen=True)
class ModuleStatus:
    """One module's place in the pipeline; counts are of students."""

    module: Module
    generated: bool
    released: bool
    handed_in: int
    collected: int
    autograded: int
    needs_manual: int
    feedback: int


@dataclass(frozen=True)
class Graded:
    """One submission's autograde: its total points, or why it could not be graded."""

    student: str
    points: float | None
    error: str | None


def ignore_gradebook_warnings() -> None:
    """Silence the warnings nbgrader's gradebook causes in this process. Call it from an
    entry point that grades or reads grades (it changes the process's warning filters).

    nbgrader's Gradebook touches relationships of objects it has not added to its session
    yet; SQLAlchemy warns about each one. The data is right; the warnings only bury the
    output people read."""
    warnings.filterwarnings("ignore", message="Object of type <Submitted",
                            category=Warning, module="nbgrader")


# The first lines of the file tito wrote, and rewrote on every command, before it became the
# instructor's: such a file holds nothing of theirs and is written anew.
_REWRITTEN_CONFIG = ('"""nbgrader configuration of the TinyTorch course directory (written by '
                     'tito, which\nrewrites it')


def _is_rewritten_config(config_file: Path) -> bool:
    return (config_file.is_file()
            and config_file.read_text(encoding="utf-8").startswith(_REWRITTEN_CONFIG))


def _read_config(root: Path) -> Config | None:
    """The settings of ``root``'s ``nbgrader_config.py``, or None if it has none (or only
    the one an earlier tito rewrote on every command)."""
    if _is_rewritten_config(root / CONFIG_FILE):
        return None
    try:
        return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        return None
    except Exception as error:  # the file is Python anyone with the course may edit
        raise TitoError(f"{root / CONFIG_FILE} could not be read ({type(error).__name__}: "
                        f"{error}): fix it") from error


def _needs_manual(gradebook, module: Module, student: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_submission(module.id, student).needs_manual_grade
    except MissingEntry:
        return False


class CourseDir:
    """An nbgrader course directory for this course, and its exchange: the one its
    ``nbgrader_config.py`` names; for a directory without one yet, ``exchange``, by
    default next to it (students hand in there and must not see the course directory).
    An ``exchange`` other than the one the directory's configuration names is an error.
    ``gradebook`` (an SQLAlchemy URL) replaces the configured gradebook's URL."""

    def __init__(self, root: Path, course: Course, modules_dir: Path,
                 exchange: Path | None = None, gradebook: str | None = None) -> None:
        self.root = root
        self.gradebook_override = gradebook
        self.base_course = course
        self._overridden: tuple[tuple[int, int] | None, Course] | None = None
        self.modules_dir = modules_dir
        recorded = self._recorded_exchange()
        if exchange and recorded and exchange.resolve() != recorded.resolve():
            raise TitoError(f"{root / CONFIG_FILE} names the exchange {recorded}, not "
                            f"{exchange}: use that one, or edit the file to move it")
        self.exchange = exchange or recorded or root.parent / "exchange"

    def _recorded_exchange(self) -> Path | None:
        config = _read_config(self.root)
        if config is None or "root" not in config.Exchange:
            return None
        return Path(config.Exchange.root)

    @classmethod
    def from_env(cls, root: Path | None = None, exchange: Path | None = None) -> CourseDir:
        """The course directory ``root`` (default ``TITO_COURSE_DIR``) of the course
        tito's environment names (``TITO_ROOT``), for entry points. Its exchange is the one
        its ``nbgrader_config.py`` names; for a directory without one, ``exchange`` (default
        ``TITO_EXCHANGE``)."""
        paths = Paths.from_env()
        root = (root or paths.course_dir).resolve()
        exchange = None if (root / CONFIG_FILE).is_file() else exchange or paths.exchange
        return cls(root, load_course(paths.course_toml), paths.modules_dir, exchange=exchange)

    @property
    def course(self) -> Course:
        """The course, with the due dates and late policy of :func:`overrides_path` (read
        again whenever the file changed: the dashboard edits it while services run)."""
        path = overrides_path(self.root)
        try:
            stat = path.stat()
            version: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            version = None
        if self._overridden is None or self._overridden[0] != version:
            course = (self.base_course if version is None
                      else read_overrides(path).apply(self.base_course))
            self._overridden = (version, course)
        return self._overridden[1]

    def _record(self, *parts: str) -> Path:
        """Where tito notes what nbgrader does not keep: when a module was released, when
        a student's feedback was, every autograde's score."""
        return self.root / ".tito" / Path(*parts)

    def released_at(self, module: Module) -> str | None:
        """When ``module`` was last released (UTC ISO 8601), if tito released it."""
        path = self._record("released", module.id)
        return path.read_text(encoding="utf-8").strip() if path.exists() else None

    def feedback_released_at(self, module: Module, student: str) -> str | None:
        """When ``student``'s feedback on ``module`` was last released, if it was."""
        path = self._record("feedback", student, module.id)
        return path.read_text(encoding="utf-8").strip() if path.exists() else None

    def autograde_history(self, module: Module, student: str) -> list[dict]:
        """Every autograde of ``student``'s hand-ins of ``module``, oldest first: the
        hand-in's time (``submitted``), its autograded ``points`` of ``max_points``, when
        (``at``)."""
        path = self._record("autograded", student, f"{module.id}.jsonl")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    def source_notebook(self, module: Module) -> Path:
        return self.root / "source" / module.id / f"{module.id}.ipynb"

    def release_notebook(self, module: Module) -> Path:
        return self.root / "release" / module.id / f"{module.id}.ipynb"

    def ensure(self) -> None:
        """Create the directory, its ``nbgrader_config.py`` (naming the exchange; an
        existing one is the instructor's and stays as it is, unless an earlier tito wrote
        it) and its gradebook; a gradebook
        where nbgrader keeps it by default (a course directory made before the gradebook
        had its folder) moves into the gradebook's folder."""
        gradebook = gradebook_path(self.root)
        gradebook.parent.mkdir(parents=True, exist_ok=True)
        earlier = self.root / gradebook.name
        if earlier.exists() and not gradebook.exists():
            earlier.rename(gradebook)
        config_file = self.root / CONFIG_FILE
        if not config_file.exists() or _is_rewritten_config(config_file):
            write_atomic(config_file, _CONFIG_TEXT.format(exchange=str(self.exchange)))
        create_gradebook(self.db_url)  # where the configuration just written says

    def config(self) -> Config:
        """The course's nbgrader configuration, as nbgrader's own commands read it: the
        directory's ``nbgrader_config.py`` (tito's settings and the instructor's own, such
        as ``c.Sandbox.bwrap``), or tito's settings alone while it has none."""
        config = (_read_config(self.root)
                  or nbgrader_config(Config(), self.root, self.exchange))
        if self.gradebook_override:
            config.CourseDirectory.db_url = self.gradebook_override
        return config

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL, as configured (``c.CourseDirectory.db_url``)."""
        return self.config().CourseDirectory.get("db_url") or gradebook_url(self.root)

    def api(self, sandboxed: bool = True):
        """nbgrader's high-level API on this directory, with the course's configuration."""
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = self.config()
        create_gradebook(config.CourseDirectory.get("db_url") or gradebook_url(self.root))
        config.Sandbox.enabled = sandboxed
        config.GradedCourse.course_toml = str(self.course.path)  # the steps grade this course
        logging.getLogger("traitlets").setLevel(logging.WARNING)
        return NbGraderAPI(CourseDirectory(config=config), config=config)

    def init(self) -> None:
        """Create the course directory, its configuration, its gradebook and the exchange."""
        self.ensure()
        ensure_exchange(self.exchange)

    def _succeed(self, doing: str, result: dict) -> None:
        if not result["success"]:
            raise TitoError(f"{doing} failed: {_nbgrader_reason(result)}")

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
        self.set_due_in_gradebook(self.course.module(module.id))
        return self.release_notebook(module)

    def release(self, module: Module, replace: bool = False) -> None:
        """Copy the student version of ``module`` to the exchange for students to fetch.
        ``replace`` releases it again over an earlier release (students keep their copy);
        without it, an earlier release is :class:`AlreadyReleased`."""
        if not self.release_notebook(module).exists():
            raise TitoError(f"{module.id} has no student version in {self.root / 'release'}: "
                            f"run 'tito nbgrader generate {module.id}' first")
        self.init()
        api = self.api()
        api.config.ExchangeReleaseAssignment.force = replace
        result = api.release_assignment(module.id)
        if not result["success"] and "already exists" in (result.get("log") or ""):
            raise AlreadyReleased(f"{module.id} is already released")
        self._succeed(f"releasing {module.id}", result)
        write_atomic(self._record("released", module.id), _now())

    def handed_in(self, module: Module) -> dict[str, list[str]]:
        """Student → the times of their submissions of ``module`` in the exchange, oldest
        first (what students handed in, collected or not)."""
        if not self.exchange.is_dir():
            return {}
        api = self.api()
        api.coursedir.assignment_id = module.id
        lister = api.exchange.List(coursedir=api.coursedir, authenticator=api.authenticator,
                                   parent=api, inbound=True)
        return {entry["student_id"]: sorted(item["timestamp"] for item in entry["submissions"])
                for entry in lister.start()}

    def collect(self, module: Module, students: tuple[str, ...] = ()) -> dict[str, str]:
        """Take the latest submission of each student (or of ``students``) from the exchange
        into ``submitted/``; every submission is archived as well. Returns student → the
        submission time now in ``submitted/``, for the students whose submission changed."""
        before = {student: self._submitted_at(module, student)
                  for student in self.students_with(module, "submitted")}
        api = self.api()
        for student in students or ("*",):
            api.coursedir.student_id = student
            self._succeed(f"collecting {module.id}", api.collect(module.id))
        after = {student: self._submitted_at(module, student)
                 for student in self.students_with(module, "submitted")}
        return {student: stamp for student, stamp in sorted(after.items())
                if before.get(student) != stamp}

    def archived(self, module: Module, student: str) -> list[Path]:
        """Every submission of ``module`` by ``student`` that was collected, oldest first."""
        return sorted((self.root / "archive" / student / module.id).glob("[!.]*"))

    def students_with(self, module: Module, stage: str) -> list[str]:
        """Students with a folder for ``module`` in ``stage`` (``submitted``, ``autograded``
        or ``feedback``)."""
        return sorted(path.parent.name for path in (self.root / stage).glob(f"*/{module.id}")
                      if path.is_dir())

    def graded_students(self, module: Module, students: tuple[str, ...] = ()) -> list[str]:
        """The students (of ``students``, or all) with an autograded ``module``."""
        graded = self.students_with(module, "autograded")
        chosen = [s for s in graded if s in students] if students else graded
        if not chosen:
            raise TitoError(f"no graded submissions of {module.id}"
                            f"{' by ' + ', '.join(students) if students else ''}: "
                            f"run 'tito nbgrader autograde {module.id}' first")
        return chosen

    def feedback(self, module: Module, student: str, release: bool = True) -> None:
        """Make ``student``'s feedback on ``module`` (their graded notebook with every test's
        pass/fail and message, never hidden test source) and, unless ``release`` is False
        (a preview for staff), release it to the exchange."""
        api = self.api()
        self._succeed(f"feedback for {student}'s {module.id}",
                      api.generate_feedback(module.id, student))
        if release:
            self._succeed(f"releasing {student}'s feedback on {module.id}",
                          api.release_feedback(module.id, student))
            write_atomic(self._record("feedback", student, module.id), _now())

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

    def students_to_grade(self, module: Module, students: tuple[str, ...] = (),
                          force: bool = False) -> tuple[list[str], list[str]]:
        """Whom an autograde of ``module`` grades and whom it skips as already graded:
        ``students`` (default: everyone who submitted), skipping those whose submission is
        graded unless ``force``."""
        everyone = list(students) or self.students_with(module, "submitted")
        if not everyone:
            raise TitoError(f"no submissions of {module.id} in {self.root / 'submitted'}: "
                            "collect them first")
        chosen = [s for s in everyone if force or self.needs_grading(module, s)]
        return chosen, [s for s in everyone if s not in chosen]

    def autograde_many(self, module: Module, students: list[str], workers: int,
                       sandboxed: bool = True) -> Iterator[Graded]:
        """Grade ``students``' submissions of ``module`` with ``workers`` processes; yields
        each one as it finishes. A failed submission does not stop the others."""
        grade = functools.partial(self.autograde, module, sandboxed=sandboxed)
        for outcome in batch.grade_many(grade, students, workers, ignore_gradebook_warnings):
            points = None if outcome.error else sum(retrying(
                self.db_url, f"reading {outcome.student}'s scores",
                functools.partial(self.scores, module, outcome.student)).values())
            yield Graded(outcome.student, points, outcome.error)

    def autograde(self, module: Module, student: str, sandboxed: bool = True) -> None:
        """Grade one student's submission of ``module``: nbgrader's Autograde with the
        notebook run in the sandbox and the test cells scored by the judge. Marks the
        submission graded only once everything is in the gradebook. A dropped database
        connection (a server restart) grades it again from the start once the database
        answers: nbgrader's rows are one per cell and submission, so nothing doubles."""
        retrying(self.db_url, f"autograding {student}'s {module.id}",
                 lambda: self._autograde(module, student, sandboxed))

    def _autograde(self, module: Module, student: str, sandboxed: bool) -> None:
        if sandboxed:
            make_sandbox(self.config()).check()
        notebook = self.submitted_notebook(module, student)
        if not notebook.exists():
            raise TitoError(f"{notebook} does not exist: collect {student}'s submission of "
                            f"{module.id} first")
        self._check_submission(module, notebook)
        self._graded_marker(module, student).unlink(missing_ok=True)
        result = self.api(sandboxed).autograde(module.id, student, force=True, create=True)
        if not result["success"] and lost_connection_text(
                "\n".join(result.get(key) or "" for key in ("log", "error"))):
            raise ConnectionLost(_nbgrader_reason(result))
        if not result["success"]:
            raise TitoError(f"autograding {student}'s {module.id} failed: "
                            f"{_nbgrader_reason(result)}")
        write_atomic(self._graded_marker(module, student), self._submitted_at(module, student))
        self._note_autograde(module, student)

    def _note_autograde(self, module: Module, student: str) -> None:
        with self.gradebook() as gradebook:
            submission = gradebook.find_submission(module.id, student)
            # the autograded points: the tests' share, before any manual grade
            entry = {"submitted": self._submitted_at(module, student), "at": _now(),
                     "points": submission.code_score, "max_points": submission.max_code_score}
        history = self._record("autograded", student, f"{module.id}.jsonl")
        history.parent.mkdir(parents=True, exist_ok=True)
        with history.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")

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

    def uncollected(self, module: Module) -> dict[str, str]:
        """Student → the time of their latest hand-in of ``module``, for the students whose
        latest hand-in is not the one in ``submitted/`` (nothing collected, or older)."""
        from nbgrader.utils import parse_utc

        found = {}
        for student, times in self.handed_in(module).items():
            collected = self._submitted_at(module, student)
            if not collected or parse_utc(times[-1]) > parse_utc(collected):
                found[student] = times[-1]
        return found

    def manual_pending(self, module: Module, students: Iterable[str]) -> dict[str, int]:
        """Student → how many of their answers to ``module`` wait for a manual grade, for
        those of ``students`` with any."""
        from nbgrader.api import MissingEntry

        pending = {}
        with self.gradebook() as gradebook:
            for student in students:
                try:
                    submission = gradebook.find_submission(module.id, student)
                except MissingEntry:
                    continue
                count = sum(grade.needs_manual_grade for notebook in submission.notebooks
                            for grade in notebook.grades)
                if count:
                    pending[student] = count
        return pending

    def set_due_in_gradebook(self, module: Module) -> None:
        """Give the gradebook ``module``'s current due date (nbgrader computes lateness
        from it), if the module is in the gradebook (it is once generated)."""
        from nbgrader.api import MissingEntry

        with self.gradebook() as gradebook:
            try:
                gradebook.find_assignment(module.id)
            except MissingEntry:
                return
            # nbgrader keeps due dates as naive UTC
            gradebook.update_or_create_assignment(
                module.id, duedate=module.due.replace(tzinfo=None) if module.due else None)

    def released(self) -> set[str]:
        """The ids of the modules in the exchange for students to fetch."""
        return self.api().get_released_assignments() if self.exchange.is_dir() else set()

    def status(self, modules: list[Module]) -> list[ModuleStatus]:
        """Where each of ``modules`` stands in the pipeline, with counts of students."""
        released = self.released()
        rows = []
        with self.gradebook() as gradebook:
            for module in modules:
                graded = [s for s in self.students_with(module, "autograded")
                          if not self.needs_grading(module, s)]
                manual = sum(_needs_manual(gradebook, module, student) for student in graded)
                rows.append(ModuleStatus(
                    module=module, generated=self.release_notebook(module).exists(),
                    released=module.id in released,
                    handed_in=len(self.handed_in(module)),
                    collected=len(self.students_with(module, "submitted")),
                    autograded=len(graded), needs_manual=manual,
                    feedback=len(self.students_with(module, "feedback"))))
        return rows

    def enroll(self, students: Iterable[str], names: Mapping[str, Sequence[str]]) -> None:
        """Put ``students`` in the gradebook, so that formgrader and the grades show the
        whole class before anyone hands in. ``names`` (student → first name, last name)
        sets their names; a student without one keeps the name they have, or is listed
        by user name."""
        with self.gradebook() as gradebook:
            known = {student.id for student in gradebook.students}
            for student in students:
                if student in names:
                    first, last = names[student]
                    gradebook.update_or_create_student(student, first_name=first,
                                                       last_name=last)
                elif student not in known:
                    gradebook.add_student(student, first_name="", last_name=student)

    def gradebook(self):
        """nbgrader's gradebook of this course (use it in a ``with`` block)."""
        from nbgrader.api import Gradebook

        url = self.db_url
        create_gradebook(url)
        return Gradebook(url, COURSE_ID)

    def scores(self, module: Module, student: str) -> dict[str, float]:
        """Grade id → score (manual score where a TA gave one) of a graded submission."""
        with self.gradebook() as gradebook:
            notebook = gradebook.find_submission_notebook(module.id, module.id, student)
            return {grade.name: grade.score for grade in notebook.grades}
