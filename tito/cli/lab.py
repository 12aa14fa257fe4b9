"""``tito lab``: the course in a single-user JupyterLab (a student's laptop)."""

from __future__ import annotations

from pathlib import Path

import click

from tito.authoring.export import authored
from tito.cli.common import console, course, paths, progress, workspace
from tito.errors import TitoError
from tito.lab import serve, student_releases
from tito.project import display


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--port", default=8888, show_default=True, help="Port on 127.0.0.1.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--prepare-only", is_flag=True, help="Prepare the workspace, do not start Jupyter.")
@click.option("--releases", type=click.Path(file_okay=False, path_type=Path),
              help="Take the notebooks from this folder of released modules "
                   "(<id>/<id>.ipynb) instead of building them from the course sources.")
@click.option("--singleuser", is_flag=True,
              help="Start JupyterHub's single-user server (in a hub) instead of JupyterLab.")
@click.argument("server_args", nargs=-1, type=click.UNPROCESSED)
def lab(port: int, no_browser: bool, prepare_only: bool, releases: Path | None,
        singleuser: bool, server_args: tuple[str, ...]) -> None:
    """Prepare your workspace and open JupyterLab on http://127.0.0.1:PORT.

    New modules' notebooks are added to your workspace; notebooks you already have are
    never overwritten. SERVER_ARGS go to the Jupyter server.
    """
    notebooks = released(releases) if releases else built_releases()
    space = workspace()
    try:
        for module_id, action in space.init(notebooks).items():
            item = course().module(module_id)
            console.print(f"{item.label}: {display(space.notebook(item))} ({action})")
    except OSError as error:
        problem = f"could not prepare your workspace: {error}; move or rename what is in the way"
        if prepare_only:
            raise TitoError(problem) from error
        # A workspace that cannot be prepared must not lock its owner out of the lab,
        # where they can fix it; the missing pieces come at the next start.
        console.print(f"[red]error:[/] {problem}, then restart the lab")
    if prepare_only:
        return
    console.print(f"workspace: {space.root}; your tinytorch package: {space.root / 'tinytorch'}")
    serve(space.root, port, not no_browser, list(server_args), singleuser=singleuser)


def built_releases() -> dict[str, Path]:
    """The student notebooks of every authored module, built from the course sources."""
    modules = authored(course(), paths().modules_dir)
    with progress("preparing notebooks", len(modules)) as bar:
        notebooks = student_releases(
            course(), paths(), modules,
            on_generate=lambda item: bar.console.print(f"building {item.label}"))
        bar.update(bar.task_ids[0], completed=len(modules))
    return notebooks


def released(folder: Path) -> dict[str, Path]:
    """The released notebooks in ``folder``, by module id."""
    return {module.id: folder / module.id / f"{module.id}.ipynb" for module in course().modules
            if (folder / module.id / f"{module.id}.ipynb").is_file()}
