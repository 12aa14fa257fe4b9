"""Every endpoint of the grading service × every role, with real hub tokens: the
instructor does everything, the TA reads and enters manual grades only, a student
reaches only their own work, and someone without a token reaches nothing.

The matrix must cover every route the service serves, Jupyter Server's own, nbgrader's and
static ones included: a new route without a row here fails
:func:`test_the_matrix_covers_every_route`, which reads the service's routing table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.hub.client import SERVICE, Hub
from tests.hub.course import fetch, hand_in, run_job, worked
from tests.hub.routing import service_routes

pytestmark = pytest.mark.slow

MODULE = "setup"
ROLES = ("instructor", "ta", "alice", "nobody")
OK, QUEUED, DENIED, BAD, MISSING = 200, 202, 403, 400, 404


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
NO_CODE = (DENIED,) * 4  # Jupyter Server's kernels, files, contents...: nobody (NoCodeAuthorizer)
NO_CODE_PAGE = (DENIED, DENIED, DENIED, ANONYMOUS_PAGE)
PUBLIC = (OK,) * 4
KERNEL = "0a1b2c3d-0000-4000-8000-000000000000"

MATRIX = [
    Row("GET", "api/health", (OK, OK, OK, OK)),
    Row("GET", "api/me", (OK, OK, OK, DENIED)),
    # staff: the pipeline, jobs, grades
    Row("GET", "api/course", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/progress", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/grades.csv", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/grade-changes", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/jobs", (OK, OK, DENIED, DENIED)),
    Row("GET", "api/jobs/{job}", (OK, OK, DENIED, DENIED)),
    Row("POST", "api/jobs/{job}/retry", (BAD, DENIED, DENIED, DENIED)),  # it succeeded
    Row("POST", "api/modules/{module}/collect", (QUEUED, DENIED, DENIED, DENIED), {}),
    Row("GET", "api/modules/{module}/collect/preview", (OK, DENIED, DENIED, DENIED)),
    Row("POST", "api/modules/{module}/feedback/changed", (409, DENIED, DENIED, DENIED), {}),
    Row("GET", "api/attention", (OK, DENIED, DENIED, DENIED)),
    Row("GET", "api/course-settings", (OK, DENIED, DENIED, DENIED)),
    Row("PUT", "api/due-dates/{module}", (BAD, DENIED, DENIED, DENIED), {}),  # no "due"
    Row("PUT", "api/late-policy", (BAD, DENIED, DENIED, DENIED), {"kind": "half"}),
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
    # formgrader's files: its own assets and a submission's files, staff only
    Row("GET", "formgrader/static/js/utils.js", STAFF_PAGE),
    Row("GET", "formgrader/fonts/glyphicons-halflings-regular.woff",
        (MISSING, MISSING, DENIED, ANONYMOUS_PAGE)),  # nbgrader ships no fonts folder
    Row("GET", "formgrader/submissions/components/bootstrap.css",
        (MISSING, MISSING, DENIED, ANONYMOUS_PAGE)),  # nor components
    Row("GET", "formgrader/submissions/{notebook}/{module}.ipynb", STAFF_PAGE),
    # the module's notebooks that formgrader's names and "Preview" link to, rendered inert
    Row("GET", "formgrader/tinytorch/notebook/source/{module}", STAFF_PAGE),
    Row("GET", "formgrader/tinytorch/notebook/release/{module}", STAFF_PAGE),
    Row("GET", "formgrader/nothing/here", (MISSING,) * 4),
    # Jupyter Server's own routes: the service runs no code and serves no files
    Row("GET", "static/grading_service/dashboard.js", PUBLIC),
    Row("GET", "static/style/bootstrap.min.css", PUBLIC),
    Row("GET", "robots.txt", (503,) * 4),  # Jupyter Server's handler fails (no path given)
    Row("GET", "api", PUBLIC),  # the Jupyter Server version
    Row("GET", "api/spec.yaml", NO_CODE_PAGE),
    Row("GET", "api/status", NO_CODE),
    Row("GET", "api/resolvePath?path=x", NO_CODE),
    Row("GET", "api/config/notebook", NO_CODE),
    Row("GET", "api/contents/nbgrader_config.py", NO_CODE),
    Row("GET", "api/contents/nbgrader_config.py/checkpoints", NO_CODE),
    Row("DELETE", "api/contents/nbgrader_config.py/checkpoints/x", NO_CODE),
    Row("POST", "api/contents/x.ipynb/trust", NO_CODE),
    Row("GET", "api/notebooks/x.ipynb", (302,) * 4),  # to api/contents
    Row("GET", "api/kernels", NO_CODE),
    Row("POST", "api/kernels", NO_CODE, {"name": "python3"}),
    Row("GET", f"api/kernels/{KERNEL}", NO_CODE),
    Row("POST", f"api/kernels/{KERNEL}/restart", NO_CODE),
    Row("GET", f"api/kernels/{KERNEL}/channels", NO_CODE),
    Row("GET", "kernelspecs/python3/logo-64x64.png", NO_CODE_PAGE),
    Row("GET", "api/kernelspecs", NO_CODE),
    Row("GET", "api/kernelspecs/python3", NO_CODE),
    Row("POST", "nbconvert/html", NO_CODE),
    Row("GET", "nbconvert/html/source/{module}/{module}.ipynb", NO_CODE_PAGE),
    Row("GET", "api/nbconvert", NO_CODE),
    Row("POST", "api/security/csp-report", NO_CODE, {}),
    Row("GET", f"api/sessions/{KERNEL}", NO_CODE),
    Row("GET", "api/sessions", NO_CODE),
    Row("POST", "api/shutdown", NO_CODE),
    Row("GET", "view/nbgrader_config.py", NO_CODE_PAGE),
    Row("POST", "api/events", NO_CODE, {}),
    Row("GET", "api/events/subscribe", NO_CODE),
    Row("GET", "files/nbgrader_config.py", NO_CODE_PAGE),
    Row("GET", "metrics", (OK, OK, OK, DENIED)),  # request counts by handler: no course data
    Row("GET", "logout", (302,) * 4),  # to the hub's logout
    Row("GET", "oauth_callback", (BAD,) * 4),  # no OAuth state
    Row("GET", "nothing/", (302,) * 4),  # to "nothing", which is a 404
    Row("GET", "", (302,) * 4),  # to the dashboard
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
    def ask() -> requests.Response:
        return requests.request(row.method, f"{hub.url}{path}", headers=headers,
                                json=row.body, allow_redirects=False, timeout=300)

    answer = ask()
    if answer.status_code == 503 and row.method == "GET":
        # The proxy's answer when the service's end of a kept-alive connection closed as it
        # sent the request: tornado closes the connection of a streamed upload it refused
        # unread (the row before). A browser retries such a GET; so does this test, once.
        answer = ask()
    return answer.status_code


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} {row.path}")
def test_each_role_gets_what_it_may(hub: Hub, ids: dict[str, str], row: Row) -> None:
    assert tuple(status(hub, role, row, ids) for role in ROLES) == row.expected


def test_the_matrix_covers_every_route(hub: Hub, tmp_path: Path) -> None:
    """Every pattern of the service's routing table is matched by a row's path; patterns
    outside the service's prefix (Jupyter Server's ``/robots.txt``) the hub's proxy never
    sends to the service."""
    prefix = f"{SERVICE}/"
    served = [pattern for pattern in service_routes(hub, tmp_path)
              if pattern.startswith(prefix) or pattern.startswith("(")]
    assert len(served) > 80, served  # Jupyter Server's, nbgrader's and ours
    placeholder = re.compile(r"\{\w+\}")
    tried = [prefix + placeholder.sub("1", row.path.split("?")[0]) for row in MATRIX]
    untested = [pattern for pattern in served
                if not any(re.fullmatch(pattern, path) for path in tried)]
    assert untested == []
