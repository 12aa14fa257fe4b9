"""A real PostgreSQL server for the tests: Debian's PostgreSQL (15 on bookworm), started by the
test set-up.

The server runs as the ``postgres`` system user when the tests run as root (PostgreSQL
refuses to run as root), in a temporary data directory, listening on a free port on
127.0.0.1 only (no Unix socket), with password (SCRAM) authentication for one superuser.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.servers import free_port


def _server_binaries() -> Path:
    """Debian's newest installed PostgreSQL server (``make test`` installs one), or the
    folder ``TITO_TEST_PG_BIN`` names."""
    if "TITO_TEST_PG_BIN" in os.environ:
        return Path(os.environ["TITO_TEST_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BIN = _server_binaries()
USER = "tito"


class PostgresServer:
    """One PostgreSQL cluster: its data directory, port and superuser's password."""

    def __init__(self, root: Path, port: int, password: str) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = port
        self.password = password
        self.user = USER
        self.host = "127.0.0.1"

    # -- the server process -------------------------------------------------------------

    def _as_owner(self, argv: list[str]) -> list[str]:
        """``argv`` run as the ``postgres`` system user when we are root."""
        if os.geteuid() != 0:
            return argv
        return ["runuser", "-u", "postgres", "--", *argv]

    def _pg_ctl(self, *args: str) -> None:
        result = subprocess.run(
            self._as_owner([str(BIN / "pg_ctl"), "-D", str(self.data), *args]),
            capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text(encoding="utf-8", errors="replace")[-4000:] \
                if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed:\n{result.stdout}"
                               f"{result.stderr}\n{log}")

    def initdb(self) -> None:
        """Create the cluster: one superuser with a password, loopback TCP only."""
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        self._own(pwfile)
        result = subprocess.run(
            self._as_owner([str(BIN / "initdb"), "-D", str(self.data), "-U", self.user,
                            f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8",
                            "--locale=C.UTF-8", "--no-sync"]),
            capture_output=True, text=True, timeout=300, check=False)
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")
        # The test data is disposable: no fsync makes every commit cheap.
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       "unix_socket_directories = ''\nfsync = off\n"
                       "synchronous_commit = off\nfull_page_writes = off\n"
                       "max_connections = 200\n")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnects every client, as a real restart does)."""
        self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)

    def restart(self) -> None:
        """Stop and start again: every open connection is dropped."""
        self.stop()
        self.start()

    # -- databases ----------------------------------------------------------------------

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return (f"{driver}://{self.user}:{self.password}@{self.host}:{self.port}/"
                f"{database}")

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with psql on ``database``; its output (unaligned, tuples only)."""
        result = subprocess.run(
            [str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", database,
             "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password}, capture_output=True,
            text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"psql on {database} failed: {result.stderr.strip()}")
        return result.stdout

    def create_database(self, name: str) -> str:
        """A fresh, empty database ``name`` (dropped first if it exists); its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL server in a temporary directory, removed afterwards."""
    if not (BIN / "postgres").exists():
        raise RuntimeError(f"no PostgreSQL in {BIN}: `make test` installs Debian's "
                           "postgresql (apt-get install postgresql)")
    # Not under pytest's tmp_path: its folders are root's only, and the server runs as
    # the postgres user.
    root = Path(tempfile.mkdtemp(prefix="tito-postgres-"))
    root.chmod(0o755)
    server = PostgresServer(root, free_port(), secrets.token_hex(16))
    server.data.mkdir(mode=0o700)
    server._own(server.data)
    server._own(root)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        with suppress(RuntimeError):  # stopped already
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
