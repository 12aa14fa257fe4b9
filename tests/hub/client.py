"""A real hub for tests and benchmarks: started with ``python -m hub_config`` on free
loopback ports in a temporary state directory, and driven over HTTP as people would
(password login, hub tokens, the REST APIs of the hub, the labs and the grading service)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from hub_config.spawner import LabSandbox
from hub_config.state import HubState
from sandbox import cgroups
from tests.servers import free_port, running, worker_number

SERVICE = "/services/grader"
RUNNER, WEB = "grading_service.core.runner", "grading_service"  # the services' modules
PRIVILEGED = os.geteuid() == 0  # as root, the hub's ports are below 1024 as in make hub


@dataclass
class Hub:
    """A running hub: its URL, its state directory, its demo accounts and its log."""

    url: str
    state: HubState
    passwords: dict[str, str]
    process: subprocess.Popen
    log: Path
    cgroup_parent: str = ""  # where its labs' cgroups are
    _tokens: dict[str, str] = field(default_factory=dict)

    def login(self, user: str, timeout: float = 30) -> requests.Session:
        """A browser-like session logged in through the hub's login form (each request
        waiting up to ``timeout`` seconds)."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=timeout).raise_for_status()
        answer = session.post(f"{self.url}/hub/login?next=", timeout=timeout,
                              allow_redirects=False,
                              data={"username": user, "_xsrf": session.cookies["_xsrf"],
                                    "password": self.passwords[user]})
        if answer.status_code != 302:
            raise PermissionError(f"{user} could not log in: {answer.status_code}")
        return session

    def token(self, user: str, timeout: float = 30) -> str:
        """A hub API token of ``user`` with all their permissions, made by ``user`` after
        logging in with their password (cached per user; each request waiting up to
        ``timeout`` seconds)."""
        if user not in self._tokens:
            session = self.login(user, timeout)
            answer = session.post(f"{self.url}/hub/api/users/{user}/tokens", timeout=timeout,
                                  headers={"X-XSRFToken": session.cookies["_xsrf"]},
                                  json={"note": "tests", "expires_in": 3600})
            answer.raise_for_status()
            self._tokens[user] = answer.json()["token"]
        return self._tokens[user]

    def call(self, token: str, method: str, path: str, **kwargs) -> requests.Response:
        """``method path`` on the hub's public URL with ``token``."""
        headers = {"Authorization": f"token {token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers,
                                timeout=kwargs.pop("timeout", 60), **kwargs)

    def grader(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        """``method`` on the grading service's ``path`` (after /services/grader/) as ``user``."""
        return self.call(self.token(user), method, f"{SERVICE}/{path}", **kwargs)

    def service_process(self, module: str, other_than: int = 0, timeout: float = 60) -> int:
        """The pid of this hub's service ``module`` (``python -m module``, not its
        supervisor, whose command line holds it), other than ``other_than``. Waits for it
        up to ``timeout`` seconds: JupyterHub starts the runner after it says it is ready,
        and a supervisor starts a service again a moment after it died."""
        marker = str(self.state.grader)
        deadline = time.monotonic() + timeout
        while True:
            for process in psutil.process_iter(["cmdline"]):
                command = process.info["cmdline"] or [""]
                if (process.pid != other_than and Path(command[0]).name.startswith("python")
                        and command[1:3] == ["-m", module]
                        and any(marker in part for part in command)):
                    return process.pid
            assert time.monotonic() < deadline, f"{module} is not running"
            time.sleep(0.1)

    def start_lab(self, user: str, timeout: float = 90,
                  messages: list[str] | None = None) -> str:
        """Start ``user``'s lab (if it is not running) and wait until it answers
        (:meth:`wait_for_lab`); returns its URL prefix (``/user/<name>/``)."""
        answer = self.call(self.token(user), "POST", f"/hub/api/users/{user}/server")
        if answer.status_code not in (201, 202, 400):  # 400: already running
            answer.raise_for_status()
        return self.wait_for_lab(user, timeout, messages)

    def wait_for_lab(self, user: str, timeout: float = 90,
                     messages: list[str] | None = None) -> str:
        """Wait until ``user``'s lab, starting or running, answers; returns its URL prefix.
        Waits as the hub's spawn page does, on the spawn's progress events (the hub pushes
        them), not by asking again and again; their messages go to ``messages`` if given."""
        token = self.token(user)
        deadline = time.monotonic() + timeout
        # The hub sends a keep-alive comment every 8 s, so a read never waits long.
        with self.call(token, "GET", f"/hub/api/users/{user}/server/progress", stream=True,
                       timeout=30) as events:
            if events.status_code == 400:  # neither starting nor running
                raise RuntimeError(f"{user}'s lab stopped while starting: see the hub log")
            events.raise_for_status()
            for line in events.iter_lines(decode_unicode=True):
                if line.startswith("data:"):
                    event = json.loads(line.removeprefix("data:"))
                    if messages is not None:
                        messages.append(event.get("message", ""))
                    if event.get("ready"):
                        return event["url"]
                    if event.get("failed"):
                        raise RuntimeError(f"{user}'s lab did not start: {event['message']}")
                if time.monotonic() > deadline:
                    break
        raise TimeoutError(f"{user}'s lab not ready in {timeout} s")

    def start_kernel(self, user: str) -> str:
        """A new Python kernel in ``user``'s running lab; returns its id."""
        answer = self.call(self.token(user), "POST", f"/user/{user}/api/kernels",
                           json={"name": "python3"})
        answer.raise_for_status()
        return answer.json()["id"]

    def connect_kernel(self, user: str, kernel: str, timeout: float = 60) -> KernelConnection:
        """A websocket to ``user``'s kernel ``kernel``, as JupyterLab keeps one open."""
        url = (f"{self.url.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel}/channels"
               f"?session_id={uuid.uuid4().hex}")
        return KernelConnection(url, self.token(user), timeout)

    def execute(self, user: str, kernel: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in ``user``'s kernel ``kernel`` over a websocket of its own; returns
        what it printed and its result (:class:`KernelError` if it raised)."""
        connection = self.connect_kernel(user, kernel, timeout)
        try:
            return connection.execute(code, timeout)
        finally:
            connection.close()

    def stop_lab(self, user: str) -> None:
        answer = self.call(self.token(user), "DELETE", f"/hub/api/users/{user}/server")
        if answer.status_code not in (202, 204):
            answer.raise_for_status()


class KernelError(RuntimeError):
    """Code run in a kernel raised an exception."""


def _execute_request(code: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request",
                       "username": "tests", "session": uuid.uuid4().hex, "version": "5.3",
                       "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}


class KernelConnection:
    """A kernel's websocket (the Jupyter messaging protocol, as JupyterLab speaks it),
    driven from synchronous code through an event loop of its own."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)  # tornado looks for it, in any thread
        self._socket = self._loop.run_until_complete(self._connect(url, token, timeout))

    @staticmethod
    async def _connect(url: str, token: str, timeout: float) -> WebSocketClientConnection:
        return await websocket_connect(HTTPRequest(
            url, headers={"Authorization": f"token {token}"}, connect_timeout=timeout,
            request_timeout=timeout))

    def execute(self, code: str, timeout: float = 60) -> str:
        """Run ``code``; what it printed and its result, or :class:`KernelError`."""
        return self._loop.run_until_complete(self._execute(code, timeout))

    async def _execute(self, code: str, timeout: float) -> str:
        request = _execute_request(code)
        self._socket.write_message(json.dumps(request))
        output: list[str] = []
        async with asyncio.timeout(timeout):
            while True:
                raw = await self._socket.read_message()
                if raw is None:
                    raise KernelError("the kernel's connection closed")
                message = json.loads(raw)
                if message["parent_header"].get("msg_id") != request["header"]["msg_id"]:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    output.append(content["text"])
                elif kind == "execute_result":
                    output.append(content["data"].get("text/plain", ""))
                elif kind == "error":
                    raise KernelError("\n".join(content["traceback"]))
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(output)

    def close(self) -> None:
        self._socket.close()
        self._loop.close()


def hub_command(state: Path, port: int, roster: Path | None = None,
                config: Path | None = None) -> list[str]:
    """``make hub``'s command on ``port``, with the hub's own ports below 1024 as it has
    them by default."""
    return [sys.executable, "-m", "hub_config", "--state", str(state), "--port", str(port),
            "--hub-port", str(free_port(PRIVILEGED)),
            "--proxy-api-port", str(free_port(PRIVILEGED)),
            "--grader-port", str(free_port(PRIVILEGED)),
            *(["--roster", str(roster)] if roster else []),
            *(["--config", str(config)] if config else [])]


def answers(url: str, path: str) -> None:
    """Return if ``url`` + ``path`` answers 200; raise OSError otherwise (not up yet), as
    :func:`tests.servers.running` waits for."""
    try:
        answer = requests.get(f"{url}{path}", timeout=5)
    except requests.ConnectionError as error:
        raise OSError(error) from None
    if answer.status_code != 200:
        raise OSError(f"{path}: {answer.status_code}")


@contextmanager
def running_hub(state_dir: Path, env: dict[str, str], log: Path,
                roster: Path | None = None, launcher: Sequence[str] = (),
                config: Path | None = None) -> Iterator[Hub]:
    """A hub in ``state_dir`` (with the class in ``roster``, default the demo class, and
    the JupyterHub settings in ``config`` loaded last), started through ``launcher`` (a
    command that runs its arguments) if given; ready when both the hub API and the
    grading service answer."""
    port = free_port(PRIVILEGED)
    url = f"http://127.0.0.1:{port}"

    def ready() -> None:
        for path in ("/hub/api/", f"{SERVICE}/api/health"):
            answers(url, path)

    # Hubs of tests that run at once (one per pytest-xdist worker) keep apart: each keeps
    # its labs' cgroups under a parent of its own, or one hub stopping alice's lab would
    # empty the other's, and each worker's labs have uids of their own.
    cgroup_parent = f"tinytorch-test-{port}"
    uid_base = LabSandbox().uid_base + 1000 * worker_number()
    settings = state_dir.with_name(f"{state_dir.name}-test_config.py")
    settings.write_text(f"c.Sandbox.cgroup_parent = {cgroup_parent!r}\n"
                        f"c.LabSandbox.uid_base = {uid_base}\n"
                        + (f"load_subconfig({str(config)!r})\n" if config else ""),
                        encoding="utf-8")
    command = [*launcher, *hub_command(state_dir, port, roster, settings)]
    try:
        with running(command, env, log, ready, timeout=180) as process:
            state = HubState(state_dir)
            passwords = json.loads(state.passwords_file.read_text("utf-8"))
            yield Hub(url=url, state=state, passwords=passwords, process=process, log=log,
                      cgroup_parent=cgroup_parent)
    finally:
        unmount_under(state_dir)
        if (found := cgroups.hierarchy()) is not None:
            for group in found.groups(cgroup_parent, ""):
                with suppress(OSError):
                    group.rmdir()


def unmount_under(folder: Path) -> None:
    """Unmount what is mounted under ``folder`` (the homes' images stay mounted after the
    hub stops, as on a real server; a test's folder is then removed)."""
    mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    # /proc/self/mounts escapes spaces in paths as \040; the hub's own paths have none.
    points = [line.split()[1] for line in mounts]
    for point in reversed(points):  # the innermost first
        if Path(point).is_relative_to(folder.resolve()):
            subprocess.run(["umount", point], check=False)
