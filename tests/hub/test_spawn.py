"""Starting a student's lab when their home is not as the course left it: a workspace that
cannot be prepared still gets its lab, and a lab that dies while starting fails its spawn
at once (JupyterHub alone would wait ``http_timeout`` for it) and can start again once
the cause is gone."""

from __future__ import annotations

import os

import pytest
from traitlets.config import Config

from hub_config.spawner import SandboxedSpawner
from sandbox.errors import SandboxError
from tests.hub.client import Hub

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]


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
    config.parent.mkdir()
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
