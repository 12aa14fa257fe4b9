"""The job runner: ``python -m grading_service.core.runner --jobs DATABASE --logs DIR``.

The one part of the grading service that holds the rights starting sandboxes needs (root,
to run each sandbox as a uid of its own). It listens on nothing: it takes jobs only from
the queue's database, which the unprivileged web service fills, and starts one worker
process per job (:mod:`grading_service.core.worker`), one job at a time. The hub runs it as a
managed service and starts it again if it dies; it stops, with its workers, when the hub
is gone. The workers check every job again before they run it: a row in the database is
input from a less privileged process.
"""
# ruff: noqa: E402 (the start-up call below comes before the imports)

from __future__ import annotations

from sandbox.startup import skip_slow_imports

# This module is the runner's program: skip the slow imports first, before the job
# queue's imports bring in nbgrader. (Its workers, a process each, skip them too.)
skip_slow_imports()

import argparse
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import psutil

from grading_service.core.jobs import Job, JobStore, State

INTERRUPTED = ("interrupted: the job runner stopped while this job ran; retry it "
               "(autograde continues where it stopped)")


class JobRunner:
    """Runs the queued jobs of a :class:`JobStore`, one at a time, each in a worker
    process of its own.

    A worker runs in a process group of its own (so stopping the group stops its grading
    processes and their sandboxes too), writes its output to :meth:`log_file`, and dies
    with the process that started it. The course is the one tito's environment names
    (``TITO_ROOT``, ``TITO_COURSE_DIR``, ``TITO_EXCHANGE``), which the workers inherit.
    """

    def __init__(self, database: Path, logs: Path) -> None:
        self._store = JobStore(database)
        self._logs = logs
        self._workers: dict[int, subprocess.Popen] = {}

    def log_file(self, job_id: int) -> Path:
        """Where the worker of job ``job_id`` writes its output."""
        return self._logs / f"{job_id}.log"

    def tick(self) -> None:
        """Fail the running job if its worker stopped without ending it, then start the
        oldest queued job if none is running. Returns at once."""
        ended = self._reap()
        for job in self._store.in_state(State.RUNNING):
            if job.id in ended or not _worker_alive(job):
                status = ended.get(job.id)
                if status is None and job.id in self._workers:
                    # Ours, and it died after the poll above: a zombie, reaped at once.
                    status = self._workers.pop(job.id).wait()
                self._give_up(job, _stopped(status, self.log_file(job.id)))
        self._start_next()

    def recover(self) -> None:
        """Fail every job an earlier runner left running, after killing what is left of
        its worker. Call it once when the runner starts, before any tick."""
        for job in self._store.in_state(State.RUNNING):
            self._give_up(job, INTERRUPTED)

    def run(self, interval: float, parent: int) -> None:
        """Tick every ``interval`` seconds for as long as ``parent`` (the hub) is this
        process's parent."""
        self.recover()
        while os.getppid() == parent:
            self.tick()
            time.sleep(interval)
        print("the hub stopped; stopping the job runner", file=sys.stderr)

    def _reap(self) -> dict[int, int]:
        """The exit statuses, by job id, of this runner's workers that ended."""
        ended = {job_id: status for job_id, process in self._workers.items()
                 if (status := process.poll()) is not None}
        for job_id in ended:
            del self._workers[job_id]
        return ended

    def _give_up(self, job: Job, reason: str) -> None:
        _kill_group(job)
        self._store.finish(job.id, error=reason)

    def _start_next(self) -> None:
        job = self._store.claim_next()
        if job is None:
            return
        self._logs.mkdir(mode=0o700, parents=True, exist_ok=True)
        command = [sys.executable, "-m", "grading_service.core.worker", str(self._store.database),
                   str(job.id), str(os.getpid())]
        # O_NOFOLLOW: the log folder is the runner's own, but a log is never written
        # through a link, whoever made it.
        descriptor = os.open(self.log_file(job.id),
                             os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        with open(descriptor, "ab") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "PYTHONUTF8": "1",
                                            "PYTHONIOENCODING": "utf-8"})
        self._workers[job.id] = process
        # Not reaped yet, the worker is still a process even if it already ended.
        self._store.update(job.id, worker_pid=process.pid,
                           worker_started=_started(process.pid))


def _started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch, as psutil tells it: the same
    figure for the same process in any process that asks); None if there is none."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None


def _worker_alive(job: Job) -> bool:
    if job.worker_pid is None:
        return False
    try:
        worker = psutil.Process(job.worker_pid)
        return (worker.status() != psutil.STATUS_ZOMBIE
                and worker.create_time() == job.worker_started)
    except psutil.NoSuchProcess:
        return False


def _kill_group(job: Job) -> None:
    """Kill every process left in the job worker's process group (its id is the worker's
    pid). While any process of a group lives, Linux gives its id to no new process; so a
    pid held by a process that started at another time is someone else's: left alone."""
    if job.worker_pid is None:
        return
    started = _started(job.worker_pid)
    if started is not None and started != job.worker_started:
        return
    with suppress(ProcessLookupError):
        os.killpg(job.worker_pid, signal.SIGKILL)


def _stopped(status: int | None, log: Path) -> str:
    """Why a running job failed whose worker is gone, exit ``status`` known or not."""
    if status is None:
        how = ""
    elif status < 0:
        how = f" (killed by signal {-status})"
    else:
        how = f" (exit status {status})"
    return (f"the job's worker stopped before the job ended{how}; its output is in {log}: "
            "retry the job")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grading_service.core.runner",
                                     description=__doc__.split("\n\n")[1])
    parser.add_argument("--jobs", type=Path, required=True, help="the job queue's database")
    parser.add_argument("--logs", type=Path, required=True,
                        help="folder for the workers' output (the runner's own)")
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between looks at the queue")
    options = parser.parse_args(argv)
    # The hub stops its services with SIGTERM: end the loop, the workers die with us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    JobRunner(options.jobs, options.logs).run(options.interval, os.getppid())


if __name__ == "__main__":
    main()
