"""Test cells: which pytest functions a cell defines and runs, and the pytest file that runs
a notebook's test cells against a package."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nbformat import NotebookNode

from sandbox import GRADE_CELLS
from tito.manifest import Course, Module

RUN_TESTS = "run_tests"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
# Cell metadata key of tito's own facts about a cell; a test cell's "tests" is its label.
TINYTORCH_KEY = "tinytorch"
MAX_LABEL = 200  # a label longer than this (only a tampered notebook has one) is cut


def label_of(cell: NotebookNode) -> str:
    """What a test cell tests, as people read it (``"relu, ReLU"``, ``"Tensor.__add__"``):
    the label the instructor notebook gave it, else its grade id (notebooks made before
    labels). A student's copy carries the label too, so it is only ever shown as text."""
    metadata = cell.get("metadata", {})
    own = metadata.get(TINYTORCH_KEY)
    label = own.get("tests") if isinstance(own, dict) else None
    if isinstance(label, str) and label.strip():
        return label.strip()[:MAX_LABEL]
    grading = metadata.get("nbgrader")
    return str(grading.get("grade_id", "")) if isinstance(grading, dict) else ""


@dataclass
class CellTests:
    """The test functions of one cell, split by region, and what is wrong with them."""

    visible: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    run_lines: list[tuple[int, int]] = field(default_factory=list)  # 1-based, inclusive
    problems: list[str] = field(default_factory=list)


def _hidden_span(lines: list[str]) -> tuple[int, int] | None:
    begin = next((n for n, line in enumerate(lines, 1) if BEGIN_HIDDEN in line), None)
    end = next((n for n, line in enumerate(lines, 1) if END_HIDDEN in line), None)
    return (begin, end) if begin and end else None


def _run_tests_call(node: ast.stmt) -> ast.Call | None:
    if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == RUN_TESTS):
        return node.value
    return None


def _outside_nested_functions(function: ast.FunctionDef) -> set[str]:
    """Names a test reads in its own body, not inside the functions it defines (those run in
    the worker, where the student's names exist)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def analyze_test_cell(source: str, exported: frozenset[str] = frozenset()) -> CellTests:
    """Find the cell's ``test_`` functions and ``run_tests(...)`` calls; every test must be
    named exactly once by a call in its own region (visible or hidden), and reach the
    ``exported`` names only inside functions it passes to ``run``. Raises SyntaxError."""
    tree = ast.parse(source)
    span = _hidden_span(source.split("\n"))

    def region(node: ast.AST) -> str:
        return "hidden" if span and span[0] < node.lineno < span[1] else "visible"

    analysis = CellTests()
    defined: dict[str, str] = {}
    named: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            defined[node.name] = region(node)
            getattr(analysis, region(node)).append(node.name)
            for name in sorted(_outside_nested_functions(node) & exported):
                analysis.problems.append(
                    f"{node.name} uses {name} outside a function it passes to run(...): "
                    "the judge never imports the student's code")
        call = _run_tests_call(node)
        if call is None:
            continue
        analysis.run_lines.append((node.lineno, node.end_lineno or node.lineno))
        for arg in call.args:
            name = arg.id if isinstance(arg, ast.Name) else ast.unparse(arg)
            if name in named:
                analysis.problems.append(f"run_tests names {name} twice")
            named[name] = region(node)

    for name, where in defined.items():
        if name not in named:
            analysis.problems.append(f"{name} is never passed to run_tests(...)")
        elif named[name] != where:
            analysis.problems.append(
                f"{name} is a {where} test but run in the {named[name]} region")
    for name in named:
        if name not in defined:
            analysis.problems.append(f"run_tests names {name}, which is not a test_ "
                                     "function of this cell")
    return analysis


def pytest_code(source: str) -> str:
    """The cell's source without its ``run_tests(...)`` calls: plain pytest functions."""
    lines = source.split("\n")
    for first, last in analyze_test_cell(source).run_lines:
        for number in range(first - 1, last):
            lines[number] = ""
    return "\n".join(lines).strip() + "\n"


@dataclass(frozen=True)
class AutogradedCell:
    """An autograded test cell of a notebook (as nbgrader marks it)."""

    grade_id: str
    points: float
    source: str
    tests: tuple[str, ...]


def is_test_cell(cell: NotebookNode) -> bool:
    """Whether ``cell`` is an autograded test cell (graded code that students do not write)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def autograded_cells(notebook: NotebookNode) -> list[AutogradedCell]:
    """The autograded test cells of an instructor or student notebook, in order."""
    cells = []
    for cell in notebook.cells:
        if is_test_cell(cell):
            meta = cell["metadata"]["nbgrader"]
            analysis = analyze_test_cell(cell.source)
            cells.append(AutogradedCell(meta["grade_id"], meta.get("points", 0), cell.source,
                                  tuple(analysis.visible + analysis.hidden)))
    return cells


def student_modules(module: Module, course: Course) -> list[str]:
    """The package modules a test's ``run`` calls can see: the module's and its
    prerequisites' public names."""
    return [m.target for m in [*course.prerequisites(module), module]]


def pytest_module(notebook: NotebookNode, module: Module, origin: str) -> str:
    """A pytest file of the notebook's test cells. It never imports the student's package:
    the tests reach it only through the ``run`` fixture of :mod:`sandbox.judge`."""
    parts = [
        f'"""Tests of module {module.label}, collected by tito from {origin}."""',
        "import numpy as np",
        "import pytest",
        "",
        "from tito.testing import assert_array",
        "",
    ]
    cells = autograded_cells(notebook)
    for cell in cells:
        parts.append(f"\n# --- grade cell {cell.grade_id} ({cell.points:g} points)")
        parts.append(pytest_code(cell.source))
    grade_cells = {name: cell.grade_id for cell in cells for name in cell.tests}
    parts.append(f"\n{GRADE_CELLS} = {grade_cells!r}")
    return "\n".join(parts) + "\n"


def plural(count: int, word: str) -> str:
    """``1 test``, ``2 tests``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def results_summary(failing: int, total: int, unanswered: int, questions: int,
                    unit: str = "test") -> str:
    """The first line of every check a student reads (``tito module test``, the lab's panel,
    feedback), tests first: ``6 of 8 tests fail; 2 questions unanswered``."""
    if total == 0:
        tests = f"no {unit}s to run"
    elif failing == 0:
        tests = f"the {unit} passes" if total == 1 else f"all {total} {unit}s pass"
    elif total == 1:
        tests = f"the {unit} fails"
    else:
        tests = f"{failing} of {total} {unit}s {'fails' if failing == 1 else 'fail'}"
    if questions == 0:
        return tests
    answers = ("every question answered" if unanswered == 0
               else f"{plural(unanswered, 'question')} unanswered")
    return f"{tests}; {answers}"
