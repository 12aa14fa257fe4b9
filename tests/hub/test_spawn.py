"""Starting labs: when a whole class starts at once they take turns, and the spawn page
says where each one is; a student's home not as the course left it still gets its lab; a
lab that dies while starting fails its spawn at once (JupyterHub alone would wait
``http_timeout`` for it) and can start again once the cause is gone."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from traitlets.config import Config

from hub_config.spawner import SandboxedSpawner
from sandbox.errors import SandboxError
from tests.hub.client import Hub, running_hub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The course hub, with one lab starting at a time."""
    root = tmp_path_factory.mktemp("hub")
    config = root / "one_start_at_a_time.py"
    config.write_text("c.SandboxedSpawner.concurrent_starts = 1\n", encoding="utf-8")
    with running_hub(root / "state", dict(os.environ), root / "hub.log",
                     config=config) as running:
        yield running


def test_labs_started_at_once_take_turns_and_the_waiting_see_their_place(hub: Hub) -> None:
    students = ["alice", "bob", "carol"]
    tokens = {student: hub.token(student) for student in students}  # logged in before

    def spawn_page(student: str) -> list[str]:
        """What the spawn page shows: the progress events while the spawn request (which
        the hub answers once the lab is up, or after 10 s) is pending."""
        def pending() -> bool:
            model = hub.call(tokens[student], "GET", f"/hub/api/users/{student}").json()
            return bool(model["servers"].get("", {}).get("pending"))

        with ThreadPoolExecutor(1) as request:
            answer = request.submit(hub.call, tokens[student], "POST",
                                    f"/hub/api/users/{student}/server")
            while not answer.done() and not pending():
                time.sleep(0.05)
            messages: list[str] = []
            hub.wait_for_lab(student, 120, messages)
            assert answer.result().status_code in (201, 202)
        return messages

    with ThreadPoolExecutor(len(students)) as pool:
        messages = dict(zip(students, pool.map(spawn_page, students), strict=True))
    waits = [re.fullmatch(r"Waiting for your turn: (\d) labs? starts? before yours", m)
             for student in students for m in messages[student]]
    # one slot: two of the three waited, seeing 1 or 2 starts ahead of theirs
    waited = [s for s in students if any(m.startswith("Waiting") for m in messages[s])]
    assert len(waited) == 2, messages
    assert {int(found[1]) for found in waits if found} <= {1, 2}
    assert all(messages[s][-1] == f"Server ready at /user/{s}/" for s in students)
    for student in students:
        hub.stop_lab(student)


def test_a_home_that_cannot_be_prepared_still_gets_its_lab(hub: Hub) -> None:
    hub.start_lab("alice")
    hub.stop_lab("alice")
    (hub.state.homes / "alice" / "modules").rename(hub.state.homes / "alice" / "my-modules")
    in_the_way = hub.state.homes / "alice" / "modules"
    in_the_way.write_text("my notes", encoding="utf-8")

    hub.start_lab("alice")
    listing = hub.call(hub.token("alice"), "GET", "/user/alice/api/contents/my-modules")
    assert listing.status_code == 200
    assert "01_tensor" in {item["name"] for item in listing.json()["content"]}
    assert in_the_way.read_text(encoding="utf-8") == "my notes"
    hub.stop_lab("alice")


def test_modules_in_a_home_named_like_the_toolings_do_not_stop_the_lab(hub: Hub) -> None:
    """The lab's own programs start in the student's home: a student's file there named
    like a module they import (course.py, nbformat.py) must not be imported in its place."""
    home = hub.state.homes / "carol"
    home.mkdir(parents=True, exist_ok=True)
    for name in ("course", "tito", "sandbox", "nbformat"):
        (home / f"{name}.py").write_text("raise SystemExit('the wrong module')\n",
                                         encoding="utf-8")
    assert hub.start_lab("carol") == "/user/carol/"
    listing = hub.call(hub.token("carol"), "GET", "/user/carol/api/contents/course.py")
    assert listing.status_code == 200
    hub.stop_lab("carol")


def test_a_lab_that_dies_while_starting_fails_its_spawn_at_once(hub: Hub) -> None:
    hub.start_lab("bob")
    hub.stop_lab("bob")
    home = hub.state.homes / "bob"
    config = home / ".jupyter" / "jupyter_server_config.py"  # as bob could write it himself
    config.parent.mkdir(exist_ok=True)
    config.write_text("import os\nos._exit(3)\n", encoding="utf-8")
    for path in (config.parent, config):
        os.chown(path, home.stat().st_uid, home.stat().st_gid)

    # answered by the failed spawn itself, not a 202 "pending" while the hub waits out
    # http_timeout (300 s) for a lab that is gone
    answer = hub.call(hub.token("bob"), "POST", "/hub/api/users/bob/server")
    assert answer.status_code == 500
    assert "bob's lab exited with status 3 while starting" in answer.json()["message"]
    assert hub.call(hub.token("bob"), "GET", "/hub/api/users/bob").json()["servers"] == {}

    config.unlink()
    assert hub.start_lab("bob") == "/user/bob/"


def test_the_hubs_settings_are_the_labs_limits_and_sandbox() -> None:
    config = Config()
    config.Spawner.mem_limit = "3G"
    config.Spawner.cpu_limit = 1.5
    config.LabSandbox.process_limit = 100
    config.Sandbox.cgroup_parent = "course-labs"
    spawner = SandboxedSpawner(config=config)
    limits = spawner.limits()
    assert (limits.memory, limits.cpus, limits.processes, limits.cgroup_parent) == (
        3 * 1024**3, 1.5, 100, "course-labs")
    assert limits.cpu_time is None  # a lab runs for as long as the student works

    config.Sandbox.bwrap = "/nonexistent/bwrap"
    with pytest.raises(SandboxError, match="bubblewrap is not installed"):
        SandboxedSpawner(config=config).sandbox.check()
