"""The sandbox, tested from inside: what student code can see, do and use."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import cgroups
from sandbox.bubblewrap import Limits, Sandbox, confine
from sandbox.errors import SandboxError
from tests.confinement import assert_confined, memory_hogs_code, probe_code
from tito.grading.batch import current_slot
from tito.grading.course_dir import gradebook_path
from tito.project import PROJECT_ROOT


def sandboxed(code: str, tmp_path: Path, package: Path | None = None,
              **limits: object) -> subprocess.CompletedProcess:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    argv = Sandbox(**limits).command([sys.executable, "-c", textwrap.dedent(code)], scratch,
                                     package=package, slot=current_slot())
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_student_code_runs_unprivileged_without_capabilities(tmp_path: Path) -> None:
    result = sandboxed("""
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print(os.getuid(), os.geteuid(), os.getgroups(), status["CapEff"].strip(),
              status["CapPrm"].strip(), status["NoNewPrivs"].strip())
        try:
            os.setuid(0)
        except PermissionError:
            print("setuid refused")
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    uid = str(Sandbox().uid_base + current_slot() if os.geteuid() == 0 else os.geteuid())
    assert first.split() == [uid, uid, "[]", "0000000000000000", "0000000000000000", "1"]
    assert second == "setuid refused"


def test_student_code_has_its_own_process_namespace(tmp_path: Path) -> None:
    result = sandboxed("""
        import os
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        print(os.getpid(), len(pids))
    """, tmp_path)
    pid, visible = map(int, result.stdout.split())
    assert pid < 10 and visible < 10, result.stdout


def test_student_code_cannot_reach_a_loopback_listener(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        result = sandboxed(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=3)
                print("connected")
            except OSError as error:
                print("refused", type(error).__name__)
        """, tmp_path)
        assert result.stdout.startswith("refused"), result.stdout + result.stderr
        with pytest.raises(TimeoutError):
            listener.accept()


def test_only_the_allowed_files_exist_and_only_scratch_is_writable(tmp_path: Path) -> None:
    secrets = {
        "course source": PROJECT_ROOT / "course" / "modules" / "tensor" / "tensor.py",
        "reference package": PROJECT_ROOT / "tinytorch" / "core" / "tensor.py",
        "gradebook": gradebook_path(tmp_path / "instructor"),
        "another student": tmp_path / "submissions" / "bob" / "tensor.ipynb",
    }
    for path in secrets.values():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("secret", encoding="utf-8")
    before = {path: path.read_bytes() for path in secrets.values()}
    package = tmp_path / "package"
    (package / "tinytorch").mkdir(parents=True)
    (package / "tinytorch" / "__init__.py").write_text("", encoding="utf-8")
    result = sandboxed(f"""
        import os
        from pathlib import Path
        secrets = {[str(p) for p in secrets.values()]!r}
        for path in secrets:
            for action in ("read", "write"):
                try:
                    open(path, "r" if action == "read" else "w").write("x") \\
                        if action == "write" else open(path).read()
                    print("LEAK", action, path)
                except OSError:
                    pass
        for path in ("/usr/x", "/etc/x", "/submission/x", "/submission/tinytorch/x"):
            try:
                open(path, "w")
                print("WROTE", path)
            except OSError:
                pass
        open("/scratch/mine", "w").write("ok")
        home = {str(Path.home())!r}
        print("home", sorted(os.listdir(home)) if os.path.exists(home) else [])
        print("done")
    """, tmp_path, package=package)
    assert "LEAK" not in result.stdout and "WROTE" not in result.stdout, result.stdout
    assert result.stdout.rstrip().endswith("done"), result.stderr
    assert (tmp_path / "scratch" / "mine").read_text(encoding="utf-8") == "ok"
    # Of the home directory, at most the path to the Python installation shows.
    python_home = [part for part in Path(sys.base_prefix).relative_to(Path.home()).parts[:1]] \
        if Path(sys.base_prefix).is_relative_to(Path.home()) else []
    assert f"home {sorted(python_home)}" in result.stdout, result.stdout
    assert {path: path.read_bytes() for path in secrets.values()} == before


def test_a_bounded_fork_bomb_stops_at_the_process_limit(tmp_path: Path) -> None:
    result = sandboxed("""
        import os, time
        children = 0
        try:
            for _ in range(200):
                if os.fork() == 0:
                    time.sleep(3)
                    os._exit(0)
                children += 1
        except OSError:
            pass
        print(children)
    """, tmp_path, process_limit=32)
    assert 0 < int(result.stdout) < 32, result.stdout + result.stderr


def test_a_memory_bomb_fails_at_the_memory_limit(tmp_path: Path) -> None:
    result = sandboxed("""
        import numpy as np
        try:
            block = np.ones(3 * 1024**3, dtype=np.uint8)
            print("allocated", block.nbytes)
        except MemoryError:
            print("MemoryError")
    """, tmp_path, memory_limit=1024**3)
    assert result.stdout.strip() == "MemoryError", result.stdout + result.stderr


def test_an_endless_loop_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    result = sandboxed("while True:\n    pass\n", tmp_path, cpu_time_limit=2)
    assert result.returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU,
                                 128 + signal.SIGKILL), result.returncode
    assert time.monotonic() - started < 30


def test_a_huge_file_stops_at_the_file_size_limit(tmp_path: Path) -> None:
    result = sandboxed("""
        try:
            open("/scratch/big", "wb").write(b"x" * (4 * 1024**2))
            print("wrote")
        except OSError as error:
            print("refused", error.errno)
    """, tmp_path, file_size_limit=1024**2)
    assert result.stdout.split() == ["refused", "27"], result.stdout + result.stderr  # EFBIG


def test_without_bubblewrap_the_error_names_the_fix() -> None:
    with pytest.raises(SandboxError, match=r"bubblewrap is not installed.*apt-get install "
                                        r"bubblewrap\)$"):
        Sandbox(bwrap="no-such-bwrap").check()  # the hub and the service have no --no-sandbox


def test_student_code_holds_no_capability_and_no_way_into_the_kernel(tmp_path: Path) -> None:
    result = sandboxed(probe_code(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert_confined(result.stdout)


def test_tmp_is_a_bounded_tmpfs(tmp_path: Path) -> None:
    # The lab's /tmp (writable, as in a lab) through the same confine(): full at tmp_size.
    limits = Limits(memory=None, processes=64, file_size=1024**3, tmp_size=8 * 1024**2)
    code = """
        try:
            open("/tmp/big", "wb").write(b"x" * (16 * 1024**2))
            print("wrote")
        except OSError as error:
            print("refused", error.errno)
    """
    command = confine([sys.executable, "-c", textwrap.dedent(code)], binds={},
                      uid=Sandbox().uid_base + current_slot(), network=False, workdir="/",
                      python_path=[], env={}, writable_tmp=True, limits=limits)
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.split() == ["refused", str(errno.ENOSPC)], result.stderr


@pytest.mark.skipif(cgroups.hierarchy() is None, reason="needs root and cgroup controllers")
def test_the_memory_limit_holds_for_all_processes_together(tmp_path: Path) -> None:
    # Each child stays far below the per-process limit; together they pass the group's.
    result = sandboxed(memory_hogs_code(6, 150), tmp_path, memory_limit=512 * 1024**2)
    killed = int(result.stdout)
    assert 0 < killed < 6, result.stdout + result.stderr  # the group's OOM killer
