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
# # Module 07 · Optimizers
#
# By the end of this module you will have built the optimizers that turn gradients into
# learning: `SGD` with momentum, dampening, Nesterov momentum and weight decay, `Adam` with
# its bias correction, and `AdamW` with decoupled weight decay, on a common `Optimizer`
# base class with parameter groups, per-parameter state, `zero_grad()` and a
# `state_dict()` that saves and restores all of it. They follow `torch.optim` update for
# update: the tests of this course check them against PyTorch, step by step.
#
# | | |
# |---|---|
# | **Prerequisites** | module 06 `autograd` (`loss.backward()` fills every parameter's `.grad`) |
# | **Time** | about 3 hours |
# | **Your code lands in** | `tinytorch.core.optimizers`: `Optimizer`, `SGD`, `Adam`, `AdamW` |
# | **Next** | module 08 `training`: a `Trainer` runs your optimizer, with schedules, checkpoints |
#
# **Contents.** 1 Why optimizers exist · 2 Concepts: gradient descent, momentum, weight
# decay, Adam · 3 Build the optimizers, piece by piece · 4 Use it: three optimizers on one
# problem · 5 Systems analysis · 6 ML systems thinking · 7 Summary and checklist

# %% locked="optimizers-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why optimizers exist
#
# After module 06, `loss.backward()` leaves in every parameter's `.grad` the direction in
# which the loss grows fastest. Learning means moving each parameter a little the other way,
# again and again. The simplest rule, `w -= lr * w.grad`, is one line; so why does PyTorch
# have a whole package `torch.optim`, and why does nearly every large model train with Adam
# or AdamW instead of that line?
#
# - **Loss surfaces are badly shaped.** Along some directions the loss is steep, along others
#   nearly flat. One learning rate is then too large for the steep directions (the steps
#   overshoot and zig-zag) and too small for the flat ones (progress crawls). Momentum
#   averages the zig-zag away; Adam gives every parameter its own step size.
# - **Gradients are noisy.** A mini-batch of 32 examples estimates the gradient of the whole
#   data set with noise. Averaging gradients over steps (momentum, Adam's first moment)
#   smooths that noise.
# - **Weights grow.** Without a pull towards zero, weights drift to large values that
#   overfit. Weight decay is that pull, and *where* you apply it (to the gradient, or
#   directly to the weight) changes what it does under Adam: the difference between Adam
#   and AdamW.
#
# Every one of these tricks keeps **state**: a running average per parameter. That state
# costs memory (Adam keeps two numbers for every weight, so training a model costs far more
# memory than running it), must be saved in checkpoints, and must be restored exactly to
# resume a run. The `Optimizer` class organizes that: it holds the parameters in **groups**
# (each with its own learning rate and other settings), a `state` dict per parameter, and
# `state_dict()` to save it all. You will meet `torch.optim.SGD`, `torch.optim.Adam` and
# `torch.optim.AdamW` in nearly every PyTorch training script; after this module you will
# know exactly what each line of their `step()` does.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Gradient descent
#
# For parameters $\theta$ and loss $L$, one step of **gradient descent** with learning rate
# $\eta$ is
#
# $$\theta \leftarrow \theta - \eta \, \nabla_\theta L .$$
#
# With a mini-batch gradient it is *stochastic* gradient descent (SGD). Worked example:
# $\theta = 1$, gradient $g = 0.5$, $\eta = 0.1$: $\theta \leftarrow 1 - 0.1 \cdot 0.5 =
# 0.95$. The update touches every element of every parameter once: its cost is linear in
# the number of parameters, and it needs no memory beyond the parameters and gradients.
#
# ### 2.2 Momentum, dampening and Nesterov
#
# **Momentum** (Polyak, 1964) keeps a *velocity* buffer $b$ per parameter, a running sum of
# past gradients, and steps along it instead of along the latest gradient:
#
# $$b_1 = g_1, \qquad b_t = \mu \, b_{t-1} + (1 - \tau)\, g_t, \qquad
# \theta \leftarrow \theta - \eta\, b_t .$$
#
# $\mu$ is the momentum (typically 0.9) and $\tau$ the **dampening** (usually 0), which
# scales down the newest gradient's share. Note the first step: PyTorch starts the buffer at
# the gradient itself, *not* at $(1 - \tau) g_1$. Where the gradient keeps its sign, the
# buffer grows towards $g / (1 - \mu)$, ten times the gradient for $\mu = 0.9$; where it
# flips sign from step to step (the zig-zag across a steep valley), the terms cancel.
#
# **Nesterov momentum** (Sutskever et al., 2013, after Nesterov, 1983) looks ahead: it steps
# along $g_t + \mu\, b_t$ instead of $b_t$, the gradient plus where the momentum is about
# to carry the parameter. PyTorch requires $\mu > 0$ and $\tau = 0$ for it.
#
# Worked example, $\mu = 0.9$, $\eta = 0.1$, a constant gradient $g = 1$:
#
# | step | buffer $b_t$ | momentum step | Nesterov direction $g + \mu b_t$ |
# |---|---|---|---|
# | 1 | 1 | 0.1 | 1.9 |
# | 2 | 1.9 | 0.19 | 2.71 |
# | 3 | 2.71 | 0.271 | 3.439 |
#
# ### 2.3 Weight decay
#
# **Weight decay** pulls every weight towards zero. In SGD it is the gradient of an L2
# penalty $\frac{\lambda}{2}\lVert\theta\rVert^2$ added to the loss, so PyTorch adds
# $\lambda\theta$ to the gradient before anything else: $g \leftarrow g + \lambda \theta$.
# For plain SGD that is the same as shrinking the weight by a factor $(1 - \eta\lambda)$
# each step.
#
# ### 2.4 Adam and its bias correction
#
# **Adam** (Kingma & Ba, 2015) keeps two running averages per parameter, the first moment
# $m$ (the mean gradient) and the second moment $v$ (the mean squared gradient), both
# starting at 0:
#
# $$m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 .$$
#
# Because they start at 0, both are biased towards 0 in the first steps: after step 1,
# $m_1 = (1 - \beta_1) g_1 = 0.1\, g_1$. Dividing by $1 - \beta^t$ removes the bias
# (**bias correction**): $\hat m_t = m_t / (1 - \beta_1^t)$, $\hat v_t = v_t / (1 -
# \beta_2^t)$, and the step is
#
# $$\theta \leftarrow \theta - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} .$$
#
# At step 1 that is $\eta\, g_1 / (|g_1| + \epsilon)$: almost exactly $\eta$ times the sign
# of the gradient, whatever its size. Without the correction the first step would be
# $0.1 g_1 / (\sqrt{0.001}\,|g_1|) \approx 3.16$ times larger. Each parameter's step is its
# mean gradient divided by its typical gradient size, so steep and flat directions get
# similar step sizes: Adam adapts the learning rate per parameter. $\epsilon$ (1e-8) only
# keeps the division finite; PyTorch adds it *after* the square root and the correction.
#
# PyTorch computes the same thing in a slightly rearranged order, which is what you will
# write: `step_size = lr / (1 - beta1**t)` and
# `denom = sqrt(v) / sqrt(1 - beta2**t) + eps`, then `theta -= step_size * m / denom`.
#
# ### 2.5 AdamW: decoupled weight decay
#
# Adam's `weight_decay` is the L2 rule of 2.3: $\lambda\theta$ is added to the gradient,
# and then divided by $\sqrt{\hat v}$ like the rest of it. Weights with large gradients
# (large $v$) are therefore barely decayed. Loshchilov & Hutter (2019) showed that this
# is not weight decay any more, and **decoupled** it: AdamW shrinks the weight directly,
# $\theta \leftarrow \theta\,(1 - \eta\lambda)$, and runs Adam on the plain gradient.
# AdamW, with a default $\lambda$ of 0.01, is how most transformers are trained.
#
# ### 2.6 What the state costs
#
# | optimizer | state per parameter | extra memory |
# |---|---|---|
# | SGD | none | 0 × the parameters |
# | SGD with momentum | the buffer $b$ | 1 × |
# | Adam, AdamW | $m$ and $v$ (and a step count) | 2 × |
#
# Section 5 measures this with your own optimizers.

# %% [markdown]
# ## 3. Build the optimizers
#
# ### 3.0 The plan
#
# Each piece is one or two methods in its own cell, followed by its test cell. The classes
# grow across cells: a later cell written as `@extends(Optimizer)` above a class adds its
# methods to `Optimizer` (in the exported package they are part of the one class). Run the
# cells in order.
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 parameter groups | `Optimizer.add_param_group` | `torch.optim.Optimizer` | 10 |
# | 2 clearing gradients | `Optimizer.zero_grad` | `Optimizer.zero_grad` | 5 |
# | 3 SGD | `SGD.step`: the loop over parameters, weight decay | `torch.optim.SGD` | 10 |
# | 4 momentum | `SGD._momentum`: buffer, dampening, Nesterov | `SGD(momentum=...)` | 10 |
# | 5 Adam | `Adam.step`, `Adam._decay` | `torch.optim.Adam` | 15 |
# | 6 AdamW | `AdamW._decay` | `torch.optim.AdamW` | 10 |
# | 7 saving the state | `Optimizer.state_dict`, `load_state_dict` | `Optimizer.state_dict` | 10 |
#
# **Updates happen in place, outside the graph.** A parameter is a leaf tensor; an update
# must change its values without recording an op (PyTorch runs `step()` under
# `torch.no_grad()` and calls in-place methods like `param.add_(...)`). Here you write the
# update in NumPy on the parameter's array, `p.data`, with in-place operators (`-=`, `*=`):
# NumPy ops record nothing, the array keeps its dtype (float32 stays float32) and nothing
# new is allocated for the parameter. Rebinding `p.data = p.data - ...` would instead make a
# new array each step, and anything else holding the old array (a view of it, a tied weight)
# would stop seeing updates.
#
# First the package's imports and a helper that reads a parameter's gradient as an array.

# %% locked="optimizers-package-imports"
#| export
import math
from collections.abc import Callable, Iterable

import numpy as np

from tinytorch.core.tensor import Tensor


def _grad_array(param: Tensor) -> np.ndarray:
    """The gradient of `param` as a NumPy array of the parameter's dtype (not copied)."""
    grad = param.grad.data if isinstance(param.grad, Tensor) else np.asarray(param.grad)
    if grad.shape != param.shape:
        raise ValueError(
            f"a parameter of shape {param.shape} has a gradient of shape {grad.shape}: "
            "they must match; set .grad to a tensor of the parameter's shape"
        )
    return grad.astype(param.dtype, copy=False)


def _check_range(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    """Raise PyTorch's ValueError if a hyperparameter is out of its range."""
    if not value >= low or (high is not None and not value < high):
        raise ValueError(f"Invalid {name}: {value}")


# %% [markdown]
# ### 3.1 Piece 1: parameter groups
#
# An optimizer takes its parameters in one of two forms, as `torch.optim` does:
#
# ```python
# SGD(model.parameters(), lr=0.1)                          # one group
# SGD([{"params": backbone.parameters()},                  # two groups: the head trains
#      {"params": head.parameters(), "lr": 0.01}], lr=0.1)  # at 0.01, the rest at 0.1
# ```
#
# The optimizer stores them as `param_groups`, a list of dicts. Each group holds its
# `"params"` (a list of tensors) and a value for **every** hyperparameter: the ones the group
# set itself, and the optimizer's `defaults` (the constructor's arguments) for the rest.
# `step()` reads the hyperparameters from the group, never from the constructor, which is
# how a learning-rate schedule (module 08) changes the learning rate during training: it
# writes `group["lr"]`.
#
# `__init__` (given) turns its argument into a list of group dicts and calls
# `add_param_group` for each; you write `add_param_group`. It must:
#
# 1. Copy the group dict (never store or change the caller's dict, nor `self.defaults`).
# 2. Turn `"params"` into a list: it may be a single Tensor, a list, or a generator such as
#    `model.parameters()`, which can be read only once.
# 3. Check that every entry is a `Tensor` (`TypeError` otherwise) and that no parameter is
#    already in a group, or twice in this one (`ValueError`): it would be updated twice per
#    step. PyTorch's message: `"some parameters appear in more than one parameter group"`.
# 4. Fill in each default the group does not set, and append the group.
#
# `state` is a dict from parameter to that parameter's own dict of state (empty until a
# step needs it). A Tensor hashes by identity, so it can be a dict key.

# %% solution="optimizer-param-groups"
#| export
class Optimizer:
    """Base class of the optimizers: parameter groups, per-parameter state, zero_grad,
    state_dict (torch.optim.Optimizer).

    `params`: an iterable of Tensors, or of dicts each holding `"params"` and any
    hyperparameters that differ from `defaults` for that group. `defaults`: every
    hyperparameter with its default value (e.g. `{"lr": 0.001}`). Subclasses implement
    `step()`.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got a Tensor: pass [tensor] or model.parameters()"
            )
        self.defaults: dict = dict(defaults)
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters
        (torch.optim.Optimizer.add_param_group).

        `param_group["params"]` is a Tensor or an iterable of Tensors; hyperparameters the
        group does not set take the optimizer's defaults. Raises TypeError for a non-Tensor
        and ValueError for a parameter already in a group.

        TODO: append to `self.param_groups` a new dict: the group's entries, "params" as a
        list, and every default the group does not set.

        APPROACH:
        1. `group = dict(param_group)`: your own copy.
        2. `params = group["params"]`; a single Tensor becomes `[params]`, anything else
           `list(params)`.
        3. Raise TypeError for an entry that is not a Tensor, and ValueError if a parameter
           is already in `self.param_groups` or appears twice in `params`.
        4. `group.setdefault(key, value)` for each item of `self.defaults`; append.

        EXAMPLE:
        >>> opt = Optimizer([{"params": [a]}, {"params": [b], "lr": 0.01}], {"lr": 0.1})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]

        HINTS:
        - Compare parameters by identity: `p is q`, or sets of `id(p)`. `==` on Tensors is
          elementwise and returns a Tensor, not a bool.
        """
        ### BEGIN SOLUTION
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__name__}"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or seen & set(ids):
            raise ValueError(
                "some parameters appear in more than one parameter group (or twice in one): "
                "each parameter must be in exactly one group"
            )
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)
        ### END SOLUTION


# %% test="optimizer-param-groups-tests" points=10
def test_one_group_from_a_list_of_tensors(run):
    def one_group():
        a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([[3.0]], requires_grad=True)
        opt = Optimizer([a, b], {"lr": 0.1, "momentum": 0.0})
        group = opt.param_groups[0]
        return (len(opt.param_groups), sorted(group), group["lr"], group["momentum"],
                [p is q for p, q in zip(group["params"], [a, b], strict=True)],
                type(group["params"]).__name__, len(opt.state), opt.defaults)

    n_groups, keys, lr, momentum, same, params_type, n_state, defaults = run(one_group)
    assert n_groups == 1, f"a list of tensors makes one parameter group, got {n_groups}"
    assert keys == ["lr", "momentum", "params"], f"the group's keys: {keys}"
    assert (lr, momentum) == (0.1, 0.0), f"the group takes the defaults, got {lr}, {momentum}"
    assert same == [True, True], "group['params'] should hold the very tensors passed, in order"
    assert params_type == "list", f"group['params'] should be a list, got {params_type}"
    assert n_state == 0, "state starts empty"
    assert defaults == {"lr": 0.1, "momentum": 0.0}, f"defaults should be kept: {defaults}"


def test_groups_with_their_own_hyperparameters(run):
    def two_groups():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        opt = Optimizer([{"params": [a]}, {"params": [b], "lr": 0.01}], {"lr": 0.1, "eps": 1e-8})
        return [(g["lr"], g["eps"], len(g["params"])) for g in opt.param_groups]

    groups = run(two_groups)
    assert groups == [(0.1, 1e-8, 1), (0.01, 1e-8, 1)], (
        f"the second group sets lr=0.01, the rest comes from the defaults; got {groups}"
    )


def test_bad_params_are_refused(run):
    def a_tensor_as_params():
        return Optimizer(Tensor([1.0]), {"lr": 0.1}).param_groups

    def no_params():
        return Optimizer([], {"lr": 0.1}).param_groups

    def a_list_as_a_param():
        return Optimizer([[1.0, 2.0]], {"lr": 0.1}).param_groups

    with pytest.raises(TypeError):
        run(a_tensor_as_params)
    with pytest.raises(ValueError, match="empty"):
        run(no_params)
    with pytest.raises(TypeError):
        run(a_list_as_a_param)


run_tests(test_one_group_from_a_list_of_tensors, test_groups_with_their_own_hyperparameters,
          test_bad_params_are_refused)
### BEGIN HIDDEN TESTS
def test_a_parameter_in_two_groups_is_refused(run):
    def in_two_groups():
        a = Tensor([1.0], requires_grad=True)
        return len(Optimizer([{"params": [a]}, {"params": [a]}], {"lr": 0.1}).param_groups)

    def twice_in_one_group():
        a = Tensor([1.0], requires_grad=True)
        return len(Optimizer([a, a], {"lr": 0.1}).param_groups)

    def added_later():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        opt = Optimizer([a, b], {"lr": 0.1})
        opt.add_param_group({"params": b})
        return len(opt.param_groups)

    for fn in (in_two_groups, twice_in_one_group, added_later):
        with pytest.raises(ValueError, match="more than one"):
            run(fn)


def test_generators_single_tensors_and_independent_groups(run):
    def from_generators():
        tensors = [Tensor([float(i)], requires_grad=True) for i in range(3)]
        defaults = {"lr": 0.1, "betas": (0.9, 0.999)}
        opt = Optimizer((t for t in tensors[:2]), defaults)
        opt.add_param_group({"params": tensors[2], "lr": 0.5})
        mine = {"params": [Tensor([5.0])], "lr": 0.2}
        opt.add_param_group(mine)
        opt.param_groups[0]["lr"] = 7.0
        return ([len(g["params"]) for g in opt.param_groups],
                [g["lr"] for g in opt.param_groups], defaults["lr"], opt.defaults["lr"],
                sorted(mine), opt.param_groups[1]["betas"])

    sizes, lrs, caller_lr, default_lr, mine_keys, betas = run(from_generators)
    assert sizes == [2, 1, 1], (
        f"a generator (model.parameters()) and a single Tensor are valid params; got {sizes}"
    )
    assert lrs == [7.0, 0.5, 0.2], f"each group has its own lr; got {lrs}"
    assert caller_lr == 0.1 and default_lr == 0.1, (
        "changing a group's lr must not change the defaults: copy the dicts"
    )
    assert mine_keys == ["lr", "params"], (
        f"add_param_group must not add keys to the caller's dict (copy it), got {mine_keys}"
    )
    assert betas == (0.9, 0.999), "a later group takes every default, betas included"


run_tests(test_a_parameter_in_two_groups_is_refused,
          test_generators_single_tensors_and_independent_groups)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: clearing gradients
#
# Module 06's `backward()` **accumulates**: it adds into `.grad`, so that a parameter used
# twice gets the sum of both gradients, and so that several backward passes can add up
# (gradient accumulation over micro-batches). Every training step must therefore clear
# the gradients first: `optimizer.zero_grad()`.
#
# PyTorch's default, `set_to_none=True`, sets `.grad = None`: no memory is kept between
# steps and nothing is written, and backward makes a fresh gradient. With
# `set_to_none=False` each existing gradient is filled with zeros **in place**, keeping its
# array (and its memory). A parameter whose `.grad` is already `None` stays `None` either
# way: it has no gradient to clear. The optimizers skip such parameters in `step()`.

# %% solution="optimizer-zero-grad"
#| export
@extends(Optimizer)
class OptimizerZeroGrad:
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter of every group
        (torch.optim.Optimizer.zero_grad).

        `set_to_none=True` (the default) sets each `.grad` to None; False fills existing
        gradients with zeros in place.

        TODO: for each parameter of each group with a gradient, set `.grad` to None, or
        zero its array in place.

        APPROACH: two loops, over `self.param_groups` and over each group's "params".
        Skip parameters whose `.grad` is None.

        EXAMPLE:
        >>> w.grad = Tensor([1.0, 2.0]); opt.zero_grad(set_to_none=False); w.grad
        Tensor([0., 0.], dtype=float32)

        HINTS:
        - `array.fill(0)` or `array[...] = 0` writes zeros into an existing array.
        """
        ### BEGIN SOLUTION
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.grad_fn = None
                    param.grad.data.fill(0)
        ### END SOLUTION


# %% test="optimizer-zero-grad-tests" points=5
def test_zero_grad_sets_gradients_to_none(run):
    def cleared():
        a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
        a.grad, b.grad = Tensor([0.5, 0.5]), Tensor([1.0])
        Optimizer([{"params": [a]}, {"params": [b]}], {"lr": 0.1}).zero_grad()
        return a.grad is None, b.grad is None

    assert run(cleared) == (True, True), "zero_grad() should set .grad to None in every group"


def test_zero_grad_in_place(run):
    def zeroed():
        a = Tensor([1.0, 2.0], requires_grad=True)
        a.grad = Tensor([0.5, -0.5])
        array = a.grad.data
        Optimizer([a], {"lr": 0.1}).zero_grad(set_to_none=False)
        return a.grad.numpy(), a.grad.data is array

    values, same_array = run(zeroed)
    assert_array(values, [0.0, 0.0], dtype="float32", what="the gradient after zero_grad(False)")
    assert same_array, "zero_grad(set_to_none=False) should zero the existing array in place"


run_tests(test_zero_grad_sets_gradients_to_none, test_zero_grad_in_place)
### BEGIN HIDDEN TESTS
def test_zero_grad_leaves_missing_gradients_alone(run):
    def missing():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0, 3.0], requires_grad=True)
        b.grad = Tensor([4.0, 5.0])
        opt = Optimizer([a, b], {"lr": 0.1})
        opt.zero_grad(set_to_none=False)
        zeros = b.grad.numpy().copy()
        opt.zero_grad(set_to_none=False)
        return a.grad is None, zeros

    a_is_none, zeros = run(missing)
    assert a_is_none, "a parameter without a gradient keeps .grad None with set_to_none=False"
    assert_array(zeros, [0.0, 0.0], dtype="float32", what="b's gradient")


run_tests(test_zero_grad_leaves_missing_gradients_alone)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: SGD, a loop over the parameters
#
# `SGD.__init__` (given) checks its arguments with PyTorch's messages and passes them to
# `Optimizer` as the defaults. You write `step()`: the explicit loop over every group and
# every parameter in it, applying section 2.1's rule with section 2.3's weight decay:
#
# ```
# for each group, for each parameter p in it whose .grad is not None:
#     g = the gradient as an array                        (the given _grad_array(p))
#     if weight_decay != 0:  g = g + weight_decay * p.data
#     if momentum != 0:      g = self._momentum(p, g, group)      (piece 4)
#     p.data -= lr * g                                    (in place)
# ```
#
# Read the hyperparameters from `group`: different groups can have different values, and
# a schedule may have changed `group["lr"]` since the constructor ran. `g + weight_decay *
# p.data` makes a new array on purpose: `_grad_array` hands you the gradient's own array,
# and the optimizer must never change the gradient.
#
# `step(closure)` follows PyTorch: if a function is given, it is called first (it should
# recompute the loss and gradients) and its result is returned.

# %% solution="sgd-step"
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight
    decay (torch.optim.SGD).

    `lr`: learning rate. `momentum`: factor of the velocity buffer (0: none). `dampening`:
    scales down each new gradient's share of the buffer. `weight_decay`: L2 penalty added to
    the gradient. `nesterov`: step along gradient + momentum * buffer (needs momentum > 0
    and dampening 0).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        _check_range("learning rate", lr)
        _check_range("momentum value", momentum)
        _check_range("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], object] | None = None) -> object:
        """Update every parameter that has a gradient, in place (torch.optim.SGD.step).

        Returns `closure()` if a closure is given (it is called first), else None.

        TODO: for each parameter with a gradient: add weight decay, apply momentum when
        the group's momentum is not 0, and subtract lr times the result from `p.data`.

        APPROACH: the loop in the text above. The loop over the groups is given: inside it,
        loop over `group["params"]`. `_grad_array(p)` gives the gradient's array.

        EXAMPLE:
        >>> w = Tensor([1.0, 2.0], requires_grad=True); w.grad = Tensor([0.5, -1.0])
        >>> SGD([w], lr=0.1).step(); w
        Tensor([0.95, 2.1 ], dtype=float32, requires_grad=True)

        HINTS:
        - `p.data -= ...` updates the array in place and keeps float32;
          `p.data = p.data - ...` does not update in place.
        - Never modify the gradient's array: `g = g + ...` makes a new one, `g += ...` would
          write into `p.grad`.
        """
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            ### BEGIN SOLUTION
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = _grad_array(param)
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * param.data
                if group["momentum"] != 0:
                    grad = self._momentum(param, grad, group)
                param.data -= group["lr"] * grad
            ### END SOLUTION
        return loss


# %% test="sgd-step-tests" points=10
def test_sgd_one_step(run):
    def one_step():
        w = Tensor([1.0, 2.0], requires_grad=True)
        w.grad = Tensor([0.5, -1.0])
        SGD([w], lr=0.1).step()
        return w.numpy()

    assert_array(run(one_step), [0.95, 2.1], dtype="float32", what="w after one SGD step")


def test_sgd_weight_decay_and_repeated_steps(run):
    def decayed():
        w = Tensor([1.0, 2.0], requires_grad=True)
        w.grad = Tensor([0.0, 0.0])
        opt = SGD([w], lr=0.1, weight_decay=0.5)
        opt.step()
        after_one = w.numpy().copy()
        opt.step()
        return after_one, w.numpy(), w.grad.numpy()

    one, two, grad = run(decayed)
    assert_array(one, [0.95, 1.9], dtype="float32",
                 what="w after one step with weight_decay=0.5 (g + 0.5 * w)")
    assert_array(two, [0.9025, 1.805], dtype="float32", what="w after two steps")
    assert_array(grad, [0.0, 0.0], dtype="float32",
                 what="w.grad after the steps (the optimizer must not change the gradient)")


run_tests(test_sgd_one_step, test_sgd_weight_decay_and_repeated_steps)
### BEGIN HIDDEN TESTS
def test_sgd_skips_parameters_without_gradients(run):
    def skipped():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0, 3.0], requires_grad=True)
        b.grad = Tensor([1.0, 1.0])
        SGD([a, b], lr=0.5, weight_decay=0.1).step()
        return a.numpy(), b.numpy()

    a, b = run(skipped)
    assert_array(a, [1.0], dtype="float32",
                 what="a parameter whose .grad is None (it must be skipped, even with decay)")
    assert_array(b, [2.0 - 0.5 * 1.2, 3.0 - 0.5 * 1.3], dtype="float32", rtol=1e-6,
                 what="the parameter with a gradient")


def test_sgd_reads_each_groups_lr_at_every_step(run):
    def per_group():
        a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
        a.grad, b.grad = Tensor([1.0]), Tensor([1.0])
        opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
        opt.step()
        opt.param_groups[0]["lr"] = 0.5
        opt.step()
        return a.numpy(), b.numpy()

    a, b = run(per_group)
    assert_array(a, [1.0 - 0.1 - 0.5], dtype="float32",
                 what="a (its group's lr was changed to 0.5 before the second step)")
    assert_array(b, [0.98], dtype="float32", what="b (its group has lr=0.01)")


def test_sgd_updates_in_place_in_float32(run):
    def in_place():
        w = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
        w.grad = Tensor(np.full((2, 3), 0.25, dtype=np.float32))
        array = w.data
        result = SGD([w], lr=np.float64(0.1)).step(lambda: 3.5)
        return w.data is array, str(w.dtype), result, SGD([w]).defaults["lr"]

    same, dtype, result, default_lr = run(in_place)
    assert same, "step() must update p.data in place (p.data -= ...), not rebind it"
    assert dtype == "float32", f"a float32 parameter must stay float32, got {dtype}"
    assert result == 3.5, "step(closure) should return the closure's loss"
    assert default_lr == 1e-3, f"SGD's default lr is 1e-3, got {default_lr}"


run_tests(test_sgd_skips_parameters_without_gradients, test_sgd_reads_each_groups_lr_at_every_step,
          test_sgd_updates_in_place_in_float32)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: momentum, dampening and Nesterov
#
# `step()` calls `self._momentum(p, g, group)` when the group's momentum is not 0; it returns
# the direction to step along. The buffer lives in the parameter's state,
# `self.state[p]["momentum_buffer"]`, where `state_dict()` will find it (piece 7):
#
# 1. First step for this parameter (no buffer yet): the buffer is a **copy** of `g` (not
#    `g` itself: the buffer is changed in place later, and `g` may be the gradient's own
#    array). No dampening on this step.
# 2. Later steps: `buf = momentum * buf + (1 - dampening) * g`, in place. With the usual
#    dampening 0, add `g` itself: `(1 - 0) * g` would allocate and fill a temporary as
#    large as the parameter on every step, only to multiply it by one.
# 3. Return `g + momentum * buf` with Nesterov, else `buf`.
#
# `self.state` starts empty; `self.state.setdefault(p, {})` gives the parameter's dict,
# making it on first use.

# %% solution="sgd-momentum"
#| export
@extends(SGD)
class SGDMomentum:
    def _momentum(self, param: Tensor, grad: np.ndarray, group: dict) -> np.ndarray:
        """The direction of a momentum step for `param`, updating its velocity buffer.

        TODO: update `self.state[param]["momentum_buffer"]` and return the step direction.

        APPROACH:
        1. `state = self.state.setdefault(param, {})`; `buf = state.get("momentum_buffer")`.
        2. No buffer yet: store `grad.copy()`. Otherwise `buf *= momentum` and
           `buf += (1 - dampening) * grad` (just `grad` when dampening is 0).
        3. Return `grad + momentum * buf` if `group["nesterov"]`, else the buffer.

        EXAMPLE: momentum 0.9, a constant gradient 1: the buffer is 1, 1.9, 2.71, ...
        (section 2.2's table).

        HINTS:
        - Dampening is not applied on the first step: PyTorch's buffer starts at the
          gradient itself.
        """
        ### BEGIN SOLUTION
        momentum, dampening = group["momentum"], group["dampening"]
        state = self.state.setdefault(param, {})
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = grad.copy()
        else:
            buf *= momentum
            buf += grad if dampening == 0 else (1 - dampening) * grad
        if group["nesterov"]:
            return grad + momentum * buf
        return buf
        ### END SOLUTION


# %% test="sgd-momentum-tests" points=10
def test_sgd_momentum_three_steps(run):
    def three_steps():
        w = Tensor([1.0], requires_grad=True)
        opt = SGD([w], lr=0.1, momentum=0.9)
        values = []
        for _ in range(3):
            w.grad = Tensor([1.0])
            opt.step()
            values.append(float(w.numpy()[0]))
        return values, opt.state[w]["momentum_buffer"]

    values, buffer = run(three_steps)
    assert_array(np.array(values), [0.9, 0.71, 0.439], rtol=1e-5,
                 what="w after steps 1, 2, 3 with momentum 0.9 (buffers 1, 1.9, 2.71)")
    assert_array(buffer, [2.71], dtype="float32", rtol=1e-5,
                 what="state[w]['momentum_buffer'] after 3 steps")


def test_sgd_nesterov(run):
    def nesterov():
        w = Tensor([1.0], requires_grad=True)
        opt = SGD([w], lr=0.1, momentum=0.9, nesterov=True)
        for _ in range(2):
            w.grad = Tensor([1.0])
            opt.step()
        return w.numpy()

    def nesterov_without_momentum():
        return SGD([Tensor([1.0])], lr=0.1, nesterov=True).defaults

    assert_array(run(nesterov), [1.0 - 0.1 * (1.9 + 2.71)], dtype="float32", rtol=1e-6,
                 what="w after two Nesterov steps (directions 1.9 and 2.71)")
    with pytest.raises(ValueError, match="Nesterov"):
        run(nesterov_without_momentum)


run_tests(test_sgd_momentum_three_steps, test_sgd_nesterov)
### BEGIN HIDDEN TESTS
def test_sgd_dampening_starts_from_the_gradient(run):
    def dampened():
        w = Tensor([0.0, 0.0], requires_grad=True)
        opt = SGD([w], lr=1.0, momentum=0.5, dampening=0.5)
        grads = ([1.0, 2.0], [3.0, -1.0], [-2.0, 4.0])
        for grad in grads:
            w.grad = Tensor(grad)
            opt.step()
        return w.numpy()

    buf, total = np.zeros(2), np.zeros(2)
    for step, grad in enumerate(([1.0, 2.0], [3.0, -1.0], [-2.0, 4.0])):
        buf = np.array(grad) if step == 0 else 0.5 * buf + 0.5 * np.array(grad)
        total -= buf
    assert_array(run(dampened), total, dtype="float32", rtol=1e-6,
                 what="w after 3 steps with momentum=0.5, dampening=0.5 (the buffer starts "
                      "at the first gradient, undampened)")


def test_sgd_buffer_is_a_copy_and_includes_weight_decay(run):
    def kept_gradient():
        w = Tensor([1.0, -1.0], requires_grad=True)
        w.grad = Tensor([0.5, 0.5])
        opt = SGD([w], lr=0.1, momentum=0.9)
        opt.step()
        opt.step()
        return w.grad.numpy(), w.numpy()

    grad, w = run(kept_gradient)
    assert_array(grad, [0.5, 0.5], dtype="float32",
                 what="w.grad after two momentum steps (the buffer must be a copy of the "
                      "gradient, not the gradient's own array)")
    assert_array(w, [1.0 - 0.1 * 0.5 * 2.9, -1.0 - 0.1 * 0.5 * 2.9], dtype="float32",
                 rtol=1e-6, what="w after two momentum steps")

    def decayed_momentum():
        w = Tensor([2.0], requires_grad=True)
        opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)
        for _ in range(3):
            w.grad = Tensor([1.0])
            opt.step()
        return w.numpy()

    p, buf = 2.0, None
    for _ in range(3):
        g = 1.0 + 0.1 * p
        buf = g if buf is None else 0.9 * buf + g
        p -= 0.1 * (g + 0.9 * buf)
    assert_array(run(decayed_momentum), [p], dtype="float32", rtol=1e-5,
                 what="w after 3 Nesterov steps with weight decay (decay enters the buffer)")


def test_sgd_momentum_buffer_per_parameter(run):
    def two_params():
        a, b = Tensor([0.0], requires_grad=True), Tensor([0.0], requires_grad=True)
        opt = SGD([a, b], lr=1.0, momentum=0.9)
        a.grad = Tensor([1.0])
        opt.step()
        b.grad = Tensor([1.0])
        a.grad = None
        opt.step()
        return a.numpy(), b.numpy(), len(opt.state)

    a, b, n_state = run(two_params)
    assert_array(a, [-1.0], dtype="float32", what="a (no gradient at step 2: skipped)")
    assert_array(b, [-1.0], dtype="float32",
                 what="b (its first step: its own buffer starts at its gradient)")
    assert n_state == 2, f"one state entry per parameter that has stepped, got {n_state}"


run_tests(test_sgd_dampening_starts_from_the_gradient,
          test_sgd_buffer_is_a_copy_and_includes_weight_decay,
          test_sgd_momentum_buffer_per_parameter)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: Adam
#
# `Adam.__init__` (given) checks its arguments and stores `betas`, `eps` and `weight_decay`
# in the defaults. You write two methods:
#
# - `_decay(p, g, group)`: Adam's weight decay, the L2 rule of section 2.3. It returns the
#   gradient to use, `g + weight_decay * p.data` (or `g` itself when weight_decay is 0).
#   AdamW replaces just this method in piece 6.
# - `step()`: for each parameter with a gradient, `g = self._decay(p, _grad_array(p), group)`,
#   then, with the parameter's state (made on its first step: `"step"` = 0, `"exp_avg"` and
#   `"exp_avg_sq"` = zeros like `p.data`):
#
# ```
# state["step"] += 1;  t = state["step"]
# m = beta1 * m + (1 - beta1) * g                       (in place on state["exp_avg"])
# v = beta2 * v + (1 - beta2) * g * g                   (in place on state["exp_avg_sq"])
# step_size = lr / (1 - beta1 ** t)
# denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps
# p.data -= step_size * m / denom
# ```
#
# Each parameter counts its own steps: a parameter that had no gradient for a while is
# behind the others, and its bias correction must use its own `t`.

# %% solution="adam-step"
#| export
class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient and its square,
    with bias correction (torch.optim.Adam).

    `lr`: learning rate. `betas`: decay rates of the first and second moment averages.
    `eps`: added to the denominator for numerical stability. `weight_decay`: L2 penalty
    added to the gradient (for decoupled weight decay use AdamW).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        _check_range("learning rate", lr)
        _check_range("epsilon value", eps)
        _check_range("beta parameter at index 0", betas[0], high=1.0)
        _check_range("beta parameter at index 1", betas[1], high=1.0)
        _check_range("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _decay(self, param: Tensor, grad: np.ndarray, group: dict) -> np.ndarray:
        """Adam's weight decay: the L2 penalty's gradient added to `grad` (a new array).

        TODO: return `grad + weight_decay * param.data`, or `grad` when weight_decay is 0.
        APPROACH: read `group["weight_decay"]`.
        EXAMPLE: weight_decay 0.1, p = [2.0], g = [0.5] -> [0.7]
        HINTS: do not change `grad` in place: it is the gradient's own array.
        """
        ### BEGIN SOLUTION
        weight_decay = group["weight_decay"]
        return grad + weight_decay * param.data if weight_decay != 0 else grad
        ### END SOLUTION

    def step(self, closure: Callable[[], object] | None = None) -> object:
        """Update every parameter that has a gradient, in place (torch.optim.Adam.step).

        Returns `closure()` if a closure is given (it is called first), else None.

        TODO: for each parameter with a gradient, update its moments and step count in
        `self.state[p]` and apply the bias-corrected Adam update to `p.data`.

        APPROACH: the recipe in the text above, one parameter at a time: inside the given
        loop over the groups, loop over `group["params"]`.

        EXAMPLE: the first step moves every element by almost exactly lr against the sign
        of its gradient: w = [1.0, -1.0], grad = [0.1, -2.0], lr 0.001 -> [0.999, -0.999].

        HINTS:
        - `m *= beta1` then `m += (1 - beta1) * grad` updates the state's array in place.
        - `math.sqrt` for the Python number `1 - beta2 ** t`, `np.sqrt` for the array `v`.
        - eps goes after the square root and the bias correction, not inside the sqrt.
        """
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            ### BEGIN SOLUTION
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = self._decay(param, _grad_array(param), group)
                state = self.state.setdefault(param, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(param.data)
                    state["exp_avg_sq"] = np.zeros_like(param.data)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                step_size = group["lr"] / (1 - beta1**t)
                denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + group["eps"]
                param.data -= step_size * m / denom
            ### END SOLUTION
        return loss


# %% test="adam-step-tests" points=15
def test_adam_first_step_is_lr_times_the_sign(run):
    def first_step():
        w = Tensor([1.0, -1.0, 0.5], requires_grad=True)
        w.grad = Tensor([0.1, -2.0, 3.0])
        opt = Adam([w])
        opt.step()
        state = opt.state[w]
        return w.numpy(), state["step"], state["exp_avg"], state["exp_avg_sq"]

    w, step, m, v = run(first_step)
    assert_array(w, [0.999, -0.999, 0.499], dtype="float32", rtol=1e-6,
                 what="w after Adam's first step (lr 0.001 times the sign of the gradient, "
                      "thanks to bias correction)")
    assert step == 1, f"state['step'] should count the parameter's steps: 1, got {step}"
    assert_array(m, [0.01, -0.2, 0.3], dtype="float32", rtol=1e-5, what="state['exp_avg']")
    assert_array(v, [1e-5, 4e-3, 9e-3], dtype="float32", rtol=1e-5, what="state['exp_avg_sq']")


def test_adam_five_steps(run):
    grads = np.array([[0.5, -1.0], [0.3, 2.0], [-0.2, 0.1], [1.0, 1.0], [0.0, -3.0]])

    def five_steps(grads):
        w = Tensor([1.0, 2.0], requires_grad=True)
        opt = Adam([w], lr=0.1, betas=(0.8, 0.9), eps=1e-6)
        for grad in grads:
            w.grad = Tensor(grad, dtype=np.float32)
            opt.step()
        return w.numpy()

    p, m, v = np.array([1.0, 2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, 1):
        m, v = 0.8 * m + 0.2 * g, 0.9 * v + 0.1 * g * g
        p -= 0.1 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-6)
    assert_array(run(five_steps, grads), p, dtype="float32", rtol=1e-5, atol=1e-6,
                 what="w after 5 Adam steps (lr 0.1, betas (0.8, 0.9), eps 1e-6)")


run_tests(test_adam_first_step_is_lr_times_the_sign, test_adam_five_steps)
### BEGIN HIDDEN TESTS
def test_adam_eps_after_the_bias_corrected_sqrt(run):
    def tiny_gradients():
        w = Tensor([0.0], requires_grad=True)
        w.grad = Tensor([1e-8])
        Adam([w], lr=1.0).step()
        return w.numpy()

    assert_array(run(tiny_gradients), [-0.5], dtype="float32", rtol=1e-4,
                 what="w after one step with gradient 1e-8 (m̂ = 1e-8, sqrt(v̂) = 1e-8, eps = "
                      "1e-8: the step is 0.5; eps inside the sqrt or before the correction "
                      "gives a different step)")


def test_adam_step_counts_per_parameter_and_l2_decay(run):
    def uneven():
        a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
        opt = Adam([a, b], lr=0.1)
        a.grad = Tensor([1.0])
        opt.step()
        opt.step()
        b.grad = Tensor([1.0])
        a.grad = None
        opt.step()
        return a.numpy(), b.numpy(), opt.state[a]["step"], opt.state[b]["step"]

    a, b, a_steps, b_steps = run(uneven)
    assert (a_steps, b_steps) == (2, 1), (
        f"each parameter counts its own steps (a: 2, b: 1), got {a_steps}, {b_steps}"
    )
    assert_array(a, [0.8], dtype="float32", rtol=1e-5, what="a (two steps, then skipped)")
    assert_array(b, [0.9], dtype="float32", rtol=1e-5,
                 what="b (its first step uses t = 1 in the bias correction)")

    def l2():
        w = Tensor([2.0, -2.0], requires_grad=True)
        opt = Adam([w], lr=0.1, betas=(0.5, 0.5), weight_decay=0.5)
        for grad in ([0.5, 0.5], [-1.0, 1.0]):
            w.grad = Tensor(grad)
            opt.step()
        return w.numpy(), w.grad.numpy()

    p, m, v = np.array([2.0, -2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate((np.array([0.5, 0.5]), np.array([-1.0, 1.0])), 1):
        g = g + 0.5 * p
        m, v = 0.5 * m + 0.5 * g, 0.5 * v + 0.5 * g * g
        p = p - 0.1 * (m / (1 - 0.5**t)) / (np.sqrt(v / (1 - 0.5**t)) + 1e-8)
    w, grad = run(l2)
    assert_array(w, p, dtype="float32", rtol=1e-5,
                 what="w after 2 Adam steps with weight_decay=0.5 (added to the gradient)")
    assert_array(grad, [-1.0, 1.0], dtype="float32", what="w.grad (must not be changed)")


def test_adam_groups_in_place_and_errors(run):
    def groups():
        a = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        b = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        a.grad = b.grad = Tensor(np.full(3, 2.0, dtype=np.float32))
        array = a.data
        opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5, "betas": (0.0, 0.0)}], lr=0.2)
        opt.step()
        return a.numpy(), b.numpy(), a.data is array, str(b.dtype)

    a, b, same, dtype = run(groups)
    assert_array(a, np.full(3, 0.8), dtype="float32", rtol=1e-6, what="a (lr 0.2)")
    assert_array(b, np.full(3, 0.5), dtype="float32", rtol=1e-6, what="b (its group's lr 0.5)")
    assert same and dtype == "float32", "Adam must update p.data in place and keep float32"

    def bad_beta():
        return Adam([Tensor([1.0])], betas=(0.9, 1.0)).defaults

    with pytest.raises(ValueError, match="beta"):
        run(bad_beta)


run_tests(test_adam_eps_after_the_bias_corrected_sqrt,
          test_adam_step_counts_per_parameter_and_l2_decay, test_adam_groups_in_place_and_errors)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: AdamW
#
# AdamW is Adam with one method replaced. Its `_decay` shrinks the weight itself, in place,
# by the factor `1 - lr * weight_decay`, and returns the gradient **unchanged**: the moments
# never see the decay (section 2.5). Its default `weight_decay` is 0.01, where Adam's is 0.
# Because `Adam.step()` calls `_decay` only for parameters that have a gradient, a
# parameter without one is neither updated nor decayed, as in PyTorch.

# %% solution="adamw"
#| export
class AdamW(Adam):
    """Adam with decoupled weight decay: weights shrink by (1 - lr * weight_decay) each step,
    outside the adaptive update (torch.optim.AdamW).

    Arguments as Adam's; `weight_decay` defaults to 0.01.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, param: Tensor, grad: np.ndarray, group: dict) -> np.ndarray:
        """Decoupled weight decay: shrink `param` in place, return `grad` unchanged.

        TODO: multiply `param.data` in place by `1 - lr * weight_decay`; return `grad`.
        APPROACH: one in-place multiplication with the group's `lr` and `weight_decay`.
        EXAMPLE: lr 0.1, weight_decay 0.1, p = [2.0] -> p = [1.98]; then Adam's update.
        HINTS: the gradient must not change: the moments see only the loss's gradient.
        """
        ### BEGIN SOLUTION
        param.data *= 1 - group["lr"] * group["weight_decay"]
        return grad
        ### END SOLUTION


# %% test="adamw-tests" points=10
def test_adamw_decouples_weight_decay(run):
    def one_step():
        w, v = Tensor([2.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        w.grad, v.grad = Tensor([0.5]), Tensor([0.5])
        AdamW([w], lr=0.1, weight_decay=0.1).step()
        Adam([v], lr=0.1, weight_decay=0.1).step()
        return w.numpy(), v.numpy(), AdamW([w]).defaults["weight_decay"]

    adamw, adam, default = run(one_step)
    assert_array(adamw, [1.88], dtype="float32", rtol=1e-6,
                 what="AdamW: w * (1 - 0.1 * 0.1) = 1.98, then Adam's first step of -0.1")
    assert_array(adam, [1.9], dtype="float32", rtol=1e-6,
                 what="Adam with weight_decay (L2: the decay is normalized away at step 1)")
    assert default == 0.01, f"AdamW's default weight_decay is 0.01, got {default}"


run_tests(test_adamw_decouples_weight_decay)
### BEGIN HIDDEN TESTS
def test_adamw_several_steps_and_skipped_parameters(run):
    grads = np.array([[0.5, -1.0], [0.3, 2.0], [-0.2, 0.1], [1.0, 1.0]])

    def steps(grads):
        w = Tensor([1.0, 2.0], requires_grad=True)
        idle = Tensor([3.0], requires_grad=True)
        opt = AdamW([w, idle], lr=0.1, betas=(0.8, 0.9), weight_decay=0.5)
        for grad in grads:
            w.grad = Tensor(grad, dtype=np.float32)
            opt.step()
        return w.numpy(), idle.numpy(), w.grad.numpy()

    p, m, v = np.array([1.0, 2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, 1):
        p = p * (1 - 0.1 * 0.5)
        m, v = 0.8 * m + 0.2 * g, 0.9 * v + 0.1 * g * g
        p = p - 0.1 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-8)
    w, idle, grad = run(steps, grads)
    assert_array(w, p, dtype="float32", rtol=1e-5,
                 what="w after 4 AdamW steps (decay on the weight, moments of the plain gradient)")
    assert_array(idle, [3.0], dtype="float32",
                 what="a parameter without a gradient (neither updated nor decayed)")
    assert_array(grad, grads[-1], dtype="float32", what="w.grad (must not be changed)")


run_tests(test_adamw_several_steps_and_skipped_parameters)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: saving and restoring the state
#
# A checkpoint must hold the optimizer's state too: resuming Adam with fresh zero moments
# and step counts restarts its bias correction and changes the run. `state_dict()` returns
# everything in PyTorch's layout, which refers to parameters by **index** (their position
# across all groups, in order), because a checkpoint cannot hold the parameter objects:
#
# ```python
# {"state": {0: {"step": 3, "exp_avg": array(...), "exp_avg_sq": array(...)}, 1: {...}},
#  "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]},
#                   {"lr": 0.01, ..., "params": [2]}]}
# ```
#
# Only parameters that have state appear in `"state"`. The arrays are **copies**: the saved
# dict must not change when training continues.
#
# `load_state_dict(state_dict)` does the reverse on an optimizer built over the same
# parameters: it checks that the groups match in number and size (PyTorch's `ValueError`s),
# maps each index back to the parameter at that position, copies the arrays into
# `self.state` (cast to the parameter's dtype), and restores each group's hyperparameters
# (everything but `"params"`), so a learning rate a schedule had lowered comes back.

# %% solution="optimizer-state-dict"
#| export
@extends(Optimizer)
class OptimizerStateDict:
    def state_dict(self) -> dict:
        """The optimizer's state and hyperparameters, parameters referred to by index
        (torch.optim.Optimizer.state_dict). Arrays are copies.

        TODO: return {"state": {index: {name: value}}, "param_groups": [{..., "params":
        [indices]}]} with copied arrays.

        APPROACH:
        1. Number the parameters across the groups in order: 0, 1, 2, ...
        2. Each group: a dict of its entries with "params" replaced by its indices.
        3. "state": for each parameter with state, its index -> a dict of its state with
           every array copied (`value.copy()` for NumPy arrays).

        EXAMPLE: SGD with momentum over [a, b] after one step ->
        {"state": {0: {"momentum_buffer": ...}, 1: {...}}, "param_groups": [{"lr": ...,
        "momentum": 0.9, ..., "params": [0, 1]}]}

        HINTS: a dict keyed by the parameter (`{param: index}`) finds indices quickly.
        """
        ### BEGIN SOLUTION
        index: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            saved = {key: value for key, value in group.items() if key != "params"}
            saved["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(saved)
        state = {
            index[param]: {key: value.copy() if isinstance(value, np.ndarray) else value
                           for key, value in values.items()}
            for param, values in self.state.items() if param in index
        }
        return {"state": state, "param_groups": groups}
        ### END SOLUTION

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore state and hyperparameters saved by `state_dict()`
        (torch.optim.Optimizer.load_state_dict).

        The optimizer must hold the same parameters in the same groups; raises ValueError
        if the number or sizes of the groups differ. Arrays are copied, in each
        parameter's dtype.

        TODO: check the groups, then rebuild `self.state` and each group's hyperparameters.

        APPROACH:
        1. Compare `len(self.param_groups)` with the saved groups, and each group's number
           of params; raise ValueError on a mismatch.
        2. Map each saved index to a parameter: zip each saved group's "params" with
           this optimizer's group's "params".
        3. `self.state = {}`; for each saved index and state, store a copy under the
           parameter: float arrays as `np.array(value, dtype=param.dtype)`, others as
           they are ("step" as an int).
        4. For each group, copy back every saved entry except "params".

        EXAMPLE: opt2.load_state_dict(opt1.state_dict()); both then step identically.

        HINTS: indices may arrive as any int type; use `int(key)` to look them up.
        """
        ### BEGIN SOLUTION
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params: dict[int, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the "
                    "size of optimizer's group"
                )
            params.update({int(i): p for i, p in zip(saved["params"], group["params"],
                                                     strict=True)})
        self.state = {}
        for key, values in state_dict["state"].items():
            param = params[int(key)]
            restored = {}
            for name, value in values.items():
                if name == "step":
                    value = int(value)
                elif isinstance(value, np.ndarray):
                    value = np.array(value, dtype=param.dtype if value.dtype.kind == "f" else None)
                restored[name] = value
            self.state[param] = restored
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            group.update({key: value for key, value in saved.items() if key != "params"})
        ### END SOLUTION


# %% test="optimizer-state-dict-tests" points=10
def test_state_dict_layout_and_copies(run):
    def layout():
        a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
        a.grad, b.grad = Tensor([0.5, 0.5]), Tensor([1.0])
        opt = SGD([a, b], lr=0.1, momentum=0.9)
        opt.step()
        saved = opt.state_dict()
        opt.step()
        group = saved["param_groups"][0]
        return (sorted(saved), sorted(saved["state"]), group["params"], group["lr"],
                group["momentum"], saved["state"][0]["momentum_buffer"])

    keys, state_keys, indices, lr, momentum, buffer = run(layout)
    assert keys == ["param_groups", "state"], f"state_dict() keys should be {keys}"
    assert state_keys == [0, 1], f"'state' is keyed by parameter index 0, 1; got {state_keys}"
    assert indices == [0, 1], f"the group's 'params' should be the indices [0, 1], got {indices}"
    assert (lr, momentum) == (0.1, 0.9), "the group's hyperparameters are saved"
    assert_array(buffer, [0.5, 0.5], dtype="float32",
                 what="the saved buffer (a copy: a later step must not change it)")


def test_load_state_dict_resumes_adam_exactly(run):
    def resumed():
        def model():
            return [Tensor([1.0, -2.0], requires_grad=True), Tensor([0.5], requires_grad=True)]

        def train(params, opt, grads):
            for grad in grads:
                for p, g in zip(params, grad, strict=True):
                    p.grad = Tensor(g, dtype=np.float32)
                opt.step()

        grads = [([0.1 * i, -0.2], [0.3 - 0.1 * i]) for i in range(6)]
        straight = model()
        train(straight, Adam(straight, lr=0.1), grads)
        first = model()
        opt = Adam(first, lr=0.1)
        train(first, opt, grads[:3])
        second = [Tensor(p.numpy().copy(), requires_grad=True) for p in first]
        resumed_opt = Adam(second, lr=0.5)
        resumed_opt.load_state_dict(opt.state_dict())
        train(second, resumed_opt, grads[3:])
        return ([p.numpy() for p in straight], [p.numpy() for p in second],
                resumed_opt.param_groups[0]["lr"], resumed_opt.state[second[0]]["step"])

    straight, second, lr, step = run(resumed)
    assert lr == 0.1, f"load_state_dict restores the groups' lr (0.1), got {lr}"
    assert step == 6, f"the loaded step count continues: 6 after 3 + 3 steps, got {step}"
    for unbroken, resumed_param in zip(straight, second, strict=True):
        assert_array(resumed_param, unbroken, dtype="float32", rtol=0, atol=0,
                     what="a parameter after save at step 3, load, and 3 more steps "
                          "(identical to an unbroken run)")


run_tests(test_state_dict_layout_and_copies, test_load_state_dict_resumes_adam_exactly)
### BEGIN HIDDEN TESTS
def test_state_dict_indices_span_groups_and_loads_copy(run):
    def spanning():
        a, b, c = (Tensor([float(i)], requires_grad=True) for i in range(3))
        c.grad = Tensor([1.0])
        opt = SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.5)
        opt.step()
        saved = opt.state_dict()
        other = SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1, momentum=0.5)
        other.load_state_dict(saved)
        saved["state"][2]["momentum_buffer"][0] = 100.0
        return ([g["params"] for g in saved["param_groups"]], sorted(saved["state"]),
                other.param_groups[1]["lr"], other.state[c]["momentum_buffer"])

    indices, state_keys, lr, buffer = run(spanning)
    assert indices == [[0, 1], [2]], f"indices run across the groups: [[0, 1], [2]], got {indices}"
    assert state_keys == [2], f"only parameters with state appear in 'state', got {state_keys}"
    assert lr == 0.5, "the second group's lr is restored"
    assert_array(buffer, [1.0], dtype="float32",
                 what="the loaded buffer (a copy: changing the saved dict must not change it)")


def test_load_state_dict_refuses_other_layouts(run):
    def fewer_groups():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        saved = SGD([{"params": [a]}, {"params": [b]}], lr=0.1).state_dict()
        SGD([a, b], lr=0.1).load_state_dict(saved)

    def bigger_group():
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        saved = SGD([a], lr=0.1).state_dict()
        SGD([a, b], lr=0.1).load_state_dict(saved)

    with pytest.raises(ValueError, match="number of parameter groups"):
        run(fewer_groups)
    with pytest.raises(ValueError, match="size"):
        run(bigger_group)


run_tests(test_state_dict_indices_span_groups_and_loads_copy,
          test_load_state_dict_refuses_other_layouts)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: three optimizers on one problem
#
# ### 4.1 A badly shaped valley
#
# The loss $L(x, y) = \tfrac12 (x^2 + 25 y^2)$ is 25 times steeper along $y$ than along $x$,
# the shape that makes gradient descent zig-zag. Its gradient is $(x, 25y)$; we set it by
# hand (no autograd needed) and let each of your optimizers take 60 steps from $(-4, 1)$.
# With $\eta = 0.05$ a plain SGD step multiplies $y$ by $1 - 25\eta = -0.25$ (it overshoots
# the valley floor and flips sign) but $x$ only by $1 - \eta = 0.95$: a crawl.

# %%
import matplotlib.pyplot as plt


def valley_path(make_optimizer, steps=60):
    """The (x, y) points an optimizer visits on L = (x² + 25 y²) / 2 from (-4, 1)."""
    point = Tensor([-4.0, 1.0], requires_grad=True)
    opt = make_optimizer([point])
    path = [point.numpy().copy()]
    for _ in range(steps):
        x, y = point.numpy()
        point.grad = Tensor([x, 25.0 * y])
        opt.step()
        path.append(point.numpy().copy())
    return np.array(path)


optimizers = {
    "SGD lr=0.05": lambda p: SGD(p, lr=0.05),
    "SGD momentum=0.7": lambda p: SGD(p, lr=0.05, momentum=0.7),
    "SGD Nesterov": lambda p: SGD(p, lr=0.05, momentum=0.7, nesterov=True),
    "Adam lr=0.3": lambda p: Adam(p, lr=0.3),
}
paths = {name: valley_path(make) for name, make in optimizers.items()}
for name, path in paths.items():
    losses = 0.5 * (path[:, 0] ** 2 + 25 * path[:, 1] ** 2)
    print(f"{name:>17}: loss after 10 steps {losses[10]:8.4f}, after 60 {losses[-1]:.2e}")

grid_x, grid_y = np.meshgrid(np.linspace(-4.5, 1, 100), np.linspace(-1.2, 1.2, 100))
fig, ax = plt.subplots(figsize=(7, 3))
ax.contour(grid_x, grid_y, 0.5 * (grid_x**2 + 25 * grid_y**2), levels=15, colors="0.8")
for name, path in paths.items():
    ax.plot(path[:25, 0], path[:25, 1], ".-", label=name, markersize=3)
ax.set(xlabel="x", ylabel="y", title="first 25 steps")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# Plain SGD crawls along the flat $x$ direction while bouncing across $y$. Momentum
# cancels the bounce and accumulates speed along $x$. Adam divides each coordinate's step
# by its own gradient size, so both directions move at a similar pace from the first step.
#
# ### 4.2 With autograd: linear regression on real data
#
# Now the gradients come from module 06. The scikit-learn diabetes data set holds 10
# standardized measurements of 442 patients and a disease progression score; a linear model
# predicts the score. Each optimizer trains the same model from the same start for 100
# full-batch steps on the mean squared error.

# %%
from sklearn.datasets import load_diabetes

from tinytorch.core.autograd import no_grad

features, target = load_diabetes(return_X_y=True)
X = Tensor(features / features.std(axis=0), dtype=np.float32)
y = Tensor((target - target.mean()) / target.std(), dtype=np.float32).reshape(-1, 1)


def fit_linear(make_optimizer, steps=100):
    """Train a 10 -> 1 linear model on the diabetes data; return the loss per step."""
    rng = np.random.default_rng(0)
    weight = Tensor(rng.normal(0, 0.1, (10, 1)), dtype=np.float32, requires_grad=True)
    bias = Tensor(np.zeros(1), dtype=np.float32, requires_grad=True)
    opt = make_optimizer([weight, bias])
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((X @ weight + bias - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with no_grad():
        final = ((X @ weight + bias - y) ** 2).mean().item()
    return [*losses, final]


curves = {
    "SGD lr=0.01": fit_linear(lambda p: SGD(p, lr=0.01)),
    "SGD momentum=0.9": fit_linear(lambda p: SGD(p, lr=0.01, momentum=0.9)),
    "Adam lr=0.05": fit_linear(lambda p: Adam(p, lr=0.05)),
    "AdamW lr=0.05": fit_linear(lambda p: AdamW(p, lr=0.05, weight_decay=0.1)),
}
fig, ax = plt.subplots(figsize=(6, 3))
for name, losses in curves.items():
    ax.plot(losses, label=name)
    print(f"{name:>17}: MSE {losses[0]:.3f}, after 10 steps {losses[10]:.3f}, after 20 "
          f"{losses[20]:.3f}, after 100 {losses[-1]:.3f}")
ax.set(xlabel="step", ylabel="MSE (standardized)", yscale="log")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The data set is noisy: a linear model explains about half of the variance, so every MSE
# flattens near 0.48. At the same learning rate momentum gets there in fewer steps than
# plain SGD (compare the MSE after 20 steps), and Adam, whose steps have a size set by `lr`
# rather than by the gradient, is fastest at the start. AdamW's decay holds the weights
# slightly smaller, which costs a little training loss here and buys robustness on bigger
# models. Module 08 wraps this loop in a `Trainer`.

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 The memory of the optimizer's state
#
# Build the parameters of a 784-256-128-10 MLP (the model of the MNIST milestone), give
# them gradients, take one step with each optimizer and add up the bytes of the state it
# keeps, with `nbytes`.

# %%
import time

SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]


def mlp_params(seed=0):
    """Parameters shaped like a 784-256-128-10 MLP, each with a random gradient."""
    rng = np.random.default_rng(seed)
    params = []
    for shape in SHAPES:
        p = Tensor(rng.standard_normal(shape), dtype=np.float32, requires_grad=True)
        p.grad = Tensor(rng.standard_normal(shape), dtype=np.float32)
        params.append(p)
    return params


def state_bytes(opt):
    """Bytes of NumPy arrays in an optimizer's state."""
    return sum(v.nbytes for s in opt.state.values() for v in s.values()
               if isinstance(v, np.ndarray))


param_bytes = sum(p.data.nbytes for p in mlp_params())
n_params = sum(p.numel() for p in mlp_params())
print(f"MLP: {n_params:,} parameters, {param_bytes / 1e6:.2f} MB\n")
memory = {}
for name, make in {"SGD": lambda p: SGD(p, lr=0.1),
                   "SGD momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
                   "Adam": lambda p: Adam(p), "AdamW": lambda p: AdamW(p)}.items():
    opt = make(mlp_params())
    opt.step()
    memory[name] = state_bytes(opt)
    print(f"{name:>13}: state {memory[name] / 1e6:5.2f} MB = "
          f"{memory[name] / param_bytes:.1f} x the parameters")
per_param = memory["Adam"] / n_params
print(f"\nAdam at 7B parameters: {7e9 * per_param / 1e9:.0f} GB of state, "
      f"plus {7e9 * 4 / 1e9:.0f} GB of weights and {7e9 * 4 / 1e9:.0f} GB of gradients")

# %% [markdown]
# ### 5.2 Step time against the number of parameters
#
# One parameter tensor of n elements, one step, best of several runs. The update reads and
# writes each element a fixed number of times, so the time should grow linearly with n.

# %%
from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


def step_time(make, sizes):
    """Seconds per step for one parameter tensor of each size in `sizes`."""
    rng = np.random.default_rng(0)
    out = []
    for n in sizes:
        p = Tensor(rng.standard_normal(n), dtype=np.float32, requires_grad=True)
        p.grad = Tensor(rng.standard_normal(n), dtype=np.float32)
        opt = make([p])
        opt.step()  # make the state first: time steady-state steps
        out.append(time_call(opt.step, repeat=7))
    return out


sizes = [10_000, 100_000, 1_000_000]
timings = {name: step_time(make, sizes) for name, make in {
    "SGD": lambda p: SGD(p, lr=0.01),
    "SGD momentum": lambda p: SGD(p, lr=0.01, momentum=0.9),
    "Adam": lambda p: Adam(p)}.items()}
print(f"{'n':>10}" + "".join(f"{name:>16}" for name in timings))
for i, n in enumerate(sizes):
    print(f"{n:>10,}" + "".join(f"{t[i] * 1e3:13.3f} ms" for t in timings.values()))
print("\nnanoseconds per parameter at n = 1M:",
      ", ".join(f"{name} {t[-1] / sizes[-1] * 1e9:.1f}" for name, t in timings.items()))

# %% [markdown]
# ### 5.3 Many small tensors: the cost of the Python loop
#
# A real model is dozens to hundreds of tensors, not one. Keep the total at one million
# parameters, but split it into more and more tensors: the arithmetic stays the same, only
# the number of trips around your `for param in group["params"]` loop changes.

# %%
rng = np.random.default_rng(0)
print(f"{'tensors':>8} {'elements each':>14} {'SGD step':>11} {'Adam step':>11}")
split_times = {}
for count in (1, 10, 100, 1000, 10_000):
    params = []
    for _ in range(count):
        p = Tensor(rng.standard_normal(1_000_000 // count), dtype=np.float32,
                   requires_grad=True)
        p.grad = Tensor(rng.standard_normal(1_000_000 // count), dtype=np.float32)
        params.append(p)
    sgd, adam = SGD(params, lr=0.01), Adam(params)
    adam.step()
    split_times[count] = (time_call(sgd.step, repeat=3), time_call(adam.step, repeat=3))
    print(f"{count:>8,} {1_000_000 // count:>14,} {split_times[count][0] * 1e3:8.2f} ms"
          f" {split_times[count][1] * 1e3:8.2f} ms")
overhead = (split_times[10_000][1] - split_times[1][1]) / 10_000
print(f"\nAdam's overhead per tensor: about {overhead * 1e6:.1f} µs")

# %% [markdown]
# **The bottleneck.** For a few large tensors the step is **memory-bound**: each element is
# read and written a few times with one or two arithmetic operations in between, so the
# time is set by bytes moved. SGD reads the parameter and the gradient and writes the
# parameter; Adam also reads and writes both moments and makes temporary arrays for
# `(1 - beta1) * grad`, `grad * grad`, `sqrt(v)` and the update, so it takes several times
# longer per parameter (section 5.2). For many small tensors the Python loop dominates:
# every tensor costs a fixed number of microseconds of interpreter and NumPy call overhead
# (section 5.3), whatever its size.
#
# PyTorch attacks both. Its `foreach` implementation (the default on GPUs) applies each
# line of the update to the whole list of tensors in one call, and `fused=True` runs the
# entire Adam update for all tensors in a single kernel that reads each element once, with
# no temporaries. At **1000× scale** (a 1B-parameter model) the state is the problem first:
# Adam's two moments are 8 GB in float32, on top of 4 GB of weights and 4 GB of gradients;
# that is why large runs shard optimizer state across GPUs (ZeRO, FSDP), keep it in 8 bits
# (8-bit Adam), or use optimizers with less state (Adafactor keeps row and column
# averages instead of a full $v$).

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook. Each is worth 10 points; the graders look for understanding, references to
# your own code and measurements, the systems implications (memory, performance, scaling),
# and a comparison with production frameworks.

# %% [markdown] locked="q-state-memory"
# **Question 1: what training costs beyond the weights.** Use section 5.1.
#
# 1. What did you measure for the state of SGD, SGD with momentum and Adam, as a multiple of
#    the parameters' bytes? Point to the lines of your code that allocate it.
# 2. For a 7-billion-parameter model in float32, add up weights, gradients and Adam's
#    state. Which parts exist only during training, not at inference?
# 3. Name two techniques production systems use to shrink or spread this memory, and the
#    price of each.

# %% [markdown] manual="systems-state-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their measurements:** SGD 0.0×, momentum 1.0×, Adam/AdamW 2.0× (about 0.94 MB and
#   1.88 MB for the 235k-parameter MLP). Points to `grad.copy()` in `_momentum` (the buffer,
#   made on the first step) and the two `np.zeros_like(param.data)` in `Adam.step`; notes
#   the step count is a few bytes per tensor, not per element.
# - **7B in float32:** weights 28 GB + gradients 28 GB + Adam's m and v 56 GB = 112 GB
#   before activations (which grow with batch size and sequence length); only the 28 GB of
#   weights are needed for inference (less if quantized). It does not fit on one 80 GB GPU.
# - **Techniques with their price:** sharding optimizer state, gradients and weights across
#   GPUs (ZeRO stages 1–3, PyTorch FSDP; costs communication every step); mixed precision
#   (bf16 weights and activations with fp32 master weights; the optimizer state stays fp32,
#   so saves activation memory more than state); 8-bit optimizer states (bitsandbytes;
#   quantization error, needs block-wise scaling); optimizers with less state (SGD with
#   momentum at 1×, Adafactor's factored second moment; may converge worse or need tuning);
#   offloading state to CPU memory (ZeRO-Offload; PCIe bandwidth); activation checkpointing
#   for the activations (recompute, about a third more compute).
#
# 7–8: correct multiples and 7B arithmetic, one technique or no price. 5–6: "Adam uses more
# memory" without their numbers or the 7B sum. 3–4: forgets gradients or counts state
# per tensor. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-step-time"
# **Question 2: where a step's time goes.** Use sections 5.2 and 5.3.
#
# 1. How did your step times grow with n, and how many nanoseconds per parameter did SGD
#    and Adam take at n = 1M? Explain the ratio between them by counting the arrays each
#    update reads and writes in your code (temporaries included).
# 2. In section 5.3 the same million parameters took longer as more tensors. What is the
#    per-tensor overhead you measured, and where in your code does it come from? For a
#    model of 200 tensors, is it significant?
# 3. How do PyTorch's `foreach` and `fused` optimizers address each of the two costs?

# %% [markdown] manual="systems-step-time" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Linear growth** (10× n → about 10× time once n is large; small n shows fixed
#   overhead). Quotes their ns/parameter (SGD typically ~1–3 ns, Adam ~5–15 ns). Counts
#   traffic from their code: SGD reads p and g, makes `lr * g` (a temporary), writes p;
#   Adam reads and writes m, v and p, reads g, and allocates temporaries for
#   `(1 - beta1) * grad`, `grad * grad` and its scaling, `sqrt(v)`, the division, `+ eps`,
#   `step_size * m`, `/ denom`: roughly 5–10× the bytes of SGD, matching the measured ratio.
#   Memory-bound: arithmetic is cheap, bytes are not.
# - **Per-tensor overhead:** a few µs per tensor per step (quotes theirs), from the Python
#   loop body: dict lookups of group and state, `_grad_array`, `_decay`, and each NumPy call
#   having fixed dispatch and allocation cost. With 200 tensors that is about 1 ms per step:
#   negligible beside a forward/backward pass on large layers, significant for small models
#   or many tiny tensors (biases, norms).
# - **PyTorch:** `foreach` (`torch._foreach_add_` etc.) does each line of the update for all
#   tensors in one call, removing the per-tensor Python and launch overhead (multi-tensor
#   apply on GPU); `fused=True` runs the whole Adam update in one kernel per group of
#   tensors, reading each element once with no temporaries, removing the extra memory
#   traffic. Both update in place under `no_grad`, as ours does.
#
# 7–8: correct trends and one of the two explanations grounded in numbers. 5–6: "Adam does
# more math" without the memory-traffic argument or measurements. 3–4: claims time grows
# with the number of tensors because of more arithmetic. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-decay"
# **Question 3: small details that change training.**
#
# 1. Your `Adam._decay` adds `weight_decay * p` to the gradient; your `AdamW._decay`
#    shrinks `p` directly. Using the test in piece 6 (1.9 vs 1.88 after one step), explain
#    why L2 decay inside Adam is weaker for parameters with large gradients, and why AdamW's
#    decay does not depend on them.
# 2. Why does Adam need bias correction, and what would its first step be without it for
#    the default betas? What could that do at the start of training a large model?
# 3. Two checkpoints of the same run differ only in whether the optimizer state was saved.
#    After resuming each, how would the next steps differ for SGD with momentum and for
#    Adam? Refer to your `state_dict` test.

# %% [markdown] manual="systems-decay" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **L2 vs decoupled:** with L2, the decay term enters m and v and is divided by
#   sqrt(v̂); at step 1 the update is lr · sign(g + λp), so the decay vanished (1.9: the
#   same step as without decay), and in general parameters with large gradient variance
#   (large v) get their decay divided by a large number, while rarely-updated ones are
#   decayed strongly. AdamW multiplies p by (1 − lr·λ) outside the adaptive update (1.98
#   before the Adam step → 1.88): every weight shrinks at the same relative rate, and the
#   best λ no longer depends on the gradient scale or lr schedule in the same way
#   (Loshchilov & Hutter). AdamW is the default for transformers (BERT, GPT, LLaMA) and
#   PyTorch 2.x implements it as Adam with `decoupled_weight_decay=True`.
# - **Bias correction:** m and v start at 0, so early averages are too small: m₁ = 0.1 g,
#   v₁ = 0.001 g². Uncorrected, the first step is 0.1/sqrt(0.001) ≈ 3.16 × lr × sign(g),
#   then it decays towards lr over ~1/(1−β₂) = 1000 steps as v warms up more slowly than m
#   (the ratio m/sqrt(v) is too large while v is biased low). Too-large early steps can
#   blow up a large model's training; this is also one reason warm-up schedules exist
#   (module 08).
# - **Resuming without state:** SGD with momentum restarts its buffer at the current
#   gradient: the first steps lose accumulated velocity (smaller steps, a visible bump) but
#   it recovers in ~1/(1−μ) steps. Adam restarts with step = 1: bias correction and the
#   fresh v give ≈ lr·sign(g) steps for every parameter, including ones whose v was large,
#   a jolt that can spike the loss; with state saved their test shows bit-identical
#   weights. Production checkpoints (PyTorch `optimizer.state_dict()`) always save it and
#   it is often 2× the model file.
#
# 7–8: correct on two of the three with some reference to their code. 5–6: generic
# definitions. 3–4: confuses L2 and decoupled or the direction of the bias. 0–2: no attempt
# or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.optimizers`:
#
# - `Optimizer` (`torch.optim.Optimizer`): `param_groups` with per-group hyperparameters,
#   `add_param_group`, per-parameter `state`, `zero_grad(set_to_none=True)`, and
#   `state_dict()` / `load_state_dict()` in PyTorch's layout.
# - `SGD` (`torch.optim.SGD`): the loop over parameters, weight decay, momentum with
#   dampening and Nesterov, the buffer starting at the first gradient.
# - `Adam` (`torch.optim.Adam`) with bias correction and L2 weight decay, and `AdamW`
#   (`torch.optim.AdamW`) with decoupled weight decay.
# - You measured the state each one keeps (0×, 1×, 2× the parameters), the time per
#   parameter of a step, and the per-tensor overhead of a Python loop.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code into your package: `tito module export optimizers`.
#
# **Next: module 08, training.** A `Trainer` runs your optimizer over a `DataLoader` for
# many epochs, with learning-rate schedules that write `group["lr"]`, gradient clipping,
# and checkpoints that save your `state_dict()` so a run resumes exactly.
