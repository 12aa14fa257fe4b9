"""``tito nbgrader``: the instructor's nbgrader course directory."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.table import Table

from sandbox.errors import SandboxError
from tito.authoring.export import authored
from tito.cli.common import (
    MODULE,
    MODULE_HELP,
    RichProgress,
    console,
    course,
    module_arg,
    paths,
)
from tito.errors import TitoError
from tito.grading import actions, database, transfer
from tito.grading.course_dir import (
    CONFIG_FILE,
    AlreadyReleased,
    CourseDir,
    ignore_gradebook_warnings,
)
from tito.grading.formgrader import formgrader_command, formgrader_url
from tito.grading.report import grade_rows, progress_matrix, write_reports
from tito.project import display

COURSE_DIR = click.option(
    "--course-dir", type=click.Path(file_okay=False, path_type=Path),
    help="The nbgrader course directory (default: the current directory if it holds "
         "nbgrader_config.py, else TITO_COURSE_DIR, else ./instructor).")


def open_course_dir(path: Path | None, exchange: Path | None = None) -> CourseDir:
    """The course directory a command works on, found as nbgrader finds it: ``path``
    (``--course-dir``), else the current directory when it holds ``nbgrader_config.py``,
    else ``TITO_COURSE_DIR`` or the checkout's ``./instructor``. Its exchange is the one
    its ``nbgrader_config.py`` names; ``exchange`` only for a directory without one."""
    here = Path.cwd()
    return CourseDir.from_env(path or (here if (here / CONFIG_FILE).is_file() else None),
                              exchange)


@click.group()
def nbgrader() -> None:
    """Run the course with nbgrader: generate, release, collect, grade, give feedback.

    Commands work on a course directory, as nbgrader's do: the current directory when it
    holds nbgrader_config.py (else --course-dir, TITO_COURSE_DIR or ./instructor). 'tito
    nbgrader init DIRECTORY' makes one; its nbgrader_config.py names the exchange where
    students fetch and hand in, and holds your own nbgrader settings (c.Sandbox.*).
    """
    ignore_gradebook_warnings()


@nbgrader.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--exchange", envvar="TITO_EXCHANGE", type=click.Path(file_okay=False,
              path_type=Path), help="The exchange of a new course directory (default: "
              "TITO_EXCHANGE, else next to the course directory); a course directory made "
              "before keeps the one its nbgrader_config.py names.")
@COURSE_DIR
def init(directory: Path | None, exchange: Path | None, course_dir: Path | None) -> None:
    """Create the course directory DIRECTORY (its nbgrader_config.py and gradebook) and
    its exchange. Safe to run again: it changes nothing that exists."""
    if directory and course_dir and directory.resolve() != course_dir.resolve():
        raise TitoError(f"name the course directory once: {directory} or {course_dir}")
    target = open_course_dir(directory or course_dir, exchange and exchange.resolve())
    target.init()
    console.print(f"course directory: {target.root}\nexchange: {target.exchange}")
    here = Path.cwd().resolve()
    move = "" if target.root == here else f"cd {display(target.root)} && "
    console.print(f"next: '{move}tito nbgrader generate --all', then 'tito nbgrader release "
                  "MODULE'")


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
    with RichProgress() as bar:
        for item in chosen:
            actions.generate(target, item, bar)
    console.print(f"course directory: {target.root}")


@nbgrader.command(epilog=MODULE_HELP)
@MODULE
@click.option("--force", is_flag=True,
              help="Release the current version over an earlier release (students keep "
                   "the copy they already fetched).")
@COURSE_DIR
def release(module: str, force: bool, course_dir: Path | None) -> None:
    """Put MODULE's student version in the exchange, where students fetch it."""
    item = module_arg(module)
    target = open_course_dir(course_dir)
    try:
        with RichProgress() as bar:
            actions.release(target, item, bar, force=force)
    except AlreadyReleased as error:
        raise TitoError(f"{error}: pass --force to release the current version over it "
                        "(students keep the copy they fetched)") from error
    console.print(f"students run 'tito fetch {item.id}'")


@nbgrader.command(epilog=MODULE_HELP)
@MODULE
@click.option("--student", "students", multiple=True,
              help="Collect only this student's submission (repeatable).")
@COURSE_DIR
def collect(module: str, students: tuple[str, ...], course_dir: Path | None) -> None:
    """Take each student's latest submission of MODULE from the exchange into submitted/.

    Every submission, not only the latest, is also kept under archive/STUDENT/MODULE/TIME/;
    nothing is ever overwritten there.
    """
    item = module_arg(module)
    with RichProgress() as bar:
        actions.collect(open_course_dir(course_dir), item, bar, students=students)


@nbgrader.command(epilog=MODULE_HELP)
@MODULE
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@COURSE_DIR
def feedback(module: str, students: tuple[str, ...], course_dir: Path | None) -> None:
    """Make and release feedback on MODULE: each graded notebook with every test's result
    and message (never hidden test code). Students fetch it with 'tito feedback MODULE'."""
    item = module_arg(module)
    with RichProgress() as bar:
        actions.feedback(open_course_dir(course_dir), item, bar, students=students)


@nbgrader.command()
@COURSE_DIR
def status(course_dir: Path | None) -> None:
    """A table of modules × pipeline state: generated, released, handed in, collected,
    autograded, waiting for manual grading, feedback."""
    target = open_course_dir(course_dir)
    modules = authored(course(), paths().modules_dir)
    table = Table("module", "generated", "released", "handed in", "collected", "graded",
                  "manual", "feedback", caption="counts are students; manual: submissions "
                  "waiting for a TA")
    for row in target.status(modules):
        table.add_row(row.module.label, _mark(row.generated),
                      _mark(row.released), str(row.handed_in), str(row.collected),
                      str(row.autograded), str(row.needs_manual), str(row.feedback))
    console.print(table)
    console.print(f"course directory: {target.root}; exchange: {target.exchange}")


def _mark(done: bool) -> str:
    return "[green]✓[/]" if done else "[dim]–[/]"


@nbgrader.command()
@click.option("--port", default=5555, show_default=True, help="Port on 127.0.0.1.")
@COURSE_DIR
def formgrader(port: int, course_dir: Path | None) -> None:
    """Start nbgrader's formgrader on the course directory (127.0.0.1 only) and print its
    URL; TAs grade the systems questions there. Ctrl-C stops it."""
    target = open_course_dir(course_dir)
    target.init()
    token = secrets.token_urlsafe(24)
    console.print(f"formgrader: {formgrader_url(port, token)}", soft_wrap=True)
    command = formgrader_command(target.root, port, token)
    os.chdir(target.root)
    os.execv(command[0], command)


@nbgrader.command(epilog=MODULE_HELP)
@MODULE
@click.option("--student", "students", multiple=True, help="Grade only this student (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Submissions graded at once.")
@click.option("--force", is_flag=True, help="Grade again submissions that are already graded.")
@click.option("--no-sandbox", is_flag=True,
              help="Run student code without bubblewrap. Only for code you trust.")
@COURSE_DIR
def autograde(module: str, students: tuple[str, ...], workers: int, force: bool,
              no_sandbox: bool, course_dir: Path | None) -> None:
    """Grade submissions of MODULE: run each notebook in the sandbox and score its test
    cells with the module's visible and hidden tests.

    A run that was stopped can be started again: it grades what was not finished.
    Exits with status 1 if any submission could not be graded. Workers are at most one
    per CPU.
    """
    item = module_arg(module)
    target = open_course_dir(course_dir)
    try:
        with RichProgress() as bar:
            actions.autograde(target, item, bar, students=students, force=force,
                              workers=workers, sandboxed=not no_sandbox)
    except SandboxError as error:
        raise TitoError(f"{error}, or pass --no-sandbox to grade without a sandbox "
                        "(trusted code only)") from error


@nbgrader.command()
@click.option("--module", "module_ref", metavar="MODULE", help="Only this module.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (default: <course dir>/reports).")
@click.option("--wide", is_flag=True,
              help="Grades as one row per student, a status and a total column per module.")
@COURSE_DIR
def report(module_ref: str | None, fmt: str, output: Path | None, wide: bool,
           course_dir: Path | None) -> None:
    """Write grades (student × module: autograded, manual, late penalty, total, max,
    submitted at, status) and the class progress matrix, and show the matrix."""
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
            f"{cells[m].total:g}/{cells[m].max_total:g}" if cells[m].graded
            else "[yellow]submitted[/]" if cells[m].submitted else "[red]missing[/]"
            for m in shown))
    console.print(table)
    for path in write_reports(rows, output or target.root / "reports", fmt, wide):
        console.print(f"wrote {display(path)}")


@nbgrader.command("db-upgrade")
@click.option("--hub-db-url", envvar="TITO_HUB_DB_URL", metavar="URL",
              help="Also upgrade the hub's database at this SQLAlchemy URL (default: "
                   "TITO_HUB_DB_URL; none: the gradebook only).")
@COURSE_DIR
def db_upgrade(hub_db_url: str | None, course_dir: Path | None) -> None:
    """Bring the course's gradebook (its configured database, SQLite or PostgreSQL) and
    the hub's database to the current schemas with nbgrader's and JupyterHub's own alembic
    migrations; an empty database gets the current schema. Safe to run at every start."""
    target = open_course_dir(course_dir)
    target.init()
    database.upgrade(target.db_url)
    console.print(f"gradebook: {database.redacted(target.db_url)} is current")
    if hub_db_url:
        with tempfile.TemporaryDirectory() as empty:  # no jupyterhub_config.py is read
            result = subprocess.run(
                [sys.executable, "-m", "jupyterhub", "upgrade-db", f"--db={hub_db_url}"],
                cwd=empty, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
            raise TitoError(f"upgrading the hub's database {database.redacted(hub_db_url)} "
                            f"failed: {lines[-1]}: fix the database, then run this again")
        console.print(f"hub database: {database.redacted(hub_db_url)} is current")


@nbgrader.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@COURSE_DIR
def export_course(archive: Path, course_dir: Path | None) -> None:
    """Write the whole course to ARCHIVE (.tar.gz): every gradebook row in a form any
    database takes, the course directory's folders (submissions, the archive of every
    hand-in, feedback), tito's records, the overrides and the exchange. 'tito nbgrader
    import ARCHIVE' puts it into a fresh course directory, on SQLite or PostgreSQL."""
    target = open_course_dir(course_dir)
    counts = transfer.export_course(target, archive)
    console.print(f"wrote {display(archive)}: " + ", ".join(
        f"{count} {what}" for what, count in counts.items()))


@nbgrader.command("import")
@click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--exchange", envvar="TITO_EXCHANGE", type=click.Path(file_okay=False,
              path_type=Path), help="The exchange of a new course directory (as for 'init').")
@COURSE_DIR
def import_course(archive: Path, exchange: Path | None, course_dir: Path | None) -> None:
    """Put the course 'tito nbgrader export' wrote to ARCHIVE into a fresh course
    directory (made if missing), into the gradebook its configuration names
    (TITO_GRADEBOOK_URL or c.CourseDirectory.db_url; SQLite by default). Refused if
    that gradebook holds anything already."""
    target = open_course_dir(course_dir, exchange and exchange.resolve())
    counts = transfer.import_course(target, archive)
    console.print(f"imported {display(archive)} into {target.root}: " + ", ".join(
        f"{count} {what}" for what, count in counts.items()))
