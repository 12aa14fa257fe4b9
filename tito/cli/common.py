"""What every tito command shares: the console, the course, paths and module arguments."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
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


@contextmanager
def progress(description: str, total: int) -> Iterator[Progress]:
    """A progress bar for work of several steps; advance it with ``bar.advance(task)``."""
    bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                   console=console, transient=False)
    with bar:
        bar.add_task(description, total=total)
        yield bar
