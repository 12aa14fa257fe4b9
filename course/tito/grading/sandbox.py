"""The sandbox every piece of student code runs in: bubblewrap plus resource limits.

Inside: no network, its own PID (and IPC, UTS, cgroup) namespaces, no capabilities, a
scratch directory as the only writable place, and read-only views of exactly what Python
needs (``/usr``, ``/etc``, the Python installation, the environment, tito) and of the
student's own package. Nothing else of the machine exists there: not the course sources,
hidden tests, gradebook, other submissions, the reference package or anyone's home.
Started by root, bubblewrap sets up the mounts and namespaces and the code inside runs as a
dedicated unprivileged uid per slot (``uid_base + slot``), so the process limit counts only
that sandbox's processes and student code never holds the grader's uid. Limits follow
PrairieLearn's spirit: 2 GiB, 60 s, 256 processes.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from traitlets import Bool, Float, Int, Unicode
from traitlets.config import Configurable

from tito.errors import TitoError

SCRATCH = "/scratch"
SUBMISSION = "/submission"


def _tito_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def _reference_dir() -> Path | None:
    spec = importlib.util.find_spec("tinytorch")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]).resolve() if locations else None


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
    uid_base = Int(60000, help="Sandboxes started by root run as uid_base + slot.").tag(
        config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)

    def check(self) -> str:
        """The path of bubblewrap, or a :class:`TitoError` saying how to get it."""
        found = shutil.which(self.bwrap)
        if not found:
            raise TitoError("bubblewrap is not installed, and student code must run sandboxed: "
                            "install it (Debian: apt-get install bubblewrap)")
        return found

    def limits(self) -> list[str]:
        """``prlimit`` with this sandbox's limits, to put before the bubblewrap command."""
        return prlimit(memory=self.memory_limit, processes=self.process_limit,
                       file_size=self.file_size_limit, cpu_time=self.cpu_time_limit)

    def command(self, argv: list[str], scratch: Path, package: Path | None = None,
                slot: int = 0, env: dict[str, str] | None = None) -> list[str]:
        """``argv`` wrapped in the sandbox, with ``scratch`` writable at /scratch and the
        student's package (if any) read-only at /submission, first on PYTHONPATH."""
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
        return [*self.limits(), *confine(argv, binds=binds, uid=uid, network=False,
                                         workdir=SCRATCH, python_path=python_path,
                                         env=variables, bwrap=self.check())]


def prlimit(*, memory: int, processes: int, file_size: int,
            cpu_time: int | None = None) -> list[str]:
    """``prlimit`` setting these limits (and no core dumps) for the command that follows;
    no CPU-time limit when ``cpu_time`` is None."""
    cpu = [] if cpu_time is None else [f"--cpu={cpu_time}"]
    return ["prlimit", f"--as={memory}", *cpu, f"--nproc={processes}", f"--fsize={file_size}",
            "--core=0", "--"]


def _system_mounts(writable_tmp: bool) -> list[str]:
    """Read-only views of what any program needs: /usr, /etc and the top-level links or
    folders into /usr; a fresh /proc, /dev and /tmp (everyone's, if ``writable_tmp``)."""
    mounts = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            mounts += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            mounts += ["--ro-bind", str(path), str(path)]
    tmp = ["--perms", "1777", "--tmpfs", "/tmp"] if writable_tmp else ["--tmpfs", "/tmp"]
    return [*mounts, "--proc", "/proc", "--dev", "/dev", *tmp]


def confine(argv: list[str], *, binds: dict[str, tuple[Path, bool]], uid: int, network: bool,
            workdir: str, python_path: list[str], env: dict[str, str],
            bwrap: str = "bwrap", clear_env: bool = True, writable_tmp: bool = False
            ) -> list[str]:
    """``argv`` under bubblewrap: the system, Python and tito read-only, the solutions
    hidden, and nothing else of the machine but ``binds`` (destination → (source,
    writable)). Started by root, the command inside runs as ``uid`` with no capabilities;
    otherwise in an unprivileged user namespace. ``network`` keeps the host's network
    (loopback included); ``python_path`` comes before tito on PYTHONPATH. ``clear_env``
    False passes bubblewrap's own environment in (under ``env`` and the basics), which
    keeps secrets such as tokens off the command line. ``writable_tmp`` gives the command a
    private /tmp it can write; without it, a root-started sandbox (where student code is
    graded) leaves /tmp root's, not writable by the code."""
    mounts = _system_mounts(writable_tmp)
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
    tito = _tito_dir()
    if not any(tito.is_relative_to(Path(p).resolve()) for p in (sys.prefix, "/usr")):
        bind(tito, str(tito))  # an editable install: tito lives in the checkout
    reference = _reference_dir()
    if reference and any(reference.is_relative_to(Path(p).resolve())
                         for p in (sys.prefix, sys.base_prefix, "/usr")):
        mounts += ["--tmpfs", str(reference)]  # hide the solutions installed with tito
    for dest, (source, writable) in binds.items():
        bind(source, dest, writable)

    variables = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "PYTHONPATH": ":".join([*python_path, str(tito.parent)]), "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **env,
    }
    setenv = [item for key, value in variables.items() for item in ("--setenv", key, value)]
    shared = [] if network else ["--unshare-net"]
    if os.geteuid() == 0:
        # Root sets up mounts and namespaces, then the code inside drops to its own
        # unprivileged uid: no capabilities, no way back (no_new_privs), and the process
        # limit counts only this sandbox's processes.
        isolation = [*shared, "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                     "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                     "--cap-add", "CAP_SETGID"]
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--no-new-privs", "--"]
    else:
        isolation = ["--unshare-all", *(["--share-net"] if network else [])]
        drop = []
    return [bwrap, *isolation, "--die-with-parent", "--new-session", *mounts,
            *(["--clearenv"] if clear_env else []), *setenv, "--chdir", workdir, "--", *drop, *argv]
