"""The student's workspace: their notebooks and their own package, first on the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tito.authoring.source import instructor_notebook, read_source
from tito.errors import TitoError
from tito.files import write_notebook
from tito.grading.course_dir import CourseDir
from tito.manifest import Course
from tito.student.workspace import PLACEHOLDER, Workspace


def python_in(workspace: Path, code: str) -> subprocess.CompletedProcess:
    """Run Python as the lab's kernels do: in the workspace, the student's package first on
    the path (``-c`` puts the current directory ahead of PYTHONPATH, so not the checkout)."""
    env = {**os.environ, "PYTHONPATH": str(workspace)}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=workspace,
                          capture_output=True, text=True, encoding="utf-8", check=False)


@pytest.fixture
def workspace(tmp_path: Path, course: Course, generated: CourseDir) -> Workspace:
    space = Workspace(tmp_path / "ws", course)
    space.init({m.id: generated.release_notebook(m) for m in [course.module("setup")]})
    return space


def test_init_lays_out_notebooks_and_a_placeholder_for_every_module(
        workspace: Workspace, course: Course) -> None:
    setup = course.module("setup")
    assert workspace.notebook(setup) == workspace.root / "modules" / "00_setup" / "setup.ipynb"
    assert workspace.notebook(setup).exists()
    for module in course.modules:
        assert workspace.package_file(module).read_text(encoding="utf-8").startswith(
            PLACEHOLDER)
    for package in course.packages():
        assert (workspace.root / Path(*package.split(".")) / "__init__.py").exists()


def test_an_unexported_module_fails_to_import_naming_the_module_to_complete(
        workspace: Workspace) -> None:
    result = python_in(workspace.root, "import tinytorch.core.tensor")
    assert result.returncode == 1
    assert ("ImportError: tinytorch.core.tensor is not exported yet: complete module 01 tensor "
            "(modules/01_tensor/tensor.ipynb) and run 'tito module export tensor'."
            ) in result.stderr


def test_the_students_export_is_imported_ahead_of_the_installed_package(
        workspace: Workspace, course: Course, modules_dir: Path) -> None:
    setup = course.module("setup")
    solved = instructor_notebook(read_source(setup, modules_dir))
    write_notebook(workspace.notebook(setup), solved)
    target = workspace.export(setup)
    assert target == workspace.root / "tinytorch" / "core" / "setup.py"
    assert workspace.is_exported(setup)
    result = python_in(workspace.root, "import tinytorch.core.setup as m; print(m.__file__)")
    assert result.stdout.strip() == str(target), result.stderr
    # Without the workspace on the path, the installed reference package is what loads.
    installed = subprocess.run([sys.executable, "-c", "import tinytorch.core.setup as m; "
                                "print(m.__file__)"], capture_output=True, text=True,
                               check=True, cwd=workspace.root.parent,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert installed.stdout.strip() != str(target)


def snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_a_notebook_with_invalid_json_is_refused_and_nothing_changes(
        workspace: Workspace, course: Course) -> None:
    setup = course.module("setup")
    workspace.notebook(setup).write_text('{"cells": [', encoding="utf-8")
    before = snapshot(workspace.root)
    with pytest.raises(TitoError) as raised:
        workspace.export(setup)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{workspace.notebook(setup)} is not a valid notebook (")
    assert "run 'tito module reset setup' to start from a fresh copy (your file is backed up" \
        in message
    assert snapshot(workspace.root) == before


def test_an_export_cell_that_does_not_compile_writes_nothing(
        workspace: Workspace, course: Course) -> None:
    setup = course.module("setup")
    notebook = nbformat.read(workspace.notebook(setup), as_version=4)
    index, cell = next((i, c) for i, c in enumerate(notebook.cells)
                       if c.source.startswith("#| export"))
    cell.source += "\ndef broken(:\n"
    write_notebook(workspace.notebook(setup), notebook)
    before = snapshot(workspace.root)
    with pytest.raises(TitoError, match=rf"setup.ipynb: cell {index + 1}, line "
                                        rf"{cell.source.count(chr(10))}: invalid syntax: fix "
                                        r"the cell and export again \(nothing was written\)"):
        workspace.export(setup)
    assert snapshot(workspace.root) == before


def test_the_wrong_modules_notebook_is_refused(workspace: Workspace, course: Course,
                                               generated: CourseDir) -> None:
    tensor_like = nbformat.read(workspace.notebook(course.module("setup")), as_version=4)
    tensor = course.module("tensor")
    workspace.notebook(tensor).parent.mkdir(parents=True)
    write_notebook(workspace.notebook(tensor), tensor_like)
    with pytest.raises(TitoError, match="is the notebook of module 'setup', not 'tensor'"):
        workspace.export(tensor)


def test_init_never_overwrites_a_students_notebook(workspace: Workspace, course: Course,
                                                    generated: CourseDir) -> None:
    setup = course.module("setup")
    workspace.notebook(setup).write_text("my work", encoding="utf-8")
    actions = workspace.init({"setup": generated.release_notebook(setup)})
    assert actions == {"setup": "kept"}
    assert workspace.notebook(setup).read_text(encoding="utf-8") == "my work"


def test_reset_backs_up_the_students_work_then_restores_the_release(
        workspace: Workspace, course: Course, generated: CourseDir) -> None:
    setup = course.module("setup")
    workspace.notebook(setup).write_text("my broken work", encoding="utf-8")
    workspace.package_file(setup).write_text("exported = 1\n", encoding="utf-8")
    backups = workspace.reset(setup, generated.release_notebook(setup))
    assert sorted(b.read_text(encoding="utf-8") for b in backups) == [
        "exported = 1\n", "my broken work"]
    assert all(".tito/backups/setup/" in str(b) for b in backups)
    assert workspace.notebook(setup).read_bytes() == \
        generated.release_notebook(setup).read_bytes()
    assert not workspace.is_exported(setup)
