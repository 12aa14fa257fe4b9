"""nbgrader's formgrader on the course directory: where TAs grade the systems questions."""

from __future__ import annotations

import sys
from pathlib import Path

from tito.jupyter import jupyter_server_args

EXTENSION = "nbgrader.server_extensions.formgrader"


def formgrader_command(course_root: Path, port: int, token: str) -> list[str]:
    """A Jupyter server with only nbgrader's formgrader, on the course directory (run it with
    the course directory as working directory: formgrader reads its nbgrader_config.py)."""
    return [sys.executable, "-m", "jupyter_server",
            *jupyter_server_args(course_root, port, open_browser=False),
            f"--ServerApp.jpserver_extensions={EXTENSION}=True",
            f"--IdentityProvider.token={token}"]


def formgrader_url(port: int, token: str) -> str:
    return f"http://127.0.0.1:{port}/formgrader?token={token}"
