"""Run a generated pytest file against a package copy, in a separate Python process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from tito.authoring.tests import pytest_module, student_modules
from tito.errors import TitoError
from tito.grading.judge import WorkerSpec
from tito.manifest import Course, Module


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


def _first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def _results(junit: Path) -> tuple[TestResult, ...]:
    results = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag == "failure" else child.tag
                message = _first_line(child.get("message")) or _first_line(child.text)
                break
        name = case.get("name") or case.get("classname") or "collection"
        results.append(TestResult(name, outcome, message))
    return tuple(results)


def run_pytest(test_code: str, worker: WorkerSpec, name: str = "test_module.py",
               timeout: float = 600) -> TestRun:
    """Run ``test_code`` with pytest; its ``run`` fixture calls into ``worker``'s package.

    pytest runs in a fresh interpreter in a scratch directory, with no project configuration
    and without the student's package on its path: only the worker imports student code.
    """
    with tempfile.TemporaryDirectory(prefix="tito-tests-") as scratch:
        folder = Path(scratch)
        (folder / name).write_text(test_code, encoding="utf-8")
        (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        worker.write(folder / "worker.json")
        junit = folder / "results.xml"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env.update({"TITO_WORKER_SPEC": str(folder / "worker.json"),
                    "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1"})
        command = [sys.executable, "-m", "pytest", name, "-q", "-p", "no:cacheprovider",
                   "-p", "tito.grading.judge", "-c", "pytest.ini", "--rootdir", ".",
                   f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        try:
            completed = subprocess.run(command, cwd=folder, env=env, capture_output=True,
                                       text=True, encoding="utf-8", errors="replace",
                                       timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TitoError(f"the tests did not finish within {timeout:.0f} s: look for an "
                            "endless loop in your code") from None
        if not junit.exists():
            raise TitoError(f"pytest could not run the tests: {_first_line(completed.stderr)}")
        return TestRun(_results(junit), completed.stdout + completed.stderr)


def run_module_tests(notebook: NotebookNode, module: Module, course: Course, package: Path,
                     origin: str, sandbox: dict | None = None, **worker: object) -> TestRun:
    """The test cells of ``notebook`` (an instructor's: hidden tests too; a student's: the
    visible ones) run with pytest, their ``run`` calls going to ``package``'s code: in the
    sandbox configured by ``sandbox``, or unsandboxed when it is None."""
    spec = WorkerSpec(str(package), student_modules(module, course), sandbox=sandbox,
                      **worker)  # type: ignore[arg-type]
    return run_pytest(pytest_module(notebook, module, origin), spec, f"test_{module.id}.py")
