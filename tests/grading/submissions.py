"""Building students' submissions for grading tests."""

from __future__ import annotations

import copy

from nbformat import NotebookNode

from tito.files import write_notebook
from tito.grading.course_dir import CourseDir


def grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def submission(release: NotebookNode, instructor: NotebookNode, solved: set[str]) -> NotebookNode:
    """The released notebook with the instructor's solutions in the ``solved`` cells: what a
    student who completed exactly those exercises would hand in."""
    answers = {grade_id(cell): cell.source for cell in instructor.cells}
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        if grade_id(cell) in solved:
            cell.source = answers[grade_id(cell)]
    return notebook


def submit(course_dir: CourseDir, module_id: str, student: str, notebook: NotebookNode) -> None:
    folder = course_dir.root / "submitted" / student / module_id
    write_notebook(folder / f"{module_id}.ipynb", notebook)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC", encoding="utf-8")


def answered(notebook: NotebookNode, grade_ids: set[str]) -> NotebookNode:
    """``notebook`` with the student's own words in the manually graded cells ``grade_ids``."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if grade_id(cell) in grade_ids:
            cell.source = f"My answer to {grade_id(cell)}: it depends on the memory traffic."
    return notebook
