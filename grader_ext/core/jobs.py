"""The grading service's job queue: course work (generate, release, collect, autograde,
feedback) run one job at a time, each in a worker process of its own, never in the service.

Jobs live in a SQLite database, so a page reload or a restart of the service finds them as
they were. The service calls :meth:`JobQueue.recover` once when it starts and
:meth:`JobQueue.tick` about every half second from its event loop; the workers
(:mod:`grader_ext.core.worker`) write their progress into the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from grader_ext.core import actions
from tito.errors import NotFound, TitoError
from tito.manifest import load_course
from tito.project import Paths
from tito.workspace import now

LOG_LINES = 200
INTERRUPTED = ("interrupted: the grading service stopped while this job ran; retry it "
               "(autograde continues where it stopped)")


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A job as the service shows it: what it does and for whom, how far it got, how it
    ended. ``done`` of ``total`` steps are done; ``message`` is the latest news and ``log``
    the last lines of it; times are UTC ISO 8601."""

    id: int
    kind: str
    module_id: str
    options: dict[str, Any]
    owner: str
    state: State
    done: int
    total: int
    message: str
    log: tuple[str, ...]
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    worker_pid: int | None
    worker_started: int | None  # the worker's start time, to tell a reused pid apart
    retry_of: int | None

    @property
    def finished(self) -> bool:
        return self.state in (State.SUCCEEDED, State.FAILED)

    def to_dict(self) -> dict[str, Any]:
        """The job as plain JSON values."""
        return {**asdict(self), "state": self.state.value, "log": list(self.log)}


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    module_id: Mapped[str]
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    owner: Mapped[str]
    state: Mapped[str] = mapped_column(index=True)
    done: Mapped[int]
    total: Mapped[int]
    message: Mapped[str]
    log: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str]
    started_at: Mapped[str | None]
    finished_at: Mapped[str | None]
    worker_pid: Mapped[int | None]
    worker_started: Mapped[int | None]
    retry_of: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))


def _job(row: _Row) -> Job:
    values = {field.name: getattr(row, field.name) for field in fields(Job)}
    return Job(**{**values, "state": State(row.state), "log": tuple(row.log.splitlines())})


def _append_log(row: _Row, lines: Sequence[str]) -> None:
    row.log = "\n".join([*row.log.splitlines(), *"\n".join(lines).splitlines()][-LOG_LINES:])


def _configure(connection: Any, _record: Any) -> None:
    # Transactions are begun by the "begin" listener below, not by the driver. Each holds
    # the write lock for milliseconds; WAL makes the workers' many small commits appends.
    connection.isolation_level = None
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=30000")


def _begin_immediate(connection: Any) -> None:
    # Take the write lock when the transaction starts: a transaction that first reads and
    # then writes could otherwise fail at once with "database is locked" while another
    # process writes, instead of waiting for the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class JobStore:
    """The jobs table, shared by the service and its workers; each read or change is one
    short transaction."""

    def __init__(self, database: Path) -> None:
        self.database = database
        database.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{database}")
        event.listen(engine, "connect", _configure)
        event.listen(engine, "begin", _begin_immediate)
        _Base.metadata.create_all(engine)
        self._session = sessionmaker(engine, expire_on_commit=False)

    def add(self, kind: str, module_id: str, owner: str, options: dict[str, Any],
            retry_of: int | None = None) -> Job:
        """A new queued job."""
        row = _Row(kind=kind, module_id=module_id, owner=owner, options=options,
                   state=State.QUEUED, done=0, total=0, message="queued", log="",
                   created_at=now(), retry_of=retry_of)
        with self._session.begin() as session:
            session.add(row)
        return _job(row)

    def get(self, job_id: int) -> Job:
        """The job ``job_id``; :class:`NotFound` if there is none."""
        with self._session() as session:
            return _job(self._row(session, job_id))

    def recent(self, limit: int) -> list[Job]:
        """The ``limit`` newest jobs, newest first."""
        with self._session() as session:
            rows = session.scalars(select(_Row).order_by(_Row.id.desc()).limit(limit))
            return [_job(row) for row in rows]

    def in_state(self, state: State) -> list[Job]:
        """The jobs in ``state``, oldest first."""
        with self._session() as session:
            rows = session.scalars(select(_Row).where(_Row.state == state).order_by(_Row.id))
            return [_job(row) for row in rows]

    def claim_next(self) -> Job | None:
        """The oldest queued job, now marked running; None while a job is running or none
        is queued."""
        with self._session.begin() as session:
            if session.scalar(select(_Row.id).where(_Row.state == State.RUNNING).limit(1)):
                return None
            row = session.scalar(select(_Row).where(_Row.state == State.QUEUED)
                                 .order_by(_Row.id).limit(1))
            if row is None:
                return None
            row.state, row.started_at, row.message = State.RUNNING, now(), "starting"
            return _job(row)

    def update(self, job_id: int, log: Sequence[str] = (), **changes: Any) -> None:
        """Set fields of a job and add ``log`` lines to its log (which keeps the last
        :data:`LOG_LINES`)."""
        with self._session.begin() as session:
            row = self._row(session, job_id)
            for name, value in changes.items():
                setattr(row, name, value)
            _append_log(row, log)

    def finish(self, job_id: int, error: str | None, log: Sequence[str] = ()) -> None:
        """End a running job: succeeded, or failed because of ``error``. A job that is not
        running any more stays as it is."""
        with self._session.begin() as session:
            row = self._row(session, job_id)
            if row.state != State.RUNNING:
                return
            row.state = State.FAILED if error else State.SUCCEEDED
            row.error, row.finished_at = error, now()
            if error:  # a success keeps its last message: the action's result
                row.message = f"failed: {error}"
            _append_log(row, [*log, row.message if error else "succeeded"])

    @staticmethod
    def _row(session: Session, job_id: int) -> _Row:
        row = session.get(_Row, job_id)
        if row is None:
            raise NotFound(f"there is no job {job_id}: the job list shows the jobs there are")
        return row


class JobQueue:
    """Course work for the grading service, run one job at a time (the course directory
    and its gradebook are shared), each job in a worker process of its own.

    A worker runs in a process group of its own (so stopping the group stops its grading
    processes and their sandboxes too), writes its output to :meth:`log_file`, and dies
    with the process that started it. The course is the one tito's environment names
    (``TITO_ROOT``, ``TITO_COURSE_DIR``, ``TITO_EXCHANGE``), which the workers inherit.
    """

    def __init__(self, database: Path) -> None:
        self._store = JobStore(database)
        self._logs = database.parent / "job-logs"
        self._workers: dict[int, subprocess.Popen] = {}

    def submit(self, kind: str, module_id: str, owner: str,
               options: dict[str, Any] | None = None) -> Job:
        """Queue a job of ``kind`` (one of :data:`grader_ext.core.actions.ACTIONS`) on the
        module ``module_id`` (an id, number or folder name), asked for by the hub user
        ``owner``. A wrong kind, module or option is a :class:`TitoError` saying what is
        allowed."""
        options = dict(options or {})
        actions.check(kind, options)
        module = load_course(Paths.from_env().course_toml).module(module_id)
        return self._store.add(kind, module.id, owner, options)

    def get(self, job_id: int) -> Job:
        """The job ``job_id``; :class:`NotFound` (a :class:`TitoError`) if there is
        none."""
        return self._store.get(job_id)

    def recent(self, limit: int = 50) -> list[Job]:
        """The ``limit`` newest jobs, newest first."""
        return self._store.recent(limit)

    def retry(self, job_id: int, owner: str) -> Job:
        """Queue a failed job again, for ``owner``: a new job with the same kind, module
        and options, whose ``retry_of`` is the failed one."""
        job = self.get(job_id)
        if job.state is not State.FAILED:
            raise TitoError(f"job {job_id} is {job.state}: only a failed job can be retried")
        return self._store.add(job.kind, job.module_id, owner, job.options, retry_of=job.id)

    def log_file(self, job_id: int) -> Path:
        """Where the worker of job ``job_id`` writes its output."""
        return self._logs / f"{job_id}.log"

    def tick(self) -> None:
        """Fail the running job if its worker stopped without ending it, then start the
        oldest queued job if none is running. The service calls it about every half
        second; it returns at once."""
        ended = self._reap()
        for job in self._store.in_state(State.RUNNING):
            if job.id in ended or not _worker_alive(job):
                self._give_up(job, _stopped(ended.get(job.id), self.log_file(job.id)))
        self._start_next()

    def recover(self) -> None:
        """Fail every job an earlier run of the service left running, after killing what
        is left of its worker. Call it once when the service starts, before any tick."""
        for job in self._store.in_state(State.RUNNING):
            self._give_up(job, INTERRUPTED)

    def _reap(self) -> dict[int, int]:
        """The exit statuses, by job id, of this queue's workers that ended."""
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
        self._logs.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "grader_ext.core.worker", str(self._store.database),
                   str(job.id), str(os.getpid())]
        with self.log_file(job.id).open("ab") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "PYTHONUTF8": "1",
                                            "PYTHONIOENCODING": "utf-8"})
        self._workers[job.id] = process
        # Not reaped yet, the worker is in /proc even if it already ended.
        stat = _process_stat(process.pid)
        self._store.update(job.id, worker_pid=process.pid, worker_started=stat[1] if stat else None)


def _process_stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter (``Z``: ended, not reaped yet) and start time in clock
    ticks after boot, from ``/proc/<pid>/stat``; None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    after_name = stat.rsplit(b")", 1)[1].split()  # the name before ")" may hold anything
    return after_name[0].decode(), int(after_name[19])


def _worker_alive(job: Job) -> bool:
    stat = _process_stat(job.worker_pid) if job.worker_pid else None
    return stat is not None and stat[0] != "Z" and stat[1] == job.worker_started


def _kill_group(job: Job) -> None:
    """Kill every process left in the job worker's process group (its id is the worker's
    pid). While any process of a group lives, Linux gives its id to no new process; so a
    pid held by a process that started at another time is someone else's: left alone."""
    if job.worker_pid is None:
        return
    stat = _process_stat(job.worker_pid)
    if stat is not None and stat[1] != job.worker_started:
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
