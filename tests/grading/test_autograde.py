"""Autograde end to end on a real nbgrader course directory, with the sandbox and the judge."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.grading.submissions import grade_id, submission, submit
from tito.authoring.source import Role, read_source
from tito.grading.autograde import student_package
from tito.grading.course_dir import CourseDir
from tito.grading.report import grade_rows
from tito.manifest import Course, load_course
from tito.student.workspace import PLACEHOLDER

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, course: Course,
           modules_dir: Path) -> tuple[CourseDir, dict[str, set[str]], list]:
    """Three students' submissions of module setup, graded: all exercises solved, the first
    two solved, none solved."""
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path_factory.mktemp("course"), course, modules_dir)
    release = nbformat.read(course_dir.generate(setup), as_version=4)
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    cells = read_source(setup, modules_dir).cells
    exercises = [c.grade_id for c in cells if c.role is Role.SOLUTION]
    solved = {"ada": set(exercises), "bob": set(exercises[:2]), "cy": set()}
    for student, answers in solved.items():
        submit(course_dir, "setup", student, submission(release, instructor, answers))
        course_dir.autograde(setup, student)
    return course_dir, solved, cells


def test_each_test_cell_scores_its_points_when_its_exercise_is_solved(graded) -> None:
    course_dir, solved, cells = graded
    setup = course_dir.course.module("setup")
    exercises = [c.grade_id for c in cells if c.role is Role.SOLUTION]
    test_cells = [c for c in cells if c.role is Role.TEST]
    assert len(exercises) == len(test_cells), "setup pairs each exercise with its test cell"
    for student, answers in solved.items():
        scores = course_dir.scores(setup, student)
        expected = {test.grade_id: test.points if exercise in answers else 0
                    for exercise, test in zip(exercises, test_cells, strict=True)}
        assert {grade_id: scores[grade_id] for grade_id in expected} == expected, student


def test_exact_totals_for_the_three_students(graded) -> None:
    course_dir, _, _ = graded
    setup = course_dir.course.module("setup")
    totals = {student: sum(score for name, score in course_dir.scores(setup, student).items()
                           if not name.startswith("systems-"))
              for student in ("ada", "bob", "cy")}
    assert totals == {"ada": 70, "bob": 20, "cy": 0}


def test_the_graded_notebook_lists_every_test_and_keeps_the_students_outputs(graded) -> None:
    course_dir, _, cells = graded
    autograded = nbformat.read(course_dir.root / "autograded" / "bob" / "setup" / "setup.ipynb",
                               as_version=4)
    reports = {grade_id(c): c.outputs[0]["text"] for c in autograded.cells
               if grade_id(c) in {cell.grade_id for cell in cells if cell.role is Role.TEST}}
    assert reports["hello-tinytorch-tests"].startswith("✓ test_")
    assert "✗ test_" in reports["check-environment-tests"]
    assert "is not implemented yet" in reports["check-environment-tests"]
    executed = [c for c in autograded.cells if c.cell_type == "code" and c.get("outputs")]
    assert len(executed) > len(reports), "the student's own cells keep their outputs"
    shown = "".join(str(output) for cell in executed for output in cell.outputs)
    assert "PermissionError" not in shown, "the notebook's sandbox reads the student's package"


def test_prerequisites_come_from_the_students_own_submissions(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    setup, tensor = course.module("setup"), course.module("tensor")
    course_dir = CourseDir(tmp_path / "course", course, modules_dir)
    course_dir.generate(setup)
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    submit(course_dir, "setup", "ada", instructor)
    tensor_notebook = nbformat.read(course_dir.generate(tensor), as_version=4)
    for student in ("ada", "bob"):
        package = student_package(tmp_path / student, course, tensor, tensor_notebook,
                                  course_dir.root / "submitted", student)
        setup_code = (package / setup.target_path).read_text(encoding="utf-8")
        tensor_code = (package / tensor.target_path).read_text(encoding="utf-8")
        assert tensor_code.startswith("# Module tensor as submitted, for grading.")
        if student == "ada":
            assert "def hello_tinytorch" in setup_code
        else:
            assert setup_code.startswith(PLACEHOLDER), "bob never submitted setup"


def test_a_module_whose_prerequisite_was_never_submitted_is_still_graded(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    tensor = course.module("tensor")
    course_dir = CourseDir(tmp_path / "course", course, modules_dir)
    release = nbformat.read(course_dir.generate(tensor), as_version=4)
    instructor = nbformat.read(course_dir.source_notebook(tensor), as_version=4)
    exercises = {c.grade_id for c in read_source(tensor, modules_dir).cells
                 if c.role is Role.SOLUTION}
    submit(course_dir, "tensor", "bob", submission(release, instructor, exercises))
    course_dir.autograde(tensor, "bob")
    scores = course_dir.scores(tensor, "bob")
    assert sum(v for k, v in scores.items() if not k.startswith("systems-")) == 70


def test_a_late_submission_pays_the_course_policy(tmp_path: Path, project_copy: Path) -> None:
    manifest = project_copy / "course" / "course.toml"
    text = manifest.read_text(encoding="utf-8").replace(
        'id = "setup"\n', 'id = "setup"\ndue = 2026-11-18T23:59:00Z\n', 1)
    manifest.write_text(text, encoding="utf-8")
    course = load_course(manifest)  # the course directory passes it to the graders
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path / "course", course, project_copy / "course" / "modules")
    course_dir.generate(setup)
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    submit(course_dir, "setup", "ada", instructor)  # 2026-11-20 10:00 UTC: 2 started days late
    course_dir.autograde(setup, "ada")
    [row] = grade_rows(course_dir, [setup])
    assert (row.autograded, row.late_penalty, row.total) == (70, 14, 56)
    with course_dir.gradebook() as gradebook:
        assert gradebook.find_submission("setup", "ada").late_submission_penalty == 14
