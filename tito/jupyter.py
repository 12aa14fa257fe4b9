"""The Jupyter servers tito starts: a student's lab and the instructor's formgrader."""

from __future__ import annotations

import os
from pathlib import Path


def jupyter_server_args(root_dir: Path, port: int, open_browser: bool) -> list[str]:
    """Options every Jupyter server tito starts shares: loopback only, one fixed port."""
    args = ["--ip=127.0.0.1", f"--port={port}", f"--ServerApp.root_dir={root_dir}",
            f"--ServerApp.open_browser={open_browser}", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses that unless told
        args.append("--allow-root")
    return args
