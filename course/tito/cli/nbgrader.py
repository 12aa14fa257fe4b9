"""``tito nbgrader``: the instructor's nbgrader course directory."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from tito.authoring.export import authored
from tito.cli.common import MODULE_HELP, console, course, module_arg, paths, progress
from tito.course_dir import CourseDir
from tito.errors import TitoError
from tito.grading.batch import autograde_many
from tito.grading.report import grade_rows, progress_matrix, write_reports
from tito.grading.sandbox import Sandbox
from tito.project import display

COURSE_DIR = click.option(
    "--course-dir", type=click.Path(file_okay=False, path_type=Path),
    help="The nbgrader course directory (default: TITO_COURSE_DIR or ./instructor).")


def open_course_dir(path: Path | None) -> CourseDir:
    return CourseDir((path or paths().course_dir).resolve(), course(), paths().modules_dir)


@click.group()
def nbgrader() -> None:
    """Manage the course with nbgrader: generate student versions, and later grade."""


@nbgrader.command(epilog=MODULE_HELP)
@click.argument("module", required=False, metavar="[MODULE]")
@click.option("--all", "all_modules", is_flag=True, help="Generate every module that has a source.")
@COURSE_DIR
def generate(module: str | None, all_modules: bool, course_dir: Path | None) -> None:
    """Build MODULE's instructor notebook (source/) and its student version (release/)."""
    if all_modules == bool(module):
        raise TitoError("name one module to generate, or pass --all (not both)")
    chosen = authored(course(), paths().modules_dir) if all_modules else [module_arg(module)]
    target = open_course_dir(course_dir)
    with progress("generating", len(chosen)) as bar:
        for item in chosen:
            release = target.generate(item)
            bar.console.print(f"{item.label}: {display(target.source_notebook(item))} → "
                              f"{display(release)}")
            bar.advance(bar.task_ids[0])
    console.print(f"course directory: {target.root}")


@nbgrader.command(epilog=MODULE_HELP)
@click.argument("module", metavar="MODULE")
@click.option("--student", "students", multiple=True, help="Grade only this student (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Submissions graded at once.")
@click.option("--force", is_flag=True, help="Grade again submissions that are already graded.")
@click.option("--no-sandbox", is_flag=True,
              help="Run student code without bubblewrap. Only for code you trust.")
@COURSE_DIR
def autograde(module: str, students: tuple[str, ...], workers: int, force: bool,
              no_sandbox: bool, course_dir: Path | None) -> int:
    """Grade submissions of MODULE: run each notebook in the sandbox and score its test
    cells with the module's visible and hidden tests.

    A run that was stopped can be started again: it grades what was not finished.
    Exits with status 1 if any submission could not be graded.
    """
    item = module_arg(module)
    target = open_course_dir(course_dir)
    if not no_sandbox:
        Sandbox().check()
    submitted = target.root / "submitted"
    everyone = list(students) or sorted(
        path.name for path in submitted.glob("*") if (path / item.id).is_dir())
    if not everyone:
        raise TitoError(f"no submissions of {item.id} in {submitted}: collect them first")
    chosen = [s for s in everyone if force or target.needs_grading(item, s)]
    if len(chosen) < len(everyone):
        console.print(f"{len(everyone) - len(chosen)} already graded (--force grades again)")
    failed = 0
    with progress(f"autograding {item.id}", len(chosen)) as bar:
        for outcome in autograde_many(target.root, item.id, chosen, workers, not no_sandbox):
            if outcome.error:
                failed += 1
                bar.console.print(f"[red]✗ {outcome.student}:[/] {escape(outcome.error)}")
            else:
                total = sum(target.scores(item, outcome.student).values())
                bar.console.print(f"✓ {outcome.student}: {total:g} points")
            bar.advance(bar.task_ids[0])
    return 1 if failed else 0


@nbgrader.command()
@click.option("--module", "module_ref", metavar="MODULE", help="Only this module.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (default: <course dir>/reports).")
@COURSE_DIR
def report(module_ref: str | None, fmt: str, output: Path | None,
           course_dir: Path | None) -> None:
    """Write grades (student × module: autograded, manual, late penalty, total, submitted
    at) and the class progress matrix, and show the matrix."""
    target = open_course_dir(course_dir)
    modules = [module_arg(module_ref)] if module_ref else list(course().modules)
    rows = grade_rows(target, modules)
    if not rows:
        raise TitoError(f"no graded modules or students in {target.root}: autograde first")
    matrix = progress_matrix(rows)
    shown = list(dict.fromkeys(row.module for row in rows))
    table = Table("student", *shown)
    for student, cells in matrix.items():
        table.add_row(student, *(
            f"{cells[m].total:g}/{cells[m].max_total:g}" if cells[m].submitted
            else "[red]missing[/]" for m in shown))
    console.print(table)
    for path in write_reports(rows, output or target.root / "reports", fmt):
        console.print(f"wrote {display(path)}")
