"""A student's check of one module: its visible tests run on their notebook's code, and
the systems questions they have not answered yet, summary first.

What ``tito module test`` prints and what the lab's TinyTorch panel shows. A test's
message is what its assertion says, never a traceback or the test's source.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nbformat import NotebookNode

from tito.authoring.export import module_code
from tito.authoring.policy import is_unanswered
from tito.authoring.test_cells import (
    analyze_test_cell,
    is_test_cell,
    label_of,
    results_summary,
)
from tito.errors import TitoError
from tito.manifest import Module
from tito.project import display
from tito.student.workspace import Workspace, now

if TYPE_CHECKING:
    from tito.module_tests import TestResult, TestRun

# A failed assert's first line is "AssertionError: <its message>"; one without a message
# is the assert statement itself (pytest's "assert x == y"), which is test source.
_ASSERTION = "AssertionError: "
_BARE_ASSERT = re.compile(r"^(AssertionError: )?assert\b")
_PARAMETERS = re.compile(r"\[.*\]$")
_MARKUP = re.compile(r"[*_`#>]+")


@dataclass(frozen=True)
class TestOutcome:
    """One test as a student sees it: the piece of their code it tests and what went wrong."""

    __test__ = False  # not a pytest class

    name: str
    piece: str
    outcome: str  # passed | failed | error | skipped
    message: str


@dataclass(frozen=True)
class ValidationReport:
    """The check of one module: the summary line, each test, the unanswered questions."""

    summary: str
    passed: int
    total: int
    tests: tuple[TestOutcome, ...]
    unanswered: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Every test passes (and there is at least one)."""
        return bool(self.total) and self.passed == self.total

    def as_json(self) -> dict:
        """The report as plain JSON data (the panel's API answer)."""
        answer = asdict(self)
        answer["tests"] = [asdict(test) for test in self.tests]
        answer["unanswered"] = list(self.unanswered)
        return answer


def message(result: TestResult) -> str:
    """What the student reads about a test: the assertion's own message (or the error's),
    never the assert statement, which is the test's source."""
    if result.outcome == "passed":
        return ""
    if _BARE_ASSERT.match(result.message):
        return "an assertion failed (the test gives no message): see the test in your notebook"
    return result.message.removeprefix(_ASSERTION)


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def pieces(notebook: NotebookNode) -> dict[str, str]:
    """Test function → the piece of code it tests (its cell's label)."""
    labels = {}
    for cell in filter(is_test_cell, notebook.cells):
        analysis = analyze_test_cell(cell.source)
        labels.update(dict.fromkeys(analysis.visible + analysis.hidden, label_of(cell)))
    return labels


def _question(cells: list[NotebookNode], index: int) -> str:
    """The question an answer cell answers: the first line of the markdown cell before it
    (``**Question 1: what a model's numbers cost.** ...`` → its bold part), else its
    grade id."""
    grade_id = _nbgrader(cells[index])["grade_id"]
    before = cells[index - 1] if index else None
    if before is None or before.cell_type != "markdown" or not before.source.strip():
        return grade_id
    first = before.source.strip().splitlines()[0]
    bold = re.match(r"^\*\*(.+?)\*\*", first)
    text = _MARKUP.sub("", bold.group(1) if bold else first).strip()
    return text[:100] or grade_id


def unanswered(notebook: NotebookNode) -> list[str]:
    """The manually graded questions whose answer cell is blank, nbgrader's placeholder or
    unchanged from the release, by their question."""
    found = []
    for index, cell in enumerate(notebook.cells):
        meta = _nbgrader(cell)
        if not (meta.get("grade") and meta.get("solution")):
            continue
        if is_unanswered(cell):
            found.append(_question(notebook.cells, index))
    return found


def questions(notebook: NotebookNode) -> int:
    """How many manually graded questions the notebook asks."""
    return sum(bool(_nbgrader(c).get("grade") and _nbgrader(c).get("solution"))
               for c in notebook.cells)


def _package_with(workspace: Workspace, module: Module, code: str, root: Path) -> None:
    """At ``root``, a copy of the student's package with ``module``'s file replaced by
    ``code``: the tests see the notebook as it is, and the student's own package (which
    later modules and the milestones use) changes only when they export."""
    package = workspace.course.package
    if (workspace.root / package).is_dir():
        shutil.copytree(workspace.root / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    scratch = Workspace(root, workspace.course)
    scratch.init({})  # what the student's package lacks: skeleton and placeholders
    scratch.package_file(module).write_text(code, encoding="utf-8")


def validate(workspace: Workspace, module: Module) -> ValidationReport:
    """Run the visible tests of the student's notebook of ``module`` on the notebook's code
    (with the rest of their package), find the questions still unanswered, and record the
    result in the workspace's progress. A notebook that does not read or export is a
    :class:`TitoError` saying how to fix it; nothing of the student's changes."""
    # Imported here: pytest and NumPy load when a student first runs tests, not with
    # every lab's start (the panel imports this module).
    from tito.module_tests import run_module_tests

    notebook = workspace.read_notebook(module)
    path = workspace.notebook(module)
    try:
        code = module_code(notebook, module, f"# Tested by tito from {path.name}.")
    except TitoError as error:
        raise TitoError(f"{display(path)}: {error}") from None
    with tempfile.TemporaryDirectory(prefix="tito-validate-") as scratch:
        _package_with(workspace, module, code, Path(scratch))
        run = run_module_tests(notebook, module, workspace.course, Path(scratch),
                               f"modules/{module.slug}/{module.id}.ipynb")
    workspace.record(module, tests={"passed": run.passed, "total": len(run.results),
                                    "at": now()})
    return report(run, notebook)


def report(run: TestRun, notebook: NotebookNode) -> ValidationReport:
    """The report of ``run``, the tests of ``notebook`` (a student's; an instructor's has
    every question answered)."""
    labels = pieces(notebook)
    tests = tuple(TestOutcome(result.name,
                              labels.get(_PARAMETERS.sub("", result.name), result.name),
                              result.outcome, message(result)) for result in run.results)
    open_questions = unanswered(notebook)
    return ValidationReport(
        results_summary(len(tests) - run.passed, len(tests), len(open_questions),
                        questions(notebook)),
        run.passed, len(tests), tests, tuple(open_questions))
