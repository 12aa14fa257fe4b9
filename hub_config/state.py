"""The hub's state directory: secrets, databases, the course, the exchange, the homes.

Everything a running hub writes lives under one directory (``hub_config/runtime/`` by
default, kept out of git), so a test can run a whole hub in a temporary folder and an
instructor can back the course up by copying one folder.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tito.files import write_atomic

HUB_CONFIG = Path(__file__).resolve().parent
DEFAULT_STATE = HUB_CONFIG / "runtime"
STATE_VARIABLE = "TITO_HUB_STATE"

DEMO_ROSTER = {"instructor": ["instructor"], "ta": ["ta"], "student": ["alice", "bob", "carol"]}
DEMO_NAMES = {"alice": ["Alice", "Liddell"], "bob": ["Bob", "Cratchit"],
              "carol": ["Carol", "Jenkins"]}


@dataclass
class HubSettings:
    """Where the hub listens, and who is in the class (group → user names; user name →
    [first name, last name] for those the roster names). Saved in the state directory so
    that the configuration JupyterHub loads and the launcher that wrote it agree."""

    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    grader_port: int = 8090
    proxy_command: str = "configurable-http-proxy"
    roster: dict[str, list[str]] = field(default_factory=lambda: dict(DEMO_ROSTER))
    names: dict[str, list[str]] = field(default_factory=lambda: dict(DEMO_NAMES))
    local_config: str = ""  # a JupyterHub config file loaded after the course's

    @property
    def public_url(self) -> str:
        return f"http://{self.ip}:{self.port}"


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
        return self.root / "grader"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.root / 'jupyterhub.sqlite'}"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    def ensure(self) -> None:
        """Create the folders; generate each secret the first time (owner-only files)."""
        for folder, mode in ((self.root, 0o755), (self.secrets, 0o700), (self.homes, 0o755),
                             (self.grader, 0o700)):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)
        for name in ("cookie_secret", "proxy_token", "grader_token"):
            self.secret(name)

    def secret(self, name: str) -> str:
        """The secret called ``name``, made on first use (32 random bytes, hex)."""
        path = self.secrets / name
        if not path.exists():
            write_atomic(path, secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def save_settings(self, settings: HubSettings) -> None:
        write_atomic(self.settings_file, json.dumps(asdict(settings), indent=2))

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
            write_atomic(path, json.dumps(known, indent=2))
            path.chmod(0o600)
        return {user: known[user] for user in users}
