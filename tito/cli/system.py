"""``tito system``: what this machine has, and what to fix."""

from __future__ import annotations

import os
import platform
import sys

import click
from rich.markup import escape
from rich.table import Table

from tito import __version__
from tito.cli.common import console, course, paths
from tito.doctor import FAIL, OK, WARN, data_home, run_checks

_STYLE = {OK: "[green]ok[/]", WARN: "[yellow]warn[/]", FAIL: "[red]FAIL[/]"}


@click.group()
def system() -> None:
    """Inspect and check the environment."""


@system.command()
def info() -> None:
    """Show versions, paths and the machine."""
    import numpy

    table = Table(show_header=False, box=None)
    rows = {
        "tito": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "course": f"{course().name}: {len(course().modules)} modules ({course().path})",
        "checkout": str(paths().root),
        "workspace": str(paths().workspace),
        "instructor course dir": str(paths().course_dir),
        "data cache": str(data_home()),
    }
    for key, value in rows.items():
        table.add_row(f"[bold]{key}[/]", escape(value))
    console.print(table)


@system.command()
def doctor() -> int:
    """Check every dependency, module source and data set; print the fix for each problem.

    Exits with status 1 if any check fails (warnings do not fail).
    """
    checks = run_checks(course(), paths())
    table = Table("check", "status", "found", "fix")
    for check in checks:
        table.add_row(check.name, _STYLE[check.status], escape(check.detail), escape(check.fix))
    console.print(table)
    failed = [check for check in checks if check.status == FAIL]
    warned = sum(check.status == WARN for check in checks)
    console.print(f"{len(checks) - len(failed) - warned} ok, {warned} warnings, "
                  f"{len(failed)} failed")
    return 1 if failed else 0
