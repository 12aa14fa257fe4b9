"""Helpers for tests that start real servers on loopback."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _ephemeral_ports() -> range:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


# Ports chromium refuses to open ("ERR_UNSAFE_PORT") among those below 1024 we may use.
CHROMIUM_UNSAFE = {101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
                   139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
                   540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995}


_handed_out: set[int] = set()


def worker_number() -> int:
    """This test process's pytest-xdist worker number (0 without xdist)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def _privileged_ports() -> range:
    """This test process's share of the ports 100-1023: pytest-xdist's workers each get
    their own, so two hubs starting at once never pick the same port (there are few)."""
    worker = worker_number()
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    share = (1024 - 100) // workers
    return range(100 + worker * share, 100 + (worker + 1) * share)


def free_port(privileged: bool = False) -> int:
    """A free loopback port outside the kernel's ephemeral range, so no outgoing
    connection takes it between now and the moment the server binds it; below 1024 (only
    root may bind those, as the hub's services use) if ``privileged``."""
    ephemeral = _ephemeral_ports()
    candidates = _privileged_ports() if privileged else range(10000, 32000)
    while True:
        port = random.choice(candidates)
        # A port handed out earlier may not be bound yet: a hub takes four at once.
        if port in ephemeral or port in CHROMIUM_UNSAFE or port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port


def request_json(port: int, path: str, token: str, method: str = "GET",
                 body: dict | None = None) -> object:
    """Call a Jupyter server's REST API on 127.0.0.1:``port`` with token authentication."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode("utf-8"),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path, ready: Callable[[], object],
            timeout: float = 120, cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """Start a server process (in its own session, output to ``log``), wait until ``ready()``
    stops raising ``OSError``, and stop the whole process group afterwards."""
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(command, env=env, cwd=cwd, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    ready()
                    break
                except OSError:
                    assert server.poll() is None, log.read_text(encoding="utf-8")
                    assert time.monotonic() < deadline, (
                        f"{command[:3]} not ready in {timeout} s:\n"
                        + log.read_text(encoding="utf-8"))
                    time.sleep(0.5)
            yield server
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
