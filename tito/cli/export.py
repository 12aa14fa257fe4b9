"""``tito export``: the reference package ``tinytorch/`` from the module sources."""

from __future__ import annotations

import click

from tito.authoring.export import authored, reference_files, stale_files
from tito.cli.common import MODULE_HELP, console, course, module_arg, paths
from tito.errors import TitoError
from tito.files import write_atomic


@click.command(epilog=MODULE_HELP)
@click.argument("modules", nargs=-1, metavar="[MODULE]...")
@click.option("--all", "all_modules", is_flag=True, help="Export every module that has a source.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and name the files if tinytorch/ differs from what "
                   "export would write.")
def export(modules: tuple[str, ...], all_modules: bool, check: bool) -> int:
    """Export the solutions of MODULE(s) into the reference package tinytorch/."""
    everything = authored(course(), paths().modules_dir)
    if all_modules == bool(modules):
        raise TitoError("name the modules to export, or pass --all (not both)")
    chosen = everything if all_modules else [module_arg(ref) for ref in modules]
    files = reference_files(course(), paths().modules_dir, chosen)
    if check:
        if not all_modules:
            raise TitoError("--check compares the whole package: use it with --all")
        stale = stale_files(files, paths().root, course().package)
        for problem in stale:
            console.print(f"[red]✗[/] {problem}")
        if stale:
            console.print(f"{len(stale)} file(s) differ from the module sources: "
                          "run 'tito export --all'")
            return 1
        console.print(f"{course().package}/ matches the sources of {len(chosen)} module(s)")
        return 0
    for relative, text in sorted(files.items()):
        write_atomic(paths().root / relative, text)
    for item in chosen:
        console.print(f"exported {item.label} → {item.target_path}")
    return 0
