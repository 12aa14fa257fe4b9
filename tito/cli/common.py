"""What every tito command shares: the console, the course, paths and module arguments."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tito.manifest import Course, Module, load_course
from tito.project import Paths
from tito.student.workspace import Workspace

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


@functools.cache
def paths() -> Paths:
    return Paths.from_env()


@functools.cache
def course() -> Course:
    return load_course(paths().course_toml)


def workspace() -> Workspace:
    return Workspace(paths().workspace, course())


def module_arg(ref: str) -> Module:
    return course().module(ref)


MODULE = click.argument("module", metavar="MODULE")
MODULE_HELP = "MODULE is an id (tensor), a number (01) or a folder name (01_tensor)."


def _bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                    console=console, transient=False)


@contextmanager
def progress(description: str, total: int) -> Iterator[Progress]:
    """A progress bar for work of several steps; advance it with ``bar.advance(task)``."""
    bar = _bar()
    with bar:
        bar.add_task(description, total=total)
        yield bar


class RichProgress:
    """A course action's progress (:class:`tito.grading.actions.Progress`) as a rich bar:
    each step done is a line (✓, or a red ✗ for a failed one), notes are lines too. Steps
    of several actions in a row add up on the one bar, which shows from the first
    ``start``. Use it in a ``with`` block."""

    def __init__(self) -> None:
        self._bar = _bar()
        self._task = self._bar.add_task("", total=0, start=False)

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *failure: object) -> None:
        self._bar.stop()

    def start(self, total: int, message: str) -> None:
        if not self._bar.live.is_started:
            self._bar.start()
            self._bar.start_task(self._task)
        task = self._bar.tasks[0]
        self._bar.update(self._task, total=(task.total or 0) + total, description=message)

    def advance(self, message: str, ok: bool = True) -> None:
        mark = "✓" if ok else "[red]✗[/]"
        self._bar.console.print(f"{mark} {escape(message)}", soft_wrap=True)
        self._bar.advance(self._task)

    def note(self, message: str) -> None:
        self._bar.console.print(escape(message), soft_wrap=True)
