"""Due dates and the late policy, as instructors change them in the dashboard.

The changes are overrides of course.toml (:class:`tito.manifest.Overrides`) kept in the
course directory (:func:`tito.grading.course_dir.overrides_path`): the course directory
applies them wherever the course is read (the dashboard, the students' API, autograde's
late policy), and the gradebook gets the new due date, from which nbgrader computes how
late a hand-in is. Every change is recorded with who made it, when, and the value before
and after.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from tito.grading.course_dir import CourseDir, overrides_path
from tito.manifest import (
    LatePolicy,
    Overrides,
    due_date,
    late_policy,
    read_overrides,
    write_overrides,
)

_writing = threading.Lock()  # one read-change-write of the file at a time in this service


def _policy(policy: LatePolicy) -> dict:
    return {"kind": policy.kind, "percent_per_day": policy.percent_per_day,
            "text": policy.describe()}


def settings(course_dir: CourseDir) -> dict:
    """The due date of every module, the late policy and every change made, newest
    first."""
    course = course_dir.course
    return {"due": {m.id: m.due.isoformat() if m.due else None for m in course.modules},
            "late_policy": _policy(course.late),
            "changes": list(reversed(read_overrides(overrides_path(course_dir.root)).changes))}


def _change(course_dir: CourseDir, who: str, what: str, before: object, after: object,
            changed: Overrides) -> None:
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "who": who,
              "what": what, "before": before, "after": after}
    write_overrides(overrides_path(course_dir.root),
                    replace(changed, changes=(*changed.changes, record)))


def set_due(course_dir: CourseDir, module_id: str, text: str | None, who: str) -> dict:
    """Make ``text`` (ISO 8601 with a zone; None: no due date) the due date of
    ``module_id``, changed by ``who``; a :class:`TitoError` for an unknown module or a
    date without a zone. Returns :func:`settings`."""
    module = course_dir.course.module(module_id)
    due = None if text is None else due_date(text)
    with _writing:
        overrides = read_overrides(overrides_path(course_dir.root))
        before = module.due.isoformat() if module.due else None
        after = due.isoformat() if due else None
        if before != after:
            _change(course_dir, who, f"due date of {module.id}", before, after,
                    replace(overrides, due={**overrides.due, module.id: due}))
    course_dir.set_due_in_gradebook(course_dir.course.module(module.id))
    return settings(course_dir)


def set_late_policy(course_dir: CourseDir, kind: object, percent: object, who: str) -> dict:
    """Make the late policy ``kind`` (none, zero, percent-per-day) with ``percent`` per
    started day, changed by ``who``; a :class:`TitoError` saying what is allowed
    otherwise. Returns :func:`settings`."""
    policy = late_policy(kind, percent)
    with _writing:
        overrides = read_overrides(overrides_path(course_dir.root))
        before = course_dir.course.late
        if before != policy:
            _change(course_dir, who, "late policy", before.describe() or "none",
                    policy.describe() or "none", replace(overrides, late=policy))
    return settings(course_dir)
