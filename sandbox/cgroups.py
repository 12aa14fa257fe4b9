"""Memory, process and CPU limits that hold for all of a sandbox's processes together.

``rlimit``s count per process (memory) or per uid (processes); a lab's kernel, terminal
and their children together could still take the machine. A control group per sandbox
bounds them as one. Both layouts are handled: cgroup v2 (one hierarchy at
``/sys/fs/cgroup`` with ``cgroup.controllers``; current hosts) and v1 (a hierarchy per
controller, ``/sys/fs/cgroup/memory``, ``/sys/fs/cgroup/pids``, ``/sys/fs/cgroup/cpu``).
Each sandbox's group is ``<parent>/<name>`` in every hierarchy, under a parent the course
owns; the sandbox joins it through the entry helper (:mod:`sandbox.enter`), which
writes its own pid into each ``cgroup.procs`` before it starts anything, so no child
escapes. Only root can do this: without usable controllers the sandbox keeps its rlimits,
and the reason is logged once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
CPU_SHARES = 1024  # v1's default weight: each sandbox the same
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GroupLimits:
    """What a group's processes may use together; None is no limit."""

    memory: int | None = None
    processes: int | None = None
    cpus: float | None = None


@dataclass(frozen=True)
class Hierarchy:
    """The machine's cgroup layout: ``version`` 2 (one folder) or 1 (a folder per
    controller, keyed by its name)."""

    version: int
    folders: dict[str, Path]

    def groups(self, parent: str, name: str) -> list[Path]:
        """The folders of group ``name`` under ``parent`` (one in v2, one per controller
        in v1)."""
        return sorted({folder / parent / name for folder in self.folders.values()})

    def create(self, parent: str, name: str, limits: GroupLimits) -> list[Path]:
        """Make (or reuse) the group with these limits; the ``cgroup.procs`` files a
        process writes its pid into to join it."""
        if self.version == 2:
            self._delegate(self.folders["memory"] / parent)
        joined = set()
        for controller, folder in self.folders.items():
            settings = self._settings(controller, limits)
            if not settings:  # v1: joining a hierarchy costs each sandbox's start ~3 ms
                continue
            group = folder / parent / name
            group.mkdir(parents=True, exist_ok=True)
            for file, value in settings:
                with contextlib.suppress(FileNotFoundError):  # memsw/swap: no swap accounting
                    (group / file).write_text(value, encoding="ascii")
            joined.add(group / "cgroup.procs")
        return sorted(joined)

    def _delegate(self, parent: Path) -> None:
        # v2 gives a group's children a controller only if every ancestor enables it for
        # its own children.
        parent.mkdir(parents=True, exist_ok=True)
        root = self.folders["memory"]
        wanted = " ".join(f"+{name}" for name in self.folders)
        for folder in (root, parent):
            control = folder / "cgroup.subtree_control"
            if set(self.folders) - set(control.read_text(encoding="ascii").split()):
                control.write_text(wanted, encoding="ascii")

    def _settings(self, controller: str, limits: GroupLimits) -> list[tuple[str, str]]:
        """The files of ``controller`` that set ``limits``, in the order they are written."""
        v2 = self.version == 2
        if controller == "memory" and limits.memory is not None:
            memory = str(limits.memory)
            # Memory and swap together, so the limit holds on a host with swap. v1 refuses
            # a memory limit above the memory+swap one: lift that first.
            return ([("memory.max", memory), ("memory.swap.max", "0")] if v2 else
                    [("memory.memsw.limit_in_bytes", "-1"), ("memory.limit_in_bytes", memory),
                     ("memory.memsw.limit_in_bytes", memory)])
        if controller == "pids" and limits.processes is not None:
            return [("pids.max", str(limits.processes))]
        if controller == "cpu":
            if limits.cpus is None:
                # No quota, but the group all the same (v2 puts every controller there):
                # the course's sandboxes then share one CPU weight, as a whole, against the
                # hub, its proxy and the grading service, which stay responsive while a
                # class starts its labs or runs its cells.
                return [] if v2 else [("cpu.shares", str(CPU_SHARES))]
            quota = str(int(limits.cpus * CPU_PERIOD_US))
            return ([("cpu.max", f"{quota} {CPU_PERIOD_US}")] if v2 else
                    [("cpu.cfs_period_us", str(CPU_PERIOD_US)), ("cpu.cfs_quota_us", quota)])
        return []

    def remove(self, parent: str, name: str, timeout: float = 5.0) -> None:
        """Kill what is left in the group and remove it (once its processes are gone)."""
        deadline = time.monotonic() + timeout
        for group in self.groups(parent, name):
            while group.exists():
                try:
                    group.rmdir()
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY: processes still in it
                    if time.monotonic() > deadline:
                        log.warning("cgroup %s still has processes; left in place", group)
                        break
                    for pid in (group / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    time.sleep(0.02)


def find(root: Path = ROOT) -> Hierarchy | None:
    """The hierarchy whose memory and pids controllers this process can use (and cpu's, if
    there), or None."""
    controllers = root / "cgroup.controllers"
    if controllers.exists():
        available = set(controllers.read_text(encoding="ascii").split())
        names = [name for name in ("memory", "pids", "cpu") if name in available]
        folders = {name: root for name in names}
        version = 2
    else:
        folders = {name: root / name for name in ("memory", "pids", "cpu")
                   if (root / name / "cgroup.procs").exists()}
        version = 1
    if not {"memory", "pids"} <= set(folders):
        return None
    if not all(os.access(folder, os.W_OK) for folder in folders.values()):
        return None
    return Hierarchy(version, folders)


@functools.cache
def hierarchy() -> Hierarchy | None:
    """This machine's usable hierarchy (looked up once); logs once why there is none."""
    found = find()
    if found is None:
        log.warning("no usable cgroup memory and pids controllers (%s; need root and "
                    "cgroup v2 or v1 controllers mounted): sandboxes keep per-process "
                    "limits only", "root" if os.geteuid() == 0 else "not root")
    return found
