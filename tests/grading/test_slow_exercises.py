"""Grading a module whose exercises are slow when written naively (09 spatial's convolution):
a vectorized solution fits the sandbox's limits, a loop solution gets a message saying why
it scored 0, and the rest of the submission keeps its points."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.grading.submissions import grade_id, submit
from tito.authoring.source import Role, read_source
from tito.grading.course_dir import CourseDir
from tito.manifest import Course

pytestmark = pytest.mark.slow

# The vectorized forward's product, and what a student who keeps piece 1's loops writes
# there instead (the rest of the forward, what it saves for backward included, unchanged).
GEMM = "out = np.matmul(weight.reshape(out_channels, -1), matrix)"
LOOPS = ("out = conv2d_loops(x, weight, None, stride, padding).numpy()"
         ".reshape(n, out_channels, oh * ow)")


def _with_loops(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    changed = nbformat.from_dict(notebook)
    [cell] = [c for c in changed.cells if grade_id(c) == "conv-forward"]
    assert cell.source.count(GEMM) == 1, "the solution's forward changed: update GEMM"
    cell.source = cell.source.replace(GEMM, LOOPS)
    return changed


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, course: Course, modules_dir: Path
           ) -> CourseDir:
    """ada hands in every exercise of spatial solved; sam the same with a loop forward.
    Both handed in the instructor's solutions of every earlier module."""
    spatial = course.module("spatial")
    course_dir = CourseDir(tmp_path_factory.mktemp("course"), course, modules_dir)
    for module in [*course.prerequisites(spatial), spatial]:
        course_dir.generate(module)
        solved = nbformat.read(course_dir.source_notebook(module), as_version=4)
        for student in ("ada", "sam"):
            if module is spatial and student == "sam":
                solved = _with_loops(solved)
            submit(course_dir, module.id, student, solved)
    for student in ("ada", "sam"):
        course_dir.autograde(spatial, student)
    return course_dir


def test_a_vectorized_solution_scores_every_point_within_the_limits(graded, course: Course,
                                                                    modules_dir: Path) -> None:
    """Every call within its 10 s and the submission within its 60 s: else points are lost."""
    course_dir = graded
    spatial = course.module("spatial")
    scores = course_dir.scores(spatial, "ada")
    tests = [c for c in read_source(spatial, modules_dir).cells if c.role is Role.TEST]
    assert {c.grade_id: scores[c.grade_id] for c in tests} == {c.grade_id: c.points
                                                               for c in tests}


def test_a_loop_solution_loses_that_exercise_with_the_reason(graded, course: Course) -> None:
    course_dir = graded
    spatial = course.module("spatial")
    ada, sam = (course_dir.scores(spatial, s) for s in ("ada", "sam"))
    lost = {name for name in ada if ada[name] != sam[name]}
    assert lost == {"conv-forward-tests"}, "only the exercise with the loops loses points"
    autograded = nbformat.read(course_dir.root / "autograded" / "sam" / "spatial" /
                               "spatial.ipynb", as_version=4)
    [report] = [c.outputs[0]["text"] for c in autograded.cells
                if grade_id(c) == "conv-forward-tests"]
    assert ("✗ test_conv_forward_at_training_size: your code did not finish within 10 s: "
            "look for an endless loop, or a Python loop that NumPy could do in one "
            "operation") in report
    assert "✓ test_conv_forward_equals_the_loops" in report, "small inputs still pass"
