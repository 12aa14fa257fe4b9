"""Grades out of the gradebook: one row per student × module (or one per student, a column
per module), and the class progress matrix.

Every row says where the student is with the module (:data:`STATUSES`); times are ISO 8601
with their offset; numbers are written one way (:data:`NUMBER`), so a spreadsheet or a
registrar's script reads the file without guessing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.utils import notebook_hash, parse_utc

from tito.exchange import COURSE_ID
from tito.files import write_atomic
from tito.grading.course_dir import CourseDir
from tito.manifest import Module

NOT_SUBMITTED, SUBMITTED, GRADED, RELEASED = ("not submitted", "submitted", "graded",
                                               "feedback released")
STATUSES = (NOT_SUBMITTED, SUBMITTED, GRADED, RELEASED)
NUMBER = "{:.2f}"  # every score in the CSV files: 61.00, 61.50, 0.00
SCORES = ("autograded", "manual", "late_penalty", "total", "max_total")


def iso_time(moment: datetime | str) -> str:
    """A time as ISO 8601 with its offset, to the second (nbgrader's times are UTC)."""
    return parse_utc(moment).replace(tzinfo=UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class GradeRow:
    """A student's standing on one module (zeros and no date until it is graded)."""

    student: str
    module: str
    autograded: float
    manual: float
    late_penalty: float
    total: float
    max_total: float
    submitted_at: str  # ISO 8601 with offset; "" when nothing was submitted
    seconds_late: float = 0.0
    status: str = NOT_SUBMITTED

    @property
    def submitted(self) -> bool:
        """Whether the student handed the module in (graded or not)."""
        return self.status != NOT_SUBMITTED

    @property
    def graded(self) -> bool:
        """Whether the scores of this row are the gradebook's (zeros otherwise)."""
        return self.status in (GRADED, RELEASED)


def feedback_released(course_dir: CourseDir, module: Module, student: str) -> bool:
    """Whether ``student``'s current feedback on ``module`` is in the exchange (where
    nbgrader's release puts it, named by the submission's secret)."""
    folder = course_dir.root / "feedback" / student / module.id
    try:
        secret = (folder / "submission_secret.txt").read_text(encoding="utf-8")
    except OSError:
        return False
    released = course_dir.exchange / COURSE_ID / "feedback"
    for page in folder.glob("*.html"):
        copy = released / f"{notebook_hash(secret=secret, notebook_id=page.stem)}.html"
        if not (copy.is_file() and copy.read_bytes() == page.read_bytes()):
            return False
    return True


def _waiting(course_dir: CourseDir, module: Module) -> dict[str, str]:
    """Student → the time of their latest hand-in of ``module`` not graded yet (in the
    exchange or collected)."""
    times = {student: stamps[-1] for student, stamps in course_dir.handed_in(module).items()
             if stamps}
    for student in course_dir.students_with(module, "submitted"):
        stamp = course_dir.root / "submitted" / student / module.id / "timestamp.txt"
        if student not in times and stamp.is_file():
            times[student] = stamp.read_text(encoding="utf-8").strip()
    return times


def grade_rows(course_dir: CourseDir, modules: list[Module]) -> list[GradeRow]:
    """Every student (in the gradebook or with a hand-in) × every given module that has
    been generated."""
    rows = []
    with course_dir.gradebook() as gradebook:
        known = {assignment.name for assignment in gradebook.assignments}
        enrolled = {student.id for student in gradebook.students}
        chosen = [m for m in modules if m.id in known]
        waiting = {module.id: _waiting(course_dir, module) for module in chosen}
        students = sorted(enrolled.union(*waiting.values()))
        for module in chosen:
            maximum = gradebook.find_assignment(module.id).max_score
            for student in students:
                try:
                    submission = gradebook.find_submission(module.id, student)
                except Exception:  # nbgrader raises MissingEntry: nothing graded
                    handed_in = waiting[module.id].get(student)
                    rows.append(GradeRow(student, module.id, 0, 0, 0, 0, maximum,
                                         iso_time(handed_in) if handed_in else "",
                                         status=SUBMITTED if handed_in else NOT_SUBMITTED))
                    continue
                # The policy applies to the final score, TA-graded points included (nbgrader
                # stored its penalty when the submission was autograded).
                penalty = course_dir.course.late.penalty(submission.score,
                                                         submission.total_seconds_late)
                rows.append(GradeRow(
                    student, module.id, round(submission.code_score, 4),
                    round(submission.written_score, 4), round(penalty, 4),
                    round(submission.score - penalty, 4), maximum,
                    iso_time(submission.timestamp) if submission.timestamp else "",
                    round(submission.total_seconds_late, 3),
                    RELEASED if feedback_released(course_dir, module, student) else GRADED))
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


def _csv_value(row: GradeRow, field: str) -> object:
    value = getattr(row, field)
    return NUMBER.format(value) if field in SCORES else value


def grades_text(rows: list[GradeRow], fmt: str, wide: bool = False) -> str:
    """One row per student × module, as ``csv`` or ``json``; ``wide``: one row per student
    with each module's status and total (CSV only)."""
    if fmt == "json":
        return json.dumps([asdict(row) for row in rows], indent=2) + "\n"
    if wide:
        modules = list(dict.fromkeys(row.module for row in rows))
        header = ["student", *(f"{m} {part}" for m in modules for part in ("status", "total"))]
        return _csv(header, [
            [student, *(value for m in modules for value in (
                cells[m].status, NUMBER.format(cells[m].total) if cells[m].graded else ""))]
            for student, cells in progress_matrix(rows).items()])
    fields = list(GradeRow.__dataclass_fields__)
    return _csv(fields, [[_csv_value(row, f) for f in fields] for row in rows])


def progress_text(rows: list[GradeRow], fmt: str) -> str:
    """Students × modules, each cell the total or empty when nothing was graded."""
    modules = list(dict.fromkeys(row.module for row in rows))
    matrix = progress_matrix(rows)
    if fmt == "json":
        return json.dumps(
            {student: {module: (cells[module].total if cells[module].graded else None)
                       for module in modules} for student, cells in matrix.items()},
            indent=2) + "\n"
    return _csv(["student", *modules],
                [[student, *(NUMBER.format(cells[m].total) if cells[m].graded else ""
                             for m in modules)]
                 for student, cells in matrix.items()])


def write_reports(rows: list[GradeRow], folder: Path, fmt: str, wide: bool = False) -> list[Path]:
    """``grades.<fmt>`` and ``progress.<fmt>`` in ``folder`` (``wide``: grades one row per
    student)."""
    grades, progress = folder / f"grades.{fmt}", folder / f"progress.{fmt}"
    write_atomic(grades, grades_text(rows, fmt, wide))
    write_atomic(progress, progress_text(rows, fmt))
    return [grades, progress]
