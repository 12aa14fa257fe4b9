"""The judge's side of a test: ``run(fn, *args)`` ships a call into the worker that holds the
student's code and returns the answer as plain data, so the assertions that follow run on
values the student's code cannot fake or patch.

Used as the ``run`` fixture of the pytest plugin (``-p sandbox.judge``), configured by
a JSON file named in ``TITO_WORKER_SPEC``. In a notebook, :func:`tito.testing.run_tests`
passes tests a :class:`LocalRunner` with the same semantics, for the student's self-check.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox import CALL_TIMEOUT, GRADE_CELLS, plain
from sandbox.backends import from_spec
from sandbox.bubblewrap import make_readable

MAX_ANSWER = 256 * 1024**2
# Exceptions the judge re-raises by type, so ``pytest.raises(ValueError)`` works the same in a
# notebook and under grading. Anything else arrives as StudentError.
REBUILT = {cls.__name__: cls for cls in (
    ArithmeticError, AssertionError, AttributeError, FloatingPointError, ImportError,
    IndexError, KeyError, LookupError, MemoryError, ModuleNotFoundError, NameError,
    NotImplementedError, OverflowError, RecursionError, RuntimeError, StopIteration,
    TypeError, UnicodeError, ValueError, ZeroDivisionError)}


class StudentError(Exception):
    """The student's code raised an exception of its own type."""


class StudentCrashed(Exception):
    """The student's code ended the worker: exit, a signal, a limit."""


class StudentTimeout(StudentCrashed):
    """The student's code did not answer in time."""


def _rebuild(error: dict) -> Exception:
    message = str(error.get("message", ""))
    for name in [error.get("type"), *error.get("bases", [])]:
        if name in REBUILT:
            return REBUILT[name](message)
    return StudentError(f"{error.get('type', 'Exception')}: {message}")


def request(fn: Callable | str, args: tuple) -> dict:
    """The request that runs ``fn(*args)`` in the worker: a public name of the student's
    package, or a function of the test (shipped as source, with its closure's values)."""
    if isinstance(fn, str):
        return {"name": fn, "source": None, "args": [plain.dump(a) for a in args]}
    if not inspect.isfunction(fn) or fn.__name__ == "<lambda>":
        raise TypeError("run() takes a function defined with def (or a name of the student's "
                        f"package), not {fn!r}")
    cells = fn.__closure__ or ()
    try:
        closure = [plain.dump(cell.cell_contents) for cell in cells]
    except plain.NotPlainData as error:
        raise TypeError(f"{fn.__name__} closes over a value that is not plain data ({error}): "
                        "pass it as an argument, built inside the function") from None
    return {"name": fn.__name__, "source": inspect.getsource(fn),
            "freevars": list(fn.__code__.co_freevars), "closure": closure,
            "args": [plain.dump(a) for a in args]}


@dataclass
class WorkerSpec:
    """How to start a worker: the package copy to import, and the sandbox (None: none;
    else :func:`sandbox.backends.spec`'s plain data)."""

    package: str
    modules: list[str]
    sandbox: dict | None
    call_timeout: float = CALL_TIMEOUT
    budget: float = 60.0  # seconds for all of a submission's calls together
    slot: int = 0

    @classmethod
    def from_file(cls, path: Path) -> WorkerSpec:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(vars(self)), encoding="utf-8")


class Worker:
    """One worker process; started on first use and again after the student's code ends it."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.process: subprocess.Popen | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._buffer = b""
        self._deadline = time.monotonic() + spec.budget
        self._timed_out_cells: set[str] = set()

    def _time_left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise StudentTimeout(f"the time for your whole submission ({self.spec.budget:g} s) "
                                 "is used up: look for an endless loop or a very slow step")
        return left

    def _start(self) -> None:
        argv = [sys.executable, "-m", "sandbox.worker", *self.spec.modules]
        self._scratch = tempfile.TemporaryDirectory(prefix="tito-worker-")
        if self.spec.sandbox is None:
            env = {**os.environ, "PYTHONPATH": self.spec.package, "PYTHONIOENCODING": "utf-8"}
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, env=env,
                                            cwd=self._scratch.name, start_new_session=True)
        else:
            # The sandbox sees a frozen copy, readable by its uid; links stay links, so they
            # resolve inside the sandbox's view only.
            root = Path(self._scratch.name)
            submission = root / "submission"
            shutil.copytree(self.spec.package, submission, symlinks=True)
            make_readable(submission)
            (root / "scratch").mkdir()
            command = from_spec(self.spec.sandbox).command(
                argv, root / "scratch", package=submission, slot=self.spec.slot)
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                            start_new_session=True)
        self._buffer = b""
        self._read_line(min(self.spec.call_timeout + 20, self._time_left()))  # after imports

    def _read_line(self, timeout: float) -> bytes:
        assert self.process and self.process.stdout
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stop()
                    raise StudentTimeout(f"your code did not finish within {timeout:g} s: "
                                         "look for an endless loop, or a Python loop that "
                                         "NumPy could do in one operation")
                if selector.select(left):
                    chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                    if not chunk:
                        code = self.process.wait()
                        self.stop()
                        how = f"signal {-code}" if code < 0 else f"exit status {code}"
                        raise StudentCrashed(f"your code ended the test process ({how}): do not "
                                             "call exit(), and stay within memory and CPU limits")
                    self._buffer += chunk
                    if len(self._buffer) > MAX_ANSWER:
                        self.stop()
                        raise StudentCrashed("your code's answer is larger than 256 MiB")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def call(self, fn: Callable | str, *args: Any, grade_cell: str | None = None) -> Any:
        """``fn(*args)`` evaluated in the worker; its value as plain data, or its exception.
        After one call of a test of ``grade_cell`` ran out of time, the cell's other calls
        fail at once (its exercise loops; the rest of the submission keeps its time)."""
        if grade_cell is not None and grade_cell in self._timed_out_cells:
            raise StudentTimeout("not run: an earlier test of this exercise ran out of time; "
                                 "look for an endless loop or a very slow step")
        try:
            return self._call(fn, args)
        except StudentTimeout:
            if grade_cell is not None:
                self._timed_out_cells.add(grade_cell)
            raise

    def _call(self, fn: Callable | str, args: tuple) -> Any:
        message = json.dumps(request(fn, args)) + "\n"
        self._time_left()
        if self.process is None or self.process.poll() is not None:
            self._start()
        assert self.process and self.process.stdin
        try:
            self.process.stdin.write(message.encode("utf-8"))
            self.process.stdin.flush()
        except BrokenPipeError:
            self.stop()
            raise StudentCrashed("your code ended the test process") from None
        line = self._read_line(min(self.spec.call_timeout, self._time_left()))
        try:
            answer = json.loads(line)
            if "value" in answer:
                return plain.load(answer["value"])
            error = _rebuild(answer["error"])
        except (ValueError, KeyError, TypeError, AttributeError) as problem:
            raise StudentError(f"unreadable answer from your code ({problem})") from None
        raise error

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
            self.process = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


@pytest.fixture(scope="session")
def tito_worker() -> Iterator[Worker]:
    spec_file = os.environ.get("TITO_WORKER_SPEC")
    if not spec_file:
        raise pytest.UsageError("TITO_WORKER_SPEC must name the worker spec (tito sets it)")
    worker = Worker(WorkerSpec.from_file(Path(spec_file)))
    yield worker
    worker.stop()


@pytest.fixture
def run(tito_worker: Worker, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``run(fn, *args)``: ``fn(*args)`` evaluated with the student's code, as plain data."""
    grade_cells = getattr(request.module, GRADE_CELLS, {})
    return functools.partial(tito_worker.call,
                             grade_cell=grade_cells.get(request.function.__name__))
