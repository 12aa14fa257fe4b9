"""``make hub`` (``python -m hub_config``): a clear error for what would stop it, and
Ctrl-C stops the hub with everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hub_config.state import HubState
from tests.hub.client import hub_command, running_hub
from tests.processes import family, still_running
from tests.servers import free_port
from tito.grading.course_dir import CourseDir
from tito.manifest import Course

pytestmark = pytest.mark.slow


def launch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub_config", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_a_port_in_use_is_named_with_the_option_that_moves_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        port = free_port()
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = launch(*hub_command(tmp_path / "state", free_port())[3:],
                        "--grader-port", str(port))
    assert result.returncode == 1
    assert f"error: port {port} is in use: stop what listens there, or pass --grader-port " \
           "with a free port" in result.stdout


@pytest.mark.parametrize("option, file_text, message", [
    ("--config", 'c.Sandbox.bwrap = "/nonexistent/bwrap"\n', "error: bubblewrap is not installed"),
    ("--roster", 'students = ["ada"]\n',
     "unknown group 'students': the groups are instructor, ta, student"),
], ids=["configured bubblewrap missing", "roster with an unknown group"])
def test_a_launch_that_cannot_start_says_why(tmp_path: Path, option: str, file_text: str,
                                             message: str) -> None:
    given = tmp_path / "given.py"
    given.write_text(file_text, encoding="utf-8")
    result = launch("--state", str(tmp_path / "state"), option, str(given), "--prepare-only")
    assert result.returncode == 1
    assert message in result.stdout


@pytest.mark.parametrize("members", ["3", '"bob"', '["Bob Smith"]'])
def test_a_group_that_is_not_a_list_of_user_names_is_named(tmp_path: Path,
                                                            members: str) -> None:
    roster = tmp_path / "class.toml"
    roster.write_text(f"ta = {members}\n", encoding="utf-8")
    result = launch("--state", str(tmp_path / "state"), "--roster", str(roster),
                    "--prepare-only")
    assert result.returncode == 1
    assert "ta must be a list of user names (lowercase letters, digits, '-', '_', '.')" \
        in result.stdout


def test_the_rosters_students_are_in_the_gradebook_with_their_names(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    roster = tmp_path / "class.toml"
    roster.write_text('instructor = ["ada"]\nstudent = ["alan", "edsger"]\n\n[names]\n'
                      'alan = { first = "Alan", last = "Turing" }\n', encoding="utf-8")
    result = launch("--state", str(tmp_path / "state"), "--roster", str(roster),
                    "--prepare-only")
    assert result.returncode == 0, result.stdout + result.stderr
    state = HubState(tmp_path / "state")
    course_dir = CourseDir(state.course, course, modules_dir, state.exchange)
    with course_dir.gradebook() as gradebook:
        names = {s.id: (s.first_name, s.last_name) for s in gradebook.students}
    assert names == {"alan": ("Alan", "Turing"), "edsger": ("", "edsger")}


@pytest.mark.parametrize(("names", "said"), [
    ('kurt = { first = "Kurt", last = "Gödel" }',
     "names has kurt, who is in no group: add them to a group or remove their names"),
    ('alan = "Alan Turing"',
     'names.alan must be { first = "...", last = "..." }; not \'Alan Turing\''),
])
def test_a_bad_names_table_says_what_to_write(tmp_path: Path, names: str, said: str) -> None:
    roster = tmp_path / "class.toml"
    roster.write_text(f'student = ["alan"]\n\n[names]\n{names}\n', encoding="utf-8")
    result = launch("--state", str(tmp_path / "state"), "--roster", str(roster),
                    "--prepare-only")
    assert result.returncode == 1
    assert said in result.stdout


def test_ctrl_c_stops_the_hub_and_everything_it_started(tmp_path: Path) -> None:
    with running_hub(tmp_path / "state", dict(os.environ), tmp_path / "hub.log") as hub:
        hub.start_lab("alice")
        started = family(hub.process.pid)
        names = {name for _, name in started.values()}
        assert {"node", "bwrap"} <= names, names  # the proxy and alice's sandboxed lab
        os.killpg(hub.process.pid, signal.SIGINT)  # what Ctrl-C sends the foreground group
        assert hub.process.wait(timeout=60) == 0
        assert still_running(started) == []


def ignored_signals(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("SigIgn:")), 16)


def test_a_hub_started_with_ctrl_c_ignored_stops_its_servers_at_once(tmp_path: Path) -> None:
    """``make hub &`` from a script: the shell makes the hub ignore SIGINT, the signal the
    hub stops its servers with; the servers must not inherit that."""
    ignoring_ctrl_c = ["sh", "-c", 'trap "" INT; exec "$@"', "sh"]
    with running_hub(tmp_path / "state", dict(os.environ), tmp_path / "hub.log",
                     launcher=ignoring_ctrl_c) as hub:
        hub.start_lab("alice")
        started = family(hub.process.pid)
        ignoring = {name for pid, (_, name) in started.items()
                    if ignored_signals(pid) & 1 << (signal.SIGINT - 1)}
        assert ignoring == set()
        hub.process.send_signal(signal.SIGTERM)
        assert hub.process.wait(timeout=60) == 0
        assert still_running(started) == []
