"""Students' work in the course's nbgrader exchange, as the grading service serves it:
released modules, hand-ins (every one kept) and released feedback.

The layout is nbgrader's own, written and read by nbgrader's submit and list, so that the
instructor's collect (``ArchivingCollect``, formgrader, ``tito nbgrader collect``) picks
hand-ins up unchanged::

    <exchange>/tinytorch/outbound/<module>/...                          released files
    <exchange>/tinytorch/inbound/<student>+<module>+<time>+<random>/   one per hand-in:
        the student's files, timestamp.txt, submission_secret.txt
    <exchange>/tinytorch/feedback/<hash>.html                          released feedback

Every function takes the student's name from its caller, which is the hub-authenticated
user; nothing a student sends names them. Refusals are :class:`TitoError` saying what is
wrong and how to fix it, raised before anything is written.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import Exchange
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import make_unique_key, notebook_hash
from traitlets import Int, Unicode
from traitlets.config import Config, Configurable

from tito.errors import NotFound, TitoError, TooLarge
from tito.exchange import COURSE_ID, exchange_config
from tito.files import file_sha256
from tito.grading.course_dir import CourseDir
from tito.manifest import Module

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
MAX_SUBMISSION_FILES = 100
MAX_NAME_BYTES = 1024  # a file's relative name; each of its parts at most NAME_MAX (255)
# What a file adds to a hand-in's JSON besides its base64: its name, escaped, and quotes.
FILE_ENTRY_BYTES = 6 * MAX_NAME_BYTES + 16
# The files nbgrader's submit adds to a hand-in: no student's file may take their names.
TIMESTAMP_FILE = "timestamp.txt"
SECRET_FILE = "submission_secret.txt"
STAGING_PREFIX = ".incoming-"  # hidden and without '+': no nbgrader glob ever matches it

_Action = TypeVar("_Action", bound=Exchange)

# A hub name that is also safe in nbgrader's folder names and glob patterns.
_USER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}")


def check_student(name: str) -> str:
    """``name`` if it is a plain hub user name (it becomes part of folder names)."""
    if not isinstance(name, str) or not _USER_NAME.fullmatch(name):
        raise TitoError(f"{name!r} is not a plain hub user name: use letters, digits and "
                        "'_', '.', '@', '-' (no '+', '*', '/' or spaces), at most 128 "
                        "characters")
    return name


def check_path(path: str) -> PurePosixPath:
    """A submitted file's name, which must be a plain relative path inside the module."""
    fix = "name files relative to the module's folder, like 'setup.ipynb' or 'data/x.csv'"
    relative = PurePosixPath(path) if isinstance(path, str) and path else None
    if relative is None or "\\" in path or "\0" in path or str(relative) != path:
        raise TitoError(f"{path!r} is not a plain relative file name: {fix}")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:  # JSON can carry lone surrogates; no file name can
        raise TitoError(f"{path!r} is not a valid Unicode name: {fix}") from None
    if size > MAX_NAME_BYTES or any(len(part.encode("utf-8")) > 255 for part in relative.parts):
        raise TitoError(f"{path[:40]!r}... is too long a name (at most {MAX_NAME_BYTES} bytes, "
                        f"255 per folder or file name): {fix}")
    if relative.is_absolute():
        raise TitoError(f"{path!r} is an absolute path: {fix}")
    if ".." in relative.parts:
        raise TitoError(f"{path!r} contains '..': {fix}")
    if any(part.startswith(".") for part in relative.parts):
        raise TitoError(f"{path!r} is hidden (a name starts with '.'): leave hidden files "
                        "out of a submission")
    if str(relative) in (TIMESTAMP_FILE, SECRET_FILE):
        raise TitoError(f"{path!r} is a name the exchange keeps for itself: rename your file")
    return relative


def check_notebook(path: str, data: bytes, module_id: str) -> None:
    """Refuse a notebook that is not JSON, not a notebook, or another module's."""
    try:
        value = json.loads(data)
    except ValueError as error:
        raise TitoError(f"{path} is not valid JSON ({error}): save the notebook again in "
                        "Jupyter, or repair it in a text editor") from None
    if not isinstance(value, dict) or "nbformat" not in value:
        raise TitoError(f"{path} is JSON but not a notebook (no 'nbformat' field): submit "
                        "the .ipynb file Jupyter saved")
    try:
        nbformat.validate(nbformat.reads(data.decode("utf-8"), as_version=4))
    except Exception as error:  # nbformat raises validation, conversion and encoding errors
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise TitoError(f"{path} is not a valid notebook ({reason}): save it again in "
                        "Jupyter, or start from a fresh copy of the module") from None
    marks = value.get("metadata", {}).get("tinytorch")
    claimed = marks.get("module", module_id) if isinstance(marks, dict) else module_id
    if claimed != module_id:
        raise TitoError(f"{path} is the notebook of module '{claimed}', not '{module_id}': "
                        f"submit module {module_id}'s notebook")


def check_layout(paths: Iterable[PurePosixPath]) -> None:
    """Refuse a file inside a folder that is also a file: of the hand-in (``a`` and
    ``a/b``) or of the exchange (``timestamp.txt/x``)."""
    paths = list(paths)
    files = {str(path) for path in paths} | {TIMESTAMP_FILE, SECRET_FILE}
    for path in paths:
        for folder in map(str, path.parents[:-1]):
            if folder in files:
                raise TitoError(f"{str(path)!r} puts a file inside {folder!r}, which is a file "
                                "of the hand-in (or a name the exchange keeps for itself): "
                                "rename the file or the folder")


def too_large(module_id: str, size: int, what: str, max_bytes: int) -> TooLarge:
    """The refusal of a hand-in of ``size`` bytes (``what``: which bytes) over ``max_bytes``."""
    return TooLarge(f"the submission of {module_id} is {size / 2**20:.1f} MB{what}, more than "
                    f"the {max_bytes / 2**20:.0f} MB allowed: leave data files and outputs you "
                    "do not need out of it (in Jupyter: Edit > Clear Outputs of All Cells, "
                    "then save), then hand in again")


def check_files(module_id: str, files: dict[str, bytes], max_bytes: int = MAX_SUBMISSION_BYTES,
                max_files: int = MAX_SUBMISSION_FILES) -> None:
    """Everything a submission must be before any of it is written."""
    if not files:
        raise TitoError(f"the submission of {module_id} holds no files: send at least "
                        f"{module_id}.ipynb")
    if len(files) > max_files:
        raise TitoError(f"the submission of {module_id} holds {len(files)} files, more than "
                        f"the {max_files} allowed: hand in the notebook and the files it "
                        "needs, not whole folders")
    check_layout(check_path(path) for path in files)
    size = sum(len(data) for data in files.values())
    if size > max_bytes:
        raise too_large(module_id, size, "", max_bytes)
    notebook = f"{module_id}.ipynb"
    if notebook not in files:
        raise TitoError(f"the submission of {module_id} has no {notebook}: include the "
                        "module's notebook under that name")
    for path, data in files.items():
        if path.endswith(".ipynb"):
            check_notebook(path, data, module_id)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _sync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_tree(folder: Path) -> None:
    """Put every file and folder below ``folder`` on disk, folders after what they hold."""
    below = list(folder.rglob("*"))
    folders = sorted((path for path in below if path.is_dir()), reverse=True)
    for path in [*(path for path in below if not path.is_dir()), *folders, folder]:
        _sync(path)


def _exchange_app(exchange: Path, cls: type[_Action], student: str, module_id: str,
                  **traits: object) -> _Action:
    """nbgrader's exchange action ``cls`` on ``student``'s ``module_id`` in ``exchange``."""
    config = exchange_config(Config(), exchange)
    config.CourseDirectory.student_id = student
    config.CourseDirectory.assignment_id = module_id
    return cls(coursedir=CourseDirectory(config=config),
               authenticator=Authenticator(config=config), config=config, **traits)


class ServiceSubmit(ExchangeSubmit):
    """nbgrader's submit, as the grading service hands in for a student: into a hidden
    staging folder of inbound (``assignment_dir`` holds the student's files, written
    there by the service), then renamed into inbound in one step, so that collect finds
    a hand-in whole or not at all. The service keeps no cache of hand-ins."""

    staging = Unicode(help="The hidden folder of inbound in which the hand-in is put "
                      "together; it holds assignment_dir.")

    def ensure_root(self) -> None:
        # The service may write only inbound (which init_dest checks), not the exchange.
        pass

    def init_dest(self) -> None:
        super().init_dest()  # names the hand-in, checks that inbound is writable
        self.final_path = os.path.join(self.inbound_path, self.assignment_filename)
        self.inbound_path = os.path.join(self.staging, "hand-in")
        self.cache_path = os.path.join(self.staging, "cache")

    def do_copy(self, src: str, dest: str, log: object = None) -> None:
        # The store checked every file already: none is left out by nbgrader's ignore
        # patterns or size limits, and links (there are none) would be copied as links.
        shutil.copytree(src, dest, symlinks=True)

    def copy_files(self) -> None:
        super().copy_files()
        staged = Path(self.inbound_path, self.assignment_filename)
        # nbgrader opens the hand-in to everyone so that the instructor can delete it; here
        # the service owns it and only it may change it.
        staged.chmod(0o755)
        _sync_tree(staged)
        os.rename(staged, self.final_path)
        _sync(Path(self.final_path).parent)


def _files_below(folder: Path) -> dict[str, Path]:
    """Relative name → path of the regular files below ``folder`` (links are never read)."""
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.is_symlink()}


def _notebook_ids(names: Iterable[str]) -> list[str]:
    """The notebooks nbgrader grades and gives feedback on: those at the top of a module."""
    return sorted(name.removesuffix(".ipynb") for name in names
                  if name.endswith(".ipynb") and "/" not in name)


@dataclass(frozen=True)
class Submission:
    """One hand-in: its folder in the exchange's inbound."""

    student: str
    module_id: str
    timestamp: str
    folder: Path

    @classmethod
    def from_folder(cls, folder: Path, lister: ExchangeList) -> Submission:
        """The hand-in in ``folder``, as nbgrader's list (``lister``) names its parts."""
        parts = lister.parse_assignment(str(folder))
        return cls(parts["student_id"], parts["assignment_id"], parts["timestamp"], folder)

    def paths(self) -> dict[str, Path]:
        """The student's files (without the exchange's own), by relative name."""
        return {name: path for name, path in _files_below(self.folder).items()
                if name not in (TIMESTAMP_FILE, SECRET_FILE)}

    def notebook_ids(self) -> list[str]:
        return _notebook_ids(self.paths())

    def feedback_names(self, notebook_id: str) -> list[str]:
        """The names nbgrader's release_feedback may have given this notebook's feedback,
        most likely first, exactly as nbgrader's list and fetch_feedback try them."""
        secret = self.folder / SECRET_FILE
        if secret.is_file():
            return [notebook_hash(secret=secret.read_text(encoding="utf-8"),
                                  notebook_id=notebook_id)]
        notebook = str(self.folder / f"{notebook_id}.ipynb")
        key = make_unique_key(COURSE_ID, self.module_id, notebook_id, self.student,
                              self.timestamp)
        return [notebook_hash(notebook, key), notebook_hash(notebook)]


class SubmissionStore(Configurable):
    """The course's exchange, for the students the grading service serves. Its limits are
    the service's configuration (``c.SubmissionStore.max_bytes = ...``)."""

    max_bytes = Int(MAX_SUBMISSION_BYTES, help="Largest hand-in: its files' bytes in all. "
                    "The service refuses a request that cannot fit before reading it (413)."
                    ).tag(config=True)
    max_files = Int(MAX_SUBMISSION_FILES, help="Most files in one hand-in.").tag(config=True)

    def __init__(self, course_dir: CourseDir, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.course = course_dir.course
        self.exchange = course_dir.exchange
        self.root = course_dir.exchange / COURSE_ID

    @property
    def max_request_bytes(self) -> int:
        """The largest request body a hand-in within the limits needs: its files in
        base64, their names and the JSON around them."""
        return 4 * math.ceil(self.max_bytes / 3) + self.max_files * FILE_ENTRY_BYTES + 1024

    @property
    def outbound(self) -> Path:
        return self.root / "outbound"

    @property
    def inbound(self) -> Path:
        return self.root / "inbound"

    @property
    def feedback_dir(self) -> Path:
        return self.root / "feedback"

    def released(self) -> list[Module]:
        """The course's modules that are released, in course order."""
        return [m for m in self.course.modules if (self.outbound / m.id).is_dir()]

    def module(self, module_id: str) -> Module:
        """The released module ``module_id``, or :class:`NotFound` naming the released ones."""
        for module in self.released():
            if module.id == module_id:
                return module
        known = ", ".join(m.id for m in self.released()) or "none yet"
        raise NotFound(f"module {module_id!r} is not released: use a released module's id "
                       f"({known}), or ask your instructor to release it")

    def release_paths(self, module_id: str) -> dict[str, Path]:
        """The released files of ``module_id``, by relative name."""
        return _files_below(self.outbound / self.module(module_id).id)

    def release_notebook_ids(self, module_id: str) -> list[str]:
        return _notebook_ids(self.release_paths(module_id))

    def submit(self, student: str, module_id: str, files: dict[str, bytes]) -> Submission:
        """Store a hand-in of ``module_id`` by ``student``: all of it or, on any error or
        crash, nothing that nbgrader's collect would pick up. Every hand-in is a new
        folder, so resubmitting keeps the earlier ones."""
        check_student(student)
        self.module(module_id)
        check_files(module_id, files, self.max_bytes, self.max_files)
        self.inbound.mkdir(parents=True, exist_ok=True)
        # Everything happens in a hidden folder of inbound (on inbound's file system, so the
        # hand-in moves into place in one rename); a crash leaves only that folder, which
        # remove_unfinished deletes.
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.inbound))
        try:
            for name, data in files.items():
                _write_file(staging / "files" / module_id / name, data)
            app = _exchange_app(self.exchange, ServiceSubmit, student, module_id,
                                staging=str(staging), assignment_dir=str(staging / "files"))
            app.start()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return Submission(student, module_id, app.timestamp, Path(app.final_path))

    def remove_unfinished(self) -> list[str]:
        """Delete the staging folders of hand-ins a crash stopped midway (none of them was
        handed in: the student got an error); returns their names. Call it only while no
        hand-in is being written, as the service does when it starts."""
        unfinished = sorted(self.inbound.glob(f"{STAGING_PREFIX}*"))
        for staging in unfinished:
            shutil.rmtree(staging)
        return [staging.name for staging in unfinished]

    def history(self, student: str, module_id: str) -> list[Submission]:
        """Every hand-in of ``module_id`` by ``student``, oldest first."""
        check_student(student)
        self.module(module_id)
        lister = _exchange_app(self.exchange, ExchangeList, student, module_id, inbound=True)
        lister.init_dest()  # nbgrader's list finds the hand-ins (no staging folder matches)
        return sorted((Submission.from_folder(Path(path), lister)
                       for path in lister.assignments if os.path.isdir(path)),
                      key=lambda s: s.timestamp)

    def submission(self, student: str, module_id: str, timestamp: str) -> Submission:
        """``student``'s hand-in of ``module_id`` at ``timestamp`` (only theirs is searched)."""
        for submission in self.history(student, module_id):
            if submission.timestamp == timestamp:
                return submission
        raise NotFound(f"{student} has no submission of {module_id} at {timestamp!r}: list "
                       f"the submissions to see their timestamps")

    def feedback_paths(self, submission: Submission) -> dict[str, Path]:
        """Notebook id → its released feedback, for the notebooks that have some."""
        found = {}
        for notebook_id in submission.notebook_ids():
            for name in submission.feedback_names(notebook_id):
                html = self.feedback_dir / f"{name}.html"
                if html.is_file():
                    found[notebook_id] = html
                    break
        return found

    def feedback(self, student: str, module_id: str) -> list[tuple[Submission, dict[str, Path]]]:
        """``student``'s hand-ins of ``module_id`` that have released feedback, oldest first,
        each with its feedback files by the name students get (``<notebook>.html``)."""
        found = [(s, self.feedback_paths(s)) for s in self.history(student, module_id)]
        return [(s, {f"{notebook_id}.html": html for notebook_id, html in paths.items()})
                for s, paths in found if paths]

    def describe(self, submission: Submission) -> dict:
        """A hand-in as plain data: its time, its files, its notebooks and the sha256 of each
        notebook's released feedback (none until the instructor releases some)."""
        return {"timestamp": submission.timestamp, "files": sorted(submission.paths()),
                "notebooks": submission.notebook_ids(),
                "feedback": {notebook_id: file_sha256(html) for notebook_id, html
                             in self.feedback_paths(submission).items()}}

    def overview(self, student: str) -> list[dict]:
        """The released modules as ``student`` sees them: title, due date, the notebooks
        released, and their own hand-ins (:meth:`describe`), in course order."""
        return [{"module": module.id, "number": module.number, "title": module.title,
                 "due": module.due.isoformat() if module.due else None,
                 "notebooks": self.release_notebook_ids(module.id),
                 "submissions": [self.describe(s) for s in self.history(student, module.id)]}
                for module in self.released()]
