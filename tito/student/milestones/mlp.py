"""Milestone ``mlp`` (after module 08): a multi-layer perceptron reads handwriting.

Your whole package at work: the data set readers and DataLoader (05), Linear and
Sequential (03), ReLU (02), CrossEntropyLoss (04), autograd (06), Adam and SGD (07),
and the Trainer training an epoch at a time (08).

- ``--dataset digits`` (the default): scikit-learn's 8×8 handwritten digits (1,797
  images), a 64-128-10 MLP trained with Adam. Gate: at least 97% accuracy on the 355
  held-out digits, and the whole stage (reading, training, evaluating after each epoch)
  in under a minute.
- ``--dataset fashion-mnist``: Zalando's Fashion-MNIST (60,000 28×28 images of clothes,
  10,000 held out), a 784-256-128-10 MLP trained with SGD and momentum. Accuracy and
  time are reported; gate: at least 85% held-out accuracy (benchmarks/milestone_mlp.py
  compares it with the same model, initialization and schedule in PyTorch).
- ``--dataset both``: one after the other; both gates must hold.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass

import numpy as np

from tito.student.milestones.script import (
    Verdict,
    evaluate,
    main,
    parser,
    percent,
    say,
    stopwatch,
)


@dataclass(frozen=True)
class Setting:
    """A data set's model and schedule, and its gate."""

    title: str
    sizes: tuple[int, ...]  # input, hidden..., classes
    epochs: int
    batch_size: int
    optimizer: str  # "Adam" or "SGD" (with momentum 0.9)
    lr: float
    target: float  # held-out accuracy at least
    time_limit: float | None  # training seconds at most


SETTINGS = {
    "digits": Setting("8×8 digits", (64, 128, 10), epochs=30, batch_size=32,
                      optimizer="Adam", lr=1e-3, target=0.97, time_limit=60.0),
    "fashion-mnist": Setting("Fashion-MNIST", (784, 256, 128, 10), epochs=5,
                             batch_size=128, optimizer="SGD", lr=0.05, target=0.85,
                             time_limit=None),
}


def load(dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and held-out images (float32, flattened, standardized) and labels (int64),
    read by the student's data set readers (module 05) in their fixed splits."""
    from tinytorch.core.dataloader import Digits, FashionMNIST

    reader, scale = (Digits, 16.0) if dataset == "digits" else (FashionMNIST, 255.0)
    found = []
    for train in (True, False):
        images = reader(train=train)
        pixels = np.asarray(images.data)
        found += [(pixels.reshape(len(pixels), -1) / np.float32(scale)).astype(np.float32),
                  np.asarray(images.targets, dtype=np.int64)]
    # Each pixel standardized with the training set's mean and spread (the 0.1 keeps
    # always-blank border pixels from blowing up).
    mean, spread = found[0].mean(axis=0), found[0].std(axis=0) + np.float32(0.1)
    return (found[0] - mean) / spread, found[1], (found[2] - mean) / spread, found[3]


def build_model(sizes: tuple[int, ...]) -> object:
    """Linear → ReLU → ... → Linear, from the student's layers and activations."""
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential

    layers: list[object] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def describe(setting: Setting) -> str:
    momentum = " momentum 0.9" if setting.optimizer == "SGD" else ""
    return f"{setting.optimizer} lr {setting.lr:g}{momentum}"


def optimizer_for(model: object, setting: Setting) -> object:
    """The student's Adam, or SGD with momentum 0.9, over the model's parameters."""
    from tinytorch.core.optimizers import SGD, Adam

    if setting.optimizer == "Adam":
        return Adam(model.parameters(), lr=setting.lr)
    return SGD(model.parameters(), lr=setting.lr, momentum=0.9)


def train(model: object, data: tuple[np.ndarray, ...], setting: Setting) -> tuple[float, float]:
    """Train ``model`` with the student's Trainer (an epoch at a time), DataLoader,
    CrossEntropyLoss and optimizer, printing each epoch; the held-out accuracy and the
    training seconds (evaluation excluded)."""
    from tinytorch.core.dataloader import DataLoader, TensorDataset
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.tensor import Tensor
    from tinytorch.core.training import Trainer

    x_train, y_train, x_test, y_test = data
    loader = DataLoader(TensorDataset(Tensor(x_train), Tensor(y_train)),
                        batch_size=setting.batch_size, shuffle=True)
    trainer = Trainer(model, optimizer_for(model, setting), CrossEntropyLoss(), loader,
                      verbose=False)
    seconds = 0.0
    for epoch in range(1, setting.epochs + 1):
        with stopwatch() as elapsed:
            means = trainer.train_epoch()
            seconds += elapsed()
        say(f"  epoch {epoch:2d}/{setting.epochs}: loss {means['loss']:.4f}, "
            f"held-out accuracy {percent(evaluate(model, x_test, y_test))}, "
            f"{seconds:.1f} s training so far")
    return evaluate(model, x_test, y_test), seconds


def run_dataset(name: str, args: argparse.Namespace, verdict: Verdict) -> None:
    from tinytorch.core.tensor import manual_seed

    setting = SETTINGS[name]
    if args.epochs is not None:
        setting = Setting(**{**vars(setting), "epochs": args.epochs})
    with stopwatch() as elapsed:
        data = load(name)
        sizes = "-".join(map(str, setting.sizes))
        say(f"\n{setting.title}: {len(data[0]):,} training and {len(data[2]):,} held-out "
            f"images; a {sizes} MLP, {describe(setting)}, batch {setting.batch_size}, "
            f"{setting.epochs} epochs")
        manual_seed(args.seed)
        model = build_model(setting.sizes)
        held_out, seconds = train(model, data, setting)
        whole = elapsed()
    verdict.figures.update({f"{name}_accuracy": held_out, f"{name}_seconds": round(seconds, 1),
                            f"{name}_whole_seconds": round(whole, 1)})
    verdict.gate(f"{setting.title}: held-out accuracy {percent(held_out)} ≥ "
                 f"{percent(setting.target)}", held_out >= setting.target)
    if setting.time_limit is not None:
        verdict.gate(f"{setting.title}: read, trained and evaluated in {whole:.1f} s ≤ "
                     f"{setting.time_limit:g} s", whole <= setting.time_limit)
    verdict.summary.append(f"{setting.title} {percent(held_out)}, trained in {seconds:.1f} s")


def run(args: argparse.Namespace) -> Verdict:
    verdict = Verdict()
    for name in SETTINGS if args.dataset == "both" else [args.dataset]:
        run_dataset(name, args, verdict)
    return verdict


def arguments() -> argparse.ArgumentParser:
    found = parser(__doc__.splitlines()[0])
    found.add_argument("--dataset", choices=[*SETTINGS, "both"], default="digits")
    found.add_argument("--epochs", type=int, default=None,
                       help="train this many epochs instead of the data set's own number")
    return found


if __name__ == "__main__":
    main(run, arguments())
