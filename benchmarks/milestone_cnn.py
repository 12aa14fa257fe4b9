"""The cnn milestone's result against PyTorch's: the same network, initialization, batches
and schedule, trained by TinyTorch (the milestone's own code, on the reference package)
and by PyTorch CPU.

    .venv/bin/python benchmarks/milestone_cnn.py                  # the full milestone run
    .venv/bin/python benchmarks/milestone_cnn.py --epochs 1       # a quicker look
    .venv/bin/python benchmarks/milestone_cnn.py --only torch     # the schedule, in seconds

TinyTorch trains first, exactly as ``tito milestone run cnn`` does
(tito.student.milestones.cnn: the Fashion-MNIST reader, Normalize, DataLoader, Conv2d,
BatchNorm2d, MaxPool2d, Adam with a cosine schedule, the Trainer). PyTorch then starts
from a copy of TinyTorch's initial weights and visits the batches in the same order (the
permutations come from a copy of the generator the DataLoader shuffles with), with the
same optimizer and schedule. The table shows each held-out accuracy and training time
(the milestone's gates: 90%, 600 s), images per second and the ratios. It asserts nothing
and exits 0. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys

import numpy as np
import torch_epochs  # benchmarks/: this script's folder is on sys.path
from table import print_table

from tito.student.milestones import cnn
from tito.student.milestones.script import percent


def torch_model(setting: cnn.Setting, weights: list[np.ndarray]) -> object:
    """The milestone's network in PyTorch, holding a copy of ``weights`` (TinyTorch's
    parameters, in the same order)."""
    import torch

    layers: list[torch.nn.Module] = []
    channels, size = setting.in_channels, setting.image_size
    for width in setting.widths:
        layers += [torch.nn.Conv2d(channels, width, 3, padding=1, bias=False),
                   torch.nn.BatchNorm2d(width), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
        channels, size = width, size // 2
    layers += [torch.nn.Flatten(), torch.nn.Linear(channels * size * size, 10)]
    model = torch.nn.Sequential(*layers)
    parameters = list(model.parameters())
    assert [tuple(p.shape) for p in parameters] == [w.shape for w in weights]
    with torch.no_grad():
        for parameter, weight in zip(parameters, weights, strict=True):
            parameter.copy_(torch.from_numpy(weight))
    return model


def torch_run(setting: cnn.Setting, data: tuple[np.ndarray, ...], weights: list[np.ndarray],
              shuffler: np.random.Generator) -> tuple[float, float]:
    """PyTorch's held-out accuracy and training seconds for the same network and schedule."""
    import torch

    model = torch_model(setting, weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=setting.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=setting.epochs)
    return torch_epochs.train(model, optimizer, data, shuffler, setting.epochs,
                              setting.batch_size, scheduler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="train this many epochs instead of the milestone's number")
    parser.add_argument("--seed", type=int, default=0, help="the milestone's --seed")
    parser.add_argument("--only", choices=("tinytorch", "torch"), default=None,
                        help="train with one of the two only")
    parser.add_argument("--plain", action="store_true", help="plain-text table, no rich")
    args = parser.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_info

    from tinytorch.core.dataloader import DataLoader, TensorDataset
    from tinytorch.core.tensor import Tensor, default_generator, manual_seed

    blas = max([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1])
    torch.set_num_threads(blas)
    setting = cnn.SETTING if args.epochs is None else cnn.replace(cnn.SETTING,
                                                                  epochs=args.epochs)
    data = cnn.load()
    print(f"\n{setting.title}: {cnn.describe(setting)}", flush=True)
    manual_seed(args.seed)
    model = cnn.build_model(setting)
    weights = [np.array(parameter.data) for parameter in model.parameters()]
    loader = DataLoader(TensorDataset(Tensor(data[0]), Tensor(data[1])),
                        batch_size=setting.batch_size, shuffle=True)
    # The DataLoader shuffles with the default generator from here on: a copy of it gives
    # PyTorch the same permutations.
    shuffler = copy.deepcopy(default_generator())
    images = setting.epochs * len(data[0])
    results: dict[str, tuple[float, float]] = {}  # who -> (accuracy, seconds)
    for who in ("tinytorch", "torch"):
        if args.only not in (None, who):
            continue
        if who == "tinytorch":
            results[who] = cnn.train(model, loader, setting, data[2:], len(data[0]))
        else:
            results[who] = torch_run(setting, data, weights, shuffler)
    rows = [(who, str(setting.epochs), percent(accuracy), f"{seconds:.1f} s",
             f"{seconds / 60:.1f} min", f"{images / seconds:,.0f}")
            for who, (accuracy, seconds) in results.items()]
    if len(results) == 2:
        (ours, our_time), (theirs, their_time) = results["tinytorch"], results["torch"]
        rows.append(("tinytorch - torch", "", f"{100 * (ours - theirs):+.1f} points",
                     f"{our_time / their_time:.2f}x", "", ""))
    title = (f"The cnn milestone, TinyTorch vs PyTorch {torch.__version__} CPU: same network, "
             f"initial weights, batches and schedule; {blas} thread(s) each")
    print()
    print_table(title, ("", "epochs", "held-out accuracy", "training", "", "images/s"),
                rows, args.plain, left_columns=1)
    print(f"gates: accuracy ≥ {percent(cnn.SETTING.target)}, training ≤ "
          f"{cnn.SETTING.time_limit:g} s on 2 cores")
    load = os.getloadavg()[0]
    if load >= (os.cpu_count() or 1) / 2:
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores: the times are "
              "unreliable on a busy machine (the accuracies are not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
