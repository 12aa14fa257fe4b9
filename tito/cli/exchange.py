"""``tito fetch``, ``tito submit``, ``tito feedback``: a student's side of the exchange."""

from __future__ import annotations

import click

from tito.cli.common import MODULE, MODULE_HELP, console, module_arg, paths, workspace
from tito.exchange import read_score
from tito.project import display
from tito.student.exchange import StudentExchange


def student_exchange() -> StudentExchange:
    return StudentExchange(workspace(), paths().exchange)


@click.command(epilog=MODULE_HELP)
@MODULE
def fetch(module: str) -> None:
    """Get MODULE's notebook as your instructor released it (yours is never replaced)."""
    item = module_arg(module)
    with console.status(f"fetching {item.id}"):
        action = student_exchange().fetch(item)
    verb = "ready" if action == "created" else "you already have it; kept yours as it is"
    console.print(f"{item.label} {item.title}: {display(workspace().notebook(item))} ({verb})")


@click.command(epilog=MODULE_HELP)
@MODULE
def submit(module: str) -> None:
    """Hand in your notebook of MODULE. You may submit again: every submission is kept and
    the latest one is graded."""
    item = module_arg(module)
    with console.status(f"submitting {item.id}"):
        notebook = student_exchange().submit(item)
    console.print(f"submitted {display(notebook)}; run 'tito feedback {item.id}' once it "
                  "is graded")


@click.command(epilog=MODULE_HELP)
@MODULE
def feedback(module: str) -> None:
    """Fetch the feedback on your submissions of MODULE: its score, then every test with its
    result. One line per graded submission, the newest last."""
    item = module_arg(module)
    with console.status(f"fetching feedback on {item.id}"):
        files = student_exchange().feedback(item)
    for path in files:
        score = read_score(path.read_text(encoding="utf-8", errors="replace"))
        shown = f"score {score[0]:g}/{score[1]:g}" if score else "no score in it"
        console.print(f"{item.id} {shown}: {display(path)}", highlight=False)
