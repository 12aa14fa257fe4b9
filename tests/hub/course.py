"""A course run's steps over HTTP, as each person does them with their own token."""

from __future__ import annotations

import base64
import time

import nbformat

from tests.grading.submissions import answered, submission
from tests.hub.client import Hub


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


def hand_in(hub: Hub, student: str, module: str, notebook: nbformat.NotebookNode) -> str:
    """``student`` submits ``notebook`` through the service; returns its timestamp."""
    text = nbformat.writes(notebook).encode("utf-8")
    answer = hub.grader(student, "POST", f"api/assignments/{module}/submissions",
                        json={"files": {f"{module}.ipynb": base64.b64encode(text).decode()}})
    assert answer.status_code == 201, answer.text
    return answer.json()["timestamp"]


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
