"""A supervisor for the hub's managed services: ``python -m hub_config.supervisor --name NAME
--pid-file FILE -- COMMAND...`` runs COMMAND and starts it again whenever it exits.

JupyterHub notices a managed service's death only at its next poll (30 s or more) and exits
if one dies while the hub starts; JupyterHub starts this instead, which never dies with its
service. It writes its pid to FILE, where the launcher finds what a crashed hub left running.
It stays resident beside each service, so it imports nothing but the standard library.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

SUPERVISOR = "hub_config.supervisor"
FIRST_DELAY, LONGEST_DELAY = 0.5, 30.0  # seconds before a restart; doubled each time
STEADY_SECONDS = 30.0  # a service that ran this long starts again after FIRST_DELAY
log = logging.getLogger(SUPERVISOR)


def supervise(name: str, pid_path: Path, command: list[str]) -> int:
    """Run ``command`` until this process gets SIGINT or SIGTERM (passed on to it; JupyterHub
    stops services so); start it again whenever it exits, after a delay that doubles from
    ``FIRST_DELAY`` up to ``LONGEST_DELAY`` while it keeps dying young. Returns its last
    status."""
    stopping: list[int] = []
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pid_path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    delay, restarts = FIRST_DELAY, 0
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(command)
            if stopping:  # a signal between the start and ``child`` being set
                child.send_signal(stopping[-1])
            status = child.wait()
            if stopping:
                return status
            delay = FIRST_DELAY if time.monotonic() - started >= STEADY_SECONDS else delay
            restarts += 1
            log.warning("service %s exited with status %s: starting it again in %.1f s "
                        "(restart %d)", name, status, delay, restarts)
            deadline = time.monotonic() + delay
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.05)
            if stopping:
                return status
            delay = min(delay * 2, LONGEST_DELAY)
    finally:
        with suppress(OSError):
            if pid_path.read_text(encoding="utf-8").strip() == str(os.getpid()):
                pid_path.unlink()


def main(argv: list[str] | None = None) -> None:
    """``python -m hub_config.supervisor --name NAME --pid-file FILE -- COMMAND...``."""
    parser = argparse.ArgumentParser(prog=f"python -m {SUPERVISOR}", description=(
        "Run a service of the hub, starting it again whenever it exits."))
    parser.add_argument("--name", required=True)
    parser.add_argument("--pid-file", required=True, type=Path)
    parser.add_argument("command", nargs="+")
    arguments = parser.parse_args(argv)
    logging.basicConfig(format="[%(levelname).1s %(asctime)s.%(msecs)03d %(name)s] "
                        "%(message)s", datefmt="%Y-%m-%d %H:%M:%S", level=logging.INFO)
    sys.exit(supervise(arguments.name, arguments.pid_file, arguments.command))


if __name__ == "__main__":
    main()
