"""Running a test cell's pytest functions inside a notebook, for the student's self-check.

Tests take a ``run`` argument: ``run(fn, *args)`` evaluates ``fn(*args)`` with the student's
code and returns the value as plain data (see :mod:`sandbox.plain`); the assertions then
check that data. Under grading, ``run`` is the judge's fixture and the call happens in a
sandboxed worker; here :class:`LocalRunner` calls directly, with the same semantics, so a
test behaves the same in both places. ``run_tests`` prints a ✓/✗ line per test and raises
at the end if any failed, so the cell fails too.
"""

from __future__ import annotations

import inspect
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from sandbox import CALL_TIMEOUT, plain

__all__ = ["LocalRunner", "assert_array", "run_tests"]


class TestsFailed(AssertionError):
    """Raised by :func:`run_tests` when at least one test in a cell failed."""

    __test__ = False  # not a pytest test class


class LocalRunner:
    """``run`` for a notebook: call in this kernel, return the value as the judge would see it.

    ``fn`` is a function or the name of one in the notebook's namespace (``namespace``).
    A call slower than grading allows (:data:`sandbox.CALL_TIMEOUT`) still answers here,
    and :meth:`too_slow` says so, so the test's line warns before grading scores it 0.
    """

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.slowest = 0.0

    def __call__(self, fn: Callable | str, *args: Any) -> Any:
        function = self.namespace[fn] if isinstance(fn, str) else fn
        started = time.perf_counter()
        try:
            return plain.roundtrip(function(*(plain.roundtrip(arg) for arg in args)))
        finally:
            self.slowest = max(self.slowest, time.perf_counter() - started)

    def too_slow(self) -> str | None:
        """A warning when a call took longer than grading allows, else None."""
        if self.slowest <= CALL_TIMEOUT:
            return None
        return (f"one call took {self.slowest:.1f} s; grading stops a call after "
                f"{CALL_TIMEOUT:g} s and scores it 0: vectorize the slow loop")


def assert_array(actual: Any, expected: Any, dtype: Any = None, rtol: float = 1e-6,
                 atol: float = 1e-6, what: str = "the result") -> None:
    """Check that ``actual`` is a NumPy array with ``expected``'s shape and values (and
    ``dtype`` when given), with a message that says which of them is wrong."""
    expected = np.asarray(expected)
    assert type(actual) is np.ndarray, (
        f"{what} should be an array, got {type(actual).__name__}: {actual!r:.200}")
    assert actual.shape == expected.shape, (
        f"{what} should have shape {expected.shape}, got {actual.shape}")
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (
            f"{what} should have dtype {np.dtype(dtype)}, got {actual.dtype}")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(close):
        where = tuple(int(i) for i in np.argwhere(~close)[0]) if actual.ndim else ()
        raise AssertionError(
            f"{what} has wrong values: {int((~close).sum())} of {close.size} differ; at "
            f"index {where} got {actual[where]!r}, expected {expected[where]!r}")


def _first_line(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    if not isinstance(error, AssertionError):
        message = f"{type(error).__name__}: {message}"
    return message.splitlines()[0]


def run_tests(*tests: Callable[..., object]) -> None:
    """Run each test function, print one line per test, raise if any failed."""
    failures: list[tuple[str, BaseException]] = []
    for test in tests:
        runner = LocalRunner(test.__globals__)
        wants_run = "run" in inspect.signature(test).parameters
        try:
            test(run=runner) if wants_run else test()
        except Exception as error:  # a test may fail with any exception; report, go on
            failures.append((test.__name__, error))
            print(f"✗ {test.__name__}: {_first_line(error)}")
        else:
            warning = runner.too_slow()
            print(f"✓ {test.__name__}" + (f" (but {warning})" if warning else ""))
    if failures:
        name, first = failures[0]
        where = "".join(traceback.format_exception(first)[-3:])
        raise TestsFailed(
            f"{len(failures)} of {len(tests)} tests failed (first: {name}).\n{where}")
