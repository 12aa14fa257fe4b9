"""tito.testing: the notebook's run_tests and assert_array, with the judge's semantics;
tito.module_tests: the grader's pytest run and the results it reports."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from sandbox.judge import WorkerSpec
from sandbox.plain import NotPlainData
from tito.module_tests import TestResult, run_pytest
from tito.testing import LocalRunner, TestsFailed, assert_array, run_tests


def test_assert_array_names_what_differs_first() -> None:
    with pytest.raises(AssertionError, match=r"^the sum has wrong values: 1 of 3 differ; at "
                                             r"index \(1,\) got np.float64\(5.0\), expected "
                                             r"np.int64\(4\)"):
        assert_array(np.array([1.0, 5.0, 3.0]), [1, 4, 3], what="the sum")
    with pytest.raises(AssertionError, match="should be an array, got list"):
        assert_array([1, 2], [1, 2])
    with pytest.raises(AssertionError, match=r"should have shape \(2,\), got \(3,\)"):
        assert_array(np.zeros(3), [0, 0])
    with pytest.raises(AssertionError, match="should have dtype float32, got float64"):
        assert_array(np.zeros(2), [0, 0], dtype="float32")
    assert_array(np.array([1.0, np.nan]), [1.0, np.nan])


def test_the_local_runner_hands_back_plain_data_like_the_judge() -> None:
    run = LocalRunner({"double": lambda x: np.asarray(x) * 2})
    assert_array(run("double", [1, 2]), [2, 4])

    class Tensorish:
        pass

    with pytest.raises(NotPlainData):
        run(lambda: Tensorish())


def test_run_tests_reports_each_test_and_fails_the_cell(capsys: pytest.CaptureFixture) -> None:
    def test_good(run):
        assert run(lambda: 1) == 1

    def test_bad():
        raise AssertionError("the answer is wrong")

    with pytest.raises(TestsFailed, match=r"1 of 2 tests failed \(first: test_bad\)"):
        run_tests(test_good, test_bad)
    assert capsys.readouterr().out == "✓ test_good\n✗ test_bad: the answer is wrong\n"


def test_a_call_slower_than_grading_allows_passes_with_a_warning(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tito.testing.CALL_TIMEOUT", 0.05)

    def test_slow(run):
        assert run(lambda: time.sleep(0.1)) is None

    def test_quick(run):
        assert run(lambda: 1) == 1

    run_tests(test_slow, test_quick)
    assert capsys.readouterr().out.splitlines() == [
        "✓ test_slow (but one call took 0.1 s; grading stops a call after 0.05 s and scores "
        "it 0: vectorize the slow loop)", "✓ test_quick"]


OUTCOMES = """
import pytest

def test_passes():
    pass

def test_long_message():
    assert 1 == 2, "the gradient of relu " + "is wrong " * 100 + "\\nsecond line"

def test_raises():
    raise ValueError("bad input\\nmore detail")

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_setup_fails(broken):
    pass

def test_skips():
    pytest.skip("not today")
"""


def no_worker(tmp_path: Path) -> WorkerSpec:
    """A worker these tests never start (none of them calls ``run``)."""
    return WorkerSpec(str(tmp_path), [], sandbox=None)


@pytest.mark.parametrize("fork", [False, True])
def test_run_pytest_reports_each_outcome_with_the_first_line_of_its_message(
        tmp_path: Path, fork: bool) -> None:
    run = run_pytest(OUTCOMES, no_worker(tmp_path), fork=fork)
    long = "AssertionError: the gradient of relu " + "is wrong " * 100
    assert run.results == (
        TestResult("test_passes", "passed", ""),
        TestResult("test_long_message", "failed", long.strip()),  # whole, however long
        TestResult("test_raises", "failed", "ValueError: bad input"),
        TestResult("test_setup_fails", "error",
                   'failed on setup with "RuntimeError: fixture broke"'),
        TestResult("test_skips", "skipped", "not today"))
    assert run.passed == 1 and not run.ok


@pytest.mark.parametrize("fork", [False, True])
def test_a_test_file_that_does_not_import_is_one_error_naming_the_cause(
        tmp_path: Path, fork: bool) -> None:
    code = "import no_such_module_here\n\ndef test_never_runs():\n    pass\n"
    run = run_pytest(code, no_worker(tmp_path), name="test_broken.py", fork=fork)
    assert run.results == (TestResult(
        "test_broken", "error",
        "collection failure: ModuleNotFoundError: No module named 'no_such_module_here'"),)
    assert not run.ok
