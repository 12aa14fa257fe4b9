"""The judge: tests run in a trusted pytest process; student code only in the worker."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sandbox import backends
from sandbox.bubblewrap import Sandbox
from sandbox.judge import StudentCrashed, StudentError, StudentTimeout, Worker, WorkerSpec
from tito.module_tests import run_pytest

CORRECT = '''
import numpy as np

def double(x):
    if np.any(np.asarray(x) < 0):
        raise ValueError("double: negative input")
    return np.asarray(x) * 2
'''

# Everything a student could try from inside their exported module, at import time.
HOSTILE = '''
import builtins, sys
import numpy as np
import numpy.testing
np.testing.assert_allclose = lambda *args, **kwargs: None
np.array_equal = lambda *args, **kwargs: True
builtins.isinstance = lambda *args: True
try:
    import pytest
    pytest.raises = lambda *args, **kwargs: __import__("contextlib").nullcontext()
except ImportError:
    pass
try:
    import tito.testing
    tito.testing.assert_array = lambda *args, **kwargs: None
except ImportError:
    pass
open("/scratch/results.xml", "w").write('<testsuite tests="3" failures="0"/>')

class Everything:
    def __eq__(self, other):
        return True
    __array_priority__ = 1000
    def __array__(self, *args, **kwargs):
        return np.array([2, 4])

def double(x):
    return Everything()
'''

TESTS = '''
import numpy as np
import pytest

from tito.testing import assert_array


def test_values(run):
    assert_array(run("double", np.array([1, 2])), [2, 4], what="double([1, 2])")


def test_type_checked_in_the_worker(run):
    def student():
        return isinstance(double([1]), np.ndarray), type(double([1])).__name__
    assert run(student) == (True, "ndarray")


def test_error(run):
    with pytest.raises(ValueError, match="negative"):
        run("double", -1)
'''


def package(root: Path, code: str) -> Path:
    target = root / "tinytorch" / "core"
    target.mkdir(parents=True)
    (root / "tinytorch" / "__init__.py").write_text("", encoding="utf-8")
    (target / "__init__.py").write_text("", encoding="utf-8")
    (target / "toy.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return root


def spec(root: Path, sandbox: dict | None = None, **options: object) -> WorkerSpec:
    return WorkerSpec(str(root), ["tinytorch.core.toy"],
                      sandbox=backends.spec(Sandbox()) if sandbox is None else sandbox,
                      **options)


def test_a_correct_package_passes_every_test(tmp_path: Path) -> None:
    run = run_pytest(TESTS, spec(package(tmp_path, CORRECT)))
    assert [(r.name, r.outcome) for r in run.results] == [
        ("test_values", "passed"), ("test_type_checked_in_the_worker", "passed"),
        ("test_error", "passed")]


def test_patching_numpy_builtins_pytest_or_tito_at_import_changes_no_verdict(
        tmp_path: Path) -> None:
    run = run_pytest(TESTS, spec(package(tmp_path, HOSTILE)))
    outcomes = {r.name: (r.outcome, r.message) for r in run.results}
    assert {name: outcome for name, (outcome, _) in outcomes.items()} == {
        "test_values": "failed", "test_type_checked_in_the_worker": "failed",
        "test_error": "failed"}


def test_an_object_equal_to_everything_earns_nothing(tmp_path: Path) -> None:
    code = HOSTILE[HOSTILE.index("class Everything"):]
    run = run_pytest(TESTS, spec(package(tmp_path, "import numpy as np\n" + code)))
    values = next(r for r in run.results if r.name == "test_values")
    assert values.outcome == "failed"
    assert "Everything is not plain data" in values.message


@pytest.mark.parametrize("exit_call", ["import sys; sys.exit(0)", "import os; os._exit(0)"])
def test_exiting_at_import_fails_every_test(tmp_path: Path, exit_call: str) -> None:
    run = run_pytest(TESTS, spec(package(tmp_path, exit_call + "\n" + CORRECT)))
    assert run.passed == 0 and len(run.results) == 3


@pytest.fixture
def worker(tmp_path: Path):
    code = CORRECT + textwrap.dedent('''
        import os, time
        class Oops(Exception):
            pass
        def leave():
            os._exit(3)
        def spin():
            while True:
                pass
        def oops():
            raise Oops("custom")
        def stub():
            raise NotImplementedError("double is not implemented yet")
    ''')
    worker = Worker(spec(package(tmp_path, code), call_timeout=2))
    yield worker
    worker.stop()


def test_a_crash_fails_one_call_and_the_next_call_gets_a_fresh_worker(worker: Worker) -> None:
    with pytest.raises(StudentCrashed, match=r"exit status 3"):
        worker.call("leave")
    assert worker.call("double", 2) == 4


def test_an_endless_loop_times_out_and_the_worker_recovers(worker: Worker) -> None:
    with pytest.raises(StudentTimeout, match="did not finish within 2 s"):
        worker.call("spin")
    assert worker.call("double", 3) == 6


def test_after_one_timeout_the_same_exercise_fails_at_once_and_others_still_run(
        worker: Worker) -> None:
    with pytest.raises(StudentTimeout, match="did not finish within 2 s"):
        worker.call("spin", grade_cell="spin-tests")
    started = time.monotonic()
    with pytest.raises(StudentTimeout, match="an earlier test of this exercise ran out of time"):
        worker.call("double", 1, grade_cell="spin-tests")
    assert time.monotonic() - started < 0.5
    assert worker.call("double", 5, grade_cell="double-tests") == 10


def test_a_submission_gets_one_time_budget_for_all_its_calls(tmp_path: Path) -> None:
    code = CORRECT + "\ndef spin():\n    while True:\n        pass\n"
    worker = Worker(spec(package(tmp_path, code), call_timeout=2, budget=3))
    try:
        started = time.monotonic()
        with pytest.raises(StudentTimeout, match="within 2 s"):
            worker.call("spin")
        with pytest.raises(StudentTimeout):
            worker.call("spin")
        with pytest.raises(StudentTimeout, match=r"whole submission \(3 s\) is used up"):
            worker.call("double", 1)
        assert time.monotonic() - started < 6
    finally:
        worker.stop()


def test_exceptions_come_back_by_builtin_type_or_as_student_error(worker: Worker) -> None:
    with pytest.raises(NotImplementedError, match="not implemented yet"):
        worker.call("stub")
    with pytest.raises(StudentError, match="Oops: custom"):
        worker.call("oops")


def test_returning_something_not_plain_never_passes_for_a_typeerror(worker: Worker) -> None:
    def student():
        class Fake:
            pass
        return Fake()

    with pytest.raises(StudentError, match=r"NotPlainData: .*Fake is not plain data") as raised:
        worker.call(student)
    assert not isinstance(raised.value, TypeError)


def test_only_def_functions_and_plain_closures_are_shipped(worker: Worker) -> None:
    with pytest.raises(TypeError, match="run\\(\\) takes a function defined with def"):
        worker.call(lambda: 1)
    values = np.array([1.0, 2.0])

    def student():
        return double(values)  # noqa: F821 (defined in the worker, by the student's package)

    np.testing.assert_array_equal(worker.call(student), [2.0, 4.0])
    dtype = np.float32

    def uses_a_class():
        return dtype

    with pytest.raises(TypeError, match="closes over a value that is not plain data"):
        worker.call(uses_a_class)


def test_without_a_sandbox_the_same_calls_work(tmp_path: Path) -> None:
    worker = Worker(WorkerSpec(str(package(tmp_path, CORRECT)), ["tinytorch.core.toy"],
                               sandbox=None))
    try:
        assert worker.call("double", 21) == 42
    finally:
        worker.stop()
