"""The grading service's two processes, as JupyterHub managed services.

- ``grader``, the web service (Jupyter Server: the APIs, the dashboard, formgrader): what
  the network reaches, so it holds no rights. It runs in a bubblewrap sandbox as an
  unprivileged uid (``grader_uid``) that keeps one capability, binding its port below
  1024. It sees the course directory and the exchange read-only, and writes only its own
  folder (the job queue), the gradebook's folder and the exchange's inbound (hand-ins). The
  hub's secrets, its database and the students' homes do not exist there.
- ``grader-runner``, the job runner (:mod:`grading_service.core.runner`): root, because it
  starts grading sandboxes, each as a uid of its own. It listens on nothing and takes
  work only from the job queue's database.

Each runs under a supervisor (:mod:`hub_config.supervisor`), the process JupyterHub sees,
which starts the service again at once when it dies and writes its pid to the state
directory (:func:`pid_file`), where the launcher finds what a crashed hub left running.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grading_service.auth import CUSTOM_SCOPES, SERVICE_NAME
from hub_config.state import HubSettings, HubState
from hub_config.supervisor import SUPERVISOR
from sandbox.bubblewrap import Sandbox, confine
from tito.exchange import COURSE_ID
from tito.grading.batch import SLOT_VARIABLE, current_slot
from tito.grading.course_dir import gradebook_path
from tito.project import CONTENT_PACKAGE, PROJECT_ROOT

RUNNER_NAME = "grader-runner"
RUNTIME_DIR = "/tmp/jupyter-runtime"  # in the service's private /tmp


def pid_file(state: HubState, name: str) -> Path:
    """Where the supervisor of service ``name`` writes its pid."""
    return state.root / f"{name}.pid"


def supervised(state: HubState, name: str, command: list[str]) -> list[str]:
    """``command`` under its supervisor (:func:`hub_config.supervisor.supervise`)."""
    return [sys.executable, "-m", SUPERVISOR, "--name", name,
            "--pid-file", str(pid_file(state, name)), "--", *command]


def inbound(state: HubState) -> Path:
    """Where the grading service writes students' hand-ins."""
    return state.exchange / COURSE_ID / "inbound"


def service_writable(state: HubState) -> list[Path]:
    """The folders the web service writes, and nothing else."""
    return [state.grader, gradebook_path(state.course).parent, inbound(state)]


def give_to_service(state: HubState, uid: int) -> None:
    """Make the web service's folders (and what is in them) ``uid``'s, owner-only; as
    root only (otherwise everything runs as one user anyway)."""
    if os.geteuid() != 0:
        return
    for folder in service_writable(state):
        folder.mkdir(parents=True, exist_ok=True)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)
        folder.chmod(0o700)
    for database in (state.jobs_database, gradebook_path(state.course)):
        if database.exists():  # no SQLite gradebook when it is on a database server
            database.chmod(0o600)


def _environment(state: HubState, settings: HubSettings) -> dict[str, str]:
    """Both processes' environment: the course, its exchange, when it is not the embedded
    SQLite file, the gradebook's URL (the course's nbgrader_config.py reads it), and the
    hub's own first grading slot if it was given one (:func:`current_slot`)."""
    environment = {"TITO_COURSE_DIR": str(state.course), "TITO_EXCHANGE": str(state.exchange),
                   "PYTHONIOENCODING": "utf-8"}
    if settings.gradebook_url:
        environment["TITO_GRADEBOOK_URL"] = settings.gradebook_url
    if SLOT_VARIABLE in os.environ:
        environment[SLOT_VARIABLE] = str(current_slot())
    return environment


def grader_command(state: HubState, settings: HubSettings, bwrap: str) -> list[str]:
    """The web service's command: ``python -m grading_service`` in its sandbox, made by
    the program ``bwrap``."""
    writable = set(service_writable(state))
    binds = {str(path): (path, path in writable) for path in
             (state.course, *service_writable(state), state.exchange, state.grader_config)}
    course = PROJECT_ROOT / CONTENT_PACKAGE
    binds[str(course)] = (course, False)
    # Mounts are made in order: each folder before the writable ones inside it.
    ordered = dict(sorted(binds.items(), key=lambda item: len(Path(item[0]).parts)))
    service = [sys.executable, "-m", "grading_service", "--state", str(state.grader)]
    return confine(service, binds=ordered, uid=settings.grader_uid, network=True,
                   workdir=str(state.course), python_path=[], packages=["tito", "grading_service"],
                   env={"HOME": str(state.grader), "JUPYTER_RUNTIME_DIR": RUNTIME_DIR,
                        "JUPYTER_CONFIG_DIR": str(state.grader_config)},
                   bwrap=bwrap, clear_env=False, writable_tmp=True,
                   keep_capability="net_bind_service")


def services(state: HubState, settings: HubSettings, grader_url: str,
             sandbox: Sandbox) -> list[dict]:
    """``c.JupyterHub.services``: the web service (in ``sandbox``, the hub's configured
    :class:`Sandbox`) and the job runner."""
    return [{
        "name": SERVICE_NAME,
        "display": True,
        "info": {"description": "Grading dashboard and formgrader"},
        "url": grader_url,
        "api_token": state.secret("grader_token"),
        "command": supervised(state, SERVICE_NAME, grader_command(state, settings,
                                                                  sandbox.check())),
        "cwd": str(state.course),
        "environment": _environment(state, settings),
        "oauth_client_allowed_scopes": list(CUSTOM_SCOPES),
        "oauth_no_confirm": True,  # the course's own service: no "authorize access?" page
    }, {
        "name": RUNNER_NAME,
        "display": False,
        "command": supervised(state, RUNNER_NAME, [
            sys.executable, "-m", "grading_service.core.runner",
            "--jobs", str(state.jobs_database), "--logs", str(state.runner / "logs")]),
        "cwd": str(state.course),
        "environment": _environment(state, settings),
    }]
