"""Move a course between deployments (SQLite on one machine ↔ PostgreSQL on a server).

:func:`export_course` writes one archive (``.tar.gz``) of everything the course has made:

- ``gradebook.json``: every row of nbgrader's gradebook tables, in dependency order, as
  plain JSON (times ISO 8601, naive UTC as nbgrader keeps them), with the gradebook's
  alembic version: the same on any database SQLAlchemy speaks;
- ``course/``: the course directory's folders (``source``, ``release``, ``submitted``,
  ``autograded``, ``feedback``, the ``archive`` of every hand-in), tito's records
  (``.tito``: release and feedback times, autograde history) and the overrides of
  course.toml (``gradebook/course-overrides.json``);
- ``exchange/``: the course's exchange (released modules, hand-ins not yet collected,
  released feedback).

:func:`import_course` puts an archive into a fresh course directory, whose
``nbgrader_config.py`` names its own exchange and gradebook (any database), and refuses a
gradebook that holds anything already.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath

from tito.errors import TitoError
from tito.exchange import COURSE_ID
from tito.grading.course_dir import CourseDir, overrides_path
from tito.grading.database import create_gradebook, redacted

FORMAT = "tinytorch-course-export"
VERSION = 1
GRADEBOOK_FILE = "gradebook.json"
# The course directory's folders a course moves with (nbgrader_config.py stays: the new
# place has its own exchange and database; gradebook.db is in gradebook.json).
COURSE_FOLDERS = ("source", "release", "submitted", "autograded", "feedback", "archive",
                  ".tito")


def _tables():
    from nbgrader.api import Base

    return Base.metadata.sorted_tables  # parents before the rows that point at them


def _alembic_version(connection) -> str | None:
    from sqlalchemy import inspect, text

    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def read_gradebook(url: str) -> dict:
    """Every row of the gradebook at ``url`` as plain JSON data, read in one transaction."""
    from sqlalchemy import create_engine, select

    create_gradebook(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":  # one consistent snapshot
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                tables = {}
                for table in _tables():
                    order = [column for column in table.primary_key.columns]
                    rows = connection.execute(select(table).order_by(*order)).mappings()
                    tables[table.name] = [{key: _plain(value) for key, value in row.items()}
                                          for row in rows]
                version = _alembic_version(connection)
    finally:
        engine.dispose()
    return {"alembic_version": version, "tables": tables}


def _typed(table, row: dict) -> dict:
    """A row of JSON data with its times back as datetimes (the column types say which)."""
    from sqlalchemy import DateTime

    return {key: (datetime.fromisoformat(value)
                  if value is not None and isinstance(table.columns[key].type, DateTime)
                  else value) for key, value in row.items()}


def gradebook_rows(url: str) -> int:
    """How many rows nbgrader's tables hold in the gradebook at ``url``."""
    from sqlalchemy import create_engine, func, select

    create_gradebook(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sum(connection.execute(select(func.count()).select_from(table)).scalar()
                       for table in _tables())
    finally:
        engine.dispose()


def write_gradebook(url: str, data: dict) -> int:
    """Insert ``data`` (from :func:`read_gradebook`) into the empty gradebook at ``url``, in
    one transaction; returns the number of rows. A gradebook that holds rows is refused."""
    from sqlalchemy import create_engine

    create_gradebook(url)
    engine = create_engine(url)
    count = 0
    try:
        with engine.begin() as connection:
            version = _alembic_version(connection)
            if data["alembic_version"] != version:
                raise TitoError(f"the archive's gradebook is at nbgrader schema "
                                f"{data['alembic_version']}, {redacted(url)} at {version}: "
                                "run 'tito nbgrader db-upgrade' where the course comes "
                                "from, export again, then import")
            for table in _tables():
                rows = [_typed(table, row) for row in data["tables"].get(table.name, [])]
                if rows:
                    connection.execute(table.insert(), rows)
                    count += len(rows)
    finally:
        engine.dispose()
    return count


def _files(folder: Path) -> Iterator[Path]:
    """The folders and files under ``folder``, parents first (links are not followed or
    kept: hand-ins hold files)."""
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if (path.is_file() or path.is_dir()) and not path.is_symlink():
                yield path


def export_course(course_dir: CourseDir, archive: Path) -> dict[str, int]:
    """Write ``course_dir``'s gradebook, folders and exchange to the ``.tar.gz``
    ``archive``; returns what it holds (rows, course files, exchange files)."""
    gradebook = read_gradebook(course_dir.db_url)
    manifest = {"format": FORMAT, "version": VERSION, "course_id": COURSE_ID,
                "exported_at": datetime.now().astimezone().isoformat(), **gradebook}
    counts = {"rows": sum(len(rows) for rows in gradebook["tables"].values()),
              "course files": 0, "exchange files": 0}
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=archive.parent, suffix=".part",
                                     delete=False) as scratch:
        partial = Path(scratch.name)
    try:
        with tarfile.open(partial, "w:gz") as tar:
            with tempfile.TemporaryDirectory() as folder:
                listing = Path(folder) / GRADEBOOK_FILE
                listing.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
                tar.add(listing, arcname=GRADEBOOK_FILE)
            course_files = [path for name in COURSE_FOLDERS
                            for path in _files(course_dir.root / name)]
            overrides = overrides_path(course_dir.root)
            if overrides.is_file():
                course_files.append(overrides)
            for path in course_files:
                tar.add(path, arcname=f"course/{path.relative_to(course_dir.root).as_posix()}",
                        recursive=False)
            exchange = course_dir.exchange / COURSE_ID
            exchange_files = list(_files(exchange))
            for path in exchange_files:
                tar.add(path, arcname=f"exchange/{path.relative_to(exchange).as_posix()}",
                        recursive=False)
        counts["course files"] = sum(path.is_file() for path in course_files)
        counts["exchange files"] = sum(path.is_file() for path in exchange_files)
        partial.replace(archive)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _member_target(member: tarfile.TarInfo, course_dir: CourseDir) -> Path | None:
    """Where an archive member goes; None for the gradebook listing. Refuses anything but
    plain files inside the course directory or the exchange."""
    path = PurePosixPath(member.name)
    if member.name == GRADEBOOK_FILE:
        return None
    if (not (member.isfile() or member.isdir()) or path.is_absolute() or ".." in path.parts
            or len(path.parts) < 2):
        raise TitoError(f"the archive holds {member.name!r}, which no course export does: "
                        "use an archive 'tito nbgrader export' made")
    top, rest = path.parts[0], PurePosixPath(*path.parts[1:])
    if top == "course" and (rest.parts[0] in COURSE_FOLDERS or rest == PurePosixPath(
            overrides_path(course_dir.root).relative_to(course_dir.root).as_posix())):
        return course_dir.root / rest
    if top == "exchange":
        return course_dir.exchange / COURSE_ID / rest
    raise TitoError(f"the archive holds {member.name!r}, which no course export does: use an "
                    "archive 'tito nbgrader export' made")


def import_course(course_dir: CourseDir, archive: Path) -> dict[str, int]:
    """Put the course in ``archive`` (from :func:`export_course`) into ``course_dir`` (made
    if missing, with the gradebook its configuration names); returns what was imported.
    A gradebook that holds anything already, or a file the archive would replace, is
    refused and nothing is changed."""
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as error:
        raise TitoError(f"{archive} cannot be read as a course export ({error}): use the "
                        "archive 'tito nbgrader export' wrote") from None
    with tar:
        try:
            listing = tar.extractfile(GRADEBOOK_FILE)
            manifest = json.loads(listing.read()) if listing else {}
        except KeyError:
            manifest = {}
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise TitoError(f"{archive} is not a course export (no {GRADEBOOK_FILE} of "
                            f"{FORMAT} version {VERSION}): use the archive 'tito nbgrader "
                            "export' wrote")
        course_dir.init()
        url = course_dir.db_url
        rows = gradebook_rows(url)
        if rows:
            raise TitoError(f"the gradebook {redacted(url)} of {course_dir.root} is not empty "
                            f"({rows} rows): import into a fresh course directory")
        members = [(member, _member_target(member, course_dir)) for member in tar]
        files = [(member, target) for member, target in members if target is not None]
        clashing = [target for member, target in files
                    if member.isfile() and target.exists()]
        if clashing:
            raise TitoError(f"{clashing[0]} exists already (and {len(clashing) - 1} more "
                            "files the archive holds): import into a fresh course directory")
        count = write_gradebook(url, manifest)
        for member, target in files:  # folders before what is in them
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                stream = tar.extractfile(member)
                assert stream is not None  # a regular file, checked above
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(stream.read())
            # the exchange's folders keep nbgrader's modes (inbound: anyone may hand in)
            target.chmod(member.mode & 0o7777)
    imported = [target for member, target in files if member.isfile()]
    return {"rows": count,
            "course files": sum(t.is_relative_to(course_dir.root) for t in imported),
            "exchange files": sum(t.is_relative_to(course_dir.exchange) for t in imported)}

