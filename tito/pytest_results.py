"""The pytest plugin through which :mod:`tito.module_tests` learns each test's result.

``pytest -p tito.pytest_results --tito-results=results.json`` writes, when the session
ends, one entry per test in the order they ran: its name, its outcome (``passed``,
``failed``, ``error`` or ``skipped``) and the first line of its message, the one students
see (an assertion's own message, in full). A test file that cannot be collected is one
``error`` entry named after the file.

It runs in the grader's trusted pytest process, never in the sandbox, and imports only
pytest: that process starts it for every submission.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

OPTION = "--tito-results"
# The judge's own exception types (sandbox.judge.StudentTimeout, ...): their messages say all
# a student needs, so the type name is left out of what they see.
_JUDGE_TYPE = re.compile(r"^sandbox\.judge\.Student\w*: ")


def first_line(text: str | None) -> str:
    """The first line of ``text`` that is not blank, stripped."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, metavar="PATH", help="write each test's result to PATH as JSON")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    if path:
        config.pluginmanager.register(ResultsWriter(Path(path)), "tito-results")


def _name(nodeid: str) -> str:
    # pytest's JUnit report names a test by its function (with parameters) and a file that
    # does not collect by its module: keep those names, which autograde matches on.
    return nodeid.split("::")[-1].rsplit("/", 1)[-1].removesuffix(".py") or "collection"


def _crash(report: pytest.TestReport | pytest.CollectReport) -> str:
    """What the exception that ended this phase says."""
    crash = getattr(report.longrepr, "reprcrash", None)
    return _JUDGE_TYPE.sub("", crash.message) if crash is not None else str(report.longrepr)


def _collect_error(report: pytest.CollectReport) -> str:
    # A module that fails to import reports pytest's whole explanation; the error itself is
    # its last "E   ..." line (a failing import, a syntax error).
    text = str(report.longrepr)
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    return f"collection failure: {errors[-1] if errors else first_line(text)}"


class ResultsWriter:
    """Collects the results of a session and writes them to ``path`` when it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.results: dict[str, dict[str, str]] = {}

    def _record(self, nodeid: str, outcome: str, message: str) -> None:
        # A test's first failing phase decides its outcome (a failed call stays failed when
        # its teardown fails too); a passing phase never hides a failing one.
        recorded = self.results.get(nodeid)
        if recorded is None or recorded["outcome"] == "passed":
            self.results[nodeid] = {"name": _name(nodeid), "outcome": outcome,
                                    "message": first_line(message)}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.passed:
            if report.when == "call":
                self._record(report.nodeid, "passed", "")
        elif report.skipped:
            if hasattr(report, "wasxfail"):
                reason = report.wasxfail.removeprefix("reason: ")
            else:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            self._record(report.nodeid, "skipped", reason.removeprefix("Skipped: "))
        elif report.when == "call":
            self._record(report.nodeid, "failed", _crash(report))
        else:
            self._record(report.nodeid, "error",
                         f'failed on {report.when} with "{first_line(_crash(report))}"')

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._record(report.nodeid, "error", _collect_error(report))
        elif report.skipped:  # a module that skips itself (allow_module_level)
            self._record(report.nodeid, "skipped", "collection skipped")

    def pytest_internalerror(self, excrepr: object) -> None:
        self.results["internal"] = {"name": "internal", "outcome": "error",
                                    "message": f"internal error: {first_line(str(excrepr))}"}

    def pytest_sessionfinish(self) -> None:
        self.path.write_text(json.dumps(list(self.results.values())), encoding="utf-8")
