# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 08 · Training
#
# By the end of this module you will have built the machinery that turns a model, a loss,
# an optimizer and a data loader into a trained network: gradient clipping
# (`clip_grad_norm_`), learning-rate schedules with PyTorch's names and exact values
# (`StepLR`, `CosineAnnealingLR`, `LinearLR` warm-up, chained with `SequentialLR`), and a
# `Trainer` that runs epochs, evaluates, keeps a history of the metrics, shows its progress,
# and writes checkpoints from which a run resumes **bit for bit**, as if it had never
# stopped.
#
# | | |
# |---|---|
# | **Prerequisites** | 07 `optimizers` (and with it 01–06), 05 `dataloader` |
# | **Time** | about 3 to 4 hours |
# | **Your code lands in** | `tinytorch.core.training`: `Trainer`, schedulers, `clip_grad_norm_` |
# | **Next** | the XOR and MLP milestones train with it; 09 `spatial` trains CNNs with it |
#
# **Contents.** 1 Why a training loop needs engineering · 2 Concepts: clipping, schedules,
# epochs, checkpoints · 3 Build it, piece by piece · 4 Use it: an MLP on handwritten digits
# · 5 Systems analysis · 6 ML systems thinking · 7 Summary and checklist

# %% locked="training-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why a training loop needs engineering
#
# The heart of training is five lines you have already run in module 07:
#
# ```python
# for x, y in loader:
#     optimizer.zero_grad()
#     loss = loss_fn(model(x), y)
#     loss.backward()
#     optimizer.step()
# ```
#
# Real training runs wrap those lines in engineering, and every piece exists because a run
# went wrong without it:
#
# - **A gradient explodes.** One bad batch produces a gradient a thousand times larger than
#   usual; one step with it throws the weights far away and the loss becomes `nan`. Gradient
#   clipping caps the step.
# - **The learning rate is wrong at some point.** Large learning rates make progress early
#   and bounce around the minimum late; Adam's first steps are unreliable. Schedules lower
#   the learning rate over time and warm it up at the start.
# - **You cannot see what is happening.** Without per-epoch loss and accuracy on data the
#   model does not train on, you cannot tell learning from memorizing. A history of metrics
#   and a progress line fix that.
# - **The run stops.** Machines fail, jobs hit time limits, notebooks get restarted. A
#   large model trains for weeks; a run that cannot resume restarts from zero. A checkpoint
#   must hold *everything* the next step depends on (weights, optimizer moments, the
#   schedule's position, the random generators that shuffle data and drop units), and it
#   must never be left half-written.
#
# PyTorch leaves the loop to you and provides the pieces: `torch.nn.utils.clip_grad_norm_`,
# `torch.optim.lr_scheduler`, `state_dict()` everywhere and `torch.save`. Libraries such as
# PyTorch Lightning, Keras's `model.fit` and Hugging Face's `Trainer` package the loop. You
# will build the pieces with PyTorch's names and semantics, then a small `Trainer`.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Gradient clipping by global norm
#
# Treat all gradients of the model as one long vector $g$ and compute its norm,
# $\lVert g \rVert_2 = \sqrt{\sum_i g_i^2}$, summed over every element of every parameter.
# If it exceeds `max_norm`, scale every gradient by the same factor
# $\text{max\_norm} / \lVert g \rVert$: the direction is unchanged, only the step is
# shortened. Worked example: two parameters with gradients $(3, 0)$ and $(4,)$: the total
# norm is $\sqrt{9 + 16} = 5$; with `max_norm = 1` every gradient is multiplied by
# $1/5$: $(0.6, 0)$ and $(0.8,)$.
#
# Because the norm of all elements equals the norm of the per-parameter norms, PyTorch
# computes one norm per parameter, then the norm of those. Other `norm_type`s work the same
# way; `inf` is the largest absolute value. PyTorch adds 1e-6 to the denominator, and
# always multiplies by $\min(1, \text{max\_norm}/(\lVert g\rVert + 10^{-6}))$.
#
# ### 2.2 Learning-rate schedules
#
# A schedule is a function from the epoch number $t$ to a learning rate, applied by
# writing `group["lr"]` for each parameter group (module 07's optimizers read it at every
# step). PyTorch's schedulers start at $t = 0$ when they are created and advance by one at
# each `scheduler.step()`, called **once per epoch, after the optimizer's steps**. With
# $\eta_0$ each group's initial learning rate:
#
# | scheduler | learning rate at epoch $t$ |
# |---|---|
# | `StepLR(step_size=S, gamma)` | $\eta_0 \cdot \gamma^{\lfloor t / S \rfloor}$ |
# | `CosineAnnealingLR(T_max=T, eta_min=m)` | $m + (\eta_0 - m)(1 + \cos(\pi t / T))/2$ |
# | `LinearLR(start_factor=s, end_factor=e, total_iters=T)` | $\eta_0\,(s + (e - s)\min(t, T)/T)$ |
# | `SequentialLR(schedulers, milestones)` | one after another, each restarted at its $t = 0$ |
#
# **Warm-up then cosine**, the schedule of most transformer training: `LinearLR` grows the
# learning rate from a small fraction to its full value over a few epochs (Adam's first
# steps use noisy moment estimates; a small learning rate keeps them harmless), then
# `CosineAnnealingLR` lowers it smoothly to near zero, so the last epochs settle into the
# minimum instead of bouncing around it.
#
# ### 2.3 Epochs, training mode and evaluation
#
# One **epoch** is one pass over the training data. After it, the model is **evaluated**
# on data it does not train on (the validation set): `model.eval()` switches layers like
# Dropout to their inference behaviour, and `no_grad()` stops recording the graph, which
# saves the memory of every activation backward would need. Before training again,
# `model.train()` turns Dropout back on. The epoch's loss is the mean over all its
# samples: each batch's mean loss weighted by its number of samples (the last batch may be
# smaller).
#
# ### 2.4 Checkpoints that resume exactly
#
# What does step $k+1$ of training depend on? The weights, the optimizer's state (momentum
# buffers, Adam's moments and step counts), the learning rate (the scheduler's position),
# the next batches (the shuffling generator's state), the dropout masks (the generator
# dropout draws from), and the epoch counter. Save all of it and a resumed run is the
# *same computation* as an unbroken one: the weights are bit-identical. Leave one out and
# the run merely looks similar.
#
# **Format.** `torch.save` uses Python's pickle, which can run arbitrary code when a file
# is loaded; PyTorch now loads with `weights_only=True` by default for that reason, and
# the `safetensors` format exists to hold only arrays. We write a NumPy `.npz` (a zip of
# `.npy` arrays) holding arrays and one JSON string, and read it with
# `allow_pickle=False`: loading a checkpoint can never run code.
#
# **Atomicity.** A crash in the middle of writing must not destroy the last good
# checkpoint. Write the new file under a temporary name in the same folder, flush it to
# disk, then `os.replace` it over the old name: on POSIX and Windows that rename is atomic,
# so the checkpoint is always either the old one or the new one, never half of each.

# %% [markdown]
# ## 3. Build it
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 clipping | `clip_grad_norm_` | `torch.nn.utils.clip_grad_norm_` | 10 |
# | 2 schedulers | `LRScheduler.step`, `StepLR.get_lr` | `torch.optim.lr_scheduler` | 10 |
# | 3 more schedules | `CosineAnnealingLR.get_lr`, `LinearLR.get_lr` | same | 10 |
# | 4 one epoch | `Trainer.train_epoch` | the loop of every PyTorch script | 15 |
# | 5 evaluation | `Trainer.evaluate` | `model.eval()` + `torch.no_grad()` | 5 |
# | 6 checkpoints | `Trainer.save_checkpoint`, `load_checkpoint` | `torch.save` of states | 15 |
# | 7 the whole run | `Trainer.fit` | Lightning's `Trainer.fit`, Keras's `fit` | 5 |
#
# Given: `SequentialLR`, the progress display, the `accuracy` metric, `plot_history`, and
# the helpers that turn the checkpoint's contents into arrays and JSON and back.

# %% locked="training-package-imports"
#| export
import json
import math
import os
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from tinytorch.core.autograd import no_grad
from tinytorch.core.optimizers import Optimizer
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# The tests and demos of this notebook use the earlier modules' classes; import them (in
# grading, the tests see every public name of your package's earlier modules).

# %% locked="training-notebook-setup"
from tinytorch.core.activations import ReLU
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout, Linear, Module, Sequential
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import manual_seed

# %% [markdown]
# ### 3.1 Piece 1: `clip_grad_norm_`
#
# `clip_grad_norm_(parameters, max_norm, norm_type=2.0)` clips in place (the trailing
# underscore is PyTorch's mark of an in-place function) and returns the total norm
# **before** clipping, as a 0-d Tensor: logging it is the best early warning of an
# exploding run.
#
# 1. Collect the gradient arrays of the parameters that have one (`p.grad` is not None).
#    `parameters` may be a single Tensor or any iterable, such as `model.parameters()`.
# 2. The explicit loop: one norm per gradient, then the norm of those norms. For
#    `norm_type = inf`, use the largest absolute value instead.
# 3. `coef = max_norm / (total + 1e-6)`, at most 1; multiply every gradient by it **in
#    place** (`grad *= coef`), so the optimizer sees the clipped gradients.
#
# Compute in the gradients' dtype (float32), as PyTorch does: `np.linalg.norm` of a float32
# array is float32. No gradients at all: the norm is 0 and nothing changes.

# %% solution="clip-grad-norm"
#| export
def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients of `parameters` in place so that their total norm is at most
    `max_norm`; return the total norm before clipping (torch.nn.utils.clip_grad_norm_).

    The total norm is taken over all gradients together, as if they were one vector.
    `norm_type`: the p of the p-norm (`float("inf")` for the largest absolute value).
    Parameters whose `.grad` is None are ignored. `error_if_nonfinite`: raise a
    RuntimeError if the total norm is nan or inf instead of scaling by it.

    TODO: compute the total norm of all gradients and scale them in place by
    min(1, max_norm / (total + 1e-6)).

    APPROACH:
    1. `grads`: the arrays `p.grad.data` of the parameters whose grad is not None.
    2. `norms`: one per gradient, `np.linalg.norm(g.ravel(), norm_type)`; the total is
       `np.linalg.norm(np.array(norms), norm_type)` (`inf`: the max works the same way).
    3. `coef = min(max_norm / (total + 1e-6), 1.0)` in the gradients' dtype;
       `g *= coef` for every g.

    EXAMPLE:
    >>> a.grad, b.grad = Tensor([3.0, 0.0]), Tensor([4.0])
    >>> clip_grad_norm_([a, b], max_norm=1.0)
    Tensor(5., dtype=float32)
    >>> a.grad, b.grad                     # scaled by 1 / 5
    (Tensor([0.6, 0. ], dtype=float32), Tensor([0.8], dtype=float32))

    HINTS:
    - `g *= coef` changes the array inside `p.grad`; `g = g * coef` would not.
    - `np.float32(x)` keeps a number in float32.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad.data for p in params if p.grad is not None]
    if not grads:
        return Tensor(np.float32(0.0))
    ### BEGIN SOLUTION
    dtype = grads[0].dtype
    norm_type = float(norm_type)
    norms = np.array([np.linalg.norm(g.ravel(), norm_type) for g in grads], dtype=dtype)
    total = np.asarray(np.linalg.norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            "so it cannot be clipped; set error_if_nonfinite=False to scale by it anyway"
        )
    coef = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for grad in grads:
        grad *= coef
    ### END SOLUTION
    return Tensor(total)


# %% test="clip-grad-norm-tests" points=10
def test_clip_scales_all_gradients_by_one_factor(run):
    def clipped():
        a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([5.0], requires_grad=True)
        a.grad, b.grad = Tensor([3.0, 0.0]), Tensor([4.0])
        total = clip_grad_norm_([a, b], max_norm=1.0)
        return type(total).__name__, total.numpy(), a.grad.numpy(), b.grad.numpy()

    kind, total, a, b = run(clipped)
    assert kind == "Tensor", f"clip_grad_norm_ should return a Tensor, got {kind}"
    assert_array(total, 5.0, dtype="float32", what="the total norm (before clipping)")
    assert_array(a, [0.6, 0.0], dtype="float32", rtol=1e-5, what="a.grad after clipping")
    assert_array(b, [0.8], dtype="float32", rtol=1e-5, what="b.grad after clipping")


def test_clip_leaves_small_gradients_alone(run):
    def small():
        w = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
        w.grad = Tensor(np.full((2, 2), 0.1, dtype=np.float32))
        array = w.grad.data
        total = clip_grad_norm_(w, max_norm=10.0)
        return total.item(), w.grad.numpy(), w.grad.data is array

    total, grad, same = run(small)
    assert abs(total - 0.2) < 1e-6, f"the norm of four 0.1s is 0.2, got {total}"
    assert_array(grad, np.full((2, 2), 0.1), dtype="float32", rtol=1e-5,
                 what="a gradient whose norm is below max_norm (unchanged)")
    assert same, "clip_grad_norm_ must scale the gradient arrays in place"


run_tests(test_clip_scales_all_gradients_by_one_factor, test_clip_leaves_small_gradients_alone)
### BEGIN HIDDEN TESTS
def test_clip_other_norms_and_missing_gradients(run):
    def infinity():
        a, b, c = (Tensor(np.zeros(3, dtype=np.float32), requires_grad=True) for _ in range(3))
        a.grad, b.grad = Tensor([1.0, -6.0, 2.0]), Tensor([3.0, 0.5, -1.0])
        total = clip_grad_norm_(iter([a, b, c]), max_norm=3.0, norm_type=float("inf"))
        return total.item(), a.grad.numpy(), c.grad is None

    total, a, c_none = run(infinity)
    assert abs(total - 6.0) < 1e-6, f"the inf-norm is the largest |value|, 6; got {total}"
    assert_array(a, [0.5, -3.0, 1.0], dtype="float32", rtol=1e-5, what="a.grad (scaled by 3/6)")
    assert c_none, "a parameter without a gradient keeps .grad None"

    def one_norm():
        a, b = Tensor([0.0, 0.0], requires_grad=True), Tensor([0.0], requires_grad=True)
        a.grad, b.grad = Tensor([1.0, -2.0]), Tensor([1.0])
        return clip_grad_norm_([a, b], 2.0, norm_type=1).item(), b.grad.numpy()

    total, b = run(one_norm)
    assert abs(total - 4.0) < 1e-6, f"the 1-norm of (1, -2, 1) is 4, got {total}"
    assert_array(b, [0.5], dtype="float32", rtol=1e-5, what="b.grad (scaled by 2/4)")

    def nothing():
        return clip_grad_norm_([Tensor([1.0], requires_grad=True)], 1.0).item()

    assert run(nothing) == 0.0, "no gradients: the total norm is 0"


def test_clip_refuses_nonfinite_when_asked(run):
    def nonfinite():
        w = Tensor([0.0, 0.0], requires_grad=True)
        w.grad = Tensor([np.inf, 1.0])
        try:
            clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
        except NotImplementedError:
            raise
        except RuntimeError as error:
            return str(error)
        return None

    message = run(nonfinite)
    assert message is not None and "non-finite" in message, (
        "with error_if_nonfinite=True, an inf or nan total norm raises a RuntimeError saying "
        f"it is non-finite; got {message!r}"
    )


run_tests(test_clip_other_norms_and_missing_gradients, test_clip_refuses_nonfinite_when_asked)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: the scheduler base class and `StepLR`
#
# `LRScheduler(optimizer, last_epoch=-1)` (the constructor is given) follows
# `torch.optim.lr_scheduler.LRScheduler`:
#
# - it stores each group's starting learning rate as `group["initial_lr"]` (unless a
#   scheduler before it already did) and keeps them as `self.base_lrs`;
# - `self.last_epoch` is the current epoch, `-1` before the first `step()`;
# - the constructor ends by calling `self.step()` once, which moves to epoch 0 and sets the
#   learning rates of epoch 0.
#
# You write `step()`: add 1 to `last_epoch` (or set it to `epoch` when given: `SequentialLR`
# uses that to restart a schedule), ask `self.get_lr()` for the new learning rates, one per
# group, write each into its group's `"lr"`, and remember them in `self._last_lr`, which
# `get_last_lr()` returns. Each scheduler subclass has its own `get_lr()`, the formula of
# section 2.2 computed from `self.base_lrs` and `self.last_epoch` (PyTorch's "closed form").
# Write `StepLR.get_lr` too.

# %% solution="lr-scheduler-step"
#| export
class LRScheduler:
    """Base class of learning-rate schedules: sets each parameter group's "lr" from the
    epoch count (torch.optim.lr_scheduler.LRScheduler).

    Call `step()` once per epoch, after the optimizer's steps. `last_epoch`: the epoch to
    start from (-1: a new run). Subclasses define `get_lr()`.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "a scheduler with last_epoch >= 0: load the optimizer's state first"
                )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of each parameter group at epoch `self.last_epoch`."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step()` set, one per group
        (torch.optim.lr_scheduler.LRScheduler.get_last_lr)."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch (or to `epoch`) and set every group's learning rate
        (torch.optim.lr_scheduler.LRScheduler.step).

        TODO: advance `self.last_epoch`, write `self.get_lr()` into the groups' "lr" and
        keep them in `self._last_lr`.

        APPROACH:
        1. `self.last_epoch += 1`, or `self.last_epoch = epoch` if `epoch` is not None.
        2. `lrs = self.get_lr()`: one learning rate per group, in order.
        3. Set `group["lr"]` for each (group, lr) pair of `self.optimizer.param_groups`.
        4. `self._last_lr = ` the list of learning rates now in the groups.

        EXAMPLE:
        >>> opt = SGD([w], lr=1.0); sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> for _ in range(4): print(sched.get_last_lr()); sched.step()
        [1.0]  [1.0]  [0.5]  [0.5]

        HINTS: `zip(self.optimizer.param_groups, lrs)` pairs them.
        """
        ### BEGIN SOLUTION
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        ### END SOLUTION

    def state_dict(self) -> dict:
        """Everything but the optimizer, as a dict (torch's LRScheduler.state_dict)."""
        return {key: _copied(value) for key, value in vars(self).items()
                if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict()` returned (torch's LRScheduler.load_state_dict), and
        set the groups' "lr" to the restored schedule's (building a scheduler sets epoch 0's
        rates, which the loaded position replaces)."""
        vars(self).update({key: _copied(value) for key, value in state_dict.items()})
        for group, lr in zip(self.optimizer.param_groups, self._last_lr, strict=True):
            group["lr"] = lr


def _copied(value: Any) -> Any:
    """A copy of a state value: lists (of numbers or dicts) copied one level deep."""
    return list(value) if isinstance(value, (list, tuple)) else value


class StepLR(LRScheduler):
    """Multiply each group's learning rate by `gamma` every `step_size` epochs
    (torch.optim.lr_scheduler.StepLR)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr * gamma ** (last_epoch // step_size) for each group.

        TODO: return one learning rate per base learning rate.
        APPROACH: a list comprehension over `self.base_lrs` with section 2.2's formula.
        EXAMPLE: base 1.0, step_size 3, gamma 0.1: epochs 0-2 -> 1.0, 3-5 -> 0.1, 6 -> 0.01
        HINTS: `//` is integer division.
        """
        ### BEGIN SOLUTION
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]
        ### END SOLUTION


# %% test="lr-scheduler-step-tests" points=10
def test_step_lr_sequence(run):
    def sequence():
        w = Tensor([1.0], requires_grad=True)
        opt = SGD([w], lr=1.0)
        sched = StepLR(opt, step_size=3, gamma=0.1)
        lrs = []
        for _ in range(8):
            lrs.append(sched.get_last_lr()[0])
            sched.step()
        return lrs, opt.param_groups[0]["lr"], sched.last_epoch, type(sched.get_last_lr()).__name__

    lrs, group_lr, last_epoch, kind = run(sequence)
    assert_array(np.array(lrs), [1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01], rtol=1e-12,
                 what="StepLR(step_size=3, gamma=0.1)'s learning rates for epochs 0..7")
    assert abs(group_lr - 0.01) < 1e-15, f"the group's lr at epoch 8 should be 0.01: {group_lr}"
    assert last_epoch == 8, f"last_epoch counts the steps: 8, got {last_epoch}"
    assert kind == "list", f"get_last_lr() returns a list, got {kind}"


def test_step_lr_sets_each_groups_lr(run):
    def groups():
        a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
        opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        sched = StepLR(opt, step_size=1, gamma=0.5)
        sched.step()
        return sched.get_last_lr(), [g["lr"] for g in opt.param_groups], sched.base_lrs

    last, group_lrs, base = run(groups)
    assert_array(np.array(last), [0.05, 0.25], rtol=1e-12, what="get_last_lr() after 1 step")
    assert_array(np.array(group_lrs), [0.05, 0.25], rtol=1e-12, what="the groups' lr")
    assert base == [0.1, 0.5], f"base_lrs are the groups' initial lrs, got {base}"


run_tests(test_step_lr_sequence, test_step_lr_sets_each_groups_lr)
### BEGIN HIDDEN TESTS
def test_scheduler_jumps_restores_and_initial_lr(run):
    def jumps():
        w = Tensor([1.0], requires_grad=True)
        opt = SGD([w], lr=2.0)
        sched = StepLR(opt, step_size=2, gamma=0.5)
        sched.step(5)
        at_five = sched.get_last_lr()
        saved = sched.state_dict()
        sched.step()
        sched.step()
        other = StepLR(SGD([Tensor([1.0], requires_grad=True)], lr=2.0), step_size=2, gamma=0.5)
        other.load_state_dict(saved)
        other.step()
        return (at_five, other.get_last_lr(), other.last_epoch, sched.get_last_lr(),
                opt.param_groups[0]["lr"], sched.last_epoch)

    at_five, resumed, epoch, last, group_lr, last_epoch = run(jumps)
    assert_array(np.array(at_five), [0.5], rtol=1e-12,
                 what="lr after step(5) (step(epoch) jumps to that epoch): 2 * 0.5 ** 2")
    assert epoch == 6 and abs(resumed[0] - 0.25) < 1e-12, (
        "a scheduler loaded from state_dict() continues from the saved epoch"
    )
    assert last_epoch == 7 and abs(last[0] - 0.25) < 1e-12 and abs(group_lr - 0.25) < 1e-12, (
        f"two steps after step(5): epoch 7, lr 2 * 0.5 ** 3 = 0.25 in get_last_lr() and in the "
        f"group; got epoch {last_epoch}, {last}, {group_lr}"
    )


run_tests(test_scheduler_jumps_restores_and_initial_lr)
### END HIDDEN TESTS

# %% [markdown]
# One more scheduler, given: `SequentialLR` runs schedules one after another (after piece 3
# you will chain a warm-up and a cosine with it). At each `step()` it finds which
# scheduler's turn it is (`bisect_right(milestones, epoch)`) and steps that one, restarting
# it at its epoch 0 when a milestone is reached. Its constructor undoes the first step each
# scheduler took in its own constructor and lets only the first one start.

# %% locked="sequential-lr"
#| export
class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at the epochs in `milestones`
    (torch.optim.lr_scheduler.SequentialLR). E.g. a LinearLR warm-up for 5 epochs, then
    CosineAnnealingLR: SequentialLR(opt, [warm, cosine], milestones=[5])."""

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler, but got none")
        for index, scheduler in enumerate(schedulers):
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR expects all schedulers to belong to the same optimizer, "
                    f"but the scheduler at index {index} has another one"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:  # undo the step each took when it was made
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    def step(self, epoch: int | None = None) -> None:
        """Step the scheduler whose turn it is; a scheduler starts at its epoch 0."""
        if epoch is not None:
            raise TypeError("SequentialLR.step() takes no epoch")
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        """Its own position and each scheduler's state_dict()."""
        state = {key: _copied(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict()` returned, the chained schedulers' states included."""
        for scheduler, state in zip(self._schedulers, state_dict["_schedulers"], strict=True):
            scheduler.load_state_dict(state)
        own = {key: value for key, value in state_dict.items() if key != "_schedulers"}
        super().load_state_dict(own)  # last: the active scheduler's rates win


# %% [markdown]
# ### 3.3 Piece 3: cosine annealing and linear warm-up
#
# Two more formulas from section 2.2, each a `get_lr()`:
#
# - `CosineAnnealingLR(T_max, eta_min=0)`: from `base_lr` at epoch 0 down to `eta_min` at
#   epoch `T_max`, along half a cosine. (Stepping past `T_max` follows the cosine back up,
#   as PyTorch's does; schedules are usually built to end at `T_max`.)
# - `LinearLR(start_factor=1/3, end_factor=1.0, total_iters=5)`: the factor goes linearly
#   from `start_factor` at epoch 0 to `end_factor` at `total_iters`, and stays there.
#
# Both constructors (given) check their arguments as PyTorch does. `SequentialLR` (above)
# chains them: warm-up for a few epochs, then cosine.

# %% solution="cosine-linear-lr"
#| export
class CosineAnnealingLR(LRScheduler):
    """Anneal each group's learning rate from its initial value to `eta_min` over `T_max`
    epochs along a half cosine (torch.optim.lr_scheduler.CosineAnnealingLR)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if T_max <= 0:
            raise ValueError(f"T_max must be a positive number of epochs, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2.

        TODO: return one learning rate per base learning rate.
        APPROACH: `math.cos` and `math.pi`, the formula above.
        EXAMPLE: base 1.0, T_max 4: epochs 0..4 -> 1.0, 0.854, 0.5, 0.146, 0.0
        HINTS: at epoch T_max the cosine is -1, so the rate is exactly eta_min.
        """
        ### BEGIN SOLUTION
        factor = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * factor for base in self.base_lrs]
        ### END SOLUTION


class LinearLR(LRScheduler):
    """Scale each group's learning rate by a factor going linearly from `start_factor` to
    `end_factor` over `total_iters` epochs, then constant: a warm-up
    (torch.optim.lr_scheduler.LinearLR)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 "
                             "and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr * (start + (end - start) * min(last_epoch, total_iters) / total_iters).

        TODO: return one learning rate per base learning rate.
        APPROACH: the factor first (the same for every group), then one product per group.
        EXAMPLE: base 1.0, start 0.25, total_iters 3: epochs 0..4 -> 0.25, 0.5, 0.75, 1, 1
        HINTS: `min(...)` keeps the factor at end_factor after total_iters.
        """
        ### BEGIN SOLUTION
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]
        ### END SOLUTION


# %% test="cosine-linear-lr-tests" points=10
def test_cosine_annealing_sequence(run):
    def sequence():
        opt = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
        sched = CosineAnnealingLR(opt, T_max=4)
        lrs = [sched.get_last_lr()[0]]
        for _ in range(4):
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs

    expected = [(1 + np.cos(np.pi * t / 4)) / 2 for t in range(5)]
    assert_array(np.array(run(sequence)), expected, rtol=1e-9, atol=1e-12,
                 what="CosineAnnealingLR(T_max=4)'s learning rates for epochs 0..4")


def test_linear_warm_up_sequence(run):
    def sequence():
        opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.4)
        sched = LinearLR(opt, start_factor=0.25, total_iters=3)
        lrs = [sched.get_last_lr()[0]]
        for _ in range(5):
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        return lrs

    assert_array(np.array(run(sequence)), [0.1, 0.2, 0.3, 0.4, 0.4, 0.4], rtol=1e-9,
                 what="LinearLR(start_factor=0.25, total_iters=3) from lr 0.4, epochs 0..5")


run_tests(test_cosine_annealing_sequence, test_linear_warm_up_sequence)
### BEGIN HIDDEN TESTS
def test_cosine_eta_min_groups_and_warm_up_then_cosine(run):
    def with_eta_min():
        a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
        opt = Adam([{"params": [a], "lr": 1.0}, {"params": [b], "lr": 0.5}])
        sched = CosineAnnealingLR(opt, T_max=2, eta_min=0.1)
        out = [sched.get_last_lr()]
        for _ in range(2):
            sched.step()
            out.append(sched.get_last_lr())
        return out

    got = np.array(run(with_eta_min))
    assert_array(got, [[1.0, 0.5], [0.55, 0.3], [0.1, 0.1]], rtol=1e-9,
                 what="CosineAnnealingLR(T_max=2, eta_min=0.1) for groups at lr 1.0 and 0.5")

    def chained():
        opt = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
        warm = LinearLR(opt, start_factor=0.5, total_iters=2)
        cosine = CosineAnnealingLR(opt, T_max=2)
        sched = SequentialLR(opt, [warm, cosine], milestones=[2])
        lrs = [sched.get_last_lr()[0]]
        for _ in range(4):
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs

    assert_array(np.array(run(chained)), [0.5, 0.75, 1.0, 0.5, 0.0], rtol=1e-9, atol=1e-12,
                 what="warm-up over 2 epochs, then cosine over 2 (SequentialLR)")


run_tests(test_cosine_eta_min_groups_and_warm_up_then_cosine)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 The Trainer's given parts: metrics, progress, history
#
# Three helpers, given:
#
# - `accuracy(output, target)`: the fraction of correct predictions in a batch. A model
#   with several outputs per sample predicts the class with the largest output (`argmax`);
#   one output per sample is read as a logit: the class is 1 where it is positive.
# - `Progress`: a one-line progress display, like `tqdm`, in plain Python. In a terminal
#   (`stream.isatty()`) it redraws its line in place with `\r` at most ten times a second;
#   elsewhere (a notebook, a log file) it prints only the final line of each epoch, so the
#   output stays readable. `verbose=False` silences it.
# - `Trainer.__init__`: stores its arguments, `history` (a dict of lists, one entry per
#   epoch: `"train_loss"`, `"train_accuracy"`, `"val_loss"`, `"val_accuracy"`, `"lr"`), and
#   `epoch`, the number of epochs completed.
#
# `metrics` is a dict from name to a function `(output, target) -> float` evaluated on
# every batch (default: `{"accuracy": accuracy}`; pass `{}` for regression).

# %% locked="training-helpers"
#| export
def accuracy(output: Tensor, target: Tensor) -> float:
    """The fraction of samples whose predicted class equals the target.

    Several outputs per sample: the predicted class is the argmax of the last dim; targets
    are class indices, or one-hot / probability rows (their argmax). One output per sample:
    a logit, predicting class 1 where it is > 0 (targets 0 or 1).
    """
    out = output.data if isinstance(output, Tensor) else np.asarray(output)
    tgt = target.data if isinstance(target, Tensor) else np.asarray(target)
    if out.ndim >= 2 and out.shape[-1] > 1:
        predicted = out.argmax(axis=-1)
        if tgt.shape == out.shape:
            tgt = tgt.argmax(axis=-1)
    else:
        predicted = (out > 0).astype(np.int64)
    if predicted.size == 0:
        return 0.0
    return float(np.mean(predicted.reshape(-1) == tgt.reshape(-1)))


class Progress:
    """A one-line progress display for a loop over batches (in the spirit of tqdm).

    In a terminal the line is redrawn in place with a carriage return; in notebooks and log
    files (streams that are not a tty) only the final line is printed.
    `Progress(total, desc)`, `update(**values)` after each batch, `close(**values)` at the
    end (its values replace the running ones).
    """

    def __init__(self, total: int, desc: str = "", verbose: bool = True,
                 stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.total, self.desc, self.verbose = total, desc, verbose
        self.stream = stream if stream is not None else sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(verbose and callable(isatty) and isatty())
        self.count, self.values, self.interval = 0, {}, interval
        self.start = self._last_draw = time.perf_counter()
        self._width = 0

    def line(self) -> str:
        """The display line: description, bar, count, time, values."""
        done = self.count / self.total if self.total else 1.0
        filled = round(20 * done)
        bar = "=" * filled + (">" if filled < 20 else "") + " " * max(0, 19 - filled)
        elapsed = time.perf_counter() - self.start
        values = " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in self.values.items())
        return (f"{self.desc} [{bar}] {self.count}/{self.total} {elapsed:5.1f}s {values}"
                .rstrip())

    def _draw(self, end: str = "") -> None:
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width) + end)
        self.stream.flush()
        self._width = len(text)

    def update(self, n: int = 1, **values: Any) -> None:
        """Count `n` more steps and show the latest `values`."""
        self.count += n
        self.values.update(values)
        now = time.perf_counter()
        if self.live and (now - self._last_draw >= self.interval or self.count == self.total):
            self._last_draw = now
            self._draw()

    def close(self, **values: Any) -> None:
        """Show the final line (values given here win) and end it."""
        self.values.update(values)
        if self.live:
            self._draw(end="\n")
        elif self.verbose:
            print(self.line(), file=self.stream, flush=True)


class Trainer:
    """Train a model with an optimizer and a loss over a DataLoader, for epochs, with
    evaluation, a metric history, LR scheduling, gradient clipping, a progress display and
    checkpoints that resume exactly (the loop of PyTorch Lightning's or Keras's fit).

    `model`: a Module (called on a batch of inputs; parameters(), train(), eval(),
    state_dict(), load_state_dict()). `loss_fn(output, target)`: a 0-d loss, the batch mean.
    `train_loader`, `val_loader`: iterables of (inputs, targets) batches, such as DataLoaders.
    `scheduler`: stepped once per epoch. `clip_grad_norm`: the max_norm for
    clip_grad_norm_ before each optimizer step (None: no clipping). `metrics`: name ->
    fn(output, target) -> float, averaged over samples (default: accuracy). `verbose`: show
    progress.
    """

    def __init__(self, model: Any, optimizer: Optimizer, loss_fn: Callable,
                 train_loader: Iterable, val_loader: Iterable | None = None,
                 scheduler: LRScheduler | None = None, clip_grad_norm: float | None = None,
                 metrics: dict[str, Callable] | None = None, verbose: bool = True) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader, self.val_loader = train_loader, val_loader
        self.scheduler, self.clip_grad_norm = scheduler, clip_grad_norm
        self.metrics = {"accuracy": accuracy} if metrics is None else dict(metrics)
        self.verbose = verbose
        self.epoch = 0  # epochs completed
        self.history: dict[str, list[float]] = {"lr": [], "train_loss": [], "val_loss": []}
        for name in self.metrics:
            self.history[f"train_{name}"] = []
            self.history[f"val_{name}"] = []

    def _parameters(self) -> list[Tensor]:
        """Every parameter the optimizer updates."""
        return [p for group in self.optimizer.param_groups for p in group["params"]]

    def _measure(self, output: Tensor, target: Tensor, loss: Tensor,
                 sums: dict[str, float]) -> int:
        """Add this batch's loss and metrics, weighted by its size, to `sums`; return the
        batch size."""
        n = len(output)
        sums["loss"] = sums.get("loss", 0.0) + float(loss.item()) * n
        for name, metric in self.metrics.items():
            sums[name] = sums.get(name, 0.0) + float(metric(output, target)) * n
        return n

    def _progress(self, total: int, desc: str) -> Progress:
        return Progress(total, desc, verbose=self.verbose)


# %% [markdown]
# ### 3.5 Piece 4: one epoch of training
#
# `train_epoch()` runs the loop of section 1 over `self.train_loader`, with the extras:
#
# 1. `self.model.train()` first (an `evaluate()` before may have left it in eval mode),
#    and record the learning rate of this epoch, `self.optimizer.param_groups[0]["lr"]`, in
#    `history["lr"]`.
# 2. For each batch `(x, y)`: zero the gradients, forward, loss, backward; clip with
#    `clip_grad_norm_(self._parameters(), self.clip_grad_norm)` if `clip_grad_norm` is not
#    None; optimizer step. Then `n = self._measure(output, y, loss, sums)` adds the batch's
#    loss and metrics, weighted by its size, and `bar.update(loss=running mean)`.
# 3. After the last batch: the epoch's means, `means = {name: sums[name] / count}`, go into
#    `history` (`"train_loss"`, `"train_<metric>"`); then `self.scheduler.step()` if there is
#    a scheduler, and `self.epoch += 1`. The given last lines show `means` and return it.
#
# The scheduler steps once per **epoch**, after all of the epoch's optimizer steps: the
# learning rate recorded for epoch $t$ is the one every batch of epoch $t$ used.

# %% solution="trainer-train-epoch"
#| export
@extends(Trainer)
class TrainerTrainEpoch:
    def train_epoch(self) -> dict[str, float]:
        """Train for one pass over `train_loader`; return the epoch's mean loss and metrics.

        Appends to `history` ("lr", "train_loss", "train_<metric>"), steps the scheduler once
        and counts the epoch in `self.epoch`.

        TODO: the training loop over the batches, then the epoch's bookkeeping.

        APPROACH: the three steps in the text above.

        EXAMPLE:
        >>> trainer.train_epoch()
        {'loss': 0.6931, 'accuracy': 0.52}
        >>> trainer.epoch, trainer.history["train_loss"]
        (1, [0.6931])

        HINTS:
        - Forgetting `zero_grad()` adds every batch's gradient to the previous ones.
        - `sums` starts as `{}`; `self._measure` fills it. `count` adds up the batch sizes.
        - Name the dict of the epoch's means `means`: the given lines after your code use it.
        """
        bar = self._progress(len(self.train_loader), f"epoch {self.epoch + 1} train")
        sums: dict[str, float] = {}
        count = 0
        ### BEGIN SOLUTION
        self.model.train()
        self.history["lr"].append(self.optimizer.param_groups[0]["lr"])
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            output = self.model(x)
            loss = self.loss_fn(output, y)
            loss.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self._parameters(), self.clip_grad_norm)
            self.optimizer.step()
            count += self._measure(output, y, loss, sums)
            bar.update(loss=sums["loss"] / count)
        means = {name: total / max(count, 1) for name, total in sums.items()}
        for name, value in means.items():
            self.history[f"train_{name}"].append(value)
        if self.scheduler is not None:
            self.scheduler.step()
        self.epoch += 1
        ### END SOLUTION
        bar.close(**means)
        return means


# %% test="trainer-train-epoch-tests" points=15
def test_train_epoch_lowers_the_loss_and_records_history(run):
    def two_epochs():
        rng = np.random.default_rng(0)
        x = rng.standard_normal((64, 2)).astype(np.float32)
        y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                            generator=np.random.default_rng(1))
        model = Sequential(Linear(2, 8, generator=np.random.default_rng(2)), ReLU(),
                           Linear(8, 2, generator=np.random.default_rng(3)))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), loader,
                          verbose=False)
        first = trainer.train_epoch()
        for _ in range(4):
            last = trainer.train_epoch()
        return first, last, trainer.epoch, trainer.history

    first, last, epoch, history = run(two_epochs)
    assert sorted(first) == ["accuracy", "loss"], f"train_epoch returns loss and accuracy: {first}"
    assert last["loss"] < first["loss"], f"the loss should fall: {first['loss']} -> {last['loss']}"
    assert last["accuracy"] > 0.8, f"5 epochs should fit this separable data: {last['accuracy']}"
    assert epoch == 5, f"trainer.epoch counts completed epochs: 5, got {epoch}"
    assert len(history["train_loss"]) == 5 and history["train_loss"][0] == first["loss"]
    assert history["lr"] == [0.5] * 5, f"history['lr'] holds each epoch's lr: {history['lr']}"


def test_train_epoch_steps_the_scheduler_once_per_epoch(run):
    def scheduled():
        x = np.ones((12, 1), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, x), batch_size=4)
        model = Linear(1, 1, generator=np.random.default_rng(0))
        opt = SGD(model.parameters(), lr=0.1)
        sched = StepLR(opt, step_size=1, gamma=0.5)
        trainer = Trainer(model, opt, MSELoss(), loader, scheduler=sched, metrics={},
                          verbose=False)
        for _ in range(3):
            trainer.train_epoch()
        return trainer.history["lr"], sched.last_epoch, sorted(trainer.history)

    lrs, last_epoch, keys = run(scheduled)
    assert_array(np.array(lrs), [0.1, 0.05, 0.025], rtol=1e-12,
                 what="the lr of epochs 1-3 (one scheduler step per epoch, after the batches)")
    assert last_epoch == 3, f"3 epochs: 3 scheduler steps, got last_epoch {last_epoch}"
    assert keys == ["lr", "train_loss", "val_loss"], f"metrics={{}} records loss only: {keys}"


run_tests(test_train_epoch_lowers_the_loss_and_records_history,
          test_train_epoch_steps_the_scheduler_once_per_epoch)
### BEGIN HIDDEN TESTS
def test_train_epoch_zeroes_clips_and_weights_the_last_batch(run):
    def one_step_per_batch():
        x = np.arange(10, dtype=np.float32).reshape(10, 1) / 10
        y = 3 * x
        loader = DataLoader(TensorDataset(x, y), batch_size=4)  # batches of 4, 4, 2
        model = Linear(1, 1, generator=np.random.default_rng(0))
        w0, b0 = model.weight.numpy().copy(), model.bias.numpy().copy()
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), MSELoss(), loader,
                          metrics={}, verbose=False)
        result = trainer.train_epoch()
        return w0, b0, model.weight.numpy(), model.bias.numpy(), result["loss"]

    w0, b0, w, b, loss = run(one_step_per_batch)
    x = np.arange(10, dtype=np.float64).reshape(10, 1) / 10
    wr, br, total = float(w0[0, 0]), float(b0[0]), 0.0
    for start in (0, 4, 8):
        xb, yb = x[start:start + 4, 0], 3 * x[start:start + 4, 0]
        err = wr * xb + br - yb
        total += float(np.mean(err**2)) * len(xb)
        wr, br = wr - 0.1 * float(np.mean(2 * err * xb)), br - 0.1 * float(np.mean(2 * err))
    assert abs(float(w[0, 0]) - wr) < 1e-5 and abs(float(b[0]) - br) < 1e-5, (
        "the weights after one epoch differ from 3 plain SGD steps: call zero_grad() before "
        "every backward (gradients accumulate otherwise)"
    )
    assert abs(loss - total / 10) < 1e-5, (
        f"the epoch loss is the mean over samples (batch losses weighted by batch size, the "
        f"last batch has 2): expected {total / 10:.6f}, got {loss:.6f}"
    )

    def clipped():
        x = np.full((4, 1), 100.0, dtype=np.float32)
        loader = DataLoader(TensorDataset(x, np.zeros((4, 1), dtype=np.float32)), batch_size=4)
        model = Linear(1, 1, generator=np.random.default_rng(0))
        before = model.weight.numpy().copy(), model.bias.numpy().copy()
        Trainer(model, SGD(model.parameters(), lr=1.0), MSELoss(), loader, clip_grad_norm=0.5,
                metrics={}, verbose=False).train_epoch()
        change = np.concatenate([(model.weight.numpy() - before[0]).ravel(),
                                 model.bias.numpy() - before[1]])
        return float(np.linalg.norm(change))

    assert abs(run(clipped) - 0.5) < 1e-4, (
        "with clip_grad_norm=0.5 and lr 1, one step moves the parameters by exactly 0.5"
    )


def test_train_epoch_puts_the_model_in_training_mode(run):
    def modes():
        x = np.ones((8, 4), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, np.zeros(8, dtype=np.int64)), batch_size=8)
        model = Sequential(Dropout(0.5), Linear(4, 2, generator=np.random.default_rng(0)))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), loader,
                          verbose=False)
        model.eval()
        trainer.train_epoch()
        return model.training

    assert run(modes) is True, "train_epoch must call model.train() (Dropout on) first"


run_tests(test_train_epoch_zeroes_clips_and_weights_the_last_batch,
          test_train_epoch_puts_the_model_in_training_mode)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 5: evaluation
#
# `evaluate(loader=None)` measures the model on `loader` (default: `self.val_loader`)
# without training it: `self.model.eval()`, then, inside `with no_grad():`, the forward
# pass and the loss of every batch, summed with `self._measure` as in training. No
# `zero_grad`, no `backward`, no `step`. It returns the means as a dict and does not touch
# `history` (`fit` records them). The given code refuses to evaluate without a loader.

# %% solution="trainer-evaluate"
#| export
@extends(Trainer)
class TrainerEvaluate:
    def evaluate(self, loader: Iterable | None = None) -> dict[str, float]:
        """The mean loss and metrics of the model on `loader` (default: `val_loader`), in
        eval mode and without recording a graph.

        TODO: the loop over the batches of `loader` in eval mode under `no_grad()`.

        APPROACH:
        1. `self.model.eval()`.
        2. `with no_grad():` for each (x, y): output, loss, `count += self._measure(...)`.
        3. Return `{name: sums[name] / count}`.

        EXAMPLE:
        >>> trainer.evaluate()
        {'loss': 0.41, 'accuracy': 0.88}

        HINTS: `no_grad()` comes from module 06: `from tinytorch.core.autograd import no_grad`
        (already imported).
        """
        loader = self.val_loader if loader is None else loader
        if loader is None:
            raise ValueError("evaluate() needs a loader: pass one, or give the Trainer a "
                             "val_loader")
        sums: dict[str, float] = {}
        count = 0
        ### BEGIN SOLUTION
        self.model.eval()
        with no_grad():
            for x, y in loader:
                output = self.model(x)
                count += self._measure(output, y, self.loss_fn(output, y), sums)
        ### END SOLUTION
        return {name: total / max(count, 1) for name, total in sums.items()}


# %% test="trainer-evaluate-tests" points=5
def test_evaluate_measures_without_training(run):
    def measured():
        x = np.eye(4, dtype=np.float32)
        y = np.array([0, 1, 1, 0])
        loader = DataLoader(TensorDataset(x, y), batch_size=3)
        model = Linear(4, 2, generator=np.random.default_rng(0))
        before = model.weight.numpy().copy()
        trainer = Trainer(model, SGD(model.parameters(), lr=1.0), CrossEntropyLoss(), loader,
                          val_loader=loader, verbose=False)
        result = trainer.evaluate()
        logits = x @ before.T + model.bias.numpy()
        return (result, logits, np.array_equal(before, model.weight.numpy()),
                model.training, trainer.history["val_loss"])

    result, logits, unchanged, training, val_history = run(measured)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected_loss = -log_probs[np.arange(4), [0, 1, 1, 0]].mean()
    expected_accuracy = np.mean(logits.argmax(axis=1) == [0, 1, 1, 0])
    assert abs(result["loss"] - expected_loss) < 1e-5, (
        f"the mean loss over all 4 samples (batches of 3 and 1) should be {expected_loss:.6f}, "
        f"got {result['loss']:.6f}"
    )
    assert abs(result["accuracy"] - expected_accuracy) < 1e-9, "accuracy over all samples"
    assert unchanged, "evaluate() must not change the weights"
    assert training is False, "evaluate() must put the model in eval mode"
    assert val_history == [], "evaluate() does not write history (fit does)"


run_tests(test_evaluate_measures_without_training)
### BEGIN HIDDEN TESTS
def test_evaluate_records_no_graph_and_turns_dropout_off(run):
    def no_graph():
        class Probe(Module):
            def __init__(self):
                super().__init__()
                self.inner = Sequential(Dropout(0.9),
                                        Linear(3, 2, generator=np.random.default_rng(0)))
                self.seen = []

            def forward(self, x):
                out = self.inner(x)
                self.seen.append(out.requires_grad)
                return out

        x = np.ones((6, 3), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, np.zeros(6, dtype=np.int64)), batch_size=6)
        model = Probe()
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), loader,
                          verbose=False)
        first, second = trainer.evaluate(loader), trainer.evaluate(loader)
        return model.seen, first["loss"] == second["loss"]

    seen, same = run(no_graph)
    assert seen == [False, False], "evaluate() must run the model under no_grad()"
    assert same, "in eval mode Dropout is off: two evaluations give the same loss"

    def without_loader():
        model = Linear(1, 1)
        return Trainer(model, SGD(model.parameters()), MSELoss(), [], verbose=False).evaluate()

    with pytest.raises(ValueError, match="loader"):
        run(without_loader)


run_tests(test_evaluate_records_no_graph_and_turns_dropout_off)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 6: checkpoints that resume exactly
#
# `save_checkpoint(path)` gathers everything section 2.4 lists; `load_checkpoint(path)`
# puts it back into a Trainer built the same way (same model, optimizer, scheduler and
# loaders, freshly made). The given helpers do the format work:
#
# - `self._generators()`: the random generators the run draws from, by name: the package's
#   `default_generator()`, each loader's `generator`, and any generator a module of the
#   model keeps (Dropout's). A NumPy generator's full state is
#   `generator.bit_generator.state`, a dict of (large) ints; assigning that attribute
#   restores it exactly.
# - `_write_npz_atomically(path, arrays, meta)`: writes the arrays and the JSON-able `meta`
#   dict to a temporary file next to `path`, flushes it to disk and `os.replace`s it over
#   `path`. `_read_npz(path)` reads both back with `allow_pickle=False`.
# - `_split_state(state_dict)` turns the optimizer's `state_dict()` into arrays (named
#   `optimizer/<index>/<key>`) and JSON for the rest; `_join_state(arrays, meta)` reverses
#   it.
#
# You write the two methods:
#
# - **save**: `arrays` = every model state entry as `"model/<name>"` (its NumPy array) plus
#   the optimizer's arrays; `meta` = `{"epoch", "history", "optimizer" (the JSON part),
#   "scheduler" (its `state_dict()` or None), "rng" (name -> generator state)}`; write.
# - **load**: read; `self.model.load_state_dict(...)` with the `"model/..."` arrays (as
#   Tensors if the model's own state_dict holds Tensors), `self.optimizer.load_state_dict(
#   _join_state(arrays, meta["optimizer"]))`, the scheduler's state, every generator's
#   state, `self.epoch` and `self.history`.
#
# Checkpoints are taken between epochs (`fit` saves after each one), where no batch is
# half done.

# %% locked="checkpoint-helpers"
#| export
def _json_ready(value: Any) -> Any:
    """`value` with tuples as lists and NumPy numbers as Python numbers, for JSON."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_npz_atomically(path: str | os.PathLike, arrays: dict[str, np.ndarray],
                          meta: dict) -> Path:
    """Write `arrays` and the JSON of `meta` as one .npz at `path`, atomically: a temporary
    file in the same folder, flushed to disk, then renamed over `path`."""
    path = Path(path)
    if "meta" in arrays:
        raise ValueError("'meta' is reserved for the checkpoint's JSON part")
    contents = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    contents["meta"] = np.array(json.dumps(_json_ready(meta)))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as file:
            np.savez(file, **contents)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and the JSON part of a checkpoint written by _write_npz_atomically."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return arrays, json.loads(str(arrays.pop("meta")))


def _split_state(state_dict: dict) -> tuple[dict[str, np.ndarray], dict]:
    """An optimizer state_dict as arrays ("optimizer/<index>/<key>") and a JSON part."""
    arrays, scalars = {}, {}
    for index, state in state_dict["state"].items():
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer/{index}/{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    return arrays, {"param_groups": state_dict["param_groups"], "state": scalars}


def _join_state(arrays: dict[str, np.ndarray], meta: dict) -> dict:
    """The optimizer state_dict that _split_state split (tuples back for list values)."""
    state: dict[int, dict] = {int(i): dict(values) for i, values in meta["state"].items()}
    for name, array in arrays.items():
        if name.startswith("optimizer/"):
            _, index, key = name.split("/", 2)
            state.setdefault(int(index), {})[key] = array
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
               for k, v in group.items()} for group in meta["param_groups"]]
    return {"state": state, "param_groups": groups}


def _module_generators(model: Any) -> dict[str, np.random.Generator]:
    """Every numpy Generator an attribute of the model or of a module inside it holds
    (Dropout's), named "model.<module path>.<attribute>"."""
    named = model.named_modules() if hasattr(model, "named_modules") else [("", model)]
    found = {}
    for path, module in named:
        for attribute, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[".".join(filter(None, ("model", path, attribute)))] = value
    return found


@extends(Trainer)
class TrainerGenerators:
    def _generators(self) -> dict[str, np.random.Generator]:
        """The random generators this run draws from, by name. One generator may appear
        under several names (Dropout holding the default one): each name's state is saved,
        so a run restores correctly even if `manual_seed` has since replaced the default."""
        found = {"default": default_generator()}
        for name in ("train_loader", "val_loader"):
            generator = getattr(getattr(self, name), "generator", None)
            if isinstance(generator, np.random.Generator):
                found[name] = generator
        found.update(_module_generators(self.model))
        return found


# %% solution="trainer-checkpoint"
#| export
@extends(Trainer)
class TrainerCheckpoint:
    def save_checkpoint(self, path: str | os.PathLike) -> Path:
        """Write the whole training state to `path` (.npz, atomically; no pickle): model and
        optimizer state, scheduler state, random generators, epoch and history.

        TODO: gather the arrays and the JSON part, and write them with
        `_write_npz_atomically`.

        APPROACH:
        1. `arrays = {f"model/{name}": array}` for each item of `self.model.state_dict()`
           (a Tensor's array is `.data`).
        2. `optimizer_arrays, optimizer_meta = _split_state(self.optimizer.state_dict())`;
           add the arrays.
        3. `meta = {"epoch": ..., "history": ..., "optimizer": optimizer_meta,
           "scheduler": state_dict() or None, "rng": {name: g.bit_generator.state}}`.
        4. `return _write_npz_atomically(path, arrays, meta)`.

        EXAMPLE: `trainer.save_checkpoint("run.npz")` -> PosixPath('run.npz')

        HINTS: `self._generators()` gives the generators by name.
        """
        ### BEGIN SOLUTION
        arrays = {f"model/{name}": np.asarray(value.data if isinstance(value, Tensor) else value)
                  for name, value in self.model.state_dict().items()}
        optimizer_arrays, optimizer_meta = _split_state(self.optimizer.state_dict())
        arrays.update(optimizer_arrays)
        meta = {
            "epoch": self.epoch,
            "history": self.history,
            "optimizer": optimizer_meta,
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": {name: g.bit_generator.state for name, g in self._generators().items()},
        }
        return _write_npz_atomically(path, arrays, meta)
        ### END SOLUTION

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Restore the training state saved by `save_checkpoint` into this Trainer, which
        must be built like the one that saved it; training then continues exactly.

        TODO: read the file and restore model, optimizer, scheduler, generators, epoch and
        history.

        APPROACH:
        1. `arrays, meta = _read_npz(path)`.
        2. Model: `{name: arrays[f"model/{name}"]}` for each name of the model's
           `state_dict()`, wrapped in `Tensor(...)` where the model's own values are Tensors;
           `self.model.load_state_dict(...)`.
        3. `self.optimizer.load_state_dict(_join_state(arrays, meta["optimizer"]))`; the
           scheduler's `load_state_dict(meta["scheduler"])` if there is a scheduler.
        4. For each name, generator of `self._generators()`:
           `generator.bit_generator.state = meta["rng"][name]`.
        5. `self.epoch`, `self.history` from `meta`.

        EXAMPLE: trainer.load_checkpoint("run.npz"); trainer.fit(10) continues the run.

        HINTS: a KeyError for a missing model entry means the model differs from the saved
        one: say so.
        """
        ### BEGIN SOLUTION
        arrays, meta = _read_npz(path)
        current = self.model.state_dict()
        missing = [name for name in current if f"model/{name}" not in arrays]
        if missing:
            raise KeyError(f"the checkpoint {path} has no model entries {missing}: was it "
                           "saved from the same model?")
        self.model.load_state_dict({
            name: Tensor(arrays[f"model/{name}"]) if isinstance(value, Tensor)
            else arrays[f"model/{name}"]
            for name, value in current.items()
        })
        self.optimizer.load_state_dict(_join_state(arrays, meta["optimizer"]))
        if self.scheduler is not None:
            self.scheduler.load_state_dict(meta["scheduler"])
        for name, generator in self._generators().items():
            if name not in meta["rng"]:
                raise KeyError(f"the checkpoint {path} has no state for the random generator "
                               f"{name!r}: was it saved from a run built the same way?")
            generator.bit_generator.state = meta["rng"][name]
        self.epoch = meta["epoch"]
        self.history = meta["history"]
        ### END SOLUTION


# %% test="trainer-checkpoint-tests" points=15
def test_checkpoint_resume_is_bit_identical(run):
    def resumed(folder):
        def build():
            rng = np.random.default_rng(0)
            x = rng.standard_normal((48, 3)).astype(np.float32)
            y = (x.sum(axis=1) > 0).astype(np.int64)
            loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True,
                                generator=np.random.default_rng(1))
            model = Sequential(Linear(3, 16, generator=np.random.default_rng(2)), ReLU(),
                               Dropout(0.3, generator=np.random.default_rng(4)),
                               Linear(16, 2, generator=np.random.default_rng(3)))
            opt = Adam(model.parameters(), lr=0.01)
            sched = StepLR(opt, step_size=2, gamma=0.5)
            return Trainer(model, opt, CrossEntropyLoss(), loader, scheduler=sched,
                           verbose=False)

        straight = build()
        for _ in range(4):
            straight.train_epoch()
        first = build()
        for _ in range(2):
            first.train_epoch()
        first.save_checkpoint(f"{folder}/run.npz")
        second = build()
        second.load_checkpoint(f"{folder}/run.npz")
        epoch, lr = second.epoch, second.optimizer.param_groups[0]["lr"]
        for _ in range(2):
            second.train_epoch()
        return ([p.numpy() for p in straight.model.parameters()],
                [p.numpy() for p in second.model.parameters()], epoch, lr,
                second.history["train_loss"] == straight.history["train_loss"])

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        straight, second, epoch, lr, same_history = run(resumed, folder)
    assert epoch == 2, f"the loaded trainer should be at epoch 2, got {epoch}"
    assert abs(lr - 0.005) < 1e-12, f"the loaded schedule's lr at epoch 2 is 0.005, got {lr}"
    for unbroken, resumed_param in zip(straight, second, strict=True):
        assert_array(resumed_param, unbroken, dtype="float32", rtol=0, atol=0,
                     what="a parameter after 2 epochs, save, load, 2 more epochs (must be "
                          "bit-identical to 4 unbroken epochs: weights, Adam's state, the "
                          "schedule, shuffling and dropout generators all restored)")
    assert same_history, "the history continues: it must equal the unbroken run's"


run_tests(test_checkpoint_resume_is_bit_identical)
### BEGIN HIDDEN TESTS
def test_checkpoint_is_an_npz_without_pickle_and_replaced_atomically(run):
    def files(folder):
        import os

        x = np.ones((4, 2), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, np.zeros(4, dtype=np.int64)), batch_size=2)
        model = Linear(2, 2, generator=np.random.default_rng(0))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1, momentum=0.9),
                          CrossEntropyLoss(), loader, verbose=False)
        trainer.train_epoch()
        path = f"{folder}/ckpt.npz"
        trainer.save_checkpoint(path)
        trainer.train_epoch()
        trainer.save_checkpoint(path)
        with np.load(path, allow_pickle=False) as archive:
            names = sorted(archive.files)
            kinds = sorted({archive[name].dtype.kind for name in archive.files})
        return names, kinds, sorted(os.listdir(folder))

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        names, kinds, listing = run(files, folder)
    assert listing == ["ckpt.npz"], f"only the checkpoint may remain (no temp files): {listing}"
    assert "O" not in kinds, "the checkpoint must not hold pickled Python objects"
    assert any(n.startswith("model/") for n in names), f"model arrays are missing: {names}"
    assert any(n.startswith("optimizer/") for n in names), (
        f"the optimizer's momentum buffers are missing: {names}"
    )

    def default_generator_restored(folder):
        x = np.ones((8, 3), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, np.zeros(8, dtype=np.int64)), batch_size=4,
                            shuffle=True)
        model = Sequential(Dropout(0.5), Linear(3, 2, generator=np.random.default_rng(0)))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), loader,
                          verbose=False)
        manual_seed(5)
        trainer.train_epoch()
        trainer.save_checkpoint(f"{folder}/c.npz")
        trainer.train_epoch()
        expected = list(model.parameters())[-1].numpy().copy()
        manual_seed(99)
        trainer.load_checkpoint(f"{folder}/c.npz")
        trainer.train_epoch()
        return expected, list(model.parameters())[-1].numpy()

    with tempfile.TemporaryDirectory() as folder:
        expected, got = run(default_generator_restored, folder)
    assert_array(got, expected, rtol=0, atol=0,
                 what="the bias after resuming a run whose shuffling and dropout use the "
                      "default generator (its state must be saved and restored too)")


run_tests(test_checkpoint_is_an_npz_without_pickle_and_replaced_atomically)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.8 Piece 7: the whole run
#
# `fit(epochs, checkpoint=None)` trains **until `epochs` epochs are complete in total**
# (Lightning's `max_epochs`, Keras's `epochs` with `initial_epoch`): a trainer loaded from a
# checkpoint at epoch 3 runs epochs 4 to `epochs`. For each epoch: `train_epoch()`; if there
# is a `val_loader`, `evaluate()` and append its means to `history` as `"val_loss"` and
# `"val_<metric>"`, and print them (the given `_report`); if `checkpoint` is a path, save
# to it. Return `self.history`.

# %% solution="trainer-fit"
#| export
@extends(Trainer)
class TrainerFit:
    def _report(self, values: dict[str, float]) -> None:
        """Print one epoch's validation results (when verbose)."""
        if self.verbose:
            text = " ".join(f"{name} {value:.4g}" for name, value in values.items())
            print(f"epoch {self.epoch} val   {text}", flush=True)

    def fit(self, epochs: int, checkpoint: str | os.PathLike | None = None) -> dict:
        """Train until `epochs` epochs are complete, evaluating after each one if there is a
        val_loader and saving to `checkpoint` after each one if given; return `history`.

        TODO: loop while `self.epoch < epochs`: train, evaluate and record, checkpoint.

        APPROACH: the text above. `self._report(values)` prints the validation results.

        EXAMPLE:
        >>> history = trainer.fit(3)
        >>> len(history["train_loss"]), len(history["val_loss"])
        (3, 3)

        HINTS: a `for` loop over `range(epochs)` would train too long after a resume.
        """
        ### BEGIN SOLUTION
        while self.epoch < epochs:
            self.train_epoch()
            if self.val_loader is not None:
                values = self.evaluate()
                for name, value in values.items():
                    self.history[f"val_{name}"].append(value)
                self._report(values)
            if checkpoint is not None:
                self.save_checkpoint(checkpoint)
        return self.history
        ### END SOLUTION


# %% test="trainer-fit-tests" points=5
def test_fit_trains_evaluates_and_returns_history(run):
    def fitted():
        rng = np.random.default_rng(0)
        x = rng.standard_normal((40, 2)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.int64)
        train = DataLoader(TensorDataset(x[:32], y[:32]), batch_size=8)
        val = DataLoader(TensorDataset(x[32:], y[32:]), batch_size=8)
        model = Linear(2, 2, generator=np.random.default_rng(1))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), train,
                          val_loader=val, verbose=False)
        history = trainer.fit(4)
        return history, trainer.epoch, history is trainer.history

    history, epoch, same = run(fitted)
    assert epoch == 4, f"fit(4) trains 4 epochs, got {epoch}"
    assert same, "fit returns trainer.history"
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(history[key]) == 4, f"history['{key}'] should have 4 entries: {history[key]}"
    assert history["val_loss"][-1] < history["val_loss"][0], "the validation loss should fall"


run_tests(test_fit_trains_evaluates_and_returns_history)
### BEGIN HIDDEN TESTS
def test_fit_counts_epochs_in_total_and_checkpoints(run):
    def resumed(folder):
        x = np.ones((4, 1), dtype=np.float32)
        loader = DataLoader(TensorDataset(x, 2 * x), batch_size=2)
        model = Linear(1, 1, generator=np.random.default_rng(0))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), MSELoss(), loader,
                          metrics={}, verbose=False)
        trainer.fit(2, checkpoint=f"{folder}/c.npz")
        again = Trainer(model, SGD(model.parameters(), lr=0.1), MSELoss(), loader,
                        metrics={}, verbose=False)
        again.load_checkpoint(f"{folder}/c.npz")
        history = again.fit(5)
        return again.epoch, len(history["train_loss"]), len(trainer.fit(2)["train_loss"])

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        epoch, entries, unchanged = run(resumed, folder)
    assert epoch == 5, f"after loading epoch 2, fit(5) trains up to epoch 5 in total: {epoch}"
    assert entries == 5, f"the history then has 5 epochs, got {entries}"
    assert unchanged == 2, "fit(2) on a trainer at epoch 2 trains nothing more"


run_tests(test_fit_counts_epochs_in_total_and_checkpoints)
### END HIDDEN TESTS

# %% [markdown]
# Last, the plot of a history: matplotlib is imported inside the function, so the package
# itself needs only NumPy.

# %% locked="plot-history"
#| export
def plot_history(history: dict[str, list[float]], path: str | os.PathLike | None = None):
    """Plot the training curves of a Trainer's `history`: loss, then each metric, train and
    validation, per epoch (and the learning rate on a second axis of the loss plot).
    Returns the matplotlib Figure; saves it to `path` if given. Needs matplotlib.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_history needs matplotlib: pip install matplotlib") from None
    metrics = {key[len("train_"):] for key in history
               if key.startswith("train_") and key != "train_loss"}
    names = ["loss", *sorted(metrics)]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for split in ("train", "val"):
            values = history.get(f"{split}_{name}", [])
            if values:
                ax.plot(range(1, len(values) + 1), values, marker=".", label=split)
        ax.set(xlabel="epoch", title=name)
        ax.legend(loc="best", fontsize=8)
    if history.get("lr"):
        lr_axis = axes[0][0].twinx()
        lr_axis.plot(range(1, len(history["lr"]) + 1), history["lr"], color="0.6",
                     linestyle=":", label="lr")
        lr_axis.set_ylabel("lr", color="0.6")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


# %% [markdown]
# ## 4. Use it: an MLP on handwritten digits
#
# The 8×8 digits of scikit-learn (1,797 images, 10 classes) with everything together: your
# layers, loss, data loader, autograd and AdamW, trained by your `Trainer` with a warm-up
# then cosine schedule, gradient clipping, Dropout, a validation set and a checkpoint
# after every epoch.

# %%
import tempfile
import time
from pathlib import Path

from sklearn.datasets import load_digits

digits = load_digits()
images = (digits.data / 16.0).astype(np.float32)
labels = digits.target.astype(np.int64)
order = np.random.default_rng(0).permutation(len(images))
train_idx, val_idx = order[:1500], order[1500:]
EPOCHS = 6


def build_run(seed=0):
    """A fresh model, optimizer, schedule and loaders: the same every time for one seed."""
    train_loader = DataLoader(TensorDataset(images[train_idx], labels[train_idx]),
                              batch_size=64, shuffle=True,
                              generator=np.random.default_rng(seed))
    val_loader = DataLoader(TensorDataset(images[val_idx], labels[val_idx]), batch_size=256)
    model = Sequential(Linear(64, 128, generator=np.random.default_rng(seed + 1)), ReLU(),
                       Dropout(0.2, generator=np.random.default_rng(seed + 2)),
                       Linear(128, 10, generator=np.random.default_rng(seed + 3)))
    opt = AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
    warm = LinearLR(opt, start_factor=0.1, total_iters=2)
    cosine = CosineAnnealingLR(opt, T_max=EPOCHS - 2)
    sched = SequentialLR(opt, [warm, cosine], milestones=[2])
    return Trainer(model, opt, CrossEntropyLoss(), train_loader, val_loader=val_loader,
                   scheduler=sched, clip_grad_norm=1.0)


folder = Path(tempfile.mkdtemp())
trainer = build_run()
start = time.perf_counter()
history = trainer.fit(EPOCHS, checkpoint=folder / "digits.npz")
print(f"\n{EPOCHS} epochs in {time.perf_counter() - start:.1f} s; "
      f"validation accuracy {history['val_accuracy'][-1]:.3f}")
figure = plot_history(history)

# %% [markdown]
# Now the resume: a fresh run trains 3 epochs and saves; a *new* Trainer (new model, new
# optimizer, new loaders, as after a restart) loads the checkpoint and finishes. Its
# weights must equal the unbroken run's bit for bit.

# %%
half = build_run()
half.verbose = False
half.fit(3, checkpoint=folder / "half.npz")
resumed = build_run()
resumed.verbose = False
resumed.load_checkpoint(folder / "half.npz")
resumed.fit(EPOCHS)
identical = all(np.array_equal(a.numpy(), b.numpy())
                for a, b in zip(trainer.model.parameters(), resumed.model.parameters(),
                                strict=True))
print("resumed run identical to the unbroken run:", identical)

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Where a training step's time goes
#
# Time each phase of the digits MLP's training step, with your own code: fetching the batch
# from the DataLoader, the forward pass with the loss, backward, and the optimizer step.

# %%
def time_phases(batch_size, steps=20):
    """Median seconds per step of each phase, for one batch size."""
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True,
                        generator=np.random.default_rng(0))
    model = Sequential(Linear(64, 128, generator=np.random.default_rng(1)), ReLU(),
                       Linear(128, 10, generator=np.random.default_rng(2)))
    opt, loss_fn = AdamW(model.parameters(), lr=0.01), CrossEntropyLoss()
    phases = {"data": [], "forward": [], "backward": [], "step": []}
    while len(phases["step"]) < steps:
        batches = iter(loader)
        while len(phases["step"]) < steps:
            t0 = time.perf_counter()
            try:
                x, y = next(batches)
            except StopIteration:
                break
            t1 = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            t2 = time.perf_counter()
            loss.backward()
            t3 = time.perf_counter()
            opt.step()
            t4 = time.perf_counter()
            for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
                                     strict=True):
                phases[name].append(seconds)
    return {name: float(np.median(times)) for name, times in phases.items()}


print(f"{'batch':>6} {'data':>9} {'forward':>9} {'backward':>9} {'step':>9} "
      f"{'samples/s':>10}")
throughput = {}
for batch_size in (16, 64, 256, 1024):
    phases = time_phases(batch_size)
    total = sum(phases.values())
    throughput[batch_size] = batch_size / total
    print(f"{batch_size:>6} " + " ".join(f"{s * 1e3:7.2f}ms" for s in phases.values())
          + f" {throughput[batch_size]:>10,.0f}")

# %% [markdown]
# ### 5.2 What a checkpoint costs
#
# Size and write time of a checkpoint of the same model with each optimizer, against the
# bytes of the weights alone.

# %%
def checkpoint_cost(make_optimizer):
    loader = DataLoader(TensorDataset(images[:256], labels[:256]), batch_size=128)
    model = Sequential(Linear(64, 128, generator=np.random.default_rng(1)), ReLU(),
                       Linear(128, 10, generator=np.random.default_rng(2)))
    run_ = Trainer(model, make_optimizer(model.parameters()), CrossEntropyLoss(), loader,
                   verbose=False)
    run_.train_epoch()
    path = folder / "cost.npz"
    start = time.perf_counter()
    run_.save_checkpoint(path)
    seconds = time.perf_counter() - start
    weights = sum(p.data.nbytes for p in model.parameters())
    return path.stat().st_size, weights, seconds


for name, make in {"SGD": lambda p: SGD(p, lr=0.1),
                   "SGD momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
                   "AdamW": lambda p: AdamW(p, lr=0.01)}.items():
    size, weights, seconds = checkpoint_cost(make)
    print(f"{name:>13}: {size / 1e3:7.1f} kB = {size / weights:.2f} x the weights "
          f"({weights / 1e3:.1f} kB), written in {seconds * 1e3:.1f} ms")

# %% [markdown]
# **The bottleneck.** At small batches every phase is dominated by fixed per-call costs:
# Python, NumPy dispatch, and allocating small arrays; the optimizer step in particular
# costs the same for a batch of 16 as for 1024, because it is proportional to the number of
# parameters, not samples. Larger batches spread those costs over more samples, so
# throughput (samples/s) climbs until the matrix products dominate, at which point forward
# and backward (about twice the forward's FLOPs) take most of the time. A checkpoint is
# about 1× the weights with SGD, 2× with momentum and 3× with Adam/AdamW (weights plus two
# moments), plus a little JSON.
#
# At **1000× scale** (a 100M-parameter model on a GPU) the picture changes: data loading
# moves to background worker processes (PyTorch's `num_workers`) so the accelerator never
# waits; mixed precision halves activation memory and traffic; and a checkpoint of a 7B
# model with Adam is ~84 GB in float32, written in parallel shards by each GPU (PyTorch's
# distributed checkpointing) and asynchronously, so training does not stop while it is
# written.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook. Each is worth 10 points; the graders look for understanding, references to
# your own code and measurements, the systems implications, and a comparison with
# production frameworks.

# %% [markdown] locked="q-resume"
# **Question 1: what "resume exactly" takes.** Your test and section 4 resumed a run bit for
# bit.
#
# 1. List everything your `save_checkpoint` stores, and for each, what would differ in the
#    resumed run if it were left out (be specific: which numbers in which step).
# 2. Why is `os.replace` of a temporary file safer than writing the checkpoint in place?
#    What could a crash leave behind in each case?
# 3. Why does this course refuse pickle for checkpoints? How do PyTorch (`weights_only`)
#    and formats like safetensors address the same risk?

# %% [markdown] manual="systems-resume" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Contents and consequences:** model weights (obviously); optimizer state: Adam's m, v
#   and step count (without them bias correction restarts, the first resumed steps are
#   ≈ lr·sign(g), a jolt), SGD's momentum buffers (velocity lost); the scheduler's
#   last_epoch and base_lrs (without them the lr jumps back to the warm-up or initial
#   value); generator states: the shuffling generator (a different batch order from the
#   first resumed epoch) and dropout's (different masks from the first resumed batch);
#   the default generator if anything draws from it; epoch and history (fit would train
#   too many epochs, curves would restart). Refers to their `_generators`/`bit_generator`
#   code and to the test asserting exact equality (rtol = atol = 0).
# - **Atomicity:** writing in place, a crash (power, OOM kill, time limit) mid-write leaves
#   a truncated zip: the last good checkpoint is destroyed and the new one is unreadable.
#   With a temp file + fsync + `os.replace`, the rename is atomic on the same file system:
#   the path holds either the complete old or the complete new file; a crash leaves at most
#   a stray temp file. Bonus: fsync the directory too; keep the last N checkpoints.
# - **Pickle:** unpickling can execute arbitrary code (`__reduce__`), so a downloaded
#   checkpoint could run anything; ours holds only arrays and JSON, read with
#   `allow_pickle=False`. PyTorch ≥ 2.6 defaults `torch.load(weights_only=True)`, an
#   unpickler restricted to tensors and primitive types; safetensors stores a JSON header
#   and raw tensor bytes only (also enabling zero-copy memory-mapped loading).
#
# 7–8: most state items with consequences, atomicity explained, pickle risk named. 5–6:
# lists weights and optimizer only, generic "files can be corrupted". 3–4: misses the
# generators or the scheduler. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-schedule"
# **Question 2: schedules and clipping.** Section 4 trained with a 2-epoch linear warm-up,
# cosine annealing and `clip_grad_norm=1.0`.
#
# 1. Using your `plot_history` output, describe how the learning rate changed per epoch and
#    how the training and validation loss responded. Why warm up at all with AdamW?
# 2. Your scheduler steps once per epoch. Large-scale training steps schedules once per
#    optimizer step instead. What changes, and what would you pass as `total_iters` and
#    `T_max`?
# 3. Clipping by the global norm keeps the gradient's direction. What would clipping each
#    element to [-1, 1] do instead? When does clipping hide a real problem?

# %% [markdown] manual="systems-schedule" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their curve:** lr 0.001 at epoch 1 (start_factor 0.1), 0.01 from epoch 3, then a
#   half cosine towards 0 at the end; loss falls fast once the full lr is reached and
#   flattens as the lr decays, validation accuracy stabilizing near its final value (quotes
#   numbers). Warm-up: Adam's v is estimated from few gradients early, and the first
#   updates have magnitude ≈ lr regardless of gradient size; with random weights the early
#   gradients are large and inconsistent, so a full lr can push the model into a bad
#   region or cause loss spikes (critical for transformers with layer norm, large batches).
# - **Per-step scheduling:** finer granularity, smooth lr within an epoch; `total_iters` =
#   warm-up steps (e.g. epochs × len(loader) for the warm-up epochs), `T_max` = total steps
#   − warm-up steps; the Trainer would call `scheduler.step()` after each `optimizer.step()`.
#   Checkpoints then must capture mid-epoch position (or be taken at epoch ends).
# - **Clipping:** global-norm clipping rescales all gradients by one factor: same direction,
#   bounded step. Per-element clipping (`clip_grad_value_`) changes the direction: large
#   components are cut, small ones kept, biasing the update. Clipping hides problems when
#   it is active at every step: a too-high lr, bad initialization, a bug producing huge
#   gradients, or nan/inf (error_if_nonfinite); log the returned total norm.
#
# 7–8: correct schedule description and warm-up reason, weaker on per-step or clipping.
# 5–6: generic definitions without their plot. 3–4: confuses warm-up with decay or
# clipping with weight decay. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-throughput"
# **Question 3: where the time goes.** Use section 5.1.
#
# 1. Which phase dominated at batch size 16, and which at 1024? How did samples/s change,
#    and why does the optimizer step's time barely depend on the batch size?
# 2. If you doubled the batch size to speed up an epoch, what else would you change
#    (learning rate, number of epochs), and what does a larger batch cost in memory?
# 3. In PyTorch on a GPU, what takes the role of your "data" phase, and how do production
#    systems keep the GPU from waiting for it?

# %% [markdown] manual="systems-throughput" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their table:** at 16 the fixed per-call overheads dominate (often forward/backward
#   Python and graph bookkeeping, and the optimizer step is a large share); at 1024 the
#   matmuls in forward and backward dominate, backward ≈ 2× forward. Samples/s rises with
#   batch size and saturates. The step is O(parameters): it does not see the batch.
# - **Bigger batches:** fewer steps per epoch, so with the same lr and epochs the model
#   trains less; common heuristics scale lr linearly (SGD, with warm-up, Goyal et al.) or
#   by √k (Adam), and very large batches generalize worse without tuning. Memory:
#   activations saved for backward grow linearly with batch size (their model: batch ×
#   (128 + 10) floats per layer output, plus inputs), weights and optimizer state do not.
# - **Production:** the data phase is the DataLoader with `num_workers` processes decoding
#   and augmenting in parallel, `pin_memory` and non-blocking host-to-device copies,
#   prefetching the next batches while the GPU computes; data formats built for streaming
#   (WebDataset, TFRecord), GPU-side augmentation (DALI). The goal is an input pipeline
#   faster than the step so utilization stays near 100%.
#
# 7–8: correct readings of their table and one of the two other parts well argued. 5–6:
# "bigger batches are faster" without their numbers. 3–4: claims the optimizer step scales
# with batch size. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.training`:
#
# - `clip_grad_norm_` (`torch.nn.utils.clip_grad_norm_`): the global gradient norm, any
#   `norm_type`, scaled in place.
# - `LRScheduler`, `StepLR`, `CosineAnnealingLR`, `LinearLR`, `SequentialLR`
#   (`torch.optim.lr_scheduler`): `step()`, `get_last_lr()`, `state_dict()`, PyTorch's
#   learning rates epoch for epoch.
# - `Trainer`: `train_epoch()`, `evaluate()`, `fit()`, a `history` of loss, metrics and lr,
#   a progress line (`Progress`), `accuracy`, `plot_history`, and atomic `.npz`
#   checkpoints (`save_checkpoint`, `load_checkpoint`) that resume bit for bit.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export training`. Then run the milestones it
#       unlocks: `tito milestone run xor` and `tito milestone run mlp`.
#
# **Next: module 09, spatial.** Convolutions and pooling for images, trained with this
# `Trainer` on Fashion-MNIST.
