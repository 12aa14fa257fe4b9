"""``make hub``: prepare the state directory and the course, then run JupyterHub.

Runs in the foreground; Ctrl-C stops the hub, which stops the proxy, the grading service
and every lab it started.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import time
import tomllib
from collections.abc import Collection
from dataclasses import fields
from pathlib import Path

import click
import psutil
from rich.console import Console
from rich.table import Table
from traitlets.config import Config, PyFileConfigLoader

from grading_service.auth import SERVICE_NAME
from grading_service.core.jobs import JobStore
from hub_config.roles import GROUPS
from hub_config.services import RUNNER_NAME, give_to_service, pid_file
from hub_config.state import (
    DEFAULT_STATE,
    DEMO_NAMES,
    DEMO_ROSTER,
    HUB_CONFIG,
    STATE_VARIABLE,
    HubSettings,
    HubState,
)
from hub_config.supervisor import SUPERVISOR
from sandbox.bubblewrap import Sandbox
from tito.authoring.export import authored
from tito.errors import USER_ERRORS, TitoError
from tito.grading.course_dir import CourseDir
from tito.manifest import load_course
from tito.project import Paths

console = Console(highlight=False)
PROXY = "configurable-http-proxy"
USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
LEFTOVER_STOP_SECONDS = 15  # a service's own shutdown, before it is killed


def proxy_command() -> str:
    """configurable-http-proxy: on PATH, or where ``make hub`` installs it (npm)."""
    installed = Path(sys.prefix) / "node" / "node_modules" / ".bin" / PROXY
    found = shutil.which(PROXY) or (str(installed) if installed.exists() else None)
    if not found:
        raise TitoError(f"{PROXY} is not installed: run 'make hub' (it installs it with npm), "
                        f"or 'npm install --prefix {sys.prefix}/node {PROXY}'")
    return found


def read_roster(path: Path | None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Group → user names, and user name → [first name, last name], from a TOML file::

        instructor = ["ada"]
        ta = ["grace"]
        student = ["alan", "edsger"]

        [names]  # optional, for formgrader and the grades
        alan = { first = "Alan", last = "Turing" }

    The demo class when there is no file."""
    if path is None:
        return dict(DEMO_ROSTER), dict(DEMO_NAMES)
    try:
        roster = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TitoError(f"{path}: cannot read the roster: {error}") from None
    names = _read_names(path, roster.pop("names", {}))
    for group, users in roster.items():
        if group not in GROUPS:
            raise TitoError(f"{path}: unknown group '{group}': the groups are "
                            f"{', '.join(GROUPS)} (and the table names)")
        bad = ([u for u in users if not isinstance(u, str) or not USER_NAME.fullmatch(u)]
               if isinstance(users, list) else users)
        if bad:
            raise TitoError(f"{path}: {group} must be a list of user names (lowercase "
                            f"letters, digits, '-', '_', '.'); not {bad!r}")
    groups = {group: list(roster.get(group, [])) for group in GROUPS}
    unknown = sorted(set(names) - {user for users in groups.values() for user in users})
    if unknown:
        raise TitoError(f"{path}: names has {', '.join(unknown)}, who is in no group: add "
                        "them to a group or remove their names")
    return groups, names


def _read_names(path: Path, table: object) -> dict[str, list[str]]:
    form = '{ first = "...", last = "..." }'
    if not isinstance(table, dict):
        raise TitoError(f"{path}: names must be a table, [names], of user = {form}")
    for user, name in table.items():
        if not (isinstance(name, dict) and set(name) == {"first", "last"}
                and all(isinstance(part, str) for part in name.values())):
            raise TitoError(f"{path}: names.{user} must be {form}; not {name!r}")
    return {user: [name["first"], name["last"]] for user, name in table.items()}


def hub_config(local_config: str) -> Config:
    """The settings of the hub's own ``local_config`` file (none: empty), for what the
    launcher checks before the hub reads them (``c.Sandbox.bwrap``)."""
    if not local_config:
        return Config()
    path = Path(local_config)
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def default_local_config() -> str:
    """``hub_config/local_config.py`` if there is one (it is outside git), else nothing."""
    local_config = HUB_CONFIG / "local_config.py"
    return str(local_config) if local_config.exists() else ""


def _ports(settings: HubSettings) -> dict[str, int]:
    """The command-line option → port of every port the hub listens on."""
    return {"--" + field.name.replace("_", "-"): getattr(settings, field.name)
            for field in fields(settings) if field.name.endswith("port")}


def _lowest_unprivileged_port() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text())


def _command_line(pid: int) -> list[str]:
    """Process ``pid``'s arguments; none when it is gone (or a zombie)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _command_line(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _stop_leftover(pid: int) -> None:
    """Stop a service's supervisor (it stops the service) and, if it does not end in
    time, kill its process group: the supervisor leads one (JupyterHub starts services
    in a session of their own) that its service is in."""
    os.kill(pid, signal.SIGTERM)
    if not _until_gone(pid, LEFTOVER_STOP_SECONDS):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
        _until_gone(pid, 5)


def take_over(state: HubState) -> set[int]:
    """Clear what a hub on ``state`` that crashed (kill -9, a power cut) left: stop its
    grading service's processes (found by their supervisors' pid files, and only if the
    process there is that supervisor), and drop a proxy pid file that names some other
    process (JupyterHub stops the process it names). Returns the ports its proxy, if still
    running, holds: JupyterHub stops that proxy as it starts. A hub still running on
    ``state`` is an error."""
    hub = _pid_in(state.hub_pid_file)
    if hub and hub != os.getpid() and "hub_config" in _command_line(hub):
        raise TitoError(f"a hub is already running on {state.root} (pid {hub}): stop it "
                        f"(Ctrl-C where it runs, or kill {hub}) before starting another")
    for name in (SERVICE_NAME, RUNNER_NAME):
        path = pid_file(state, name)
        pid = _pid_in(path)
        if pid and {SUPERVISOR, str(path)} <= set(_command_line(pid)):
            console.print(f"stopping the {name} service a previous hub left running "
                          f"(pid {pid})")
            _stop_leftover(pid)
        path.unlink(missing_ok=True)
    proxy = _pid_in(state.proxy_pid_file)
    if proxy is None:
        return set()
    if not any(PROXY in part for part in _command_line(proxy)):
        state.proxy_pid_file.unlink(missing_ok=True)  # not ours: never to be stopped
        return set()
    try:
        return {connection.laddr.port for connection in
                psutil.Process(proxy).net_connections("inet")
                if connection.status == psutil.CONN_LISTEN}
    except psutil.Error:
        return set()


def check_ports(settings: HubSettings, ours: Collection[int] = ()) -> None:
    """A clear error for a port something else holds (before JupyterHub hides it in a log),
    or one below 1024 without root; a warning for a port that anyone may bind. Ports in
    ``ours`` are held by a proxy the hub replaces (:func:`take_over`)."""
    unprivileged = _lowest_unprivileged_port()
    ports = _ports(settings)
    if os.geteuid() != 0 and min(ports.values()) < unprivileged:
        raise TitoError(f"ports below {unprivileged} need root: run 'make hub' as root "
                        "(labs and grading then run as users of their own), or pass "
                        "--port 8000 --hub-port 8081 --proxy-api-port 8001 --grader-port 8090")
    for option, port in ports.items():
        address = settings.ip if option == "--port" else "127.0.0.1"  # the public one: --ip
        with socket.socket() as probe:
            if port in ours:
                continue
            # As the servers do: a connection of a hub that just stopped (TIME_WAIT) does
            # not keep the port from being listened on.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, port))
            except OSError:
                raise TitoError(f"port {port} is in use: stop what listens there, or pass "
                                f"{option} with a free port") from None
        if os.geteuid() == 0 and port >= unprivileged:
            console.print(f"[yellow]warning:[/] {option} {port}: any process may listen on "
                          "it while the hub's service there is down (a student's too): use a "
                          f"port below {unprivileged}")


def prepare_course(state: HubState, settings: HubSettings, paths: Paths) -> list[str]:
    """The course directory and exchange of the hub, with the roster's students in the
    gradebook and every authored module (of the course ``paths`` names) generated and
    released (once; instructors release again from the dashboard). Returns the modules
    released now."""
    course = load_course(paths.course_toml)
    course_dir = CourseDir(state.course, course, paths.modules_dir, state.exchange,
                           gradebook=settings.gradebook_url or None)
    course_dir.init()
    course_dir.enroll(settings.roster["student"], settings.names)
    released = course_dir.api().get_released_assignments()
    newly = []
    for module in authored(course, paths.modules_dir):
        if module.id not in released:
            course_dir.generate(module)
            course_dir.release(module)
            newly.append(module.id)
    return newly


def show_accounts(settings: HubSettings, passwords: dict[str, str]) -> None:
    table = Table("role", "user", "password", title=f"TinyTorch hub: {settings.public_url}")
    for role, members in settings.roster.items():
        for user in members:
            table.add_row(role, user, passwords[user])
    console.print(table)
    console.print("Ctrl-C stops the hub and everything it started.")


@click.command()
@click.option("--state", "state_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_STATE, show_default=True,
              help="Folder for everything the hub writes (secrets, databases, course, homes).")
@click.option("--port", default=HubSettings.port, show_default=True, help="Public port on --ip.")
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--hub-port", default=HubSettings.hub_port, show_default=True,
              help="The hub's internal API.")
@click.option("--proxy-api-port", default=HubSettings.proxy_api_port, show_default=True,
              help="The proxy's API.")
@click.option("--grader-port", default=HubSettings.grader_port, show_default=True,
              help="The grading service.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="TOML file of the class: instructor = [...], ta = [...], student = [...] "
                   "(default: the demo class). Each account gets a generated password.")
@click.option("--config", "local_config", type=click.Path(dir_okay=False, exists=True,
                                                           path_type=Path),
              help="JupyterHub settings of your own, loaded after the course's: another "
                   "authenticator (OAuth, LTI), say [default: hub_config/local_config.py "
                   "if there is one].")
@click.option("--db-url", envvar="TITO_HUB_DB_URL", default="", metavar="URL",
              help="The hub's database (SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@"
                   "host:5432/hub) [default: TITO_HUB_DB_URL, else SQLite in --state].")
@click.option("--gradebook-url", envvar="TITO_GRADEBOOK_URL", default="", metavar="URL",
              help="The course's gradebook (SQLAlchemy URL) [default: TITO_GRADEBOOK_URL, "
                   "else SQLite in the course directory].")
@click.option("--prepare-only", is_flag=True, help="Prepare everything, do not start the hub.")
def main(state_dir: Path, port: int, ip: str, hub_port: int, proxy_api_port: int,
         grader_port: int, roster: Path | None, local_config: Path | None, db_url: str,
         gradebook_url: str, prepare_only: bool) -> None:
    """Run the course hub on http://IP:PORT with demo accounts (an instructor, a TA and
    three students), preparing the course on first start."""
    try:
        local = str(local_config.resolve()) if local_config else default_local_config()
        config = hub_config(local)
        if "services" not in config.JupyterHub:  # the grading service runs in bubblewrap here
            Sandbox(config=config).check()
        groups, names = read_roster(roster)
        settings = HubSettings(ip=ip, port=port, hub_port=hub_port,
                               proxy_api_port=proxy_api_port, grader_port=grader_port,
                               proxy_command=proxy_command(), roster=groups, names=names,
                               local_config=local, db_url=db_url,
                               gradebook_url=gradebook_url)
        state = HubState(state_dir.resolve())
        if not prepare_only:  # preparing again beside a running hub is fine
            check_ports(settings, ours=take_over(state))
        state.ensure()
        state.save_settings(settings)
        for module_id in prepare_course(state, settings, Paths.from_env()):
            console.print(f"released {module_id}")
        JobStore(state.jobs_database)
        give_to_service(state, settings.grader_uid)
        show_accounts(settings, state.passwords(settings.roster))
    except USER_ERRORS as error:
        console.print(f"[red]error:[/] {error}")
        sys.exit(1)
    if prepare_only:
        return
    run_jupyterhub(state)


def run_jupyterhub(state: HubState) -> None:
    """JupyterHub on ``state``, in this process: it keeps the slow imports the launcher
    skipped (:mod:`sandbox.startup`), a second and a half off every start of the hub."""
    from jupyterhub.app import main

    # A shell that starts us in the background (``make hub &``) ignores SIGINT, and every
    # server we start would inherit that; the hub stops the grading service and the labs
    # with SIGINT and would then wait out their interrupt timeouts, one by one.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(state.root)
    os.environ.update({STATE_VARIABLE: str(state.root), "PYTHONIOENCODING": "utf-8"})
    main(["-f", str(HUB_CONFIG / "jupyterhub_config.py")])
