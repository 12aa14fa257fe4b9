"""The dependency direction of the platform's code (ARCHITECTURE.md, "Layers").

Every import of every module counts, function-level ones included: a cycle hidden in a
function still makes two modules that cannot be understood (or moved) one without the
other. The checker is run on the real tree, and on small trees built to break each rule, so
that a test passing here means the rule holds, not that the checker is blind.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module may import its own layer and the layers below; nothing above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("the library students build", ("tinytorch",)),
    ("the trust boundary", ("sandbox",)),
    ("tooling foundation", ("tito", "tito.errors", "tito.files", "tito.project",
                            "tito.manifest", "tito.notebook", "tito.testing", "tito.exchange",
                            "tito.jupyter")),
    ("authoring, instructor side", ("tito.authoring", "tito.module_tests")),
    ("student side", ("tito.student",)),
    ("grading", ("tito.grading",)),
    ("tito's entry points", ("tito.lab", "tito.doctor", "tito.cli", "tito.__main__")),
    ("lab-side exchange", ("grading_service.lab_exchange",)),
    ("the student lab's panel", ("tito.panel",)),
    ("grading service", ("grading_service",)),
    ("hub", ("hub_config",)),
]
# Packages that import nothing of ours outside themselves: the library (it is what
# students write, with NumPy alone) and the sandbox (the trust boundary must not drag the
# course tooling into the process that runs student code).
SELF_CONTAINED = ("tinytorch", "sandbox")
# The one cycle by design: Tensor.backward imports module 06 when called, so that module 01
# stays first in the course (tests/course/test_layout.py names the same exception).
ALLOWED_CYCLE_EDGES = {("tinytorch.core.tensor", "tinytorch.core.autograd")}
PACKAGES = ("tinytorch", "sandbox", "tito", "grading_service", "hub_config")


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``, by dotted name (``pkg`` for
    ``pkg/__init__.py``). Folders that are not packages (config files, runtime state) are
    left out."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if not all((root.joinpath(*parts[:i]) / "__init__.py").is_file()
                       for i in range(1, len(parts))):
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        yield origin
        yield from (f"{origin}.{alias.name}" for alias in node.names)


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of ``modules`` it imports (a ``from pkg import name`` counts
    as importing ``pkg.name`` when that is a module, else ``pkg``)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            for target in _imported(node, name, path.name == "__init__.py"):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def layer_of(module: str) -> int | None:
    """The index in LAYERS of ``module``'s longest matching prefix (None: in no layer)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                length = len(prefix)
                if best is None or length > best[0]:
                    best = (length, index)
    return None if best is None else best[1]


def layering_problems(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports that go up the layers or out of a self-contained package; modules in no
    layer."""
    problems = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module)
        if layer is None:
            problems.append(f"{module} is in no layer: add it to LAYERS")
            continue
        top = module.split(".")[0]
        for target in sorted(targets):
            target_layer = layer_of(target)
            if target_layer is not None and target_layer > layer:
                problems.append(f"{module} ({LAYERS[layer][0]}) imports {target} "
                                f"({LAYERS[target_layer][0]}, above it)")
            elif top in SELF_CONTAINED and target.split(".")[0] != top:
                problems.append(f"{module} imports {target}, outside self-contained {top}")
    return problems


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of modules cannot hit the recursion limit.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def platform_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph = import_graph(module_files(root, PACKAGES))
    for source, target in ALLOWED_CYCLE_EDGES:
        graph.get(source, set()).discard(target)
    return graph


def test_every_import_goes_down_the_layers() -> None:
    assert layering_problems(platform_graph()) == []


def test_no_two_modules_import_each_other_even_through_a_chain() -> None:
    assert cycles(platform_graph()) == []


def test_the_graph_sees_the_tree() -> None:
    graph = platform_graph()
    # Spot checks that the parser follows every form of import the code uses.
    assert "sandbox.plain" in graph["sandbox.worker"]  # from pkg import module
    assert "tito.errors" in graph["tito.manifest"]  # from pkg.module import name
    assert len(graph) > 90


def _tree(root: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")
    return import_graph(module_files(root, {name.split("/")[0] for name in files}))


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    graph = _tree(tmp_path, {
        "tito/__init__.py": "",
        "tito/grading/__init__.py": "",
        "tito/grading/course_dir.py": "from tito.grading import batch\n",
        "tito/grading/batch.py": """
            def grade():
                from tito.grading.course_dir import CourseDir
                return CourseDir
            """,
        "tito/grading/report.py": "from . import course_dir\n",
    })
    assert cycles(graph) == [["tito.grading.batch", "tito.grading.course_dir"]]


def test_an_upward_import_and_a_leak_out_of_the_sandbox_are_found(tmp_path: Path) -> None:
    graph = _tree(tmp_path, {
        "sandbox/__init__.py": "",
        "sandbox/worker.py": "import tinytorch.core.tensor\n",
        "tinytorch/__init__.py": "",
        "tinytorch/core/__init__.py": "",
        "tinytorch/core/tensor.py": "",
        "tito/__init__.py": "",
        "tito/errors.py": "",
        "tito/manifest.py": "from tito.grading.course_dir import CourseDir\n",
        "tito/grading/__init__.py": "",
        "tito/grading/course_dir.py": "from ..manifest import load_course\n",
        "stray/__init__.py": "",
    })
    assert layering_problems(graph) == [
        "sandbox.worker imports tinytorch.core.tensor, outside self-contained sandbox",
        "stray is in no layer: add it to LAYERS",
        "tito.manifest (tooling foundation) imports tito.grading.course_dir (grading, above it)",
    ]
    assert cycles(graph) == [["tito.grading.course_dir", "tito.manifest"]]


@pytest.mark.parametrize("name, layer", [
    ("tito.grading.course_dir", "grading"), ("tito.errors", "tooling foundation"),
    ("grading_service.lab_exchange.hub", "lab-side exchange"),
    ("grading_service.core.jobs", "grading service"), ("sandbox.judge", "the trust boundary"),
])
def test_a_module_is_in_the_layer_of_its_longest_prefix(name: str, layer: str) -> None:
    found = layer_of(name)
    assert found is not None and LAYERS[found][0] == layer
