"""The ``tito`` command line: thin click commands over the tito library."""
# ruff: noqa: E402 (the start-up call below comes before the commands' imports)

from __future__ import annotations

import importlib
import sys

import click
from rich.markup import escape

from sandbox.startup import skip_slow_imports
from tito import __version__

skip_slow_imports()  # first: the commands' imports bring in nbformat and nbgrader

from tito.cli.common import errors
from tito.errors import USER_ERRORS

# Each command's module of tito.cli, imported only when the command runs (or for --help):
# a lab's start (``tito lab``, once per student in a hub) then loads no grading stack.
COMMANDS = {"system": "system", "module": "module", "milestone": "milestone",
            "export": "export", "nbgrader": "nbgrader", "lab": "lab", "fetch": "exchange",
            "submit": "exchange", "feedback": "exchange"}


class Commands(click.Group):
    """The commands of :data:`COMMANDS`, each loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return getattr(importlib.import_module(f"tito.cli.{COMMANDS[name]}"), name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tito")
def cli() -> None:
    """TinyTorch course tooling: build modules, export your package, test, grade."""


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
