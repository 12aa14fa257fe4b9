"""Run a generated pytest file against a package copy, in a separate Python process."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from sandbox.judge import WorkerSpec
from tito.authoring.test_cells import pytest_module, student_modules
from tito.errors import TitoError
from tito.manifest import Course, Module
from tito.pytest_results import OPTION, first_line


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest class

    name: str
    outcome: str  # passed | failed | error | skipped
    message: str


@dataclass(frozen=True)
class TestRun:
    __test__ = False

    results: tuple[TestResult, ...]
    output: str

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.results)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def ok(self) -> bool:
        return bool(self.results) and self.passed == len(self.results)


def _results(path: Path) -> tuple[TestResult, ...]:
    """The results :mod:`tito.pytest_results` wrote."""
    return tuple(TestResult(**entry) for entry in json.loads(path.read_text(encoding="utf-8")))


def _pytest_args(name: str, results: Path) -> list[str]:
    # --tb=native: pytest's own traceback style parses the test file once per frame of every
    # failure (about 60 ms each: seconds for an unsolved module); the results only keep the
    # first line of each failure's message, which is the same in every style. A forked
    # pytest finds the judge plugin imported already, so cannot rewrite its (internal)
    # asserts: no warning about that.
    return [name, "-q", "-p", "no:cacheprovider", "-p", "sandbox.judge",
            "-p", "tito.pytest_results", f"{OPTION}={results}",
            "-c", "pytest.ini", "--rootdir", ".", "--tb=native",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]


def _pytest_env(scratch: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # No plugins from entry points (xdist, anyio, ...): the judge's pytest is only pytest and
    # tito's plugin, whatever else is installed, and starts faster.
    env.update({"TITO_WORKER_SPEC": str(scratch / "worker.json"), "PYTHONIOENCODING": "utf-8",
                "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    return env


def _write_tests(folder: Path, test_code: str, name: str) -> None:
    (folder / name).write_text(test_code, encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def _timed_out(timeout: float) -> TitoError:
    return TitoError(f"the tests did not finish within {timeout:.0f} s: look for an endless "
                     "loop in your code")


# ``python -m pytest``, without the optional modules that only slow down importing nbformat
# (which the judge's imports may reach).
_PYTEST_MAIN = ("import sys, pytest, sandbox.startup; sandbox.startup.skip_slow_imports(); "
                "sys.exit(pytest.console_main())")


def _pytest_subprocess(name: str, scratch: Path, timeout: float) -> tuple[str, str]:
    """pytest in a fresh interpreter, on the tests in ``scratch``; its stdout and stderr."""
    command = [sys.executable, "-c", _PYTEST_MAIN, *_pytest_args(name, scratch / "results.json")]
    try:
        completed = subprocess.run(command, cwd=scratch, env=_pytest_env(scratch),
                                   capture_output=True, text=True, encoding="utf-8",
                                   errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise _timed_out(timeout) from None
    return completed.stdout, completed.stderr


def wait_ended(pid: int, timeout: float) -> bool:
    """Whether child ``pid`` ends within ``timeout`` seconds; its owner still reaps it. Unlike
    ``Popen.wait(timeout)``, which polls with sleeps of up to 50 ms, it returns as it ends."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux 5.3+: poll
        deadline = time.monotonic() + timeout
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        while os.waitid(os.P_PID, pid, flags) is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True
    try:
        return bool(select.select([pidfd], [], [], max(0.0, timeout))[0])
    finally:
        os.close(pidfd)


_fork_cache: tempfile.TemporaryDirectory | None = None


def _fork_cache_dir() -> Path:
    """This process's folder for forked pytest runs, removed when it exits."""
    global _fork_cache
    if _fork_cache is None:
        _fork_cache = tempfile.TemporaryDirectory(prefix="tito-judge-")
    return Path(_fork_cache.name)


def _tests_folder(test_code: str, name: str) -> Path:
    """The folder of these tests for every forked run in this process: pytest compiles the
    test module (rewriting its asserts) in the first run and the later ones load it."""
    digest = hashlib.sha256(f"{name}\0{test_code}".encode()).hexdigest()[:32]
    folder = _fork_cache_dir() / "tests" / digest
    if not folder.is_dir():
        work = Path(tempfile.mkdtemp(dir=folder.parent.parent))
        _write_tests(work, test_code, name)
        folder.parent.mkdir(exist_ok=True)
        work.rename(folder)
    return folder


def _pytest_forked(name: str, tests: Path, scratch: Path, timeout: float) -> tuple[str, str]:
    """pytest in a fork of this process, which has imported pytest, NumPy and the judge
    already: the same run as :func:`_pytest_subprocess`, without starting an interpreter
    and importing them again for each submission. The child is as trusted as this process.
    It runs in ``tests`` (see :func:`_tests_folder`); everything of this run is in
    ``scratch``."""
    out, err = scratch / "stdout.txt", scratch / "stderr.txt"
    env = _pytest_env(scratch)
    pycache = _fork_cache_dir() / "pycache"
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:  # the child: run pytest, never return into the caller
        code = 70
        try:
            gc.freeze()  # the parent's objects are not ours to collect (or finalize)
            for fd, path in ((1, out), (2, err)):
                target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(target, fd)
                os.close(target)
            quiet = os.open(os.devnull, os.O_RDONLY)
            os.dup2(quiet, 0)
            os.close(quiet)
            # sys.stdout need not write to fd 1 (pytest running tito swaps it for a file)
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.chdir(tests)
            os.environ.clear()
            os.environ.update(env)
            # Compiled modules, the rewritten test module among them, go to this process's
            # cache (never next to the sources), for the next forked run.
            sys.pycache_prefix = str(pycache)
            sys.dont_write_bytecode = False
            import pytest

            code = int(pytest.main(_pytest_args(name, scratch / "results.json")))
        except BaseException:  # report it like a crashed interpreter would
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    ended = wait_ended(pid, timeout)
    if not ended:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if not ended:
        raise _timed_out(timeout)

    def read(path: Path) -> str:
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    return read(out), read(err)


def _can_fork() -> bool:
    """Forking is safe here only with no other Python thread (its locks would be copied)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def run_pytest(test_code: str, worker: WorkerSpec, name: str = "test_module.py",
               timeout: float = 600, fork: bool = False) -> TestRun:
    """Run ``test_code`` with pytest; its ``run`` fixture calls into ``worker``'s package.

    pytest runs in a fresh interpreter in a scratch directory, with no project configuration
    and without the student's package on its path: only the worker imports student code.
    ``fork`` runs it in a fork of this process instead (when it has no other threads): for
    a process that runs tests many times (autograde), without starting Python each time.
    """
    with tempfile.TemporaryDirectory(prefix="tito-tests-") as work:
        scratch = Path(work)
        worker.write(scratch / "worker.json")
        results = scratch / "results.json"
        if fork and _can_fork():
            stdout, stderr = _pytest_forked(name, _tests_folder(test_code, name), scratch,
                                            timeout)
        else:
            _write_tests(scratch, test_code, name)
            stdout, stderr = _pytest_subprocess(name, scratch, timeout)
        if not results.exists():
            raise TitoError(f"pytest could not run the tests: {first_line(stderr)}")
        return TestRun(_results(results), stdout + stderr)


def run_module_tests(notebook: NotebookNode, module: Module, course: Course, package: Path,
                     origin: str, sandbox: dict | None = None, fork: bool = False,
                     test_code: str | None = None, **worker: object) -> TestRun:
    """The test cells of ``notebook`` (an instructor's: hidden tests too; a student's: the
    visible ones) run with pytest, their ``run`` calls going to ``package``'s code: in the
    sandbox configured by ``sandbox``, or unsandboxed when it is None. ``test_code`` is
    the notebook's pytest file when the caller already made it; ``fork``: see
    :func:`run_pytest`."""
    spec = WorkerSpec(str(package), student_modules(module, course), sandbox=sandbox,
                      **worker)  # type: ignore[arg-type]
    code = test_code if test_code is not None else pytest_module(notebook, module, origin)
    return run_pytest(code, spec, f"test_{module.id}.py", fork=fork)
