"""nbgrader's exchange actions for a student's hub lab, done by the grading service.

Each class is one of nbgrader's pluggable exchange actions (``nbgrader.exchange.abc``),
so nbgrader's Assignments tab and ``tito fetch/submit/feedback`` use them unchanged. They
call the service with the lab's hub token, which alone says who the student is.

Where a module's local copy lives (:class:`LocalLayout`): in the student's tito workspace
(the lab's home, ``c.HubExchange.workspace``) at ``modules/<NN_id>/``, where the student works on
it, with feedback in ``modules/<NN_id>/feedback/<time>/``, as ``tito feedback`` puts it;
in any other folder at nbgrader's ``<id>/`` and ``<id>/feedback/<timestamp>/``.
"""

from __future__ import annotations

import os
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path

from nbgrader.exchange.abc import (
    Exchange,
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from traitlets import Unicode

from grading_service.lab_exchange.client import TOKEN_VARIABLE, URL_VARIABLE, GraderClient
from tito.errors import TitoError
from tito.exchange import COURSE_ID, stamp_folder
from tito.files import file_sha256
from tito.manifest import load_course
from tito.student.workspace import Workspace


class LocalLayout:
    """Where the student's copies of modules live under the assignment directory ``root``:
    in the tito layout when ``root`` is the student's ``workspace`` (whose modules are those
    of the manifest ``course_toml``), in nbgrader's otherwise."""

    def __init__(self, root: Path, workspace: Path | None, course_toml: Path) -> None:
        self.root = root.resolve()
        self.workspace = (Workspace(self.root, load_course(course_toml))
                          if workspace is not None and self.root == workspace.resolve()
                          else None)

    def module_folder(self, module_id: str) -> Path:
        if self.workspace is None:
            return self.root / module_id
        return self.workspace.notebook(self.workspace.course.module(module_id)).parent

    def feedback_folder(self, module_id: str, timestamp: str) -> Path:
        name = timestamp if self.workspace is None else stamp_folder(timestamp)
        return self.module_folder(module_id) / "feedback" / name


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class HubExchange(Exchange):
    """What the actions share: the service, the module asked for, the local layout.

    Its settings (``c.HubExchange.*``) come from the lab's environment, which the hub's
    spawner sets; the lab's ``nbgrader_config.py`` reads it (:func:`hub_exchange_config`)."""

    grader_url = Unicode(help="The grading service's URL, ending in /services/<name>/, as "
                         f"the lab reaches it (the hub gives labs {URL_VARIABLE}).").tag(
        config=True)
    api_token = Unicode(help="The lab's hub token, which alone says who the student is (the "
                        f"hub gives labs {TOKEN_VARIABLE}).").tag(config=True)
    workspace = Unicode(help="The student's tito workspace (the lab's home), where modules "
                        "live at modules/<NN_id>/; empty: none.").tag(config=True)
    course_toml = Unicode(help="The course's manifest, for the modules' folder names in the "
                          "workspace.").tag(config=True)

    def init_src(self) -> None:
        """Nothing to prepare unless an action says otherwise."""

    def init_dest(self) -> None:
        """Nothing to prepare unless an action says otherwise."""

    @cached_property
    def client(self) -> GraderClient:
        for value, variable in ((self.grader_url, URL_VARIABLE),
                                (self.api_token, TOKEN_VARIABLE)):
            if not value.strip():
                self.fail(f"{variable} is not set: the course hub sets it in every lab, so "
                          "run this in your hub lab (on your own machine, tito's exchange "
                          "works without the hub: set TITO_EXCHANGE)")
        return GraderClient(self.grader_url.strip(), self.api_token.strip())

    @cached_property
    def layout(self) -> LocalLayout:
        return LocalLayout(Path(os.path.abspath(self.assignment_dir)),
                           Path(self.workspace) if self.workspace else None,
                           Path(self.course_toml))

    @property
    def module_id(self) -> str:
        """The module to act on, which the command or the Assignments tab names."""
        if self.coursedir.course_id not in ("", COURSE_ID):
            self.fail(f"this hub serves the course '{COURSE_ID}', not "
                      f"'{self.coursedir.course_id}': use --course {COURSE_ID}")
        if not self.coursedir.assignment_id:
            self.fail("no module named: name the module to act on (its id, like 'setup')")
        return self.coursedir.assignment_id

    def module_folder(self) -> Path:
        try:
            return self.layout.module_folder(self.module_id)
        except TitoError as error:
            self.fail(str(error))


class HubFetchAssignment(HubExchange, ExchangeFetchAssignment):
    """Copy a released module into the module's folder; never replaces a student's file."""

    def init_src(self) -> None:
        self.files = self.client.release(self.module_id)

    def init_dest(self) -> None:
        self.dest = self.module_folder()
        if self.dest.is_dir() and not self.replace_missing_files:
            self.fail(f"You already have a copy of the assignment in this directory: "
                      f"{self.dest}")

    def copy_files(self) -> None:
        for name, data in self.files.items():
            if not (self.dest / name).exists():
                _write(self.dest / name, data)
        self.log.info("Fetched as: %s %s", COURSE_ID, self.module_id)


class HubSubmit(HubExchange, ExchangeSubmit):
    """Hand in the module's folder (without hidden files, links and nbgrader's ignored
    names such as ``feedback``); the service stamps the time."""

    def init_src(self) -> None:
        self.src = self.module_folder()
        if not self.src.is_dir():
            self.fail(f"Assignment not found at: {self.src}: fetch {self.module_id} first")
        self.files = self.read_files()

    def _kept(self, name: str) -> bool:
        return not (name.startswith(".") or
                    any(fnmatch(name, pattern) for pattern in self.coursedir.ignore))

    def read_files(self) -> dict[str, bytes]:
        files = {}
        for folder, subfolders, names in os.walk(self.src):
            subfolders[:] = [name for name in subfolders if self._kept(name)]
            for path in (Path(folder) / name for name in names if self._kept(name)):
                if path.is_file() and not path.is_symlink():
                    files[path.relative_to(self.src).as_posix()] = path.read_bytes()
        return files

    def copy_files(self) -> None:
        receipt = self.client.submit(self.module_id, self.files)
        self.timestamp = receipt["timestamp"]
        self.log.info("Submitted as: %s %s %s", COURSE_ID, self.module_id, self.timestamp)


class HubFetchFeedback(HubExchange, ExchangeFetchFeedback):
    """Copy the released feedback on each of the student's hand-ins (the latest release of
    it replaces an earlier copy, as nbgrader does)."""

    def init_src(self) -> None:
        self.feedback = self.client.feedback(self.module_id)

    def copy_files(self) -> None:
        for timestamp, files in self.feedback:
            folder = self.layout.feedback_folder(self.module_id, timestamp)
            for name, data in files.items():
                _write(folder / name, data)
                self.log.info("Fetched feedback: %s", folder / name)


class HubList(HubExchange, ExchangeList):
    """The released modules (``released`` or ``fetched``) or, with ``inbound`` or
    ``cached``, the student's hand-ins, in the dicts nbgrader's own list returns."""

    def copy_files(self) -> None:
        """Listing copies nothing."""

    def list_files(self) -> list[dict]:
        if self.coursedir.course_id not in ("", COURSE_ID):
            return []
        answer = self.client.assignments()
        chosen = [a for a in answer["assignments"]
                  if self.coursedir.assignment_id in ("", a["module"])]
        if self.inbound or self.cached:
            return [self.submitted(answer["student"], a) for a in chosen if a["submissions"]]
        return [self.released(a) for a in chosen]

    def remove_files(self) -> list[dict]:
        self.fail("removing released modules or hand-ins is for instructors, in the "
                  "grading service")

    def released(self, assignment: dict) -> dict:
        module_id = assignment["module"]
        folder = self.layout.module_folder(module_id)
        if folder.is_dir():
            notebooks = [{"notebook_id": path.stem, "path": str(path)}
                         for path in sorted(folder.glob("*.ipynb"))]
            return {"course_id": COURSE_ID, "assignment_id": module_id, "status": "fetched",
                    "path": str(folder), "notebooks": notebooks}
        url = self.client.module_url(module_id, "release")
        return {"course_id": COURSE_ID, "assignment_id": module_id, "status": "released",
                "path": url, "notebooks": [{"notebook_id": notebook_id, "path": url}
                                           for notebook_id in assignment["notebooks"]]}

    def submitted(self, student: str, assignment: dict) -> dict:
        module_id = assignment["module"]
        return {"course_id": COURSE_ID, "student_id": student, "assignment_id": module_id,
                "status": "submitted",
                "submissions": [self.submission(student, module_id, item)
                                for item in assignment["submissions"]]}

    def submission(self, student: str, module_id: str, item: dict) -> dict:
        """One hand-in with nbgrader's feedback flags: fetched here, released in the
        service, and whether the released one differs from the fetched one."""
        folder = self.layout.feedback_folder(module_id, item["timestamp"])
        notebooks = [self.notebook(notebook_id, folder, item["feedback"].get(notebook_id),
                                   self.client.module_url(module_id, "submissions",
                                                          item["timestamp"]))
                     for notebook_id in item["notebooks"]]
        has_local = bool(notebooks) and all(n["has_local_feedback"] for n in notebooks)
        return {"course_id": COURSE_ID, "student_id": student, "assignment_id": module_id,
                "timestamp": item["timestamp"], "status": "submitted",
                "path": self.client.module_url(module_id, "submissions", item["timestamp"]),
                "notebooks": notebooks, "has_local_feedback": has_local,
                "has_exchange_feedback": bool(notebooks) and all(
                    n["has_exchange_feedback"] for n in notebooks),
                "feedback_updated": any(n["feedback_updated"] for n in notebooks),
                "local_feedback_path": str(folder) if has_local else None}

    @staticmethod
    def notebook(notebook_id: str, feedback_folder: Path, released: str | None,
                 url: str) -> dict:
        local = feedback_folder / f"{notebook_id}.html"
        has_local = local.is_file()
        return {"notebook_id": notebook_id, "path": url, "has_local_feedback": has_local,
                "has_exchange_feedback": released is not None,
                "local_feedback_path": str(local) if has_local else None,
                "feedback_updated": has_local and released is not None
                and file_sha256(local) != released}


class InstructorsOnly(Exchange):
    """An action a student's lab cannot take: instructors do it in the grading service."""

    action = ""

    def start(self) -> None:
        self.fail(f"{self.action} is for instructors: they do it in the grading service's "
                  "dashboard (or with 'tito nbgrader' on the course directory), not from a "
                  "student's lab")


class HubReleaseAssignment(InstructorsOnly, ExchangeReleaseAssignment):
    action = "releasing a module"


class HubReleaseFeedback(InstructorsOnly, ExchangeReleaseFeedback):
    action = "releasing feedback"


class HubCollect(InstructorsOnly, ExchangeCollect):
    action = "collecting submissions"
