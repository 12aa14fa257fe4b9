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
# # Module 04 · Losses
#
# By the end of this module you will have built the functions that turn a model's output into
# one number saying how wrong it is: mean squared error for regression, cross-entropy for
# classification (with a log-softmax that never overflows, even for logits of 10,000), and
# binary cross-entropy on probabilities and on raw logits. They are `torch.nn.MSELoss`,
# `CrossEntropyLoss`, `BCELoss` and `BCEWithLogitsLoss` in miniature, with the functional
# forms of `torch.nn.functional` and the same `reduction` argument.
#
# | | |
# |---|---|
# | **Prerequisites** | module 01 `tensor` (ops, reductions, indexing); 02–03 for context |
# | **Time** | about 2 to 3 hours |
# | **Your code lands in** | `tinytorch.core.losses`: `from tinytorch.core.losses import mse_loss` |
# | **Next** | module 06 `autograd` differentiates these losses; module 08 trains with them |
#
# Everything here is built from the `Tensor` ops of module 01, plus three new recorded ops
# (`log_softmax`, `binary_cross_entropy`, `binary_cross_entropy_with_logits`) whose backward
# rules you write in module 06.
#
# **Contents.** 1 Why losses exist · 2 Concepts: MSE, cross-entropy, log-sum-exp, BCE,
# reductions · 3 Build the losses, piece by piece · 4 Use it: a classifier's loss on real digits
# · 5 Systems analysis · 6 ML systems thinking · 7 Summary and checklist

# %% locked="losses-imports"
import numpy as np
import pytest
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why losses exist
#
# Training is a search: change the weights so that the model gets *less wrong*. That needs
# "wrong" as a single number, computed from the model's output and the right answer, that
# (a) is smallest when the prediction is right, (b) changes smoothly as the weights change,
# so that its gradient says which way to move them, and (c) can be computed for a whole
# batch at once. That number is the **loss**.
#
# Which loss you pick is part of the model's design. A network that predicts a house price
# is trained on the squared error. A network that picks one of 10 digits outputs 10 scores
# (**logits**) and is trained with cross-entropy, the negative log of the probability it gave
# the right digit. A language model is the same classifier with 50,000 classes, one per
# token of its vocabulary, applied at every position of every sequence: its loss computes a
# log-softmax over 50,000 numbers, thousands of times per batch. Section 5 measures what
# that costs.
#
# In PyTorch you meet these as `nn.MSELoss()` / `F.mse_loss`, `nn.CrossEntropyLoss()` /
# `F.cross_entropy`, `nn.BCELoss()` and `nn.BCEWithLogitsLoss()`. A training step reads:
#
# ```python
# logits = model(x)                 # (N, C) scores
# loss = F.cross_entropy(logits, y) # y: (N,) integer class labels
# loss.backward()                   # module 06
# ```

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Mean squared error
#
# For predictions $\hat y$ and targets $y$ of the same shape,
#
# $$\text{MSE} = \frac{1}{n}\sum_i (\hat y_i - y_i)^2 .$$
#
# Squaring makes every error positive and punishes big errors more than small ones: an error
# of 3 costs 9, an error of 1 costs 1. Worked example: predictions `[2.5, 0.0, 2.0]`, targets
# `[3.0, -0.5, 2.0]`: errors `[-0.5, 0.5, 0.0]`, squares `[0.25, 0.25, 0.0]`, MSE = 0.5 / 3 ≈
# 0.1667.
#
# ### 2.2 Reductions
#
# A loss is computed per element (or per sample) first. `reduction` says what happens next:
#
# | `reduction` | result | used for |
# |---|---|---|
# | `"mean"` (default) | the average, a 0-d tensor | training: a scale independent of batch size |
# | `"sum"` | the total, a 0-d tensor | when you divide by something else yourself (e.g. tokens) |
# | `"none"` | one loss per element or sample | per-sample weighting, finding the hardest examples |
#
# ### 2.3 From logits to probabilities to cross-entropy
#
# A classifier outputs logits $z_1, \dots, z_C$, any real numbers. Softmax (module 02) turns
# them into probabilities: $p_c = e^{z_c} / \sum_j e^{z_j}$. If the right class is $y$, the
# **cross-entropy** loss is the negative log of the probability the model gave it:
#
# $$\text{CE}(z, y) = -\log p_y = -z_y + \log \sum_j e^{z_j} .$$
#
# It is 0 when the model is certain and right ($p_y = 1$) and grows without bound as $p_y \to
# 0$. It is also the negative log-likelihood of the data: minimizing it is maximum-likelihood
# training. A model that knows nothing gives every class $1/C$, so its loss is $\log C$
# (2.303 for 10 classes): the first number to check when a training run starts.
#
# Worked example, logits `[2.0, 1.0, 0.1]`, right class 0: $e^z$ = `[7.389, 2.718, 1.105]`,
# sum 11.212, $p_0$ = 0.659, loss = $-\log 0.659$ = 0.417.
#
# PyTorch splits this in two, and so do we:
#
# - `log_softmax(z)` $= z - \log\sum_j e^{z_j}$, the log-probabilities of every class;
# - `nll_loss(logp, y)` $= -\text{logp}_y$, picking the right class's entry ("negative
#   log-likelihood");
# - `cross_entropy(z, y) = nll_loss(log_softmax(z), y)`.
#
# ### 2.4 Log-sum-exp: why the obvious formula fails
#
# `np.log(np.exp(z) / np.exp(z).sum())` is correct on paper and broken in float32:
# $e^{89}$ is already more than float32's largest number (3.4e38), so a logit of 100 gives
# `inf / inf = nan`; a logit of −104 gives $e^{-104} = 0$ and `log(0) = -inf`. The fix uses
# an identity: for any constant $m$,
#
# $$\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m} .$$
#
# Choose $m = \max_j z_j$. Then every $z_j - m \le 0$, so no exponential overflows, and the
# largest term is $e^0 = 1$, so the sum is at least 1 and its log is finite. That gives the
# stable form
#
# $$\text{log\_softmax}(z) = (z - m) - \log \sum_j e^{z_j - m} .$$
#
# ### 2.5 Binary cross-entropy
#
# For yes/no questions a model outputs one probability $p$ per example (after a sigmoid),
# and the target $y$ is 0 or 1 (or anything in between):
#
# $$\text{BCE}(p, y) = -\big(y \log p + (1 - y) \log(1 - p)\big) .$$
#
# At $p = 0$ with $y = 1$ that is $-\log 0 = \infty$. PyTorch clamps each log at $-100$, so
# the loss is at most 100 and stays finite; we do the same.
#
# Computing $p = \sigma(x)$ and then BCE loses precision twice: in float32, $\sigma(17)$
# rounds to exactly 1.0, and then $\log(1 - p) = \log 0$. Working from the logit $x$ avoids
# the round trip. With $\log \sigma(x) = -\log(1 + e^{-x})$ and a little algebra,
#
# $$\text{BCE}(\sigma(x), y) = \max(x, 0) - x y + \log(1 + e^{-|x|}),$$
#
# where $e^{-|x|} \le 1$ never overflows, and `np.log1p(u)` computes $\log(1 + u)$
# accurately even when $u$ is tiny. That is `BCEWithLogitsLoss`.

# %%
z = np.array([2.0, 1.0, 0.1])
p = np.exp(z) / np.exp(z).sum()
print("softmax       :", p.round(3), " loss for class 0:", round(float(-np.log(p[0])), 3))
with np.errstate(over="ignore"):
    print("float32 max   :", np.finfo(np.float32).max, " exp(89) in float32:",
          np.exp(np.float32(89.0)))
print("log(10) = loss of a uniform guess over 10 classes:", round(float(np.log(10)), 3))

# %% [markdown]
# ## 3. Build the losses
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 | `_reduce`, `mse_loss` | `F.mse_loss` | 10 |
# | 2 | `log_softmax` | `F.log_softmax` | 10 |
# | 3 | `nll_loss` | `F.nll_loss` | 10 |
# | 4 | `cross_entropy` | `F.cross_entropy` | 15 |
# | 5 | `binary_cross_entropy` | `F.binary_cross_entropy` | 10 |
# | 6 | `binary_cross_entropy_with_logits` | `F.binary_cross_entropy_with_logits` | 10 |
# | 7 | the loss classes' `forward` | `nn.MSELoss`, `nn.CrossEntropyLoss`, ... | 5 |
#
# **What is given.** The checks with their error messages, so each exercise is the math:
#
# - `_check_reduction(reduction, fn)` rejects anything but `"mean"`, `"sum"`, `"none"`.
# - `_as_input(input, fn)` makes the prediction a float Tensor (a Tensor is kept as it is).
# - `_as_target(target, input, fn)` makes the target a Tensor of the input's dtype, so a float32
#   model stays float32 whatever the target came as, and refuses a shape different from the
#   input's.
# - `_class_targets(input, target, fn)` checks integer class labels: dtype, shape, range.
#
# **Losses are plain callables.** `nn.MSELoss` is a `Module` in PyTorch, but a loss has no
# parameters and no train/eval behaviour, so ours are small classes with `__call__` →
# `forward`, built on the functional forms. They import nothing but `Tensor`.
#
# **The gradient record.** MSE, NLL and cross-entropy are compositions of module 01's ops
# (subtract, power, indexing, negate, mean), so module 06 differentiates them with the rules
# of those ops. `log_softmax` and the two binary losses compute their result in NumPy in one
# go, for stability, so they record themselves as ops of their own with `Tensor.from_op`:
# `"log_softmax"` (saving `dim`), `"binary_cross_entropy"` and
# `"binary_cross_entropy_with_logits"` (inputs `(input, target)`).

# %% locked="losses-package-imports"
#| export
import numpy as np
import numpy.typing as npt

from tinytorch.core.tensor import Tensor

# %% locked="losses-checks"
#| export
_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: object, fn: str) -> None:
    """Raise a ValueError unless `reduction` is "mean", "sum" or "none"."""
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"{fn}: reduction={reduction!r} is not valid: use 'mean' (the average, the "
            "default), 'sum' (the total) or 'none' (one loss per element)"
        )


def _as_input(input: "Tensor | npt.ArrayLike", fn: str) -> Tensor:
    """The prediction as a floating point Tensor; a float Tensor is returned as it is.

    Ints and bools are computed in float32, PyTorch's default float (like Tensor.exp).
    """
    tensor = input if isinstance(input, Tensor) else Tensor(input)
    if tensor.dtype.kind != "f":
        tensor = Tensor(tensor.data, dtype=np.float32)
    return tensor


def _as_target(target: "Tensor | npt.ArrayLike", input: Tensor, fn: str) -> Tensor:
    """The target as a Tensor of `input`'s dtype and shape, or a ValueError naming both shapes.

    A Tensor target of the input's dtype is returned as it is; anything else is converted, so
    that a float32 prediction gives a float32 loss whatever the target came as.
    """
    tensor = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if tensor.dtype != input.dtype:
        tensor = Tensor(tensor.data, dtype=input.dtype)
    if tensor.shape != input.shape:
        raise ValueError(
            f"{fn}: target shape {tensor.shape} differs from input shape {input.shape}. The "
            "loss compares them element by element; broadcasting would silently compare every "
            "prediction with every target. Make them match, e.g. target.reshape(input.shape) "
            "or input.reshape(-1) for an (N, 1) output"
        )
    return tensor


def _class_dim(input: Tensor, fn: str) -> int:
    """The dim of `input` that holds the classes: 0 for (C,), 1 for (N, C) and (N, C, d1, ...)."""
    if input.ndim == 0:
        raise ValueError(
            f"{fn}: input is 0-d, but it needs a dim of class scores: shape (C,) for one "
            "sample or (N, C) for a batch of N"
        )
    return 0 if input.ndim == 1 else 1


def _class_targets(input: Tensor, target: "Tensor | npt.ArrayLike", fn: str) -> np.ndarray:
    """Integer class labels checked against `input`: dtype, shape and range [0, C).

    Returns them as a NumPy array (any integer dtype); raises TypeError, ValueError or
    IndexError with a message that says how to fix the call.
    """
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    dim = _class_dim(input, fn)
    classes = input.shape[dim]
    expected = input.shape[:dim] + input.shape[dim + 1:]
    if labels.dtype.kind not in "iu":
        float_hint = (
            f" Class-probability targets (floats) must have the input's shape {input.shape}."
            if labels.dtype.kind == "f" and fn == "cross_entropy" else ""
        )
        raise TypeError(
            f"{fn}: target has dtype {labels.dtype} and shape {labels.shape}, but class-index "
            f"targets must be integers of shape {expected}: convert the labels with "
            f"target.astype(np.int64) or Tensor(labels, dtype=np.int64).{float_hint}"
        )
    if labels.shape != expected:
        one_hot = (
            f"; for one-hot labels pass class indices, target.argmax(axis={dim})"
            + (", or the one-hot rows as floats (class probabilities)"
               if fn == "cross_entropy" else "")
            if labels.shape == input.shape else ""
        )
        raise ValueError(
            f"{fn}: target shape {labels.shape} does not fit input shape {input.shape}: "
            f"expected {expected}, one class index per sample (the input without its class "
            f"dim {dim}){one_hot}"
        )
    outside = (labels < 0) | (labels >= classes)
    if outside.any():
        bad = labels[outside].flat[0]
        raise IndexError(
            f"{fn}: target {bad} is out of range for {classes} classes: class indices must be "
            f"in [0, {classes}). Labels counted from 1 need target - 1; a model with too few "
            "outputs needs out_features equal to the number of classes"
        )
    return labels


def _check_dim(input: Tensor, dim: int, fn: str) -> int:
    """`dim` as a non-negative int within `input`'s dims, or an IndexError naming the range."""
    if input.ndim == 0:
        raise ValueError(f"{fn}: input is 0-d; it needs at least one dim to normalize over")
    if not isinstance(dim, (int, np.integer)) or not -input.ndim <= dim < input.ndim:
        raise IndexError(
            f"{fn}: dim {dim!r} is out of range for a tensor of shape {input.shape}: "
            f"use a dim from {-input.ndim} to {input.ndim - 1}"
        )
    return int(dim) % input.ndim


def _check_probabilities(input: Tensor, fn: str) -> None:
    """Raise a ValueError if some element of `input` is outside [0, 1] (or is nan)."""
    if input.data.size and not ((input.data >= 0) & (input.data <= 1)).all():
        raise ValueError(
            f"{fn}: all elements of input must be probabilities in [0, 1], got values from "
            f"{input.data.min()} to {input.data.max()}. Apply a sigmoid first, or pass the "
            "raw logits to binary_cross_entropy_with_logits (BCEWithLogitsLoss) instead"
        )


# %% [markdown]
# ### 3.1 Reductions and mean squared error
#
# Two functions. `_reduce(loss, reduction)` applies a reduction to a tensor of per-element
# losses with your module 01 reductions: `loss.mean()`, `loss.sum()`, or `loss` itself for
# `"none"`. Every loss in this module ends with it. `mse_loss` is then one line of math
# (section 2.1) and `_reduce`.
#
# Use the Tensor's own operators, not NumPy on `.data`: `(input - target) ** 2` records a
# `sub` and a `pow` that module 06 knows how to differentiate.

# %% solution="losses-mse"
#| export
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """Reduce per-element losses: "mean" and "sum" give a 0-d Tensor, "none" returns `loss`.

    TODO: return the mean, the sum, or `loss` unchanged, as `reduction` says.
    APPROACH: your Tensor's `mean()` and `sum()` with no axis reduce over every element.
    EXAMPLE: _reduce(Tensor([1.0, 3.0]), "sum") -> Tensor(4., dtype=float32)
    HINTS: `reduction` was checked by the caller: it is one of "mean", "sum", "none".
    """
    ### BEGIN SOLUTION
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
    ### END SOLUTION


def mse_loss(input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike", *,
             reduction: str = "mean") -> Tensor:
    """Mean squared error between `input` and `target` (torch.nn.functional.mse_loss).

    Args:
        input: predictions, any shape.
        target: the true values, the same shape (converted to the input's dtype).
        reduction: "mean" (default), "sum" or "none" (one squared error per element).

    Unlike PyTorch, which only warns, a target whose shape differs from the input's is an
    error: broadcasting (N, 1) against (N,) silently gives an (N, N) loss.

    TODO: return the reduced squared differences.

    APPROACH:
    1. The elementwise squared error: `(input - target) ** 2` (both are Tensors here).
    2. `_reduce` it.

    EXAMPLE:
    >>> mse_loss(Tensor([2.5, 0.0, 2.0]), Tensor([3.0, -0.5, 2.0]))
    Tensor(0.16666667, dtype=float32)

    HINTS: with reduction="none" the result has the input's shape.
    """
    _check_reduction(reduction, "mse_loss")
    input = _as_input(input, "mse_loss")
    target = _as_target(target, input, "mse_loss")
    ### BEGIN SOLUTION
    return _reduce((input - target) ** 2, reduction)
    ### END SOLUTION


# %% test="losses-mse-tests" points=10
def test_mse_loss_worked_example(run):
    def worked_example():
        loss = mse_loss(Tensor([2.5, 0.0, 2.0]), Tensor([3.0, -0.5, 2.0]))
        return type(loss).__name__, loss.numpy()

    kind, value = run(worked_example)
    assert kind == "Tensor", f"mse_loss should return a Tensor, got {kind}"
    assert_array(value, np.float32(0.5 / 3), dtype="float32", what="mse_loss (section 2.1)")


def test_mse_loss_reductions(run):
    def reductions():
        pred = Tensor([[1.0, 2.0], [3.0, 4.0]])
        target = Tensor([[1.5, 2.0], [2.0, 6.0]])
        return [mse_loss(pred, target, reduction=r).numpy() for r in ("mean", "sum", "none")]

    mean, total, each = run(reductions)
    assert_array(each, [[0.25, 0.0], [1.0, 4.0]], dtype="float32",
                 what="reduction='none' (one squared error per element, the input's shape)")
    assert_array(total, np.float32(5.25), dtype="float32", what="reduction='sum'")
    assert_array(mean, np.float32(5.25 / 4), dtype="float32", what="reduction='mean'")


def test_mse_loss_rejects_bad_calls(run):
    def valid():
        return mse_loss(Tensor([1.0]), Tensor([0.0])).numpy()

    def bad_reduction():
        return mse_loss(Tensor([1.0]), Tensor([0.0]), reduction="avg").numpy()

    def bad_shape():
        return mse_loss(Tensor([[1.0], [2.0]]), Tensor([1.0, 2.0])).numpy()

    assert_array(run(valid), np.float32(1.0), dtype="float32", what="mse_loss([1], [0])")
    with pytest.raises(ValueError, match="reduction"):
        run(bad_reduction)
    with pytest.raises(ValueError, match="shape"):
        run(bad_shape)


run_tests(test_mse_loss_worked_example, test_mse_loss_reductions, test_mse_loss_rejects_bad_calls)
### BEGIN HIDDEN TESTS
def test_mse_loss_keeps_the_input_dtype(run):
    def dtypes():
        pred32 = Tensor([1.0, 2.0, 3.0])
        as_list = mse_loss(pred32, [0.0, 2.0, 5.0])  # a list of Python floats
        as_float64 = mse_loss(pred32, np.array([0.0, 2.0, 5.0]))  # a float64 array
        pred64 = Tensor(np.array([1.0, 2.0]))
        in_float64 = mse_loss(pred64, Tensor([1.0, 0.0]))
        return (str(as_list.dtype), str(as_float64.dtype), str(in_float64.dtype),
                as_float64.numpy())

    from_list, from_float64, stays_float64, value = run(dtypes)
    assert from_list == "float32", (
        f"float32 input, list target: the loss should be float32, got {from_list}"
    )
    assert from_float64 == "float32", (
        f"float32 input, float64 target array: the loss should stay float32, got {from_float64}"
    )
    assert stays_float64 == "float64", f"float64 input should give float64, got {stays_float64}"
    assert_array(value, np.float32(5 / 3), dtype="float32", what="mse_loss against an array")


def test_mse_loss_zero_d_and_none_shape(run):
    def shapes():
        scalar = mse_loss(Tensor(3.0), Tensor(1.0), reduction="none")
        cube = mse_loss(Tensor(np.ones((2, 3, 4), dtype=np.float32)),
                        Tensor(np.zeros((2, 3, 4), dtype=np.float32)), reduction="none")
        total = mse_loss(Tensor(np.ones((2, 3, 4), dtype=np.float32)),
                         Tensor(np.zeros((2, 3, 4), dtype=np.float32)), reduction="sum")
        return scalar.numpy(), cube.shape, total.numpy()

    scalar, cube_shape, total = run(shapes)
    assert_array(scalar, np.float32(4.0), dtype="float32", what="mse_loss of 0-d tensors")
    assert cube_shape == (2, 3, 4), f"reduction='none' keeps the shape (2, 3, 4), got {cube_shape}"
    assert_array(total, np.float32(24.0), dtype="float32", what="sum over a (2, 3, 4) loss")


def test_mse_loss_is_recorded_for_autograd(run):
    def graph():
        x = Tensor([1.0, 2.0], requires_grad=True)
        loss = mse_loss(x, Tensor([0.0, 0.0]))
        reaches_x, stack = False, [loss.grad_fn]
        while stack:
            record = stack.pop()
            if record is not None:
                reaches_x = reaches_x or any(t is x for t in record.inputs)
                stack.extend(t.grad_fn for t in record.inputs)
        return loss.requires_grad, reaches_x, loss.numpy()

    requires_grad, reaches_x, value = run(graph)
    assert requires_grad and reaches_x, (
        "mse_loss must be built from Tensor ops ((input - target) ** 2, then mean), not NumPy "
        "on .data: module 06 follows the recorded ops back to the input"
    )
    assert_array(value, np.float32(2.5), dtype="float32", what="mse_loss([1, 2], [0, 0])")


run_tests(
    test_mse_loss_keeps_the_input_dtype,
    test_mse_loss_zero_d_and_none_shape,
    test_mse_loss_is_recorded_for_autograd,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Log-softmax
#
# First the obvious version, built from your module 01 ops: softmax, then log. It is right
# for small logits and wrong for large ones. Run it:

# %%
def log_softmax_naive(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) computed literally: exp, normalize, log. Overflows; not exported."""
    e = x.exp()
    return (e / e.sum(axis=dim, keepdims=True)).log()


with np.errstate(all="ignore"):
    for logits in ([1.0, 2.0, 3.0], [1000.0, 0.0, -5.0], [0.0, -1000.0, 5.0]):
        print(f"naive log_softmax({logits}) = {log_softmax_naive(Tensor(logits)).numpy()}")

# %% [markdown]
# `exp(1000)` is `inf`, so the first entry is `inf / inf = nan`; `exp(-1000)` is 0, so its
# log is `-inf`, although the true answer, −1005, is an ordinary number. A training run that
# meets one such batch gets `nan` weights from then on.
#
# Now write the stable version (section 2.4). It computes on the NumPy array `x` in one go
# and records itself as one op, `"log_softmax"`, so module 06 can give it a simple backward
# rule: the gradient of log-softmax only needs its output.
#
# PyTorch: `torch.nn.functional.log_softmax(input, dim)`.

# %% solution="losses-log-softmax"
#| export
def log_softmax(input: "Tensor | npt.ArrayLike", dim: int = -1) -> Tensor:
    """Log of the softmax along `dim`, computed stably (torch.nn.functional.log_softmax).

    log_softmax(x) = x - max(x) - log(sum(exp(x - max(x)))), along `dim`: finite for any
    finite logits, even ±1e4. The result has the input's shape and dtype; exp() of it along
    `dim` sums to 1. Records the op "log_softmax" (saved: `dim`, non-negative).

    Args:
        input: logits, at least 1 dim.
        dim: the dim to normalize over (default: the last).

    TODO: set `data` to the log-softmax of the NumPy array `x` along `dim`.

    APPROACH:
    1. `shifted = x - x.max(axis=dim, keepdims=True)`: every entry is now <= 0.
    2. Subtract the log of the sum of `np.exp(shifted)` along `dim` (keepdims=True, so it
       broadcasts back).

    EXAMPLE:
    >>> log_softmax(Tensor([1000.0, 0.0])).numpy()
    array([    0., -1000.], dtype=float32)

    HINTS:
    - Never compute `np.exp(x)` of the raw logits: exp(89) already overflows float32.
    - keepdims=True on both reductions; without it a (N, C) input fails to broadcast.
    """
    input = _as_input(input, "log_softmax")
    dim = _check_dim(input, dim, "log_softmax")
    x = input.data
    ### BEGIN SOLUTION
    shifted = x - x.max(axis=dim, keepdims=True)
    data = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    ### END SOLUTION
    return Tensor.from_op(data, "log_softmax", (input,), dim=dim)


# %% test="losses-log-softmax-tests" points=10
def test_log_softmax_small_logits(run):
    def small():
        out = log_softmax(Tensor([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]))
        return type(out).__name__, out.numpy()

    kind, values = run(small)
    assert kind == "Tensor", f"log_softmax should return a Tensor, got {kind}"
    z = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    expected = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert_array(values, expected, dtype="float32", rtol=1e-5, what="log_softmax, rows of logits")


def test_log_softmax_is_stable(run):
    def large():
        return log_softmax(Tensor([1000.0, 0.0, -5.0])).numpy()

    values = run(large)
    assert np.isfinite(values).all(), (
        f"log_softmax([1000, 0, -5]) should be finite, got {values}: subtract the max first"
    )
    assert_array(values, [0.0, -1000.0, -1005.0], dtype="float32", what="log_softmax at 1e3")


def test_log_softmax_along_dim_0(run):
    def columns():
        return log_softmax(Tensor([[1.0, 5.0], [3.0, 5.0]]), dim=0).numpy()

    values = run(columns)
    expected = np.array([[1.0, 5.0], [3.0, 5.0]])
    expected = expected - np.log(np.exp(expected).sum(axis=0, keepdims=True))
    assert_array(values, expected, dtype="float32", rtol=1e-5,
                 what="log_softmax(dim=0) (each column normalized)")


run_tests(test_log_softmax_small_logits, test_log_softmax_is_stable, test_log_softmax_along_dim_0)
### BEGIN HIDDEN TESTS
def test_log_softmax_at_plus_minus_1e4_and_dtypes(run):
    def extremes():
        x = Tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
        out64 = log_softmax(Tensor(np.array([1e4, 0.0])))
        return log_softmax(x).numpy(), str(out64.dtype), out64.numpy()

    values, dtype64, values64 = run(extremes)
    assert_array(values, [[0.0, -2e4, -1e4], [-np.log(3)] * 3], dtype="float32", rtol=1e-6,
                 what="log_softmax at ±1e4 (a row of equal logits is uniform)")
    assert dtype64 == "float64", f"a float64 input must stay float64, got {dtype64}"
    assert_array(values64, [0.0, -1e4], dtype="float64", what="float64 log_softmax")


def test_log_softmax_3d_middle_dim_and_record(run):
    def middle_dim():
        rng = np.random.default_rng(0)
        x = Tensor(rng.standard_normal((2, 3, 4)).astype(np.float32) * 50, requires_grad=True)
        out = log_softmax(x, dim=1)
        record = out.grad_fn
        return (x.numpy(), out.numpy(), record.op, record.saved,
                len(record.inputs), record.inputs[0] is x)

    x, values, op, saved, n_inputs, same = run(middle_dim)
    x = x.astype(np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert_array(values, expected, dtype="float32", rtol=1e-5, atol=1e-4,
                 what="log_softmax(dim=1) of a (2, 3, 4) tensor")
    assert op == "log_softmax" and saved == {"dim": 1}, (
        f"the result should record op 'log_softmax' with saved {{'dim': 1}}, got {op!r} {saved}"
    )
    assert n_inputs == 1 and same, "the record's inputs should be (input,)"


run_tests(test_log_softmax_at_plus_minus_1e4_and_dtypes, test_log_softmax_3d_middle_dim_and_record)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Negative log-likelihood
#
# `nll_loss(logp, target)` takes log-probabilities of shape (N, C) and one class index per
# sample, shape (N,), and returns $-\text{logp}[i, \text{target}_i]$ for each sample $i$,
# reduced. The whole trick is NumPy's **integer array indexing**: indexing with two arrays,
# `logp[rows, cols]`, picks one element per pair:
#
# ```
# logp = [[-0.4, -1.4, -2.3],      rows   = [0, 1]
#         [-1.1, -0.4, -2.3]]      target = [0, 1]    ->  logp[rows, target] = [-0.4, -0.4]
# ```
#
# Your `Tensor.__getitem__` already does this and records a `getitem`, so the gradient flows
# back into exactly the picked entries. PyTorch also accepts one sample, logp of shape (C,)
# with a 0-d target, and extra dims, (N, C, d1, ...) with target (N, d1, ...) (one class per
# pixel or per token); so do we.

# %% solution="losses-nll"
#| export
def nll_loss(input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike", *,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices (torch.nn.functional.nll_loss).

    Args:
        input: log-probabilities, shape (C,), (N, C) or (N, C, d1, ...).
        target: integer class indices in [0, C), shape (), (N,) or (N, d1, ...).
        reduction: "mean" (over samples, the default), "sum" or "none" (target's shape).

    Picks -input[i, target[i]] with integer index arrays (a recorded "getitem"), negates it
    and reduces. PyTorch's `weight` and `ignore_index` are not supported.

    TODO: index the right class of every sample, negate, reduce.

    APPROACH:
    1. Build the index: for 1-D input it is `target` itself; for (N, C) it is
       `(np.arange(N), target)`.
    2. `picked = input[index]` (your Tensor's indexing), then `_reduce(-picked, reduction)`.

    EXAMPLE:
    >>> nll_loss(Tensor([[-0.4, -1.4], [-1.1, -0.4]]), np.array([0, 1]))
    Tensor(0.4, dtype=float32)

    HINTS:
    - For extra dims, (N, C, d1, ...), `grid = np.indices(target.shape, sparse=True)` gives
      one index array per dim of `target`; the index is `(grid[0], target, *grid[1:])`. For
      (N, C) that is `(np.arange(N), target)` again.
    - `target` is a NumPy array of any integer dtype (int32 too) here; it was checked.
    """
    _check_reduction(reduction, "nll_loss")
    input = _as_input(input, "nll_loss")
    target = _class_targets(input, target, "nll_loss")
    ### BEGIN SOLUTION
    if input.ndim == 1:
        index = target
    else:
        grid = np.indices(target.shape, sparse=True)
        index = (grid[0], target, *grid[1:])
    return _reduce(-input[index], reduction)
    ### END SOLUTION


# %% test="losses-nll-tests" points=10
def test_nll_loss_picks_the_target_class(run):
    def batch():
        logp = Tensor([[-0.5, -1.5, -2.0], [-1.0, -0.25, -3.0]])
        target = np.array([2, 1])
        return [nll_loss(logp, target, reduction=r).numpy() for r in ("none", "sum", "mean")]

    each, total, mean = run(batch)
    assert_array(each, [2.0, 0.25], dtype="float32", what="nll_loss(reduction='none')")
    assert_array(total, np.float32(2.25), dtype="float32", what="nll_loss(reduction='sum')")
    assert_array(mean, np.float32(1.125), dtype="float32", what="nll_loss (mean over samples)")


def test_nll_loss_checks_targets(run):
    def valid():
        return nll_loss(Tensor([[-0.5, -1.0]]), [1]).numpy()

    def out_of_range():
        return nll_loss(Tensor([[-0.5, -1.0]]), [2]).numpy()

    def float_labels():
        return nll_loss(Tensor([[-0.5, -1.0]]), np.array([1.0])).numpy()

    assert_array(run(valid), np.float32(1.0), dtype="float32", what="nll_loss with a list target")
    with pytest.raises(IndexError, match="out of range"):
        run(out_of_range)
    with pytest.raises(TypeError, match="integer"):
        run(float_labels)


run_tests(test_nll_loss_picks_the_target_class, test_nll_loss_checks_targets)
### BEGIN HIDDEN TESTS
def test_nll_loss_one_sample_int32_and_extra_dims(run):
    def shapes():
        one = nll_loss(Tensor([-0.1, -2.0, -3.0]), np.array(1), reduction="none")
        int32 = nll_loss(Tensor([[-0.5, -1.5], [-2.0, -0.75]]),
                         np.array([1, 0], dtype=np.int32), reduction="none")
        logp = Tensor(-np.arange(12, dtype=np.float32).reshape(2, 3, 2))
        per_position = nll_loss(logp, np.array([[0, 2], [1, 1]]), reduction="none")
        return one.shape, one.numpy(), int32.numpy(), per_position.numpy()

    one_shape, one, int32, per_position = run(shapes)
    assert one_shape == (), f"(C,) input with a 0-d target gives a 0-d loss, got shape {one_shape}"
    assert_array(one, np.float32(2.0), dtype="float32", what="nll_loss of one sample")
    assert_array(int32, [1.5, 2.0], dtype="float32", what="nll_loss with int32 targets")
    assert_array(per_position, [[0.0, 5.0], [8.0, 9.0]], dtype="float32",
                 what="nll_loss of (N, C, d) with target (N, d)")


def test_nll_loss_records_a_getitem(run):
    def graph():
        logp = Tensor([[-0.5, -1.5], [-2.0, -0.75]], requires_grad=True)
        loss = nll_loss(logp, np.array([1, 0]), reduction="sum")
        ops, stack, seen = [], [loss.grad_fn], set()
        while stack:
            record = stack.pop()
            if record is None or id(record) in seen:
                continue
            seen.add(id(record))
            ops.append(record.op if isinstance(record.op, str) else "Function")
            stack.extend(t.grad_fn for t in record.inputs)
        return sorted(ops), loss.numpy()

    ops, value = run(graph)
    assert "getitem" in ops, f"pick the classes with Tensor indexing (a recorded getitem): {ops}"
    assert_array(value, np.float32(3.5), dtype="float32", what="nll_loss(reduction='sum')")


run_tests(test_nll_loss_one_sample_int32_and_extra_dims, test_nll_loss_records_a_getitem)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Cross-entropy
#
# Cross-entropy is the composition of your last two pieces (section 2.3): `log_softmax` over
# the class dim (dim 1 for a batch, dim 0 for one sample), then `nll_loss`.
#
# PyTorch also accepts **class-probability targets**: a float target of the input's own
# shape, one probability distribution per sample (soft labels, label smoothing,
# distillation in module 16). Then the loss is $-\sum_c \text{target}_c \, \text{logp}_c$ per
# sample: the same formula, with the one-hot vector of a class index replaced by a
# distribution. The given code decides which kind of target you got and checks it.

# %% solution="losses-cross-entropy"
#| export
def cross_entropy(input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike", *,
                  reduction: str = "mean") -> Tensor:
    """Cross-entropy between logits and targets (torch.nn.functional.cross_entropy).

    Args:
        input: logits (unnormalized scores), shape (C,), (N, C) or (N, C, d1, ...).
        target: integer class indices in [0, C) of shape (), (N,) or (N, d1, ...); or class
            probabilities, floats of the input's shape.
        reduction: "mean" (over samples, the default), "sum" or "none" (one per sample).

    Equals nll_loss(log_softmax(input, class_dim), target); stable for logits of any size.
    PyTorch's `weight`, `ignore_index` and `label_smoothing` are not supported.

    TODO: write both kinds of target.

    APPROACH:
    1. Probability targets: `-(target * log_softmax(input, dim)).sum(axis=dim)`, reduced.
    2. Class indices: `nll_loss` of `log_softmax(input, dim)`, passing `reduction` on.

    EXAMPLE:
    >>> cross_entropy(Tensor([[2.0, 1.0, 0.1]]), np.array([0]))
    Tensor(0.41702995, dtype=float32)

    HINTS: `dim` is the class dim, already computed: 1, or 0 for a single (C,) sample.
    """
    _check_reduction(reduction, "cross_entropy")
    input = _as_input(input, "cross_entropy")
    dim = _class_dim(input, "cross_entropy")
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind == "f" and labels.shape == input.shape:
        target = _as_target(target, input, "cross_entropy")
        ### BEGIN SOLUTION
        return _reduce(-(target * log_softmax(input, dim)).sum(axis=dim), reduction)
        ### END SOLUTION
    target = _class_targets(input, target, "cross_entropy")
    ### BEGIN SOLUTION
    return nll_loss(log_softmax(input, dim), target, reduction=reduction)
    ### END SOLUTION


# %% test="losses-cross-entropy-tests" points=15
def test_cross_entropy_worked_example(run):
    def worked_example():
        loss = cross_entropy(Tensor([[2.0, 1.0, 0.1]]), np.array([0]))
        return type(loss).__name__, loss.shape, loss.numpy()

    kind, shape, value = run(worked_example)
    assert kind == "Tensor" and shape == (), f"expected a 0-d Tensor, got {kind} of shape {shape}"
    assert_array(value, np.float32(0.41703), dtype="float32", rtol=1e-4,
                 what="cross_entropy of section 2.3's worked example")


def test_cross_entropy_batch_and_reductions(run):
    logits = [[1.0, 2.0, 3.0], [1.0, -1.0, 0.0], [0.5, 0.5, 0.5], [-2.0, 4.0, 1.0]]
    labels = [2, 0, 1, 1]

    def batch():
        x = Tensor(logits)
        return [cross_entropy(x, np.array(labels), reduction=r).numpy()
                for r in ("none", "sum", "mean")]

    each, total, mean = run(batch)
    z = np.array(logits)
    expected = -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(4), labels]
    assert_array(each, expected, dtype="float32", rtol=1e-5, what="cross_entropy, 'none'")
    assert_array(total, np.float32(expected.sum()), dtype="float32", rtol=1e-5, what="'sum'")
    assert_array(mean, np.float32(expected.mean()), dtype="float32", rtol=1e-5, what="'mean'")


def test_cross_entropy_uniform_guess_costs_log_c(run):
    def uniform():
        return cross_entropy(Tensor(np.zeros((5, 10), dtype=np.float32)), np.arange(5)).numpy()

    assert_array(run(uniform), np.float32(np.log(10)), dtype="float32", rtol=1e-6,
                 what="cross_entropy of equal logits over 10 classes (log 10)")


def test_cross_entropy_explains_bad_targets(run):
    def valid():
        return cross_entropy(Tensor([[0.0, 0.0, 0.0]]), [1]).numpy()

    def float_labels():
        return cross_entropy(Tensor(np.zeros((4, 3), dtype=np.float32)),
                             np.array([0.0, 1.0, 2.0, 1.0])).numpy()

    def out_of_range():
        return cross_entropy(Tensor(np.zeros((2, 3), dtype=np.float32)), [0, 3]).numpy()

    def wrong_shape():
        return cross_entropy(Tensor(np.zeros((2, 3), dtype=np.float32)), [0, 1, 2]).numpy()

    assert_array(run(valid), np.float32(np.log(3)), dtype="float32", rtol=1e-6,
                 what="cross_entropy with a list target")
    with pytest.raises(TypeError, match="astype"):
        run(float_labels)
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        run(out_of_range)
    with pytest.raises(ValueError, match="shape"):
        run(wrong_shape)


run_tests(
    test_cross_entropy_worked_example,
    test_cross_entropy_batch_and_reductions,
    test_cross_entropy_uniform_guess_costs_log_c,
    test_cross_entropy_explains_bad_targets,
)
### BEGIN HIDDEN TESTS
def test_cross_entropy_large_logits(run):
    def large():
        x = Tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
        return (cross_entropy(x, np.array([0, 0]), reduction="none").numpy(),
                cross_entropy(x, np.array([0, 1])).numpy())

    wrong, right = run(large)
    assert np.isfinite(wrong).all(), f"cross_entropy at ±1e4 must be finite, got {wrong}"
    assert_array(wrong, [0.0, 2e4], dtype="float32", what="cross_entropy at ±1e4")
    assert_array(right, np.float32(0.0), dtype="float32", what="confident and right at 1e4")


def test_cross_entropy_one_sample_and_int32(run):
    def shapes():
        one = cross_entropy(Tensor([2.0, 1.0, 0.1]), np.array(0))
        int32 = cross_entropy(Tensor([[2.0, 1.0, 0.1]]), np.array([0], dtype=np.int32))
        tensor_target = cross_entropy(Tensor([[2.0, 1.0, 0.1]]), Tensor([0]), reduction="none")
        return one.shape, one.numpy(), int32.numpy(), tensor_target.shape

    one_shape, one, int32, none_shape = run(shapes)
    assert one_shape == (), f"(C,) logits with a 0-d target give a 0-d loss, got {one_shape}"
    assert_array(one, np.float32(0.41703), dtype="float32", rtol=1e-4, what="one (C,) sample")
    assert_array(int32, np.float32(0.41703), dtype="float32", rtol=1e-4, what="int32 targets")
    assert none_shape == (1,), f"reduction='none' gives one loss per sample, got {none_shape}"


def test_cross_entropy_probability_targets(run):
    logits = [[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]
    probs = [[0.1, 0.2, 0.7], [0.0, 1.0, 0.0]]

    def soft():
        x = Tensor(logits)
        return (cross_entropy(x, Tensor(probs), reduction="none").numpy(),
                cross_entropy(x, np.array(probs)).numpy(),
                cross_entropy(Tensor(logits[1]), np.array(probs[1])).numpy())

    each, mean, single = run(soft)
    z = np.array(logits)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -(np.array(probs) * logp).sum(axis=1)
    assert_array(each, expected, dtype="float32", rtol=1e-5, what="probability targets, 'none'")
    assert_array(mean, np.float32(expected.mean()), dtype="float32", rtol=1e-5,
                 what="probability targets, 'mean' (a float64 target keeps the loss float32)")
    assert_array(single, np.float32(expected[1]), dtype="float32", rtol=1e-5,
                 what="probability target of one (C,) sample")


def test_cross_entropy_is_log_softmax_then_nll(run):
    def graph():
        x = Tensor([[2.0, 1.0, 0.1], [0.0, 3.0, 1.0]], requires_grad=True)
        ops = []
        for target in (np.array([0, 1]), np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])):
            stack, seen, reaches_x = [cross_entropy(x, target).grad_fn], [], False
            while stack:
                record = stack.pop()
                if record is not None:
                    seen.append(record.op if isinstance(record.op, str) else "Function")
                    reaches_x = reaches_x or any(t is x for t in record.inputs)
                    stack.extend(t.grad_fn for t in record.inputs)
            ops.append((sorted(seen), reaches_x))
        return ops

    (index_ops, index_reaches), (soft_ops, soft_reaches) = run(graph)
    for ops, reaches in ((index_ops, index_reaches), (soft_ops, soft_reaches)):
        assert "log_softmax" in ops and reaches, (
            f"cross_entropy should call log_softmax on the input (recorded ops: {ops}), so "
            "module 06 can differentiate it"
        )


run_tests(
    test_cross_entropy_large_logits,
    test_cross_entropy_one_sample_and_int32,
    test_cross_entropy_probability_targets,
    test_cross_entropy_is_log_softmax_then_nll,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Binary cross-entropy on probabilities
#
# Section 2.5's formula, with PyTorch's clamp: each log is at least −100, so a prediction of
# exactly 0 or 1 gives a loss of at most 100 instead of `inf`, and a right prediction of
# exactly 0 or 1 gives 0 instead of `0 · (−inf) = nan`. Like log-softmax, it is computed in
# NumPy and recorded as one op, `"binary_cross_entropy"`, with inputs `(input, target)`.
#
# PyTorch: `torch.nn.functional.binary_cross_entropy(input, target)`.

# %% solution="losses-bce"
#| export
def binary_cross_entropy(input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike", *,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities (torch.nn.functional.binary_cross_entropy).

    loss = -(target * log(input) + (1 - target) * log(1 - input)) elementwise, each log
    clamped at -100 as in PyTorch, so inputs of exactly 0 or 1 give finite losses.

    Args:
        input: probabilities in [0, 1], any shape.
        target: the same shape, values in [0, 1] (converted to the input's dtype).
        reduction: "mean" (default), "sum" or "none".

    Records the op "binary_cross_entropy" with inputs (input, target). PyTorch's `weight`
    is not supported.

    TODO: set `data` to the elementwise loss of the arrays `p` and `y`.

    APPROACH:
    1. `log_p = np.maximum(np.log(p), -100)`, and the same for `np.log(1 - p)`.
    2. `data = -(y * log_p + (1 - y) * log_1mp)`.

    EXAMPLE:
    >>> binary_cross_entropy(Tensor([0.8, 0.0]), Tensor([1.0, 1.0]), reduction="none")
    Tensor([  0.22314353, 100.        ], dtype=float32)

    HINTS: np.log(0) warns "divide by zero"; wrap the logs in `with np.errstate(divide="ignore"):`.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    input = _as_input(input, "binary_cross_entropy")
    target = _as_target(target, input, "binary_cross_entropy")
    _check_probabilities(input, "binary_cross_entropy")
    p, y = input.data, target.data
    ### BEGIN SOLUTION
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_1mp = np.maximum(np.log(1 - p), -100)
    data = -(y * log_p + (1 - y) * log_1mp)
    ### END SOLUTION
    loss = Tensor.from_op(data, "binary_cross_entropy", (input, target))
    return _reduce(loss, reduction)


# %% test="losses-bce-tests" points=10
def test_bce_values(run):
    def values():
        p = Tensor([0.9, 0.2, 0.5, 0.7])
        y = Tensor([1.0, 0.0, 1.0, 0.0])
        return [binary_cross_entropy(p, y, reduction=r).numpy() for r in ("none", "mean", "sum")]

    each, mean, total = run(values)
    p, y = np.array([0.9, 0.2, 0.5, 0.7]), np.array([1.0, 0.0, 1.0, 0.0])
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert_array(each, expected, dtype="float32", rtol=1e-5, what="BCE, reduction='none'")
    assert_array(mean, np.float32(expected.mean()), dtype="float32", rtol=1e-5, what="BCE mean")
    assert_array(total, np.float32(expected.sum()), dtype="float32", rtol=1e-5, what="BCE sum")


def test_bce_rejects_non_probabilities(run):
    def valid():
        return binary_cross_entropy(Tensor([0.5]), Tensor([1.0])).numpy()

    def logits():
        return binary_cross_entropy(Tensor([2.0, -1.0]), Tensor([1.0, 0.0])).numpy()

    assert_array(run(valid), np.float32(np.log(2)), dtype="float32", rtol=1e-6, what="BCE(0.5, 1)")
    with pytest.raises(ValueError, match="with_logits"):
        run(logits)


run_tests(test_bce_values, test_bce_rejects_non_probabilities)
### BEGIN HIDDEN TESTS
def test_bce_at_exactly_zero_and_one(run):
    def edges():
        p = Tensor([0.0, 1.0, 0.0, 1.0])
        y = Tensor([1.0, 0.0, 0.0, 1.0])
        return binary_cross_entropy(p, y, reduction="none").numpy()

    values = run(edges)
    assert np.isfinite(values).all(), (
        f"BCE at p = 0 or 1 must be finite (clamp each log at -100), got {values}"
    )
    assert_array(values, [100.0, 100.0, 0.0, 0.0], dtype="float32",
                 what="BCE at p = 0 and 1 (wrong: 100, right: 0)")


def test_bce_record_shape_and_dtype(run):
    def record():
        p = Tensor(np.full((2, 3), 0.25, dtype=np.float32), requires_grad=True)
        loss = binary_cross_entropy(p, np.ones((2, 3)), reduction="none")
        fn = loss.grad_fn
        return (loss.shape, str(loss.dtype), fn.op, len(fn.inputs), fn.inputs[0] is p,
                fn.inputs[1].numpy())

    shape, dtype, op, n_inputs, first, target = run(record)
    assert shape == (2, 3), f"reduction='none' keeps the input's shape, got {shape}"
    assert dtype == "float32", f"float32 input, float64 target: the loss stays float32, got {dtype}"
    assert op == "binary_cross_entropy" and n_inputs == 2 and first, (
        f"record op 'binary_cross_entropy' with inputs (input, target), got {op!r}"
    )
    assert_array(target, np.ones((2, 3)), dtype="float32", what="the recorded target")


run_tests(test_bce_at_exactly_zero_and_one, test_bce_record_shape_and_dtype)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Binary cross-entropy on logits
#
# The stable formula of section 2.5: $\max(x, 0) - x y + \log(1 + e^{-|x|})$, with
# `np.log1p`. It equals `binary_cross_entropy(sigmoid(x), y)` wherever that is accurate, and
# stays exact where the sigmoid has already rounded to 0 or 1. It records
# `"binary_cross_entropy_with_logits"` with inputs `(input, target)`.
#
# PyTorch: `torch.nn.functional.binary_cross_entropy_with_logits(input, target)`.

# %% solution="losses-bce-logits"
#| export
def binary_cross_entropy_with_logits(input: "Tensor | npt.ArrayLike",
                                     target: "Tensor | npt.ArrayLike", *,
                                     reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of logits (torch.nn.functional.binary_cross_entropy_with_logits).

    Equals binary_cross_entropy(sigmoid(input), target), computed stably as
    max(x, 0) - x * y + log1p(exp(-|x|)): exact for logits of any size, ±1e4 included.

    Args:
        input: logits (any real numbers), any shape.
        target: the same shape, values in [0, 1] (converted to the input's dtype).
        reduction: "mean" (default), "sum" or "none".

    Records the op "binary_cross_entropy_with_logits" with inputs (input, target). PyTorch's
    `weight` and `pos_weight` are not supported.

    TODO: set `data` to the elementwise loss of the logits `x` and targets `y`.
    APPROACH: `np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))`.
    EXAMPLE:
    >>> binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0])).numpy()
    array(0.6931472, dtype=float32)
    HINTS: `np.exp(-x)` alone overflows for x = -1e4; `-np.abs(x)` is never positive.
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input = _as_input(input, "binary_cross_entropy_with_logits")
    target = _as_target(target, input, "binary_cross_entropy_with_logits")
    x, y = input.data, target.data
    ### BEGIN SOLUTION
    data = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    ### END SOLUTION
    loss = Tensor.from_op(data, "binary_cross_entropy_with_logits", (input, target))
    return _reduce(loss, reduction)


# %% test="losses-bce-logits-tests" points=10
def test_bce_with_logits_matches_the_sigmoid_route(run):
    logits = [-3.0, -0.5, 0.0, 0.5, 3.0]
    labels = [0.0, 1.0, 1.0, 0.0, 1.0]

    def both():
        return binary_cross_entropy_with_logits(Tensor(logits), Tensor(labels),
                                                reduction="none").numpy()

    values = run(both)
    p = 1 / (1 + np.exp(-np.array(logits)))
    y = np.array(labels)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert_array(values, expected, dtype="float32", rtol=1e-5,
                 what="BCE with logits (equal to BCE of the sigmoid)")


def test_bce_with_logits_reductions(run):
    def reductions():
        x, y = Tensor([[0.0, 2.0]]), Tensor([[1.0, 1.0]])
        return [binary_cross_entropy_with_logits(x, y, reduction=r).numpy()
                for r in ("mean", "sum")]

    mean, total = run(reductions)
    expected = np.log(2) + np.log1p(np.exp(-2.0))
    assert_array(total, np.float32(expected), dtype="float32", rtol=1e-6, what="'sum'")
    assert_array(mean, np.float32(expected / 2), dtype="float32", rtol=1e-6, what="'mean'")


run_tests(test_bce_with_logits_matches_the_sigmoid_route, test_bce_with_logits_reductions)
### BEGIN HIDDEN TESTS
def test_bce_with_logits_at_plus_minus_1e4(run):
    def extremes():
        x = Tensor([1e4, -1e4, 1e4, -1e4, 40.0])
        y = Tensor([1.0, 0.0, 0.0, 1.0, 0.0])
        return binary_cross_entropy_with_logits(x, y, reduction="none").numpy()

    values = run(extremes)
    assert np.isfinite(values).all(), f"BCE with logits at ±1e4 must be finite, got {values}"
    assert_array(values, [0.0, 0.0, 1e4, 1e4, 40.0], dtype="float32",
                 what="BCE with logits at ±1e4 (no clamp at 100: the exact loss)")


def test_bce_with_logits_record_and_dtypes(run):
    def record():
        x = Tensor(np.array([[0.5], [-0.5]]), requires_grad=True)  # float64
        loss = binary_cross_entropy_with_logits(x, [[1], [0]], reduction="none")
        x32 = Tensor([0.0, 1.0])
        loss32 = binary_cross_entropy_with_logits(x32, np.array([1.0, 0.0]))
        return (loss.grad_fn.op, loss.grad_fn.inputs[0] is x, len(loss.grad_fn.inputs),
                str(loss.dtype), loss.shape, str(loss32.dtype))

    op, first, n_inputs, dtype, shape, dtype32 = run(record)
    assert op == "binary_cross_entropy_with_logits" and first and n_inputs == 2, (
        f"record 'binary_cross_entropy_with_logits' with inputs (input, target), got {op!r}"
    )
    assert dtype == "float64" and shape == (2, 1), f"float64 (2, 1) stays so, got {dtype} {shape}"
    assert dtype32 == "float32", f"float32 logits with a float64 target: float32, got {dtype32}"


run_tests(test_bce_with_logits_at_plus_minus_1e4, test_bce_with_logits_record_and_dtypes)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 The loss classes
#
# PyTorch code usually makes a loss object once, `criterion = nn.CrossEntropyLoss()`, and
# calls it every step, `loss = criterion(logits, labels)`, with the prediction first and the
# target second. The given base class `_Loss` stores and checks `reduction` and makes the
# object callable; each class's `forward` calls its functional form with `self.reduction`.
# `NLLLoss`, `BCELoss` and `BCEWithLogitsLoss` are given; write the other two the same way.

# %% solution="losses-classes"
#| export
class _Loss:
    """Base of the loss classes: stores `reduction`; calling the loss calls `forward`.

    PyTorch's losses are `nn.Module`s; a loss has no parameters and no train/eval behaviour,
    so ours are plain callables with the same interface.
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def __call__(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        return self.forward(input, target)

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no forward")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """Mean squared error as a callable object (torch.nn.MSELoss); see `mse_loss`."""

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        """The loss of `input` against `target`, reduced by `self.reduction`.

        TODO: call `mse_loss` with `self.reduction`.
        """
        ### BEGIN SOLUTION
        return mse_loss(input, target, reduction=self.reduction)
        ### END SOLUTION


class NLLLoss(_Loss):
    """Negative log-likelihood as a callable object (torch.nn.NLLLoss); see `nll_loss`."""

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        """The loss of log-probabilities `input` against class indices `target`."""
        return nll_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits as a callable object (torch.nn.CrossEntropyLoss).

    See `cross_entropy`: logits (C,), (N, C) or (N, C, d1, ...); integer class indices or
    class probabilities as targets.
    """

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        """The loss of logits `input` against `target`, reduced by `self.reduction`.

        TODO: call `cross_entropy` with `self.reduction`.
        """
        ### BEGIN SOLUTION
        return cross_entropy(input, target, reduction=self.reduction)
        ### END SOLUTION


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities as a callable object (torch.nn.BCELoss)."""

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        """The loss of probabilities `input` against `target` (see `binary_cross_entropy`)."""
        return binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits as a callable object (torch.nn.BCEWithLogitsLoss)."""

    def forward(self, input: "Tensor | npt.ArrayLike", target: "Tensor | npt.ArrayLike") -> Tensor:
        """The loss of logits `input` against `target` (see `binary_cross_entropy_with_logits`)."""
        return binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


# %% test="losses-classes-tests" points=5
def test_loss_classes_call_their_functions(run):
    def calls():
        x, y = Tensor([[2.0, 1.0, 0.1]]), np.array([0])
        p, b = Tensor([0.8, 0.0]), Tensor([1.0, 1.0])
        return {
            "mse": MSELoss()(Tensor([2.5, 0.0, 2.0]), Tensor([3.0, -0.5, 2.0])).numpy(),
            "mse_sum": MSELoss(reduction="sum")(Tensor([1.0, 2.0]), Tensor([0.0, 0.0])).numpy(),
            "ce": CrossEntropyLoss()(x, y).numpy(),
            "ce_none": CrossEntropyLoss(reduction="none")(x, y).numpy(),
            "nll": NLLLoss()(Tensor([[-0.5, -2.0]]), np.array([1])).numpy(),
            "bce": BCELoss(reduction="none")(p, b).numpy(),
            "bce_logits": BCEWithLogitsLoss()(Tensor([0.0]), Tensor([1.0])).numpy(),
            "reduction": CrossEntropyLoss(reduction="sum").reduction,
        }

    out = run(calls)
    assert_array(out["mse"], np.float32(0.5 / 3), dtype="float32", what="MSELoss()")
    assert_array(out["mse_sum"], np.float32(5.0), dtype="float32", what="MSELoss(reduction='sum')")
    assert_array(out["ce"], np.float32(0.41703), dtype="float32", rtol=1e-4,
                 what="CrossEntropyLoss()")
    assert_array(out["ce_none"], [0.41703], dtype="float32", rtol=1e-4, what="reduction='none'")
    assert_array(out["nll"], np.float32(2.0), dtype="float32", what="NLLLoss()")
    assert_array(out["bce"], [-np.log(0.8), 100.0], dtype="float32", rtol=1e-5, what="BCELoss")
    assert_array(out["bce_logits"], np.float32(np.log(2)), dtype="float32", rtol=1e-6,
                 what="BCEWithLogitsLoss()")
    assert out["reduction"] == "sum", f"the loss should store reduction, got {out['reduction']!r}"


run_tests(test_loss_classes_call_their_functions)
### BEGIN HIDDEN TESTS
def test_loss_classes_check_reduction_when_made(run):
    def valid():
        return MSELoss(reduction="none")(Tensor([1.0, 3.0]), Tensor([0.0, 0.0])).numpy()

    def unknown():
        return BCEWithLogitsLoss(reduction="average").reduction

    assert_array(run(valid), [1.0, 9.0], dtype="float32", what="MSELoss(reduction='none')")
    with pytest.raises(ValueError, match="reduction"):
        run(unknown)


run_tests(test_loss_classes_check_reduction_when_made)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: the loss of a classifier on real digits
#
# No training yet (that needs module 06's gradients), but a classifier needs no training to
# have a loss. Take scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes), compute
# each class's average image on the first 1,000, and score each test image by how close it is
# to each average: logit$_c = -\lVert x - \mu_c \rVert^2 / T$. Your cross-entropy then says how
# good that classifier is, and the temperature $T$ shows that the loss measures *confidence*,
# not just accuracy: the predictions (the largest logit) are the same for every $T$.

# %%
from sklearn.datasets import load_digits

digits = load_digits()
images = Tensor(digits.data / 16.0, dtype=np.float32)  # (1797, 64), pixels in [0, 1]
labels = digits.target  # (1797,) int64
train, test = slice(0, 1000), slice(1000, None)
means = np.stack([images.numpy()[train][labels[train] == c].mean(axis=0) for c in range(10)])
# squared distance of every test image to every class mean: (797, 10), with your Tensor ops
x = images[test]
distances = (x * x).sum(axis=1, keepdims=True) - 2 * (x @ Tensor(means.T)) \
    + Tensor((means**2).sum(axis=1))
accuracy = (distances.numpy().argmin(axis=1) == labels[test]).mean()
print(f"nearest class mean: test accuracy {accuracy:.3f}")
print(f"a uniform guess would cost log(10) = {np.log(10):.3f}")
criterion = CrossEntropyLoss()
for temperature in (100.0, 10.0, 3.0, 1.0, 0.3, 0.1):
    loss = criterion(-distances / temperature, labels[test])
    print(f"T = {temperature:5.1f}: cross-entropy {loss.item():7.3f}")

# %% [markdown]
# Too soft ($T$ large) and every class looks equally likely: the loss approaches log 10 although
# most predictions are right. Too sharp ($T$ small) and the few wrong answers are made with
# near certainty; each costs tens of nats, and they dominate the mean. Training a classifier
# with cross-entropy tunes exactly this trade-off, for every weight at once. Module 08 trains
# a real one.

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 What cross-entropy costs per sample, compared with MSE
#
# Time your `cross_entropy` and your `mse_loss` on the same (N, C) batch, for a growing number
# of classes C: MSE against one-hot targets, the classic "regression on classes" alternative.

# %%
import time


from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


rng = np.random.default_rng(0)
print(f"{'C':>7} {'N':>6} {'cross_entropy':>15} {'mse (one-hot)':>15} {'ratio':>6}")
cost = {}
for classes, n in ((10, 4096), (100, 4096), (1000, 1024), (50257, 64)):
    logits = Tensor(rng.standard_normal((n, classes)), dtype=np.float32)
    target = rng.integers(0, classes, n)
    one_hot = np.zeros((n, classes), dtype=np.float32)
    one_hot[np.arange(n), target] = 1.0
    ce = time_call(cross_entropy, logits, target) / n
    mse = time_call(mse_loss, logits, one_hot) / n
    cost[classes] = ce
    print(f"{classes:>7} {n:>6} {ce * 1e6:>12.2f} µs {mse * 1e6:>12.2f} µs {ce / mse:>6.1f}")

# %% [markdown]
# Read the two regimes in your table. With few classes, the fixed cost of each call
# dominates: `cross_entropy` runs more ops than `mse_loss` (checks, max, subtract, `exp`, sum,
# `log`, indexing, mean; each a NumPy call of a few microseconds), so per sample it costs
# several times more. With many classes, both become passes over the (N, C) matrix and grow
# linearly with C; the ratio falls towards 1–2×, since an `exp` per logit costs little more
# than moving the logit through memory. At 50,257 classes (GPT-2's vocabulary) one sample's
# logits are 200 KB, and what matters more than time is memory.
#
# ### 5.2 The memory of the (N, C) matrix
#
# `tracemalloc` sees NumPy's allocations. Measure the peak memory your `cross_entropy` needs
# for a batch of logits at GPT-2's vocabulary size, in units of the logits themselves:

# %%
import tracemalloc

vocab = 50257
for n in (16, 64):
    logits = Tensor(rng.standard_normal((n, vocab)), dtype=np.float32)
    target = rng.integers(0, vocab, n)
    tracemalloc.start()
    cross_entropy(logits, target)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"N = {n:>3}: logits {logits.memory_footprint() / 1e6:6.1f} MB, "
          f"peak extra memory of cross_entropy {peak / 1e6:6.1f} MB "
          f"({peak / logits.memory_footprint():.1f}x the logits)")

tokens = 8 * 1024  # a batch of 8 sequences of 1,024 tokens
matrix = tokens * vocab * 4
print(f"\none (N, C) float32 matrix for {tokens} tokens x {vocab} classes: {matrix / 1e9:.2f} GB")
ratio = peak / logits.memory_footprint()
print(f"with the temporaries you measured above: about {matrix * (1 + ratio) / 1e9:.1f} GB")

# %% [markdown]
# Your `log_softmax` makes full (N, C) temporaries: the shifted logits, their exponentials,
# then the result. With module 06, the log-probabilities must also be *kept* until backward,
# and the gradient is another (N, C) matrix. For a language model the output layer is
# usually the largest activation in the whole network. Production code avoids materializing
# it: fused cross-entropy kernels compute max, log-sum-exp and the picked logit in one pass
# over each row (and the gradient, `softmax - one_hot`, in the same kernel), and "chunked" or
# "cut" cross-entropy never holds more than a slice of the vocabulary at a time.
#
# ### 5.3 float32 near p = 1
#
# float32 has 24 bits of mantissa: just below 1 its numbers are $2^{-24} \approx 6 \times
# 10^{-8}$ apart. A probability of $1 - 10^{-8}$ *is* 1.0 in float32, and so is the sigmoid
# of any logit above about 17. Compare your two binary losses for a confident wrong
# prediction (target 0, logit $x$), whose true loss is about $x$:

# %%
eps = np.finfo(np.float32).epsneg
print(f"largest float32 below 1: 1 - {eps:.3g};  float32(1 - 1e-8) == 1: "
      f"{np.float32(1 - 1e-8) == 1}")
print(f"{'logit x':>8} {'sigmoid(x) (float32)':>22} {'BCE(sigmoid(x), 0)':>20} "
      f"{'BCE with logits':>16}")
for logit in (5.0, 10.0, 15.0, 17.0, 20.0, 50.0, 200.0):
    x = Tensor([logit])
    p = Tensor(1 / (1 + np.exp(-x.numpy())))  # the sigmoid of module 02, in float32
    via_p = binary_cross_entropy(p, [0.0]).item()
    via_logits = binary_cross_entropy_with_logits(x, [0.0]).item()
    print(f"{logit:>8.1f} {p.item():>22.9f} {via_p:>20.4f} {via_logits:>16.4f}")

# %%
import matplotlib.pyplot as plt

grid = np.linspace(0.0, 40.0, 161, dtype=np.float32)
zeros = np.zeros_like(grid)
sigmoid_route = binary_cross_entropy(Tensor(1 / (1 + np.exp(-grid))), zeros, reduction="none")
logit_route = binary_cross_entropy_with_logits(Tensor(grid), zeros, reduction="none")
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.plot(grid, sigmoid_route.numpy(), label="binary_cross_entropy(sigmoid(x), 0)")
ax.plot(grid, logit_route.numpy(), "--", label="binary_cross_entropy_with_logits(x, 0)")
ax.set(xlabel="logit x (target 0)", ylabel="loss (float32)", yscale="log")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# At x = 5 and 10 both agree. At 15 the sigmoid route is already off (p is within a few float32
# steps of 1, so 1 − p has one or two significant bits). From about 17 on, `sigmoid(x)` is
# exactly 1.0, $\log(1 - p) = \log 0$, and only the clamp at −100 keeps BCE finite: it reports
# 100 whether the truth is 17 or 200. The gradient is worse: once p has rounded to 1, the
# sigmoid's gradient $p(1 - p)$ is 0 and the model stops learning from its most confident
# mistakes. `BCEWithLogitsLoss` never forms $1 - p$, so it is exact for every logit. The same
# reasoning is why
# `CrossEntropyLoss` takes logits, not probabilities.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook: your code, your measurements. Each is worth 10 points; the graders look for
# understanding, references to your own code and measurements, the systems implications
# (memory, performance, scaling), and a comparison with production frameworks.

# %% [markdown] locked="q-vocabulary"
# **Question 1: the loss of a language model.** A model with GPT-2's vocabulary (50,257
# tokens) is trained on batches of 8 sequences of 1,024 tokens.
#
# 1. Using section 5.2, how much memory does the (N, C) logits matrix take in float32, and how
#    much did your `cross_entropy` need on top of its input (your measured ratio)? What must
#    training also keep for backward?
# 2. What does your per-sample time in section 5.1 predict for one such batch?
# 3. How do production frameworks avoid holding these matrices? Name at least one technique
#    and say what it trades.

# %% [markdown] manual="systems-vocabulary" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Memory:** 8,192 × 50,257 × 4 bytes ≈ 1.65 GB for the logits alone. Their measured peak
#   (2.0× the logits with the reference solution: the shifted logits and their exponentials,
#   or the log-softmax output) puts logits plus loss at about 5 GB transiently. For
#   backward, autograd keeps the log-probabilities (or softmax) of (N, C), and the gradient
#   w.r.t. the logits is another (N, C) matrix;
#   in mixed precision some of these are halved, but the logits are usually kept in float32.
# - **Time:** their µs per sample at C = 50,257 times 8,192 tokens: on the order of a
#   second or more on one CPU core, far more than the cost of a small model's other layers;
#   notes that it is memory-bound (several passes over 1.65 GB) and that exp dominates.
# - **Production:** fused cross-entropy kernels (one pass per row: running max and
#   log-sum-exp, "online softmax"; gradient softmax − one_hot computed in the same kernel and
#   written over the logits); chunking over tokens or vocabulary (Liger kernel's fused linear
#   + cross-entropy, Apple's "cut cross-entropy") so the full matrix never exists, trading
#   recomputation of the output layer's matmul for memory; sampled or hierarchical softmax
#   in older systems, trading exactness. Also: loss in float32 while the model runs in bf16.
#
# 7–8: correct memory arithmetic and a named technique, but no measured ratio or no mention
# of what backward keeps. 5–6: "the matrix is big" without numbers. 3–4: arithmetic errors of
# 1000× or confuses parameters with activations. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-stability"
# **Question 2: where float32 breaks a loss.** Use section 3.2's naive log-softmax and your
# table in section 5.3.
#
# 1. At which logit does `exp` overflow in float32, and what does the naive log-softmax
#    return there? Why does subtracting the max make every step safe, and why is the result
#    still exactly the right answer?
# 2. In your 5.3 table, from which logit does `BCE(sigmoid(x), 0)` go wrong, and why at that
#    value (relate it to float32's spacing near 1)? What happens to the gradient there?
# 3. Why do PyTorch's `CrossEntropyLoss` and `BCEWithLogitsLoss` take logits, and what
#    would mixed-precision (float16/bfloat16) training change?

# %% [markdown] manual="systems-stability" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Overflow:** float32's max is 3.4e38 = e^88.7, so exp of a logit above ~88.7 is inf;
#   the naive version returns nan (inf/inf) for the large entry and -inf for entries whose
#   exp underflows to 0 (below ~-103), as their section 3.2 output showed. Subtracting
#   m = max makes every exponent <= 0 (no overflow) and the largest term exactly 1 (the sum
#   is >= 1, so its log is finite and >= 0); the identity log Σ e^z = m + log Σ e^(z−m)
#   makes it exact, not an approximation.
# - **BCE near p = 1:** float32 spacing just below 1 is 2^-24 ≈ 6e-8, so sigmoid(x) = 1.0
#   once e^-x < ~3e-8, x ≳ 17 (their table: right at 10, already off at 15, 100 from 17
#   on); then log(1 − p) = log 0 and the clamp returns 100 whatever the truth. The
#   gradient through sigmoid, p(1 − p), is 0: the confident mistake teaches nothing.
# - **Why logits:** the loss can be rewritten (log-sum-exp, max(x,0) − xy + log1p(e^−|x|))
#   so it never forms p or 1 − p; the fused gradient (softmax − one_hot, sigmoid(x) − y) is
#   also simpler and stable. Mixed precision: float16 overflows at 65,504 (e^11!) and has
#   2^-11 spacing near 1, so frameworks compute softmax/loss in float32 (autocast lists
#   them as float32 ops); bfloat16 has float32's range but only 8 bits of mantissa.
#
# 7–8: correct overflow point and the max trick, weaker on the p ≈ 1 precision argument or
# the gradient. 5–6: "large numbers overflow" without their numbers. 3–4: thinks the
# max-subtraction changes the result or approximates. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-choice"
# **Question 3: choosing a loss, and what it costs.** Use sections 4 and 5.1.
#
# 1. Your section 5.1 table compares cross-entropy and MSE on one-hot targets. Which costs
#    more per sample and why? Is the difference important next to the model's own forward
#    pass (a Linear layer of 784 → C costs 2 · 784 · C FLOPs per sample)?
# 2. Why do classifiers use cross-entropy rather than MSE on one-hot targets anyway? Think
#    about what each loss does for a confident wrong prediction (section 4's temperatures
#    help), and about the gradient with respect to the logits.
# 3. `reduction="mean"` versus `"sum"`: what changes for the optimizer when the batch size
#    doubles? When would you use `"none"`?

# %% [markdown] manual="systems-choice" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Cost:** from their table: at small C cross-entropy costs several times MSE per sample
#   (more NumPy calls, each with a fixed cost of microseconds: checks, max, subtract, exp,
#   sum, log, index, mean); at large C both are memory-bound passes over (N, C), linear in
#   C, and the ratio falls towards 1–2×. Next to
#   a 784 → C Linear layer (2·784·C FLOPs, ~1,500 FLOPs per class versus ~5–10 operations
#   per class for the loss) the loss is negligible in FLOPs, although being memory-bound
#   it is not free in time; at vocabulary scale the memory (question 1) is the concern.
# - **Why cross-entropy:** it is the negative log-likelihood of a categorical model
#   (maximum likelihood); its gradient w.r.t. logits is softmax − one_hot, bounded and
#   large exactly when the model is confidently wrong, while MSE on softmax outputs has a
#   gradient that passes through the softmax's Jacobian and vanishes when the softmax
#   saturates (a confident wrong prediction costs at most 2 and learns slowly). Section 4:
#   cross-entropy punishes confident mistakes heavily (small T), rewards calibrated
#   confidence. MSE also treats classes as ordered numbers if used on labels directly.
# - **Reduction:** with "mean" the gradient scale does not depend on the batch size, so the
#   learning rate transfers across batch sizes; with "sum" doubling the batch doubles the
#   gradient (effectively doubling the learning rate for SGD; Adam is nearly invariant).
#   "none" for per-sample weights, masking padded tokens (then divide by the number of real
#   tokens), hard-example mining, or logging per-example losses.
#
# 7–8: right on cost and a reason for cross-entropy, but no gradient argument or no link
# to their numbers. 5–6: "cross-entropy is for classification" without why. 3–4: claims MSE
# is more expensive or mixes up the reductions. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.losses`:
#
# - `log_softmax(input, dim=-1)` (`F.log_softmax`): stable through the max trick, recorded as
#   one op for module 06.
# - `mse_loss`, `nll_loss`, `cross_entropy`, `binary_cross_entropy`,
#   `binary_cross_entropy_with_logits` (the `torch.nn.functional` names), each with
#   `reduction="mean" | "sum" | "none"`; cross-entropy with class indices or class
#   probabilities, on (C,), (N, C) and (N, C, d1, ...) inputs.
# - The classes `MSELoss`, `NLLLoss`, `CrossEntropyLoss`, `BCELoss`, `BCEWithLogitsLoss`
#   (`torch.nn`), called as `criterion(input, target)`.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code into your package: `tito module export losses`. Then
#       `from tinytorch.core.losses import CrossEntropyLoss` works in any notebook or script.
#
# **Next: module 05, the data loader**, feeds these losses batches of real data; module 06,
# autograd, writes the backward rules of `log_softmax` and the binary losses, and every loss
# here gets a gradient.
