"""The grading service's job runner killed with SIGKILL in the middle of an autograde: it
is started again, the job shows failed and can be retried, no submission is lost and the
gradebook holds one consistent set of grades. (The web service killed:
tests/hub/test_recovery.py.)"""

from __future__ import annotations

import csv
import io
import os
import signal
import time
from contextlib import suppress

import pytest
import requests

from tests.hub.client import RUNNER, SERVICE, Hub
from tests.hub.course import fetch, hand_in, run_job, start_job, wait_for_job, worked
from tests.processes import family, files_under, still_running

pytestmark = pytest.mark.slow

MODULE = "setup"
STUDENTS = ("alice", "bob", "carol")


def wait_until_graded_one(hub: Hub, job: dict) -> dict:
    deadline = time.monotonic() + 300
    while not (job["state"] == "running" and job["done"] >= 1):
        assert time.monotonic() < deadline and job["state"] in ("queued", "running"), job
        time.sleep(0.2)
        job = hub.grader("instructor", "GET", f"api/jobs/{job['id']}").json()
    return job


def wait_for_restart(hub: Hub, module: str, old_pid: int) -> None:
    hub.service_process(module, other_than=old_pid, timeout=120)
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, f"the hub did not start {module} again"
        with suppress(requests.ConnectionError):
            if requests.get(f"{hub.url}{SERVICE}/api/health", timeout=5).status_code == 200:
                return
        time.sleep(0.5)


def grades(hub: Hub) -> dict[str, float]:
    rows = csv.DictReader(io.StringIO(hub.grader("instructor", "GET", "api/grades.csv").text))
    return {row["student"]: float(row["autograded"]) for row in rows
            if row["module"] == MODULE and row["submitted_at"]}


def test_killing_the_job_runner_during_autograde_loses_nothing(hub: Hub) -> None:
    for student in STUDENTS:
        hand_in(hub, student, MODULE, worked(hub, MODULE, fetch(hub, student, MODULE), "all"))
    run_job(hub, MODULE, "collect")
    course = hub.state.course
    handed_in = files_under(hub.state.exchange / "tinytorch" / "inbound", course / "submitted",
                            course / "archive")

    job = wait_until_graded_one(hub, start_job(hub, MODULE, "autograde", {"workers": 1}))
    runner = hub.service_process(RUNNER)
    processes = family(runner)
    os.kill(runner, signal.SIGKILL)
    del processes[runner]  # the hub reaps it when it notices, then starts it again
    assert still_running(processes) == [], "the job's worker and sandboxes die with it"

    wait_for_restart(hub, RUNNER, runner)
    interrupted = wait_for_job(hub, job)
    assert interrupted["state"] == "failed"
    assert interrupted["error"].startswith("interrupted: the job runner stopped")
    graded_before = interrupted["done"]
    assert 1 <= graded_before < len(STUDENTS), "killed in the middle of the run"

    retry = hub.grader("instructor", "POST", f"api/jobs/{job['id']}/retry")
    assert retry.status_code == 202, retry.text
    retried = wait_for_job(hub, retry.json())
    assert retried["state"] == "succeeded", retried
    assert retried["total"] == len(STUDENTS) - graded_before, "it goes on where it stopped"
    assert grades(hub) == dict.fromkeys(STUDENTS, 70.0)
    assert files_under(hub.state.exchange / "tinytorch" / "inbound", course / "submitted",
                       course / "archive") == handed_in, "no submission lost or changed"
