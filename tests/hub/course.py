"""A course run's steps over HTTP, as each person does them with their own token."""

from __future__ import annotations

import base64
import time

import nbformat

from tests.grading.submissions import answered, submission
from tests.hub.client import Hub
from tito.exchange import read_score


def wait_for_job(hub: Hub, job: dict, timeout: float = 300) -> dict:
    """Poll the job until it ends; returns its last state."""
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job still {job['state']}: {job}"
        time.sleep(0.5)
        job = hub.grader("instructor", "GET", f"api/jobs/{job['id']}").json()
    return job


def start_job(hub: Hub, module: str, action: str, options: dict | None = None) -> dict:
    """The instructor starts ``action`` on ``module``; returns the queued job."""
    answer = hub.grader("instructor", "POST", f"api/modules/{module}/{action}",
                        json=options or {})
    assert answer.status_code == 202, answer.text
    return answer.json()


def run_job(hub: Hub, module: str, action: str, options: dict | None = None) -> dict:
    """The instructor runs ``action`` on ``module`` to its successful end."""
    job = wait_for_job(hub, start_job(hub, module, action, options))
    assert job["state"] == "succeeded", job
    return job


def fetch(hub: Hub, student: str, module: str) -> nbformat.NotebookNode:
    """``student`` fetches the released notebook of ``module`` through the service."""
    answer = hub.grader(student, "GET", f"api/assignments/{module}/release")
    assert answer.status_code == 200, answer.text
    files = answer.json()["files"]
    return nbformat.reads(base64.b64decode(files[f"{module}.ipynb"]).decode("utf-8"),
                          as_version=4)


def hand_in(hub: Hub, student: str, module: str,
            notebook: nbformat.NotebookNode | bytes) -> str:
    """``student`` submits ``notebook`` through the service; returns its timestamp."""
    data = notebook if isinstance(notebook, bytes) else nbformat.writes(notebook).encode()
    answer = hub.grader(student, "POST", f"api/assignments/{module}/submissions",
                        json={"files": {f"{module}.ipynb": base64.b64encode(data).decode()}})
    assert answer.status_code == 201, answer.text
    assert answer.json()["student"] == student
    return answer.json()["timestamp"]


def submissions(hub: Hub, student: str, module: str) -> list[dict]:
    """``student``'s hand-ins of ``module``, oldest first, as the service lists them."""
    answer = hub.grader(student, "GET", f"api/assignments/{module}/submissions")
    assert answer.status_code == 200, answer.text
    return answer.json()["submissions"]


def module_row(hub: Hub, module: str, user: str = "instructor") -> dict:
    """``module``'s row of the pipeline, as the service shows it to ``user``."""
    [row] = [row for row in hub.grader(user, "GET", "api/course").json()["modules"]
             if row["module"] == module]
    return row


def edited(notebook: bytes, note: str) -> bytes:
    """``notebook`` with ``note`` appended as a markdown cell (a student's change)."""
    parsed = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    parsed.cells.append(nbformat.v4.new_markdown_cell(note))
    return nbformat.writes(parsed).encode("utf-8")


def feedback_score(html: bytes | str) -> str:
    """The notebook's total in a feedback page (its score meta): ``points / maximum``."""
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    found = read_score(text)
    assert found, "not a feedback page"
    return f"{found[0]:.1f} / {found[1]:.1f}"


def worked(hub: Hub, module: str, release: nbformat.NotebookNode,
           solved: str) -> nbformat.NotebookNode:
    """The release with every exercise solved (``all``) or none, and the systems questions
    answered in the student's own words."""
    instructor = nbformat.read(hub.state.course / "source" / module / f"{module}.ipynb",
                               as_version=4)
    roles = [c.metadata.get("nbgrader", {}) for c in instructor.cells]
    answers = {r["grade_id"] for r in roles if r.get("solution") and not r.get("grade")}
    systems = {r["grade_id"] for r in roles if r.get("solution") and r.get("grade")}
    exercises = answers if solved == "all" else set()
    return answered(submission(release, instructor, exercises), systems)
