"""The gradebook's database, whichever it is: SQLite (the embedded default) or a server
such as PostgreSQL, named by its SQLAlchemy URL (``c.CourseDirectory.db_url``).

- :func:`create_gradebook`: an empty gradebook with nbgrader's schema, stamped with its
  alembic version, made once (nbgrader's own way runs the ``alembic`` script by name).
- :func:`retrying`: gradebook work that a dropped connection (a database server restarting)
  interrupted is done again from its start once the server answers, with backoff.
- :func:`upgrade`: nbgrader's own alembic migrations on a gradebook.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tito.errors import TitoError

log = logging.getLogger("tito.grading")

T = TypeVar("T")

# How long gradebook work waits for its database to answer again before it gives up.
RECONNECT_TIMEOUT = 300.0
_created: set[str] = set()  # URLs this process made sure have a gradebook


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (``sqlite:///path?options``); None for another database."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def _stamp_and_create(connection) -> None:
    """nbgrader's tables and its alembic version on ``connection``, inside its transaction."""
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import text

    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
    Base.metadata.create_all(connection)
    connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})


def create_gradebook(url: str) -> None:
    """An empty gradebook at ``url`` with nbgrader's schema, stamped with its alembic version,
    unless there is one. nbgrader makes a missing gradebook itself, but finds the version by
    running the ``alembic`` script by name, which fails when our environment's scripts are
    not on PATH (tito started by its full path, a service); asking alembic's API needs none.
    """
    path = sqlite_file(url)
    if path is not None:
        _create_sqlite(path)  # a look at the file: cheap enough to do every time
    elif url not in _created:
        _create_on_server(url)
        _created.add(url)


def _create_sqlite(path: Path) -> None:
    if path.exists():
        return
    from sqlalchemy import create_engine

    path.parent.mkdir(parents=True, exist_ok=True)
    # Made aside and moved in whole: a reader never sees a half-made gradebook.
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        fresh = Path(scratch) / path.name
        engine = create_engine(f"sqlite:///{fresh}")
        with engine.begin() as connection:
            _stamp_and_create(connection)
        engine.dispose()
        if not path.exists():  # another process may have made it meanwhile: keep theirs
            fresh.replace(path)


def _create_on_server(url: str) -> None:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        # One transaction (PostgreSQL's DDL is transactional), one creator at a time: graders
        # starting together all find the gradebook missing.
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(7156071)"))
            if "alembic_version" not in inspect(connection).get_table_names():
                _stamp_and_create(connection)
    except SQLAlchemyError as error:
        kind = Unreachable if is_disconnect(error) else TitoError
        raise kind(f"the gradebook's database {redacted(url)} cannot be used "
                   f"({_first_line(error)}): start it, or fix c.CourseDirectory.db_url "
                   "(TITO_GRADEBOOK_URL)") from None
    finally:
        engine.dispose()


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` is the database going away (a server restart, a dropped
    connection), not something wrong with the work itself."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError)


class Unreachable(TitoError):
    """The gradebook's database did not answer (down, restarting, or a wrong address)."""


class ConnectionLost(Exception):
    """Gradebook work stopped because its database connection dropped (raised from
    places that see the error only as text, such as nbgrader's API results)."""


def lost_connection_text(text: str) -> bool:
    """Whether a log or error text (nbgrader's API catches its exceptions) shows the
    gradebook's database going away."""
    return bool(re.search(r"sqlalchemy\.exc\.(OperationalError|InterfaceError)"
                          r"|server closed the connection|connection (is|was) (closed|lost)"
                          r"|terminating connection due to administrator command", text))


def wait_until_answers(url: str, deadline: float) -> None:
    """Return once the database at ``url`` answers a query; try with growing pauses
    (0.5 s doubling up to 8 s), a log line each time, until ``deadline`` (monotonic)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    pause = 0.5
    while True:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except SQLAlchemyError as error:
            if time.monotonic() + pause > deadline:
                raise TitoError(f"the gradebook's database {redacted(url)} does not answer "
                                f"({_first_line(error)}): start it, then "
                                "run the command again") from None
            log.warning("the gradebook's database %s does not answer yet; trying again in "
                        "%.1f s", redacted(url), pause)
        finally:
            engine.dispose()
        time.sleep(pause)
        pause = min(pause * 2, 8.0)


def retrying(url: str, what: str, work: Callable[[], T],
             timeout: float = RECONNECT_TIMEOUT) -> T:
    """``work()``; done again from its start, once the database answers, whenever a
    dropped connection interrupted it (a log line each time), for up to ``timeout``
    seconds. ``work`` must be safe to redo: the gradebook's rows are keyed (one grade per
    cell and submission), so redoing it replaces what a first try wrote. An SQLite
    gradebook is a file, with no connection to drop: its errors are the work's own."""
    if sqlite_file(url) is not None:
        return work()
    deadline = time.monotonic() + timeout
    while True:
        try:
            return work()
        except Exception as error:
            if not isinstance(error, ConnectionLost | Unreachable) and not is_disconnect(error):
                raise
            if time.monotonic() > deadline:
                raise TitoError(f"{what}: the gradebook's database {redacted(url)} kept "
                                "dropping the connection: check the server, then run the "
                                "command again") from None
            log.warning("%s: the gradebook's database connection dropped (%s); doing it "
                        "again once the database answers", what, _first_line(error))
            wait_until_answers(url, deadline)


def upgrade(url: str) -> None:
    """nbgrader's alembic migrations on the gradebook at ``url`` (``nbgrader db upgrade``
    does the same, but finds ``alembic`` on PATH only)."""
    from nbgrader.dbutil import _temp_alembic_ini

    create_gradebook(url)  # a missing gradebook is made at the newest version
    with _temp_alembic_ini(url) as alembic_ini:
        result = subprocess.run([sys.executable, "-m", "alembic", "-c", alembic_ini,
                                 "upgrade", "head"], capture_output=True, text=True,
                                check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise TitoError(f"upgrading the gradebook {redacted(url)} failed: {lines[-1]}: "
                        "fix the database, then run the command again")
