"""The mlp milestone's result against PyTorch's: the same model, initialization, batches and
schedule, trained by TinyTorch (the milestone's own code, on the reference package) and by
PyTorch CPU.

    .venv/bin/python benchmarks/milestone_mlp.py                     # Fashion-MNIST
    .venv/bin/python benchmarks/milestone_mlp.py --dataset both      # and the 8x8 digits
    .venv/bin/python benchmarks/milestone_mlp.py --epochs 1          # a quick look

TinyTorch trains first, exactly as ``tito milestone run mlp --dataset fashion-mnist`` does
(tito.student.milestones.mlp: the data set reader, DataLoader, loss and optimizer of the package).
PyTorch then starts from a copy of TinyTorch's initial weights and visits the batches in
the same order (the permutations come from a copy of the generator the DataLoader
shuffles with), with the same optimizer settings. The table shows each held-out accuracy
and training time, and the difference in points; the goal is within 1 point. It asserts
nothing and exits 0. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys

import numpy as np
import torch_epochs  # benchmarks/: this script's folder is on sys.path
from table import print_table

from tito.student.milestones import mlp
from tito.student.milestones.script import percent


def torch_run(setting: mlp.Setting, data: tuple[np.ndarray, ...],
              weights: list[tuple[np.ndarray, np.ndarray]],
              shuffler: np.random.Generator) -> tuple[float, float]:
    """PyTorch's held-out accuracy and training seconds for the same model and schedule."""
    import torch

    layers: list[torch.nn.Module] = []
    for i, (weight, bias) in enumerate(weights):
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear] if i == len(weights) - 1 else [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers)
    if setting.optimizer == "Adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=setting.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=setting.lr, momentum=0.9)
    return torch_epochs.train(model, optimizer, data, shuffler, setting.epochs,
                              setting.batch_size)


def compare(name: str, epochs: int | None, seed: int) -> tuple[str, ...]:
    """One data set: TinyTorch's milestone run, then PyTorch's; the table row."""
    from tinytorch.core.tensor import default_generator, manual_seed

    setting = mlp.SETTINGS[name]
    if epochs is not None:
        setting = mlp.Setting(**{**vars(setting), "epochs": epochs})
    data = mlp.load(name)
    print(f"\n{setting.title}: a {'-'.join(map(str, setting.sizes))} MLP, "
          f"{mlp.describe(setting)}, batch {setting.batch_size}, {setting.epochs} epochs",
          flush=True)
    manual_seed(seed)
    model = mlp.build_model(setting.sizes)
    arrays = [np.array(parameter.data) for parameter in model.parameters()]  # W0, b0, W1...
    weights = list(zip(arrays[::2], arrays[1::2], strict=True))
    # The DataLoader shuffles with the default generator from here on: a copy of it gives
    # PyTorch the same permutations.
    shuffler = copy.deepcopy(default_generator())
    tiny_accuracy, tiny_seconds = mlp.train(model, data, setting)
    torch_accuracy, torch_seconds = torch_run(setting, data, weights, shuffler)
    points = 100 * (tiny_accuracy - torch_accuracy)
    return (setting.title, str(setting.epochs), percent(tiny_accuracy), percent(torch_accuracy),
            f"{points:+.2f}", f"{tiny_seconds:.1f} s", f"{torch_seconds:.1f} s",
            f"{tiny_seconds / torch_seconds:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=[*mlp.SETTINGS, "both"], default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=None,
                        help="train this many epochs instead of the milestone's number")
    parser.add_argument("--seed", type=int, default=0, help="the milestone's --seed")
    parser.add_argument("--plain", action="store_true", help="plain-text table, no rich")
    args = parser.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_info

    blas = max([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1])
    torch.set_num_threads(blas)
    names = list(mlp.SETTINGS) if args.dataset == "both" else [args.dataset]
    rows = [compare(name, args.epochs, args.seed) for name in names]
    title = (f"The mlp milestone, TinyTorch vs PyTorch {torch.__version__} CPU: same model, "
             f"initial weights, batches and optimizer; {blas} thread(s) each")
    print()
    print_table(title, ("data set", "epochs", "tinytorch", "torch", "points apart",
                        "tinytorch time", "torch time", "time ratio"), rows, args.plain,
                left_columns=2)
    print("goal: within 1 point of PyTorch")
    load = os.getloadavg()[0]
    if load >= (os.cpu_count() or 1) / 2:
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores: the times are "
              "unreliable on a busy machine (the accuracies are not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
