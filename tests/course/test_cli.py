"""The tito command line, run as a person runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import TITO, Tito
from tito.cli import cli
from tito.grading.course_dir import gradebook_path
from tito.project import PROJECT_ROOT
from tito.student.workspace import PLACEHOLDER


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    context = click.Context(group)
    # list_commands/get_command, not .commands: tito's own group loads each command lazily
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda path: " ".join(path) or "tito")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    assert len(result.output.splitlines()) > 3


def test_the_documented_commands_exist() -> None:
    commands = {" ".join(path) for path in _commands(cli)}
    assert {"system info", "system doctor", "module list", "module status", "module start",
            "module test", "module export", "module reset", "export", "nbgrader generate",
            "lab"} <= commands


def test_an_unknown_module_is_one_line_naming_the_fix(tito: Tito) -> None:
    result = tito("module", "start", "tensr")
    assert result.returncode == 1
    assert result.stderr == ("error: unknown module 'tensr': did you mean 'tensor'? 'tito "
                             "module list' shows every module\n")


def test_module_list_shows_every_module(tito: Tito) -> None:
    result = tito("module", "list")
    assert result.returncode == 0, result.stderr
    for row in ("│ 00 │ setup", "│ 01 │ tensor", "│ 13 │ transformers", "│ 20 │ capstone"):
        assert row in result.stdout


def test_a_student_starts_exports_and_tests_a_module(tito: Tito, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    started = tito("module", "start", "00")
    assert started.returncode == 0, started.stderr
    notebook = workspace / "modules" / "00_setup" / "setup.ipynb"
    assert "modules/00_setup/setup.ipynb (ready)" in started.stdout
    assert notebook.exists()

    exported = tito("module", "export", "setup")
    assert exported.returncode == 0, exported.stderr
    package_file = workspace / "tinytorch" / "core" / "setup.py"
    assert not package_file.read_text(encoding="utf-8").startswith(PLACEHOLDER)

    tested = tito("module", "test", "00_setup")
    assert tested.returncode == 1, "an untouched notebook must fail its tests"
    summary = tested.stdout.splitlines()[0]
    assert re.fullmatch(r"(\d+) of \1 tests fail; 3 questions unanswered", summary), summary
    assert "hello_tinytorch is not implemented yet" in tested.stdout

    status = tito("module", "status")
    assert "│ 00 │ setup " in status.stdout and "│ started  │ ✓ " in status.stdout
    assert "0/" in status.stdout

    again = tito("module", "start", "setup")
    assert "already there, kept as it is" in again.stdout

    # Run from the checkout, whose own tinytorch/ must not hide the student's copy.
    doctor = tito("system", "doctor")
    assert Path.cwd() == PROJECT_ROOT
    assert re.search(r"│ workspace\s+│ ok\s+│ your tinytorch at ", doctor.stdout), doctor.stdout


def test_a_broken_student_notebook_is_one_line_naming_file_and_fix(tito: Tito,
                                                                     tmp_path: Path) -> None:
    assert tito("module", "start", "setup").returncode == 0
    notebook = tmp_path / "workspace" / "modules" / "00_setup" / "setup.ipynb"
    notebook.write_text('{"cells": [', encoding="utf-8")
    result = tito("module", "export", "setup")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {notebook} is not a valid notebook")
    assert "tito module reset setup" in result.stderr
    assert notebook.read_text(encoding="utf-8") == '{"cells": ['

    reset = tito("module", "reset", "setup", "--yes")
    assert reset.returncode == 0, reset.stderr
    backups = list((tmp_path / "workspace" / ".tito" / "backups" / "setup").rglob("*.ipynb"))
    assert [b.read_text(encoding="utf-8") for b in backups] == ['{"cells": [']


def test_reset_asks_first_and_changes_nothing_when_declined(tito: Tito, tmp_path: Path) -> None:
    assert tito("module", "start", "setup").returncode == 0
    notebook = tmp_path / "workspace" / "modules" / "00_setup" / "setup.ipynb"
    notebook.write_text("my work", encoding="utf-8")
    result = tito("module", "reset", "setup", input="n\n")
    assert result.returncode == 130
    assert notebook.read_text(encoding="utf-8") == "my work"


def test_export_check_passes_on_the_checkout(tito: Tito) -> None:
    result = tito("export", "--all", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the sources" in result.stdout


def test_export_check_names_every_differing_file_and_writes_nothing(
        tito: Tito, project_copy: Path) -> None:
    package = project_copy / "tinytorch"
    (package / "core" / "setup.py").write_text("edited by hand\n", encoding="utf-8")
    (package / "core" / "__init__.py").unlink()
    (package / "core" / "stray.py").write_text("x = 1\n", encoding="utf-8")
    result = tito("export", "--all", "--check", root=project_copy)
    assert result.returncode == 1
    for line in ("✗ tinytorch/core/__init__.py (missing)",
                 "✗ tinytorch/core/setup.py (differs)",
                 "✗ tinytorch/core/stray.py (not made by export"):
        assert line in result.stdout
    assert (package / "core" / "setup.py").read_text(encoding="utf-8") == "edited by hand\n"

    assert tito("export", "--all", root=project_copy).returncode == 0
    (package / "core" / "stray.py").unlink()
    assert tito("export", "--all", "--check", root=project_copy).returncode == 0


def test_a_malformed_source_is_one_line_naming_file_line_and_fix(
        tito: Tito, project_copy: Path) -> None:
    source = project_copy / "course" / "modules" / "setup" / "setup.py"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace('# %% solution="hello-tinytorch"',
                                   '# %% solution="hello-tinytorch" locked="x"', 1),
                      encoding="utf-8")
    line = text[:text.index('# %% solution="hello-tinytorch"')].count("\n") + 1
    before = (project_copy / "tinytorch" / "core" / "setup.py").read_bytes()
    result = tito("export", "setup", root=project_copy)
    assert result.returncode == 1
    assert result.stderr == (f"error: {source}:{line}: cell has both solution= and locked=: "
                             "give each cell one role\n")
    assert (project_copy / "tinytorch" / "core" / "setup.py").read_bytes() == before


def test_nbgrader_generate_writes_instructor_and_student_notebooks(tito: Tito,
                                                                  tmp_path: Path) -> None:
    course_dir = tmp_path / "my-course"
    result = tito("nbgrader", "generate", "--all", "--course-dir", str(course_dir))
    assert result.returncode == 0, result.stderr
    for kind in ("source", "release"):
        assert (course_dir / kind / "setup" / "setup.ipynb").exists()
    assert gradebook_path(course_dir).exists()
    assert (course_dir / "nbgrader_config.py").exists()
    refused = tito("nbgrader", "generate", "setup", "--all")
    assert refused.returncode == 1
    assert "name one module to generate, or pass --all (not both)" in refused.stderr


def in_course_dir(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``tito`` run in ``folder`` as an instructor runs it there: no TITO_* variables."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TITO_")}
    return subprocess.run([*TITO, *args], cwd=folder, env={**env, "COLUMNS": "200"},
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          check=False)


def test_nbgrader_commands_work_in_the_course_directory_init_made(tmp_path: Path) -> None:
    """As with nbgrader: 'init X' makes X, and the next step it prints works in X, on the
    exchange X's nbgrader_config.py names."""
    made = in_course_dir(tmp_path, "nbgrader", "init", "X", "--exchange", "shared")
    assert made.returncode == 0, made.stderr
    assert "next: 'cd X && tito nbgrader generate --all'" in made.stdout
    course_dir, exchange = tmp_path / "X", tmp_path / "shared"
    for args in (("generate", "setup"), ("release", "setup")):
        done = in_course_dir(course_dir, "nbgrader", *args)
        assert done.returncode == 0, done.stdout + done.stderr
    for kind in ("source", "release"):
        assert (course_dir / kind / "setup" / "setup.ipynb").is_file()
    assert (exchange / "tinytorch" / "outbound" / "setup" / "setup.ipynb").is_file()
    assert f"released 00 setup to {exchange}" in done.stdout


def test_the_course_directorys_sandbox_settings_apply_to_autograde(tmp_path: Path) -> None:
    course_dir = tmp_path / "course"
    assert in_course_dir(tmp_path, "nbgrader", "init", "course").returncode == 0
    control = in_course_dir(course_dir, "nbgrader", "autograde", "setup")
    assert control.returncode == 1 and "no submissions of setup" in control.stderr
    with (course_dir / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write('c.Sandbox.bwrap = "no-such-bwrap"\n')
    refused = in_course_dir(course_dir, "nbgrader", "autograde", "setup")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: bubblewrap is not installed")
    assert "or pass --no-sandbox" in refused.stderr


def test_doctor_reports_each_check_with_its_fix(tito: Tito) -> None:
    result = tito("system", "doctor")
    assert result.returncode == 0, result.stdout
    for check, status in (("numpy", "ok"), ("nbgrader", "ok"), ("sandbox", "ok"),
                          ("module setup", "ok"),
                          ("reference package", "ok"), ("workspace", "warn"),
                          ("data: tinyshakespeare", "(ok|warn)"), ("data: digits", "ok")):
        assert re.search(rf"│ {check}\s+│ {status}\s+│", result.stdout), check
    assert "run 'make lab' or 'tito module start setup'" in result.stdout


def test_doctor_fails_and_names_the_fix_when_the_package_is_stale(
        tito: Tito, project_copy: Path) -> None:
    (project_copy / "tinytorch" / "core" / "setup.py").write_text("x = 1\n", encoding="utf-8")
    result = tito("system", "doctor", root=project_copy)
    assert result.returncode == 1
    assert "run 'tito export --all'" in result.stdout
    assert result.stdout.rstrip().endswith("1 failed")


def test_system_info_names_the_paths_in_use(tito: Tito, tmp_path: Path) -> None:
    result = tito("system", "info")
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "workspace") in result.stdout
    assert "21 modules" in result.stdout


def test_lab_names_what_is_in_the_way_of_preparing_the_workspace(tito: Tito,
                                                                  tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    (releases / "setup").mkdir(parents=True)
    (releases / "setup" / "setup.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "workspace").mkdir()
    in_the_way = tmp_path / "workspace" / "modules"
    in_the_way.write_text("my notes", encoding="utf-8")
    result = tito("lab", "--releases", str(releases), "--prepare-only")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: could not prepare your workspace: ")
    assert f"{in_the_way}/00_setup" in result.stderr
    assert result.stderr.rstrip().endswith("move or rename what is in the way")
    assert in_the_way.read_text(encoding="utf-8") == "my notes"
