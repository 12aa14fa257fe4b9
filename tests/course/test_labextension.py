"""The TinyTorch lab extension (``labextension/``, built by make with jlpm) is installed
the way JupyterLab finds prebuilt extensions: the wheel ships it under
``share/jupyter/labextensions/@tinytorch/lab/``, this venv has it enabled, and a real
JupyterLab configured as a hub's student lab serves it with nbgrader's own UI turned off.
Its logic has its own tests (jest, ``jlpm test`` in ``labextension/``, run by make test)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, request_json, running
from tito.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

NAME = "@tinytorch/lab"
BUILT = PROJECT_ROOT / "labextension" / "dist"
TOKEN = "test-token"
SCRIPTS = Path(sysconfig.get_path("scripts"))


@pytest.fixture(scope="module", autouse=True)
def built() -> None:
    assert (BUILT / "package.json").is_file(), (
        "the lab extension is not built: run make labextension (make test builds it)")


def test_jupyter_lists_it_enabled_and_ok() -> None:
    listed = subprocess.run([SCRIPTS / "jupyter", "labextension", "list"], capture_output=True,
                            text=True, check=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    assert re.search(rf"{re.escape(NAME)} v\S+ enabled OK \(python, tinytorch\)", plain), plain


def test_a_student_lab_serves_it_without_nbgrader_ui(tmp_path: Path) -> None:
    """JupyterLab with the course labs' ``labconfig`` (``tito/jupyter_config``, which every
    lab reads, laptop or hub) loads the extension (its page config lists it, its remote
    entry is served) and leaves nbgrader's lab extension off."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "tito" / "jupyter_config" / "labconfig", config / "labconfig")
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(config), "JUPYTER_TOKEN": TOKEN,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "user-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    command = [SCRIPTS / "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", "--allow-root", f"--ServerApp.root_dir={tmp_path}"]
    with running(command, env, tmp_path / "lab.log",
                 ready=lambda: request_json(port, "/api/status", TOKEN)):
        page = get(port, "/lab")
        found = re.search(r'<script id="jupyter-config-data" type="application/json">'
                          r"(.*?)</script>", page, re.S)
        assert found, page
        page_config = json.loads(found.group(1))
        [ours] = [e for e in page_config["federated_extensions"] if e["name"] == NAME]
        assert "@jupyter/nbgrader" in page_config["disabledExtensions"]
        entry = get(port, f"/lab/extensions/{NAME}/{ours['load']}")
        assert NAME in entry


def get(port: int, path: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")
