"""Each user's JupyterLab as a local process in its own bubblewrap sandbox.

Inside, the lab sees the system, Python and the course tooling read-only, its own home
read-write at ``/home/<name>``, and the released modules read-only; it runs as a uid of
its own (:class:`LabSandbox`'s ``uid_base`` + the user's hub id), named after the user in
the sandbox's ``/etc/passwd`` and ``/etc/group`` (:func:`lab_accounts`). Nothing else of the machine
exists there: not other homes, the course directory with its sources, hidden tests and
gradebook, the grading service's files or the hub's secrets. The home is prepared as a
tito workspace by ``tito lab --releases`` inside the sandbox, with the student's rights,
so a student's symbolic links can never make a privileged process write where they point.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path
from typing import ClassVar

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Instance, Int, Unicode, default

from hub_config.homes import limit_home
from hub_config.start_queue import StartQueue
from sandbox import cgroups
from sandbox.bubblewrap import Limits, Sandbox, confine, group_name
from tito.files import write_atomic
from tito.project import CONTENT_PACKAGE, PROJECT_ROOT

RELEASES = "/srv/releases"
STUDENT_CONFIG = "/opt/tinytorch/jupyter"
LISTEN_POLL_SECONDS = 0.05
# Where a lab's kernels put their Unix sockets (student/jupyter_server_config.py): in the
# lab's private /tmp, on a path short enough for any user name (at most 107 bytes).
RUNTIME_DIR = "/tmp/jupyter-runtime"
SHELL = "/bin/bash"


def lab_accounts(name: str, uid: int, passwd: str, group: str) -> tuple[str, str]:
    """A lab's ``/etc/passwd`` and ``/etc/group`` from the host's: the lab user (uid and
    gid ``uid``) in place of any entry with their name or id, so ``whoami``, ``id`` and the
    shell's prompt name the student, and only them."""

    def others(text: str) -> list[str]:
        # Field 3 is the uid in passwd and the gid in group.
        return [line for line in text.splitlines()
                if (fields := line.split(":"))[0] != name and fields[2:3] != [str(uid)]]

    user = f"{name}:x:{uid}:{uid}::/home/{name}:{SHELL}"
    return ("\n".join([*others(passwd), user]) + "\n",
            "\n".join([*others(group), f"{name}:x:{uid}:"]) + "\n")


class LabStartError(RuntimeError):
    """A lab that could not start; its message is what the user sees."""

    @property
    def jupyterhub_message(self) -> str:  # what JupyterHub shows instead of a bare 500
        return str(self)


class LabSandbox(Sandbox):
    """The sandbox of a lab: :class:`Sandbox`'s settings (``c.Sandbox.bwrap``,
    ``c.Sandbox.cgroup_parent``, ... apply to labs too), with defaults of its own for what a
    lab needs more of than a grading run (``c.LabSandbox.process_limit``, ...). Its memory
    and CPUs are JupyterHub's own ``c.Spawner.mem_limit`` and ``c.Spawner.cpu_limit``; its
    time is unlimited. Labs run as ``uid_base`` + the user's hub id (as root): apart from
    the grading slots' uids."""

    @default("uid_base")
    def _uid_base_default(self) -> int:
        return 61000

    @default("process_limit")
    def _process_limit_default(self) -> int:
        return 512

    @default("file_size_limit")
    def _file_size_limit_default(self) -> int:
        return 1024**3

    @default("tmp_size")
    def _tmp_size_default(self) -> int:
        return 256 * 1024**2


class SandboxedSpawner(LocalProcessSpawner):
    """A lab per user, sandboxed; users need no account on the machine."""

    homes = Unicode(help="Folder with one home per user (created as needed).").tag(config=True)
    releases = Unicode(help="Folder of released modules (<id>/<id>.ipynb), shown read-only "
                       "to labs: a new home starts with these notebooks.").tag(config=True)
    student_config = Unicode(str(files("hub_config") / "student"),
                             help="Jupyter configuration folder every lab reads (read-only)."
                             ).tag(config=True)
    grader_url = Unicode(help="The grading service, as labs reach it.").tag(config=True)
    accounts = Unicode(help="Folder of each lab's /etc/passwd and /etc/group (a subfolder "
                       "per user, rewritten at every start; labs see only their own). "
                       "Default: 'lab-accounts' beside the homes.").tag(config=True)
    home_size_limit = Int(2 * 1024**3, help="Size of each home, in bytes: an ext4 image "
                          "per home, loop-mounted (needs root). 0: no limit. Applies to "
                          "homes made after it is set.").tag(config=True)
    home_images = Unicode(help="Folder of the homes' images. Default: 'home-images' beside "
                          "the homes.").tag(config=True)
    sandbox = Instance(LabSandbox, help="The labs' sandbox: its settings are c.LabSandbox.* "
                       "and c.Sandbox.* (config of this spawner's, passed down).")
    concurrent_starts = Int(help="Labs starting at the same time; more wait their turn, "
                            "first come, first served, and their spawn page says how many "
                            "are ahead. Default: the machine's cores.").tag(config=True)
    # One queue for the whole hub, made by the first lab to start.
    _start_queue: ClassVar[StartQueue | None] = None

    @default("concurrent_starts")
    def _concurrent_starts_default(self) -> int:
        return len(os.sched_getaffinity(0))

    @default("sandbox")
    def _sandbox_default(self) -> LabSandbox:
        return LabSandbox(parent=self)

    @default("mem_limit")
    def _mem_limit_default(self) -> int:
        # JupyterHub's own setting, enforced here: all the lab's processes together (a
        # cgroup), and each one's address space.
        return 4 * 1024**3

    @default("home_images")
    def _home_images_default(self) -> str:
        return str(Path(self.homes).with_name("home-images"))

    @default("accounts")
    def _accounts_default(self) -> str:
        return str(Path(self.homes).with_name("lab-accounts"))

    @property
    def uid(self) -> int:
        return self.sandbox.uid_base + self.user.id if os.geteuid() == 0 else os.geteuid()

    @property
    def home(self) -> Path:
        return Path(self.homes) / self.user.name

    @property
    def home_inside(self) -> str:
        return f"/home/{self.user.name}"

    def make_preexec_fn(self, name: str) -> None:
        return None  # bubblewrap drops to the lab's uid; there is no system user to switch to

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        env.update(USER=self.user.name, HOME=self.home_inside, SHELL=SHELL)
        return env

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        env.update(JUPYTER_CONFIG_PATH=STUDENT_CONFIG, JUPYTER_RUNTIME_DIR=RUNTIME_DIR,
                   TINYTORCH_GRADER_URL=self.grader_url, TITO_WORKSPACE=self.home_inside,
                   JUPYTERHUB_ROOT_DIR=self.home_inside)
        return env

    def _make_home(self) -> None:
        """Create the home, owned by the lab's uid; an existing one is left as it is."""
        self.home.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.home.mkdir()
        except FileExistsError:
            return
        os.chown(self.home, self.uid, self.uid)
        self.home.chmod(0o711)  # bwrap, root without capabilities, must enter it

    def _account_binds(self) -> dict[str, tuple[Path, bool]]:
        """Write the lab's passwd and group files (:func:`lab_accounts`); the binds that put
        them, read-only, over the sandbox's ``/etc/passwd`` and ``/etc/group``. Without an
        entry for its uid, the lab's shell prompt reads 'I have no name!' and ``whoami``
        fails."""
        folder = Path(self.accounts) / self.user.name
        files = dict(zip(("passwd", "group"), lab_accounts(
            self.user.name, self.uid, Path("/etc/passwd").read_text(encoding="utf-8"),
            Path("/etc/group").read_text(encoding="utf-8")), strict=True))
        binds = {}
        for name, text in files.items():
            write_atomic(folder / name, text)
            (folder / name).chmod(0o644)  # as the host's: the sandbox's programs read them
            binds[f"/etc/{name}"] = (folder / name, False)
        return binds

    def sandboxed_command(self) -> list[str]:
        """The lab's command: bubblewrap, then ``tito lab`` preparing the home and starting
        the single-user server (JupyterHub appends the server's arguments)."""
        binds = {self.home_inside: (self.home, True), RELEASES: (Path(self.releases), False),
                 STUDENT_CONFIG: (Path(self.student_config), False),
                 **self._account_binds()}
        # Of the course content, only the manifest (and its package's __init__, so that tito
        # finds the package): the module sources hold the solutions.
        content = PROJECT_ROOT / CONTENT_PACKAGE
        binds.update({str(content / name): (content / name, False)
                      for name in ("__init__.py", "course.toml")})
        # -P: the command starts in the student's home, which must not come first on
        # sys.path (a course.py or nbformat.py of theirs would stop their lab).
        tito = [sys.executable, "-P", "-m", "tito", "lab", "--releases", RELEASES,
                "--singleuser"]
        return confine(tito, binds=binds, uid=self.uid, network=True,
                       workdir=self.home_inside, python_path=[], env={},
                       packages=["tito", "grading_service"],
                       bwrap=self.sandbox.check(), clear_env=False, writable_tmp=True,
                       limits=self.limits())

    def limits(self) -> Limits:
        """The lab's limits: ``mem_limit``, ``cpu_limit`` and the sandbox's process limit
        for all its processes together (its cgroup), and per process; no CPU time limit."""
        return dataclasses.replace(self.sandbox.limits(), memory=self.mem_limit,
                                   cpus=self.cpu_limit, cpu_time=None)

    def _limit_home(self) -> None:
        """Put the home on its own size-limited file system (:mod:`hub_config.homes`)."""
        limit_home(self.home, Path(self.home_images) / f"{self.user.name}.ext4",
                   self.home_size_limit, self.uid, self.log)

    @property
    def start_queue(self) -> StartQueue:
        if SandboxedSpawner._start_queue is None:
            SandboxedSpawner._start_queue = StartQueue(self.concurrent_starts)
        return SandboxedSpawner._start_queue

    async def start(self) -> tuple[str, int]:
        Path(self.releases).mkdir(parents=True, exist_ok=True)
        self._make_home()
        async with self.start_queue.turn(self):
            await asyncio.to_thread(self._limit_home)  # mkfs and mount: not on the hub's loop
            self.cmd = self.sandboxed_command()
            ip, port = await super().start()
            await self._until_listening(ip, port)
        return ip, port

    async def progress(self) -> AsyncIterator[dict[str, object]]:
        """The spawn page's messages: the lab's place in the queue while it waits."""
        while place := self.start_queue.place(self):
            ahead = self.start_queue.running + place - 1
            labs = "1 lab starts" if ahead == 1 else f"{ahead} labs start"
            yield {"progress": 10, "message": f"Waiting for your turn: {labs} before yours"}
            await asyncio.sleep(1)
        yield {"progress": 50, "message": "Starting your lab"}

    async def poll(self) -> int | None:
        """As JupyterHub's, and a lab the hub did not start itself (one that ran on while
        the hub was down, known by the pid in its saved state) is running only while that
        pid is still its sandbox: after a reboot the pid may be anyone's, and JupyterHub
        would stop (signal) what it believes is the lab."""
        if self.proc is None and self.pid and not self._is_lab(self.pid):
            self.clear_state()
            return 0
        return await super().poll()

    def _is_lab(self, pid: int) -> bool:
        """Whether process ``pid`` is this user's lab: bubblewrap with their home."""
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return os.fsencode(self.home) in arguments and self.home_inside.encode() in arguments

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        # The lab's processes are gone with its bubblewrap; its cgroup goes with them.
        if (found := cgroups.hierarchy()) is not None:
            await asyncio.to_thread(found.remove, self.sandbox.cgroup_parent,
                                    group_name(self.uid))

    async def _until_listening(self, ip: str, port: int) -> None:
        """Return once the lab accepts connections, or fail as soon as it exits.

        Without this the hub finds a ready lab only at its next check, and those back off
        up to 5 s apart; nor would it notice a lab that died starting before
        ``http_timeout``. The hub bounds this wait by ``start_timeout``.
        """
        while (status := await self.poll()) is None:
            try:
                _, writer = await asyncio.open_connection(ip, port)
            except OSError:
                await asyncio.sleep(LISTEN_POLL_SECONDS)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise LabStartError(f"{self.user.name}'s lab exited with status {status} while "
                            "starting: try again, or ask an instructor (the hub's log "
                            "says why)")
