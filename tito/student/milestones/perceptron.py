"""Milestone ``perceptron`` (after module 03): Rosenblatt's 1957 perceptron.

One neuron, your ``Linear(2, 1)``, learns to separate two classes of points in the plane
with Rosenblatt's rule: for each point it gets wrong, move the weights towards the point
(label +1) or away from it (label -1). No gradients: the rule is the whole learning
algorithm, and it provably stops making mistakes when a separating line exists.

Gate: at least 99% of held-out points of the same rule classified correctly.
"""

from __future__ import annotations

import argparse

import numpy as np

from tito.student.milestones.script import Verdict, accuracy, main, parser, percent, say, stopwatch

TARGET = 0.99
MARGIN = 0.1  # no point lies closer than this to the true line


def separable_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [-1, 1]² labelled ±1 by the line 0.8·x₁ − 0.6·x₂ = 0.35, none
    within ``MARGIN`` of it (the line misses the origin: a neuron without bias fails)."""
    normal, offset = np.array([0.8, -0.6]), 0.35
    points: list[np.ndarray] = []
    while sum(len(p) for p in points) < n:
        batch = rng.uniform(-1, 1, (2 * n, 2))
        points.append(batch[np.abs(batch @ normal - offset) >= MARGIN])
    x = np.concatenate(points)[:n].astype(np.float32)
    return x, np.where(x @ normal - offset > 0, 1.0, -1.0).astype(np.float32)


def run(args: argparse.Namespace) -> Verdict:
    from tinytorch.core.layers import Linear
    from tinytorch.core.tensor import Tensor, manual_seed

    rng = np.random.default_rng(args.seed)
    x_train, y_train = separable_points(args.points, rng)
    x_test, y_test = separable_points(1000, rng)
    manual_seed(args.seed)
    neuron = Linear(2, 1)

    def predict(x: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(neuron(Tensor(x)).data).reshape(-1) > 0, 1.0, -1.0)

    say(f"Rosenblatt's perceptron: your Linear(2, 1) on {args.points} separable points "
        f"(margin {MARGIN}), learning rate {args.lr}")
    epoch, mistakes = 0, -1
    with stopwatch() as elapsed:
        while mistakes != 0 and epoch < args.epochs:
            epoch += 1
            mistakes = 0
            for i in rng.permutation(len(x_train)):
                point, label = x_train[i], y_train[i]
                if predict(point[None, :])[0] != label:  # the rule: learn from mistakes only
                    mistakes += 1
                    neuron.weight.data += args.lr * label * point[None, :]
                    neuron.bias.data += args.lr * label
            say(f"epoch {epoch:3d}: {mistakes:4d} mistakes, "
                f"training accuracy {percent(accuracy(predict(x_train), y_train))}")
    test = accuracy(predict(x_test), y_test)
    w, b = np.asarray(neuron.weight.data).reshape(-1), float(np.asarray(neuron.bias.data)[0])
    say(f"learned line: {w[0]:+.3f}·x₁ {w[1]:+.3f}·x₂ {b:+.3f} = 0 "
        f"(true: +0.800·x₁ -0.600·x₂ -0.350 = 0, up to scale)")
    verdict = Verdict(figures={"test_accuracy": test, "epochs": epoch,
                               "seconds": round(elapsed(), 2)})
    verdict.gate(f"held-out accuracy {percent(test)} ≥ {percent(TARGET)}", test >= TARGET)
    verdict.summary.append(f"held-out accuracy {percent(test)} after {epoch} epochs")
    return verdict


def arguments() -> argparse.ArgumentParser:
    found = parser(__doc__.splitlines()[0])
    found.add_argument("--points", type=int, default=500, help="training points")
    found.add_argument("--epochs", type=int, default=30, help="at most this many passes")
    found.add_argument("--lr", type=float, default=0.1, help="the rule's step size")
    return found


if __name__ == "__main__":
    main(run, arguments())
