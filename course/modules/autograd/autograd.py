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
# # Module 06 · Autograd
#
# By the end of this module `loss.backward()` works on your own Tensor. You will have built
# reverse-mode automatic differentiation, the machine inside `torch.autograd`: a walk over
# the graph your ops recorded, from the loss back to the weights, that applies the chain
# rule once per op, sums gradients over broadcast axes, accumulates them into `.grad` and
# frees the graph when it is done. You will write the backward rule of every op of modules
# 01 to 04 (each a few lines), `no_grad()`, a `Function` class that later modules use to add
# their own differentiable ops, and `gradcheck`, which checks any gradient against finite
# differences.
#
# | | |
# |---|---|
# | **Prerequisites** | 01 `tensor` (`GradFn`), 02 `activations`, 03 `layers`, 04 `losses` |
# | **Time** | about 4 hours |
# | **Your code lands in** | `tinytorch.core.autograd`; `Tensor.backward()` calls its `backward` |
# | **Next** | module 07 `optimizers` reads the `.grad` you fill to update the weights |
#
# **Contents.** 1 Why autograd · 2 Concepts: the chain rule, the graph, topological order,
# broadcasting's sum, accumulation, freeing · 3 Build it, piece by piece · 4 Use it: train a
# classifier on the digits · 5 Systems analysis · 6 ML systems thinking · 7 Summary

# %% locked="autograd-imports"
import numpy as np
import pytest
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why autograd
#
# Training is "change each weight a little in the direction that lowers the loss". That
# direction is the gradient: one partial derivative of the loss per weight. The MLP you
# will train in module 08 has about 235,000 weights; a GPT has billions. Nobody writes
# those derivatives by hand.
#
# Two ways to get them without thinking:
#
# - **Finite differences**: nudge one weight by ε, rerun the forward pass, see how the
#   loss moved. One forward pass per weight: 235,000 forward passes per training step.
#   Also inexact (section 3.19 uses it to *check* gradients, which is what it is good for).
# - **Reverse-mode automatic differentiation** (backpropagation): record the ops of one
#   forward pass, then walk them backwards once, applying the chain rule at each op. One
#   backward pass costs one to two forward passes (you will measure it), for
#   *all* the weights at once, and it is exact up to rounding.
#
# PyTorch's `torch.autograd` does the second. Each op records a node (`loss.grad_fn` is
# a `<MeanBackward0>`, whose `next_functions` lead to the ops before it); `loss.backward()`
# runs its engine over those nodes; each weight's `.grad` receives its gradient. TensorFlow
# (`GradientTape`) and JAX (`jax.grad`) do the same with different bookkeeping. Your module
# 01 already records: every op builds its result with `Tensor.from_op`, which attaches a
# `GradFn(op, inputs, saved)`. This module adds the walk and the rules, without changing
# the Tensor class.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 The chain rule, one op at a time
#
# Take `L = (a * b + a).sum()` with `a = [2, 3]`, `b = [4, 5]`. Name the intermediates:
#
# ```
#   c = a * b        c = [8, 15]
#   d = c + a        d = [10, 18]
#   L = d.sum()      L = 28
# ```
#
# Walk backwards, carrying `g = dL/d(tensor)`, the **upstream gradient**:
#
# ```
#   dL/dL = 1                                       (the seed)
#   sum:  dL/dd = 1 for every element               g_d = [1, 1]
#   add:  dL/dc = g_d · 1,  dL/da += g_d · 1        g_c = [1, 1],  g_a = [1, 1]
#   mul:  dL/da += g_c · b, dL/db = g_c · a         g_a = [1+4, 1+5] = [5, 6],  g_b = [2, 3]
# ```
#
# Check by hand: `L = Σ (a·b + a)`, so `∂L/∂a = b + 1 = [5, 6]` and `∂L/∂b = a = [2, 3]`.
# Each op only needs a **local rule**: given the gradient of its output, the gradient of
# each input. For `c = a * b` that is `(g · b, g · a)`; for `d = c + a` it is `(g, g)`.
# That local rule is what you write for every op: its **backward rule**. Every rule has the
# same shape, `rule(fn, grad, out) -> (grad of input 0, grad of input 1, ...)`, where `fn`
# is the op's `GradFn` record (its inputs and saved values), `grad` is the upstream gradient
# (an array shaped like the output) and `out` is the output's array (sigmoid's and exp's
# rules reuse it).
#
# Your module 01 Tensor already records this graph. Follow `grad_fn` from `L` to the
# leaves (`sum` ← `add` ← `mul`, with `a` reached twice):

# %%
from tinytorch.core.tensor import Tensor

a = Tensor([2.0, 3.0], requires_grad=True)
b = Tensor([4.0, 5.0], requires_grad=True)
L = (a * b + a).sum()
names = {id(a): "a", id(b): "b"}


def show(tensor, depth=0):
    """Print the graph below `tensor`: each op with its inputs indented under it."""
    fn = tensor.grad_fn
    label = names.get(id(tensor), "constant" if not tensor.requires_grad else "?")
    saved = f"  saved {fn.saved}" if fn and fn.saved else ""
    print("    " * depth + (f"{fn.op}{saved}" if fn else f"{label} (leaf)"))
    for child in (fn.inputs if fn else ()):
        show(child, depth + 1)


show(L)

# %% [markdown]
# ### 2.2 Forward and backward, side by side
#
# | op | forward | backward: gradient of each input |
# |---|---|---|
# | `a + b` | `a + b` | `g`, `g` |
# | `a * b` | `a * b` | `g·b`, `g·a` |
# | `a / b` | `a / b` | `g / b`, `-g·a / b²` |
# | `a ** b` | `a ** b` | `g·b·a^(b-1)`, `g·out·ln a` |
# | `a @ b` | `a @ b` | `g @ bᵀ`, `aᵀ @ g` |
# | `x.sum(axis)` | `Σ x` | `g` copied back along the summed axes |
# | `x.exp()` | `eˣ` | `g·out` |
# | `sigmoid(x)` | `1 / (1 + e⁻ˣ)` | `g·out·(1 - out)` |
#
# The forward half of each row lives in module 01 or 02; the backward half lives here, in a
# table keyed by the op's name (`"add"`, `"mul"`, ...). Module 01's `from_op` writes the
# name into the `GradFn`; the walk looks the rule up by that name.
#
# ### 2.3 Topological order
#
# An op's rule can run only when its output's gradient is complete: every use of that
# output must have sent back its share first. In `L` above, `a` is used twice (by `mul`
# and `add`); its gradient is the sum of both contributions. So the walk visits tensors in
# **reverse topological order**: each tensor after every tensor computed from it. We get
# that order by a depth-first search from the loss: a tensor is appended after all of its
# inputs (post-order), then the list is reversed. The search is written with an explicit
# stack, not recursion: Python stops recursing at about 1,000 frames, and an RNN unrolled
# over a long sequence makes graphs 10,000 ops deep (section 5 builds one).
#
# ### 2.4 Broadcasting's sum
#
# In `y = x @ W + b`, a bias `b` of shape `(3,)` was broadcast over the batch: each of its
# values was used in every row. By the chain rule, a value used in several places gets the
# **sum** of the gradients of all those places. So the gradient of `b` is the upstream
# gradient summed over the broadcast axes: `(batch, 3) -> (3,)`. The same holds for a dim
# of size 1 stretched to n: sum along it, keeping the dim. You write this once, as
# `unbroadcast(grad, shape)`, and the walk applies it to every input of every op, so the
# rules themselves never think about broadcasting.
#
# ### 2.5 Accumulation
#
# PyTorch **adds** gradients into `.grad`; it never overwrites. Two reasons: a leaf used by
# two different losses gets the sum (gradient accumulation over micro-batches is built on
# that), and it is cheap. The flip side: calling `backward()` twice without clearing adds
# twice, which is why every training loop calls `optimizer.zero_grad()` (module 07).
# Only **leaves** (tensors you created, such as weights, with `requires_grad=True`) keep
# a `.grad`; intermediates pass their gradient on and drop it, unless you asked with
# `retain_grad()`. Integer tensors can never require grad: a step of 0.001 in an index has
# no meaning.
#
# ### 2.6 Why the graph is freed
#
# The graph holds every intermediate result of the forward pass: each `GradFn` keeps its
# inputs alive, because the rules need them (`mul` needs `a` and `b`). For a network that
# is most of the memory of a training step (section 5 measures it). Once backward has used
# a node, nothing needs it, so backward **frees** it: it drops the node's inputs and saved
# values. A second `backward()` through the same graph then fails with PyTorch's message,
# unless the first one said `retain_graph=True`. In PyTorch the freed parts are the
# "saved tensors"; ours drops every node's inputs, so every second pass fails.

# %% [markdown]
# ## 3. Build it
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 | `unbroadcast` | (inside autograd's engine) | 5 |
# | 2 | rules of `add`, `sub` | `AddBackward0`, `SubBackward0` | 4 |
# | 3 | rules of `mul`, `neg` | `MulBackward0`, `NegBackward0` | 4 |
# | 4 | rules of `sum`, `mean` | `SumBackward1`, `MeanBackward1` | 4 |
# | 5 | `topological_order` | the engine's dependency count | 3 |
# | 6 | `backward` | `torch.autograd.backward` | 8 |
# | 7 | `no_grad`, `enable_grad` | `torch.no_grad`, `torch.enable_grad` | 4 |
# | 8 | rules of `div`, `pow` | `DivBackward0`, `PowBackward1` | 4 |
# | 9 | rule of `matmul` | `MmBackward0`, `BmmBackward0` | 5 |
# | 10 | rule of `max` | `AmaxBackward0` | 3 |
# | 11 | rules of `reshape`, `transpose` | `ViewBackward0`, `TransposeBackward0` | 3 |
# | 12 | rule of `getitem` | `IndexBackward0` | 4 |
# | 13 | rules of `exp`, `log` | `ExpBackward0`, `LogBackward0` | 2 |
# | 14 | rules of `relu`, `sigmoid` | `ReluBackward0`, `SigmoidBackward0` | 3 |
# | 15 | rules of `tanh`, `gelu` | `TanhBackward0`, `GeluBackward0` | 2 |
# | 16 | rules of `softmax`, `log_softmax` | `SoftmaxBackward0`, `LogSoftmaxBackward0` | 3 |
# | 17 | rules of the two binary cross entropies | `BinaryCrossEntropyBackward0`, ... | 2 |
# | 18 | `Function`, `FunctionCtx` | `torch.autograd.Function` | 4 |
# | 19 | `gradcheck` | `torch.autograd.gradcheck` | 3 |
#
# **What is given.** The table of rules and the decorator that fills it, the checks with
# their error messages, the helpers that reshape a reduction's gradient, and the code that
# hands a `Function`'s gradient back. You write the math and the walk.
#
# First the package's imports, then the rule table. Run both cells; they are complete.

# %% locked="autograd-package-imports"
#| export
import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from tinytorch.core.activations import erfc
from tinytorch.core.tensor import GradFn, Tensor, is_grad_enabled, set_grad_enabled

# %% [markdown]
# The tests and demos also use modules 02 to 04, and one more thing is needed in this
# notebook only. `Tensor.backward()` calls `tinytorch.core.autograd.backward`: the *exported*
# package module, which holds whatever you last exported (or nothing yet). So that
# `loss.backward()` in this notebook runs the code you are writing in it, the next cell
# points that module name at this notebook. Your exported package does not contain it.

# %% locked="autograd-notebook-setup"
import sys

import tinytorch.core
from tinytorch.core.activations import GELU, ReLU, Tanh, relu, sigmoid, softmax
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, log_softmax
from tinytorch.core.tensor import manual_seed

sys.modules["tinytorch.core.autograd"] = sys.modules[__name__]
tinytorch.core.autograd = sys.modules[__name__]

# %% [markdown]
# **The rule table.** `BACKWARD_RULES` maps an op's name to its backward rule. Writing
# `@backward_rule("add")` above a function puts it in the table under `"add"`: the walk
# (piece 6) looks up `BACKWARD_RULES[fn.op]` for every node it visits. Module 01 records
# the names (`"add"`, `"matmul"`, `"sum"`, ...), module 02 `"relu"`, `"sigmoid"`, `"tanh"`,
# `"gelu"`, `"softmax"`, module 04 `"log_softmax"` and the two binary cross entropies.
# Ops of later modules do not go in this table: they are `Function` classes (piece 18),
# which carry their own backward.

# %% locked="autograd-rule-table"
#| export
Rule = Callable[[GradFn, np.ndarray, np.ndarray], tuple]
BACKWARD_RULES: dict[str, Rule] = {}


def backward_rule(op: str) -> Callable[[Rule], Rule]:
    """Decorator: register the function as the backward rule of the built-in op `op`.

    A rule takes the op's record `fn` (a GradFn: `fn.inputs`, `fn.saved`), the upstream
    gradient `grad` (an array shaped like the op's output) and the output's array `out`, and
    returns one gradient per input, in input order, each shaped like the broadcast result
    (the walk sums over broadcast axes) or None for an input that gets no gradient.
    PyTorch keeps the same table as derivatives.yaml, compiled into its engine.
    """
    def register(rule: Rule) -> Rule:
        BACKWARD_RULES[op] = rule
        return rule

    return register


def _inputs(fn: GradFn) -> list[np.ndarray]:
    """The arrays of the op's inputs, in operand order."""
    return [tensor.data for tensor in fn.inputs]


# %% [markdown]
# ### 3.1 Piece 1: `unbroadcast`
#
# Every rule returns gradients shaped like the op's (broadcast) output. `unbroadcast(grad,
# shape)` turns such a gradient into the gradient of an input of shape `shape` (section
# 2.4) in two steps:
#
# 1. Broadcasting pads shapes with 1s **on the left**: if `grad` has more dims than
#    `shape`, sum over the extra leading dims.
# 2. A dim of size 1 in `shape` that is larger in `grad` was **stretched**: sum along it
#    with `keepdims=True`, so it stays size 1.
#
# ```
#   grad (4, 3)    -> shape (3,)     sum axis 0                    -> (3,)
#   grad (2, 4, 3) -> shape (4, 1)   sum axis 0, then axis 1 kept  -> (4, 1)
#   grad ()        -> shape ()       nothing to do
# ```

# %% solution="autograd-unbroadcast"
#| export
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes broadcasting added or stretched, so that it has `shape`.

    The gradient of an operand that was broadcast to a larger result (e.g. a bias added to
    every row) is the sum of the result's gradient over the broadcast axes. PyTorch's engine
    does the same (`sum_to_size`). `shape` must broadcast to `grad.shape`.

    TODO: return `grad` summed down to `shape`.

    APPROACH:
    1. If `grad.ndim` exceeds `len(shape)`, sum over the first `grad.ndim - len(shape)` axes.
    2. Then sum, with keepdims=True, over every axis i where shape[i] == 1 and the gradient's
       axis i is not.

    EXAMPLE:
    >>> unbroadcast(np.ones((2, 4, 3)), (4, 1))
    array([[6.], [6.], [6.], [6.]])

    HINTS:
    - `array.sum(axis=(0, 2))` sums several axes at once; `axis=()` sums none.
    - A dim that was 1 and stayed 1 must not be summed (it is already right).
    """
    grad = np.asarray(grad)
    if grad.shape == tuple(shape):
        return grad
    ### BEGIN SOLUTION
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    ### END SOLUTION
    grad = np.asarray(grad)  # a sum over every axis gives a NumPy scalar: keep an array
    if grad.shape != tuple(shape):
        raise RuntimeError(
            f"a gradient of shape {grad.shape} does not sum to the input's shape {shape}: "
            "a backward rule returned a gradient of the wrong shape"
        )
    return grad


# %% test="autograd-unbroadcast-tests" points=5
def test_unbroadcast_sums_leading_axes(run):
    def sums_rows():
        return unbroadcast(np.arange(12.0).reshape(4, 3), (3,))

    assert_array(run(sums_rows), [18.0, 22.0, 26.0],
                 what="unbroadcast of a (4, 3) gradient to a (3,) bias (the column sums)")


def test_unbroadcast_keeps_stretched_dims(run):
    def to_column():
        return unbroadcast(np.ones((2, 4, 3)), (4, 1))

    assert_array(run(to_column), np.full((4, 1), 6.0),
                 what="unbroadcast of (2, 4, 3) ones to shape (4, 1)")


run_tests(test_unbroadcast_sums_leading_axes, test_unbroadcast_keeps_stretched_dims)
### BEGIN HIDDEN TESTS
def test_unbroadcast_leaves_matching_and_size_one_dims(run):
    def cases():
        same = unbroadcast(np.arange(6.0).reshape(2, 3), (2, 3))
        kept_one = unbroadcast(np.arange(6.0).reshape(1, 2, 3), (1, 1, 3))
        to_scalar = unbroadcast(np.ones((2, 3)), ())
        ones_row = unbroadcast(np.arange(6.0).reshape(3, 2), (1, 1))
        return same, kept_one, to_scalar, ones_row

    same, kept_one, to_scalar, ones_row = run(cases)
    assert_array(same, np.arange(6.0).reshape(2, 3), what="a gradient already of its shape")
    assert_array(kept_one, [[[3.0, 5.0, 7.0]]],
                 what="(1, 2, 3) to (1, 1, 3): the leading 1 stays, dim 1 is summed")
    assert_array(to_scalar, np.array(6.0), what="(2, 3) to () (a 0-d operand)")
    assert_array(ones_row, [[15.0]], what="(3, 2) to (1, 1)")


run_tests(test_unbroadcast_leaves_matching_and_size_one_dims)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: the rules of `add` and `sub`
#
# `out = a + b`: nudging `a` by ε moves `out` by ε, so the gradient passes through
# unchanged to both inputs: `(grad, grad)`. `out = a - b`: `(grad, -grad)`. Return a
# tuple with one gradient per input, in the order of `fn.inputs` (`2 - t` records
# `(2, t)`: the number first). Do not unbroadcast: the walk does it.
#
# Each rule can be tested by itself: make an op's result with your Tensor, and call the
# rule with its `grad_fn`.

# %% solution="autograd-add-sub"
#| export
@backward_rule("add")
def add_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a + b: (grad, grad)."""
    ### BEGIN SOLUTION
    return grad, grad
    ### END SOLUTION


@backward_rule("sub")
def sub_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a - b: (grad, -grad)."""
    ### BEGIN SOLUTION
    return grad, -grad
    ### END SOLUTION


# %% test="autograd-add-sub-tests" points=4
def test_add_and_sub_rules(run):
    def rules():
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = Tensor([5.0, 7.0], requires_grad=True)
        grad = np.array([0.5, -2.0], dtype=np.float32)
        added = x + y
        subtracted = x - y
        return (list(add_backward(added.grad_fn, grad, added.data)),
                list(sub_backward(subtracted.grad_fn, grad, subtracted.data)))

    (add_a, add_b), (sub_a, sub_b) = run(rules)
    assert_array(add_a, [0.5, -2.0], what="add's gradient for a")
    assert_array(add_b, [0.5, -2.0], what="add's gradient for b")
    assert_array(sub_a, [0.5, -2.0], what="sub's gradient for a")
    assert_array(sub_b, [-0.5, 2.0], what="sub's gradient for b (a - b moves against b)")


run_tests(test_add_and_sub_rules)
### BEGIN HIDDEN TESTS
def test_rules_are_in_the_table(run):
    def through_the_table():
        x = Tensor([[1.0], [2.0]], requires_grad=True)
        y = Tensor([3.0, 4.0, 5.0], requires_grad=True)
        g = np.arange(6.0, dtype=np.float32).reshape(2, 3)
        grads = {}
        for op, out in (("add", x + y), ("sub", x - y)):
            grads[op] = [np.asarray(v) for v in BACKWARD_RULES[op](out.grad_fn, g, out.data)]
        return grads

    grads = run(through_the_table)
    g = np.arange(6.0).reshape(2, 3)
    assert_array(grads["add"][1], g, what="BACKWARD_RULES['add'] for b, (2, 1) + (3,): the "
                 "rule returns the broadcast-shaped gradient, the walk unbroadcasts it")
    assert_array(grads["sub"][1], -g, what="BACKWARD_RULES['sub'] for b")


def test_reflected_sub_rule_follows_operand_order(run):
    def rule():
        x = Tensor([1.0, 2.0], requires_grad=True)
        out = 10 - x  # recorded as (10, x)
        grads = sub_backward(out.grad_fn, np.ones(2, np.float32), out.data)
        return [np.asarray(g) for g in grads]

    first, second = run(rule)
    assert_array(second, [-1.0, -1.0], what="10 - x: the gradient for x, the second input")
    assert_array(first, [1.0, 1.0], what="10 - x: the gradient for 10, the first input")


run_tests(test_rules_are_in_the_table, test_reflected_sub_rule_follows_operand_order)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: the rules of `mul` and `neg`
#
# `out = a * b`: `∂out/∂a = b`, `∂out/∂b = a`, so `(grad * b, grad * a)`: each input's
# gradient is the upstream gradient scaled by the *other* input. The inputs' arrays are
# `_inputs(fn)` (given above: `a, b = _inputs(fn)`). `out = -a` is `(-1) · a`, so its one
# gradient is `(-grad,)`: note the comma, a rule always returns a tuple.
#
# **Common mistake:** swapping the inputs (`grad * a` for `a`); the tests use `a ≠ b`.

# %% solution="autograd-mul-neg"
#| export
@backward_rule("mul")
def mul_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a * b: (grad * b, grad * a)."""
    a, b = _inputs(fn)
    ### BEGIN SOLUTION
    return grad * b, grad * a
    ### END SOLUTION


@backward_rule("neg")
def neg_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = -a: (-grad,)."""
    ### BEGIN SOLUTION
    return (-grad,)
    ### END SOLUTION


# %% test="autograd-mul-neg-tests" points=4
def test_mul_rule(run):
    def rule():
        a = Tensor([2.0, 3.0], requires_grad=True)
        b = Tensor([4.0, -5.0], requires_grad=True)
        out = a * b
        return list(mul_backward(out.grad_fn, np.array([1.0, 2.0], np.float32), out.data))

    grad_a, grad_b = run(rule)
    assert_array(grad_a, [4.0, -10.0], what="mul's gradient for a (grad * b)")
    assert_array(grad_b, [2.0, 6.0], what="mul's gradient for b (grad * a)")


def test_neg_rule(run):
    def rule():
        x = Tensor([1.0, -3.0], requires_grad=True)
        out = -x
        return list(neg_backward(out.grad_fn, np.array([1.0, 2.0]), out.data))

    (gradient,) = run(rule)
    assert_array(gradient, [-1.0, -2.0], what="neg's gradient")


run_tests(test_mul_rule, test_neg_rule)
### BEGIN HIDDEN TESTS
def test_mul_by_a_constant_and_neg_in_the_table(run):
    def rules():
        x = Tensor([[1.0], [4.0]], requires_grad=True)
        scaled = 3 * x  # recorded as (3, x)
        negated = -x
        g = np.array([[1.0], [2.0]], np.float32)
        return ([np.asarray(v) for v in mul_backward(scaled.grad_fn, g, scaled.data)],
                [np.asarray(v) for v in BACKWARD_RULES["neg"](negated.grad_fn, g, negated.data)])

    (_, mul_x), (neg_x,) = run(rules)
    assert_array(mul_x, [[3.0], [6.0]], rtol=1e-6, what="3 * x: the gradient for x")
    assert_array(neg_x, [[-1.0], [-2.0]], what="BACKWARD_RULES['neg'] (is neg registered?)")


run_tests(test_mul_by_a_constant_and_neg_in_the_table)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: the rules of `sum` and `mean`
#
# `out = x.sum(axis)`: every input element contributes with weight 1 to exactly one
# output element, so each input element gets that output element's gradient: the
# gradient is **copied back** along the summed axes. `mean` divides by the number of
# elements averaged, so its gradient is the same divided by that count.
#
# Without `keepdims`, the summed axes are gone from `grad`; the given
# `_keep_reduced_dims(grad, fn)` puts them back as size-1 dims, so that
# `np.broadcast_to(that, x.shape)` copies it back. (`np.broadcast_to` returns a read-only
# view with stride 0: no memory is copied. The walk never writes into gradients, so that
# is safe.)

# %% solution="autograd-sum-mean"
#| export
def _keep_reduced_dims(grad: np.ndarray, fn: GradFn) -> np.ndarray:
    """A reduction's output gradient with the reduced axes back as size-1 dims."""
    axis, keepdims = fn.saved["axis"], fn.saved["keepdims"]
    ndim = fn.inputs[0].ndim
    if axis is None:
        return np.reshape(grad, (1,) * ndim)
    return grad if keepdims else np.expand_dims(grad, axis)


@backward_rule("sum")
def sum_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x.sum(axis, keepdims): grad copied back along the summed axes.

    TODO: return the gradient broadcast back to the input's shape.
    APPROACH: `np.broadcast_to(_keep_reduced_dims(grad, fn), x.shape)`.
    EXAMPLE: x (2, 3), sum(axis=1), grad [1, 2] -> [[1, 1, 1], [2, 2, 2]].
    HINTS: `fn.inputs[0].shape` is the input's shape.
    """
    ### BEGIN SOLUTION
    return (np.broadcast_to(_keep_reduced_dims(grad, fn), fn.inputs[0].shape),)
    ### END SOLUTION


@backward_rule("mean")
def mean_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x.mean(axis, keepdims): sum's gradient / the count averaged.

    TODO: as sum's rule, divided by the number of input elements per output element.
    APPROACH: that count is `x.size // out.size` (for out.size > 0).
    EXAMPLE: x (2, 3), mean(axis=1), grad [1, 2] -> [[1/3] * 3, [2/3] * 3].
    HINTS: the input may be an int tensor (its mean is float32): it gets no gradient, but
    the rule must not fail.
    """
    ### BEGIN SOLUTION
    x = fn.inputs[0]
    count = x.data.size // out.size if out.size else 1
    return (np.broadcast_to(_keep_reduced_dims(grad, fn) / count, x.shape),)
    ### END SOLUTION


# %% test="autograd-sum-mean-tests" points=4
def test_sum_rule_along_an_axis(run):
    def sums():
        x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        out = x.sum(axis=1)
        (grad,) = sum_backward(out.grad_fn, np.array([1.0, 2.0]), out.data)
        return np.array(grad)

    assert_array(run(sums), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]],
                 what="sum's gradient for x.sum(axis=1) with grad [1, 2]")


def test_mean_rule(run):
    def means():
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        everything = x.mean()
        rows = x.mean(axis=0, keepdims=True)
        (all_grad,) = mean_backward(everything.grad_fn, np.array(1.0), everything.data)
        (row_grad,) = mean_backward(rows.grad_fn, np.array([[1.0, 2.0, 3.0]]), rows.data)
        return np.array(all_grad), np.array(row_grad)

    grad_all, grad_rows = run(means)
    assert_array(grad_all, np.full((2, 3), 1 / 6), what="mean's gradient for x.mean() of 6")
    assert_array(grad_rows, [[0.5, 1.0, 1.5]] * 2,
                 what="mean's gradient for x.mean(axis=0, keepdims=True) with grad [[1, 2, 3]]")


run_tests(test_sum_rule_along_an_axis, test_mean_rule)
### BEGIN HIDDEN TESTS
def test_sum_and_mean_axes(run):
    def axes():
        x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
        s = x.sum(axis=(0, -1))
        m = x.mean(axis=-1)
        k = x.sum(keepdims=True)
        return (np.array(sum_backward(s.grad_fn, np.array([1.0, 2.0, 3.0]), s.data)[0]),
                np.array(mean_backward(m.grad_fn, np.full((2, 3), 4.0), m.data)[0]),
                np.array(sum_backward(k.grad_fn, np.full((1, 1, 1), 3.0), k.data)[0]))

    grad_s, grad_m, grad_k = run(axes)
    assert_array(grad_s, np.broadcast_to(np.array([1.0, 2.0, 3.0])[None, :, None], (2, 3, 4)),
                 what="sum's gradient over axes (0, -1)")
    assert_array(grad_m, np.ones((2, 3, 4)), what="mean's gradient along axis -1 (4 / 4)")
    assert_array(grad_k, np.full((2, 3, 4), 3.0), what="sum's gradient with keepdims=True")


run_tests(test_sum_and_mean_axes)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: `topological_order`
#
# The walk needs every tensor of the graph, each one **before** the tensors it was computed
# from (section 2.3). Write a depth-first search with an explicit stack:
#
# - The stack holds pairs `(tensor, expanded)`. Start with `[(root, False)]`.
# - Pop a pair. If `expanded` is True, all of the tensor's inputs are done: append the
#   tensor to `order`. Otherwise, if it was not visited yet: mark it visited, push it back
#   as `(tensor, True)`, then push `(parent, False)` for each of its graph inputs.
# - At the end, `order` lists every tensor after its inputs (post-order). Reverse it.
#
# The graph inputs of a tensor are `_graph_inputs(tensor)` (given below): the inputs of
# its `grad_fn` that require grad (constants and integer tensors get no gradient, so the
# walk never visits them). It also raises the "second time" error when it meets a node
# that an earlier backward freed. Mark visited tensors by `id(tensor)` in a set: tensors
# compare elementwise with `==`, so they cannot be compared to find one in a list.

# %% solution="autograd-topological-order"
#| export
_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the "
          "graph are freed when you call .backward() or autograd.grad(). Specify "
          "retain_graph=True if you need to backward through the graph a second time or if "
          "you need to access saved tensors after calling backward.")


def _graph_inputs(tensor: Tensor) -> tuple[Tensor, ...]:
    """The inputs of `tensor`'s GradFn that require grad; () for a leaf."""
    fn = tensor.grad_fn
    if fn is None:
        return ()
    if fn.saved is None:  # freed by an earlier backward (see backward)
        raise RuntimeError(_FREED)
    return tuple(x for x in fn.inputs if x.requires_grad)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` was computed from that requires grad, `root` first, each tensor
    before all the tensors it was computed from (reverse post-order of a depth-first search).

    Iterative, so graphs of any depth work. PyTorch's engine gets the same order by
    counting, for each node, the uses that have not sent their gradient yet.

    TODO: return the tensors of the graph in reverse topological order.

    APPROACH: an explicit stack of (tensor, expanded) pairs, as described above; a set of
    `id(tensor)` for the visited ones; `_graph_inputs(tensor)` for the parents; reverse the
    post-order at the end.

    EXAMPLE:
    >>> x = Tensor([1.0], requires_grad=True); y = x * 2; z = y + x
    >>> [t is u for t, u in zip(topological_order(z), [z, y, x])]
    [True, True, True]

    HINTS:
    - A tensor used twice (x above) must appear once, after both of its users.
    - Recursion fails at depth ~1,000 (RecursionError); the tests use a chain of 10,000.
    """
    ### BEGIN SOLUTION
    order: list[Tensor] = []
    visited: set[int] = set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        for parent in _graph_inputs(tensor):
            if id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order
    ### END SOLUTION


# %% test="autograd-topological-order-tests" points=3
def test_topological_order_of_a_diamond(run):
    def order():
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = x + 1
        w = y * z
        names = {id(x): "x", id(y): "y", id(z): "z", id(w): "w"}
        return [names.get(id(t), "?") for t in topological_order(w)]

    names = run(order)
    assert sorted(names) == ["w", "x", "y", "z"], (
        f"every tensor of the graph once (x is used twice): got {names}")
    assert names[0] == "w" and names[-1] == "x", (
        f"the root first, x (used by y and z) after both of them: got {names}")


run_tests(test_topological_order_of_a_diamond)
### BEGIN HIDDEN TESTS
def test_topological_order_is_iterative_and_skips_constants(run):
    def deep():
        x = Tensor([1.0], requires_grad=True)
        y = x
        for _ in range(5000):
            y = y + 1.0
        return len(topological_order(y))

    def with_constants():
        x = Tensor([1.0], requires_grad=True)
        c = Tensor([2.0])
        return len(topological_order(x * c + c))

    def shortcut():
        x = Tensor([1.0], requires_grad=True)
        y = x * 2
        z = y * 3
        w = z + x  # x is used near the root and at the end of the chain
        position = {id(t): i for i, t in enumerate(topological_order(w))}
        return [position.get(id(t), -1) for t in (w, z, y, x)]

    positions = run(shortcut)
    assert positions == sorted(positions) and -1 not in positions, (
        f"w = z + x, z = y * 3, y = x * 2: x must come after y, which comes after z; "
        f"positions of w, z, y, x: {positions} (breadth-first order puts x too early)")
    assert run(deep) == 5001, "a chain of 5000 adds has 5001 tensors that require grad"
    assert run(with_constants) == 3, (
        "constants (requires_grad=False) are not part of the walk: x, x * c, x * c + c")


run_tests(test_topological_order_is_iterative_and_skips_constants)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: `backward`, the walk
#
# `loss.backward()` calls `backward(loss)`. The given code checks the arguments and makes
# the **seed**, the gradient of the root with respect to itself (ones for a one-element
# loss). You write the walk. Keep the gradients found so far in a dict keyed by
# `id(tensor)`; it starts as `{id(root): seed}`. For each `node` of
# `topological_order(root)`:
#
# 1. `grad = grads.pop(id(node), None)`; if None, no gradient reached it: skip it.
# 2. If the node is a leaf (`node.is_leaf`) or asked to keep its gradient
#    (`node.retains_grad`), **accumulate** into `node.grad`: `_accumulate(node, grad)`
#    (given: it makes `.grad` a Tensor of the node's class, dtype and layout, or adds to
#    it). A leaf has no op: go on to the next node.
# 3. Otherwise get the gradients of the node's inputs from its op's rule:
#    `_input_gradients(fn, grad, node.data)` (given: it calls `BACKWARD_RULES[fn.op]`, or
#    the backward of a `Function`, piece 18).
# 4. For each input that requires grad and got a gradient (not None): `unbroadcast` it to
#    the input's shape, cast it to the input's dtype (`.astype(dtype, copy=False)`), and
#    add it to `grads[id(input)]` (or set it, if there is none yet). Use `+`, never `+=`:
#    a rule may return the same array for two inputs (`add` does).
# 5. Unless `retain_graph`, free the node: `_free(fn)` (given).
#
# Why the given helpers care about ownership: a step of a 784-256-128-10 MLP makes about
# 1 MB of weight gradients, and copying each into its `.grad` would cost a few percent of
# the backward pass, and briefly as much memory again. A gradient the rules have just
# computed belongs to the walk alone, so `_accumulate` makes it `.grad` as it is. Not so an
# array someone else holds: the gradient you passed to `backward`, an input's data, or the
# `grad` that `add` returns for *both* inputs (two `.grad`s sharing one array would each see
# the other's later updates). `_input_gradients` hands those on as read-only views, and
# `_accumulate` copies anything read-only.

# %% solution="autograd-backward"
#| export
def _seed(tensor: Tensor, gradient: "Tensor | np.ndarray | float | None") -> np.ndarray:
    """The gradient of `tensor` w.r.t. itself, checked like torch.autograd.backward does.

    Any object with the Tensor interface (`data`, `requires_grad`, `grad_fn`) works, e.g.
    module 01's notebook class: the walk only reads these attributes.
    """
    if not all(hasattr(tensor, name) for name in ("data", "requires_grad", "grad_fn")):
        raise TypeError(f"backward() expects a Tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "make the leaves with requires_grad=True, and do not compute the loss inside "
            "no_grad()"
        )
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this tensor has "
                f"shape {tensor.shape}; reduce it first (loss.sum() or loss.mean()) or pass "
                "backward(gradient=...) of the same shape"
            )
        return np.ones(tensor.shape, dtype=tensor.dtype)
    seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
    if seed.shape != tensor.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {seed.shape} and output[0] "
            f"has a shape of {tensor.shape}: the gradient must have the tensor's shape"
        )
    return _read_only(seed.astype(tensor.dtype, copy=False))  # the caller's array


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of `array` (no copy): a gradient the walk must not hand over."""
    view = array.view()
    view.flags.writeable = False
    return view


def _memory(array: np.ndarray) -> int:
    """Which memory `array` uses: the id of the array owning it (itself, or its view's base)."""
    return id(array if array.base is None else array.base)


def _input_gradients(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> Sequence:
    """One gradient (or None) per input of `fn`, from its rule or its Function's backward.

    A gradient stays writeable only if the walk is its sole holder, so `_accumulate` can
    take it over: any gradient that shares memory with an input, the output or another
    gradient of this op (add's rule returns `grad` twice), or that a Function returned
    (it may hold on to it), comes back as a read-only view.
    """
    if isinstance(fn.op, str):
        rule = BACKWARD_RULES.get(fn.op)
        if rule is None:
            raise NotImplementedError(
                f"no backward rule for op '{fn.op}': add one with @backward_rule('{fn.op}'), "
                "or make the op a Function subclass with a backward"
            )
        grads = rule(fn, grad, out)
        held = {_memory(out), *(_memory(x.data) for x in fn.inputs)}
    else:  # a Function subclass, which carries its own backward
        grads = fn.op._input_gradients(fn.saved["ctx"], grad)
        held = None  # the Function may keep any array it returns
    if not isinstance(grads, (tuple, list)) or len(grads) != len(fn.inputs):
        raise RuntimeError(
            f"the backward of '{getattr(fn.op, '__name__', fn.op)}' returned "
            f"{grads!r:.80}, expected a tuple of {len(fn.inputs)} gradients, one per input"
        )
    owned = []
    for g in grads:
        if isinstance(g, np.ndarray) and g.flags.writeable:
            if held is None or _memory(g) in held:
                g = _read_only(g)
            else:
                held.add(_memory(g))
        owned.append(g)
    return owned


def _accumulate(tensor: Tensor, grad: np.ndarray) -> None:
    """Add `grad` to `tensor.grad`, making `.grad` (a plain Tensor of the tensor's dtype
    and memory layout, also for a Parameter, as in PyTorch) if it is None."""
    if tensor.grad is not None:
        tensor.grad.data = tensor.grad.data + grad
        return
    data = tensor.data
    order = "F" if data.flags.f_contiguous and not data.flags.c_contiguous else "C"
    if not (tensor.grad_fn is None and grad.flags.writeable and grad.dtype == data.dtype
            and grad.flags[order + "_CONTIGUOUS"]):  # else not the walk's own array to give
        grad = np.array(grad, dtype=data.dtype, order=order)  # a copy: .grad owns its array
    tensor.grad = Tensor._wrap(grad)


def _free(fn: GradFn) -> None:
    """Drop what the node keeps alive; a later backward through it raises (see _FREED)."""
    fn.inputs = ()
    fn.saved = None


def backward(tensor: Tensor, gradient: "Tensor | np.ndarray | None" = None,
             retain_graph: bool = False) -> None:
    """Accumulate the gradient of `tensor` into `.grad` of the leaves it was computed from
    (torch.autograd.backward; `tensor.backward()` calls this).

    `gradient`: the gradient of some scalar w.r.t. `tensor`, of the tensor's shape; None
    means ones, allowed only for a one-element tensor. Leaves that require grad, and
    non-leaves that called `retain_grad()`, get `.grad` (a Tensor of their dtype); the
    gradients are added to what `.grad` already holds. The graph is freed unless
    `retain_graph` is True. Raises RuntimeError for a tensor that does not require grad, a
    missing gradient for a non-scalar, a gradient of the wrong shape, or a freed graph.

    TODO: walk the graph from `tensor` to its leaves, as in the steps above.

    APPROACH: `grads` maps id(tensor) to its gradient so far; visit the tensors of
    `topological_order(tensor)`, and for each one follow steps 1 to 5 above.

    EXAMPLE:
    >>> a = Tensor([2.0, 3.0], requires_grad=True); b = Tensor([4.0, 5.0], requires_grad=True)
    >>> backward((a * b + a).sum()); a.grad, b.grad
    (Tensor([5., 6.], dtype=float32), Tensor([2., 3.], dtype=float32))

    HINTS:
    - `zip(fn.inputs, gradients)` pairs each input with its gradient.
    - Save `fn = node.grad_fn` before anything else: `_free(fn)` empties `fn.inputs`.
    """
    grads = {id(tensor): _seed(tensor, gradient)}
    ### BEGIN SOLUTION
    order = topological_order(tensor)
    for i, node in enumerate(order):
        order[i] = None  # hold no tensor the walk has passed: their arrays can be freed
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if node.is_leaf or node.retains_grad:
            _accumulate(node, grad)
        fn = node.grad_fn
        if fn is None:
            continue
        for x, g in zip(fn.inputs, _input_gradients(fn, grad, node.data), strict=True):
            if g is None or not x.requires_grad:
                continue
            g = unbroadcast(g, x.shape).astype(x.dtype, copy=False)
            grads[id(x)] = grads[id(x)] + g if id(x) in grads else g
        if not retain_graph:
            _free(fn)
    ### END SOLUTION


# %% [markdown]
# Try it on the example of section 2.1: `∂L/∂a = b + 1 = [5, 6]`, `∂L/∂b = a = [2, 3]`.

# %%
a = Tensor([2.0, 3.0], requires_grad=True)
b = Tensor([4.0, 5.0], requires_grad=True)
L = (a * b + a).sum()
L.backward()
print("a.grad =", a.grad)
print("b.grad =", b.grad)
try:
    L.backward()
except RuntimeError as error:
    print("second backward:", str(error)[:60], "...")

# %% test="autograd-backward-tests" points=8
def test_backward_of_the_worked_example(run):
    def example():
        a = Tensor([2.0, 3.0], requires_grad=True)
        b = Tensor([4.0, 5.0], requires_grad=True)
        (a * b + a).sum().backward()
        return type(a.grad).__name__, a.grad.numpy(), b.grad.numpy()

    kind, grad_a, grad_b = run(example)
    assert kind == "Tensor", f"a.grad should be a Tensor, got {kind}"
    assert_array(grad_a, [5.0, 6.0], dtype="float32", what="a.grad of sum(a * b + a) (b + 1)")
    assert_array(grad_b, [2.0, 3.0], dtype="float32", what="b.grad of sum(a * b + a) (a)")


def test_backward_sums_a_broadcast_bias(run):
    def bias():
        x = Tensor(np.ones((4, 3), np.float32))
        b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * 2 + b).sum().backward()
        return b.grad.numpy()

    assert_array(run(bias), [4.0, 4.0, 4.0], dtype="float32",
                 what="the grad of a (3,) bias added to 4 rows (summed over the rows)")


def test_backward_errors(run):
    def second_time():
        x = Tensor([1.0, 2.0], requires_grad=True)
        loss = (x * x).sum()
        loss.backward()
        first = x.grad.numpy().copy()
        try:
            loss.backward()
        except RuntimeError as error:
            return first, str(error)
        return first, "no error"

    def non_scalar():
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()

    def no_grad_needed():
        backward(Tensor([1.0]) * 2)

    first, message = run(second_time)
    assert_array(first, [2.0, 4.0], what="x.grad after backward of sum(x * x)")
    assert "second time" in message and "retain_graph=True" in message, (
        f"a second backward through a freed graph should raise PyTorch's error: {message}")
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        run(non_scalar)
    with pytest.raises(RuntimeError, match="does not require grad"):
        run(no_grad_needed)


run_tests(test_backward_of_the_worked_example, test_backward_sums_a_broadcast_bias,
          test_backward_errors)
### BEGIN HIDDEN TESTS
def test_backward_accumulates_and_retains(run):
    def twice():
        x = Tensor([1.0, 2.0], requires_grad=True)
        loss = (x * x).sum()
        loss.backward(retain_graph=True)
        first = x.grad.numpy().copy()
        loss.backward()
        return first, x.grad.numpy()

    def two_losses():
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        return x.grad.numpy()

    first, second = run(twice)
    assert_array(first, [2.0, 4.0], what="x.grad after one backward of sum(x * x)")
    assert_array(second, [4.0, 8.0],
                 what="x.grad after a second backward with retain_graph=True (accumulated)")
    assert_array(run(two_losses), [5.0, 7.0],
                 what="x.grad after backward of sum(3x), then of sum(x * x): 3 + 2x")


def test_backward_shared_subexpression_and_non_leaves(run):
    def shared():
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        z = y * y + y  # y used three times
        z.sum().backward()
        return x.grad.numpy(), y.grad.numpy(), y.is_leaf, z.grad is None

    grad_x, grad_y, y_leaf, z_none = run(shared)
    x = np.array([1.0, 2.0, 3.0])
    assert_array(grad_y, 2 * x**2 + 1, what="y.grad (retain_grad) of sum(y*y + y): 2y + 1")
    assert_array(grad_x, (2 * x**2 + 1) * 2 * x,
                 what="x.grad of sum(y*y + y), y = x*x: (2y + 1) * 2x")
    assert not y_leaf, "y = x * x is not a leaf"
    assert z_none, "an intermediate that did not call retain_grad() keeps .grad None"


def test_backward_gradient_argument_dtypes_and_ints(run):
    def with_gradient():
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3).backward(Tensor([1.0, -1.0]))
        return x.grad.numpy()

    def float64_and_ints():
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)  # float64
        counts = Tensor([3, 4])  # int64, never requires grad
        w = Tensor([0.5, 2.0], requires_grad=True)  # float32: w * x is float64
        (x * counts * w).sum().backward()
        return str(x.grad.dtype), x.grad.numpy(), counts.grad is None, str(w.grad.dtype)

    def wrong_shape():
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3).backward(Tensor([1.0, 2.0, 3.0]))

    assert_array(run(with_gradient), [3.0, -3.0], what="backward(gradient=[1, -1]) of 3x")
    dtype, grad, ints_none, w_dtype = run(float64_and_ints)
    assert dtype == "float64", f"a float64 leaf gets a float64 .grad, got {dtype}"
    assert w_dtype == "float32", (
        f"a float32 leaf gets a float32 .grad even when the ops ran in float64, got {w_dtype}")
    assert_array(grad, [1.5, 8.0], what="x.grad of sum(x * int tensor * w)")
    assert ints_none, "an integer tensor never gets a .grad"
    with pytest.raises(RuntimeError, match="shape"):
        run(wrong_shape)


def test_backward_chain_of_10000_ops(run):
    def chain():
        x = Tensor(1.0, requires_grad=True)
        y = x
        for _ in range(10_000):
            y = y * 1.0001
        y.backward()
        return x.grad.item()

    assert abs(run(chain) - 1.0001**10_000) < 1e-2 * 1.0001**10_000, (
        "backward through a chain of 10,000 muls: d/dx of x * 1.0001**10000")


run_tests(test_backward_accumulates_and_retains, test_backward_shared_subexpression_and_non_leaves,
          test_backward_gradient_argument_dtypes_and_ints, test_backward_chain_of_10000_ops)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: `no_grad` and `enable_grad`
#
# Evaluating a model needs no graph: recording it costs time and keeps every intermediate
# alive until the result is dropped. `with no_grad():` turns recording off for its block,
# using module 01's `set_grad_enabled`, which returns the previous mode. On the way out,
# restore **the previous mode**, not `True`: blocks nest (`enable_grad()` inside
# `no_grad()` turns recording back on for an inner block), and an exception inside the
# block must not leave recording off. PyTorch's `torch.no_grad()` also works as a
# decorator (`@no_grad()` or `@no_grad` above a function): the given `__call__` wraps the
# function in the block.
#
# Both classes share the base `_GradMode`; each says its mode in `mode`. You write
# `__enter__` and `__exit__`, once, in the base. Keep the previous modes on the list
# `self._previous` (a stack: the same object may be entered again inside its own block).

# %% solution="autograd-no-grad"
#| export
class _GradMode:
    """Base of no_grad and enable_grad: a context manager and decorator setting the mode."""

    mode = True

    def __new__(cls, func: Callable | None = None):
        self = super().__new__(cls)
        self._previous = []
        return self(func) if func is not None else self  # @no_grad without parentheses

    def __call__(self, func: Callable) -> Callable:
        """Use as a decorator: run `func` with this mode."""
        @functools.wraps(func)
        def with_mode(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return with_mode

    def __enter__(self) -> None:
        """Set the mode, remembering the previous one.

        TODO: set recording to `self.mode` and push the previous mode on `self._previous`.
        APPROACH: `set_grad_enabled(mode)` sets it and returns the previous mode.
        EXAMPLE: inside `with no_grad():`, `is_grad_enabled()` is False.
        HINTS: `append`.
        """
        ### BEGIN SOLUTION
        self._previous.append(set_grad_enabled(self.mode))
        ### END SOLUTION

    def __exit__(self, *exc_info) -> bool:
        """Restore the mode from before __enter__ (also when the block raised).

        TODO: pop the previous mode and set it again; return False (exceptions propagate).
        APPROACH: `set_grad_enabled(self._previous.pop())`.
        EXAMPLE: after the block, `is_grad_enabled()` is what it was before it.
        HINTS: returning True would swallow the block's exception.
        """
        ### BEGIN SOLUTION
        set_grad_enabled(self._previous.pop())
        return False
        ### END SOLUTION


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no graph (torch.no_grad)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager and decorator: ops inside record, even within no_grad()
    (torch.enable_grad)."""

    mode = True


# %% test="autograd-no-grad-tests" points=4
def test_no_grad_records_nothing(run):
    def inside():
        x = Tensor([1.0, 2.0], requires_grad=True)
        with no_grad():
            y = x * 2
            inner = is_grad_enabled()
        return y.requires_grad, y.grad_fn is None, inner, is_grad_enabled()

    requires, no_fn, inner, after = run(inside)
    assert not requires and no_fn, "a result computed inside no_grad() is outside the graph"
    assert inner is False, "is_grad_enabled() should be False inside no_grad()"
    assert after is True, "recording must be back on after the with block"


def test_no_grad_as_a_decorator(run):
    def decorated():
        @no_grad()
        def evaluate(x):
            return x * 2

        x = Tensor([1.0], requires_grad=True)
        return evaluate(x).requires_grad, (x * 2).requires_grad

    inside, outside = run(decorated)
    assert inside is False, "a function decorated with @no_grad() records no graph"
    assert outside is True, "recording is back on after the decorated call"


run_tests(test_no_grad_records_nothing, test_no_grad_as_a_decorator)
### BEGIN HIDDEN TESTS
def test_grad_modes_nest_and_survive_exceptions(run):
    def nested():
        x = Tensor([1.0], requires_grad=True)
        with no_grad():
            with enable_grad():
                inner = (x * 2).requires_grad
            middle = (x * 2).requires_grad
        return inner, middle, is_grad_enabled()

    def after_exception():
        try:
            with no_grad():
                raise ValueError("boom")
        except ValueError:
            pass
        return is_grad_enabled()

    def outer_off():
        previous = set_grad_enabled(False)
        try:
            with no_grad():
                pass
            return is_grad_enabled()
        finally:
            set_grad_enabled(previous)

    inner, middle, after = run(nested)
    assert inner is True, "enable_grad() inside no_grad() records again"
    assert middle is False, "leaving enable_grad() returns to no_grad()'s mode"
    assert after is True, "recording is back on after both blocks"
    assert run(after_exception) is True, "an exception inside no_grad() must restore the mode"
    assert run(outer_off) is False, "no_grad() restores the previous mode, not always True"


run_tests(test_grad_modes_nest_and_survive_exceptions)
### END HIDDEN TESTS

# %% [markdown]
# From here on each rule is tested through `backward()`, your walk, against gradients the
# tests compute with finite differences.
#
# ### 3.8 Piece 8: the rules of `div` and `pow`
#
# `out = a / b` is `a · b⁻¹`: `∂out/∂a = 1/b` and `∂out/∂b = -a/b²`, so
# `(grad / b, -grad * a / b²)`. Common mistake: `-grad / b**2` for `b`, forgetting `a`.
#
# `out = a ** b` has two inputs, the base `a` and the exponent `b` (module 01 records the
# exponent as `fn.inputs[1]`, a constant tensor for `x ** 2`). Treating each in turn as the
# variable:
#
# - `∂out/∂a = b · a^(b-1)`: the power rule.
# - `∂out/∂b = a^b · ln a = out · ln a`: the exponential rule (`2 ** t`, module 13's
#   positional encodings).
#
# Two cases need care, as in PyTorch: where `b == 0` the base's gradient is 0 (even at
# `a = 0`, where `0 ** -1` would give inf · 0 = nan); and `ln a` is undefined for `a <= 0`:
# compute the exponent's gradient only when `fn.inputs[1].requires_grad` (return None
# otherwise), and make it 0 where `a == 0` and `b >= 0`.

# %% solution="autograd-div-pow"
#| export
@backward_rule("div")
def div_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a / b: (grad / b, -grad * a / b**2)."""
    a, b = _inputs(fn)
    ### BEGIN SOLUTION
    return grad / b, -grad * a / (b * b)
    ### END SOLUTION


@backward_rule("pow")
def pow_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a ** b: (grad * b * a**(b-1), grad * out * ln a).

    TODO: return the base's and the exponent's gradients (None for the exponent if it does
    not require grad).
    APPROACH: `np.where(b == 0, 0, grad * b * a ** (b - 1))` for the base; for the exponent,
    `np.where((a == 0) & (b >= 0), 0, grad * out * np.log(a))`.
    EXAMPLE: x ** 2 at x = 3 with grad 1 -> base gradient 6.
    HINTS: NumPy warns about log(0) and 0 ** -1: the `np.errstate` around your code
    silences it (np.where computes both branches).
    """
    a, b = _inputs(fn)
    with np.errstate(all="ignore"):
        ### BEGIN SOLUTION
        grad_a = np.where(b == 0, 0, grad * b * a ** (b - 1))
        grad_b = None
        if fn.inputs[1].requires_grad:
            grad_b = np.where((a == 0) & (b >= 0), 0, grad * out * np.log(a))
        return grad_a, grad_b
        ### END SOLUTION


# %% test="autograd-div-pow-tests" points=4
def numeric_gradient(f, x, eps=1e-6):
    """Central differences of the scalar function f (NumPy, float64) at the array x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        above = f(x)
        x[i] = saved - eps
        below = f(x)
        x[i] = saved
        grad[i] = (above - below) / (2 * eps)
    return grad


def test_pow_rule_for_the_base(run):
    def square_and_cube(values):
        x = Tensor(values, requires_grad=True)
        (x**2 + x**3).sum().backward()
        return x.grad.numpy()

    values = np.array([1.5, -2.0, 0.5])
    expected = numeric_gradient(lambda v: (v**2 + v**3).sum(), values)
    assert_array(run(square_and_cube, values), expected, rtol=1e-5, atol=1e-5,
                 what="x.grad of sum(x**2 + x**3): 2x + 3x**2")


def test_pow_rule_for_the_exponent(run):
    def powers_of_two(values):
        t = Tensor(values, requires_grad=True)
        (2.0**t).sum().backward()
        return t.grad.numpy()

    values = np.array([0.0, 1.0, -1.5])
    assert_array(run(powers_of_two, values), 2.0**values * np.log(2.0), rtol=1e-5,
                 what="t.grad of sum(2 ** t): 2**t * ln 2")


def test_div_rule(run):
    def rule():
        a = Tensor([1.0, 6.0], requires_grad=True)
        b = Tensor([2.0, 3.0], requires_grad=True)
        out = a / b
        return list(div_backward(out.grad_fn, np.ones(2, np.float32), out.data))

    grad_a, grad_b = run(rule)
    assert_array(grad_a, [0.5, 1 / 3], what="div's gradient for a (1 / b)")
    assert_array(grad_b, [-0.25, -6 / 9], what="div's gradient for b (-a / b**2)")


run_tests(test_div_rule, test_pow_rule_for_the_base, test_pow_rule_for_the_exponent)
### BEGIN HIDDEN TESTS
def test_pow_edge_cases(run):
    def both_and_zero():
        a = Tensor([2.0, 3.0], requires_grad=True)
        b = Tensor([3.0, 0.5], requires_grad=True)
        (a**b).sum().backward()
        zero = Tensor([0.0, -2.0], requires_grad=True)
        (zero**0 + zero**2).sum().backward()
        return a.grad.numpy(), b.grad.numpy(), zero.grad.numpy()

    grad_a, grad_b, grad_zero = run(both_and_zero)
    a, b = np.array([2.0, 3.0]), np.array([3.0, 0.5])
    assert_array(grad_a, b * a ** (b - 1), rtol=1e-5, what="a.grad of sum(a ** b)")
    assert_array(grad_b, a**b * np.log(a), rtol=1e-5, what="b.grad of sum(a ** b)")
    assert_array(grad_zero, [0.0, -4.0],
                 what="grad of x**0 + x**2 at x = [0, -2] (x**0 has gradient 0, never nan)")


def test_div_through_backward(run):
    def divisions():
        x = Tensor([1.0, 4.0], requires_grad=True)
        y = Tensor([[2.0], [-1.0]], requires_grad=True)
        (2 / x + x / y).sum().backward()
        return x.grad.numpy(), y.grad.numpy()

    grad_x, grad_y = run(divisions)
    assert_array(grad_x, [2 * -2.0 - 0.5, 2 * -0.125 - 0.5], rtol=1e-6,
                 what="x.grad of sum(2 / x + x / y), y (2, 1), a (2, 2) result: "
                 "2 * (-2 / x**2) (2 / x is broadcast over 2 rows) + sum(1 / y)")
    assert_array(grad_y, [[-5.0 / 4.0], [-5.0]], rtol=1e-6,
                 what="y.grad of sum(x / y): -sum(x) / y**2 (summed over the broadcast row)")


run_tests(test_pow_edge_cases, test_div_through_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.9 Piece 9: the rule of `matmul`
#
# For 2-D matrices, `out = a @ b` with `a` `(m, k)`, `b` `(k, n)`: the gradient of `a` is
# `grad @ bᵀ` `(m, k)` and the gradient of `b` is `aᵀ @ grad` `(k, n)`. A shape check
# finds the formula: the only way to make `(m, k)` from `grad (m, n)` and `b (k, n)` is
# `grad @ bᵀ`. With batch dims, "ᵀ" swaps the last two axes (`np.swapaxes(b, -1, -2)`),
# and the walk's `unbroadcast` sums a gradient over batch dims its input was broadcast
# along (a `(k, n)` weight used by a `(batch, m, k)` input).
#
# 1-D operands need one more step. NumPy treats a vector `a` `(k,)` on the left as a row
# `(1, k)` and drops that dim from the result; a vector `b` on the right as a column
# `(k, 1)`. So: make them 2-D (`a[None, :]`, `b[:, None]`), put the dropped dims back into
# `grad` (given), apply the 2-D formulas, then remove the added dim from each gradient.
#
# Skipping work: an input that does not require grad needs no gradient. The first layer
# of a network multiplies the data (no grad) by a weight; computing the data's gradient
# would cost a whole extra matmul. Return None for it.
#
# Memory layout: a gradient should have the layout of its input (PyTorch's gradient layout
# contract). `Linear` computes `x @ weight.transpose()`: `b` is then a transposed *view* of
# the C-ordered weight (column-major, `b.strides[-2] < b.strides[-1]`). `aᵀ @ grad` would
# give `b` a row-major gradient, which transpose's rule turns into a column-major
# `weight.grad`; the optimizer's in-place update then walks a C-ordered weight and an
# F-ordered gradient together with strided loops, about twice as slow. Computing the same
# numbers as `(gradᵀ @ a)ᵀ` costs nothing more (BLAS reads transposed views directly) and
# gives `b` a transposed gradient, so `weight.grad` comes out C-ordered like the weight.

# %% solution="autograd-matmul"
#| export
def _column_major(array: np.ndarray) -> bool:
    """Whether the last two dims are stored column by column (a transposed C array)."""
    return array.ndim >= 2 and array.strides[-2] < array.strides[-1]


@backward_rule("matmul")
def matmul_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of out = a @ b: (grad @ bᵀ, aᵀ @ grad), with NumPy's 1-D and batch rules.

    TODO: compute the gradients of the 2-D views a2, b2, then remove the dims added to 1-D
    operands; return None for an input that does not require grad.

    APPROACH:
    1. grad_a = grad2 @ swapaxes(b2, -1, -2); if a was 1-D take grad_a[..., 0, :].
    2. grad_b = swapaxes(a2, -1, -2) @ grad2; if b was 1-D take grad_b[..., 0]. If b2 is
       column-major (`_column_major(b2)`), compute it as swapaxes(swapaxes(grad2) @ a2).

    EXAMPLE: a (2, 3), b (3,): out (2,); grad_a (2, 3) = outer(grad, b); grad_b (3,) = aᵀ grad.

    HINTS: leave batch dims alone: the walk's unbroadcast sums them.
    """
    a, b = _inputs(fn)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    grad2 = grad[..., None] if b.ndim == 1 else grad
    grad2 = grad2[..., None, :] if a.ndim == 1 else grad2
    ### BEGIN SOLUTION
    grad_a = grad_b = None
    if fn.inputs[0].requires_grad:
        grad_a = grad2 @ np.swapaxes(b2, -1, -2)
        grad_a = grad_a[..., 0, :] if a.ndim == 1 else grad_a
    if fn.inputs[1].requires_grad:
        if b.ndim == 2 and a2.ndim > 2:
            # A matrix shared by a batch (Linear on (B, T, in)): one GEMM over all B·T rows
            # instead of a (B, in, out) stack of products for unbroadcast to sum.
            a2 = a2.reshape(-1, a2.shape[-1])
            grad2 = grad2.reshape(-1, grad2.shape[-1])
        if _column_major(b2):  # a transposed view (Linear's weight): so is its gradient
            grad_b = np.swapaxes(np.swapaxes(grad2, -1, -2) @ a2, -1, -2)
        else:
            grad_b = np.swapaxes(a2, -1, -2) @ grad2
        grad_b = grad_b[..., 0] if b.ndim == 1 else grad_b
    return grad_a, grad_b
    ### END SOLUTION


# %% test="autograd-matmul-tests" points=5
def test_matmul_rule_2d(run):
    def product(a, b):
        ta = Tensor(a, requires_grad=True)
        tb = Tensor(b, requires_grad=True)
        (ta @ tb).sum().backward()
        return ta.grad.numpy(), tb.grad.numpy()

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal((3, 4))
    grad_a, grad_b = run(product, a, b)
    assert_array(grad_a, np.ones((2, 4)) @ b.T, rtol=1e-5,
                 what="a.grad of sum(a @ b) (grad @ b.T)")
    assert_array(grad_b, a.T @ np.ones((2, 4)), rtol=1e-5,
                 what="b.grad of sum(a @ b) (a.T @ grad)")


def test_matmul_rule_vector(run):
    def matrix_vector(a, v):
        ta = Tensor(a, requires_grad=True)
        tv = Tensor(v, requires_grad=True)
        (ta @ tv * Tensor([1.0, 2.0])).sum().backward()
        return ta.grad.numpy(), tv.grad.numpy()

    a = np.arange(6.0).reshape(2, 3)
    v = np.array([1.0, -1.0, 2.0])
    grad_a, grad_v = run(matrix_vector, a, v)
    g = np.array([1.0, 2.0])
    assert_array(grad_a, np.outer(g, v), what="a.grad of (a @ v), a (2, 3), v (3,)")
    assert_array(grad_v, a.T @ g, what="v.grad of (a @ v), v a 1-D right operand")


run_tests(test_matmul_rule_2d, test_matmul_rule_vector)
### BEGIN HIDDEN TESTS
def test_matmul_rule_batched_and_vectors(run):
    def batched(x, w):
        tx = Tensor(x, requires_grad=True)
        tw = Tensor(w, requires_grad=True)
        ((tx @ tw) ** 2).sum().backward()
        return tx.grad.numpy(), tw.grad.numpy()

    def vectors(u, v):
        tu = Tensor(u, requires_grad=True)
        tv = Tensor(v, requires_grad=True)
        (tu @ tv * 3.0).backward()
        return tu.grad.numpy(), tv.grad.numpy()

    def constant_left(x, w):
        tw = Tensor(w, requires_grad=True)
        out = (Tensor(x) @ tw).sum()
        grads = out.grad_fn.inputs[0].grad_fn
        rule = matmul_backward(grads, np.ones((2, 2), np.float32), np.zeros((2, 2)))
        return rule[0] is None, np.asarray(rule[1]).shape

    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 2))
    grad_x, grad_w = run(batched, x, w)
    out = x @ w
    assert_array(grad_x, 2 * out @ w.T, rtol=1e-5, what="x.grad of sum((x @ w)**2), x batched")
    assert_array(grad_w, np.einsum("bmk,bmn->kn", x, 2 * out), rtol=1e-5,
                 what="w.grad of sum((x @ w)**2): summed over the batch of x")
    u, v = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    grad_u, grad_v = run(vectors, u, v)
    assert_array(grad_u, 3 * v, what="u.grad of 3 (u @ v), two vectors")
    assert_array(grad_v, 3 * u, what="v.grad of 3 (u @ v), two vectors")
    none_for_data, shape = run(constant_left, rng.standard_normal((2, 4)), w)
    assert none_for_data, "matmul's rule should skip (return None for) an input without grad"
    assert shape == (4, 2), f"the weight's gradient should still be (4, 2), got {shape}"


def test_matmul_rule_keeps_a_transposed_layout(run):
    def layout(x, w):
        tw = Tensor(w, requires_grad=True)
        out = Tensor(x) @ tw.transpose()  # Linear's product: b is a transposed view
        grad_b = matmul_backward(out.grad_fn, np.ones(out.shape, np.float32), out.data)[1]
        return bool(grad_b.strides[0] < grad_b.strides[1]), np.asarray(grad_b)

    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    column_major, grad_b = run(layout, x, w)
    assert_array(grad_b, x.T @ np.ones((5, 3)), dtype="float32", rtol=1e-5,
                 what="the gradient of weight.transpose() in x @ weight.transpose()")
    assert column_major, ("the gradient of a transposed view should be transposed too "
                          "(column-major): compute it as swapaxes(swapaxes(grad2) @ a2)")


run_tests(test_matmul_rule_batched_and_vectors, test_matmul_rule_keeps_a_transposed_layout)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.10 Piece 10: the rule of `max`
#
# `out = x.max(axis)` depends only on the largest elements: the gradient goes to them, and
# every other element gets 0. When several elements tie for the maximum, PyTorch's
# `amax` splits the gradient **evenly** among them (each of 2 ties gets half), so the total
# still equals the upstream gradient. Build a mask of the maxima (`x == out` with the
# reduced dims kept), count the maxima per output element, and divide.

# %% solution="autograd-max"
#| export
@backward_rule("max")
def max_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x.max(axis, keepdims) (torch.amax): grad shared evenly among ties.

    TODO: return the gradient of x: grad where x is a maximum, divided by the number of
    maxima of its output element; 0 elsewhere.
    APPROACH:
    1. mask = x == _keep_reduced_dims(out, fn)
    2. count = mask.sum(axis=axis, keepdims=True) (axis is fn.saved["axis"])
    3. mask * _keep_reduced_dims(grad, fn) / count
    EXAMPLE: x = [1, 3, 3], max() with grad 1 -> [0, 0.5, 0.5].
    HINTS: `keepdims=True` keeps count broadcastable against x.
    """
    x = fn.inputs[0].data
    ### BEGIN SOLUTION
    mask = x == _keep_reduced_dims(out, fn)
    count = mask.sum(axis=fn.saved["axis"], keepdims=True)
    return (mask * _keep_reduced_dims(grad, fn) / count,)
    ### END SOLUTION


# %% test="autograd-max-tests" points=3
def test_max_rule(run):
    def maxima():
        x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
        (x.max(axis=1) * Tensor([1.0, 2.0])).sum().backward()
        return x.grad.numpy()

    assert_array(run(maxima), [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]],
                 what="x.grad of sum(x.max(axis=1) * [1, 2])")


run_tests(test_max_rule)
### BEGIN HIDDEN TESTS
def test_max_rule_splits_ties(run):
    def ties():
        x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
        x.max().backward()
        y = Tensor([[2.0, 2.0], [2.0, 1.0]], requires_grad=True)
        y.max(axis=0, keepdims=True).sum().backward()
        return x.grad.numpy(), y.grad.numpy()

    grad_x, grad_y = run(ties)
    assert_array(grad_x, [0.0, 0.5, 0.5], what="x.grad of max([1, 3, 3]): ties share evenly")
    assert_array(grad_y, [[0.5, 1.0], [0.5, 0.0]], what="y.grad of max(axis=0) with a tie")


run_tests(test_max_rule_splits_ties)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.11 Piece 11: the rules of `reshape` and `transpose`
#
# Views move elements around without changing them, so their gradients move the gradient
# back: `reshape`'s gradient is `grad` reshaped to the input's shape, and `transpose`'s
# swaps the same two dims back (`np.swapaxes(grad, dim0, dim1)`, the dims are in
# `fn.saved`).

# %% solution="autograd-views"
#| export
@backward_rule("reshape")
def reshape_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x.reshape(shape): grad reshaped back to x's shape."""
    ### BEGIN SOLUTION
    return (grad.reshape(fn.inputs[0].shape),)
    ### END SOLUTION


@backward_rule("transpose")
def transpose_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x.transpose(dim0, dim1): grad with the same two dims swapped back."""
    ### BEGIN SOLUTION
    return (np.swapaxes(grad, fn.saved["dim0"], fn.saved["dim1"]),)
    ### END SOLUTION


# %% test="autograd-views-tests" points=3
def test_reshape_and_transpose_rules(run):
    def views():
        x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        weights = Tensor(np.arange(6.0).reshape(3, 2))
        (x.transpose() * weights).sum().backward()
        y = Tensor(np.ones(6), requires_grad=True)
        (y.reshape(2, 3) * Tensor([[1.0, 2.0, 3.0]])).sum().backward()
        return x.grad.numpy(), y.grad.numpy()

    grad_x, grad_y = run(views)
    assert_array(grad_x, np.arange(6.0).reshape(3, 2).T, what="x.grad of sum(x.T * w): w.T")
    assert_array(grad_y, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0], what="y.grad through reshape(2, 3)")


run_tests(test_reshape_and_transpose_rules)
### BEGIN HIDDEN TESTS
def test_transpose_rule_with_dims(run):
    def swap():
        x = Tensor(np.ones((2, 3, 4)), requires_grad=True)
        w = Tensor(np.arange(24.0).reshape(4, 3, 2))
        (x.transpose(0, 2) * w).sum().backward()
        return x.grad.numpy()

    assert_array(run(swap), np.swapaxes(np.arange(24.0).reshape(4, 3, 2), 0, 2),
                 what="x.grad of sum(x.transpose(0, 2) * w)")


run_tests(test_transpose_rule_with_dims)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.12 Piece 12: the rule of `getitem`
#
# `out = x[index]` picks elements; its gradient puts `grad` back where they came from, and
# zeros elsewhere. Start from zeros of x's shape and add `grad` at `index`.
#
# The trap: with an integer-array index, the same element can be picked twice
# (`x[[0, 0, 1]]`, or the target column of a cross entropy when two samples share a
# class). `g[index] += grad` then writes element 0 twice, the second write replacing the
# first, and one gradient is lost. `np.add.at(g, index, grad)` **accumulates**: a
# repeated index gets the sum. It handles ints, slices, masks and index arrays alike.
#
# The fast path: `np.add.at` is an unbuffered loop, slower than a plain assignment (1.6x on
# a cross entropy's index with NumPy 2.4, far more before NumPy 1.25). A *basic*
# index (ints, slices, `None`, `...`; `_basic_index(index)`, given) can never pick an element
# twice, so `g[index] = grad` is exact for it; keep `np.add.at` for index arrays and masks.

# %% solution="autograd-getitem"
#| export
def _basic_index(index: object) -> bool:
    """Whether `index` is basic indexing (ints, slices, None, ...), which picks each element
    at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in parts)


@backward_rule("getitem")
def getitem_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = x[index]: zeros of x's shape with grad added at index (np.add.at).

    TODO: scatter `grad` into zeros of the input's shape, summing repeated indices.
    APPROACH: `g = np.zeros(x.shape, dtype=grad.dtype)`, then `g[index] = grad` for a basic
    index, else `np.add.at(g, index, grad)`.
    EXAMPLE: x (3,), index [0, 0, 2], grad [1, 2, 3] -> [3, 0, 3].
    HINTS: the index is `fn.saved["index"]`.
    """
    ### BEGIN SOLUTION
    g = np.zeros(fn.inputs[0].shape, dtype=grad.dtype)
    index = fn.saved["index"]
    if _basic_index(index):  # each element at most once: a plain assignment is exact
        g[index] = grad
    else:
        np.add.at(g, index, grad)
    return (g,)
    ### END SOLUTION


# %% test="autograd-getitem-tests" points=4
def test_getitem_rule_for_slices(run):
    def sliced():
        x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        (x[:, 1:] * Tensor([[1.0, 2.0]])).sum().backward()
        return x.grad.numpy()

    assert_array(run(sliced), [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]],
                 what="x.grad of sum(x[:, 1:] * [1, 2])")


def test_getitem_rule_for_repeated_indices(run):
    def repeated():
        x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
        (x[np.array([0, 0, 2])] * Tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.grad.numpy()

    assert_array(run(repeated), [3.0, 0.0, 3.0],
                 what="x.grad of sum(x[[0, 0, 2]] * [1, 2, 3]): index 0 is used twice")


run_tests(test_getitem_rule_for_slices, test_getitem_rule_for_repeated_indices)
### BEGIN HIDDEN TESTS
def test_getitem_rule_masks_and_pairs(run):
    def masks_and_pairs():
        x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        (x[x.numpy() > 2.0] * 2.0).sum().backward()
        y = Tensor(np.zeros((3, 4)), requires_grad=True)
        rows, cols = np.array([0, 1, 2, 0]), np.array([1, 3, 1, 1])
        y[rows, cols].sum().backward()
        z = Tensor([1.0, 2.0], requires_grad=True)
        (z[1] * 5.0).backward()
        return x.grad.numpy(), y.grad.numpy(), z.grad.numpy()

    grad_x, grad_y, grad_z = run(masks_and_pairs)
    assert_array(grad_x, [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]], what="x.grad through a bool mask")
    expected = np.zeros((3, 4))
    np.add.at(expected, (np.array([0, 1, 2, 0]), np.array([1, 3, 1, 1])), 1.0)
    assert_array(grad_y, expected, what="y.grad of y[rows, cols] with the pair (0, 1) twice")
    assert_array(grad_z, [0.0, 5.0], what="z.grad of 5 * z[1] (an int index, 0-d result)")


run_tests(test_getitem_rule_masks_and_pairs)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.13 Piece 13: the rules of `exp` and `log`
#
# `out = eˣ` is its own derivative: `grad * out`, reusing the output instead of computing
# `exp` again (that is why rules receive `out`). `out = ln x`: `grad / x`.

# %% solution="autograd-exp-log"
#| export
@backward_rule("exp")
def exp_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = exp(x): grad * out."""
    ### BEGIN SOLUTION
    return (grad * out,)
    ### END SOLUTION


@backward_rule("log")
def log_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = log(x): grad / x."""
    ### BEGIN SOLUTION
    return (grad / fn.inputs[0].data,)
    ### END SOLUTION


# %% test="autograd-exp-log-tests" points=2
def test_exp_and_log_rules(run):
    def exp_log(values):
        x = Tensor(values, requires_grad=True)
        (x.exp() + (x * x).log()).sum().backward()
        return x.grad.numpy()

    values = np.array([0.5, -1.0, 2.0])
    expected = numeric_gradient(lambda v: (np.exp(v) + np.log(v * v)).sum(), values)
    assert_array(run(exp_log, values), expected, rtol=1e-4, atol=1e-5,
                 what="x.grad of sum(exp(x) + log(x * x)): exp(x) + 2 / x")


run_tests(test_exp_and_log_rules)
### BEGIN HIDDEN TESTS
def test_exp_rule_uses_float64_and_shares_output(run):
    def in_float64(values):
        x = Tensor(values, requires_grad=True)
        y = x.exp()
        (y * y).sum().backward()
        return str(x.grad.dtype), x.grad.numpy()

    values = np.array([0.1, 1.0])
    dtype, grad = run(in_float64, values)
    assert dtype == "float64", f"a float64 input keeps a float64 grad, got {dtype}"
    assert_array(grad, 2 * np.exp(2 * values), rtol=1e-10, what="x.grad of sum(exp(x)**2)")


run_tests(test_exp_rule_uses_float64_and_shares_output)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.14 Piece 14: the rules of `relu` and `sigmoid`
#
# Module 02's activations record `"relu"`, `"sigmoid"`, `"tanh"` and `"gelu"` with one
# input. The first three derivatives are cheapest from the **output**:
#
# - `relu(x) = max(x, 0)`: gradient `grad` where `x > 0`, else 0 (PyTorch uses 0 at
#   exactly 0; so do we).
# - `sigmoid(x) = σ`: `dσ/dx = σ(1 - σ)`, so `grad * out * (1 - out)`: no `exp` needed.

# %% solution="autograd-relu-sigmoid"
#| export
@backward_rule("relu")
def relu_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = relu(x): grad where x > 0, else 0."""
    ### BEGIN SOLUTION
    return (grad * (out > 0),)
    ### END SOLUTION


@backward_rule("sigmoid")
def sigmoid_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = sigmoid(x): grad * out * (1 - out)."""
    ### BEGIN SOLUTION
    return (grad * out * (1 - out),)
    ### END SOLUTION


# %% test="autograd-relu-sigmoid-tests" points=3
def test_relu_and_sigmoid_rules(run):
    def activations(values):
        x = Tensor(values, requires_grad=True)
        (relu(x) * 3.0 + sigmoid(x) * 2.0).sum().backward()
        return x.grad.numpy()

    values = np.array([-1.5, 0.25, 2.0])

    def reference(v):
        return (3 * np.maximum(v, 0) + 2 / (1 + np.exp(-v))).sum()

    assert_array(run(activations, values), numeric_gradient(reference, values),
                 rtol=1e-4, atol=1e-4, what="x.grad of sum(3 relu(x) + 2 sigmoid(x))")


run_tests(test_relu_and_sigmoid_rules)
### BEGIN HIDDEN TESTS
def test_activation_rules_at_extremes(run):
    def extremes():
        x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
        (relu(x) + sigmoid(x)).sum().backward()
        return x.grad.numpy()

    assert_array(run(extremes), [0.0, 0.25, 1.0],
                 what="x.grad of relu + sigmoid at -1000, 0, 1000 (finite, relu'(0) = 0)")


run_tests(test_activation_rules_at_extremes)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.15 Piece 15: the rules of `tanh` and `gelu`
#
# `tanh(x) = t`: `dt/dx = 1 - t²`, so `grad * (1 - out**2)`, from the output again.
#
# `GELU(x) = x · Φ(x)`, with Φ the standard normal's CDF; module 02 records
# `approximate` (`"none"` or `"tanh"`) in `fn.saved`. The product rule gives
# `Φ(x) + x · φ(x)`, with the normal density `φ(x) = e^(-x²/2) / √(2π)`. NumPy has no
# `erf`; Φ is given (`_normal_cdf`), built on module 02's `erfc`, the function GELU's
# forward used: `Φ(x) = erfc(-x/√2) / 2`. With `approximate="tanh"`,
# `GELU(x) = 0.5x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`, and its derivative is
# `0.5(1 + t) + 0.5x(1 - t²) · √(2/π)(1 + 3 · 0.044715x²)` with `t = tanh(u)`.

# %% solution="autograd-tanh-gelu"
#| export
@backward_rule("tanh")
def tanh_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = tanh(x): grad * (1 - out**2)."""
    ### BEGIN SOLUTION
    return (grad * (1 - out * out),)
    ### END SOLUTION


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x), the standard normal CDF, elementwise (computed in float64, returned in x's dtype)."""
    x = np.asarray(x)
    return (0.5 * erfc(-x.astype(np.float64) / math.sqrt(2.0))).astype(x.dtype)


@backward_rule("gelu")
def gelu_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = gelu(x, approximate): grad * (Φ(x) + x φ(x)), or the tanh form's.

    TODO: return grad times GELU's derivative, for both values of fn.saved["approximate"].
    APPROACH: the formulas above; `np.tanh`, `np.exp`, `math.sqrt(2 / math.pi)`.
    EXAMPLE: at x = 0 both forms have derivative 0.5.
    HINTS: compute t = np.tanh(u) once.
    """
    x = fn.inputs[0].data
    ### BEGIN SOLUTION
    if fn.saved.get("approximate", "none") == "tanh":
        c = math.sqrt(2.0 / math.pi)
        t = np.tanh(c * (x + 0.044715 * x**3))
        derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    else:
        density = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        # Φ(x) = out / x: the forward's erfc, not computed again (Φ(0) = 1/2)
        cdf = np.divide(out, x, out=np.full_like(out, 0.5), where=x != 0)
        derivative = cdf + x * density
    return (grad * derivative,)
    ### END SOLUTION


# %% test="autograd-tanh-gelu-tests" points=2
def test_gelu_rule_both_forms(run):
    def gelus(values):
        x = Tensor(values, requires_grad=True)
        (GELU()(x) + GELU(approximate="tanh")(x) * 2.0 + Tanh()(x)).sum().backward()
        return x.grad.numpy()

    import math

    def reference(v):
        exact = v * 0.5 * (1 + np.vectorize(math.erf)(v / math.sqrt(2)))
        u = math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)
        return (exact + 2 * 0.5 * v * (1 + np.tanh(u)) + np.tanh(v)).sum()

    values = np.array([-2.0, -0.3, 0.0, 1.2])
    assert_array(run(gelus, values), numeric_gradient(reference, values), rtol=1e-4, atol=1e-4,
                 what="x.grad of sum(gelu(x) + 2 gelu_tanh(x) + tanh(x))")


run_tests(test_gelu_rule_both_forms)
### BEGIN HIDDEN TESTS
def test_gelu_rule_in_float64(run):
    def gelu64(values):
        x = Tensor(values, requires_grad=True)
        GELU()(x).sum().backward()
        return x.grad.numpy()

    def tanh_extremes():
        x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
        Tanh()(x).sum().backward()
        return x.grad.numpy()

    import math

    values = np.array([-3.0, 0.5, 4.0])
    cdf = 0.5 * (1 + np.vectorize(math.erf)(values / math.sqrt(2)))
    expected = cdf + values * np.exp(-values**2 / 2) / math.sqrt(2 * math.pi)
    assert_array(run(gelu64, values), expected, rtol=1e-6, what="x.grad of gelu(x) in float64")
    assert_array(run(tanh_extremes), [0.0, 1.0, 0.0], what="x.grad of tanh at -1000, 0, 1000")


run_tests(test_gelu_rule_in_float64)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.16 Piece 16: the rules of `softmax` and `log_softmax`
#
# Softmax couples a row: each output depends on every input of its row, so its Jacobian
# is a matrix, `∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ - sⱼ)`. Multiplying the upstream gradient by it never
# needs the matrix:
#
# `grad_x = s · (grad - Σⱼ grad_j sⱼ)`, the sum along `dim` with keepdims.
#
# `log_softmax(x) = x - logsumexp(x)`, so `∂/∂xⱼ` of output i is `δᵢⱼ - sⱼ` with
# `s = exp(out)`: `grad_x = grad - s · Σ grad`, the sum along `dim` with keepdims. Both
# ops save `dim` in `fn.saved`.

# %% solution="autograd-softmax"
#| export
@backward_rule("softmax")
def softmax_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = softmax(x, dim): out * (grad - sum(grad * out, dim))."""
    dim = fn.saved["dim"]
    if out.ndim == 0:  # the softmax of one number is 1, whatever the number
        return (np.zeros_like(grad),)
    ### BEGIN SOLUTION
    return (out * (grad - (grad * out).sum(axis=dim, keepdims=True)),)
    ### END SOLUTION


@backward_rule("log_softmax")
def log_softmax_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradient of out = log_softmax(x, dim): grad - exp(out) * sum(grad, dim)."""
    dim = fn.saved["dim"]
    ### BEGIN SOLUTION
    return (grad - np.exp(out) * grad.sum(axis=dim, keepdims=True),)
    ### END SOLUTION


# %% test="autograd-softmax-tests" points=3
def test_softmax_and_log_softmax_rules(run):
    def softmaxes(values, weights):
        x = Tensor(values, requires_grad=True)
        w = Tensor(weights)
        (softmax(x, dim=-1) * w + log_softmax(x, dim=-1) * w * 0.5).sum().backward()
        return x.grad.numpy()

    def reference(v, w):
        shifted = v - v.max(axis=-1, keepdims=True)
        log_s = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return (np.exp(log_s) * w + log_s * w * 0.5).sum()

    rng = np.random.default_rng(0)
    values, weights = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    expected = numeric_gradient(lambda v: reference(v, weights), values)
    assert_array(run(softmaxes, values, weights), expected, rtol=1e-4, atol=1e-5,
                 what="x.grad of sum(softmax(x) * w + 0.5 log_softmax(x) * w)")


run_tests(test_softmax_and_log_softmax_rules)
### BEGIN HIDDEN TESTS
def test_softmax_rules_along_dim_0_and_large_logits(run):
    def along_0(values, weights):
        x = Tensor(values, requires_grad=True)
        (softmax(x, dim=0) * Tensor(weights)).sum().backward()
        return x.grad.numpy()

    def large():
        x = Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
        log_softmax(x, dim=1)[0, 1].backward()
        return x.grad.numpy()

    rng = np.random.default_rng(2)
    values, weights = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def reference(v):
        e = np.exp(v - v.max(axis=0))
        return (e / e.sum(axis=0) * weights).sum()

    assert_array(run(along_0, values, weights), numeric_gradient(reference, values),
                 rtol=1e-4, atol=1e-5, what="x.grad of softmax along dim 0")
    assert_array(run(large), [[-1.0, 1.0, 0.0]], atol=1e-6,
                 what="x.grad of log_softmax(x)[0, 1] with logits ±1000 (finite)")


run_tests(test_softmax_rules_along_dim_0_and_large_logits)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.17 Piece 17: the rules of the binary cross entropies
#
# Module 04 records two elementwise ops with inputs `(input, target)`:
#
# - `"binary_cross_entropy"`: `ℓ = -(y ln p + (1 - y) ln(1 - p))`, with each log clamped
#   at -100 as PyTorch does. `∂ℓ/∂p = (p - y) / (p(1 - p))`; PyTorch guards the division
#   with `max(p(1 - p), 1e-12)`. `∂ℓ/∂y = ln(1 - p) - ln p` (PyTorch does not clamp
#   these logs: the target's gradient is ±inf at p = 0 or 1).
# - `"binary_cross_entropy_with_logits"`: `ℓ = max(x, 0) - x·y + ln(1 + e^-|x|)`, which
#   is `BCE(σ(x), y)` computed stably. `∂ℓ/∂x = σ(x) - y`, `∂ℓ/∂y = -x`.
#
# Compute a target's gradient only when it requires grad (None otherwise): targets
# almost never do.

# %% solution="autograd-bce"
#| export
def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = exp(-log(1 + e^-x)) without overflow at either end."""
    return np.exp(-np.logaddexp(0.0, -x))


@backward_rule("binary_cross_entropy")
def binary_cross_entropy_backward(fn: GradFn, grad: np.ndarray, out: np.ndarray) -> tuple:
    """Gradients of BCE(p, y): (grad (p - y) / max(p (1 - p), 1e-12), grad (ln(1-p) - ln p))."""
    p, y = _inputs(fn)
    with np.errstate(divide="ignore"):
        ### BEGIN SOLUTION
        grad_p = grad * (p - y) / np.maximum(p * (1 - p), 1e-12)
        grad_y = None
        if fn.inputs[1].requires_grad:
            grad_y = grad * (np.log1p(-p) - np.log(p))
        return grad_p, grad_y
        ### END SOLUTION


@backward_rule("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits_backward(fn: GradFn, grad: np.ndarray,
                                              out: np.ndarray) -> tuple:
    """Gradients of BCE-with-logits(x, y): (grad (σ(x) - y), -grad x)."""
    x, y = _inputs(fn)
    ### BEGIN SOLUTION
    grad_x = grad * (_stable_sigmoid(x) - y)
    grad_y = -grad * x if fn.inputs[1].requires_grad else None
    return grad_x, grad_y
    ### END SOLUTION


# %% test="autograd-bce-tests" points=2
def test_binary_cross_entropy_rules(run):
    def losses(p, logits, y):
        tp = Tensor(p, requires_grad=True)
        tx = Tensor(logits, requires_grad=True)
        BCELoss(reduction="sum")(tp, Tensor(y)).backward()
        BCEWithLogitsLoss(reduction="sum")(tx, Tensor(y)).backward()
        return tp.grad.numpy(), tx.grad.numpy()

    p, logits = np.array([0.2, 0.7, 0.9]), np.array([-2.0, 0.5, 30.0])
    y = np.array([0.0, 1.0, 1.0])
    grad_p, grad_x = run(losses, p, logits, y)
    assert_array(grad_p, (p - y) / (p * (1 - p)), rtol=1e-6, what="p.grad of BCE(p, y)")
    assert_array(grad_x, 1 / (1 + np.exp(-logits)) - y, rtol=1e-6, atol=1e-12,
                 what="x.grad of BCEWithLogits(x, y): sigmoid(x) - y")


run_tests(test_binary_cross_entropy_rules)
### BEGIN HIDDEN TESTS
def test_binary_cross_entropy_rules_for_targets_and_extremes(run):
    def targets(p, y):
        tp = Tensor(p, requires_grad=True)
        ty = Tensor(y, requires_grad=True)
        BCELoss(reduction="sum")(tp, ty).backward()
        tx = Tensor(p, requires_grad=True)
        tz = Tensor(y, requires_grad=True)
        BCEWithLogitsLoss(reduction="sum")(tx, tz).backward()
        return ty.grad.numpy(), tz.grad.numpy()

    def extremes():
        x = Tensor([-1000.0, 1000.0], requires_grad=True)
        BCEWithLogitsLoss(reduction="sum")(x, Tensor([1.0, 0.0])).backward()
        return x.grad.numpy()

    p, y = np.array([0.25, 0.5]), np.array([0.5, 0.0])
    grad_y, grad_z = run(targets, p, y)
    assert_array(grad_y, np.log(1 - p) - np.log(p), rtol=1e-6, what="y.grad of BCE(p, y)")
    assert_array(grad_z, -p, rtol=1e-6, what="y.grad of BCEWithLogits(x, y): -x")
    assert_array(run(extremes), [-1.0, 1.0], what="x.grad of BCEWithLogits at logits ±1000")


run_tests(test_binary_cross_entropy_rules_for_targets_and_extremes)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.18 Piece 18: `Function`, differentiable ops with forward and backward side by side
#
# Modules 09 to 20 add ops this table does not know: convolution, pooling, embedding
# lookups, attention. They must not edit this module. PyTorch's answer, which we copy, is
# `torch.autograd.Function`: a class with a static `forward(ctx, ...)` and a static
# `backward(ctx, grad)`, called through `apply`:
#
# ```python
# class Square(Function):
#     @staticmethod
#     def forward(ctx, x):               # x: the NumPy array of the Tensor you passed
#         ctx.save_for_backward(x)
#         return x * x                   # a NumPy array
#
#     @staticmethod
#     def backward(ctx, grad):           # grad: a NumPy array shaped like the output
#         (x,) = ctx.saved_tensors
#         return (grad * 2 * x,)         # one gradient per forward argument
#
# y = Square.apply(t)                    # a Tensor with grad_fn.op == Square
# ```
#
# `apply` does what module 01's ops do: compute, then record with
# `Tensor.from_op(data, cls, inputs, ctx=ctx)`. The walk sees that `fn.op` is not a string
# and asks the class for the gradients (`_input_gradients`, given). The `ctx` object
# (PyTorch's `FunctionCtx`) carries what forward leaves for backward:
# `save_for_backward(*values)` / `saved_tensors`, `needs_input_grad` (one bool per forward
# argument: skip work for the ones that are False) and any attribute you set (`ctx.stride
# = 2`).
#
# Unlike PyTorch's, our forward receives **NumPy arrays** where you passed Tensors (and
# every other argument as it is), and returns a NumPy array: the whole op is NumPy on both
# sides. It runs without recording (inside `no_grad()`), so nothing it does lands in the
# graph. `backward` returns one gradient per forward argument: an array, or None (for
# non-Tensor arguments and those with `needs_input_grad` False).

# %% solution="autograd-function"
#| export
class FunctionCtx:
    """What a Function's forward leaves for its backward (torch.autograd.function.FunctionCtx).

    `save_for_backward(*values)` keeps arrays (or anything) for backward, which reads them
    as `saved_tensors`; `needs_input_grad` holds one bool per forward argument. Any other
    attribute may be set freely (ctx.stride = 2).
    """

    def __init__(self, needs_input_grad: tuple[bool, ...] = ()) -> None:
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *values: object) -> None:
        """Keep `values` for backward, as `ctx.saved_tensors`."""
        self.saved_tensors = values


class Function:
    """Base class of differentiable ops with their own backward (torch.autograd.Function).

    Subclasses define static `forward(ctx, *args, **kwargs)`, computing the result from
    NumPy arrays (Tensor arguments arrive as their arrays) and returning an array, and
    static `backward(ctx, grad)`, returning one gradient (array or None) per forward
    argument. Call them as `MyOp.apply(*args, **kwargs)`, which returns a Tensor recorded
    in the graph with `grad_fn.op` set to the class.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args, **kwargs) -> np.ndarray:
        """Compute the op's result from NumPy arrays; save what backward needs on ctx."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> "tuple | np.ndarray":
        """One gradient per forward argument, from the output's gradient `grad`."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def _input_gradients(cls, ctx: FunctionCtx, grad: np.ndarray) -> list:
        """The gradients of the Tensor arguments (the recorded inputs), for the walk."""
        grads = cls.backward(ctx, grad)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(ctx.needs_input_grad):
            raise RuntimeError(
                f"{cls.__name__}.backward returned {len(grads)} gradients, expected "
                f"{len(ctx.needs_input_grad)}: one per argument of forward (None for "
                "arguments that are not Tensors)"
            )
        grads = [g.data if isinstance(g, Tensor) else g for g in grads]
        return [grads[i] for i in ctx._tensor_positions]

    @classmethod
    def apply(cls, *args, **kwargs) -> Tensor:
        """Run forward on the arguments and record the result in the graph (Function.apply).

        TODO: set `data` to `cls.forward(ctx, *arrays, **kwargs)`, run with recording off;
        the given code then records it with `Tensor.from_op(data, cls, tensors, ctx=ctx)`.

        APPROACH:
        1. `arrays`: each argument's `.data` if it is a Tensor, else the argument itself.
        2. Run forward inside `with no_grad():`; if it returned a Tensor, take its `.data`.

        EXAMPLE: `Square.apply(Tensor([3.0], requires_grad=True))` -> Tensor([9.]) with
        grad_fn.op == Square.

        HINTS: without no_grad(), Tensor ops inside forward would record a second graph.
        """
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        recording = is_grad_enabled()
        ctx = FunctionCtx(tuple(recording and isinstance(a, Tensor) and a.requires_grad
                                for a in args))
        ctx._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ### BEGIN SOLUTION
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        with no_grad():
            data = cls.forward(ctx, *arrays, **kwargs)
        if isinstance(data, Tensor):
            data = data.data
        ### END SOLUTION
        if isinstance(data, (tuple, list)):
            raise TypeError(
                f"{cls.__name__}.forward returned a {type(data).__name__}: a Function has one "
                "output, a NumPy array; make one Function per output"
            )
        return Tensor.from_op(np.asarray(data), cls, tensors, ctx=ctx)


# %% [markdown]
# An example: `Clamp`, which PyTorch calls `torch.clamp`. Its gradient passes where the
# input was inside `[low, high]` and is 0 where the clamp cut it off. Non-Tensor arguments
# (`low`, `high`) get None.

# %%
class Clamp(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward((x >= low) & (x <= high))
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside, None, None


x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
y = Clamp.apply(x, -1.0, 1.0)
(y * Tensor([1.0, 2.0, 3.0])).sum().backward()
print("clamp:", y, " grad_fn.op:", y.grad_fn.op.__name__, " x.grad:", x.grad)

# %% test="autograd-function-tests" points=4
def test_function_square(run):
    def square():
        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return (grad * 2 * x,)

        x = Tensor([1.0, -3.0], requires_grad=True)
        y = Square.apply(x)
        (y * Tensor([1.0, 2.0])).sum().backward()
        return type(y).__name__, y.numpy(), y.grad_fn.op is Square, x.grad.numpy()

    kind, values, recorded, grad = run(square)
    assert kind == "Tensor", f"Function.apply should return a Tensor, got {kind}"
    assert_array(values, [1.0, 9.0], dtype="float32", what="Square.apply(x)")
    assert recorded, "the result's grad_fn.op should be the Function subclass"
    assert_array(grad, [2.0, -12.0], what="x.grad through Square (2x * [1, 2])")


def test_function_with_two_tensors_and_options(run):
    def scaled_product():
        class ScaledProduct(Function):
            @staticmethod
            def forward(ctx, a, b, scale=1.0):
                ctx.save_for_backward(a, b)
                ctx.scale = scale
                return scale * a * b

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                return grad * ctx.scale * b, grad * ctx.scale * a, None

        a = Tensor([1.0, 2.0], requires_grad=True)
        b = Tensor([3.0, 4.0], requires_grad=True)
        ScaledProduct.apply(a, b, 0.5).sum().backward()
        return a.grad.numpy(), b.grad.numpy()

    grad_a, grad_b = run(scaled_product)
    assert_array(grad_a, [1.5, 2.0], what="a.grad of sum(0.5 a b) through a Function")
    assert_array(grad_b, [0.5, 1.0], what="b.grad of sum(0.5 a b) through a Function")


run_tests(test_function_square, test_function_with_two_tensors_and_options)
### BEGIN HIDDEN TESTS
def test_function_records_nothing_inside_and_respects_no_grad(run):
    def inside():
        seen = {}

        class Tracked(Function):
            @staticmethod
            def forward(ctx, x):
                seen["enabled"] = is_grad_enabled()
                seen.setdefault("needs", []).append(ctx.needs_input_grad)
                return x + 1.0

            @staticmethod
            def backward(ctx, grad):
                return (grad,)

        x = Tensor([1.0], requires_grad=True)
        y = Tracked.apply(x)
        with no_grad():
            z = Tracked.apply(x)
        c = Tracked.apply(Tensor([1.0]))
        return (seen["enabled"], seen["needs"], y.requires_grad, z.requires_grad,
                c.requires_grad)

    def broadcast_and_freed():
        class Shift(Function):
            @staticmethod
            def forward(ctx, x, b):
                return x + b

            @staticmethod
            def backward(ctx, grad):
                return grad, grad

        x = Tensor(np.ones((3, 2)), requires_grad=True)
        b = Tensor([1.0, 2.0], requires_grad=True)
        loss = Shift.apply(x, b).sum()
        loss.backward()
        grad_b = b.grad.numpy()
        try:
            loss.backward()
        except RuntimeError as error:
            return grad_b, str(error)
        return grad_b, "no error"

    enabled, needs, y_req, z_req, c_req = run(inside)
    assert enabled is False, "forward runs with recording off"
    assert needs == [(True,), (False,), (False,)], (
        "needs_input_grad: one bool per argument, True when recording and the argument "
        f"requires grad; got {needs} for x, x inside no_grad(), a constant")
    assert y_req and not z_req and not c_req, (
        "the result requires grad only when recording and an input requires grad")
    grad_b, message = run(broadcast_and_freed)
    assert_array(grad_b, [3.0, 3.0], what="a Function's gradient is unbroadcast too")
    assert "second time" in message, f"a freed Function node raises on a second pass: {message}"


run_tests(test_function_records_nothing_inside_and_respects_no_grad)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.19 Piece 19: `gradcheck`
#
# How do you know a rule is right? Compare it with the definition of the derivative. For
# each input element, nudge it by ±ε and rerun the function: the **central difference**
# `(f(x + ε) - f(x - ε)) / 2ε` has an error proportional to ε² (the one-sided
# `(f(x + ε) - f(x)) / ε` only ε). Collected over all input and output elements, these
# form the numerical **Jacobian**; backward, run once per output element with a one-hot
# gradient, gives the analytical one. They must agree within `atol + rtol · |numerical|`.
#
# Precision matters: with ε = 1e-6, float32's rounding error (about 1e-7 relative) divided
# by 2ε swamps the derivative. So `gradcheck`, like PyTorch's, works in **float64**: the
# given code makes float64 copies of the inputs that require grad and computes the
# analytical Jacobian. You write the numerical one. It returns True, or raises a
# `GradcheckError` (a RuntimeError) naming the worst element.

# %% solution="autograd-gradcheck"
#| export
class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ
    (torch.autograd.gradcheck.GradcheckError)."""


def _outputs(result: object) -> tuple[Tensor, ...]:
    """The function's output(s) as a tuple of Tensors."""
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    if not all(isinstance(out, Tensor) for out in outputs):
        raise TypeError("gradcheck: the function must return a Tensor or a tuple of Tensors")
    return tuple(outputs)


def _analytical_jacobians(fn: Callable, args: list, checked: list[int]) -> list[list[np.ndarray]]:
    """jacobians[k][j]: d output k / d input checked[j], by backward with one-hot seeds."""
    outputs = _outputs(fn(*args))
    jacobians = []
    for k, out in enumerate(outputs):
        rows = [np.zeros((out.data.size, args[i].data.size)) for i in checked]
        if out.data.size and not out.requires_grad:
            raise GradcheckError(f"gradcheck: output {k} does not require grad: no op of the "
                                 "function recorded a graph from the checked inputs")
        for row in range(out.data.size):
            for i in checked:
                args[i].grad = None
            seed = np.zeros(out.data.size)
            seed[row] = 1.0
            backward(out, seed.reshape(out.shape), retain_graph=True)
            for column, i in enumerate(checked):
                if args[i].grad is not None:
                    rows[column][row] = args[i].grad.data.reshape(-1)
        jacobians.append(rows)
    return jacobians


def _numerical_jacobians(fn: Callable, args: list, checked: list[int],
                         eps: float) -> list[list[np.ndarray]]:
    """jacobians[k][j]: d output k / d input checked[j], by central differences."""
    def evaluate() -> list[np.ndarray]:
        with no_grad():
            return [np.array(out.data, dtype=np.float64).reshape(-1)
                    for out in _outputs(fn(*args))]

    sizes = [out.size for out in evaluate()]
    jacobians = [[np.zeros((n, args[i].data.size)) for i in checked] for n in sizes]
    for column, i in enumerate(checked):
        flat = args[i].data.reshape(-1)  # a view: writing flat[j] changes the input
        ### BEGIN SOLUTION
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + eps
            above = evaluate()
            flat[j] = saved - eps
            below = evaluate()
            flat[j] = saved
            for k in range(len(sizes)):
                jacobians[k][column][:, j] = (above[k] - below[k]) / (2 * eps)
        ### END SOLUTION
    return jacobians


def gradcheck(fn: Callable, inputs: "Tensor | Sequence", eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check the gradients of `fn` at `inputs` against finite differences, in float64
    (torch.autograd.gradcheck).

    `inputs`: a Tensor or a tuple of arguments; the Tensors among them that require grad
    are checked (as float64 copies), the others are passed as they are. `fn` returns a
    Tensor or a tuple of Tensors. Every element of the analytical Jacobian (backward with
    one-hot gradients) must be within `atol + rtol * |numerical|` of the numerical one
    (central differences with step `eps`). Returns True; otherwise raises GradcheckError
    naming the worst element, or returns False if `raise_exception` is False.

    TODO: in `_numerical_jacobians` above, fill column j of each Jacobian: nudge element j
    of the input by +eps and -eps, evaluate, restore it, and store the central difference.

    APPROACH: for j in range(flat.size): remember flat[j]; set it to saved + eps and
    evaluate(); to saved - eps and evaluate(); put saved back; for each output k, column j
    of jacobians[k][column] is (above[k] - below[k]) / (2 * eps).

    EXAMPLE:
    >>> gradcheck(lambda x: (x * x).sum(), Tensor([1.0, 2.0], requires_grad=True))
    True

    HINTS: restore the element before the next one, or every later column is off.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    args = [Tensor(x, dtype=np.float64, requires_grad=True) if i in checked else x
            for i, x in enumerate(inputs)]
    analytical = _analytical_jacobians(fn, args, checked)
    numerical = _numerical_jacobians(fn, args, checked, eps)
    for k, (rows_a, rows_n) in enumerate(zip(analytical, numerical, strict=True)):
        for column, (a, n) in enumerate(zip(rows_a, rows_n, strict=True)):
            excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            if a.size == 0 or not (np.any(excess > 0) or np.any(np.isnan(a) != np.isnan(n))):
                continue
            if not raise_exception:
                return False
            row, col = np.unravel_index(np.argmax(np.nan_to_num(excess, nan=np.inf)), a.shape)
            out_index = np.unravel_index(row, _outputs(fn(*args))[k].shape)
            in_index = np.unravel_index(col, args[checked[column]].shape)
            raise GradcheckError(
                f"Jacobian mismatch for output {k} with respect to input {checked[column]}: "
                f"d out{list(map(int, out_index))} / d in{list(map(int, in_index))} is "
                f"{a[row, col]:.6g} by backward but {n[row, col]:.6g} by finite differences "
                f"(tolerance {atol + rtol * abs(n[row, col]):.2g}; "
                f"{int(np.sum(excess > 0))} of {a.size} entries differ)"
            )
    return True


# %% [markdown]
# Check `Clamp` of piece 18, then a rule with a classic mistake (the 2 of `d(x²)/dx`
# forgotten):

# %%
print("Clamp:", gradcheck(lambda t: Clamp.apply(t, -1.0, 1.0),
                          Tensor([-2.0, 0.5, 3.0], requires_grad=True)))


class ForgetfulSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * x,)  # wrong: d(x²)/dx = 2x


try:
    gradcheck(ForgetfulSquare.apply, Tensor([1.0, 2.0], requires_grad=True))
except GradcheckError as error:
    print("ForgetfulSquare:", error)

# %% test="autograd-gradcheck-tests" points=3
def test_gradcheck_accepts_right_gradients(run):
    def check():
        x = Tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
        w = Tensor([1.5, -0.5], requires_grad=True)
        return gradcheck(lambda a, b: ((a * b).exp() / (a * a + 1.0)).sum(axis=1), (x, w))

    assert run(check) is True, "gradcheck should return True for correct gradients"


def test_gradcheck_rejects_a_wrong_rule(run):
    def wrong():
        class DoubleWrong(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2.0

            @staticmethod
            def backward(ctx, grad):
                return (grad * 3.0,)  # should be 2

        try:
            gradcheck(DoubleWrong.apply, (Tensor([1.0, 2.0], requires_grad=True),))
        except GradcheckError as error:
            return str(error)
        return "no error"

    message = run(wrong)
    assert "mismatch" in message and "3 by backward but 2" in message, (
        f"gradcheck should raise a GradcheckError naming the backward's 3 vs 2: {message}")


run_tests(test_gradcheck_accepts_right_gradients, test_gradcheck_rejects_a_wrong_rule)
### BEGIN HIDDEN TESTS
def test_gradcheck_names_the_worst_element_and_keeps_inputs(run):
    def worst():
        class OffAtOne(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return np.sin(x)

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return (grad * (np.cos(x) + (np.arange(x.size) == 1)),)

        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        try:
            gradcheck(OffAtOne.apply, x)
        except GradcheckError as error:
            return str(error), x.numpy(), x.grad is None
        return "no error", x.numpy(), x.grad is None

    def soft():
        x = Tensor([1.0, 2.0], requires_grad=True)
        return gradcheck(lambda t: t * 3.0, x), gradcheck(lambda t: t.max(), x, eps=1e-6)

    message, values, untouched = run(worst)
    assert "[1]" in message, f"gradcheck should name the element that differs (in[1]): {message}"
    assert_array(values, [1.0, 2.0, 3.0], what="the input after gradcheck (unchanged)")
    assert untouched, "gradcheck works on float64 copies: the caller's .grad stays None"
    assert run(soft) == (True, True), "gradcheck of 3x and of max"


run_tests(test_gradcheck_names_the_worst_element_and_keeps_inputs)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: train a classifier on the digits
#
# Every piece together: module 03's `Linear` layers and `ReLU`, module 04's
# `CrossEntropyLoss`, and your `backward()`. The 8×8 digits of scikit-learn (1,797 images,
# 64 pixels each); a two-layer network; plain gradient descent written by hand, since
# optimizers are module 07's. Before training, `gradcheck` confirms the gradients of the
# whole network on a few samples.

# %%
from sklearn.datasets import load_digits

digits = load_digits()
images = (digits.data / 16.0).astype(np.float32)
labels = digits.target
train_x, test_x = Tensor(images[:1500]), Tensor(images[1500:])
train_y, test_y = labels[:1500], labels[1500:]

manual_seed(0)
model = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
loss_fn = CrossEntropyLoss()
params = list(model.parameters())


def network(w1, b1, w2, b2):
    """The model's forward pass written with explicit weights, for gradcheck."""
    hidden = ReLU()(Tensor(images[:4], dtype=np.float64) @ w1.transpose() + b1)
    return loss_fn(hidden @ w2.transpose() + b2, Tensor(labels[:4]))


print("gradcheck of the network:", gradcheck(network, tuple(params)))

for step in range(301):
    loss = loss_fn(model(train_x), Tensor(train_y))
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data = p.data - 0.5 * p.grad.data
    if step % 100 == 0:
        with no_grad():
            predicted = np.argmax(model(test_x).numpy(), axis=1)
        print(f"step {step:3d}: loss {loss.item():.3f}, test accuracy "
              f"{(predicted == test_y).mean():.1%}")

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 The memory the graph keeps alive
#
# Every op's `GradFn` keeps its inputs; so until backward runs, every intermediate of the
# forward pass is alive. Measure it for one step of a 784-256-128-10 MLP (the MNIST network
# of module 08): the bytes of the intermediates reachable from the loss (arrays the ops
# allocated; views such as `weight.transpose()` share their parameter's memory and do not
# count), before and after `backward()` frees the graph, for several batch sizes, next to
# the parameters' bytes. `tracemalloc` (NumPy reports its allocations to it) confirms the
# batch of 128 independently.

# %%
import time
import tracemalloc

from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


def graph_bytes(root):
    """Bytes of the intermediates (non-leaf tensors owning their array) reachable from root."""
    seen, stack, total = set(), [root], 0
    while stack:
        t = stack.pop()
        if id(t) in seen or t.grad_fn is None:
            continue
        seen.add(id(t))
        total += t.data.nbytes if t.data.flags.owndata else 0
        stack.extend(t.grad_fn.inputs)
    return total


manual_seed(0)
mlp = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
param_bytes = sum(p.data.nbytes for p in mlp.parameters())
rng = np.random.default_rng(0)
print(f"parameters: {param_bytes / 1e6:.2f} MB")
sizes, kept_mb = (32, 128, 512, 2048), []
for size in sizes:
    inputs = Tensor(rng.random((size, 784), dtype=np.float32))
    loss = CrossEntropyLoss()(mlp(inputs), Tensor(rng.integers(0, 10, size)))
    kept = graph_bytes(loss)
    loss.backward()
    kept_mb.append(kept / 1e6)
    print(f"batch {size:5d}: graph keeps {kept / 1e6:6.2f} MB of intermediates "
          f"({kept / param_bytes:4.1f}x the parameters); after backward "
          f"{graph_bytes(loss) / 1e6:.4f} MB")

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(sizes, kept_mb, "o-", label="graph before backward")
ax.axhline(param_bytes / 1e6, color="gray", linestyle="--", label="parameters")
ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="MB")
ax.legend(fontsize=8)
plt.show()

batch = Tensor(rng.random((128, 784), dtype=np.float32))
targets = Tensor(rng.integers(0, 10, 128))
tracemalloc.start()
loss = CrossEntropyLoss()(mlp(batch), targets)
before, _ = tracemalloc.get_traced_memory()
loss.backward()
after, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(f"tracemalloc, batch 128: {before / 1e6:.2f} MB allocated by the forward pass, "
      f"{after / 1e6:.2f} MB after backward (the new .grad arrays hold "
      f"{sum(p.grad.data.nbytes for p in mlp.parameters()) / 1e6:.2f} MB), "
      f"peak {peak / 1e6:.2f} MB")

# %% [markdown]
# ### 5.2 Backward time vs forward time
#
# Each matmul of the forward pass costs two matmuls backward, one per input, so the rule
# of thumb is backward ≈ 2× forward (training ≈ 3× inference). Count for this MLP: the
# forward matmuls take 2·128·(784·256 + 256·128 + 128·10) ≈ 60 MFLOPs. Backward, the first
# layer needs only its weight's gradient (the data does not require grad, and your matmul
# rule skips it), and that layer holds 85% of the FLOPs: about 69 MFLOPs, 1.15× forward.
# The timings interleave the three measurements, so that a busy machine slows all alike.

# %%
def forward_only():
    with no_grad():
        CrossEntropyLoss()(mlp(batch), targets)


def forward_recorded():
    return CrossEntropyLoss()(mlp(batch), targets)


def step():
    for p in mlp.parameters():
        p.grad = None
    forward_recorded().backward()


times = {forward_only: [], forward_recorded: [], step: []}
for _ in range(15):
    for fn, runs in times.items():
        runs.append(time_call(fn, repeat=1))
forward_time, recorded_time, step_time = (min(runs) for runs in times.values())
backward_time = step_time - recorded_time
print(f"forward, no_grad : {forward_time * 1e3:6.2f} ms")
print(f"forward, recorded: {recorded_time * 1e3:6.2f} ms (recording costs "
      f"{(recorded_time / forward_time - 1) * 100:+.0f}%)")
print(f"backward         : {backward_time * 1e3:6.2f} ms = {backward_time / recorded_time:.1f}x "
      "the forward pass")

# %% [markdown]
# ### 5.3 A chain of 10,000 ops
#
# An RNN unrolled over 10,000 time steps, or 10,000 tiny ops, makes a graph 10,000 deep.
# Recursion would crash at about 1,000; your iterative walk does not. Time the walk per
# node: this is the fixed cost of one op in your autograd, the Python overhead that
# dominates when tensors are tiny.

# %%
import gc

for n in (1_000, 10_000):
    x = Tensor(1.0, requires_grad=True)
    gc.collect()  # start each measurement without the garbage of earlier cells
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0001
    built = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    walked = time.perf_counter() - start
    print(f"chain of {n:6,} muls: forward {built * 1e3:7.1f} ms, backward {walked * 1e3:7.1f} ms"
          f" ({walked / n * 1e6:.1f} µs per node); x.grad = {x.grad.item():.4g}")

# %% [markdown]
# **What the numbers say.** The intermediates of one MLP step grow linearly with the batch
# size while the parameters do not: at small batches the weights dominate, at a few
# hundred samples the graph passes them, and at 2,048 it is several times larger. For
# large models with long sequences that is why activations, not weights, limit the batch
# size. Freeing the graph drops them right after
# backward; without it, a training loop that keeps a reference to each loss (say, in a
# list for plotting: keep `loss.item()` instead) keeps every step's graph alive.
#
# Backward costs one to two forward passes: two matmuls back per matmul, minus the ones
# nobody needs (the data's gradient).
# For tiny tensors the per-node overhead of the walk (microseconds of Python per node) is
# the cost instead; that is why PyTorch's engine is C++, and why compilers fuse small ops.
#
# **At 1000× scale.** A GPT-3-size model keeps tens of GB of activations per step. Two
# production answers: activation checkpointing (`torch.utils.checkpoint`) keeps only some
# intermediates and recomputes the rest during backward (memory for compute, about +33%
# time), and mixed precision halves every activation's bytes.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook: your code, your measurements. Each is worth 10 points.

# %% [markdown] locked="q-graph-memory"
# **Question 1: the memory of the graph.** Use your section 5.1 measurements.
#
# 1. How many bytes of intermediates did your graph keep alive for one MLP step, compared
#    with the parameters? Which tensors are they, and which op's rule needs each one?
# 2. How do those bytes scale with the batch size and with depth? Which limits the batch
#    size of a large model: weights or activations?
# 3. Your backward frees the graph. Name a bug in a training loop that would keep every
#    step's graph alive anyway, and two techniques production frameworks use to cut
#    activation memory (with their cost).

# %% [markdown] manual="systems-graph-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their numbers:** about 0.6 MB of intermediates at batch 128 (the (128, 256),
#   (128, 128), (128, 10) matmul outputs, bias sums, ReLU outputs, log_softmax output,
#   picked values), less than the 0.94 MB of parameters (235,146 float32), but about
#   10 MB, 10× the parameters, at batch 2,048; names which rule needs what: matmul
#   needs both inputs (the layer's input activations and the weight), relu its output,
#   log_softmax its output, getitem the index.
# - **Scaling:** activations grow linearly with batch size and with depth (each layer adds
#   its outputs); parameters do not depend on batch. For large models and long sequences
#   activations dominate (attention adds batch × heads × seq² per layer), so they limit
#   the batch size.
# - **Bug and remedies:** appending `loss` (not `loss.item()`) to a list, or accumulating
#   `total_loss += loss`, keeps each graph alive (PyTorch's FAQ names exactly this);
#   `retain_graph=True` without need. Remedies: activation (gradient) checkpointing
#   (recompute in backward, ~30% more compute for about √depth memory), mixed precision
#   (half the bytes), offloading activations to CPU, smaller micro-batches with gradient
#   accumulation (the `.grad` accumulation of section 2.5).
#
# 7–8: correct numbers and scaling, weaker on the bug or remedies. 5–6: "the graph uses
# memory" without their numbers or scaling. 3–4: confuses gradients with activations or
# thinks parameters scale with batch. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-backward-cost"
# **Question 2: what backward costs.** Use your section 5.2 and 5.3 measurements.
#
# 1. What ratio of backward to forward time did you measure for the MLP step? Explain it
#    from the rules you wrote: how many matmuls does each `matmul` node cost backward, and
#    what did your matmul rule skip for the first layer?
# 2. From section 5.3: what does one node of your walk cost, and when does that overhead,
#    rather than the arithmetic, decide the speed of training?
# 3. Reverse mode gives all 235,000 gradients for one to two forward passes. What would
#    finite differences (your gradcheck's method) cost for the same network, and why is
#    reverse mode, not forward mode, the choice for neural networks?

# %% [markdown] manual="systems-backward-cost" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# A 9–10 answer:
#
# - **Ratio:** quotes their measured ratio (typically 1–1.5× here). Each matmul node costs
#   two matmuls backward (`grad @ Wᵀ` and `xᵀ @ grad`), each as expensive as the forward
#   one; the first layer's input gradient is skipped (the data does not require grad), and
#   that layer has 85% of the FLOPs, so about 1.15× by FLOPs (section 5.2's count), near
#   2× for deeper networks of equal layers. Elementwise rules add memory-bound passes;
#   recording itself costs a little (their no_grad vs recorded numbers).
# - **Per-node overhead:** quotes µs per node from the chain; overhead dominates when
#   tensors are small (tiny MLPs, RNN steps, scalar ops, micrograd) because the arithmetic
#   per node is nanoseconds; PyTorch's C++ engine, CUDA graphs and compilers
#   (`torch.compile` fusion) attack exactly this.
# - **Finite differences vs reverse mode:** finite differences need 2 forward passes per
#   parameter (central) → ~470,000 forward passes per step, and are inexact (ε trade-off
#   between truncation and rounding; why gradcheck uses float64). Forward mode costs one
#   pass per *input* direction; reverse mode one per *output*: a loss is one scalar with
#   many parameters, so reverse mode wins; the price is the memory of storing the graph
#   (question 1). Bonus: forward mode wins for few-inputs/many-outputs (Jacobian-vector
#   products, `torch.func.jvp`).
#
# 7–8: right ratio and reasoning, weaker on overhead or the mode comparison. 5–6: generic
# "backward is slower". 3–4: wrong cost model (e.g., backward = forward). 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-extensibility"
# **Question 3: one graph, many ops.** Your walk dispatches on `fn.op`: a name in
# `BACKWARD_RULES`, or a `Function` class.
#
# 1. Module 09 adds `Conv2d` as a `Function`. What must its forward save for backward,
#    what does that cost in memory for a batch of 64 images of 32×32×3 with im2col
#    (3×3 kernels, 64 output channels), and what could it save instead?
# 2. Your backward frees nodes as it goes, and gradients of broadcast inputs are summed by
#    the walk, not by each rule. What would go wrong (give an example from your tests) if
#    each rule had to unbroadcast itself, or if the walk ran in the wrong order?
# 3. Compare your design with PyTorch's: a C++ engine with a queue per device, a
#    dependency count per node instead of a sorted list, and derivatives.yaml generating
#    the rules. What does each buy, at what scale does it matter?

# %% [markdown] manual="systems-extensibility" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# A 9–10 answer:
#
# - **Conv2d saves:** the input (or its im2col matrix) and the weight; the im2col matrix
#   is (64·32·32) × (3·3·3) = 65,536 × 27 float32 ≈ 7 MB versus the input's 64·3·32·32 ·
#   4 ≈ 0.79 MB: saving the input and recomputing im2col in backward trades time for
#   9× less memory (the kernel area). Uses `ctx.save_for_backward`, `ctx.needs_input_grad`
#   to skip the input gradient of the first layer.
# - **Design choices:** unbroadcast in one place means no rule can forget it (bias
#   gradients with the batch dim, as in piece 6's bias test); a node visited before all
#   its users have contributed would pass on a partial gradient (the shared-subexpression
#   test, `y*y + y`), and freeing it then would make the remaining contributions fail
#   with the "second time" error.
# - **PyTorch's engine:** dependency counting finds ready nodes without sorting the whole
#   graph first and lets independent branches run in parallel (per-device threads, GPU
#   streams); C++ removes the µs-per-node Python overhead they measured in 5.3;
#   derivatives.yaml generates thousands of rules consistently (and double-backward) from
#   one table, the same idea as their `BACKWARD_RULES`. Matters for deep graphs of small
#   ops, multi-GPU, and maintaining 2,000+ ops.
#
# 7–8: correct on two of the three with some numbers. 5–6: generic description without
# numbers or examples from their code. 3–4: misunderstands saving or ordering. 0–2: no
# attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.autograd`:
#
# - `backward(tensor, gradient, retain_graph)` (`torch.autograd.backward`, behind
#   `Tensor.backward()`): reverse topological order without recursion, the chain rule per
#   node, `unbroadcast` over broadcast axes, accumulation into `.grad` of leaves (and of
#   non-leaves that `retain_grad()`), dtype casts, graph freeing, PyTorch's errors.
# - The backward rule of every op of modules 01–04 in `BACKWARD_RULES`: add, sub, neg,
#   mul, div, pow, matmul, sum, mean, max, reshape, transpose, getitem, exp, log, relu,
#   sigmoid, tanh, gelu, softmax, log_softmax, binary_cross_entropy(_with_logits).
# - `no_grad()` / `enable_grad()` (`torch.no_grad`, `torch.enable_grad`), as context
#   managers and decorators.
# - `Function` and `FunctionCtx` (`torch.autograd.Function`): how modules 09–20 add ops.
# - `gradcheck` (`torch.autograd.gradcheck`): central differences in float64.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (19 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export: `tito module export autograd`. Then `loss.backward()` works everywhere.
#
# **Next: module 07, optimizers.** `SGD` and `Adam` read the `.grad` your backward fills,
# update `p.data`, and `zero_grad()` clears it, because, as you saw, gradients accumulate.
