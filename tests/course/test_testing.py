"""tito.testing: the notebook's run_tests and assert_array, with the judge's semantics."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.plain import NotPlainData
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
