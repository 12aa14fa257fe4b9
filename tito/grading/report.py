"""Grades out of the gradebook: one row per student × module, and the class progress matrix."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tito.files import write_atomic
from tito.grading.course_dir import CourseDir
from tito.manifest import Module


@dataclass(frozen=True)
class GradeRow:
    """A student's standing on one module (zeros and no date when nothing was submitted)."""

    student: str
    module: str
    autograded: float
    manual: float
    late_penalty: float
    total: float
    max_total: float
    submitted_at: str
    seconds_late: float = 0.0

    @property
    def submitted(self) -> bool:
        return bool(self.submitted_at)


def grade_rows(course_dir: CourseDir, modules: list[Module]) -> list[GradeRow]:
    """Every student in the gradebook × every given module that has been generated."""
    rows = []
    with course_dir.gradebook() as gradebook:
        known = {assignment.name for assignment in gradebook.assignments}
        students = sorted(student.id for student in gradebook.students)
        for module in (m for m in modules if m.id in known):
            maximum = gradebook.find_assignment(module.id).max_score
            for student in students:
                try:
                    submission = gradebook.find_submission(module.id, student)
                except Exception:  # nbgrader raises MissingEntry: nothing submitted
                    rows.append(GradeRow(student, module.id, 0, 0, 0, 0, maximum, ""))
                    continue
                # The policy applies to the final score, TA-graded points included (nbgrader
                # stored its penalty when the submission was autograded).
                penalty = course_dir.course.late.penalty(submission.score,
                                                         submission.total_seconds_late)
                rows.append(GradeRow(
                    student, module.id, round(submission.code_score, 4),
                    round(submission.written_score, 4), round(penalty, 4),
                    round(submission.score - penalty, 4), maximum,
                    submission.timestamp.isoformat() if submission.timestamp else "graded",
                    round(submission.total_seconds_late, 3)))
    return rows


def progress_matrix(rows: list[GradeRow]) -> dict[str, dict[str, GradeRow]]:
    """student → module → row: the class at a glance, for spotting who struggles."""
    matrix: dict[str, dict[str, GradeRow]] = {}
    for row in rows:
        matrix.setdefault(row.student, {})[row.module] = row
    return matrix


def _csv(header: list[str], records: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue()


def grades_text(rows: list[GradeRow], fmt: str) -> str:
    """One row per student × module, as ``csv`` or ``json``."""
    if fmt == "json":
        return json.dumps([asdict(row) for row in rows], indent=2) + "\n"
    fields = list(GradeRow.__dataclass_fields__)
    return _csv(fields, [[getattr(row, f) for f in fields] for row in rows])


def progress_text(rows: list[GradeRow], fmt: str) -> str:
    """Students × modules, each cell the total or empty when nothing was submitted."""
    modules = list(dict.fromkeys(row.module for row in rows))
    matrix = progress_matrix(rows)
    if fmt == "json":
        return json.dumps(
            {student: {module: (cells[module].total if cells[module].submitted else None)
                       for module in modules} for student, cells in matrix.items()},
            indent=2) + "\n"
    return _csv(["student", *modules],
                [[student, *(cells[m].total if cells[m].submitted else "" for m in modules)]
                 for student, cells in matrix.items()])


def write_reports(rows: list[GradeRow], folder: Path, fmt: str) -> list[Path]:
    """``grades.<fmt>`` and ``progress.<fmt>`` in ``folder``."""
    grades, progress = folder / f"grades.{fmt}", folder / f"progress.{fmt}"
    write_atomic(grades, grades_text(rows, fmt))
    write_atomic(progress, progress_text(rows, fmt))
    return [grades, progress]
