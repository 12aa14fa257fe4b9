"""What every milestone script shares: its command line, its printed progress and its
verdict. A script runs in a process of its own (``python -m tito.student.milestones.<name>``)
whose ``sys.path`` puts the package under test first (the student's workspace copy, or
the installed reference); it imports that ``tinytorch`` and nothing of tito's that would
import it. Only NumPy and the standard library here: this runs next to student code."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RESULT_ENV = "TITO_MILESTONE_RESULT"  # where the script writes its verdict (JSON)


@dataclass
class Verdict:
    """A milestone's outcome: each gate with whether it held, and figures to keep."""

    gates: list[tuple[str, bool]] = field(default_factory=list)
    figures: dict[str, float | int | str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    def gate(self, description: str, held: bool) -> bool:
        """Record and print one pass/fail condition."""
        self.gates.append((description, bool(held)))
        say(f"  {'✓' if held else '✗'} {description}")
        return bool(held)

    @property
    def passed(self) -> bool:
        return bool(self.gates) and all(held for _, held in self.gates)


def unreadable_data(verdict: Verdict, name: str, message: str) -> Verdict:
    """The verdict of a run whose data set is missing or not the official file: the
    reader's message (where to get it, where to put it) and one failed gate, no traceback."""
    say(message)
    verdict.gate(f"{name} is there to read", False)
    verdict.summary.append(f"{name} is missing or not the official file: see above for "
                           "where to put it")
    return verdict


def say(text: str = "") -> None:
    """Print a line at once (a student watches the loss go down)."""
    print(text, flush=True)


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def parser(description: str) -> argparse.ArgumentParser:
    """The script's argument parser; ``--seed`` is common to all."""
    found = argparse.ArgumentParser(description=description)
    found.add_argument("--seed", type=int, default=0, help="seed of data and initialization")
    return found


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed:`` ... ``elapsed()`` is the seconds since entering."""
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def accuracy(predicted: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted).reshape(-1) == np.asarray(target).reshape(-1)))


def evaluate(model: object, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> float:
    """Classification accuracy of the student's ``model`` on ``x`` (N, ...) against labels
    ``y``, in eval mode and without recording a graph, ``batch_size`` samples at a time."""
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.tensor import Tensor

    correct = 0
    model.eval()
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = np.asarray(model(Tensor(x[start:start + batch_size])).data)
            correct += int(np.sum(logits.argmax(axis=1) == y[start:start + batch_size]))
    return correct / len(x)


def as_array(value: object) -> np.ndarray:
    """The NumPy array of a student's Tensor (``.data``), or of anything array-like."""
    return np.asarray(getattr(value, "data", value))


def finish(verdict: Verdict) -> int:
    """Print the verdict, hand it to tito (``TITO_MILESTONE_RESULT``), return the exit code."""
    say()
    say(f"{'PASSED' if verdict.passed else 'FAILED'}: {'; '.join(verdict.summary)}")
    target = os.environ.get(RESULT_ENV)
    if target:
        Path(target).write_text(json.dumps({
            "passed": verdict.passed, "summary": "; ".join(verdict.summary),
            "gates": verdict.gates, "figures": verdict.figures}), encoding="utf-8")
    return 0 if verdict.passed else 1


def main(run: Callable[[argparse.Namespace], Verdict], arguments: argparse.ArgumentParser
         ) -> None:
    """Parse the command line, run the milestone, exit 0 when it passed and 1 when not."""
    sys.exit(finish(run(arguments.parse_args())))
