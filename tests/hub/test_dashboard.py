"""The grading dashboard's guards on a real hub, with real tokens and nbgrader: actions
enabled only when they have work, confirmations that name whom they touch, feedback
refused while manual grading is pending unless asked explicitly, feedback out of date
after a TA's grade and re-released to that student only, due dates and the late policy
changed in the dashboard reaching autograde and the students' API, and every new route
refused to TAs and students."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.hub.client import SERVICE, Hub
from tests.hub.course import (
    feedback_score,
    fetch,
    hand_in,
    module_row,
    run_job,
    start_job,
    wait_for_job,
    worked,
)

pytestmark = pytest.mark.slow

MODULE = "setup"
# Every route this work added: (method, path, body). Instructors only.
NEW_ROUTES = [
    ("GET", f"api/modules/{MODULE}/collect/preview", None),
    ("POST", f"api/modules/{MODULE}/feedback/changed", {}),
    ("GET", "api/attention", None),
    ("GET", "api/course-settings", None),
    ("PUT", f"api/due-dates/{MODULE}", {"due": None}),
    ("PUT", "api/late-policy", {"kind": "none"}),
]


def preview(hub: Hub, action: str, force: bool = False) -> dict:
    answer = hub.grader("instructor", "GET", f"api/modules/{MODULE}/{action}/preview"
                        + ("?force=1" if force else ""))
    assert answer.status_code == 200, answer.text
    return answer.json()


def guard(hub: Hub, action: str) -> dict:
    return module_row(hub, MODULE)["actions"][action]


def test_tas_and_students_are_refused_every_new_route(hub: Hub) -> None:
    for method, path, body in NEW_ROUTES:
        for user in ("ta", "alice"):
            answer = hub.grader(user, method, path, json=body)
            assert answer.status_code == 403, (user, method, path, answer.text)
        anonymous = requests.request(method, f"{hub.url}{SERVICE}/{path}", json=body,
                                     allow_redirects=False, timeout=30)
        assert anonymous.status_code == 403, (method, path)
    assert "actions" not in module_row(hub, MODULE, "ta"), "TAs get no action guards"
    page = hub.grader("ta", "GET", "dashboard").text
    assert 'id="attention"' not in page and 'id="due-dates"' not in page
    page = hub.grader("instructor", "GET", "dashboard").text
    assert 'id="attention"' in page and 'id="due-dates"' in page


def test_a_module_run_through_the_dashboards_guards(hub: Hub) -> None:
    assert guard(hub, "collect") == {"enabled": False, "force_enables": False,
                                     "reason": f"nobody has handed in {MODULE} yet"}
    assert guard(hub, "feedback")["reason"] == f"nothing of {MODULE} is graded yet: autograde first"
    assert guard(hub, "release") == {
        "enabled": False, "force_enables": True,
        "reason": f"{MODULE} is released already: tick Redo to release the current version "
                  "over it"}
    for student, solved in (("alice", "all"), ("bob", "none")):
        hand_in(hub, student, MODULE, worked(hub, MODULE, fetch(hub, student, MODULE), solved))
    assert preview(hub, "collect")["text"] == f"collect 2 hand-ins of {MODULE}: alice, bob"
    assert run_job(hub, MODULE, "collect")["message"].endswith("; new: alice, bob")
    assert preview(hub, "autograde") == {
        "action": "autograde", "module": MODULE, "enabled": True, "reason": "",
        "students": ["alice", "bob"], "overwrites": [], "warning": "",
        "text": f"autograde 2 submissions of {MODULE}: alice, bob"}
    graded = run_job(hub, MODULE, "autograde")
    assert graded["message"] == f"graded 2 of 2 submissions of {MODULE}: alice 70, bob 0 points"
    assert not guard(hub, "autograde")["enabled"]

    # feedback while both wait for manual grades: refused, then released by explicit choice
    pending = f"manual grading of {MODULE} is pending: 3 answers of alice, 3 answers of bob"
    assert preview(hub, "feedback")["warning"].startswith(pending)
    refused = hub.grader("instructor", "POST", f"api/modules/{MODULE}/feedback", json={})
    assert refused.status_code == 409
    assert refused.json()["error"] == (
        f"{pending} (6 answers in all): grade them in formgrader first, or ask again with "
        '{"pending_manual": "release anyway"} to release the feedback without those grades')
    # formgrader's feedback buttons cannot ask: they are refused, pointing to the dashboard
    button = hub.grader("instructor", "POST",
                        f"formgrader/api/assignment/{MODULE}/release_feedback").json()
    assert not button["success"]
    assert button["error"] == (
        f"{pending} (6 answers in all): grade them in formgrader first, or release the "
        "feedback from the grading dashboard, which asks whether to release it without "
        "those grades")
    released = run_job(hub, MODULE, "feedback", {"pending_manual": "release anyway"})
    assert released["message"] == "released feedback to 2 students: alice, bob"
    assert module_row(hub, MODULE)["out_of_date"] == {}

    # the TA grades one of bob's answers: bob's feedback is out of date, alice's is not
    notebooks = hub.grader("ta", "GET", f"formgrader/api/submitted_notebooks/{MODULE}/{MODULE}")
    notebook = next(n["id"] for n in notebooks.json() if n["student"] == "bob")
    grades = hub.grader("ta", "GET", f"formgrader/api/grades?submission_id={notebook}").json()
    answer = next(g for g in grades if g["name"].startswith("systems-"))
    assert hub.grader("ta", "PUT", f"formgrader/api/grade/{answer['id']}",
                      json={"manual_score": 3}).status_code == 200
    row = module_row(hub, MODULE)
    assert list(row["out_of_date"]) == ["bob"]
    assert row["out_of_date"]["bob"].startswith(f"{answer['name']} changed by ta at ")
    assert row["actions"]["feedback_changed"]["enabled"]
    changed = preview(hub, "feedback_changed")
    assert changed["text"] == (
        f"release feedback on {MODULE} to 1 student whose grades changed since their "
        "feedback: bob; bob's earlier feedback is replaced")
    assert changed["warning"].startswith(f"manual grading of {MODULE} is pending: 2 answers "
                                         "of bob")
    path = f"api/modules/{MODULE}/feedback/changed"
    assert hub.grader("instructor", "POST", path, json={}).status_code == 409
    again = hub.grader("instructor", "POST", path, json={"pending_manual": "release anyway"})
    assert again.status_code == 202, again.text
    job = wait_for_job(hub, again.json())
    assert (job["state"], job["options"], job["message"]) == (
        "succeeded", {"students": ["bob"]}, "released feedback to 1 student: bob")
    assert module_row(hub, MODULE)["out_of_date"] == {}
    entries = hub.grader("bob", "GET", f"api/assignments/{MODULE}/feedback").json()["feedback"]
    newest = base64.b64decode(entries[-1]["files"][f"{MODULE}.html"]).decode("utf-8")
    assert feedback_score(newest) == "3.0 / 100.0"

    # due date and late policy changed in the dashboard: the students' API and autograde
    due = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    bad = hub.grader("instructor", "PUT", f"api/due-dates/{MODULE}", json={"due": "tomorrow"})
    assert (bad.status_code, bad.json()["error"]) == (
        400, "due must be a date and time with a zone, like 2026-09-15T23:59:00Z, not "
             "'tomorrow'")
    assert hub.grader("instructor", "PUT", f"api/due-dates/{MODULE}",
                      json={"due": due}).status_code == 200
    settings = hub.grader("instructor", "PUT", "api/late-policy",
                          json={"kind": "percent-per-day", "percent_per_day": 50}).json()
    assert [(c["who"], c["what"], c["after"]) for c in settings["changes"]] == [
        ("instructor", "late policy", "50% per started day late"),
        ("instructor", f"due date of {MODULE}", due)]
    [listed] = [m for m in hub.grader("alice", "GET", "api/assignments").json()["assignments"]
                if m["module"] == MODULE]
    assert listed["due"] == due
    assert module_row(hub, MODULE)["due"] == due
    wait_for_job(hub, start_job(hub, MODULE, "autograde", {"students": ["alice"], "force": True}))
    cell = hub.grader("instructor", "GET", "api/progress").json()["students"]["alice"][MODULE]
    assert (cell["late"], cell["score"]) == (True, 35.0), cell
