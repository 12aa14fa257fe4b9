"""PyTorch's side of the milestone benchmarks: train a torch model the way a milestone's
Trainer trains TinyTorch's, so that the two runs differ only in the framework."""

from __future__ import annotations

import time

import numpy as np

from tito.student.milestones.script import percent


def train(model: object, optimizer: object, data: tuple[np.ndarray, ...],
          shuffler: np.random.Generator, epochs: int, batch_size: int,
          scheduler: object | None = None) -> tuple[float, float]:
    """Train ``model`` on ``data`` (x_train, y_train, x_test, y_test) with cross-entropy:
    each epoch visits the batches of ``shuffler``'s next permutation (as the DataLoader
    does with a copy of the same generator), then steps ``scheduler``; prints the held-out
    accuracy after each epoch. Returns the last held-out accuracy and the training seconds
    (evaluation excluded)."""
    import torch

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in data)
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds, accuracy = 0.0, 0.0
    for epoch in range(1, epochs + 1):
        order = torch.from_numpy(shuffler.permutation(len(x_train)))
        start = time.perf_counter()
        model.train()
        for first in range(0, len(order), batch_size):
            batch = order[first:first + batch_size]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        took = time.perf_counter() - start
        seconds += took
        model.eval()
        with torch.no_grad():
            accuracy = float(sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000])
                                 .sum() for i in range(0, len(x_test), 1000)) / len(x_test))
        print(f"  torch epoch {epoch:2d}/{epochs}: held-out accuracy {percent(accuracy)}; "
              f"{took:.1f} s ({len(x_train) / took:,.0f} samples/s), {seconds:.1f} s "
              "training so far", flush=True)
    return accuracy, seconds
