"""The sandbox every piece of student code runs in: bubblewrap plus resource limits.

Inside: no network, its own PID (and IPC, UTS, cgroup) namespaces, no capabilities, a
scratch directory as the only writable place, and read-only views of exactly what Python
needs (``/usr``, ``/etc``, the Python installation, the environment, the tooling) and of the
student's own package. Nothing else of the machine exists there: not the course sources,
hidden tests, gradebook, other submissions, the reference package or anyone's home.
Started by root, bubblewrap sets up the mounts and namespaces and the code inside runs as a
dedicated unprivileged uid per slot (``uid_base + slot``), so the process limit counts only
that sandbox's processes and student code never holds the grader's uid. Limits follow
PrairieLearn's spirit: 2 GiB, 60 s, 256 processes.

Every sandbox (grading and labs alike, see :func:`confine`) also has an empty capability
bounding set, no way to make a user namespace, a seccomp filter
(:mod:`sandbox.seccomp`), a bounded ``/tmp``, and, where the machine's cgroups allow,
a control group that bounds the memory and processes of all its processes together
(:mod:`sandbox.cgroups`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from traitlets import Bool, Float, Int, Unicode
from traitlets.config import Configurable

from sandbox import ONE_BLAS_THREAD, cgroups, seccomp
from sandbox.errors import SandboxError

SCRATCH = "/scratch"
SUBMISSION = "/submission"
ENTER = files("sandbox") / "enter.py"
# The descriptor bubblewrap reads the seccomp filter from (opened there by enter.py): above
# the standard three and any a caller passes on.
SECCOMP_FD = 9
CGROUP_PARENT = "tinytorch"


def package_dir(name: str) -> Path | None:
    """Where the top-level package ``name`` is installed (found without importing it)."""
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]).resolve() if locations else None


@dataclass(frozen=True)
class Limits:
    """What one sandbox may use. Each process (rlimits): ``memory`` bytes of address
    space (None: unlimited), files up to ``file_size``, ``cpu_time`` CPU seconds (None:
    unlimited); its uid: ``processes`` at once. All its processes together (a cgroup, where
    available): ``memory``, ``processes`` and ``cpus`` (None: unlimited). Its ``/tmp``: a
    tmpfs of ``tmp_size`` bytes."""

    memory: int | None
    processes: int
    file_size: int
    tmp_size: int
    cpu_time: int | None = None
    cpus: float | None = None
    cgroup_parent: str = CGROUP_PARENT


def group_name(uid: int) -> str:
    """The cgroup of the sandbox running as ``uid``: a grading slot's, or a lab's."""
    return f"sandbox-{uid}"


def _enter(uid: int, limits: Limits | None) -> list[str]:
    """The start of a sandbox's command: :mod:`sandbox.enter` (the cgroup, if any,
    and the seccomp filter), then ``prlimit`` with ``limits`` (if any)."""
    procs: list[Path] = []
    if limits is not None and (found := cgroups.hierarchy()) is not None:
        procs = found.create(limits.cgroup_parent, group_name(uid), cgroups.GroupLimits(
            limits.memory, limits.processes, limits.cpus))
    enter = [sys.executable, "-I", "-S", str(ENTER), seccomp.filter_path(), str(SECCOMP_FD),
             *map(str, procs), "--"]
    if limits is None:
        return enter
    return [*enter, *prlimit(memory=limits.memory, processes=limits.processes,
                             file_size=limits.file_size, cpu_time=limits.cpu_time)]


class Sandbox(Configurable):
    """bubblewrap settings; every limit is configurable (``c.Sandbox.memory_limit = ...``)."""

    enabled = Bool(True, help="False runs student code unsandboxed: only for trusted code, "
                   "when the instructor passes --no-sandbox.").tag(config=True)
    memory_limit = Int(2 * 1024**3, help="Address-space limit in bytes.").tag(config=True)
    cpu_time_limit = Int(60, help="CPU seconds for all the sandbox's processes.").tag(
        config=True)
    wall_time_limit = Float(60.0, help="Wall-clock seconds per submission.").tag(config=True)
    process_limit = Int(256, help="Processes (and threads) at once.").tag(config=True)
    file_size_limit = Int(64 * 1024**2, help="Largest file student code may write, in bytes."
                          ).tag(config=True)
    tmp_size = Int(128 * 1024**2, help="Size of the sandbox's /tmp (a tmpfs, in memory), in "
                   "bytes.").tag(config=True)
    cgroup_parent = Unicode(CGROUP_PARENT, help="The cgroup (in each hierarchy) under which "
                            "every sandbox, a grading slot's or a lab's, gets its own group, "
                            "limiting its processes together. Grading slots keep theirs; a "
                            "lab's is removed when it stops.").tag(config=True)
    uid_base = Int(60000, help="Sandboxes started by root run as uid_base + slot.").tag(
        config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)

    def check(self) -> str:
        """The path of bubblewrap, or a :class:`SandboxError` saying how to get it."""
        found = shutil.which(self.bwrap)
        if not found:
            raise SandboxError("bubblewrap is not installed, and student code must run sandboxed: "
                            "install it (Debian: apt-get install bubblewrap)")
        return found

    def limits(self) -> Limits:
        """This sandbox's limits: memory and processes per process and for all together."""
        return Limits(memory=self.memory_limit, processes=self.process_limit,
                      file_size=self.file_size_limit, tmp_size=self.tmp_size,
                      cpu_time=self.cpu_time_limit, cgroup_parent=self.cgroup_parent)

    def command(self, argv: list[str], scratch: Path, package: Path | None = None,
                slot: int = 0, env: dict[str, str] | None = None,
                packages: Sequence[str] = ()) -> list[str]:
        """``argv`` wrapped in the sandbox, with ``scratch`` writable at /scratch, the
        student's package (if any) read-only at /submission, first on PYTHONPATH, and the
        installed ``packages`` (top-level import names) ``argv`` needs besides this one."""
        uid = self.uid_base + slot
        if os.geteuid() == 0:
            os.chown(scratch, uid, uid)
            os.chmod(scratch, 0o711)  # bwrap, root without capabilities, must enter it
        binds = {SCRATCH: (scratch, True)}
        python_path = []
        if package is not None:
            binds[SUBMISSION] = (package, False)
            python_path.append(SUBMISSION)
        variables = {"HOME": SCRATCH, "MPLBACKEND": "Agg", **(env or {})}
        return confine(argv, binds=binds, uid=uid, network=False, workdir=SCRATCH,
                       python_path=python_path, env=variables, bwrap=self.check(),
                       limits=self.limits(), packages=packages)


def environment(python_path: Sequence[str], env: dict[str, str] | None = None) -> dict[str, str]:
    """What every sandboxed command's environment holds, whatever the engine: UTF-8, no
    bytecode files, one BLAS thread (a sandbox's CPUs are few and counted), ``python_path``
    first on PYTHONPATH, then ``env``."""
    return {"TMPDIR": "/tmp", "LANG": "C.UTF-8", "PYTHONPATH": ":".join(python_path),
            "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
            **ONE_BLAS_THREAD, **(env or {})}


def prlimit(*, memory: int | None, processes: int, file_size: int,
            cpu_time: int | None = None) -> list[str]:
    """``prlimit`` setting these limits (and no core dumps) for the command that follows;
    no address-space or CPU-time limit when ``memory`` or ``cpu_time`` is None."""
    space = [] if memory is None else [f"--as={memory}"]
    cpu = [] if cpu_time is None else [f"--cpu={cpu_time}"]
    return ["prlimit", *space, *cpu, f"--nproc={processes}", f"--fsize={file_size}",
            "--core=0", "--"]


def _system_mounts(writable_tmp: bool, tmp_size: int | None) -> list[str]:
    """Read-only views of what any program needs: /usr, /etc and the top-level links or
    folders into /usr; a fresh /proc, /dev and /tmp (everyone's, if ``writable_tmp``; of
    ``tmp_size`` bytes, if given)."""
    mounts = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            mounts += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            mounts += ["--ro-bind", str(path), str(path)]
    tmp = ["--perms", "1777"] if writable_tmp else []
    tmp += ["--size", str(tmp_size)] if tmp_size is not None else []
    tmp += ["--tmpfs", "/tmp"]
    return [*mounts, "--proc", "/proc", "--dev", "/dev", *tmp]


def confine(argv: list[str], *, binds: dict[str, tuple[Path, bool]], uid: int, network: bool,
            workdir: str, python_path: list[str], env: dict[str, str],
            packages: Sequence[str] = (),
            bwrap: str = "bwrap", clear_env: bool = True, writable_tmp: bool = False,
            keep_capability: str | None = None, limits: Limits | None = None) -> list[str]:
    """``argv`` under bubblewrap: the system, Python, this package and ``packages`` (top-level
    import names the command needs) read-only, the solutions hidden, and nothing else of
    the machine but ``binds`` (destination → (source, writable)). Started by root, the
    command inside runs as ``uid`` with no capabilities; otherwise in an unprivileged user
    namespace. ``network`` keeps the host's network
    (loopback included); ``python_path`` comes first on PYTHONPATH. ``clear_env``
    False passes bubblewrap's own environment in (under ``env`` and the basics), which
    keeps secrets such as tokens off the command line. ``writable_tmp`` gives the command a
    private /tmp it can write; without it, a root-started sandbox (where student code is
    graded) leaves /tmp root's, not writable by the code. ``keep_capability`` (such as
    ``net_bind_service``) is the one capability a root-started command keeps after
    dropping to ``uid``; none otherwise.

    The whole command: entered through :mod:`sandbox.enter` (the seccomp filter and,
    with ``limits``, the sandbox's cgroup and ``prlimit``), so that callers start it as is,
    whether with their own ``Popen`` or JupyterHub's."""
    mounts = _system_mounts(writable_tmp, limits.tmp_size if limits else None)
    made: set[Path] = set()

    def bind(source: Path, dest: str, writable: bool = False) -> None:
        # bwrap makes missing parents 0700 when privileged: open them to the sandbox uid.
        for parent in reversed(Path(dest).parents[:-1]):
            if parent not in made:
                made.add(parent)
                mounts.extend(["--perms", "0755", "--dir", str(parent)])
        mounts.extend(["--bind" if writable else "--ro-bind", str(source), dest])

    for prefix in dict.fromkeys(Path(p).resolve() for p in (sys.base_prefix, sys.prefix)):
        if not prefix.is_relative_to("/usr"):
            bind(prefix, str(prefix))
    installed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, "/usr")]
    package_parents: list[str] = []
    for name in dict.fromkeys(["sandbox", *packages]):
        found = package_dir(name)
        if found is None:
            raise SandboxError(f"the package {name!r} the sandboxed command needs is not "
                               "installed: pip install 'tinytorch[course]'")
        if not any(found.is_relative_to(prefix) for prefix in installed):
            bind(found, str(found))  # an editable install: the package lives in a checkout
            package_parents.append(str(found.parent))
    # Hide the solutions installed with the tooling: the reference package and the course
    # content (module sources); ``binds`` may then show a part of them again.
    for hidden in map(package_dir, ("tinytorch", "course")):
        if hidden and any(hidden.is_relative_to(prefix) for prefix in installed):
            mounts += ["--tmpfs", str(hidden)]
    for dest, (source, writable) in binds.items():
        bind(source, dest, writable)

    variables = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                 **environment(list(dict.fromkeys([*python_path, *package_parents])), env)}
    setenv = [item for key, value in variables.items() for item in ("--setenv", key, value)]
    shared = [] if network else ["--unshare-net"]
    if os.geteuid() == 0:
        # Root sets up mounts and namespaces, then the code inside drops to its own
        # unprivileged uid: no capabilities, none it could ever regain (an empty bounding
        # set, which dropping needs CAP_SETPCAP for), no way back (no_new_privs), and the
        # process limit counts only this sandbox's processes. Its user namespace is the
        # host's (one of its own would map its uid to root's): the seccomp filter is what
        # refuses it a new one.
        isolation = [*shared, "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                     "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                     "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        kept = ""
        keep: list[str] = []
        if keep_capability:
            isolation += ["--cap-add", f"CAP_{keep_capability.upper()}"]
            kept = f",+{keep_capability}"
            keep = [f"--ambient-caps=+{keep_capability}"]
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                f"--bounding-set=-all{kept}", f"--inh-caps=-all{kept}", *keep,
                "--no-new-privs", "--"]
    else:
        # bubblewrap's own user namespace, in which no further one can be made.
        isolation = ["--unshare-all", "--unshare-user", "--disable-userns",
                     *(["--share-net"] if network else [])]
        drop = []
    return [*_enter(uid, limits), bwrap, *isolation, "--seccomp", str(SECCOMP_FD),
            "--die-with-parent", "--new-session", *mounts,
            *(["--clearenv"] if clear_env else []), *setenv, "--chdir", workdir, "--", *drop, *argv]


def make_readable(root: Path) -> None:
    """Let every user read ``root`` and what is below it (folders 0755, files 0644): a
    sandbox's own uid reads what the grader wrote. Links are left alone (chmod would
    change what they point to)."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
