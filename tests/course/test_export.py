"""Export: ``@extends`` pieces spliced into their class, exercise text out of docstrings;
and ``tito.notebook.extends``, which does the same for the notebook while it runs."""

from __future__ import annotations

import ast
import importlib
import pydoc
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tito.authoring.export import module_code, strip_exercise_text
from tito.errors import TitoError
from tito.grading.course_dir import CourseDir
from tito.manifest import Course, Module
from tito.notebook import extends
from tito.project import PROJECT_ROOT
from tito.student.workspace import Workspace

EXERCISE_HEADINGS = ("TODO:", "APPROACH:", "EXAMPLE:", "HINTS:")


def _notebook(*cells: str) -> nbformat.NotebookNode:
    """A notebook of code cells; markdown for a cell starting with 'md:'."""
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(text[3:]) if text.startswith("md:")
        else nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n")) for text in cells])


def _export(course: Course, *cells: str) -> str:
    return module_code(_notebook(*cells), course.module("tensor"), "# header")


def _ruff(text: str) -> subprocess.CompletedProcess:
    """ruff with the project's configuration, as if ``text`` were a package module."""
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--stdin-filename", "tinytorch/core/exported.py", "-"],
                          input=text, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=False)


def _run(code: str) -> dict:
    namespace: dict = {"__name__": "exported"}
    exec(compile(code, "exported", "exec"), namespace)
    return namespace


def _exercise_lines(tree: ast.Module) -> list[str]:
    """Lines of docstrings in ``tree`` that start an exercise section."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=True) or ""
            found += [f"{getattr(node, 'name', 'module')}: {line}" for line in doc.splitlines()
                      if line.strip().startswith(EXERCISE_HEADINGS)]
    return found


CLASS_CELL = '''
#| export
import numpy as np


class Tensor:
    """A tensor."""

    def __init__(self, data):
        """Make one.

        TODO: store the data.
        """
        ### BEGIN SOLUTION
        self.data = np.asarray(data)
        ### END SOLUTION
'''

PIECE_CELL = '''
#| export
# ── Arithmetic ──
@extends(Tensor)
class TensorArithmetic:
    """Only the notebook sees this."""

    # adding: elementwise
    def __add__(self, other):
        """Elementwise sum (torch.add).

        Args: other, a Tensor.

        TODO: add the data.

        HINTS:
        - np.add
        """
        ### BEGIN SOLUTION
        return Tensor(self.data + other.data)
        ### END SOLUTION

    @property
    def size(self):
        return self.data.size
        # the size is a property, as in NumPy


def double(t):
    """Twice t."""
    return t + t
'''


def test_export_splices_an_extends_piece_into_its_class(course: Course) -> None:
    code = _export(course, CLASS_CELL, "md:Now addition.", "print('demo, not exported')",
                   PIECE_CELL)
    tree = ast.parse(code)
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["Tensor"]
    assert [n.name for n in classes[0].body if isinstance(n, ast.FunctionDef)] == [
        "__init__", "__add__", "size"]
    assert "extends" not in code and "TensorArithmetic" not in code
    assert "Only the notebook sees this" not in code
    assert "\n    # ── Arithmetic ──\n\n    # adding: elementwise\n    def __add__" in code
    assert "\n        # the size is a property, as in NumPy\n\n\ndef double(t):" in code
    assert "BEGIN SOLUTION" not in code and "#| export" not in code
    assert code.endswith('__all__ = [\n    "Tensor",\n    "double",\n]\n')
    namespace = _run(code)
    total = namespace["double"](namespace["Tensor"]([1, 2]))
    assert total.data.tolist() == [2, 4] and total.size == 2
    assert _ruff(code).returncode == 0, _ruff(code).stdout


def test_the_notebook_and_the_export_give_the_class_the_same_attributes(
        course: Course) -> None:
    notebook: dict = {"extends": extends}
    for cell in (CLASS_CELL, PIECE_CELL):
        exec(textwrap.dedent(cell), notebook)
    exported = _run(_export(course, CLASS_CELL, PIECE_CELL))["Tensor"]
    in_notebook = notebook["Tensor"]
    assert notebook["TensorArithmetic"] is in_notebook
    assert set(vars(in_notebook)) == set(vars(exported))
    assert in_notebook.__add__.__qualname__ == exported.__add__.__qualname__ == "Tensor.__add__"
    assert in_notebook.__doc__ == exported.__doc__ == "A tensor."


def test_several_pieces_extend_a_class_in_cell_order(course: Course) -> None:
    code = _export(
        course,
        "#| export\nclass A:\n    x = 1\n\n\nclass B:\n    pass",
        "#| export\n@extends(A)\nclass A2:\n    y = 2",
        "#| export\n@extends(B)\nclass B2:\n    z = 3\n\n\n@extends(A)\nclass A3:\n    w = 4")
    assert code.split('"""\n\n', 1)[1].startswith(
        "class A:\n    x = 1\n\n    y = 2\n\n    w = 4\n\n\nclass B:\n    pass\n\n    z = 3\n")
    assert "A2" not in code and "A3" not in code and "B2" not in code


@pytest.mark.parametrize(("cells", "message"), [
    (["#| export\n@extends(Tensor)\nclass Piece:\n    pass"],
     "cell 1, line 2: @extends(Tensor), but no export cell above defines class Tensor"),
    (["#| export\n@extends(Tensor)\nclass Piece:\n    pass", "#| export\nclass Tensor:\n  x = 1"],
     "cell 1, line 2: @extends(Tensor), but no export cell above defines class Tensor"),
    (["class Tensor:\n    pass", "#| export\n@extends(Tensor)\nclass Piece:\n    pass"],
     "cell 2, line 2: @extends(Tensor), but no export cell above"),
    (["#| export\ndef Tensor():\n    pass", "#| export\n@extends(Tensor)\nclass P:\n    pass"],
     "no export cell above defines class Tensor at its top level: define class Tensor in a"),
    (["#| export\nclass Tensor:\n    pass", "#| export\n@extends(Tensor)\nclass P(Base):\n  x=1"],
     "cell 2, line 3: class P: a class decorated with @extends(...) takes no base classes"),
    (["#| export\nclass Tensor:\n    pass", "#| export\n@extends(Tensor)\nclass P:\n  x = 1"],
     "cell 2, line 3: class P: indent its body by 4 spaces, as the class it extends"),
    (["#| export\nclass Tensor:\n    pass", "#| export\n@extends(Tensor, 1)\nclass P:\n  x=1"],
     "write @extends(ClassName)"),
    (["#| export\nclass Tensor:\n    pass",
      "#| export\n@dataclass\n@extends(Tensor)\nclass P:\n    x = 1"],
     "has other decorators next to @extends(...)"),
    (["#| export\nclass Tensor:\n    pass",
      "#| export\n@extends(Tensor)\nclass P:\n    def f(self):\n        return self.__x"],
     "uses the private name __x"),
])
def test_an_extends_without_its_class_is_refused_naming_cell_and_fix(
        course: Course, cells: list[str], message: str) -> None:
    with pytest.raises(TitoError) as error:
        _export(course, *cells)
    assert message in str(error.value)


def test_extends_copies_the_pieces_attributes_onto_the_class() -> None:
    class Base:
        def hello(self) -> str:
            return "base"

    class Tensor(Base):
        """The class's own docstring."""

        __hash__ = object.__hash__

        def __init__(self, value: int) -> None:
            self.value = value

    @extends(Tensor)
    class Piece:
        """Not Tensor's docstring."""

        UNIT = 1

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Tensor) and other.value == self.value

        def hello(self) -> str:
            return "piece+" + super().hello()

        @property
        def double(self) -> int:
            return 2 * self.value

        @classmethod
        def one(cls) -> Tensor:
            return cls(cls.UNIT)

        @staticmethod
        def zero() -> int:
            return 0

    assert Piece is Tensor
    t = Tensor(3)
    assert (t.double, Tensor.one().value, Tensor.zero(), t.hello()) == (6, 1, 0, "piece+base")
    assert t == Tensor(3) and hash(t) == object.__hash__(t)  # Tensor's own __hash__ kept
    assert Tensor.__doc__ == "The class's own docstring."
    assert Tensor.__module__ == __name__ and Tensor.__qualname__.endswith(".Tensor")
    assert Tensor.hello.__qualname__.endswith("<locals>.Tensor.hello")
    assert "__weakref__" not in vars(Tensor)  # the piece's own did not replace the base's

    with pytest.raises(TypeError, match="must not have base classes"):
        extends(Tensor)(type("P", (Base,), {}))
    with pytest.raises(TypeError, match="takes the class to extend"):
        extends(t)  # type: ignore[arg-type]


def test_a_piece_defining_eq_makes_an_unhashable_class_as_in_one_class_body() -> None:
    class Plain:
        pass

    @extends(Plain)
    class Piece:
        def __eq__(self, other: object) -> bool:
            return True

    assert Plain.__hash__ is None  # class Plain: def __eq__... would have no hash either


DOCSTRINGS = '''\
"""Module docs.

TODO: not for the module either.
"""


def f(x):
    """Sum (torch.sum).

    Args: x, with ×.

    TODO: write it.

    APPROACH:
    1. loop
    HINTS: none
    """
    return x


def g():
    """TODO: only exercise text."""
    return 1


def h():
    """TODO: the whole body."""


class C:
    r"""A class \\ raw.
    EXAMPLE: C() -> C
    """

    def m(self):
        """One line, no exercise."""

        def inner():
            """Inner docs.
            HINTS:
            - none
            """
        return inner
'''


def test_export_strips_exercise_text_from_docstrings_keeping_the_api_docs() -> None:
    stripped = strip_exercise_text(DOCSTRINGS)
    assert stripped.startswith('"""Module docs."""\n\n\ndef f(x):\n    """Sum (torch.sum).\n\n'
                               '    Args: x, with ×.\n    """\n    return x\n')
    assert 'def g():\n    return 1\n' in stripped
    assert 'def h():\n    pass\n' in stripped
    assert 'class C:\n    r"""A class \\ raw."""\n' in stripped
    assert '"""One line, no exercise."""' in stripped
    assert '            """Inner docs."""\n        return inner' in stripped
    assert _exercise_lines(ast.parse(stripped)) == []
    assert len(_exercise_lines(ast.parse(DOCSTRINGS))) == 8
    assert strip_exercise_text(stripped) == stripped
    assert _ruff(stripped.replace("def h():\n    pass\n", "")).returncode == 0


def test_only_a_heading_line_starts_exercise_text() -> None:
    code = ('def f():\n    """Docs.\n\n    See TODO: in the notes. TODOS: are not headings.\n'
            '    HINTS\n    Example: lowercase is API docs.\n    """\n')
    assert strip_exercise_text(code) == code


def test_the_reference_package_has_no_exercise_text_in_any_docstring(
        module: Module) -> None:
    path = PROJECT_ROOT / module.target_path
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert _exercise_lines(tree) == [], f"{path} still shows exercise text"
    public = [importlib.import_module(module.target)]
    public += [getattr(public[0], name) for name in public[0].__all__]
    for thing in public:
        shown = pydoc.render_doc(thing, renderer=pydoc.plaintext)
        assert not any(line.strip().startswith(EXERCISE_HEADINGS)
                       for line in shown.splitlines()), f"help({thing.__name__}) shows exercise"


def test_help_of_tensor_sum_is_the_library_doc() -> None:
    from tinytorch.core.tensor import Tensor

    shown = pydoc.render_doc(Tensor.sum, renderer=pydoc.plaintext)
    assert "(torch.sum)" in shown and "TODO" not in shown and "HINTS" not in shown


def test_a_students_export_has_no_exercise_text_but_their_notebook_keeps_it(
        module: Module, course: Course, generated: CourseDir, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", course)
    workspace.init({module.id: generated.release_notebook(module)})
    exported = workspace.export(module)
    assert _exercise_lines(ast.parse(exported.read_text(encoding="utf-8"))) == []
    notebook = workspace.notebook(module).read_text(encoding="utf-8")
    assert all(heading in notebook for heading in EXERCISE_HEADINGS)
