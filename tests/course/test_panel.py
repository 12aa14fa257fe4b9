"""The student panel's API (``tito.panel``) in a real ``tito lab``, on a laptop course: an
instructor's course directory that released ``setup`` and ``tensor`` through nbgrader's
filesystem exchange, and a student's workspace that starts empty."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tests.conftest import TITO
from tests.grading.submissions import answered, grade_id, submission
from tests.servers import free_port, running
from tito.authoring.source import Role, read_source
from tito.files import write_notebook
from tito.grading.course_dir import CourseDir
from tito.manifest import Course
from tito.project import PROJECT_ROOT

TOKEN = "panel-token"
pytestmark = pytest.mark.slow


@dataclass
class Lab:
    """A running ``tito lab`` with the panel: its port, the student's workspace and the
    instructor's course directory."""

    port: int
    workspace: Path
    course_dir: CourseDir

    def call(self, path: str, method: str = "GET") -> tuple[int, dict]:
        """``method tinytorch/api/<path>``: the status and the JSON answer."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/tinytorch/api/{path}", method=method,
            data=b"" if method == "POST" else None,
            headers={"Authorization": f"token {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def ok(self, path: str, method: str = "GET") -> dict:
        status, body = self.call(path, method)
        assert status == 200, body
        return body

    def module(self, module_id: str) -> dict:
        [found] = [m for m in self.ok("course")["modules"] if m["id"] == module_id]
        return found


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory, course: Course,
               modules_dir: Path) -> CourseDir:
    """The instructor's course directory, with ``setup`` and ``tensor`` released."""
    root = tmp_path_factory.mktemp("course")
    course_dir = CourseDir(root / "instructor", course, modules_dir, exchange=root / "exchange")
    course_dir.init()
    for module_id in ("setup", "tensor"):
        course_dir.generate(course.module(module_id))
        course_dir.release(course.module(module_id))
    return course_dir


@pytest.fixture
def lab(tmp_path: Path, course_dir: CourseDir) -> Iterator[Lab]:
    """``tito lab`` as a student starts it on a laptop course (its notebooks come from the
    exchange, so it is given none of its own), on an empty workspace."""
    workspace, port = tmp_path / "workspace", free_port()
    (tmp_path / "no-releases").mkdir()
    env = {**os.environ, "TITO_WORKSPACE": str(workspace), "JUPYTER_TOKEN": TOKEN,
           "TITO_CACHE": str(tmp_path / "cache"), "TITO_EXCHANGE": str(course_dir.exchange),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "PATH": os.pathsep.join([sysconfig.get_path("scripts"), os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    lab = Lab(port, workspace, course_dir)
    with running([*TITO, "lab", "--no-browser", "--port", str(port), "--releases",
                  str(tmp_path / "no-releases")], env, tmp_path / "lab.log",
                 ready=lambda: lab.call("course")):
        yield lab


def solve(lab: Lab, course: Course, modules_dir: Path, module_id: str) -> None:
    """Paste the instructor's solution into every exercise and answer every question of the
    student's notebook, as a student who finished the module would have it."""
    module = course.module(module_id)
    notebook_path = lab.workspace / lab.module(module_id)["notebook"]
    instructor = nbformat.read(lab.course_dir.source_notebook(module), as_version=4)
    cells = read_source(module, modules_dir).cells
    exercises = {c.grade_id for c in cells if c.role is Role.SOLUTION}
    questions = {c.grade_id for c in cells if c.role is Role.MANUAL}
    mine = nbformat.read(notebook_path, as_version=4)
    write_notebook(notebook_path, answered(submission(mine, instructor, exercises), questions))


def test_a_module_from_release_to_feedback(lab: Lab, course: Course,
                                           modules_dir: Path) -> None:
    facts = lab.ok("course")
    assert (facts["title"], facts["student"], facts["role"], facts["exchange"],
            facts["staff_links"]) == ("TinyTorch", getpass.getuser(), "student", "local", None)
    assert [m["id"] for m in facts["modules"]] == [m.id for m in course.modules]
    tensor = lab.module("tensor")
    assert tensor["number"] == "01" and tensor["requires"] == ["setup"]
    assert tensor["notebook"] == "modules/01_tensor/tensor.ipynb"
    assert (tensor["released"], tensor["fetched"], tensor["started"], tensor["tests"],
            tensor["exported"], tensor["submissions"], tensor["feedback"]) == (
        True, False, False, None, False, [], None)
    assert tensor["late_policy"] == "10% per started day late"
    assert not lab.module("activations")["released"]

    assert lab.ok("modules/tensor/fetch", "POST") == {
        "status": "created", "notebook": "modules/01_tensor/tensor.ipynb"}
    tensor = lab.module("tensor")
    assert (tensor["fetched"], tensor["started"]) == (True, False)

    stub = lab.ok("modules/tensor/test", "POST")
    total = stub["total"]
    assert stub["passed"] == 0 and total > 10
    assert stub["summary"] == f"{total} of {total} tests fail; 3 questions unanswered"
    assert stub["unanswered"][0].startswith("Question 1: what a model")
    for test in stub["tests"]:
        assert test["outcome"] in ("failed", "error"), test
        assert "not implemented yet" in test["message"], test
        assert "Traceback" not in test["message"] and "def test_" not in test["message"]
    [add] = [test for test in stub["tests"] if test["name"] == "test_add"]
    released = nbformat.read(lab.workspace / tensor["notebook"], as_version=4)
    [cell] = [c for c in released.cells if grade_id(c) == "tensor-add-tests"]
    assert add["piece"] == cell.metadata.get("tinytorch", {}).get("tests", "tensor-add-tests")
    assert lab.module("tensor")["tests"]["passed"] == 0
    assert not lab.module("tensor")["exported"], "testing does not export"

    solve(lab, course, modules_dir, "tensor")
    assert lab.module("tensor")["started"]
    solved = lab.ok("modules/tensor/test", "POST")
    assert solved["summary"] == f"all {total} tests pass; every question answered"
    assert lab.module("tensor")["tests"]["passed"] == total

    exported = lab.ok("modules/tensor/export", "POST")
    assert exported["path"] == "tinytorch/core/tensor.py"
    tensor = lab.module("tensor")
    assert tensor["exported"] and tensor["exported_at"] == exported["exported_at"]

    receipt = lab.ok("modules/tensor/submit", "POST")
    assert receipt["module"] == "tensor"
    assert lab.module("tensor")["submissions"] == [
        {"timestamp": receipt["timestamp"], "feedback_released": False}]

    status, refused = lab.call("modules/tensor/feedback", "POST")
    assert status == 400
    assert refused["message"].startswith("no feedback on your submissions of tensor yet")

    tensor_module = course.module("tensor")
    [student] = lab.course_dir.collect(tensor_module)
    lab.course_dir.autograde(tensor_module, student)
    lab.course_dir.feedback(tensor_module, student)
    assert lab.module("tensor")["submissions"] == [
        {"timestamp": receipt["timestamp"], "feedback_released": True}]
    feedback = lab.ok("modules/tensor/feedback", "POST")
    page = lab.workspace / feedback["path"]
    assert page.is_file() and page.name == "tensor.html"
    assert feedback["timestamp"] == receipt["timestamp"]
    scores = lab.course_dir.scores(tensor_module, student)
    assert (feedback["score"], feedback["max_score"]) == (sum(scores.values()), 100.0)
    assert lab.module("tensor")["feedback"] == feedback


def test_a_milestone_names_what_it_needs_then_streams_its_run(lab: Lab,
                                                               course: Course) -> None:
    [perceptron] = [m for m in lab.ok("course")["milestones"] if m["name"] == "perceptron"]
    assert perceptron["requires"] == ["setup", "tensor", "activations", "layers"]
    assert perceptron["missing"] == perceptron["requires"] and perceptron["last"] is None
    status, refused = lab.call("milestones/perceptron/run", "POST")
    assert status == 400
    assert refused["message"].startswith("milestone perceptron needs modules 00 'setup', "
                                         "01 'tensor', 02 'activations' and 03 'layers'")

    for module_id in perceptron["requires"]:  # as if the student had exported each
        target = course.module(module_id).target_path
        shutil.copyfile(PROJECT_ROOT / target, lab.workspace / target)
    run = lab.ok("milestones/perceptron/run", "POST")["run"]
    status, busy = lab.call("milestones/perceptron/run", "POST")
    assert status == 409 and "already running" in busy["message"]
    started = time.monotonic()
    lab.ok("course")  # the lab answers while the milestone trains
    assert time.monotonic() - started < 5

    output, offset, polls = "", 0, 0
    while True:
        answer = lab.ok(f"milestones/perceptron/run?since={offset}")
        assert answer["run"] == run
        output += answer["output"]
        offset, polls = answer["offset"], polls + 1
        if answer["done"]:
            break
        time.sleep(0.5)
    assert answer["passed"] is True, output
    assert output.startswith("Milestone perceptron")
    assert "milestone perceptron ✓ passed" in output
    assert lab.ok(f"milestones/perceptron/run?since={offset}")["output"] == ""
    [perceptron] = [m for m in lab.ok("course")["milestones"] if m["name"] == "perceptron"]
    assert perceptron["missing"] == [] and perceptron["last"]["passed"] is True


def test_bad_requests_say_what_to_do(lab: Lab, course: Course) -> None:
    status, unknown = lab.call("modules/tensr/test", "POST")
    assert status == 404
    assert unknown["message"] == ("unknown module 'tensr': the modules are "
                                  + ", ".join(m.id for m in course.modules))
    status, unknown = lab.call("milestones/perceptrn/run", "POST")
    assert status == 404 and "the milestones are perceptron, xor" in unknown["message"]
    status, never = lab.call("milestones/xor/run")
    assert status == 404 and "has not been run" in never["message"]
    status, bad = lab.call("milestones/xor/run?since=-1")
    assert status == 400 and "offset" in bad["message"]

    status, unreleased = lab.call("modules/activations/fetch", "POST")
    assert status == 400 and "has the instructor released it?" in unreleased["message"]

    lab.ok("modules/setup/fetch", "POST")
    notebook = lab.workspace / "modules" / "00_setup" / "setup.ipynb"
    notebook.write_text('{"cells": [', encoding="utf-8")
    for action in ("test", "export", "submit"):
        status, broken = lab.call(f"modules/setup/{action}", "POST")
        assert status == 400, action
        assert "is not a valid notebook" in broken["message"], action
        assert "tito module reset setup" in broken["message"]
    assert notebook.read_text(encoding="utf-8") == '{"cells": ['
    assert lab.module("setup")["started"], "a notebook that no longer reads is not the release"
    assert lab.module("setup")["submissions"] == []


def test_unauthenticated_requests_are_refused(lab: Lab) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{lab.port}/tinytorch/api/course")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403

