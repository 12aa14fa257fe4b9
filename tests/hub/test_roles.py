"""Every endpoint of the grading service × every role, with real hub tokens: the
instructor does everything, the TA reads and enters manual grades only, a student
reaches only their own work, and someone without a token reaches nothing.

The matrix must cover every route the service serves: a new endpoint without a row
here fails :func:`test_the_matrix_covers_every_route`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests
from nbgrader.server_extensions.formgrader import apihandlers, handlers
from tornado.web import StaticFileHandler

from grader_ext.handlers import routes
from tests.hub.client import SERVICE, Hub
from tests.hub.course import fetch, hand_in, run_job, worked

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

MODULE = "setup"
ROLES = ("instructor", "ta", "alice", "nobody")
OK, QUEUED, DENIED, BAD = 200, 202, 403, 400


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # {placeholders} filled from the course's real ids
    expected: tuple[int, int, int, int]  # instructor, ta, alice (student), no token
    body: dict | None = None


ANONYMOUS_PAGE = 302  # formgrader (pages and API) sends people without a login to log in
STAFF_PAGE = (OK, OK, DENIED, ANONYMOUS_PAGE)
STAFF_WRITE = (OK, OK, DENIED, DENIED)  # without a login, a write fails the XSRF check
INSTRUCTOR_WRITE = (OK, DENIED, DENIED, DENIED)

MATRIX = [
    Row("GET", "api/health", (OK, OK, OK, OK)),
    Row("GET", "api/me", (OK, OK, OK, DENIED)),
    # staff: the pipeline, jobs, grades
    Row("GET", "api/course", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/progress", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/grades.csv", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/jobs", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/jobs/{job}", (OK, OK, DENIED, DENIED)),
    Row("POST", "api/jobs/{job}/retry", (BAD, DENIED, DENIED, DENIED)),  # it succeeded
    Row("POST", "api/modules/{module}/collect", (QUEUED, DENIED, DENIED, DENIED), {}),
    Row("GET", "dashboard", STAFF_PAGE),
    # students: their own work; staff may read anyone's
    Row("GET", "api/assignments", (OK, OK, OK, DENIED)),
    Row("GET", "api/assignments/{module}/release", (OK, OK, OK, DENIED)),
    Row("GET", "api/assignments/{module}/submissions", (OK, OK, OK, DENIED)),
    Row("GET", "api/assignments/{module}/submissions?student=bob", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/assignments/{module}/submissions/{bob_stamp}?student=bob",
        (OK, OK, DENIED, DENIED)),
    Row("GET", "api/assignments/{module}/feedback", (OK, OK, OK, DENIED)),
    Row("GET", "api/assignments/{module}/feedback?student=bob", (OK, OK, DENIED, DENIED)),
    Row("POST", "api/assignments/{module}/submissions",
        (BAD, BAD, BAD, DENIED), {"student": "bob", "files": {}}),
    # formgrader: staff read, TAs grade, instructors change the course
    Row("GET", "formgrader", (302, 302, DENIED, ANONYMOUS_PAGE)),  # to manage_assignments
    Row("GET", "formgrader/manage_assignments", STAFF_PAGE),
    Row("GET", "formgrader/manage_submissions/{module}", STAFF_PAGE),
    Row("GET", "formgrader/gradebook", STAFF_PAGE),
    Row("GET", "formgrader/gradebook/{module}", STAFF_PAGE),
    Row("GET", "formgrader/gradebook/{module}/{module}", STAFF_PAGE),
    Row("GET", "formgrader/manage_students", STAFF_PAGE),
    Row("GET", "formgrader/manage_students/bob", STAFF_PAGE),
    Row("GET", "formgrader/manage_students/bob/{module}", STAFF_PAGE),
    Row("GET", "formgrader/submissions/{notebook}/", STAFF_PAGE),
    Row("GET", "formgrader/submissions/{notebook}/next", (302, 302, DENIED, ANONYMOUS_PAGE)),
    Row("GET", "formgrader/api/status", STAFF_PAGE),
    Row("GET", "formgrader/api/assignments", STAFF_PAGE),
    Row("GET", "formgrader/api/assignment/{module}", STAFF_PAGE),
    Row("PUT", "formgrader/api/assignment/{module}", INSTRUCTOR_WRITE,
        {"duedate": None}),
    Row("POST", "formgrader/api/assignment/nothing/assign", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/unrelease", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/release", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/{module}/collect", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/generate_feedback", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/release_feedback", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/bob/generate_feedback", INSTRUCTOR_WRITE),
    Row("POST", "formgrader/api/assignment/nothing/bob/release_feedback", INSTRUCTOR_WRITE),
    Row("GET", "formgrader/api/notebooks/{module}", STAFF_PAGE),
    Row("GET", "formgrader/api/submissions/{module}", STAFF_PAGE),
    Row("GET", "formgrader/api/submission/{module}/bob", STAFF_PAGE),
    Row("POST", "formgrader/api/submission/nothing/bob/autograde", INSTRUCTOR_WRITE),
    Row("GET", "formgrader/api/submitted_notebooks/{module}/{module}", STAFF_PAGE),
    Row("POST", "formgrader/api/submitted_notebook/{notebook}/flag", STAFF_WRITE),
    Row("GET", "formgrader/api/grades?submission_id={notebook}", STAFF_PAGE),
    Row("GET", "formgrader/api/grade/{grade}", STAFF_PAGE),
    Row("PUT", "formgrader/api/grade/{grade}", STAFF_WRITE, {"manual_score": 3}),
    Row("GET", "formgrader/api/comments?submission_id={notebook}", STAFF_PAGE),
    Row("GET", "formgrader/api/comment/{comment}", STAFF_PAGE),
    Row("PUT", "formgrader/api/comment/{comment}", STAFF_WRITE,
        {"manual_comment": "Good."}),
    Row("GET", "formgrader/api/students", STAFF_PAGE),
    Row("GET", "formgrader/api/student/bob", STAFF_PAGE),
    Row("PUT", "formgrader/api/student/dave", INSTRUCTOR_WRITE,
        {"first_name": "Dave", "last_name": "", "email": ""}),
    Row("GET", "formgrader/api/student_submissions/bob", STAFF_PAGE),
    Row("GET", "formgrader/api/student_notebook_submissions/bob/{module}", STAFF_PAGE),
]


@pytest.fixture(scope="module")
def ids(hub: Hub) -> dict[str, str]:
    """Real ids to put in the paths: bob's graded submission of the module."""
    bob_stamp = hand_in(hub, "bob", MODULE, worked(hub, MODULE, fetch(hub, "bob", MODULE),
                                                   "all"))
    run_job(hub, MODULE, "collect")
    job = run_job(hub, MODULE, "autograde")
    notebooks = hub.grader("instructor", "GET",
                           f"formgrader/api/submitted_notebooks/{MODULE}/{MODULE}").json()
    notebook = next(n["id"] for n in notebooks if n["student"] == "bob")
    grades = hub.grader("instructor", "GET", f"formgrader/api/grades?submission_id={notebook}")
    manual = next(g for g in grades.json() if g["name"].startswith("systems-"))
    comments = hub.grader("instructor", "GET",
                          f"formgrader/api/comments?submission_id={notebook}").json()
    return {"module": MODULE, "job": str(job["id"]), "bob_stamp": bob_stamp,
            "notebook": notebook, "grade": manual["id"], "comment": comments[0]["id"]}


def status(hub: Hub, role: str, row: Row, ids: dict[str, str]) -> int:
    path = f"{SERVICE}/{row.path.format(**ids)}"
    headers = {} if role == "nobody" else {"Authorization": f"token {hub.token(role)}"}
    answer = requests.request(row.method, f"{hub.url}{path}", headers=headers, json=row.body,
                              allow_redirects=False, timeout=300)
    return answer.status_code


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} {row.path}")
def test_each_role_gets_what_it_may(hub: Hub, ids: dict[str, str], row: Row) -> None:
    assert tuple(status(hub, role, row, ids) for role in ROLES) == row.expected


def test_the_matrix_covers_every_route() -> None:
    served = [pattern for pattern, *_ in routes()] + [
        pattern for pattern, handler, *_ in [*handlers.default_handlers,
                                             *apihandlers.default_handlers]
        if not issubclass(handler, StaticFileHandler)]
    placeholder = re.compile(r"\{\w+\}")
    tried = [placeholder.sub("1", row.path.split("?")[0]) for row in MATRIX]
    untested = [pattern for pattern in served
                if not any(re.fullmatch(pattern.lstrip("/"), path) for path in tried)]
    assert untested == []
