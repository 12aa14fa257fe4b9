"""A lab's confinement and limits, from code in the student's kernel, in a hub with small
limits set as an instructor would (JupyterHub's ``c.Spawner.mem_limit``, the lab sandbox's
``c.LabSandbox.*`` and ``c.SandboxedSpawner.*`` in a config file): no
capability, no user namespace, the seccomp filter, a bounded /tmp, a bounded home, and
memory bounded for all the lab's processes together."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import cgroups
from sandbox.bubblewrap import group_name
from tests.confinement import assert_confined, memory_hogs_code, probe_code
from tests.hub.client import Hub, running_hub

pytestmark = pytest.mark.slow

MIB = 1024**2
SETTINGS = f"""
c.Spawner.mem_limit = "2G"
c.LabSandbox.tmp_size = {16 * MIB}
c.SandboxedSpawner.home_size_limit = {64 * MIB}
"""
FILL = """
import json
outcomes = {}
for path, size in SIZES.items():
    try:
        with open(path, "wb") as stream:
            for _ in range(size // 2**20):
                stream.write(b"x" * 2**20)
        outcomes[path] = "written"
    except OSError as error:
        outcomes[path] = error.errno
print(json.dumps(outcomes))
"""
@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub")
    config = root / "limits_config.py"
    config.write_text(SETTINGS, encoding="utf-8")
    with running_hub(root / "state", dict(os.environ), root / "hub.log",
                     config=config) as running:
        yield running


@pytest.fixture(scope="module")
def kernel(hub: Hub) -> str:
    hub.start_lab("alice")
    return hub.start_kernel("alice")


def test_a_lab_holds_no_capability_and_no_way_into_the_kernel(hub: Hub, kernel: str) -> None:
    assert_confined(hub.execute("alice", kernel, probe_code()))


def test_jupyterhubs_mem_limit_is_each_lab_process_address_space(hub: Hub,
                                                                 kernel: str) -> None:
    limit = hub.execute("alice", kernel,
                        "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])")
    assert int(limit) == 2 * 1024**3


def test_a_labs_tmp_and_home_fill_up_at_their_size(hub: Hub, kernel: str) -> None:
    sizes = {"/tmp/big": 32 * MIB, "/home/alice/big": 96 * MIB}
    outcomes = json.loads(hub.execute("alice", kernel, f"SIZES = {sizes!r}\n{FILL}"))
    assert outcomes == {path: errno.ENOSPC for path in sizes}
    assert os.path.ismount(hub.state.homes / "alice")  # her own file system, on the host too
    hub.execute("alice", kernel, "import os; os.remove('/home/alice/big')")


@pytest.mark.skipif("cpu" not in getattr(cgroups.hierarchy(), "folders", {}),
                    reason="needs root and the cgroup cpu controller")
def test_the_labs_together_weigh_as_one_against_the_hub_for_cpu(hub: Hub, kernel: str) -> None:
    """A lab's processes are in the cpu controller's group under the course's parent, with
    no quota: all the labs then share one CPU weight against the hub's own threads, which a
    class starting its labs or running its cells cannot starve."""
    uid = int(hub.execute("alice", kernel, "import os; print(os.getuid())"))
    found = cgroups.hierarchy()
    assert found is not None
    group = found.folders["cpu"] / hub.cgroup_parent / group_name(uid)
    members = (group / "cgroup.procs").read_text(encoding="ascii").split()
    assert len(members) >= 2  # the lab's server and its kernel, at least
    hub_groups = Path(f"/proc/{hub.process.pid}/cgroup").read_text(encoding="ascii")
    assert hub.cgroup_parent not in hub_groups


@pytest.mark.skipif(cgroups.hierarchy() is None, reason="needs root and cgroup controllers")
def test_a_labs_processes_together_stay_within_its_memory(hub: Hub, kernel: str) -> None:
    # six children of 400 MiB, each far below the per-process limit, in a lab of 2 GiB
    killed = int(hub.execute("alice", kernel, memory_hogs_code(6, 400)))
    assert 0 < killed < 6
    assert hub.execute("alice", kernel, "print('alive')").strip() == "alive"

    uid = int(hub.execute("alice", kernel, "import os; print(os.getuid())"))
    found = cgroups.hierarchy()
    assert found is not None
    groups = found.groups(hub.cgroup_parent, group_name(uid))
    assert all(group.exists() for group in groups)
    hub.stop_lab("alice")
    assert not any(group.exists() for group in groups)  # removed with the lab


def test_a_home_made_before_the_limit_keeps_working_unlimited(hub: Hub) -> None:
    home = hub.state.homes / "bob"
    home.mkdir(parents=True)
    (home / "notes.txt").write_text("mine", encoding="utf-8")
    os.chmod(home, 0o777)  # any lab uid may use it, as its own would be

    hub.start_lab("bob")
    kernel = hub.start_kernel("bob")
    assert hub.execute("bob", kernel, "print(open('/home/bob/notes.txt').read())") == "mine\n"
    assert not os.path.ismount(home)
    assert "predates the home size limit" in Path(hub.log).read_text(encoding="utf-8")
