"""A module's whole run on the real hub, over HTTP with each person's own hub token:
students fetch, work and submit through the grading service; the instructor collects
and autogrades as jobs; the TA enters manual grades in formgrader; the instructor
releases feedback, which students fetch; the grades come out as CSV."""

from __future__ import annotations

import base64
import csv
import io

import pytest

from tests.hub.client import Hub
from tests.hub.course import (
    feedback_score,
    fetch,
    hand_in,
    module_row,
    run_job,
    submissions,
    worked,
)

pytestmark = pytest.mark.slow

MODULE = "tensor"
SOLVED = {"alice": "all", "bob": "none"}
MANUAL_POINTS = 7


def ta_marks_systems_questions(hub: Hub, student: str) -> list[dict]:
    """The TA, in formgrader's API, gives every manually graded answer of ``student``
    MANUAL_POINTS."""
    notebooks = hub.grader("ta", "GET", f"formgrader/api/submitted_notebooks/{MODULE}/{MODULE}")
    assert notebooks.status_code == 200, notebooks.text
    notebook_id = next(n["id"] for n in notebooks.json() if n["student"] == student)
    grades = hub.grader("ta", "GET", f"formgrader/api/grades?submission_id={notebook_id}").json()
    manual = [g for g in grades if g["name"].startswith("systems-")]
    assert manual and all(g["needs_manual_grade"] for g in manual)
    marked = []
    for grade in manual:
        answer = hub.grader("ta", "PUT", f"formgrader/api/grade/{grade['id']}",
                            json={"manual_score": MANUAL_POINTS})
        assert answer.status_code == 200, answer.text
        marked.append(answer.json())
    return marked


def formgrader_action(hub: Hub, path: str) -> dict:
    """The instructor presses one of formgrader's action buttons; its answer, once done."""
    answer = hub.grader("instructor", "POST", f"formgrader/api/{path}")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["success"], result
    return result


def test_a_module_from_fetch_to_grades_over_http(hub: Hub) -> None:
    for student, solved in SOLVED.items():
        hand_in(hub, student, MODULE, worked(hub, MODULE, fetch(hub, student, MODULE), solved))
    resubmitted = hand_in(hub, "bob", MODULE, worked(hub, MODULE, fetch(hub, "bob", MODULE), "all"))
    history = submissions(hub, "bob", MODULE)
    assert [s["timestamp"] for s in history][-1] == resubmitted
    assert len(history) == 2, "a resubmission keeps the first"

    run_job(hub, MODULE, "collect")
    autograde = run_job(hub, MODULE, "autograde", {"workers": 2})
    assert (autograde["done"], autograde["total"]) == (2, 2)
    again = formgrader_action(hub, f"submission/{MODULE}/bob/autograde")
    assert "bob: 70 points" in again["log"], "formgrader's autograde grades again"

    tensor = module_row(hub, MODULE, "ta")
    assert (tensor["handed_in"], tensor["collected"], tensor["autograded"],
            tensor["needs_manual"]) == (2, 2, 2, 2)

    marked = ta_marks_systems_questions(hub, "alice")
    tensor = module_row(hub, MODULE, "ta")
    assert tensor["needs_manual"] == 1, "alice's answers are graded, bob's wait"

    no_feedback = {"feedback": []}
    assert hub.grader("alice", "GET", f"api/assignments/{MODULE}/feedback").json() == no_feedback
    preview = formgrader_action(hub, f"assignment/{MODULE}/generate_feedback")
    assert "alice: feedback made" in preview["log"]
    assert hub.grader("alice", "GET", f"api/assignments/{MODULE}/feedback").json() == \
        no_feedback, "formgrader's generate is a preview for staff"
    # Bob's answers wait for the TA: formgrader's button (which cannot ask) refuses them
    refused = hub.grader("instructor", "POST",
                         f"formgrader/api/assignment/{MODULE}/release_feedback").json()
    assert not refused["success"]
    assert refused["error"].startswith(f"manual grading of {MODULE} is pending: 3 answers "
                                       "of bob")
    formgrader_action(hub, f"assignment/{MODULE}/alice/release_feedback")
    feedback = hub.grader("alice", "GET", f"api/assignments/{MODULE}/feedback").json()
    (entry,) = feedback["feedback"]
    html = base64.b64decode(entry["files"][f"{MODULE}.html"]).decode("utf-8")
    assert feedback_score(html) == f"{70 + MANUAL_POINTS * len(marked):.1f} / 100.0"
    assert hub.grader("bob", "GET", f"api/assignments/{MODULE}/feedback?student=alice"
                      ).status_code == 403

    grades = hub.grader("ta", "GET", "api/grades.csv")
    assert grades.headers["Content-Type"].startswith("text/csv")
    rows = {(row["student"], row["module"]): row
            for row in csv.DictReader(io.StringIO(grades.text))}
    alice, bob = rows[("alice", MODULE)], rows[("bob", MODULE)]
    assert float(alice["autograded"]) == 70
    assert float(alice["manual"]) == MANUAL_POINTS * len(marked)
    assert float(bob["autograded"]) == 70, "bob's latest submission solves everything"
    assert float(bob["manual"]) == 0

    progress = hub.grader("instructor", "GET", "api/progress").json()
    cell = progress["students"]["alice"][MODULE]
    assert (cell["submitted"], cell["graded"], cell["late"]) == (True, True, False)
    assert sum(progress["histograms"][MODULE]["counts"]) == 2
