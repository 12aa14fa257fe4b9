"""A job's worker: ``python -m grading_service.core.worker DATABASE JOB_ID RUNNER_PID``.

:class:`grading_service.core.runner.JobRunner` starts one per job, in a process group of its
own. It checks the job (the web service that queued it is less trusted than this
process), runs its action on the course directory tito's environment names, writes the
progress into the jobs database as it goes, and ends the job succeeded or failed. It dies
with the runner: once the runner's process is gone it kills its whole process group
(itself, its grading processes, their sandboxes), and the restarted runner fails the job.
"""
# ruff: noqa: E402 (the start-up call below comes before the imports)

from __future__ import annotations

from sandbox.startup import skip_slow_imports

# This module is the worker's program: skip the slow imports first, before the course
# directory's imports bring in nbgrader.
skip_slow_imports()

import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from grading_service.core.jobs import JobStore, State
from tito.errors import USER_ERRORS
from tito.grading.actions import ACTIONS, check
from tito.grading.course_dir import AlreadyReleased, CourseDir, ignore_gradebook_warnings


class JobProgress:
    """An action's progress, written into its job's row for the service to show."""

    def __init__(self, store: JobStore, job_id: int) -> None:
        self._store = store
        self._job_id = job_id
        self._done = 0

    def start(self, total: int, message: str) -> None:
        self._done = 0
        self._store.update(self._job_id, log=[message], total=total, done=0, message=message)

    def advance(self, message: str, ok: bool = True) -> None:
        self._done += 1  # a failed step is done too: its message says how it failed
        self._store.update(self._job_id, log=[message], done=self._done, message=message)

    def note(self, message: str) -> None:
        self._store.update(self._job_id, log=[message], message=message)


def run(store: JobStore, job_id: int, open_course_dir: Callable[[], CourseDir]) -> bool:
    """Run job ``job_id``'s action (the queue marked the job running) on the course
    directory ``open_course_dir()`` gives, and end the job; True if it succeeded."""
    job = store.get(job_id)
    if job.state is not State.RUNNING:
        print(f"job {job_id} is {job.state}, not running: nothing to do", file=sys.stderr)
        return False
    try:
        check(job.kind, job.options)
        course_dir = open_course_dir()
        module = course_dir.course.module(job.module_id)
        ACTIONS[job.kind](course_dir, module, JobProgress(store, job_id), **job.options)
    except AlreadyReleased as error:
        store.finish(job_id, f"{error}: tick Redo (option force) and release again to put the "
                     "current version over it (students keep the copy they fetched)")
        return False
    except USER_ERRORS as error:
        store.finish(job_id, str(error))
        return False
    except BaseException as error:  # whatever ends the action, the job must not stay running
        traceback.print_exc()
        store.finish(job_id, f"{type(error).__name__}: {error}",
                     log=traceback.format_exc().splitlines())
        return False
    store.finish(job_id, None)
    return True


def die_with(runner: int) -> None:
    """Kill this process group as soon as ``runner`` is no longer this process's parent.
    (PR_SET_PDEATHSIG would signal this process only, not its grading processes, and
    when the runner's thread that started it ends rather than the runner.)"""

    def watch() -> None:
        while os.getppid() == runner:
            time.sleep(0.2)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-runner", daemon=True).start()


def main(argv: list[str]) -> int:
    database, job_id, runner = argv
    die_with(int(runner))
    ignore_gradebook_warnings()
    return 0 if run(JobStore(Path(database)), int(job_id), CourseDir.from_env) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
