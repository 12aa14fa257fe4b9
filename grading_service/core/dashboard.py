"""What the grading dashboard shows, as plain data: the pipeline, the class, the scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC

from nbgrader.utils import parse_utc

from grading_service.core import guards
from tito.grading.course_dir import CourseDir
from tito.grading.report import GradeRow, grade_rows
from tito.manifest import Module


def pipeline(course_dir: CourseDir, modules: list[Module], changes: list[dict],
             actions: bool) -> list[dict]:
    """One row per module: where it stands (counts are of students), its due date, whose
    released feedback is out of date and whose manual grading is pending; with
    ``actions``, whether each action may start now and why not (:mod:`.guards`).
    ``changes`` are the grade changes of the grade log."""
    rows = []
    for row in course_dir.status(modules):
        state = guards.module_state(course_dir, row.module, row.released, changes)
        rows.append({
            "module": row.module.id, "title": row.module.title, "number": row.module.number,
            "due": row.module.due.isoformat() if row.module.due else None,
            "generated": row.generated, "released": row.released,
            "handed_in": row.handed_in, "collected": row.collected,
            "autograded": row.autograded, "needs_manual": row.needs_manual,
            "feedback": row.feedback, "out_of_date": state.out_of_date,
            "pending_manual": state.pending_manual,
            **({"actions": {name: asdict(guard) for name, guard in guards.guards(state).items()}}
               if actions else {})})
    return rows


@dataclass(frozen=True)
class Cell:
    """One student on one module."""

    submitted: bool
    submitted_at: str
    late: bool
    graded: bool
    score: float | None
    max_score: float | None


def _handed_in_late(module: Module, times: list[str]) -> bool:
    # nbgrader's timestamps parse to naive UTC; the course's due dates are aware UTC
    return bool(module.due and times
                and parse_utc(times[-1]).replace(tzinfo=UTC) > module.due)


def _cell(module: Module, row: GradeRow | None, times: list[str]) -> Cell:
    if row is not None and row.submitted:
        return Cell(True, times[-1] if times else row.submitted_at,
                    row.seconds_late > 0 or _handed_in_late(module, times), True, row.total,
                    row.max_total)
    return Cell(bool(times), times[-1] if times else "", _handed_in_late(module, times),
                False, None, row.max_total if row else None)


def class_progress(course_dir: CourseDir, modules: list[Module],
                   roster: list[str]) -> dict[str, dict[str, Cell]]:
    """Student → module → :class:`Cell`, for everyone on the roster and everyone who
    handed something in."""
    graded = {(row.student, row.module): row for row in grade_rows(course_dir, modules)}
    handed = {module.id: course_dir.handed_in(module) for module in modules}
    students = sorted({*roster, *(s for times in handed.values() for s in times),
                       *(student for student, _ in graded)})
    return {student: {module.id: _cell(module, graded.get((student, module.id)),
                                       handed[module.id].get(student, []))
                      for module in modules}
            for student in students}


def histogram(scores: list[float], maximum: float, bins: int = 10) -> list[int]:
    """How many ``scores`` fall in each of ``bins`` equal slices of 0..``maximum`` (the
    top slice includes full marks)."""
    counts = [0] * bins
    for score in scores:
        share = score / maximum if maximum else 0.0
        counts[min(bins - 1, max(0, int(share * bins)))] += 1
    return counts


def progress_report(course_dir: CourseDir, modules: list[Module], roster: list[str]) -> dict:
    """The dashboard's class view: the matrix and one score histogram per module."""
    matrix = class_progress(course_dir, modules, roster)
    histograms = {}
    for module in modules:
        cells = [cells[module.id] for cells in matrix.values()]
        graded = [cell for cell in cells if cell.graded]
        maximum = next((cell.max_score for cell in graded if cell.max_score), 0.0)
        histograms[module.id] = {"max_score": maximum,
                                 "counts": histogram([c.score for c in graded], maximum)}
    return {"modules": [module.id for module in modules],
            "students": {student: {m: asdict(cell) for m, cell in cells.items()}
                         for student, cells in matrix.items()},
            "histograms": histograms}
