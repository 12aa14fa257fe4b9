"""``tito module``: a student's work on one module, and the course's module list."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from tito.authoring.source import instructor_notebook, read_source
from tito.cli.common import MODULE, MODULE_HELP, console, course, module_arg, paths, workspace
from tito.lab import student_releases
from tito.module_tests import run_module_tests
from tito.project import display
from tito.student import validation
from tito.student.validation import ValidationReport

_OUTCOME = {"passed": "[green]✓[/]", "failed": "[red]✗[/]", "error": "[red]✗ error:[/]",
            "skipped": "[yellow]skipped:[/]"}


@click.group()
def module() -> None:
    """Work on course modules: start, export, test, reset; list and status."""


@module.command("list")
def list_modules() -> None:
    """List every module of the course (from course/course.toml)."""
    table = Table("#", "id", "title", "package", "requires", "points", "milestones", "source")
    for item in course().modules:
        has_source = item.source_path(paths().modules_dir).exists()
        table.add_row(f"{item.number:02d}", item.id, item.title, item.target,
                      ", ".join(item.requires), f"{item.points.auto}+{item.points.manual}",
                      ", ".join(item.milestones), "✓" if has_source else "[dim]not yet[/]")
    console.print(table)


@module.command()
def status() -> None:
    """Show your progress: started, exported and last test result per module."""
    space = workspace()
    progress = space.progress()
    table = Table("#", "id", "notebook", "exported", "last test", "prerequisites")
    for item in course().modules:
        tests = progress.get(item.id, {}).get("tests")
        missing = [m.id for m in course().prerequisites(item) if not space.is_exported(m)]
        table.add_row(
            f"{item.number:02d}", item.id,
            "started" if space.notebook(item).exists() else "[dim]–[/]",
            "[green]✓[/]" if space.is_exported(item) else "[dim]–[/]",
            f"{tests['passed']}/{tests['total']} passed" if tests else "[dim]–[/]",
            "[green]ready[/]" if not missing else f"[dim]needs {', '.join(missing)}[/]",
        )
    console.print(table)


@module.command(epilog=MODULE_HELP)
@MODULE
def start(module: str) -> None:
    """Put MODULE's notebook in your workspace (never overwriting yours) and show where."""
    item = module_arg(module)
    space = workspace()
    missing = [m.label for m in course().prerequisites(item) if not space.is_exported(m)]
    if missing:
        console.print(f"[yellow]note:[/] {item.id} builds on modules you have not exported "
                      f"yet: {', '.join(missing)}")
    releases = student_releases(course(), paths(), [item])
    action = space.init(releases)[item.id]
    verb = "ready" if action == "created" else "already there, kept as it is"
    console.print(f"{item.label} {item.title}: {display(space.notebook(item))} ({verb})")
    console.print("Open it in JupyterLab ('make lab' or 'tito lab'), work through it, then run "
                  f"'tito module export {item.id}' and 'tito module test {item.id}'.")


@module.command("export", epilog=MODULE_HELP)
@MODULE
def export_module(module: str) -> None:
    """Export your notebook's #| export cells into your own tinytorch package."""
    item = module_arg(module)
    target = workspace().export(item)
    console.print(f"exported {display(workspace().notebook(item))} → {display(target)}")


def _print_report(report: ValidationReport) -> None:
    """Summary first, then one line per test with its message, then what is unanswered."""
    style = "green" if report.ok else "red"
    console.print(f"[bold {style}]{escape(report.summary)}[/]")
    for test in report.tests:
        said = f": {escape(test.message)}" if test.message else ""
        console.print(f"{_OUTCOME[test.outcome]} {test.name} [dim]({escape(test.piece)})[/]"
                      f"{said}", soft_wrap=True)
    for question in report.unanswered:
        console.print(f"[yellow]unanswered:[/] {escape(question)}", soft_wrap=True)


@module.command("test", epilog=MODULE_HELP)
@MODULE
@click.option("--reference", is_flag=True,
              help="Run every test, hidden ones included, against the reference package "
                   "(for course authors).")
def test_module(module: str, reference: bool) -> int:
    """Export your notebook, then run its tests with pytest against your package: a
    summary, then each test with its message, then the questions still unanswered.

    Exits with status 1 unless every test passes.
    """
    item = module_arg(module)
    if reference:
        notebook = instructor_notebook(read_source(item, paths().modules_dir))
        run = run_module_tests(notebook, item, course(), paths().root,
                               f"course/modules/{item.id}/{item.id}.py")
        report = validation.report(run, notebook)
    else:
        space = workspace()
        space.export(item)
        report = validation.validate(space, item)
    _print_report(report)
    return 0 if report.ok else 1


@module.command(epilog=MODULE_HELP)
@MODULE
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(module: str, yes: bool) -> None:
    """Start MODULE over from a fresh notebook. Your notebook and exported file are backed
    up first, under .tito/backups/ in your workspace."""
    item = module_arg(module)
    if not yes:
        click.confirm(f"Reset {item.label}: back up your notebook and start from a fresh copy?",
                      abort=True)
    release = student_releases(course(), paths(), [item])[item.id]
    space = workspace()
    space.init({})
    backups = space.reset(item, release)
    for backup in backups:
        console.print(f"backed up → {display(backup)}")
    console.print(f"{display(space.notebook(item))} is a fresh copy; "
                  f"{item.target} is unexported again")
