"""``tito lab`` (what ``make lab`` runs): a real JupyterLab on 127.0.0.1 serving the
student's notebooks, whose kernels import the student's own package."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sysconfig
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.conftest import TITO
from tests.servers import free_port, request_json, running
from tests.terminal import Terminal

TOKEN = "test-token"
pytestmark = pytest.mark.slow


def api(port: int, path: str, method: str = "GET", body: dict | None = None) -> dict:
    return request_json(port, path, TOKEN, method, body)


async def execute(port: int, kernel_id: str, code: str) -> str:
    """Run ``code`` in the kernel through the server's websocket; return its stdout."""
    request = HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels",
                          headers={"Authorization": f"token {TOKEN}"})
    connection = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False}}))
    output = []
    while True:
        message = json.loads(await asyncio.wait_for(connection.read_message(), timeout=60))
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "stream":
            output.append(message["content"]["text"])
        elif kind == "error":
            output.append("ERROR " + message["content"]["evalue"])
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            connection.close()
            return "".join(output)


@dataclass
class Lab:
    """A running ``tito lab``: its port, the student's workspace, and the calls of a
    ``node`` found first on its PATH until the lab answered (their arguments, a line
    each)."""

    port: int
    workspace: Path
    node_calls_at_start: str


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``tito lab`` started as ``make lab`` starts it, its output going to a file."""
    tmp_path = tmp_path_factory.mktemp("lab")
    workspace = tmp_path / "workspace"
    port = free_port()
    tools, node_calls = tmp_path / "tools", tmp_path / "node-calls"
    tools.mkdir()
    (tools / "node").write_text(f'#!/bin/sh\necho "$@" >> {node_calls}\nexit 1\n',
                                encoding="utf-8")
    (tools / "node").chmod(0o755)
    env = {**os.environ, "TITO_WORKSPACE": str(workspace), "JUPYTER_TOKEN": TOKEN,
           "TITO_CACHE": str(tmp_path / "cache"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "PATH": os.pathsep.join([str(tools), sysconfig.get_path("scripts"),
                                    os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    with running([*TITO, "lab", "--no-browser", "--port", str(port)], env,
                 tmp_path / "lab.log", ready=lambda: api(port, "/api/status")):
        # read now: the lab's terminals run what the user's shell runs (npm is node's)
        calls = node_calls.read_text(encoding="utf-8") if node_calls.exists() else ""
        yield Lab(port, workspace, calls)


def test_tito_lab_starts_without_asking_node_for_an_npm_registry(lab: Lab) -> None:
    """JupyterLab runs ``node yarn.js config`` as it loads (0.6 s of CPU per lab start, a
    minute for a class of 100 on the hub) for a registry a course lab never uses."""
    # (jupyter_lsp, on in a laptop's lab, asks npm for its prefix: that is node too)
    assert "yarn" not in lab.node_calls_at_start, lab.node_calls_at_start


def test_tito_lab_serves_the_students_notebooks_and_package(lab: Lab) -> None:
    port, workspace = lab.port, lab.workspace
    listing = api(port, "/api/contents/modules/00_setup")
    assert [item["name"] for item in listing["content"]] == ["setup.ipynb"]
    notebook = api(port, "/api/contents/modules/00_setup/setup.ipynb")
    assert notebook["type"] == "notebook"

    kernel = api(port, "/api/kernels", "POST", {"name": "python3"})
    output = asyncio.run(execute(port, kernel["id"], (
        "import tinytorch, shutil, os\n"
        "print(tinytorch.__file__)\n"
        "print(shutil.which('tito'))\n"
        "print(os.environ['TITO_WORKSPACE'])\n"
        "try:\n"
        "    import tinytorch.core.setup\n"
        "except ImportError as error:\n"
        "    print(error)\n")))
    lines = output.splitlines()
    assert lines[0] == str(workspace / "tinytorch" / "__init__.py"), output
    assert lines[1] == str(Path(sysconfig.get_path("scripts")) / "tito"), output
    assert lines[2] == str(workspace)
    assert lines[3].startswith("tinytorch.core.setup is not exported yet: complete module "
                               "00 setup"), output


def test_tito_labs_terminal_finds_the_course(lab: Lab) -> None:
    """The terminal of ``make lab`` (a login shell whenever Jupyter's output is not a
    terminal, whose /etc/profile reset PATH; and here root's ~/.bashrc puts pyenv's python
    first) finds the course's Python, NumPy, the student's package and tito."""
    scripts = Path(sysconfig.get_path("scripts"))
    name = api(lab.port, "/api/terminals", "POST")["name"]
    url = f"ws://127.0.0.1:{lab.port}/terminals/websocket/{name}"
    with Terminal(url, TOKEN) as terminal:
        assert terminal.run("pwd") == str(lab.workspace)  # where the file browser starts
        assert terminal.run("which python tito").splitlines() == [
            str(scripts / "python"), str(scripts / "tito")]
        assert terminal.run('python -c "import numpy, tinytorch; print(tinytorch.__file__)"'
                            ) == str(lab.workspace / "tinytorch" / "__init__.py")
        assert "Usage: tito" in terminal.run("tito --help")
        assert terminal.run("whoami") == terminal.run("id -un") == getpass.getuser()
    assert "I have no name!" not in terminal.transcript
