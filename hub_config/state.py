"""The hub's state directory: secrets, databases, the course, the exchange, the homes.

Everything a running hub writes lives under one directory (by default
``hub_config/runtime/`` in a checkout, kept out of git; ``./tinytorch-hub`` when installed
from a wheel), so a test can run a whole hub in a temporary folder and an instructor can
back the course up by copying one folder.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tito.files import write_atomic

HUB_CONFIG = Path(__file__).resolve().parent
# Never inside an installed package (site-packages is no place for secrets and homes).
DEFAULT_STATE = (HUB_CONFIG / "runtime" if (HUB_CONFIG.parent / "pyproject.toml").is_file()
                 else Path("tinytorch-hub"))
STATE_VARIABLE = "TITO_HUB_STATE"

DEMO_ROSTER = {"instructor": ["instructor"], "ta": ["ta"], "student": ["alice", "bob", "carol"]}
DEMO_NAMES = {"alice": ["Alice", "Liddell"], "bob": ["Bob", "Cratchit"],
              "carol": ["Carol", "Jenkins"]}


@dataclass
class HubSettings:
    """Where the hub listens, and who is in the class (group → user names; user name →
    [first name, last name] for those the roster names). Saved in the state directory so
    that the configuration JupyterHub loads and the launcher that wrote it agree."""

    # Ports below 1024: only root may bind them, so while a service is down no student's
    # process can listen in its place (and collect passwords or hand-ins).
    ip: str = "127.0.0.1"
    port: int = 80
    hub_port: int = 881
    proxy_api_port: int = 801
    grader_port: int = 890
    grader_uid: int = 59999  # the web-facing grading service runs as this unprivileged uid
    proxy_command: str = "configurable-http-proxy"
    roster: dict[str, list[str]] = field(default_factory=lambda: dict(DEMO_ROSTER))
    names: dict[str, list[str]] = field(default_factory=lambda: dict(DEMO_NAMES))
    local_config: str = ""  # a JupyterHub config file loaded after the course's
    # SQLAlchemy URLs of the hub's database and the course's gradebook (PostgreSQL:
    # postgresql+psycopg://user:password@host:5432/name); empty: SQLite in the state dir.
    db_url: str = ""
    gradebook_url: str = ""

    @property
    def public_url(self) -> str:
        return f"http://{self.ip}" + ("" if self.port == 80 else f":{self.port}")


class HubState:
    """The folders and files of one hub."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_env(cls) -> HubState:
        return cls(Path(os.environ.get(STATE_VARIABLE) or DEFAULT_STATE).resolve())

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def homes(self) -> Path:
        return self.root / "homes"

    @property
    def grader(self) -> Path:
        """The web-facing grading service's own folder (its job queue)."""
        return self.root / "grader"

    @property
    def grader_config(self) -> Path:
        """The grading service's Jupyter configuration (``jupyter_server_config.py``):
        root's, read-only to the service."""
        return self.root / "grader-config"

    @property
    def hub_pid_file(self) -> Path:
        """The hub's pid, written by JupyterHub (``c.JupyterHub.pid_file``)."""
        return self.root / "jupyterhub.pid"

    @property
    def proxy_pid_file(self) -> Path:
        """The proxy's pid, written by JupyterHub, which finds and replaces a proxy a
        crashed hub left by it (``c.ConfigurableHTTPProxy.pid_file``)."""
        return self.root / "proxy.pid"

    @property
    def jobs_database(self) -> Path:
        return self.grader / "jobs.sqlite"

    @property
    def runner(self) -> Path:
        """The job runner's own folder (its workers' output), root's only."""
        return self.root / "runner"

    @property
    def database(self) -> Path:
        return self.root / "jupyterhub.sqlite"

    @property
    def database_url(self) -> str:
        """The hub's embedded database (SQLite), unless the settings name another."""
        return f"sqlite:///{self.database}"

    def hub_db_url(self, settings: HubSettings) -> str:
        """``c.JupyterHub.db_url``: the settings' database, else :attr:`database_url`."""
        return settings.db_url or self.database_url

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    def ensure(self) -> None:
        """Create the folders, the hub's database (owner-only, like the secrets) and each
        secret the first time."""
        for folder, mode in ((self.root, 0o755), (self.secrets, 0o700), (self.homes, 0o755),
                             (self.grader, 0o700), (self.runner, 0o700),
                             (self.grader_config, 0o755)):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)
        _owner_only(self.database)
        for name in ("cookie_secret", "proxy_token", "grader_token"):
            self.secret(name)

    def secret(self, name: str) -> str:
        """The secret called ``name``, made on first use (32 random bytes, hex)."""
        path = self.secrets / name
        if not path.exists():
            write_atomic(path, secrets.token_hex(32), mode=0o600)
        path.chmod(0o600)  # a state directory from before secrets were owner-only
        return path.read_text(encoding="utf-8").strip()

    def save_settings(self, settings: HubSettings) -> None:
        # root's only: the database URLs may carry passwords
        write_atomic(self.settings_file, json.dumps(asdict(settings), indent=2), mode=0o600)
        self.settings_file.chmod(0o600)

    def settings(self) -> HubSettings:
        if not self.settings_file.exists():
            return HubSettings()
        return HubSettings(**json.loads(self.settings_file.read_text(encoding="utf-8")))

    @property
    def passwords_file(self) -> Path:
        return self.secrets / "passwords.json"

    def passwords(self, roster: dict[str, list[str]]) -> dict[str, str]:
        """User → first password of everyone on the roster, generated once and kept in
        secrets/ (people change theirs on the hub's change-password page)."""
        path = self.passwords_file
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        users = [user for members in roster.values() for user in members]
        missing = [user for user in users if user not in known]
        if missing:
            known.update({user: secrets.token_urlsafe(9) for user in missing})
            write_atomic(path, json.dumps(known, indent=2), mode=0o600)
        path.chmod(0o600)
        return {user: known[user] for user in users}


def _owner_only(path: Path) -> None:
    """Create ``path`` empty if missing (SQLite makes a database of an empty file) and make
    it readable by its owner only; SQLite gives its journals the database's mode."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
    path.chmod(0o600)
