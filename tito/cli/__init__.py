"""The ``tito`` command line: thin click commands over the tito library."""
# ruff: noqa: E402 (the start-up call below comes before the commands' imports)

from __future__ import annotations

import sys

import click
from rich.markup import escape

from sandbox.startup import skip_slow_imports
from tito import __version__

skip_slow_imports()  # first: the commands' imports below bring in nbformat and nbgrader

from tito.cli.common import errors
from tito.cli.exchange import feedback, fetch, submit
from tito.cli.export import export
from tito.cli.lab import lab
from tito.cli.milestone import milestone
from tito.cli.module import module
from tito.cli.nbgrader import nbgrader
from tito.cli.system import system
from tito.errors import USER_ERRORS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tito")
def cli() -> None:
    """TinyTorch course tooling: build modules, export your package, test, grade."""


for command in (system, module, milestone, export, nbgrader, lab, fetch, submit, feedback):
    cli.add_command(command)


def main() -> None:
    """Run tito; a :class:`TitoError` becomes one ``error:`` line and exit status 1."""
    try:
        status = cli.main(standalone_mode=False)
    except USER_ERRORS as error:
        errors.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        sys.exit(1)
    except click.exceptions.Abort:
        errors.print("aborted")
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
