"""Run a test cell's pytest functions inside a notebook, for the student's self-check.

The same functions run under pytest when the module is tested or graded; in the notebook
``run_tests`` calls them one by one, prints a ✓/✗ line per test with the failure message,
and raises at the end if any failed, so the cell (and nbgrader's per-cell check) fails.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable


class TestsFailed(AssertionError):
    """Raised by :func:`run_tests` when at least one test in a cell failed."""


def _failure_message(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    if not isinstance(error, AssertionError):
        message = f"{type(error).__name__}: {message}"
    return message.splitlines()[0] if message else type(error).__name__


def run_tests(*tests: Callable[[], object]) -> None:
    """Run each test function, print one line per test, raise if any failed."""
    failures: list[tuple[str, BaseException]] = []
    for test in tests:
        try:
            test()
        except Exception as error:  # a test may fail with any exception; report, go on
            failures.append((test.__name__, error))
            print(f"✗ {test.__name__}: {_failure_message(error)}")
        else:
            print(f"✓ {test.__name__}")
    if failures:
        name, first = failures[0]
        where = "".join(traceback.format_exception(first)[-3:])
        raise TestsFailed(
            f"{len(failures)} of {len(tests)} tests failed (first: {name}).\n{where}"
        )
