"""The exchange between instructor and students: released modules, submissions, feedback.

nbgrader's exchange is pluggable (one class per action, chosen by ``ExchangeFactory``);
this module configures it for the course and adds what the stock filesystem exchange
lacks:

- :class:`ArchivingCollect`: every submission that reaches the exchange is kept in the
  course's ``archive/<student>/<module>/<timestamp>/`` (nbgrader's collect keeps only the
  latest in ``submitted/`` and replaces it when a newer one comes), and links are copied
  as links so that autograde refuses them instead of the grader following them.
- :class:`StudentExchange`: ``tito fetch``, ``submit`` and ``feedback`` on a student's
  workspace, which lays out modules differently from nbgrader's ``<id>/`` folders. It
  uses whichever exchange nbgrader's configuration files name, as nbgrader's own
  commands do: in a hub lab, the hub's (``grading_service.lab_exchange``).

The stock exchange knows students by their login name, which any local user can claim;
it suits one machine with trusted users. The hub identifies students by their hub token.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import tempfile
from datetime import datetime
from pathlib import Path

from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.exchange.default import Exchange as FilesystemExchange
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.utils import check_directory, parse_utc
from traitlets.config import Config

from tito.errors import TitoError
from tito.manifest import Module
from tito.student.workspace import Workspace

COURSE_ID = "tinytorch"


def exchange_config(config: Config, exchange: Path) -> Config:
    """The exchange settings shared by instructor and students."""
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = str(exchange)
    config.Exchange.path_includes_course = False
    config.ExchangeFactory.collect = ArchivingCollect
    config.ExchangeFactory.list = ReadingList
    config.ExchangeFactory.release_assignment = Release
    return config


def ensure_exchange(exchange: Path) -> None:
    """Create the exchange directory, writable by every local user as nbgrader expects
    (nbgrader gives each course's inbound and outbound their own narrower modes)."""
    if not exchange.is_dir():
        exchange.mkdir(parents=True)
        exchange.chmod(0o1777)


def stamp_folder(timestamp: datetime | str) -> str:
    """A submission time as a folder name that sorts in time order and needs no quoting:
    ``2026-11-20T10-00-00.000000Z``."""
    return parse_utc(timestamp).strftime("%Y-%m-%dT%H-%M-%S.%fZ")


def archive_path(course_root: Path, student: str, module_id: str, timestamp: datetime) -> Path:
    return course_root / "archive" / student / module_id / stamp_folder(timestamp)


class ReadingList(ExchangeList):
    """nbgrader's list, which only reads the exchange: it asks for a readable exchange, not
    a writable one (the hub's grading service lists hand-ins it may not change)."""

    def ensure_root(self) -> None:
        if not check_directory(self.root, read=True, execute=True):
            self.fail(f"Unreadable directory, please contact your instructor: {self.root}")


class Release(ExchangeReleaseAssignment):
    """nbgrader's release, which also accepts an inbound that another account owns (the
    hub's grading service, which writes the hand-ins) when this account made it so.

    nbgrader insists that the releasing account own every folder of the course in the
    exchange, so that nobody can plant an inbound in a shared, world-writable exchange and
    read the hand-ins. Where the course's folder is this account's and nobody else may
    write in it, inbound's owner can only be whom this account gave it to."""

    def ensure_directory(self, path: str, mode: int) -> None:
        parent = os.stat(os.path.dirname(path))
        if (os.path.isdir(path) and parent.st_uid == os.geteuid()
                and not parent.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return
        super().ensure_directory(path, mode)


class ArchivingCollect(ExchangeCollect):
    """nbgrader's collect, which first archives every submission (not only the latest)."""

    def copy_files(self) -> None:
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        course_root = Path(self.coursedir.root)
        hand_ins = glob.glob(pattern)
        # nbgrader warns of a cheating attempt when a hand-in's owner is not the student it
        # names. Hand-ins owned by the account that owns inbound were written for the
        # students by the grading service, which knew them by their hub token: no owner to
        # check.
        service = os.stat(self.inbound_path).st_uid
        if hand_ins and all(os.stat(path).st_uid == service for path in hand_ins):
            self.check_owner = False
        for record in map(self._path_to_record, hand_ins):
            target = archive_path(course_root, record["username"], self.coursedir.assignment_id,
                                  record["timestamp"])
            if not target.exists():
                staging = target.with_name(f".{target.name}.partial")
                shutil.rmtree(staging, ignore_errors=True)
                shutil.copytree(os.path.join(self.inbound_path, record["filename"]), staging,
                                symlinks=True)
                staging.rename(target)  # atomic: an archive entry is complete or absent
                self.log.info("Archived %s's submission of %s", record["username"],
                              self.coursedir.assignment_id)
        super().copy_files()

    def do_copy(self, src: str, dest: str, log: object = None) -> None:
        # copytree would follow a student's link with the grader's rights (another
        # student's notebook, the gradebook); copied as a link, autograde refuses it.
        shutil.copytree(src, dest, symlinks=True,
                        ignore=shutil.ignore_patterns(*self.coursedir.ignore))


def nbgrader_config_files() -> Config:
    """The settings of the ``nbgrader_config.py`` files nbgrader's own commands read: in
    the current folder and on Jupyter's configuration path (a hub lab's names the hub's
    exchange there)."""
    app = NbGrader(log_level="ERROR")  # no warning when there is no file: tito's defaults
    app.load_config_file()
    return app.config


class StudentExchange:
    """A student's side of the exchange, on their workspace.

    ``exchange`` is the folder of nbgrader's filesystem exchange, used unless the
    configuration files name another exchange; ``student`` names the student to it (by
    default nbgrader's: the login name). Other exchanges identify the student themselves.
    """

    def __init__(self, workspace: Workspace, exchange: Path, student: str | None = None) -> None:
        self.workspace = workspace
        self.exchange = exchange
        self.student = student

    def _config(self, module: Module, staging: Path) -> Config:
        config = exchange_config(Config(), self.exchange)
        config.merge(nbgrader_config_files())
        config.CourseDirectory.assignment_id = module.id
        if self.student:
            config.CourseDirectory.student_id = self.student
        config.Exchange.assignment_dir = str(staging)
        config.Exchange.cache = str(self.workspace.root / ".tito" / "exchange-cache")
        return config

    def _run(self, action: str, module: Module, staging: Path) -> None:
        config = self._config(module, staging)
        app = getattr(ExchangeFactory(config=config), action)(
            coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
            config=config)
        if isinstance(app, FilesystemExchange) and not Path(app.root).is_dir():
            raise TitoError(f"there is no course exchange at {app.root}: ask your "
                            "instructor to release the module, or set TITO_EXCHANGE to the "
                            "course's exchange directory")
        try:
            app.start()
        except ExchangeError as error:
            raise TitoError(f"{module.id}: {error}") from None

    def fetch(self, module: Module) -> str:
        """Put the released notebook of ``module`` in the workspace unless the student has
        one (theirs is never replaced). Returns ``created`` or ``kept``."""
        with tempfile.TemporaryDirectory(prefix="tito-fetch-") as staging:
            try:
                self._run("FetchAssignment", module, Path(staging))
            except TitoError as error:
                raise TitoError(f"{error}: has the instructor released it?") from None
            fetched = Path(staging) / module.id / f"{module.id}.ipynb"
            return self.workspace.init({module.id: fetched})[module.id]

    def submit(self, module: Module) -> Path:
        """Hand in the workspace's notebook of ``module``; the exchange stamps it with the
        time. Refuses a notebook that does not read, changing nothing."""
        self.workspace.read_notebook(module)
        with tempfile.TemporaryDirectory(prefix="tito-submit-") as staging:
            folder = Path(staging) / module.id
            folder.mkdir()
            shutil.copyfile(self.workspace.notebook(module), folder / f"{module.id}.ipynb")
            self._run("Submit", module, Path(staging))
        return self.workspace.notebook(module)

    def feedback(self, module: Module) -> list[Path]:
        """Copy every released feedback on the student's submissions of ``module`` into
        ``modules/<folder>/feedback/<submitted at>/``. Returns the feedback files, newest
        last."""
        nothing_yet = (f"no feedback on your submissions of {module.id} yet: it appears once "
                       "your instructor releases it")
        with tempfile.TemporaryDirectory(prefix="tito-feedback-") as staging:
            try:
                self._run("FetchFeedback", module, Path(staging))
            except TitoError as error:
                if "no course exchange" in str(error):
                    raise
                raise TitoError(f"{nothing_yet} ({error})") from None
            fetched = Path(staging) / module.id / "feedback"
            target = self.workspace.notebook(module).parent / "feedback"
            files = []
            for html in sorted(fetched.glob("*/*.html")):
                destination = target / stamp_folder(html.parent.name) / html.name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(html, destination)
                files.append(destination)
        if not files:
            raise TitoError(nothing_yet)
        return files
