"""The grading service's job queue and job runner on a real course directory and
exchange: each course action as a job run by its own worker, progress while it runs, jobs
that outlive the queue object, rows the runner refuses, and failures with their reasons
(the runner killed during an autograde is in test_faults.py, against the real hub)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from grading_service.core.jobs import Job, JobQueue, JobStore, State
from grading_service.core.runner import JobRunner
from tests.conftest import Tito
from tests.grading.test_course_run import Classroom
from tito.errors import NotFound, TitoError
from tito.manifest import Course

EVERYONE = {"alice": 70, "bob": 20, "carol": 0}  # points autograde gives each of them

@pytest.fixture
def room(tmp_path: Path, tito: Tito, course: Course, modules_dir: Path,
         monkeypatch: pytest.MonkeyPatch) -> Classroom:
    """A course directory and exchange under ``tmp_path``, which the environment names,
    as it names them to the grading service and its workers."""
    classroom = Classroom(tmp_path, tito, course, modules_dir)
    monkeypatch.setenv("TITO_COURSE_DIR", str(classroom.course_dir.root))
    monkeypatch.setenv("TITO_EXCHANGE", str(classroom.course_dir.exchange))
    return classroom


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "service" / "jobs.sqlite"


@pytest.fixture
def runner(database: Path, tmp_path: Path) -> JobRunner:
    return JobRunner(database, tmp_path / "runner" / "logs")


def run_to_end(runner: JobRunner, queue: JobQueue, job: Job,
               seen: list[Job] | None = None) -> Job:
    """Tick ``runner`` as the job runner does until ``job`` of ``queue`` ended; ``seen``
    gets the job as it was at every tick."""
    deadline = time.monotonic() + 300
    while not (job := queue.get(job.id)).finished:
        assert time.monotonic() < deadline, f"job {job.id} did not end: {job}"
        if seen is not None:
            seen.append(job)
        runner.tick()
        time.sleep(0.1)
    return job


def hand_in(room: Classroom, students: dict[str, int]) -> None:
    """Each of ``students`` fetches the released module, solves enough of it to earn the
    points given and hands it in."""
    solved = {70: room.exercises, 20: room.exercises[:2], 0: []}
    for name, earned in students.items():
        room.student(name).fetch(room.setup)
        room.work(name, solved[earned])
        room.student(name).submit(room.setup)


def points(room: Classroom) -> dict[str, float]:
    """Every graded student's total points in the gradebook."""
    with room.course_dir.gradebook() as gradebook:
        return {submission.student.id: submission.score
                for submission in gradebook.assignment_submissions("setup")}


def test_a_wrong_kind_module_or_option_is_refused_with_what_is_allowed(
        database: Path, course: Course) -> None:
    queue = JobQueue(database, course)
    with pytest.raises(TitoError, match="unknown kind of job 'grade': it is one of generate, "
                                        "release, collect, autograde, feedback"):
        queue.submit("grade", "setup", "prof")
    with pytest.raises(TitoError, match="unknown module 'tensr': did you mean 'tensor'"):
        queue.submit("autograde", "tensr", "prof")
    with pytest.raises(TitoError, match="autograde has no option student: its options are "
                                        "students, force, workers"):
        queue.submit("autograde", "tensor", "prof", {"student": ["bob"]})
    with pytest.raises(TitoError, match="autograde has no option sandboxed: its options are "
                                        "students, force, workers"):  # only the CLI's
        queue.submit("autograde", "tensor", "prof", {"sandboxed": False})
    with pytest.raises(TitoError, match="generate has no option force: it takes none"):
        queue.submit("generate", "tensor", "prof", {"force": True})
    for option, value, expected in (("students", "alice", "a list of names"),
                                    ("force", "false", "true or false"),
                                    ("workers", "2", "a number")):
        with pytest.raises(TitoError, match=f"autograde's option {option} must be {expected}, "
                                            f"not '{value}'"):
            queue.submit("autograde", "tensor", "prof", {option: value})
    assert queue.recent() == []

    job = queue.submit("release", "01", "prof", {"force": True})
    assert (job.kind, job.module_id, job.options, job.owner, job.state) == (
        "release", "tensor", {"force": True}, "prof", State.QUEUED)
    assert json.loads(json.dumps(job.to_dict())) == job.to_dict()
    with pytest.raises(NotFound, match=f"there is no job {job.id + 1}"):
        queue.get(job.id + 1)
    with pytest.raises(TitoError, match=f"job {job.id} is queued: only a failed job can be "
                                        "retried"):
        queue.retry(job.id, "prof")


@pytest.mark.slow
def test_a_failed_action_says_why_and_its_retry_is_a_new_job(room: Classroom,
                                                             database: Path,
                                                             runner: JobRunner) -> None:
    queue = JobQueue(database, room.course)
    early = run_to_end(runner, queue,
                       queue.submit("autograde", "setup", "prof", {"force": True}))
    submitted = room.course_dir.root / "submitted"
    assert (early.state, early.error) == (
        State.FAILED, f"no submissions of setup in {submitted}: collect them first")
    assert early.log[-1] == f"failed: {early.error}"

    again = queue.retry(early.id, "ta")
    assert (again.kind, again.module_id, again.options, again.owner, again.retry_of,
            again.state) == ("autograde", "setup", {"force": True}, "ta", early.id,
                             State.QUEUED)
    assert [job.id for job in queue.recent()] == [again.id, early.id]


@pytest.mark.slow
def test_the_runner_checks_each_job_again_before_it_runs_it(room: Classroom, database: Path,
                                                           runner: JobRunner) -> None:
    """A row written straight into the database (as a compromised web service could) is
    refused by the root side with the same reasons the web side gives."""
    queue = JobQueue(database, room.course)
    store = JobStore(database)
    for kind, module_id, options, error in (
            ("shell", "setup", {}, "unknown kind of job 'shell'"),
            ("autograde", "setup", {"students": "alice"},
             "autograde's option students must be a list of names, not 'alice'"),
            ("collect", "setup", {"path": "/etc"}, "collect has no option path"),
            ("generate", "../../etc", {}, "unknown module '../../etc'")):
        job = run_to_end(runner, queue, store.add(kind, module_id, "intruder", options))
        assert job.state is State.FAILED
        assert error in job.error, job.error
    assert not (room.course_dir.root / "submitted").exists(), "nothing ran"


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_job_and_the_next_job_starts(room: Classroom,
                                                                  database: Path,
                                                                  runner: JobRunner) -> None:
    queue = JobQueue(database, room.course)
    doomed = queue.submit("generate", "setup", "prof")
    after = queue.submit("generate", "setup", "prof")
    while (running := queue.get(doomed.id)).worker_pid is None:
        runner.tick()
    assert queue.get(after.id).state is State.QUEUED, "one job at a time"
    os.kill(running.worker_pid, signal.SIGKILL)
    failed = run_to_end(runner, queue, doomed)
    assert failed.error == (f"the job's worker stopped before the job ended (killed by signal "
                            f"9); its output is in {runner.log_file(doomed.id)}: retry the job")
    assert run_to_end(runner, queue, after).state is State.SUCCEEDED


@pytest.mark.slow
def test_a_module_from_generate_to_feedback_as_jobs(room: Classroom, database: Path,
                                                    runner: JobRunner) -> None:
    queue = JobQueue(database, room.course)
    generated = run_to_end(runner, queue, queue.submit("generate", "setup", "prof"))
    assert (generated.state, generated.done, generated.total) == (State.SUCCEEDED, 1, 1)
    assert generated.message == (f"generated 00 setup: "
                                 f"{room.course_dir.release_notebook(room.setup)}")
    released = run_to_end(runner, queue, queue.submit("release", "setup", "prof"))
    assert released.state is State.SUCCEEDED, released.error
    hand_in(room, EVERYONE)
    collected = run_to_end(runner, queue, queue.submit("collect", "setup", "prof"))
    assert collected.message == ("3 new or newer submissions; 3 students have submitted setup; "
                                 "new: alice, bob, carol")

    seen: list[Job] = []
    graded = run_to_end(runner, queue, queue.submit("autograde", "setup", "prof"), seen)
    assert (graded.state, graded.done, graded.total) == (State.SUCCEEDED, 3, 3), graded.error
    progress = [job.done for job in seen if job.total == 3]
    assert progress == sorted(progress) and progress[0] == 0, progress
    assert {1, 2} & set(progress), f"the bar moves while the job runs: {progress}"
    assert {f"{name}: {score} points" for name, score in EVERYONE.items()} <= set(graded.log)
    assert points(room) == EVERYONE

    fed_back = run_to_end(runner, queue, queue.submit("feedback", "setup", "prof"))
    assert (fed_back.state, fed_back.done, fed_back.total) == (State.SUCCEEDED, 3, 3)
    for name in EVERYONE:
        assert len(room.student(name).feedback(room.setup)) == 1

    reloaded = JobQueue(database, room.course)  # a page reload, or the service started again
    assert [job.to_dict() for job in reloaded.recent()] == [
        job.to_dict() for job in queue.recent()]
    assert [(job.kind, job.state) for job in reloaded.recent()] == [
        (kind, State.SUCCEEDED) for kind in ("feedback", "autograde", "collect", "release",
                                             "generate")]
