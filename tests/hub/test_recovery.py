"""Crashes the course recovers from by itself. The hub killed with SIGKILL: ``make hub``
started again on the same state directory and ports replaces the proxy and the grading
service it left running; alice's lab, which died with the hub (bubblewrap's
--die-with-parent), is marked stopped, and started again it has her files. The
grading service's web process killed during an autograde: it answers again within 10 s,
the job ends with exact scores, and a hand-in from a lab while it is down gets the clear
message, then goes through."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub_config.services import pid_file
from hub_config.state import HubState
from tests.hub.client import SERVICE, WEB, Hub, running_hub
from tests.hub.course import fetch, hand_in, run_job, start_job, wait_for_job, worked
from tests.hub.test_faults import MODULE, STUDENTS, grades, wait_until_graded_one
from tests.processes import family, process_table
from tests.servers import running
from tito.panel.service import RESTARTING

pytestmark = pytest.mark.slow

NOTE = "crash-note.txt"


def answers(url: str) -> bool:
    """Whether the hub's API and, through the proxy, the grading service answer."""
    try:
        return all(requests.get(f"{url}{path}", timeout=5).status_code == 200
                   for path in ("/hub/api/", f"{SERVICE}/api/health"))
    except requests.ConnectionError:
        return False


def alive(processes: dict[int, tuple[int, str]]) -> set[int]:
    """Those of ``processes`` still running (the same processes: same start times)."""
    table = process_table()
    return {pid for pid, (started, _) in processes.items()
            if pid in table and table[pid][1] == started}


def relaunch_command(hub: Hub) -> list[str]:
    """``make hub`` again, as the first launch (tests.hub.client) ran it: same state
    directory, ports and settings file."""
    settings = hub.state.settings()
    return [sys.executable, "-m", "hub_config", "--state", str(hub.state.root),
            "--port", str(settings.port), "--hub-port", str(settings.hub_port),
            "--proxy-api-port", str(settings.proxy_api_port),
            "--grader-port", str(settings.grader_port), "--config", settings.local_config]


def test_make_hub_after_a_hub_killed_with_sigkill_gets_alice_her_lab(tmp_path: Path) -> None:
    with running_hub(tmp_path / "state", dict(os.environ), tmp_path / "hub.log") as hub:
        lab = hub.start_lab("alice")
        token = hub.token("alice")
        saved = hub.call(token, "PUT", f"{lab}api/contents/{NOTE}",
                         json={"type": "file", "format": "text", "content": "before"})
        assert saved.status_code in (200, 201), saved.text
        before = family(hub.process.pid)
        os.kill(hub.process.pid, signal.SIGKILL)
        hub.process.wait()
        try:
            proxy = int(hub.state.proxy_pid_file.read_text())
            assert proxy in alive(before), "the proxy outlives the hub, holding the port"

            def ready() -> None:
                if not answers(hub.url):
                    raise OSError("not answering yet")

            started = time.monotonic()
            with running(relaunch_command(hub), dict(os.environ), tmp_path / "again.log",
                         ready, timeout=180):
                print(f"hub answering again {time.monotonic() - started:.1f} s after "
                      "'make hub'")
                again = tmp_path.joinpath("again.log").read_text(encoding="utf-8")
                assert "stopping the grader service a previous hub left running" in again
                assert f"Stopped proxy at pid={proxy}" in again
                assert alive(before) == set(), "nothing of the old hub runs on"
                assert "alice appears to have stopped while the Hub was down" in again
                assert hub.start_lab("alice") == lab
                note = hub.call(token, "GET", f"{lab}api/contents/{NOTE}")
                assert note.status_code == 200, note.text
                assert note.json()["content"] == "before"
        finally:  # whatever a failed relaunch left
            for pid in alive(before):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub")
    with running_hub(root / "state", dict(os.environ), root / "hub.log") as running_:
        yield running_


def back_after(hub: Hub, since: float) -> float:
    """Seconds from ``since`` until the grading service answers again (at most 60)."""
    while not answers(hub.url):
        assert time.monotonic() - since < 60, "the grading service did not come back"
        time.sleep(0.1)
    return time.monotonic() - since


def test_the_grading_service_killed_during_autograde_is_back_within_10_s(hub: Hub) -> None:
    for student in STUDENTS:
        hand_in(hub, student, MODULE, worked(hub, MODULE, fetch(hub, student, MODULE), "all"))
    run_job(hub, MODULE, "collect")
    job = wait_until_graded_one(hub, start_job(hub, MODULE, "autograde", {"workers": 1}))
    web = hub.service_process(WEB)
    killed = time.monotonic()
    os.kill(web, signal.SIGKILL)
    seconds = back_after(hub, killed)
    print(f"grading service answering again {seconds:.1f} s after SIGKILL")
    assert seconds < 10
    assert hub.service_process(WEB) != web
    finished = wait_for_job(hub, job)
    assert finished["state"] == "succeeded", finished
    assert grades(hub) == dict.fromkeys(STUDENTS, 70.0)
    log = hub.log.read_text(encoding="utf-8")
    assert re.search(r"service grader exited with status \d+: starting it again in 0\.5 s "
                     r"\(restart 1\)", log)


def test_a_hand_in_while_the_grading_service_is_down_says_so_then_goes_through(
        hub: Hub) -> None:
    lab = hub.start_lab("bob")
    supervisor = int(pid_file(HubState(hub.state.root), "grader").read_text())
    web = hub.service_process(WEB)
    os.kill(supervisor, signal.SIGSTOP)  # down, and kept down while bob hands in
    try:
        os.kill(web, signal.SIGKILL)
        refused = hub.call(hub.token("bob"), "POST",
                           f"{lab}tinytorch/api/modules/{MODULE}/submit", timeout=120)
    finally:
        os.kill(supervisor, signal.SIGCONT)
        continued = time.monotonic()
    assert refused.status_code == 503, refused.text
    assert refused.json()["message"] == RESTARTING
    print(f"grading service answering again {back_after(hub, continued):.1f} s after "
          "its supervisor noticed")
    accepted = hub.call(hub.token("bob"), "POST",
                        f"{lab}tinytorch/api/modules/{MODULE}/submit", timeout=120)
    assert accepted.status_code == 200, accepted.text
