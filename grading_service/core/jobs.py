"""The grading service's job queue: course work (generate, release, collect, autograde,
feedback) asked for on the web and run elsewhere, one job at a time.

Jobs live in a SQLite database, so a page reload or a restart of the service finds them as
they were. The web service (unprivileged) only queues and reads jobs through
:class:`JobQueue`; the job runner (:mod:`grading_service.core.runner`, the one part with the
rights that starting sandboxes needs) claims them and starts a worker per job
(:mod:`grading_service.core.worker`), which writes its progress into the same database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from tito.errors import NotFound, TitoError
from tito.grading import actions
from tito.manifest import Course
from tito.student.workspace import now

LOG_LINES = 200


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
    worker_started: float | None  # the worker's start time, to tell a reused pid apart
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
    worker_started: Mapped[float | None]
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
    """The web side of the queue: jobs asked for, listed and retried. Running them is the
    job runner's (:class:`grading_service.core.runner.JobRunner`). Jobs are on the
    modules of ``course``, the course the runner's workers grade."""

    def __init__(self, database: Path, course: Course) -> None:
        self._store = JobStore(database)
        self._course = course

    def submit(self, kind: str, module_id: str, owner: str,
               options: dict[str, Any] | None = None) -> Job:
        """Queue a job of ``kind`` (one of :data:`tito.grading.actions.ACTIONS`) on the
        module ``module_id`` (an id, number or folder name), asked for by the hub user
        ``owner``. A wrong kind, module or option is a :class:`TitoError` saying what is
        allowed."""
        options = dict(options or {})
        actions.check(kind, options)
        module = self._course.module(module_id)
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
