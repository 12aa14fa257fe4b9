"""Milestone ``xor`` (after module 08): XOR, solved by backpropagation (1986).

Minsky and Papert (1969) showed that one layer of neurons cannot compute XOR; Rumelhart,
Hinton and Williams (1986) trained a hidden layer with backpropagation and it could.
Both halves run on your package: first a single ``Linear(2, 1)``, which must fail (no line
separates XOR's classes, so at most 3 of the 4 points come out right), then a two-layer
MLP trained with your autograd, loss and optimizer, which must get all four right.

Gate: the single layer at most 75%; the MLP 100%, and confidently so (its loss at most
0.05: a hidden layer left as initialized, when gradients do not reach it, can happen to
separate four points but not that well in the same number of steps).
"""

from __future__ import annotations

import argparse

import numpy as np

from tito.student.milestones.script import (
    Verdict,
    accuracy,
    as_array,
    main,
    parser,
    percent,
    say,
    stopwatch,
)

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)
MAX_LOSS = 0.05


def train(model: object, steps: int, lr: float, label: str) -> tuple[float, float]:
    """Full-batch training with BCEWithLogitsLoss and SGD with momentum; the final accuracy
    and loss."""
    from tinytorch.core.losses import BCEWithLogitsLoss
    from tinytorch.core.optimizers import SGD
    from tinytorch.core.tensor import Tensor

    x, y = Tensor(INPUTS), Tensor(TARGETS)
    loss_fn = BCEWithLogitsLoss()
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_value = float("nan")
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_value = float(as_array(loss))
        if step == 1 or step % max(1, steps // 10) == 0:
            logits = as_array(model(x)).reshape(-1)
            say(f"  {label} step {step:4d}: loss {loss_value:.4f}, outputs "
                f"{np.round(1 / (1 + np.exp(-logits)), 2)}, accuracy "
                f"{percent(accuracy(logits > 0, TARGETS))}")
    logits = as_array(model(x)).reshape(-1)
    return accuracy(logits > 0, TARGETS), loss_value


def run(args: argparse.Namespace) -> Verdict:
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.tensor import manual_seed

    verdict = Verdict()
    say("XOR: inputs (0,0) (0,1) (1,0) (1,1) → targets 0 1 1 0")
    with stopwatch() as elapsed:
        say("\n1. One layer: Linear(2, 1)")
        manual_seed(args.seed)
        single, single_loss = train(Linear(2, 1), args.steps, args.lr, "one layer")
        verdict.gate(f"one layer fails: accuracy {percent(single)} ≤ 75% "
                     f"(loss {single_loss:.3f})", single <= 0.75)
        say(f"\n2. Two layers: Linear(2, {args.hidden}) → ReLU → Linear({args.hidden}, 1)")
        manual_seed(args.seed)
        mlp = Sequential(Linear(2, args.hidden), ReLU(), Linear(args.hidden, 1))
        solved, mlp_loss = train(mlp, args.steps, args.lr, "two layers")
        verdict.gate(f"two layers solve it: accuracy {percent(solved)} = 100%", solved == 1.0)
        verdict.gate(f"and confidently: loss {mlp_loss:.4f} ≤ {MAX_LOSS}", mlp_loss <= MAX_LOSS)
    verdict.figures.update(one_layer_accuracy=single, mlp_accuracy=solved,
                           mlp_loss=round(mlp_loss, 4), seconds=round(elapsed(), 2))
    verdict.summary.append(f"one layer {percent(single)}, two layers {percent(solved)} "
                           f"(loss {mlp_loss:.3f})")
    return verdict


def arguments() -> argparse.ArgumentParser:
    found = parser(__doc__.splitlines()[0])
    found.add_argument("--hidden", type=int, default=8, help="hidden units of the MLP")
    found.add_argument("--steps", type=int, default=300, help="full-batch training steps")
    found.add_argument("--lr", type=float, default=0.1, help="SGD learning rate")
    return found


if __name__ == "__main__":
    main(run, arguments())
