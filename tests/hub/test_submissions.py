"""The grading service's submission store on a real course directory and exchange: hand-ins
where nbgrader's collect finds them, all or nothing even when the service dies midway,
every resubmission kept, each kind of bad input refused with its fix, and feedback found
as nbgrader finds it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import parse_utc
from traitlets.config import Config, Configurable

from grading_service.core import submissions
from grading_service.core.dashboard import class_progress
from grading_service.core.submissions import (
    MAX_SUBMISSION_BYTES,
    MAX_SUBMISSION_FILES,
    NotFound,
    SubmissionStore,
)
from tests.hub.course import edited, feedback_score
from tito.errors import TitoError
from tito.grading.course_dir import CONFIG_FILE, CourseDir
from tito.manifest import Course

pytestmark = pytest.mark.slow


@pytest.fixture
def course_dir(tmp_path: Path, generated: CourseDir, course: Course,
               modules_dir: Path) -> CourseDir:
    """A course directory with module setup released into an exchange of its own."""
    # The copy gets a configuration of its own, naming its own exchange.
    shutil.copytree(generated.root, tmp_path / "course",
                    ignore=shutil.ignore_patterns(CONFIG_FILE))
    course_dir = CourseDir(tmp_path / "course", course, modules_dir,
                           exchange=tmp_path / "exchange")
    course_dir.init()
    course_dir.release(course.module("setup"))
    return course_dir


@pytest.fixture
def store(course_dir: CourseDir) -> SubmissionStore:
    return SubmissionStore(course_dir)


@pytest.fixture
def notebook(course_dir: CourseDir, course: Course) -> bytes:
    """The released notebook of setup, as a student who has not started would hand it in."""
    return course_dir.release_notebook(course.module("setup")).read_bytes()


def inbound(store: SubmissionStore) -> list[str]:
    return sorted(path.name for path in store.inbound.iterdir())


def test_a_hand_in_lands_where_nbgrader_looks(store: SubmissionStore, course_dir: CourseDir,
                                              course: Course, notebook: bytes) -> None:
    files = {"setup.ipynb": notebook, "data/notes.txt": "my notes ✓".encode()}
    stored = store.submit("alice", "setup", files)

    [name] = inbound(store)
    assert re.fullmatch(r"alice\+setup\+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC\+[\w-]{12}",
                        name)
    folder = store.inbound / name
    assert (folder / "timestamp.txt").read_text(encoding="utf-8") == stored.timestamp
    assert len((folder / "submission_secret.txt").read_text(encoding="utf-8")) == 128
    assert {n: p.read_bytes() for n, p in stored.paths().items()} == files
    assert oct(folder.stat().st_mode & 0o777) == oct(0o755)
    assert course_dir.handed_in(course.module("setup")) == {"alice": [stored.timestamp]}


def test_resubmitting_keeps_every_hand_in(store: SubmissionStore, notebook: bytes) -> None:
    first = store.submit("alice", "setup", {"setup.ipynb": edited(notebook, "first try")})
    second = store.submit("alice", "setup", {"setup.ipynb": edited(notebook, "second try")})

    history = store.history("alice", "setup")
    assert [s.timestamp for s in history] == [first.timestamp, second.timestamp]
    assert first.timestamp < second.timestamp
    for submission, note in zip(history, ("first try", "second try"), strict=True):
        again = store.submission("alice", "setup", submission.timestamp)
        assert note.encode() in again.paths()["setup.ipynb"].read_bytes()
    assert store.history("bob", "setup") == []
    with pytest.raises(NotFound, match="bob has no submission of setup at"):
        store.submission("bob", "setup", first.timestamp)
    [overview] = [m for m in store.overview("alice") if m["module"] == "setup"]
    assert [s["timestamp"] for s in overview["submissions"]] == [first.timestamp,
                                                                 second.timestamp]
    assert overview["notebooks"] == ["setup"] and overview["title"] == "Setup"


def test_collect_takes_the_latest_and_archives_every_hand_in(
        store: SubmissionStore, course_dir: CourseDir, course: Course, notebook: bytes) -> None:
    setup = course.module("setup")
    store.submit("alice", "setup", {"setup.ipynb": edited(notebook, "first try")})
    latest = edited(notebook, "second try")
    alice = store.submit("alice", "setup", {"setup.ipynb": latest})
    bob = store.submit("bob", "setup", {"setup.ipynb": notebook})

    assert course_dir.collect(setup) == {"alice": alice.timestamp, "bob": bob.timestamp}
    assert [len(course_dir.archived(setup, s)) for s in ("alice", "bob")] == [2, 1]
    assert course_dir.submitted_notebook(setup, "alice").read_bytes() == latest


def failing_after(calls: int, failure: Callable[[], None]) -> Callable[[Path, bytes], None]:
    """The store's file writer, which runs ``failure`` instead of its ``calls + 1``-th write."""
    real, done = submissions._write_file, []

    def write(path: Path, data: bytes) -> None:
        if len(done) == calls:
            failure()
        done.append(path)
        real(path, data)

    return write


def nothing_handed_in(store: SubmissionStore, course_dir: CourseDir, course: Course) -> None:
    setup = course.module("setup")
    assert store.history("alice", "setup") == []
    assert course_dir.handed_in(setup) == {}
    assert course_dir.collect(setup) == {}
    assert course_dir.archived(setup, "alice") == []


def test_an_error_midway_leaves_nothing(store: SubmissionStore, course_dir: CourseDir,
                                        course: Course, notebook: bytes,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(submissions, "_write_file", failing_after(1, disk_full))
    with pytest.raises(OSError, match="No space left"):
        store.submit("alice", "setup", {"setup.ipynb": notebook, "notes.txt": b"notes"})
    assert inbound(store) == []
    nothing_handed_in(store, course_dir, course)


CRASH = """
import os, sys
from pathlib import Path
from grading_service.core import submissions
from tito.grading.course_dir import CONFIG_FILE, CourseDir
from tito.manifest import load_course
from tito.project import PROJECT_ROOT

real = submissions._write_file
def write(path, data):
    real(path, data)
    os._exit(9)  # killed after the first file: no cleanup runs
submissions._write_file = write
course = load_course(PROJECT_ROOT / "course" / "course.toml")
course_dir = CourseDir(Path(sys.argv[1]), course, PROJECT_ROOT / "course" / "modules",
                       exchange=Path(sys.argv[2]))
submissions.SubmissionStore(course_dir).submit("alice", "setup", {
    "setup.ipynb": Path(sys.argv[3]).read_bytes(), "notes.txt": b"notes"})
"""


def test_a_crash_midway_leaves_nothing_collect_picks_up(
        store: SubmissionStore, course_dir: CourseDir, course: Course) -> None:
    released = course_dir.release_notebook(course.module("setup"))
    crashed = subprocess.run([sys.executable, "-c", CRASH, str(course_dir.root),
                              str(course_dir.exchange), str(released)], check=False)
    assert crashed.returncode == 9
    [leftover] = inbound(store)
    assert leftover.startswith(submissions.STAGING_PREFIX)
    nothing_handed_in(store, course_dir, course)
    assert store.remove_unfinished() == [leftover]  # as the service does when it starts
    assert inbound(store) == []


def notebook_of(module_id: str) -> bytes:
    notebook = nbformat.v4.new_notebook(metadata={"tinytorch": {"module": module_id}})
    return nbformat.writes(notebook).encode("utf-8")


# (student, module, files, what the refusal says): every one writes nothing.
REFUSALS = {
    "unreleased module": ("alice", "tensor", {"tensor.ipynb": notebook_of("tensor")},
                          "module 'tensor' is not released: use a released module's id "
                          "(setup)"),
    "unknown module": ("alice", "nope", {"nope.ipynb": b"{}"}, "module 'nope' is not released"),
    "no files": ("alice", "setup", {}, "holds no files: send at least setup.ipynb"),
    "absolute path": ("alice", "setup", {"/etc/cron.d/x": b"x"}, "is an absolute path"),
    "parent folder": ("alice", "setup", {"../bob/setup.ipynb": b"x"}, "contains '..'"),
    "hidden file": ("alice", "setup", {".bashrc": b"x"}, "is hidden"),
    "hidden folder": ("alice", "setup", {"data/.git/config": b"x"}, "is hidden"),
    "unnormalized path": ("alice", "setup", {"./setup.ipynb": b"x"},
                          "is not a plain relative file name"),
    "backslash": ("alice", "setup", {"data\\x": b"x"}, "is not a plain relative file name"),
    "exchange's own file": ("alice", "setup", {"timestamp.txt": b"1999-01-01 00:00:00 UTC"},
                            "a name the exchange keeps for itself"),
    "notebook missing": ("alice", "setup", {"notes.txt": b"x"},
                         "has no setup.ipynb: include the module's notebook"),
    "not JSON": ("alice", "setup", {"setup.ipynb": b"{ not json"},
                 "setup.ipynb is not valid JSON"),
    "JSON, not a notebook": ("alice", "setup", {"setup.ipynb": b'{"cells": []}'},
                             "is JSON but not a notebook"),
    "invalid notebook": ("alice", "setup", {"setup.ipynb": json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "x"}).encode()},
        "setup.ipynb is not a valid notebook"),
    "another module's notebook": ("alice", "setup", {"setup.ipynb": notebook_of("tensor")},
                                  "is the notebook of module 'tensor', not 'setup'"),
    "too large": ("alice", "setup", {"setup.ipynb": notebook_of("setup"),
                                     "weights.bin": bytes(MAX_SUBMISSION_BYTES)},
                  "more than the 20 MB allowed"),
    "too many files": ("alice", "setup", {"setup.ipynb": notebook_of("setup"), **{
        f"data/{i}.txt": b"x" for i in range(MAX_SUBMISSION_FILES)}},
        f"holds {MAX_SUBMISSION_FILES + 1} files, more than the {MAX_SUBMISSION_FILES} "
        "allowed"),
    "a file inside a file": ("alice", "setup", {"setup.ipynb": notebook_of("setup"),
                                                "data": b"x", "data/x": b"x"},
                             "'data/x' puts a file inside 'data', which is a file"),
    "a file inside the exchange's": ("alice", "setup", {"setup.ipynb": notebook_of("setup"),
                                                        "secret.txt": b"x",
                                                        "submission_secret.txt/x": b"x"},
                                     "puts a file inside 'submission_secret.txt'"),
    "empty file name": ("alice", "setup", {"": b"x"}, "'' is not a plain relative file name"),
    "NUL in a name": ("alice", "setup", {"a\0b": b"x"}, "is not a plain relative file name"),
    "lone surrogate": ("alice", "setup", {"\udc80": b"x"}, "is not a valid Unicode name"),
    "name too long": ("alice", "setup", {"a/" * 512 + "b": b"x"}, "is too long a name"),
    "name with a plus": ("alice+bob", "setup", {"setup.ipynb": notebook_of("setup")},
                         "'alice+bob' is not a plain hub user name"),
    "name with a slash": ("../alice", "setup", {"setup.ipynb": notebook_of("setup")},
                          "is not a plain hub user name"),
    "empty name": ("", "setup", {"setup.ipynb": notebook_of("setup")},
                   "is not a plain hub user name"),
}


@pytest.mark.parametrize(("student", "module_id", "files", "message"), REFUSALS.values(),
                         ids=REFUSALS.keys())
def test_bad_input_is_refused_with_its_fix_and_writes_nothing(
        store: SubmissionStore, student: str, module_id: str, files: dict[str, bytes],
        message: str) -> None:
    with pytest.raises(TitoError, match=re.escape(message)):
        store.submit(student, module_id, files)
    assert inbound(store) == []


def test_the_limits_are_the_services_configuration(course_dir: CourseDir) -> None:
    """As the service makes its store: with the service's configuration as its parent's."""
    service = Configurable(config=Config(SubmissionStore={"max_bytes": 1000, "max_files": 2}))
    store = SubmissionStore(course_dir, parent=service)
    with pytest.raises(TitoError, match="holds 3 files, more than the 2 allowed"):
        store.submit("alice", "setup", {"setup.ipynb": b"{}", "a": b"", "b": b""})
    with pytest.raises(TitoError, match=re.escape("is 0.0 MB, more than the 0 MB allowed")):
        store.submit("alice", "setup", {"setup.ipynb": bytes(1001)})
    assert store.max_request_bytes < SubmissionStore(course_dir).max_request_bytes
    assert inbound(store) == []


def test_feedback_is_found_as_nbgrader_finds_it(store: SubmissionStore, course_dir: CourseDir,
                                                course: Course, notebook: bytes) -> None:
    """Feedback released by nbgrader belongs to the hand-in that was graded, and nbgrader's
    own listing of the exchange agrees."""
    setup = course.module("setup")
    earlier = store.submit("alice", "setup", {"setup.ipynb": notebook})
    graded = store.submit("alice", "setup", {"setup.ipynb": edited(notebook, "done")})
    assert store.feedback("alice", "setup") == []

    [student] = course_dir.collect(setup)
    course_dir.autograde(setup, student)
    course_dir.feedback(setup, student)

    [(submission, files)] = store.feedback("alice", "setup")
    assert submission.timestamp == graded.timestamp
    assert list(files) == ["setup.html"]
    assert feedback_score(files["setup.html"].read_bytes()) == "0.0 / 100.0"
    described = [store.describe(s) for s in store.history("alice", "setup")]
    assert [d["feedback"] for d in described] == [
        {}, {"setup": hashlib.sha256(files["setup.html"].read_bytes()).hexdigest()}]
    api = course_dir.api()
    api.coursedir.assignment_id = "setup"
    [listed] = api.exchange.List(coursedir=api.coursedir, authenticator=api.authenticator,
                                 parent=api, inbound=True).start()
    assert {s["timestamp"]: s["has_exchange_feedback"] for s in listed["submissions"]} == {
        earlier.timestamp: False, graded.timestamp: True}


def test_collecting_the_services_hand_ins_raises_no_owner_warning(
        store: SubmissionStore, course_dir: CourseDir, course: Course, notebook: bytes) -> None:
    """nbgrader calls a hand-in not owned by the student it names a cheating attempt; the
    service writes every hand-in itself, for the student the hub token named."""
    store.submit("alice", "setup", {"setup.ipynb": notebook})
    result = course_dir.api().collect("setup")
    assert result["success"], result
    assert "cheating attempt" not in result.get("log", "")
    assert course_dir.students_with(course.module("setup"), "submitted") == ["alice"]


@pytest.mark.parametrize(("days_after_the_hand_in", "late"), [(-1, True), (1, False)])
def test_the_class_progress_marks_a_hand_in_after_the_due_date_late(
        store: SubmissionStore, course_dir: CourseDir, course: Course, notebook: bytes,
        days_after_the_hand_in: int, late: bool) -> None:
    handed_in = store.submit("alice", "setup", {"setup.ipynb": notebook})
    due = parse_utc(handed_in.timestamp).replace(tzinfo=UTC) + timedelta(
        days=days_after_the_hand_in)
    setup = dataclasses.replace(course.module("setup"), due=due)
    cell = class_progress(course_dir, [setup], roster=["alice", "bob"])
    assert (cell["alice"]["setup"].submitted, cell["alice"]["setup"].late) == (True, late)
    assert (cell["bob"]["setup"].submitted, cell["bob"]["setup"].late) == (False, False)
