"""Privilege separation in a running hub: the web-facing grading service is an
unprivileged uid that cannot read the hub's secrets or database (they do not even exist
in its sandbox), the root job runner listens on nothing, no student process can bind the
address of the hub's API, the proxy or the grading service, and the hub's private files
are owner-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import psutil
import pytest

from hub_config.state import HubSettings
from tests.hub.client import RUNNER, Hub
from tests.processes import process_table
from tito.grading.batch import SLOT_VARIABLE
from tito.grading.course_dir import gradebook_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")]

LISTEN = "0A"  # the state of a listening socket in /proc/net/tcp


def listening_sockets() -> dict[int, int]:
    """Socket inode → the loopback or wildcard TCP port it listens on."""
    ports = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == LISTEN:
            ports[int(fields[9])] = int(fields[1].split(":")[1], 16)
    return ports


def listeners() -> dict[int, set[int]]:
    """Port → the pids of the processes holding its listening socket."""
    sockets = listening_sockets()
    found: dict[int, set[int]] = {}
    for pid in process_table():
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = int(target[8:-1])
                if inode in sockets:
                    found.setdefault(sockets[inode], set()).add(pid)
    return found


def status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, value in (line.split(":", 1) for line in lines)}


def settings(hub: Hub) -> HubSettings:
    return hub.state.settings()


def test_the_web_service_is_unprivileged_and_sees_no_secret(hub: Hub) -> None:
    [service] = listeners()[settings(hub).grader_port]
    identity = status(service)
    uid = int(identity["Uid"].split()[0])
    assert uid == settings(hub).grader_uid != 0
    assert set(identity["Uid"].split()) == {str(uid)}, "real, effective, saved and fs uid"
    assert int(identity["CapEff"], 16) == 1 << 10, "only CAP_NET_BIND_SERVICE, for its port"
    assert identity["NoNewPrivs"] == "1"

    private = [hub.state.secrets / "cookie_secret", hub.state.secrets / "passwords.json",
               hub.state.database]
    for path in private:  # in its sandbox, the hub's private files do not exist at all
        assert not Path(f"/proc/{service}/root{path}").exists(), path
    # ... and outside it they are root's alone (test_the_hubs_private_files_are_owner_only
    # checks the modes), not its uid's.
    assert all(path.stat().st_uid == 0 != uid for path in private)
    seen = Path(f"/proc/{service}/root{gradebook_path(hub.state.course)}")
    assert seen.exists(), "it grades: the gradebook is there"


def test_the_job_runner_is_the_root_part_and_listens_on_nothing(hub: Hub) -> None:
    runner = hub.service_process(RUNNER)
    assert status(runner)["Uid"].split()[0] == "0"
    assert not any(runner in pids for pids in listeners().values())


def test_the_runner_grades_in_the_slots_the_hub_was_given(hub: Hub) -> None:
    # The tests' hubs are given their worker's first slot (tests/conftest.py), as a second
    # course's hub on one machine would be.
    environment = psutil.Process(hub.service_process(RUNNER)).environ()
    assert environment[SLOT_VARIABLE] == os.environ[SLOT_VARIABLE]


def test_the_hubs_private_files_are_owner_only(hub: Hub) -> None:
    state = hub.state
    private = [state.database, gradebook_path(state.course), state.jobs_database,
               *(path for path in state.secrets.rglob("*") if path.is_file())]
    assert len(private) > 5
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(state.secrets.stat().st_mode) == 0o700
    assert gradebook_path(state.course).stat().st_uid == settings(hub).grader_uid
    assert (state.course / "nbgrader_config.py").stat().st_uid == 0, (
        "the configuration root runs stays root's")


SQUAT = """
import errno, json, socket
outcomes = {}
for name, (address, port) in ADDRESSES.items():
    with socket.socket() as squatter:
        try:
            squatter.bind((address, port))
            outcomes[name] = "bound"
        except OSError as error:
            outcomes[name] = errno.errorcode[error.errno]
print(json.dumps(outcomes))
"""


def test_a_student_cannot_take_a_service_address(hub: Hub) -> None:
    """EACCES, not EADDRINUSE: the kernel refuses the port before it looks whether anyone
    listens there, so the answer is the same while the service is down."""
    hub.start_lab("alice")
    kernel = hub.start_kernel("alice")
    ours = settings(hub)
    addresses = {"public (proxy)": (ours.ip, ours.port),
                 "proxy API": ("127.0.0.1", ours.proxy_api_port),
                 "hub API": ("127.0.0.1", ours.hub_port),
                 "grading service": ("127.0.0.1", ours.grader_port),
                 "grading service, any address": ("0.0.0.0", ours.grader_port)}
    code = f"ADDRESSES = {addresses!r}\n{SQUAT}"
    outcomes = json.loads(hub.execute("alice", kernel, code))
    assert outcomes == dict.fromkeys(addresses, "EACCES")
