"""Formgrader as staff expect it, on a real hub over HTTP with each person's hub token:
test cells named by the piece they test, a TA's pages without the instructor's controls,
refusals that say which role may, and notebook links that lead somewhere."""

from __future__ import annotations

import re

import pytest
import requests

from tests.hub.client import SERVICE, Hub
from tests.hub.course import fetch, hand_in, run_job, worked

pytestmark = pytest.mark.slow

MODULE = "setup"
# Text of the instructor's controls on nbgrader's pages (column headers, links).
INSTRUCTOR_CONTROLS = {
    "manage_assignments": [">Edit<", ">Generate<", ">Release<", ">Collect<",
                           ">Generate Feedback<", ">Release Feedback<",
                           "Add new assignment"],
    f"manage_submissions/{MODULE}": [">Autograde<", ">Generate Feedback<",
                                     ">Release Feedback<"],
    "manage_students": [">Edit Student<", "Add new student"],
}
MANUAL_QUESTIONS = 3  # setup's systems questions


@pytest.fixture(scope="module")
def notebook(hub: Hub) -> str:
    """The id of bob's autograded notebook of the module."""
    hand_in(hub, "bob", MODULE, worked(hub, MODULE, fetch(hub, "bob", MODULE), "all"))
    run_job(hub, MODULE, "collect")
    run_job(hub, MODULE, "autograde")
    notebooks = hub.grader("instructor", "GET",
                           f"formgrader/api/submitted_notebooks/{MODULE}/{MODULE}").json()
    return next(n["id"] for n in notebooks if n["student"] == "bob")


def page(hub: Hub, user: str, path: str) -> requests.Response:
    answer = hub.grader(user, "GET", path, allow_redirects=False)
    return answer


@pytest.mark.parametrize("path", list(INSTRUCTOR_CONTROLS))
def test_a_tas_pages_have_none_of_the_instructors_controls(hub: Hub, path: str) -> None:
    instructor, ta = page(hub, "instructor", f"formgrader/{path}"), page(
        hub, "ta", f"formgrader/{path}")
    assert (instructor.status_code, ta.status_code) == (200, 200)
    for control in INSTRUCTOR_CONTROLS[path]:
        assert control in instructor.text, control
        assert control not in ta.text, control
    assert '"role": "instructor"' in instructor.text and '"role": "ta"' in ta.text
    # the staff script (which drops the same columns from each row) may run: its hash
    script = re.search(r"<script>\nvar tinytorch_staff.*?</script>", ta.text, re.S)
    assert script and "'sha256-" in ta.headers["Content-Security-Policy"]


def test_the_submission_page_names_test_cells_and_a_ta_cannot_change_autograded_scores(
        hub: Hub, notebook: str) -> None:
    instructor = page(hub, "instructor", f"formgrader/submissions/{notebook}/")
    ta = page(hub, "ta", f"formgrader/submissions/{notebook}/")
    assert (instructor.status_code, ta.status_code) == (200, 200)
    for html in (instructor.text, ta.text):
        labels = re.findall(r"Tests of <strong>([^<]+)</strong>", html)
        assert labels[:3] == ["hello_tinytorch", "parse_version", "version_at_least"]
        assert "nbgrader-label\"><code>" not in html  # nbgrader shows the grade id
    tests = len(labels)
    assert instructor.text.count("full-credit") == tests + MANUAL_QUESTIONS
    assert ta.text.count("full-credit") == MANUAL_QUESTIONS, "manual grades only"
    read_only = re.findall(r'<input [^>]*\bdisabled\b[^>]*>', ta.text)
    assert len(read_only) == tests and all('class="score"' in i for i in read_only)
    assert "Open live notebook" in ta.text and 'var tinytorch_staff' in ta.text


def test_a_refusal_says_which_role_may_and_whom_to_ask(hub: Hub) -> None:
    refused = hub.grader("ta", "POST", f"formgrader/api/assignment/{MODULE}/release_feedback")
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "generating and releasing feedback needs the role of instructor: ta is a teaching "
        "assistant; ask the instructor to do it")
    student = page(hub, "alice", "formgrader/manage_assignments")
    assert student.status_code == 403
    assert student.text == ("formgrader needs the role of a teaching assistant or "
                            "instructor: alice is a student")
    assert "not authorized to access the formgrader" not in student.text


@pytest.mark.parametrize(("version", "shows", "hides"), [
    ("source", "### BEGIN SOLUTION", None), ("release", "YOUR ANSWER HERE", "BEGIN SOLUTION")])
def test_the_assignment_and_preview_links_lead_to_the_modules_notebooks(
        hub: Hub, version: str, shows: str, hides: str | None) -> None:
    path = f"formgrader/tinytorch/notebook/{version}/{MODULE}"
    for user in ("instructor", "ta"):
        answer = page(hub, user, path)
        assert answer.status_code == 200, answer.text
        assert shows in answer.text and (hides is None or hides not in answer.text)
        assert "'unsafe-inline'" not in answer.headers["Content-Security-Policy"].split(
            "style-src")[0]
    assert page(hub, "alice", path).status_code == 403
    assert requests.get(f"{hub.url}{SERVICE}/{path}", allow_redirects=False,
                        timeout=30).status_code == 302
    missing = page(hub, "instructor", f"formgrader/tinytorch/notebook/{version}/nothing")
    assert missing.status_code == 404
    # the staff script sends formgrader's links here (nbgrader's go to /tree/, a 404)
    script = page(hub, "instructor", "formgrader/manage_assignments").text
    assert f'"notebooks": "{SERVICE}/formgrader/tinytorch/notebook/"' in script
