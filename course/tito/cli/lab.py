"""``tito lab``: the course in a single-user JupyterLab (a student's laptop)."""

from __future__ import annotations

import os

import click

from tito.authoring.export import authored
from tito.cli.common import console, course, paths, progress, workspace
from tito.lab import jupyterlab_command, student_environment, student_releases
from tito.project import display


@click.command()
@click.option("--port", default=8888, show_default=True, help="Port on 127.0.0.1.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--prepare-only", is_flag=True, help="Prepare the workspace, do not start Jupyter.")
def lab(port: int, no_browser: bool, prepare_only: bool) -> None:
    """Prepare your workspace and open JupyterLab on http://127.0.0.1:PORT.

    New modules' notebooks are added to your workspace; notebooks you already have are
    never overwritten.
    """
    modules = authored(course(), paths().modules_dir)
    with progress("preparing notebooks", len(modules)) as bar:
        releases = student_releases(
            course(), paths(), modules,
            on_generate=lambda item: bar.console.print(f"building {item.label}"))
        bar.update(bar.task_ids[0], completed=len(modules))
    space = workspace()
    for module_id, action in space.init(releases).items():
        item = course().module(module_id)
        console.print(f"{item.label}: {display(space.notebook(item))} ({action})")
    if prepare_only:
        return
    console.print(f"workspace: {space.root}; your tinytorch package: {space.root / 'tinytorch'}")
    command = jupyterlab_command(space.root, port, open_browser=not no_browser)
    os.execve(command[0], command, student_environment(space.root))
