"""Source → instructor notebook → student notebook and package, for every authored module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sandbox.backends import spec
from sandbox.bubblewrap import Sandbox
from tito.authoring.export import authored, reference_files, stale_files
from tito.authoring.policy import StubSolutions
from tito.authoring.source import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    find_regions,
    instructor_notebook,
    read_source,
)
from tito.authoring.test_cells import autograded_cells
from tito.grading.course_dir import CourseDir, gradebook_path
from tito.manifest import Course, Module
from tito.module_tests import run_module_tests
from tito.project import PROJECT_ROOT
from tito.student.workspace import Workspace


def _region_lines(text: str, begin: str, end: str) -> tuple[set[str], set[str]]:
    """(lines inside begin/end regions, lines outside them), stripped and non-empty."""
    inside: set[str] = set()
    outside: set[str] = set()
    for cell_text in text.split("\n# %%"):
        lines = cell_text.split("\n")
        regions, problem = find_regions(lines, begin, end)
        assert problem is None
        covered = {n for r in regions for n in range(r.begin, r.end + 1)}
        for number, line in enumerate(lines):
            stripped = line.strip().lstrip("#").strip()
            if stripped:
                (inside if number in covered else outside).add(stripped)
    return inside, outside


def _student_lines(notebook_path: Path) -> set[str]:
    notebook = nbformat.read(notebook_path, as_version=4)
    return {line.strip().lstrip("#").strip() for cell in notebook.cells
            for line in cell.source.split("\n") if line.strip()}


def test_student_material_holds_no_solution_and_no_hidden_test(
        module: Module, generated: CourseDir, tmp_path: Path, course: Course) -> None:
    source = read_source(module, generated.modules_dir)
    workspace = Workspace(tmp_path / "workspace", course)
    workspace.init({module.id: generated.release_notebook(module)})
    released = sorted(generated.release_notebook(module).parent.rglob("*"))
    assert [p.name for p in released] == [f"{module.id}.ipynb"]

    for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)):
        secret, public = _region_lines(source.text, begin, end)
        secret -= public  # a line also written outside every region is not a secret
        secret -= {begin.lstrip("#").strip(), end.lstrip("#").strip()}
        assert secret, f"{module.id} has no {begin} region to check"
        for student_file in (*released, workspace.notebook(module)):
            leaked = secret & _student_lines(student_file)
            assert not leaked, f"{student_file} shows {begin} text: {sorted(leaked)[:3]}"
            assert begin not in student_file.read_text(encoding="utf-8")

    hidden = {name for cell in autograded_cells(instructor_notebook(source))
              for name in cell.tests} - {name for cell in autograded_cells(
                  nbformat.read(generated.release_notebook(module), as_version=4))
                  for name in cell.tests}
    assert hidden, f"{module.id} has no hidden tests"
    for name in hidden:
        assert name not in generated.release_notebook(module).read_text(encoding="utf-8")


def test_every_path_to_student_material_applies_the_same_policy(
        module: Module, generated: CourseDir, tmp_path: Path) -> None:
    """nbgrader's own CLI, run in the course directory, reads nbgrader_config.py and makes
    exactly the notebook tito made."""
    copy = tmp_path / "course"
    shutil.copytree(generated.root, copy)
    shutil.rmtree(copy / "release")
    gradebook_path(copy).unlink()
    env = {**os.environ,
           "PATH": os.pathsep.join([sysconfig.get_path("scripts"), os.environ["PATH"]])}
    completed = subprocess.run(["nbgrader", "generate_assignment", module.id, "--force"],
                               cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    theirs = nbformat.read(copy / "release" / module.id / f"{module.id}.ipynb", as_version=4)
    ours = nbformat.read(generated.release_notebook(module), as_version=4)
    assert [c.source for c in theirs.cells] == [c.source for c in ours.cells]
    assert any("is not implemented yet" in c.source for c in theirs.cells)


def _student_package(root: Path, course: Course, module: Module, release: Path) -> Workspace:
    """A student's package where ``module`` comes from its released (stubbed) notebook and its
    prerequisites from the reference solutions, so only ``module``'s own code is missing."""
    workspace = Workspace(root, course)
    workspace.init({module.id: release})
    for prerequisite in course.prerequisites(module):
        shutil.copyfile(PROJECT_ROOT / prerequisite.target_path,
                        workspace.package_file(prerequisite))
    workspace.export(module)
    return workspace


def test_every_test_fails_against_the_student_version_and_passes_against_the_solution(
        module: Module, generated: CourseDir, course: Course, tmp_path: Path) -> None:
    notebook = instructor_notebook(read_source(module, generated.modules_dir))
    tests = [name for cell in autograded_cells(notebook) for name in cell.tests]
    reference = run_module_tests(notebook, module, course, PROJECT_ROOT, "instructor notebook")
    assert [r.name for r in reference.results] == tests
    failing = [(r.name, r.message) for r in reference.results if r.outcome != "passed"]
    assert not failing, f"tests failing against the solution: {failing[:5]}"

    student = _student_package(tmp_path / "ws", course, module,
                               generated.release_notebook(module))
    stubbed = run_module_tests(notebook, module, course, student.root, "instructor notebook",
                               sandbox=spec(Sandbox()))
    assert [r.name for r in stubbed.results] == tests
    passing = [r.name for r in stubbed.results if r.outcome == "passed"]
    assert not passing, f"tests passing against the unimplemented stubs: {passing}"
    assert all("is not implemented yet" in r.message or "NotImplementedError" in r.message
               for r in stubbed.results if r.outcome == "failed"), stubbed.output[-3000:]


@pytest.mark.slow
def test_the_instructor_notebook_runs_top_to_bottom(
        module: Module, generated: CourseDir) -> None:
    notebook = nbformat.read(generated.source_notebook(module), as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(PROJECT_ROOT)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    reports = [output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []) if output.get("name") == "stdout"]
    assert sum(report.count("✓ test_") for report in reports) == sum(
        len(cell.tests) for cell in autograded_cells(notebook))


def test_stubs_name_the_function_to_write() -> None:
    cell = nbformat.v4.new_code_cell(
        "class Tensor:\n"
        "    def add(self, other):\n"
        "        '''Doc.'''\n"
        "        ### BEGIN SOLUTION\n"
        "        return other\n"
        "        ### END SOLUTION\n"
        "\n"
        "    def mul(self, other):\n"
        "        def inner():\n"
        "            ### BEGIN SOLUTION\n"
        "            pass\n"
        "            ### END SOLUTION\n"
        "        return inner\n"
        "\n"
        "### BEGIN SOLUTION\n"
        "answer = 42\n"
        "### END SOLUTION\n")
    StubSolutions()._replace_solution_region(cell, "python")
    lines = cell.source.split("\n")
    stub = 'raise NotImplementedError("{} is not implemented yet: see its TODO")'
    assert lines[3] == "        " + stub.format("Tensor.add")
    assert lines[7] == "            " + stub.format("Tensor.mul.inner")
    assert lines[-2] == ('raise NotImplementedError("Your code goes here: follow the '
                         'instructions above this cell")')
    assert "return other" not in cell.source and "answer = 42" not in cell.source


def test_stubs_in_an_extends_piece_name_the_extended_class_and_fit_100_characters() -> None:
    cell = nbformat.v4.new_code_cell(
        "@extends(Tensor)\n"
        "class TensorArithmetic:\n"
        "    def __rtruediv__(self, other):\n"
        "        with np.errstate(all='ignore'):\n"
        "            if other:\n"
        "                ### BEGIN SOLUTION\n"
        "                return other\n"
        "                ### END SOLUTION\n")
    StubSolutions()._replace_solution_region(cell, "python")
    assert cell.source.split("\n")[5:8] == [
        "                raise NotImplementedError(",
        '                    "Tensor.__rtruediv__ is not implemented yet: see its TODO"',
        "                )"]
    assert max(len(line) for line in cell.source.split("\n")) <= 100
    compile(cell.source, "stubbed", "exec")


def test_the_committed_reference_package_matches_the_sources(
        course: Course, modules_dir: Path) -> None:
    files = reference_files(course, modules_dir, authored(course, modules_dir))
    assert stale_files(files, PROJECT_ROOT, course.package) == []
    assert Path("tinytorch/core/setup.py") in files


def test_exported_files_carry_a_generated_header_and_all(course: Course,
                                                         modules_dir: Path) -> None:
    for module in authored(course, modules_dir):
        text = (PROJECT_ROOT / module.target_path).read_text(encoding="utf-8")
        assert text.startswith(f"# AUTOGENERATED by tito from course/modules/{module.id}/")
        assert "\n__all__ = [\n" in text
        assert BEGIN_SOLUTION not in text and "#| export" not in text


def test_a_gradebook_from_before_its_folder_moves_into_it(tmp_path: Path, course: Course,
                                                           modules_dir: Path) -> None:
    """Course directories made before the gradebook had a folder of its own keep their
    grades."""
    course_dir = CourseDir(tmp_path / "course", course, modules_dir)
    course_dir.init()
    course_dir.enroll(["ada"], {"ada": ["Ada", "Lovelace"]})
    earlier = course_dir.root / "gradebook.db"
    gradebook_path(course_dir.root).rename(earlier)  # where it was until now
    course_dir.init()
    assert not earlier.exists()
    with course_dir.gradebook() as gradebook:
        assert gradebook.find_student("ada").first_name == "Ada"


def test_a_configuration_an_earlier_tito_rewrote_is_written_anew(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    """The nbgrader_config.py tito rewrote on every command (before it became the
    instructor's) imports a module that moved: tito replaces it rather than failing to read
    it; a file the instructor wrote stays as it is."""
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(
        '"""nbgrader configuration of the TinyTorch course directory (written by tito, which\n'
        'rewrites it: set TITO_EXCHANGE rather than editing the exchange here).\n"""\n'
        "from tito.course_dir import nbgrader_config\n", encoding="utf-8")
    course_dir = CourseDir(root, course, modules_dir, exchange=tmp_path / "exchange")
    course_dir.init()
    text = (root / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "tito never rewrites it" in text and "from tito.course_dir" not in text
    assert CourseDir(root, course, modules_dir).exchange == tmp_path / "exchange"
    mine = text + "c.Sandbox.memory_limit = 3 * 1024**3\n"
    (root / "nbgrader_config.py").write_text(mine, encoding="utf-8")
    CourseDir(root, course, modules_dir).init()
    assert (root / "nbgrader_config.py").read_text(encoding="utf-8") == mine
