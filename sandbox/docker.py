"""The grading sandbox as one Docker container per run (the Compose deployment).

``c.SandboxBackend.sandbox_class = "sandbox.docker.DockerSandbox"`` makes autograde and the
judge start each run with ``docker run --rm -i`` of the sandbox image (no solutions in it:
no reference ``tinytorch``, no course module sources, no hidden tests), instead of
bubblewrap. The same boundary holds: no network, the limits of :class:`Sandbox` (memory,
processes, CPU time, file size, ``/tmp``) plus CPUs, a read-only root file system, the
scratch folder the only writable mount and the student's package read-only at
``/submission``, an unprivileged uid per slot, every capability dropped, no new
privileges, Docker's default seccomp profile; what comes out is the worker's plain data or
the executed notebook, as with bubblewrap.

The runner that starts these containers usually runs in a container itself, so its
scratch folders (under ``TMPDIR``) must be where the engine can mount them: each prefix of
``c.DockerSandbox.volumes`` is a named volume mounted there in the runner, and a folder
below it is mounted with ``volume-subpath`` (Docker 26 or newer). A folder outside every
prefix is bind-mounted as it is (a runner on the host itself).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from traitlets import Dict, Float, Unicode

from sandbox.bubblewrap import SCRATCH, SUBMISSION, Sandbox, environment
from sandbox.errors import SandboxError

# Seconds a container outlives the wall-time limit before it kills itself: the caller
# stops a run by killing the docker client, which does not stop the container.
GRACE_SECONDS = 30
LABEL = "org.tinytorch.sandbox=grading"


class DockerSandbox(Sandbox):
    """A grading run in its own container; limits from ``c.Sandbox.*``, the engine's
    settings from ``c.DockerSandbox.*``."""

    docker = Unicode("docker", help="The docker CLI (its DOCKER_HOST, or the socket, is the "
                     "engine's).").tag(config=True)
    image = Unicode("tinytorch/sandbox:0.1.0", help="The sandbox image: the course "
                    "tooling and its Python, without the solutions (docker/Dockerfile, "
                    "target sandbox).").tag(config=True)
    python = Unicode("", help="The Python inside the image. Empty: the path of the "
                     "grader's own (the images install both at /opt/tinytorch/venv)."
                     ).tag(config=True)
    cpu_limit = Float(1.0, help="CPUs one run may use (docker run --cpus).").tag(config=True)
    volumes = Dict(key_trait=Unicode(), value_trait=Unicode(), help="Where the runner's "
                   "scratch folders live: runner path → named volume mounted there; a "
                   "folder below is mounted with volume-subpath. Example: "
                   "{'/var/lib/tito/scratch': 'tinytorch-grading-scratch'}.").tag(config=True)

    def check(self) -> str:
        """The path of the docker CLI, or a :class:`SandboxError` saying how to get it."""
        found = shutil.which(self.docker)
        if not found:
            raise SandboxError(f"the docker CLI ({self.docker}) is not installed, and "
                               "c.SandboxBackend.sandbox_class grades in containers: install "
                               "docker-ce-cli (the grader image has it) or set "
                               "c.SandboxBackend.sandbox_class = 'sandbox.bubblewrap.Sandbox'")
        return found

    def mount(self, source: Path, dest: str, writable: bool) -> str:
        """The ``--mount`` of ``source`` at ``dest``: a volume's subpath when ``source`` lies
        in one of :attr:`volumes`, else a bind mount; read-only unless ``writable``."""
        source = Path(source).resolve()
        spec = f"type=bind,src={source}"
        for prefix, volume in self.volumes.items():
            if source.is_relative_to(Path(prefix)):
                spec = f"type=volume,src={volume}"
                if source != Path(prefix):
                    spec += f",volume-subpath={source.relative_to(prefix)}"
                break
        return f"{spec},dst={dest}" + ("" if writable else ",readonly")

    def command(self, argv: list[str], scratch: Path, package: Path | None = None,
                slot: int = 0, env: dict[str, str] | None = None,
                packages: Sequence[str] = ()) -> list[str]:
        """``docker run`` of ``argv`` with ``scratch`` writable at /scratch and the student's
        package (if any) read-only at /submission, first on PYTHONPATH. ``packages`` are
        installed in the image already (its own tooling), so nothing else is mounted."""
        uid = self.uid_base + slot
        if os.geteuid() == 0:
            os.chown(scratch, uid, uid)  # the container's uid writes its scratch
            os.chmod(scratch, 0o700)
        mounts = ["--mount", self.mount(scratch, SCRATCH, writable=True)]
        python_path = []
        if package is not None:
            mounts += ["--mount", self.mount(package, SUBMISSION, writable=False)]
            python_path.append(SUBMISSION)
        variables = environment(python_path, {"HOME": SCRATCH, "MPLBACKEND": "Agg", **(env or {})})
        limits = [
            "--memory", str(self.memory_limit), "--memory-swap", str(self.memory_limit),
            "--cpus", f"{self.cpu_limit:g}", "--pids-limit", str(self.process_limit),
            "--ulimit", f"cpu={self.cpu_time_limit}", "--ulimit", f"fsize={self.file_size_limit}",
            "--ulimit", "core=0",
        ]
        isolation = [
            "--network", "none", "--read-only",
            "--tmpfs", f"/tmp:rw,nosuid,nodev,size={self.tmp_size}",
            "--user", f"{uid}:{uid}", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--ipc", "private",
        ]
        # The container ends itself after the wall time (and a grace period): killing the
        # docker client, which is how callers stop a run, leaves the container running.
        deadline = math.ceil(self.wall_time_limit) + GRACE_SECONDS
        inside = [self.python or sys.executable, *argv[1:]] if argv[0] == sys.executable \
            else list(argv)
        return [self.check(), "run", "--rm", "-i", "--init", "--label", LABEL,
                "--log-driver", "none", *isolation, *limits, *mounts,
                "--workdir", SCRATCH,
                *[item for key, value in variables.items() for item in ("--env", f"{key}={value}")],
                self.image, "timeout", "--signal=KILL", str(deadline), *inside]
