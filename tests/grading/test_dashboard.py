"""The dashboard's guards, previews, out-of-date feedback, attention signals and course
settings, in plain Python on a real course directory and exchange: students hand in
through the real exchange, the instructor's steps run the real ``tito`` CLI (nbgrader,
the sandboxed autograde)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grading_service.core import course_settings, guards
from grading_service.core.attention import AttentionSignals, Signal
from grading_service.core.grades import CellGrade, GradeLog, review
from tests.conftest import Tito
from tests.grading.test_course_run import Classroom
from tito.errors import TitoError
from tito.grading.report import grade_rows
from tito.manifest import Course

pytestmark = pytest.mark.slow


def state(room: Classroom, log: GradeLog) -> guards.ModuleState:
    return guards.state_of(room.course_dir, room.setup, log.changes("setup"))


def enabled(room: Classroom, log: GradeLog) -> dict[str, bool | str]:
    """Each action: True, or the reason it is disabled."""
    return {action: guard.enabled or guard.reason
            for action, guard in guards.guards(state(room, log)).items()}


def text(room: Classroom, log: GradeLog, action: str, force: bool = False) -> str:
    return guards.preview(state(room, log), action, force).text


def test_guards_previews_attention_and_settings_on_a_real_course(
        tmp_path: Path, tito: Tito, course: Course, modules_dir: Path) -> None:
    room = Classroom(tmp_path, tito, course, modules_dir)
    log = GradeLog(tmp_path / "grade_changes.sqlite")
    room.tito("nbgrader", "init")
    room.tito("nbgrader", "generate", "setup")
    room.tito("nbgrader", "release", "setup")
    assert enabled(room, log) == {
        "generate": True,
        "release": "setup is released already: tick Redo to release the current version "
                   "over it",
        "collect": "nobody has handed in setup yet",
        "autograde": "no submission of setup is collected yet: collect first",
        "feedback": "nothing of setup is graded yet: autograde first",
        "feedback_changed": "no released feedback on setup is out of date"}
    assert text(room, log, "release", force=True) == (
        "release setup to every student; the earlier release is replaced; students who "
        "fetched it keep their copy")

    for name, solved in {"alice": room.exercises, "bob": room.exercises[:2], "carol": []}.items():
        room.student(name).fetch(room.setup)
        room.work(name, solved)
        room.student(name).submit(room.setup)
    preview = guards.preview(state(room, log), "collect")
    assert (preview.enabled, preview.students, preview.overwrites) == (
        True, ["alice", "bob", "carol"], [])
    assert preview.text == "collect 3 hand-ins of setup: alice, bob, carol"
    assert "new: alice, bob, carol" in room.tito("nbgrader", "collect", "setup")
    assert text(room, log, "autograde") == "autograde 3 submissions of setup: alice, bob, carol"
    room.tito("nbgrader", "autograde", "setup")
    assert enabled(room, log)["collect"] == "every hand-in of setup is collected"
    assert enabled(room, log)["autograde"] == (
        "every collected submission of setup is graded: tick Redo to grade them again")

    time.sleep(1.1)  # a new hand-in has a later time
    room.student("carol").submit(room.setup)
    assert text(room, log, "collect") == (
        "collect 1 hand-in of setup: carol; carol's collected submission is replaced by the "
        "newer hand-in (every hand-in stays in the archive)")
    room.tito("nbgrader", "collect", "setup")
    assert text(room, log, "autograde") == (
        "autograde 1 submission of setup: carol; carol's earlier autograded copy is replaced")
    assert text(room, log, "autograde", force=True) == (
        "autograde 3 submissions of setup: alice, bob, carol; alice's, bob's and carol's "
        "earlier autograded copies are replaced")
    room.tito("nbgrader", "autograde", "setup")

    # manual grading is pending for the students who answered the systems questions
    current = state(room, log)
    assert current.pending_manual == {"alice": 3, "bob": 1}
    assert guards.feedback_refusal(current, []) == (
        "manual grading of setup is pending: 3 answers of alice, 1 answer of bob (4 answers "
        "in all): grade them in formgrader first, or ask again with {\"pending_manual\": "
        "\"release anyway\"} to release the feedback without those grades")
    assert guards.feedback_refusal(current, ["carol"]) is None
    assert guards.preview(state(room, log), "feedback").warning == (
        "manual grading of setup is pending: 3 answers of alice, 1 answer of bob "
        "(4 answers in all); their feedback would show those answers ungraded")
    released = room.tito("nbgrader", "feedback", "setup")
    assert "released feedback to 3 students: alice, bob, carol" in released
    assert state(room, log).out_of_date == {}

    # a TA grades bob's answer: bob's released feedback is out of date, nobody else's
    with room.course_dir.gradebook() as gradebook:
        grade = gradebook.find_grade("systems-memory", "setup", "setup", "bob")
        cell = CellGrade(grade.id, "bob", "setup", "setup", "systems-memory", grade.max_score,
                         grade.auto_score, grade.manual_score, grade.extra_credit)
        grade.manual_score, grade.needs_manual_grade = 4, False
        gradebook.db.commit()
    log.record(review(cell, {"manual_score": 4}, may_override=False), "ta")
    current = state(room, log)
    assert list(current.out_of_date) == ["bob"]
    assert current.out_of_date["bob"].startswith("systems-memory changed by ta at ")
    assert text(room, log, "feedback_changed") == (
        "release feedback on setup to 1 student whose grades changed since their feedback: "
        "bob; bob's earlier feedback is replaced")

    # needs attention: carol failed twice, dave (on the roster) never handed in
    signals = AttentionSignals(failing_hand_ins=2, behind_modules=1, behind_score=0.15)
    later = datetime.fromisoformat(room.course_dir.released_at(room.setup)) + timedelta(days=9)
    found = signals.find(room.course_dir, [room.setup], ["alice", "bob", "carol", "dave"],
                         later)
    assert found == [
        Signal("carol", "behind", None,
               "average score 0% of the points on graded modules, class median 24%"),
        Signal("carol", "repeated failing", "setup", "2 hand-ins of setup, scores 0, 0 of 70"),
        Signal("dave", "behind", None, "0 modules submitted, class median 1"),
        Signal("dave", "not started", "setup", "setup released 9 days ago, no hand-in")]
    assert AttentionSignals().find(room.course_dir, [room.setup], ["alice"], later - timedelta(
        days=3)) == []

    # due date and late policy: checked, recorded, and applied by the next autograde
    with pytest.raises(TitoError, match="due must be a date and time with a zone, like "
                                        "2026-09-15T23:59:00Z, not '2026-12-01'"):
        course_settings.set_due(room.course_dir, "setup", "2026-12-01", "prof")
    with pytest.raises(TitoError, match=r"late_percent_per_day must be a number in \(0, 100\]"):
        course_settings.set_late_policy(room.course_dir, "percent-per-day", 0, "prof")
    with pytest.raises(TitoError, match="late_policy 'half' must be none, zero or"):
        course_settings.set_late_policy(room.course_dir, "half", 0, "prof")
    due = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    course_settings.set_due(room.course_dir, "setup", due.isoformat(), "prof")
    settings = course_settings.set_late_policy(room.course_dir, "percent-per-day", 50, "prof")
    assert settings["due"]["setup"] == due.isoformat()
    assert settings["late_policy"]["text"] == "50% per started day late"
    assert [(c["who"], c["what"], c["before"], c["after"]) for c in settings["changes"]] == [
        ("prof", "late policy", "10% per started day late", "50% per started day late"),
        ("prof", "due date of setup", None, due.isoformat())]
    assert room.course_dir.course.module("setup").due == due
    room.tito("nbgrader", "autograde", "setup", "--force")
    with room.course_dir.gradebook() as gradebook:  # what autograde stored, by the override
        stored = {name: gradebook.find_submission_notebook("setup", "setup", name)
                  .late_submission_penalty for name in ("alice", "bob", "carol")}
    assert stored == {"alice": 35.0, "bob": 12.0, "carol": 0.0}
    penalties = {row.student: row.late_penalty for row in
                 grade_rows(room.course_dir, [room.course_dir.course.module("setup")])}
    assert penalties == stored
