"""A student's check of a module (``tito.student.validation``): summary first, each test
with the piece it tests and its assertion's message, the questions left unanswered."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from tests.grading.submissions import answered, grade_id, submission
from tito.authoring.policy import ANSWER_STUB
from tito.authoring.source import Role, read_source
from tito.authoring.test_cells import results_summary
from tito.files import write_notebook
from tito.grading.course_dir import CourseDir
from tito.manifest import Course
from tito.module_tests import TestResult
from tito.student.validation import message, unanswered, validate
from tito.student.workspace import PLACEHOLDER, Workspace


@pytest.mark.parametrize(("counts", "said"), [
    ((6, 8, 2, 3), "6 of 8 tests fail; 2 questions unanswered"),
    ((1, 8, 1, 3), "1 of 8 tests fails; 1 question unanswered"),
    ((0, 8, 0, 3), "all 8 tests pass; every question answered"),
    ((0, 1, 0, 0), "the test passes"),
    ((1, 1, 3, 3), "the test fails; 3 questions unanswered"),
    ((0, 0, 0, 0), "no tests to run"),
])
def test_the_summary_counts_in_words(counts: tuple[int, int, int, int], said: str) -> None:
    assert results_summary(*counts) == said


def test_feedback_counts_test_cells() -> None:
    assert results_summary(5, 7, 2, 3, unit="test cell") == (
        "5 of 7 test cells fail; 2 questions unanswered")


@pytest.mark.parametrize(("outcome", "raw", "shown"), [
    ("failed", "AssertionError: relu(-1) should be 0, got -1", "relu(-1) should be 0, got -1"),
    ("failed", "AssertionError: assert 1 == 0",
     "an assertion failed (the test gives no message): see the test in your notebook"),
    ("failed", "assert x == y",
     "an assertion failed (the test gives no message): see the test in your notebook"),
    ("failed", "NotImplementedError: relu is not implemented yet: see its TODO",
     "NotImplementedError: relu is not implemented yet: see its TODO"),
    ("passed", "", ""),
])
def test_a_tests_message_is_what_its_assertion_says(outcome: str, raw: str, shown: str) -> None:
    assert message(TestResult("test_relu", outcome, raw)) == shown


@pytest.fixture(scope="module")
def setup_release(tmp_path_factory: pytest.TempPathFactory, course: Course,
                  modules_dir: Path) -> tuple[NotebookNode, NotebookNode]:
    """Module ``setup``'s student notebook and the instructor's."""
    course_dir = CourseDir(tmp_path_factory.mktemp("course"), course, modules_dir)
    release = nbformat.read(course_dir.generate(course.module("setup")), as_version=4)
    instructor = nbformat.read(course_dir.source_notebook(course.module("setup")),
                               as_version=4)
    return release, instructor


def _ids(course: Course, modules_dir: Path, role: Role) -> list[str]:
    return [c.grade_id for c in read_source(course.module("setup"), modules_dir).cells
            if c.role is role]


def test_unanswered_questions_are_those_left_as_released(
        setup_release: tuple[NotebookNode, NotebookNode], course: Course,
        modules_dir: Path) -> None:
    release, _ = setup_release
    questions = _ids(course, modules_dir, Role.MANUAL)
    assert len(questions) == 3
    untouched = unanswered(release)
    assert [label.split(" ")[:2] for label in untouched] == [
        ["Question", "1"], ["Question", "2"], ["Question", "3"]]

    mine = answered(release, {questions[0]})
    assert unanswered(mine) == untouched[1:]
    blanked = copy.deepcopy(mine)
    for cell in blanked.cells:
        if grade_id(cell) == questions[0]:
            cell.source = "   \n"
    assert unanswered(blanked) == untouched
    retyped = copy.deepcopy(mine)
    for cell in retyped.cells:
        if grade_id(cell) == questions[0]:
            cell.source = f"{ANSWER_STUB}\n"
    assert unanswered(retyped) == untouched
    assert unanswered(answered(release, set(questions))) == []


def test_validate_checks_the_notebook_without_exporting_it(
        tmp_path: Path, setup_release: tuple[NotebookNode, NotebookNode], course: Course,
        modules_dir: Path) -> None:
    release, instructor = setup_release
    setup = course.module("setup")
    workspace = Workspace(tmp_path / "workspace", course)
    workspace.init({})
    exercises = _ids(course, modules_dir, Role.SOLUTION)
    # Every exercise solved but the first, whose stub now returns a wrong answer instead.
    notebook = submission(release, instructor, set(exercises[1:]))
    for cell in notebook.cells:
        if grade_id(cell) == exercises[0]:
            cell.source = cell.source.replace("raise NotImplementedError(", "return ('wrong', ")
    write_notebook(workspace.notebook(setup), notebook)

    report = validate(workspace, setup)
    failed = [test for test in report.tests if test.outcome != "passed"]
    assert 0 < len(failed) < report.total and report.passed == report.total - len(failed)
    assert report.summary == (f"{len(failed)} of {report.total} tests "
                              f"{'fails' if len(failed) == 1 else 'fail'}; "
                              "3 questions unanswered")
    for test in report.tests:
        assert test.piece, test
        for leak in ("Traceback", "File \"", "def test_", "run(", "\n"):
            assert leak not in test.message, test
    assert all(test.piece == failed[0].piece for test in failed)
    assert workspace.package_file(setup).read_text(encoding="utf-8").startswith(PLACEHOLDER)
    assert workspace.progress()["setup"]["tests"]["passed"] == report.passed
    assert report.as_json()["tests"][0].keys() == {"name", "piece", "outcome", "message"}
