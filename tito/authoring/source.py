"""Read a module's one source (jupytext percent format), check it, and build the
instructor notebook with nbgrader metadata. The format is described in course/AUTHORING.md."""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

from tito.authoring.test_cells import (
    BEGIN_HIDDEN,
    END_HIDDEN,
    TINYTORCH_KEY,
    analyze_test_cell,
)
from tito.errors import TitoError
from tito.manifest import Module

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
EXPORT_MARK = "#| export"

_GRADE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CELL_HEADER = re.compile(r"^# %%")
# Keys jupytext itself writes into cell metadata; any other key must be a role or points.
_JUPYTEXT_KEYS = {"lines_to_next_cell", "tags", "title", "jupyter"}


class Role(Enum):
    """What a cell is for; decides its nbgrader metadata and what students get."""

    PROSE = "prose"
    CODE = "code"
    SOLUTION = "solution"
    TEST = "test"
    MANUAL = "manual"
    LOCKED = "locked"


_ROLE_KEYS = {Role.SOLUTION: "solution", Role.TEST: "test", Role.MANUAL: "manual",
              Role.LOCKED: "locked"}


@dataclass(frozen=True)
class Region:
    """Lines ``begin``..``end`` (0-based, inclusive of both marker lines) of a cell."""

    begin: int
    end: int


@dataclass(frozen=True)
class SourceCell:
    index: int
    line: int  # 1-based line of the cell's ``# %%`` header in the source file
    role: Role
    grade_id: str | None
    points: int
    exported: bool
    cell: NotebookNode


@dataclass(frozen=True)
class ModuleSource:
    module: Module
    path: Path
    text: str
    notebook: NotebookNode
    cells: tuple[SourceCell, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def is_export_cell(cell: NotebookNode) -> bool:
    """A code cell whose first line is ``#| export``."""
    return cell.cell_type == "code" and cell.source.split("\n", 1)[0].strip() == EXPORT_MARK


def find_regions(lines: list[str], begin: str, end: str) -> tuple[list[Region], str | None]:
    """The ``begin``/``end`` delimited regions of ``lines``, or a description of the first
    nesting or closing problem."""
    regions: list[Region] = []
    start: int | None = None
    for number, line in enumerate(lines):
        if begin in line:
            if start is not None:
                return regions, f"'{begin}' at line {number + 1} of the cell is nested in another"
            start = number
        elif end in line:
            if start is None:
                return regions, f"'{end}' at line {number + 1} of the cell has no '{begin}'"
            regions.append(Region(start, number))
            start = None
    if start is not None:
        return regions, f"'{begin}' at line {start + 1} of the cell is never closed by '{end}'"
    return regions, None


class _Checker:
    """Collects the first problem of a source as a one-line error naming file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, problem: str, fix: str) -> TitoError:
        return TitoError(f"{self.path}:{line}: {problem}: {fix}")


def _role(check: _Checker, line: int, cell: NotebookNode) -> tuple[Role, str | None, int]:
    meta = cell.metadata
    unknown = set(meta) - set(_ROLE_KEYS.values()) - {"points"} - _JUPYTEXT_KEYS
    if unknown:
        raise check.fail(line, f"unknown cell key '{sorted(unknown)[0]}'",
                         "a cell header takes solution=, test=, manual=, locked= and points=")
    roles = [role for role, key in _ROLE_KEYS.items() if key in meta]
    if len(roles) > 1:
        keys = " and ".join(f"{_ROLE_KEYS[r]}=" for r in roles)
        raise check.fail(line, f"cell has both {keys}", "give each cell one role")
    if not roles:
        if "points" in meta:
            raise check.fail(line, "points= on a cell with no graded role",
                             "add test=\"<id>\" or manual=\"<id>\", or drop points=")
        return (Role.PROSE if cell.cell_type == "markdown" else Role.CODE), None, 0

    role = roles[0]
    grade_id = meta[_ROLE_KEYS[role]]
    if not (isinstance(grade_id, str) and _GRADE_ID.match(grade_id)):
        raise check.fail(line, f"{_ROLE_KEYS[role]}={grade_id!r} is not a valid grade id",
                         "use lowercase letters, digits, '-' and '_' (at most 64), in quotes")
    points = meta.get("points", 0)
    graded = role in (Role.TEST, Role.MANUAL)
    if graded and not (isinstance(points, int) and not isinstance(points, bool) and points > 0):
        raise check.fail(line, f"{_ROLE_KEYS[role]}= cell needs points=<positive integer>",
                         f"add points=N to the header (got {points!r})")
    if not graded and "points" in meta:
        raise check.fail(line, f"points= on a {_ROLE_KEYS[role]}= cell",
                         "only test= and manual= cells carry points")
    expected_type = "markdown" if role is Role.MANUAL else "code"
    if role is not Role.LOCKED and cell.cell_type != expected_type:
        raise check.fail(line, f"{_ROLE_KEYS[role]}= cell is a {cell.cell_type} cell",
                         f"{_ROLE_KEYS[role]}= cells must be {expected_type} cells")
    return role, grade_id, points


def _check_regions(check: _Checker, line: int, role: Role, cell: NotebookNode) -> None:
    lines = cell.source.split("\n")
    for begin, end, owner in ((BEGIN_SOLUTION, END_SOLUTION, (Role.SOLUTION, Role.MANUAL)),
                              (BEGIN_HIDDEN, END_HIDDEN, (Role.TEST,))):
        regions, problem = find_regions(lines, begin, end)
        if problem:
            raise check.fail(line, problem, "close each region once, without nesting")
        if regions and role not in owner:
            keys = " or ".join(f"{_ROLE_KEYS[r]}=" for r in owner)
            raise check.fail(line, f"'{begin}' in a cell without {keys}",
                             f"mark the cell {keys}\"<id>\" or remove the region")
        if role is Role.SOLUTION and begin == BEGIN_SOLUTION and not regions:
            raise check.fail(line, "solution= cell has no solution region",
                             f"wrap the answer in '{BEGIN_SOLUTION}' / '{END_SOLUTION}'")
        if role is Role.TEST and begin == BEGIN_HIDDEN:
            if len(regions) > 1:
                raise check.fail(line, "test cell has more than one hidden-test region",
                                 "keep hidden tests in one region at the end of the cell")
            if regions and any(text.strip() for text in lines[regions[0].end + 1:]):
                raise check.fail(line, "code after the hidden-test region",
                                 "the hidden-test region must end the cell")


def _check_export(check: _Checker, line: int, cell: NotebookNode) -> None:
    lines = cell.source.split("\n")
    if any(text.strip() == EXPORT_MARK for text in lines[1:]):
        raise check.fail(line, f"'{EXPORT_MARK}' is not the first line of its cell",
                         "move it to the cell's first line")
    if cell.cell_type == "markdown" and lines and lines[0].strip() == EXPORT_MARK:
        raise check.fail(line, f"'{EXPORT_MARK}' in a markdown cell", "only code is exported")
    if is_export_cell(cell):
        try:  # region markers and the export line are comments: compile the cell as written
            compile(cell.source, f"{check.path}:{line}", "exec")
        except SyntaxError as error:
            raise check.fail(line + (error.lineno or 0), f"export cell does not compile "
                             f"({error.msg})", "fix the code") from None


def public_names(tree: ast.Module) -> list[str]:
    """The public top-level names a module defines (its ``__all__``), in order."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in dict.fromkeys(names) if not name.startswith("_")]


def extended_class(node: ast.stmt) -> str | None:
    """The ``Name`` of a top-level ``@extends(Name) class Piece:``, None for any other
    statement (whether the piece is well formed is export's check)."""
    if not isinstance(node, ast.ClassDef):
        return None
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "extends" and decorator.args
                and isinstance(decorator.args[0], ast.Name)):
            return decorator.args[0].id
    return None


def _is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def defined_pieces(source: str) -> list[str]:
    """What a cell defines for students to write: its functions and classes, and the
    methods an ``@extends(Name)`` piece adds, as ``Name.method``; the public ones, or the
    private ones when that is all there is (an exercise on a helper such as ``_fetch``)."""
    pieces: list[str] = []
    for node in ast.parse(source).body:
        target = extended_class(node)
        if target is not None:
            pieces += [f"{target}.{item.name}" for item in node.body  # type: ignore[attr-defined]
                       if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            pieces.append(node.name)
    public = [piece for piece in pieces if _is_public(piece.rsplit(".", 1)[-1])]
    return public or pieces


def piece_labels(cells: tuple[SourceCell, ...] | list[SourceCell]) -> dict[int, str]:
    """Cell index → what that test cell tests: the pieces the nearest exercise (solution)
    cell before it defines, or its grade id when there is none."""
    labels: dict[int, str] = {}
    pieces: list[str] = []
    for cell in cells:
        if cell.role is Role.SOLUTION:
            pieces = defined_pieces(cell.cell.source)
        elif cell.role is Role.TEST:
            labels[cell.index] = ", ".join(pieces) or str(cell.grade_id)
    return labels


def _exported_names(cells: list[SourceCell]) -> frozenset[str]:
    names: set[str] = set()
    for cell in cells:
        if cell.exported:
            names.update(public_names(ast.parse(cell.cell.source)))
    return frozenset(names)


def _check_tests(check: _Checker, cell: SourceCell, seen: dict[str, int],
                 exported: frozenset[str]) -> None:
    try:
        analysis = analyze_test_cell(cell.cell.source, exported)
    except SyntaxError as error:
        raise check.fail(cell.line + (error.lineno or 0),
                         f"test cell does not compile ({error.msg})", "fix the code") from None
    if not analysis.visible and not analysis.hidden:
        raise check.fail(cell.line, "test cell defines no test_ function",
                         "add pytest functions named test_...")
    for problem in analysis.problems:
        fix = ("move the call into a function passed to run(...)" if "outside a function"
               in problem else "name each test once in run_tests(...) of its region")
        raise check.fail(cell.line, problem, fix)
    for name in analysis.visible + analysis.hidden:
        if name in seen:
            raise check.fail(cell.line, f"test {name} is also defined in the cell at line "
                             f"{seen[name]}", "give every test in the module its own name")
        seen[name] = cell.line


def read_source(module: Module, modules_dir: Path) -> ModuleSource:
    """Parse and check ``course/modules/<id>/<id>.py``. Raises :class:`TitoError` naming
    the file, the line and the fix for the first problem found."""
    path = module.source_path(modules_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TitoError(f"{path}: module '{module.id}' has no source yet: write it "
                        "(see course/AUTHORING.md)") from None
    except UnicodeDecodeError as error:
        raise TitoError(f"{path}: not UTF-8 ({error.reason} at byte {error.start}): "
                        "save the file as UTF-8") from None
    check = _Checker(path)
    try:
        notebook = jupytext.reads(text, fmt="py:percent")
    except Exception as error:  # jupytext raises several types for a malformed header
        raise check.fail(1, f"jupytext cannot read it ({error})", "fix the file header") from None

    header_lines = [n + 1 for n, text_line in enumerate(text.splitlines())
                    if _CELL_HEADER.match(text_line)]
    if len(header_lines) != len(notebook.cells):
        raise check.fail(1, "text outside a cell", "start every cell with a '# %%' line")

    cells: list[SourceCell] = []
    seen_ids: dict[str, int] = {}
    seen_tests: dict[str, int] = {}
    for index, (line, cell) in enumerate(zip(header_lines, notebook.cells, strict=True)):
        role, grade_id, points = _role(check, line, cell)
        if grade_id is not None:
            if grade_id in seen_ids:
                raise check.fail(line, f"grade id '{grade_id}' is also used at line "
                                 f"{seen_ids[grade_id]}", "give every cell its own id")
            seen_ids[grade_id] = line
        _check_regions(check, line, role, cell)
        _check_export(check, line, cell)
        cells.append(SourceCell(index, line, role, grade_id, points, is_export_cell(cell), cell))

    exported = _exported_names(cells)
    for source_cell in cells:
        if source_cell.role is Role.TEST:
            _check_tests(check, source_cell, seen_tests, exported)

    for role, expected in ((Role.TEST, module.points.auto), (Role.MANUAL, module.points.manual)):
        total = sum(c.points for c in cells if c.role is role)
        if total != expected:
            raise check.fail(1, f"{_ROLE_KEYS[role]}= cells carry {total} points, course.toml "
                             f"gives module '{module.id}' {expected}", "make the points add up")
    return ModuleSource(module, path, text, notebook, tuple(cells))


def _nbgrader_metadata(cell: SourceCell) -> dict | None:
    flags = {
        Role.SOLUTION: (False, True, False),
        Role.TEST: (True, False, True),
        Role.MANUAL: (True, True, False),
        Role.LOCKED: (False, False, True),
    }.get(cell.role)
    if flags is None:
        return None
    grade, solution, locked = flags
    meta = {"grade": grade, "solution": solution, "locked": locked,
            "grade_id": cell.grade_id, "schema_version": 3}
    if grade:
        meta["points"] = cell.points
    return meta


def instructor_notebook(source: ModuleSource) -> NotebookNode:
    """The notebook instructors author and nbgrader reads: every cell with its solution,
    hidden tests and nbgrader metadata; cell ids are stable across builds."""
    cells = []
    labels = piece_labels(source.cells)
    for cell in source.cells:
        make = nbformat.v4.new_markdown_cell if cell.cell.cell_type == "markdown" \
            else nbformat.v4.new_code_cell
        new = make(cell.cell.source)
        new.id = cell.grade_id or f"{source.module.id}-{cell.index}"
        nbgrader = _nbgrader_metadata(cell)
        if nbgrader:
            new.metadata["nbgrader"] = nbgrader
        if cell.index in labels:  # shown in formgrader and feedback instead of the grade id
            new.metadata[TINYTORCH_KEY] = {"tests": labels[cell.index]}
        if "tags" in cell.cell.metadata:
            new.metadata["tags"] = list(cell.cell.metadata["tags"])
        cells.append(new)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.update({
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "tinytorch": {"module": source.module.id, "source_sha256": source.sha256},
    })
    return notebook
