"""Module sources: every malformed source is refused with one line naming file, line, fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tito.authoring.source import Role, instructor_notebook, read_source
from tito.errors import TitoError
from tito.manifest import Module, Points

TOY = Module(0, "toy", "Toy", "tinytorch.core.toy", "A toy.", (), Points(70, 30), ())

VALID = '''\
# %% [markdown]
# # Toy

# %% locked="toy-imports"
import numpy as np
from tito.testing import run_tests

# %% solution="toy-double"
#| export
def double(x):
    """TODO: double x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% test="toy-tests" points=70
def test_double(run):
    assert run("double", 2) == 4

run_tests(test_double)
### BEGIN HIDDEN TESTS
def test_double_negative(run):
    def student():
        return double(-2)
    assert run(student) == -4

run_tests(test_double_negative)
### END HIDDEN TESTS

# %% [markdown] manual="toy-why" points=30
# ### BEGIN SOLUTION
# Mark scheme: doubling is linear.
# ### END SOLUTION
'''


def read(tmp_path: Path, text: str):
    path = tmp_path / "toy" / "toy.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return read_source(TOY, tmp_path)


def test_a_valid_source_yields_cells_with_roles_and_points(tmp_path: Path) -> None:
    source = read(tmp_path, VALID)
    roles = [(c.role, c.grade_id, c.points, c.exported) for c in source.cells]
    assert roles == [
        (Role.PROSE, None, 0, False), (Role.LOCKED, "toy-imports", 0, False),
        (Role.SOLUTION, "toy-double", 0, True), (Role.TEST, "toy-tests", 70, False),
        (Role.MANUAL, "toy-why", 30, False)]
    assert [c.line for c in source.cells] == [1, 4, 8, 16, 30]


def test_the_instructor_notebook_carries_nbgrader_metadata(tmp_path: Path) -> None:
    notebook = instructor_notebook(read(tmp_path, VALID))
    metadata = [cell.metadata.get("nbgrader") for cell in notebook.cells]
    assert metadata[0] is None
    assert metadata[1] == {"grade": False, "solution": False, "locked": True,
                           "grade_id": "toy-imports", "schema_version": 3}
    assert metadata[2] == {"grade": False, "solution": True, "locked": False,
                           "grade_id": "toy-double", "schema_version": 3}
    assert metadata[3] == {"grade": True, "solution": False, "locked": True, "points": 70,
                           "grade_id": "toy-tests", "schema_version": 3}
    assert metadata[4] == {"grade": True, "solution": True, "locked": False, "points": 30,
                           "grade_id": "toy-why", "schema_version": 3}
    assert [cell.id for cell in notebook.cells] == [
        "toy-0", "toy-imports", "toy-double", "toy-tests", "toy-why"]
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.metadata.tinytorch["module"] == "toy"


BROKEN = [
    # (what to replace, replacement, expected line, message fragment)
    ('# %% solution="toy-double"', '# %% solution="toy-double" test="x" points=1', 8,
     "cell has both solution= and test=: give each cell one role"),
    ('# %% solution="toy-double"', '# %% soluton="toy-double"', 8, "unknown cell key 'soluton'"),
    ('# %% solution="toy-double"', '# %% solution="Toy Double"', 8, "is not a valid grade id"),
    ('# %% locked="toy-imports"', '# %% locked="toy-tests"', 16,
     "grade id 'toy-tests' is also used at line 4"),
    ("    ### END SOLUTION\n", "", 8, "never closed by '### END SOLUTION'"),
    ("    return 2 * x\n", "    ### BEGIN SOLUTION\n    return 2 * x\n", 8, "is nested"),
    ("    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n", "    return 2 * x\n",
     8, "solution= cell has no solution region"),
    ("import numpy as np\n", "import numpy as np\n### BEGIN SOLUTION\n### END SOLUTION\n", 4,
     "'### BEGIN SOLUTION' in a cell without solution= or manual="),
    ("# %% test=\"toy-tests\" points=70", "# %% test=\"toy-tests\"", 16,
     "test= cell needs points=<positive integer>"),
    ("# %% test=\"toy-tests\" points=70", "# %% test=\"toy-tests\" points=60", 1,
     "test= cells carry 60 points, course.toml gives module 'toy' 70"),
    ("run_tests(test_double)\n", "", 16, "test_double is never passed to run_tests"),
    ("run_tests(test_double)\n### BEGIN HIDDEN TESTS", "### BEGIN HIDDEN TESTS\nrun_tests("
     "test_double)", 16, "test_double is a visible test but run in the hidden region"),
    ("### END HIDDEN TESTS\n", "### END HIDDEN TESTS\nx = 1\n", 16,
     "code after the hidden-test region"),
    ('# %% [markdown] manual="toy-why" points=30', '# %% manual="toy-why" points=30', 30,
     "manual= cell is a code cell"),
    ('# %% locked="toy-imports"', '# %% locked="toy-imports" points=3', 4,
     "points= on a locked= cell"),
    ("    return 2 * x\n", "    return 2 * x\n#| export\n", 8,
     "'#| export' is not the first line of its cell"),
    ("    return 2 * x\n", "    return 2 *\n", 13, "export cell does not compile"),
    ("def test_double(run):", "def test_double(run:", 17, "test cell does not compile"),
    ('    assert run("double", 2) == 4', "    assert double(2) == 4", 16,
     "test_double uses double outside a function it passes to run(...): the judge never "
     "imports the student's code: move the call into a function passed to run(...)"),
    ("# %% [markdown]\n# # Toy", "stray = 1\n\n# %% [markdown]\n# # Toy", 1,
     "text outside a cell"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), BROKEN)
def test_a_malformed_source_is_refused_naming_line_and_fix(
        tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in VALID, "the test case must change the valid source"
    with pytest.raises(TitoError) as raised:
        read(tmp_path, VALID.replace(old, new, 1))
    text = str(raised.value)
    assert text.startswith(f"{tmp_path / 'toy' / 'toy.py'}:{line}: "), text
    assert message in text
    assert "\n" not in text


def test_a_second_test_with_the_same_name_is_refused(tmp_path: Path) -> None:
    extra = ('\n# %% test="more-tests" points=1\ndef test_double(run):\n    pass\n\n'
             "run_tests(test_double)\n")
    text = VALID.replace("points=70", "points=69") + extra
    with pytest.raises(TitoError, match=r"toy.py:35: test test_double is also defined in the "
                                        r"cell at line 16"):
        read(tmp_path, text)


def test_a_missing_source_names_the_file_and_the_format_guide(tmp_path: Path) -> None:
    with pytest.raises(TitoError, match=r"toy.py: module 'toy' has no source yet: write it "
                                        r"\(see course/AUTHORING.md\)"):
        read_source(TOY, tmp_path)


def test_a_source_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "toy" / "toy.py"
    path.parent.mkdir()
    path.write_bytes(VALID.encode("utf-8") + b"# \xff\xfe\n")
    with pytest.raises(TitoError, match=r"not UTF-8 .*save the file as UTF-8"):
        read_source(TOY, tmp_path)
