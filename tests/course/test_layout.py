"""The layout every module follows (course/AUTHORING.md, ../shared/MODULE_GUIDE.md), checked
for every authored module: lines of at most 100 characters in the source and in the student
notebook; exercise cells of one piece (a method or two), each followed by its tests; and
exported code that imports only the modules its module requires in course.toml."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from tito.authoring.source import BEGIN_SOLUTION, END_SOLUTION, Role, find_regions, read_source
from tito.grading.course_dir import CourseDir
from tito.manifest import Course, Module
from tito.project import PROJECT_ROOT

WIDTH = 100  # what a student sees without scrolling in the lab's notebook and on GitHub
# A piece is "a method or two" (AUTHORING.md), one solution region each; three regions leave
# room for one small helper the pair shares. A fourth region means a second piece: split it,
# with a test cell after each, so a student writes and tests one thing at a time.
MAX_REGIONS = 3
# Imports of a later module's code that a module may make, each the one place it is allowed:
# (module, imported package module, the function making the import). Tensor.backward calls
# module 06 through this documented extension point (section 3.9 of module 01), imported
# when called, so module 01 still imports without module 06.
LATER_IMPORTS = {("tensor", "tinytorch.core.autograd", "Tensor.backward")}


def _too_long(lines: list[str], where: str) -> list[str]:
    return [f"{where}, line {number}: {len(line)} characters"
            for number, line in enumerate(lines, 1) if len(line) > WIDTH]


def test_every_line_of_the_source_fits_100_characters(module: Module, modules_dir: Path) -> None:
    path = module.source_path(modules_dir)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert _too_long(lines, str(path.relative_to(PROJECT_ROOT))) == []


def test_every_line_of_the_student_notebook_fits_100_characters(
        module: Module, generated: CourseDir) -> None:
    notebook = nbformat.read(generated.release_notebook(module), as_version=4)
    problems = [problem for number, cell in enumerate(notebook.cells, 1)
                for problem in _too_long(cell.source.split("\n"), f"cell {number}")]
    assert any("is not implemented yet" in cell.source for cell in notebook.cells)
    assert problems == [], f"the student notebook of {module.id}: {problems}"


def test_each_exercise_cell_is_one_piece_followed_by_its_tests(
        module: Module, modules_dir: Path) -> None:
    cells = read_source(module, modules_dir).cells
    graded = [cell for cell in cells if cell.role in (Role.SOLUTION, Role.TEST)]
    problems = []
    for position, cell in enumerate(graded):
        if cell.role is not Role.SOLUTION:
            continue
        regions, _ = find_regions(cell.cell.source.split("\n"), BEGIN_SOLUTION, END_SOLUTION)
        if len(regions) > MAX_REGIONS:
            problems.append(f"{cell.grade_id} (line {cell.line}) holds {len(regions)} "
                            f"solution regions, more than {MAX_REGIONS}: split it")
        following = graded[position + 1] if position + 1 < len(graded) else None
        if following is None or following.role is not Role.TEST:
            problems.append(f"{cell.grade_id} (line {cell.line}) is not followed by a test "
                            "cell before the next exercise")
    assert problems == []


def _imports(tree: ast.Module, package: str) -> list[tuple[str, str]]:
    """(imported module, qualified name of the function importing it or "") for each import
    in ``tree``, at any depth; ``from a import b`` counts as ``a.b`` (b may be a module)."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, scope: list[str]) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, ".".join(scope)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to this module's package
                parts = package.split(".")
                parent = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.append((base, ".".join(scope)))
            found.extend((f"{base}.{alias.name}", ".".join(scope)) for alias in node.names)
        named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for child in ast.iter_child_nodes(node):
            visit(child, [*scope, node.name] if named else scope)

    visit(tree, [])
    return found


def test_the_exported_module_imports_only_modules_it_requires(
        module: Module, course: Course) -> None:
    """Modules build on earlier ones only: the package of a student who has done module N
    and its prerequisites imports without anything later, and nothing imports tito."""
    own = module.target.rsplit(".", 1)[0]
    tree = ast.parse((PROJECT_ROOT / module.target_path).read_text(encoding="utf-8"))
    targets = {m.target: m for m in course.modules}
    allowed = {m.target for m in course.prerequisites(module)} | {module.target}
    packages = set(course.packages())
    used_exceptions = set()
    problems = []
    for name, where in _imports(tree, own):
        top = name.split(".")[0]
        if top == "tito":
            problems.append(f"imports {name} ({where or 'at the top level'}): the library "
                            "must not depend on tito")
        if top != course.package or name in packages or name in allowed:
            continue
        if name not in targets:
            if name.rsplit(".", 1)[0] in targets:  # from tinytorch.core.tensor import Tensor
                continue
            problems.append(f"imports {name}, which no module of course.toml exports")
        elif (module.id, name, where) in LATER_IMPORTS:
            used_exceptions.add((module.id, name, where))
        else:
            problems.append(f"imports {name} ({where or 'at the top level'}), module "
                            f"{targets[name].label}, which {module.label} does not require")
    assert problems == [], f"{module.target_path}: {problems}"
    unused = {e for e in LATER_IMPORTS if e[0] == module.id} - used_exceptions
    assert not unused, f"stale entries in LATER_IMPORTS: {sorted(unused)}"


def test_the_import_check_sees_imports_inside_functions_and_relative_ones() -> None:
    tree = ast.parse("import numpy as np\n"
                     "from . import tensor\n"
                     "class Tensor:\n"
                     "    def backward(self):\n"
                     "        import tinytorch.core.autograd as autograd\n"
                     "        from ..core.layers import Linear\n")
    assert _imports(tree, "tinytorch.core") == [
        ("numpy", ""), ("tinytorch.core", ""), ("tinytorch.core.tensor", ""),
        ("tinytorch.core.autograd", "Tensor.backward"),
        ("tinytorch.core.layers", "Tensor.backward"),
        ("tinytorch.core.layers.Linear", "Tensor.backward")]
