"""Changing a cell's score: the bounds, who may do what, and the record of every change.

Any score entered by hand lies between 0 and the cell's points. TAs grade the manually
graded cells (those the autograder gave no score); changing an autograded cell's score
and giving extra credit are instructors' decisions. Every change is recorded with who made
it and when, in a small SQLite table (:class:`GradeLog`) in the service's own folder.
"""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tito.errors import TitoError


class NotYours(TitoError):
    """The change is valid but not the caller's to make. Over HTTP it is a 403."""


@dataclass(frozen=True)
class CellGrade:
    """A cell's grade in one submission, as the gradebook holds it."""

    id: str
    student: str
    module: str
    notebook: str
    cell: str
    max_score: float
    auto_score: float | None
    manual_score: float | None
    extra_credit: float | None


@dataclass(frozen=True)
class GradeChange:
    """A checked request to set a cell's manual score and extra credit."""

    grade: CellGrade
    manual_score: float | None
    extra_credit: float | None

    @property
    def overrides_autograder(self) -> bool:
        return self.grade.auto_score is not None and _changed(self.grade.manual_score,
                                                              self.manual_score)

    @property
    def changes_extra_credit(self) -> bool:
        # Formgrader's "no credit" button sends 0 where nothing was given: not a change.
        return _changed(self.grade.extra_credit or 0.0, self.extra_credit or 0.0)

    @property
    def changes_anything(self) -> bool:
        return (_changed(self.grade.manual_score, self.manual_score)
                or self.changes_extra_credit)


def _changed(before: float | None, after: float | None) -> bool:
    return before != after and not (before is not None and after is not None
                                    and math.isclose(before, after))


def _points(body: dict, key: str, current: float | None, cell: str) -> float | None:
    """``body[key]`` as points (formgrader sends numbers or the text of its inputs);
    ``current`` when the body leaves it out."""
    if key not in body:
        return current
    value = body[key]
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TitoError(f"{key} of {cell} must be a number of points, not {value!r}")
    try:
        points = float(value)
    except ValueError:
        raise TitoError(f"{key} of {cell} must be a number of points, not {value!r}") from None
    if not math.isfinite(points):
        raise TitoError(f"{key} of {cell} must be a number of points, not {value!r}")
    return points


def review(grade: CellGrade, body: dict, may_override: bool) -> GradeChange:
    """The change ``body`` (``manual_score``, ``extra_credit``; a key left out is kept)
    asks for, once checked: :class:`TitoError` for a score out of range,
    :class:`NotYours` for an override or extra credit by someone who may not
    (``may_override``: instructors)."""
    change = GradeChange(grade, _points(body, "manual_score", grade.manual_score, grade.cell),
                         _points(body, "extra_credit", grade.extra_credit, grade.cell))
    limit = f"between 0 and the cell's {grade.max_score:g} points"
    for key, points in (("manual_score", change.manual_score),
                        ("extra_credit", change.extra_credit)):
        if points is not None and not 0 <= points <= grade.max_score:
            raise TitoError(f"{key} of {grade.cell} must be {limit}, not {points:g}")
    if not may_override and change.overrides_autograder:
        raise NotYours(f"{grade.cell} is autograded ({grade.auto_score:g} of "
                       f"{grade.max_score:g} points): only an instructor may change its score")
    if not may_override and change.changes_extra_credit:
        raise NotYours(f"extra credit on {grade.cell} is for an instructor to give")
    return change


class GradeLog:
    """Every score change made through the service: who, when, what it was and became."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._connect()) as db, db:
            db.execute("""CREATE TABLE IF NOT EXISTS grade_changes (
                id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL,
                student TEXT NOT NULL, module TEXT NOT NULL, notebook TEXT NOT NULL,
                cell TEXT NOT NULL, kind TEXT NOT NULL, auto_score REAL,
                manual_before REAL, manual_after REAL, extra_before REAL, extra_after REAL)""")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def record(self, change: GradeChange, who: str) -> None:
        """Note ``change``, made by ``who`` now (a request that changes nothing is not
        noted)."""
        if not change.changes_anything:
            return
        grade = change.grade
        kind = ("override" if change.overrides_autograder
                else "extra credit" if change.changes_extra_credit else "manual")
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO grade_changes (at, who, student, module, notebook, cell, kind, "
                "auto_score, manual_before, manual_after, extra_before, extra_after) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(timespec="seconds"), who, grade.student,
                 grade.module, grade.notebook, grade.cell, kind, grade.auto_score,
                 grade.manual_score, change.manual_score, grade.extra_credit,
                 change.extra_credit))

    def changes(self, module: str | None = None) -> list[dict]:
        """Every change (to grades of ``module`` if given), oldest first."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM grade_changes WHERE ? IS NULL OR module = ? "
                              "ORDER BY id", (module, module)).fetchall()
        return [dict(row) for row in rows]

    def recent(self, limit: int = 200) -> list[dict]:
        """The latest changes, newest first."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM grade_changes ORDER BY id DESC LIMIT ?",
                              (limit,)).fetchall()
        return [dict(row) for row in rows]
