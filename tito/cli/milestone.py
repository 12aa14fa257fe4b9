"""``tito milestone``: run the course's historical milestones on your own package."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from tito.cli.common import console, course, paths
from tito.errors import TitoError
from tito.student import milestones

_STATE = {"passed": "[green]✓ passed[/]", "failed": "[red]✗ failed[/]",
          "ready": "[cyan]ready[/]", "locked": "[dim]locked[/]",
          "unavailable": "[dim]not yet available[/]"}

RUN_EPILOG = """Options after NAME go to the milestone's script: every one takes --seed N;
mlp takes --dataset digits|fashion-mnist|both (default digits) and --epochs N. The
script's own help: tito milestone run NAME -- --help"""


@click.group()
def milestone() -> None:
    """Reproduce historical results (perceptron, XOR, MLP) with your own tinytorch."""


@milestone.command("list")
def list_milestones() -> None:
    """List the course's milestones and the module that unlocks each."""
    table = Table("milestone", "what", "after module", "script")
    for item in milestones.statuses(course(), paths().workspace):
        after = course().module(item.milestone.after)
        table.add_row(item.milestone.id, escape(item.milestone.title), after.label,
                      "✓" if milestones.has_script(item.milestone) else "[dim]not yet[/]")
    console.print(table)


def _day(stamp: str) -> str:
    return stamp.split("T", 1)[0]


def _result(status: milestones.Status) -> str:
    if status.state == "locked":
        return "needs " + ", ".join(m.label for m in status.missing)
    if status.state == "ready":
        return f"run 'tito milestone run {status.milestone.id}'"
    if status.last is None:
        return ""
    text = f"{_day(status.last['at'])}: {status.last['summary']}"
    if status.state == "failed" and status.passed:
        text += f" (passed on {_day(status.passed['at'])}: {status.passed['summary']})"
    return escape(text)


@milestone.command()
def status() -> None:
    """Show each milestone: locked (the modules it needs), ready, passed or failed."""
    table = Table("milestone", "after", "state", "result")
    for item in milestones.statuses(course(), paths().workspace):
        table.add_row(item.milestone.id, course().module(item.milestone.after).label,
                      _STATE[item.state], _result(item))
    console.print(table)


@milestone.command(epilog=RUN_EPILOG,
                   context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.option("--reference", is_flag=True,
              help="Run against the installed reference package instead of your own "
                   "(for course authors); nothing is recorded.")
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
def run(name: str, reference: bool, script_args: tuple[str, ...]) -> int:
    """Run milestone NAME against your own tinytorch (your workspace's copy).

    Checks first that you exported every module it needs. Exits with status 0 when the
    milestone's gate passes, 1 when not; your result is kept for 'tito milestone status'.
    """
    item = milestones.find(course(), name)
    root = None if reference else paths().workspace
    which = "the reference tinytorch" if reference else f"your tinytorch in {root}"
    milestones.check_ready(course(), item, root)  # before the header: a refusal is one line
    console.print(f"[bold]Milestone {item.id}[/]: {escape(item.title)}")
    console.print(f"running on {escape(which)}")
    outcome = milestones.run(item, root, list(script_args))
    if outcome.summary is None:  # the script showed its help or refused its options
        return outcome.returncode
    if root is not None:
        try:
            milestones.record(root, outcome, script_args)
        except OSError as error:
            raise TitoError(f"could not keep the result in {root}: {error}") from error
    verdict = "[green]✓ passed[/]" if outcome.passed else "[red]✗ failed[/]"
    console.print(f"milestone {item.id} {verdict}: {escape(outcome.summary)} "
                  f"({outcome.seconds:.1f} s)")
    return 0 if outcome.passed else 1
