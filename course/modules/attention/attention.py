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
# # Module 12 · Attention
#
# By the end of this module you will have built the operation at the heart of every
# transformer: **scaled dot-product attention**, with PyTorch's masks (causal, boolean,
# additive, key padding), and **`MultiHeadAttention`** with PyTorch's parameter layout, so a
# `torch.nn.MultiheadAttention`'s `state_dict()` loads into yours and gives the same numbers.
#
# | | |
# |---|---|
# | **Prerequisites** | 03 `layers`, 02 `activations` (softmax), 06 `autograd` (`Function`) |
# | **Time** | about 3 hours |
# | **Your code lands in** | `tinytorch.core.attention` |
# | **Next** | 13 `transformers` stacks it into a GPT |
#
# **Contents.** 1 Why attention · 2 Concepts · 3 Build it, piece by piece · 4 Use it ·
# 5 Systems analysis · 6 ML systems thinking · 7 Summary

# %% locked="attention-imports"
import math
import time

import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why attention
#
# A model reading a sentence must let each word look at the others: "it" in "the animal
# didn't cross the street because it was tired" depends on "animal", ten words back. A
# convolution sees a fixed window; a recurrent network squeezes everything it has read into
# one vector. **Attention** lets every position compute, for every other position, how
# relevant it is, and take a weighted average of what those positions hold. The weights are
# computed from the data, so what a position looks at changes with the input.
#
# PyTorch has it as `torch.nn.functional.scaled_dot_product_attention` (one fused kernel;
# FlashAttention on GPUs) and as the layer `torch.nn.MultiheadAttention`. Every
# transformer (GPT, BERT, ViT, Whisper) is built from these two.

# %% [markdown]
# ## 2. Concepts
#
# **Queries, keys, values.** Each of the $L$ positions that asks has a *query* vector $q$;
# each of the $S$ positions that can be looked at has a *key* $k$ (what it offers to be
# matched on) and a *value* $v$ (what it hands over). For one query:
#
# $$ s_j = \frac{q \cdot k_j}{\sqrt{d}}, \qquad
#    w_j = \frac{e^{s_j}}{\sum_{j'} e^{s_{j'}}}, \qquad
#    \text{out} = \sum_j w_j v_j $$
#
# with $d$ the size of $q$ and $k$. For all queries at once, in matrices:
# $\text{softmax}(QK^\top / \sqrt d)\,V$: the scores form an $L \times S$ matrix, one row per
# query, each row a probability distribution over the keys.
#
# **Worked example.** $q = (1, 0)$, keys $k_1 = (1, 0)$, $k_2 = (0, 1)$, values $v_1 = (10,
# 0)$, $v_2 = (0, 10)$, $d = 2$: scores $(1/\sqrt2, 0) = (0.707, 0)$, weights
# $(0.67, 0.33)$, output $(6.7, 3.3)$: mostly the value of the key that matches.
#
# **Why divide by $\sqrt d$.** If the entries of $q$ and $k$ are independent with mean 0
# and variance 1, $q \cdot k$ is a sum of $d$ such products: its variance is $d$. Large
# scores make the softmax nearly one-hot, and its gradient nearly zero. Dividing by
# $\sqrt d$ brings the variance back to 1 (section 5 measures it).
#
# **Masks.** Some pairs must not attend: a language model must not look at future tokens
# (a **causal** mask: query $i$ sees keys $j \le i$), and padding added to make sequences of
# a batch equally long must be ignored (a **key padding** mask). A masked score is set to
# $-\infty$, so its weight $e^{-\infty} = 0$. PyTorch's conventions, which we follow:
#
# | where | boolean mask means | float mask |
# |---|---|---|
# | `F.scaled_dot_product_attention(attn_mask=)` | **True = may attend** | added to the scores |
# | `nn.MultiheadAttention(attn_mask=, key_padding_mask=)` | **True = masked out** | added |
#
# Yes, the two are opposite: a classic source of bugs. A row whose keys are *all* masked has
# no distribution to take; `F.scaled_dot_product_attention` returns zeros for it (its
# "safe softmax"), and so will yours.
#
# **Many heads.** One attention mixes values with one set of weights. `MultiheadAttention`
# projects $x$ to queries, keys and values with learned matrices, splits the $E$ features
# into $H$ heads of $D = E/H$ features, runs attention in each head independently (each can
# look for something different: the previous word, the subject, ...), concatenates the heads
# and projects back with `out_proj`. PyTorch stores the three input projections as one
# matrix `in_proj_weight` of shape $(3E, E)$: rows $0..E$ for $q$, $E..2E$ for $k$, $2E..3E$
# for $v$.

# %% [markdown]
# ## 3. Build it
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 one query, loops | `attention_one_query` | the formula above | 10 |
# | 2 masking op | `MaskedFill.forward/backward` | `torch.Tensor.masked_fill` | 10 |
# | 3 attention | `scaled_dot_product_attention` | `F.scaled_dot_product_attention` | 20 |
# | 4 the layer's parameters | `MultiHeadAttention.__init__` | `nn.MultiheadAttention` | 10 |
# | 5 the layer's forward | `MultiHeadAttention.forward` | same | 20 |
#
# Given: `causal_mask`, `safe_softmax` and the conversion of the layer's masks.

# %% locked="attention-package-imports"
#| export
import math

import numpy as np

from tinytorch.core.activations import softmax
from tinytorch.core.autograd import Function, FunctionCtx, unbroadcast
from tinytorch.core.layers import Linear, Module, Parameter
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ### 3.1 Piece 1: attention for one query, with loops
#
# Write the formula of section 2 for **one** query with plain Python loops: a score per key
# (a dot product, scaled), a stable softmax (subtract the largest score before `exp`, so
# `exp` never overflows), and the weighted sum of the values. It is slow, and it is the
# definition the vectorized version of piece 3 must equal.

# %% solution="attention-one-query"
#| export
def attention_one_query(query: "Tensor | np.ndarray", keys: "Tensor | np.ndarray",
                        values: "Tensor | np.ndarray",
                        scale: float | None = None) -> tuple[Tensor, Tensor]:
    """Attention of one query over S keys, with explicit loops (the definition).

    Args:
        query: shape (E,). keys: shape (S, E). values: shape (S, Ev).
        scale: multiplies the dot products; default 1 / sqrt(E).

    Returns (output of shape (Ev,), weights of shape (S,)), as Tensors of the query's
    float dtype. No gradients are recorded.

    TODO: compute the scores, their softmax, and the weighted sum of the values with loops.

    APPROACH:
    1. `scale = 1 / math.sqrt(E)` if it is None.
    2. `scores[j] = scale * sum(q[e] * keys[j, e] for e in range(E))` for each key j.
    3. `m = max(scores)`; `exps[j] = math.exp(scores[j] - m)`; `weights = exps / sum(exps)`.
    4. `out[c] = sum(weights[j] * values[j, c] for j in range(S))` for each column c.

    EXAMPLE:
    >>> out, w = attention_one_query([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]],
    ...                              [[10.0, 0.0], [0.0, 10.0]])
    >>> w.numpy().round(2), out.numpy().round(1)
    (array([0.67, 0.33], dtype=float32), array([6.7, 3.3], dtype=float32))

    HINTS: work on Python floats (`float(q[e])`), build lists, make Tensors at the end.
    """
    q, k, v = (Tensor(x).data for x in (query, keys, values))  # lists: float32
    dtype = q.dtype if q.dtype.kind == "f" else np.dtype(np.float32)
    if q.ndim != 1 or k.ndim != 2 or v.ndim != 2 or k.shape != (v.shape[0], q.shape[0]):
        raise ValueError(f"attention_one_query: expected query (E,), keys (S, E), values "
                         f"(S, Ev); got {q.shape}, {k.shape}, {v.shape}")
    ### BEGIN SOLUTION
    E, S = q.shape[0], k.shape[0]
    scale = 1.0 / math.sqrt(E) if scale is None else scale
    scores = [scale * sum(float(q[e]) * float(k[j, e]) for e in range(E)) for j in range(S)]
    m = max(scores) if scores else 0.0
    exps = [math.exp(s - m) for s in scores]
    total = sum(exps)
    weights = [x / total for x in exps]
    out = [sum(weights[j] * float(v[j, c]) for j in range(S)) for c in range(v.shape[1])]
    ### END SOLUTION
    return Tensor(np.array(out, dtype=dtype)), Tensor(np.array(weights, dtype=dtype))


# %% test="attention-one-query-tests" points=10
import math  # the tests' own import (pytest sees only the test cells)


def test_one_query_worked_example(run):
    def student():
        out, w = attention_one_query([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]],
                                     [[10.0, 0.0], [0.0, 10.0]])
        return out.numpy(), w.numpy()

    out, w = run(student)
    e = math.exp(1 / math.sqrt(2))
    assert_array(w, [e / (e + 1), 1 / (e + 1)], dtype="float32", rtol=1e-5,
                 what="the weights of the worked example")
    assert_array(out, [10 * e / (e + 1), 10 / (e + 1)], dtype="float32", rtol=1e-5,
                 what="the output of the worked example")


def test_one_query_random(run):
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=4), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    s = k @ q / 2.0
    w = np.exp(s - s.max()) / np.exp(s - s.max()).sum()

    def student():
        out, weights = attention_one_query(q, k, v)
        return out.numpy(), weights.numpy()

    out, weights = run(student)
    assert_array(weights, w, dtype="float64", rtol=1e-10, what="weights (softmax of q.k/√4)")
    assert_array(out, w @ v, dtype="float64", rtol=1e-10, what="output (weights @ values)")


run_tests(test_one_query_worked_example, test_one_query_random)
### BEGIN HIDDEN TESTS
def test_one_query_huge_scores_and_custom_scale(run):
    def student():
        out, w = attention_one_query([1000.0, 0.0], [[1.0, 0.0], [-1.0, 0.0]],
                                     [[1.0], [2.0]], scale=1.0)
        return out.numpy(), w.numpy()

    out, w = run(student)
    assert np.all(np.isfinite(w)), "scores of ±1000 must not overflow: subtract the max first"
    assert_array(w, [1.0, 0.0], dtype="float32", what="weights with scale=1 and huge scores")
    assert_array(out, [1.0], dtype="float32", what="output with huge scores")


run_tests(test_one_query_huge_scores_and_custom_scale)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: a masking op with its own backward
#
# Masking sets some scores to $-\infty$. None of our ops does that, so we add one, as a
# module 06 `Function`: `masked_fill(input, mask, value)` (`torch.Tensor.masked_fill`)
# returns `input` with `value` wherever `mask` is True. Forward and backward side by side:
#
# - forward: `np.where(mask, value, x)` in x's dtype; keep the mask for backward.
# - backward: a filled element is a constant, so no gradient reaches it; the others pass
#   the gradient through unchanged: `np.where(mask, 0, grad)`. If the mask broadcast `x` to a
#   bigger shape, sum the gradient back to x's shape with `unbroadcast(g, shape)` (module 06).
#
# One gradient per forward argument: `(grad_x, None, None)` (the mask and the value get none).

# %% solution="masked-fill"
#| export
class MaskedFill(Function):
    """out = input with `value` where `mask` is True (torch.Tensor.masked_fill).

    The mask is a boolean array broadcastable with the input; the gradient of the filled
    elements is 0, of the others the output's gradient.
    """

    @staticmethod
    def forward(ctx, x: np.ndarray, mask: np.ndarray, value: float) -> np.ndarray:
        """np.where(mask, value, x) in x's dtype; saves the mask and x's shape.

        TODO: fill, and save what backward needs.

        APPROACH: `mask = np.asarray(mask, dtype=bool)`; `ctx.save_for_backward(mask)`;
        `ctx.shape = x.shape`; return `np.where(mask, x.dtype.type(value), x)`.
        """
        ### BEGIN SOLUTION
        mask = np.asarray(mask, dtype=bool)
        ctx.save_for_backward(mask)
        ctx.shape = np.shape(x)
        return np.where(mask, np.asarray(x).dtype.type(value), x)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad: np.ndarray) -> tuple:
        """(gradient of x, None, None): grad with zeros where the mask is True.

        TODO: zero the gradient where the mask filled, and sum it back to x's shape.

        APPROACH: `(mask,) = ctx.saved_tensors`; `g = np.where(mask, 0, grad)` in grad's dtype;
        return `unbroadcast(g, ctx.shape), None, None`.
        """
        ### BEGIN SOLUTION
        (mask,) = ctx.saved_tensors
        g = np.where(mask, grad.dtype.type(0), grad)
        return unbroadcast(g, ctx.shape), None, None
        ### END SOLUTION


def masked_fill(input: Tensor, mask: "Tensor | np.ndarray", value: float) -> Tensor:
    """`input` with `value` where `mask` is True (torch.masked_fill); differentiable in input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"masked_fill expects a Tensor, got {type(input).__name__}")
    mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: the mask must be boolean, got {mask.dtype}")
    try:
        np.broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise ValueError(f"masked_fill: a mask of shape {mask.shape} does not broadcast "
                         f"with the input's shape {input.shape}") from None
    return MaskedFill.apply(input, mask, value)


# %% test="masked-fill-tests" points=10
def test_masked_fill_forward(run):
    def student():
        out = masked_fill(Tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([[True, False],
                                                                     [False, True]]), -np.inf)
        return out.numpy()

    assert_array(run(student), [[-np.inf, 2.0], [3.0, -np.inf]], dtype="float32",
                 what="masked_fill with -inf on the diagonal")


def test_masked_fill_backward(run):
    def student():
        x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        out = masked_fill(x, np.array([[False, True, False]]), 0.0)
        (out * Tensor([[10.0, 20.0, 30.0]])).sum().backward()
        return x.grad.numpy()

    assert_array(run(student), [[10.0, 0.0, 30.0]], dtype="float32",
                 what="x.grad: zero where filled, passed through elsewhere")


run_tests(test_masked_fill_forward, test_masked_fill_backward)
### BEGIN HIDDEN TESTS
def test_masked_fill_broadcast_mask_and_gradient(run):
    def student():
        x = Tensor(np.ones((1, 3)), dtype=np.float64, requires_grad=True)
        mask = np.array([[True, False, False], [False, False, True]])  # (2, 3): x broadcasts
        out = masked_fill(x, mask, 5.0)
        out.sum().backward()
        return out.numpy(), x.grad.numpy()

    out, grad = run(student)
    assert_array(out, [[5, 1, 1], [1, 1, 5]], dtype="float64", what="a mask broadcasting x")
    assert_array(grad, [[1.0, 2.0, 1.0]], dtype="float64",
                 what="x.grad summed back over the broadcast rows")


run_tests(test_masked_fill_broadcast_mask_and_gradient)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: `scaled_dot_product_attention`
#
# Now all queries at once, for any leading (batch, head) dims: `query` $(\ldots, L, E)$,
# `key` $(\ldots, S, E)$, `value` $(\ldots, S, E_v)$, in Tensor ops only, so autograd
# differentiates it. Two helpers are given: `causal_mask(L, S)`, the boolean mask of PyTorch's
# `is_causal=True` (query $i$ sees keys $j \le i$), and `safe_softmax(scores)`, softmax over
# the last dim that returns 0 (with gradient 0) for a row of only $-\infty$, as PyTorch's
# attention does, instead of `nan`.
#
# **The difference from PyTorch.** `F.scaled_dot_product_attention` returns only the output:
# its fused kernels never store the $L \times S$ weights (section 5 shows why). Yours returns
# `(output, weights)` so you can look at what attends to what.

# %% locked="attention-helpers"
#| export
def causal_mask(L: int, S: int) -> np.ndarray:
    """The boolean (L, S) mask of is_causal=True: True where key j <= query i may be seen
    (torch.ones(L, S, dtype=torch.bool).tril())."""
    return np.tril(np.ones((L, S), dtype=bool))


def safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with 0 (and gradient 0) for rows whose every entry is -inf
    (PyTorch's attention does the same; plain softmax gives nan there)."""
    dead = np.all(scores.data == -np.inf, axis=-1, keepdims=True)
    if not dead.any():
        return softmax(scores, dim=-1)
    weights = softmax(masked_fill(scores, dead, 0.0), dim=-1)
    return masked_fill(weights, dead, 0.0)


class AttentionWeights(Function):
    """softmax(query @ keyᵀ · scale, masked) over the last dim as one op: the weights of
    scaled_dot_product_attention, with safe_softmax's rule (0 for a row masked entirely).

    AttentionWeights.apply(query, key, mask, scale): mask None, boolean (True = may attend)
    or float (added), broadcastable to (..., L, S). The same result as the chain of ops,
    but it keeps only query, key and the weights for backward, not the scores at each
    step (three more (..., L, S) arrays), and computes in place: what PyTorch's fused
    attention kernels do.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, query: np.ndarray, key: np.ndarray,
                mask: "np.ndarray | None", scale: float) -> np.ndarray:
        """The weights (..., L, S); saves query, key, the weights and scale."""
        weights = query @ np.swapaxes(key, -1, -2)
        weights *= weights.dtype.type(scale)
        if mask is not None and mask.dtype == np.bool_:
            np.copyto(weights, -np.inf, where=~mask)
        elif mask is not None:
            weights += mask
        top = weights.max(axis=-1, keepdims=True)
        top[top == -np.inf] = 0.0  # a row masked entirely: exp(-inf) = 0 everywhere
        weights -= top
        np.exp(weights, out=weights)
        total = weights.sum(axis=-1, keepdims=True)
        total[total == 0] = 1.0  # ... and its weights stay 0
        weights /= total
        ctx.save_for_backward(query, key, weights)
        ctx.scale = scale
        return weights

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        """(d query, d key, None, None) through softmax's rule and the scaled product."""
        query, key, weights = ctx.saved_tensors
        d_scores = grad * weights  # softmax: w * (grad - sum(grad * w))
        d_scores -= weights * d_scores.sum(axis=-1, keepdims=True)
        d_scores *= d_scores.dtype.type(ctx.scale)
        d_query = d_scores @ key if ctx.needs_input_grad[0] else None
        d_key = np.swapaxes(d_scores, -1, -2) @ query if ctx.needs_input_grad[1] else None
        return d_query, d_key, None, None


class InProjection(Function):
    """x @ weightᵀ + bias as one op (torch.nn.functional.linear): one array kept for the
    output instead of the product's and the sum's, and the bias added in place.
    InProjection.apply(x, weight, bias): x (..., in), weight (out, in), bias (out,) or None.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: np.ndarray, weight: np.ndarray,
                bias: "np.ndarray | None") -> np.ndarray:
        """(..., out); saves x and weight."""
        out = x @ weight.T
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        """(d x, d weight, d bias): grad @ weight, gradᵀ @ x and grad summed over rows."""
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])
        d_x = grad @ weight if needs[0] else None
        d_weight = rows.T @ x.reshape(-1, x.shape[-1]) if needs[1] else None
        d_bias = rows.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return d_x, d_weight, d_bias


def _attention_weights(query: Tensor, key: Tensor, mask: "np.ndarray | None",
                       scale: float) -> Tensor:
    """The attention weights through AttentionWeights (masks as arrays, no gradient)."""
    return AttentionWeights.apply(query, key, mask, scale)


def _attention_inputs(query: Tensor, key: Tensor, value: Tensor) -> None:
    """Check the shapes of scaled_dot_product_attention's inputs."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got "
                            f"{type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} has shape {t.shape}; it "
                             "needs at least 2 dims (..., length, features)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query {query.shape}, key {key.shape} "
                         f"and value {value.shape} must be (..., L, E), (..., S, E), "
                         "(..., S, Ev)")


# %% solution="scaled-dot-product-attention"
#| export
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: "Tensor | np.ndarray | None" = None,
                                 is_causal: bool = False,
                                 scale: float | None = None) -> tuple[Tensor, Tensor]:
    """softmax(query @ key^T * scale + mask) @ value, returning (output, weights)
    (torch.nn.functional.scaled_dot_product_attention, which returns only the output).

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev); leading dims broadcast.
        attn_mask: broadcastable to (..., L, S). Boolean: True = may attend (False scores
            become -inf); float: added to the scores.
        is_causal: mask the future (query i sees keys j <= i); not with attn_mask.
        scale: multiplies the scores; default 1 / sqrt(E).

    Returns output (..., L, Ev) and weights (..., L, S). A query whose keys are all masked
    gets weights 0 and output 0, as in PyTorch.

    TODO: compute the scaled scores, mask them, softmax them safely and mix the values.

    APPROACH:
    1. `scale = 1 / math.sqrt(E)` if None; `scores = (query @ key.transpose(-2, -1)) * scale`.
    2. `is_causal`: `attn_mask = causal_mask(L, S)`.
    3. A boolean mask: `scores = masked_fill(scores, ~mask, -np.inf)`; a float mask:
       `scores = scores + mask.astype(scores.dtype)`.
    4. `weights = safe_softmax(scores)`; return `weights @ value, weights`.

    EXAMPLE:
    >>> out, w = scaled_dot_product_attention(q, k, v, is_causal=True)  # q, k, v: (1, 3, 4)
    >>> w.numpy()[0, 0]      # the first query sees only the first key
    array([1., 0., 0.], dtype=float32)

    HINTS:
    - a mask may be a Tensor or an array: take `mask.data` of a Tensor.
    - both attn_mask and is_causal=True: raise a ValueError saying so, as PyTorch does.
    """
    _attention_inputs(query, key, value)
    ### BEGIN SOLUTION
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal=True, not "
                         "both (PyTorch refuses both too); combine them into one mask")
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal:
        attn_mask = causal_mask(L, S)
    mask = None
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.dtype != np.bool_:
            mask = mask.astype(np.result_type(query.dtype, key.dtype), copy=False)
    # The steps of APPROACH as one op (scores, scale, mask, safe softmax): the same weights
    # with a third of the memory kept for backward.
    weights = _attention_weights(query, key, mask, scale)
    return weights @ value, weights
    ### END SOLUTION


# %% test="scaled-dot-product-attention-tests" points=20
def _reference_attention(q, k, v, allowed=None, add=None):
    """NumPy attention for the tests: allowed (bool, True = may attend) or add (float)."""
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    if add is not None:
        s = s + add
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


def test_sdpa_matches_the_definition(run):
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(2, 3, n, 4)).astype(np.float32) for n in (5, 6, 6))

    def student():
        out, w = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))
        return out.numpy(), w.numpy()

    out, w = run(student)
    ref_out, ref_w = _reference_attention(q, k, v)
    assert_array(w, ref_w, dtype="float32", rtol=1e-5, atol=1e-6, what="weights (2, 3, 5, 6)")
    assert_array(out, ref_out, dtype="float32", rtol=1e-5, atol=1e-6, what="output (2, 3, 5, 4)")


def test_sdpa_causal(run):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4, 3)).astype(np.float32)

    def student():
        out, w = scaled_dot_product_attention(Tensor(x), Tensor(x), Tensor(x), is_causal=True)
        return out.numpy(), w.numpy()

    out, w = run(student)
    ref_out, ref_w = _reference_attention(x, x, x, allowed=np.tril(np.ones((4, 4), bool)))
    assert np.all(w[0][np.triu_indices(4, 1)] == 0), "a query must give 0 weight to later keys"
    assert_array(w, ref_w, dtype="float32", rtol=1e-5, atol=1e-6, what="causal weights")
    assert_array(out, ref_out, dtype="float32", rtol=1e-5, atol=1e-6, what="causal output")


def test_sdpa_gradients_flow(run):
    def student():
        q = Tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
        v = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        out, _ = scaled_dot_product_attention(q, q, v)
        out.sum().backward()
        return q.grad is not None, v.grad.numpy()

    has_grad, v_grad = run(student)
    assert has_grad, "query gets a gradient: build attention from Tensor ops"
    assert_array(v_grad, [[1.0, 1.0], [1.0, 1.0]], dtype="float32", rtol=1e-5,
                 what="value.grad of out.sum() (each key's weights sum to 1 over queries)")


run_tests(test_sdpa_matches_the_definition, test_sdpa_causal, test_sdpa_gradients_flow)
### BEGIN HIDDEN TESTS
def test_sdpa_boolean_and_float_masks(run):
    rng = np.random.default_rng(3)
    q, k, v = (rng.normal(size=(2, n, 4)).astype(np.float32) for n in (3, 5, 5))
    allowed = rng.random((2, 1, 5)) > 0.3
    allowed[:, :, 0] = True
    add = rng.normal(size=(3, 5)).astype(np.float32)

    def student():
        a = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=allowed)
        b = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v),
                                         attn_mask=Tensor(add), scale=0.5)
        return a[0].numpy(), a[1].numpy(), b[0].numpy()

    out, w, out_add = run(student)
    ref_out, ref_w = _reference_attention(q, k, v, allowed=allowed)
    assert_array(w, ref_w, dtype="float32", rtol=1e-5, atol=1e-6,
                 what="weights with a boolean mask (True = may attend)")
    assert_array(out, ref_out, dtype="float32", rtol=1e-5, atol=1e-6, what="boolean-mask output")
    s = q @ np.swapaxes(k, -1, -2) * 0.5 + add
    e = np.exp(s - s.max(-1, keepdims=True))
    assert_array(out_add, (e / e.sum(-1, keepdims=True)) @ v, dtype="float32", rtol=1e-5,
                 atol=1e-6, what="output with a float mask added and scale=0.5")


def test_sdpa_fully_masked_row_is_zero_not_nan(run):
    def student():
        q = Tensor(np.ones((2, 2)), requires_grad=True)
        mask = np.array([[False, False], [True, False]])
        out, w = scaled_dot_product_attention(q, q, q, attn_mask=mask)
        out.sum().backward()
        return out.numpy(), w.numpy(), q.grad.numpy()

    out, w, grad = run(student)
    assert_array(w, [[0.0, 0.0], [1.0, 0.0]], dtype="float64",
                 what="weights: a query with every key masked gets all zeros")
    assert_array(out[0], [0.0, 0.0], dtype="float64", what="its output (zeros, not nan)")
    assert np.all(np.isfinite(grad)), "the gradient must stay finite with a fully masked row"


def test_sdpa_rejects_mask_with_is_causal(run):
    def student():
        x = Tensor(np.ones((2, 2)))
        return scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool),
                                            is_causal=True)

    with pytest.raises(ValueError):
        run(student)


run_tests(test_sdpa_boolean_and_float_masks, test_sdpa_fully_masked_row_is_zero_not_nan,
          test_sdpa_rejects_mask_with_is_causal)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: `MultiHeadAttention`'s parameters
#
# PyTorch's layout, so that `torch.nn.MultiheadAttention(E, H, batch_first=True)`'s
# `state_dict()` loads into yours: `in_proj_weight` $(3E, E)$ initialized with Xavier-uniform
# (bound $\sqrt{6 / (E + 3E)}$, as `nn.init.xavier_uniform_` computes for that shape),
# `in_proj_bias` $(3E,)$ of zeros (or `None` without bias), and `out_proj`, a `Linear(E, E)`
# whose bias starts at zero. `embed_dim` must divide into `num_heads` heads of
# `head_dim = E // H` features. **One difference:** PyTorch's `batch_first` defaults to False
# (inputs `(L, N, E)`); ours defaults to True (`(N, L, E)`), as every model of this course.

# %% solution="mha-init"
#| export
class MultiHeadAttention(Module):
    """Multi-head attention with PyTorch's parameters (torch.nn.MultiheadAttention).

    Args:
        embed_dim: E, the features of queries, keys and values.
        num_heads: H; E must be divisible by H.
        dropout: kept for torch's argument order; only 0.0 is supported (module 13 applies
            Dropout after attention).
        bias: learn in_proj_bias and out_proj.bias (default True).
        batch_first: inputs (N, L, E) if True (our default), (L, N, E) if False (torch's).
        generator: a numpy.random.Generator for the initialization and dropout.

    Parameters: in_proj_weight (3E, E) (rows q, k, v), in_proj_bias (3E,), out_proj (a
    Linear(E, E)): torch's state_dict keys and shapes.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        """Create the projections.

        TODO: check the sizes, then create in_proj_weight, in_proj_bias and out_proj.

        APPROACH:
        1. ValueError unless `embed_dim % num_heads == 0`; set `self.head_dim`.
        2. `bound = math.sqrt(6 / (4 * embed_dim))`; `self.in_proj_weight = Parameter(
           rng.uniform(-bound, bound, (3 * embed_dim, embed_dim)))`.
        3. `self.in_proj_bias = Parameter(np.zeros(3 * embed_dim))` if bias, else None.
        4. `self.out_proj = Linear(E, E, bias=bias, generator=rng)`; zero its bias.

        HINTS: `rng = generator if generator is not None else default_generator()`.
        """
        super().__init__()
        if dropout != 0.0:
            raise ValueError(f"MultiHeadAttention: dropout={dropout} is not supported, only "
                             "0.0; apply a Dropout layer to the output instead")
        if num_heads <= 0 or embed_dim <= 0:
            raise ValueError(f"MultiHeadAttention: embed_dim ({embed_dim}) and num_heads "
                             f"({num_heads}) must be > 0")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        rng = generator if generator is not None else default_generator()
        self._generator = rng
        ### BEGIN SOLUTION
        if embed_dim % num_heads:
            raise ValueError(f"MultiHeadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        self.head_dim = embed_dim // num_heads
        bound = math.sqrt(6.0 / (4 * embed_dim))
        self.in_proj_weight = Parameter(rng.uniform(-bound, bound, (3 * embed_dim, embed_dim)))
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, generator=rng)
        if bias:
            self.out_proj.bias.data[...] = 0.0
        ### END SOLUTION

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"batch_first={self.batch_first}")


# %% test="mha-init-tests" points=10
def test_mha_parameter_layout(run):
    def student():
        mha = MultiHeadAttention(8, 2)
        state = mha.state_dict()
        return ({k: tuple(v.shape) for k, v in state.items()}, list(state), mha.head_dim,
                float(np.abs(mha.in_proj_weight.numpy()).max()),
                mha.in_proj_bias.numpy(), mha.out_proj.bias.numpy())

    shapes, order, head_dim, largest, in_bias, out_bias = run(student)
    assert order == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], (
        f"state_dict keys must be torch's, in its order; got {order}")
    assert shapes == {"in_proj_weight": (24, 8), "in_proj_bias": (24,),
                      "out_proj.weight": (8, 8), "out_proj.bias": (8,)}, f"shapes: {shapes}"
    assert head_dim == 4, f"head_dim = 8 // 2 = 4, got {head_dim}"
    assert 0 < largest <= math.sqrt(6 / 32), "in_proj_weight: Xavier-uniform, |w| ≤ √(6/4E)"
    assert_array(in_bias, np.zeros(24), dtype="float32", what="in_proj_bias (zeros)")
    assert_array(out_bias, np.zeros(8), dtype="float32", what="out_proj.bias (zeros)")


run_tests(test_mha_parameter_layout)
### BEGIN HIDDEN TESTS
def test_mha_init_checks_and_no_bias(run):
    def student():
        mha = MultiHeadAttention(6, 3, bias=False)
        return list(mha.state_dict()), mha.in_proj_bias is None

    keys, no_bias = run(student)
    assert keys == ["in_proj_weight", "out_proj.weight"] and no_bias, (
        f"bias=False: no in_proj_bias nor out_proj.bias; got {keys}")

    def indivisible():
        return MultiHeadAttention(10, 3)

    with pytest.raises(ValueError):
        run(indivisible)


run_tests(test_mha_init_checks_and_no_bias)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: `MultiHeadAttention.forward`
#
# With $N$ the batch, inputs `query` $(N, L, E)$, `key` and `value` $(N, S, E)$:
#
# 1. Project: $q = x_q W_q^\top + b_q$ with $W_q$ = `in_proj_weight[:E]`, $b_q$ =
#    `in_proj_bias[:E]`; $k$, $v$ likewise with rows $E..2E$ and $2E..3E$ (slicing a
#    Tensor is differentiable).
# 2. Split heads: $(N, L, E) \to (N, L, H, D) \to (N, H, L, D)$ (`reshape`, `transpose(1, 2)`).
# 3. `scaled_dot_product_attention(q, k, v, attn_mask=mask)` with `mask` from the given
#    `_mha_attention_mask(...)`, which turns the layer's masks (PyTorch's MHA convention:
#    **True = masked out**) into one float mask of $0$ and $-\infty$, shape
#    $(N, H\text{ or }1, L\text{ or }1, S)$.
# 4. Merge heads back to $(N, L, E)$ and apply `out_proj`.
#
# Return `(output, weights)`: weights averaged over heads, $(N, L, S)$, or per head
# $(N, H, L, S)$ with `average_attn_weights=False`, or None with `need_weights=False`.
# The given code handles `batch_first=False` and unbatched inputs around yours.
# PyTorch requires `attn_mask` when `is_causal=True` (it is only a hint there); ours builds
# the causal mask itself when `attn_mask` is None.

# %% locked="mha-masks"
#| export
def _additive(mask: "Tensor | np.ndarray", dtype: np.dtype, what: str) -> np.ndarray:
    """A MultiheadAttention mask as a float mask: True (masked out) -> -inf, False -> 0."""
    mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype == np.bool_:
        return np.where(mask, -np.inf, 0.0).astype(dtype)
    if mask.dtype.kind != "f":
        raise TypeError(f"MultiHeadAttention: {what} must be bool or float, got {mask.dtype}")
    return mask.astype(dtype)


def _mha_attention_mask(num_heads: int, key_padding_mask, attn_mask, is_causal: bool,
                        N: int, L: int, S: int, dtype: np.dtype) -> "np.ndarray | None":
    """MultiheadAttention's key_padding_mask (N, S) and attn_mask (L, S) or (N*H, L, S),
    True = masked out or float = added, as one float mask broadcastable to (N, H, L, S);
    None if there is none. is_causal without attn_mask adds the causal mask."""
    total = None
    if key_padding_mask is not None:
        kpm = _additive(key_padding_mask, dtype, "key_padding_mask")
        if kpm.shape not in ((N, S), (S,)):
            raise ValueError(f"key_padding_mask must have shape (N, S) = {(N, S)}, got "
                             f"{kpm.shape}")
        total = kpm.reshape(N, 1, 1, S)
    if attn_mask is None and is_causal:
        attn_mask = ~causal_mask(L, S)
    if attn_mask is not None:
        mask = _additive(attn_mask, dtype, "attn_mask")
        if mask.shape == (L, S):
            mask = mask.reshape(1, 1, L, S)
        elif mask.shape == (N * num_heads, L, S):
            mask = mask.reshape(N, num_heads, L, S)
        else:
            raise ValueError(f"attn_mask must have shape (L, S) = {(L, S)} or (N*H, L, S) = "
                             f"{(N * num_heads, L, S)}, got {mask.shape}")
        total = mask if total is None else total + mask
    return total


# %% solution="mha-forward"
#| export
@extends(MultiHeadAttention)
class MultiHeadAttentionForward:
    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: "Tensor | np.ndarray | None" = None,
                need_weights: bool = True, attn_mask: "Tensor | np.ndarray | None" = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, "Tensor | None"]:
        """Attention of `query` over `key`/`value` in num_heads heads, projected in and out
        (torch.nn.MultiheadAttention.forward, same arguments and order).

        query (N, L, E), key and value (N, S, E) (batch_first), or (L, E), (S, E) unbatched.
        key_padding_mask (N, S) and attn_mask (L, S) or (N*H, L, S): bool True = masked
        out, float = added. Returns (output like query, weights (N, L, S) averaged over
        heads, or (N, H, L, S) if not average_attn_weights, or None if not need_weights).

        TODO: project, split the heads, attend, merge the heads, project out.

        APPROACH:
        1. `W, b, E = self.in_proj_weight, self.in_proj_bias, self.embed_dim`;
           `q = query @ W[:E].transpose() + b[:E]` (no bias if b is None); k, v alike.
        2. `q.reshape(N, L, H, D).transpose(1, 2)`: (N, H, L, D); k, v with S.
        3. `mask = _mha_attention_mask(H, key_padding_mask, attn_mask, is_causal, N, L, S,
           q.dtype)`; `out, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask)`.
        4. `out.transpose(1, 2).reshape(N, L, E)`, then `self.out_proj(...)`.
        5. weights: `weights.mean(axis=1)` if average_attn_weights.

        HINTS: slicing a Parameter (`W[:E]`) gives a Tensor that autograd follows.
        """
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.reshape(1, *t.shape) for t in (query, key, value))
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        kv_shape = (*value.shape[:2], self.embed_dim)
        if query.ndim != 3 or query.shape[-1] != self.embed_dim or key.shape != kv_shape:
            raise ValueError(f"MultiHeadAttention: query, key and value must be (N, L, E), "
                             f"(N, S, E), (N, S, E) with E = {self.embed_dim}; got "
                             f"{query.shape}, {key.shape}, {value.shape}")
        N, L, S = query.shape[0], query.shape[1], key.shape[1]
        ### BEGIN SOLUTION
        W, b, E = self.in_proj_weight, self.in_proj_bias, self.embed_dim
        H, D = self.num_heads, self.head_dim

        def heads(y: Tensor, length: int) -> Tensor:  # (N, length, E) -> (N, H, length, D)
            return y.reshape(N, length, H, D).transpose(1, 2)

        if query is key and key is value:  # self-attention: one matmul for q, k and v
            qkv = InProjection.apply(query, W, b).reshape(N, L, 3, H, D)
            q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
        else:
            q, k, v = (heads(InProjection.apply(x, W[i * E:(i + 1) * E],
                                                None if b is None else b[i * E:(i + 1) * E]),
                             x.shape[1])
                       for i, x in enumerate((query, key, value)))
        mask = _mha_attention_mask(H, key_padding_mask, attn_mask, is_causal, N, L, S, q.dtype)
        out, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask)
        # out_proj's parameters through InProjection: its bias added in place, not kept twice
        out = InProjection.apply(out.transpose(1, 2).reshape(N, L, E), self.out_proj.weight,
                                 self.out_proj.bias)
        if average_attn_weights and need_weights:
            weights = weights.mean(axis=1)
        ### END SOLUTION
        if not need_weights:
            weights = None
        if unbatched:
            out = out.reshape(L, self.embed_dim)
            weights = None if weights is None else weights.reshape(*weights.shape[1:])
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights


# %% test="mha-forward-tests" points=20
def _reference_mha(x_q, x_k, x_v, W, b, Wo, bo, H, allowed=None):
    """NumPy multi-head attention for the tests (batch_first, allowed: True = may attend)."""
    E = x_q.shape[-1]
    N, L, S, D = x_q.shape[0], x_q.shape[1], x_k.shape[1], E // H

    def split(x, i, n):
        return (x @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E]).reshape(
            N, n, H, D).transpose(0, 2, 1, 3)

    q, k, v = split(x_q, 0, L), split(x_k, 1, S), split(x_v, 2, S)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D)
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    out = (w @ v).transpose(0, 2, 1, 3).reshape(N, L, E) @ Wo.T + bo
    return out, w


def test_mha_self_attention(run):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 8)).astype(np.float32)
    W, b = rng.normal(size=(24, 8)) * 0.3, rng.normal(size=24) * 0.1
    Wo, bo = rng.normal(size=(8, 8)) * 0.3, rng.normal(size=8) * 0.1

    def student():
        mha = MultiHeadAttention(8, 2)
        mha.load_state_dict({"in_proj_weight": W, "in_proj_bias": b, "out_proj.weight": Wo,
                             "out_proj.bias": bo})
        out, w = mha(Tensor(x), Tensor(x), Tensor(x))
        return out.numpy(), w.numpy()

    out, w = run(student)
    ref_out, ref_w = _reference_mha(x, x, x, W, b, Wo, bo, H=2)
    assert_array(w, ref_w.mean(axis=1), dtype="float32", rtol=1e-4, atol=1e-5,
                 what="weights averaged over heads (N, L, S)")
    assert_array(out, ref_out, dtype="float32", rtol=1e-4, atol=1e-5, what="output (N, L, E)")


def test_mha_key_padding_mask(run):
    rng = np.random.default_rng(5)
    q, kv = (rng.normal(size=(2, n, 4)).astype(np.float32) for n in (3, 6))
    W, b = rng.normal(size=(12, 4)) * 0.5, rng.normal(size=12) * 0.1
    Wo, bo = rng.normal(size=(4, 4)) * 0.5, np.zeros(4)
    pad = np.zeros((2, 6), bool)
    pad[0, 4:] = True  # the first sequence has 4 real keys, then padding

    def student():
        mha = MultiHeadAttention(4, 2)
        mha.load_state_dict({"in_proj_weight": W, "in_proj_bias": b, "out_proj.weight": Wo,
                             "out_proj.bias": bo})
        out, w = mha(Tensor(q), Tensor(kv), Tensor(kv), key_padding_mask=pad,
                     average_attn_weights=False)
        return out.numpy(), w.numpy()

    out, w = run(student)
    ref_out, ref_w = _reference_mha(q, kv, kv, W, b, Wo, bo, H=2,
                                    allowed=~pad.reshape(2, 1, 1, 6))
    assert np.all(w[0, :, :, 4:] == 0), "padded keys (True in key_padding_mask) get weight 0"
    assert_array(w, ref_w, dtype="float32", rtol=1e-4, atol=1e-5, what="per-head weights")
    assert_array(out, ref_out, dtype="float32", rtol=1e-4, atol=1e-5, what="padded output")


run_tests(test_mha_self_attention, test_mha_key_padding_mask)
### BEGIN HIDDEN TESTS
def test_mha_causal_and_gradients(run):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1, 4, 4))

    def student():
        mha = MultiHeadAttention(4, 4)
        xt = Tensor(x, requires_grad=True)
        causal = np.triu(np.ones((4, 4), bool), 1)  # MHA convention: True = masked out
        a, wa = mha(xt, xt, xt, attn_mask=causal)
        b, _ = mha(xt, xt, xt, is_causal=True)
        a.sum().backward()
        grads = [p.grad is not None for p in mha.parameters()]
        return a.numpy(), b.numpy(), wa.numpy(), grads, xt.grad.numpy()

    a, b, w, grads, xgrad = run(student)
    assert_array(b, a, dtype="float64", rtol=1e-6, what="is_causal=True equals a causal mask")
    assert np.all(w[0][np.triu_indices(4, 1)] == 0), "causal weights above the diagonal are 0"
    assert all(grads), "every parameter gets a gradient"
    assert xgrad.shape == (1, 4, 4) and np.all(np.isfinite(xgrad)), "the input's gradient"


def test_mha_not_batch_first_and_no_weights(run):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 2, 4)).astype(np.float32)  # (L, N, E)

    def student():
        a = MultiHeadAttention(4, 2, batch_first=False, generator=np.random.default_rng(0))
        b = MultiHeadAttention(4, 2, generator=np.random.default_rng(0))
        out_a, w_a = a(Tensor(x), Tensor(x), Tensor(x), need_weights=False)
        xb = Tensor(np.swapaxes(x, 0, 1))
        out_b, _ = b(xb, xb, xb)
        return out_a.numpy(), np.swapaxes(out_b.numpy(), 0, 1), w_a is None

    out_a, out_b, none = run(student)
    assert none, "need_weights=False returns None as the weights"
    assert_array(out_a, out_b, dtype="float32", rtol=1e-5, atol=1e-6,
                 what="batch_first=False: (L, N, E) in and out")


run_tests(test_mha_causal_and_gradients, test_mha_not_batch_first_and_no_weights)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: what attends to what
#
# A random `MultiHeadAttention` over 8 positions with a causal mask: plot its weights (the
# reason yours returns them). Each row is a query; with the causal mask, row $i$ spreads its
# weight over the first $i + 1$ keys.

# %%
mha = MultiHeadAttention(16, 4, generator=np.random.default_rng(0))
x = Tensor(np.random.default_rng(1).normal(size=(1, 8, 16)))
out, weights = mha(x, x, x, is_causal=True, average_attn_weights=False)
print("output", out.shape, "weights", weights.shape)
try:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 4, figsize=(10, 2.6))
    for h, ax in enumerate(axes):
        ax.imshow(weights.numpy()[0, h], cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"head {h}")
        ax.set_xlabel("key")
    axes[0].set_ylabel("query")
    plt.tight_layout()
except ImportError:
    print(np.round(weights.numpy()[0, 0], 2))

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 The $L \times S$ weights: memory and time
#
# Your attention materializes scores and weights of shape $(N, H, L, L)$ for self-attention.
# Measure their bytes and the time of one forward pass as the sequence grows.

# %%
print(f"{'L':>6} {'weights MB':>11} {'seconds':>9}")
sizes, seconds = [], []
for L in (64, 128, 256, 512):
    q = Tensor(np.random.default_rng(0).normal(size=(1, 4, L, 32)).astype(np.float32))
    start = time.perf_counter()
    out, w = scaled_dot_product_attention(q, q, q)
    seconds.append(time.perf_counter() - start)
    sizes.append(w.data.nbytes)
    print(f"{L:>6} {w.data.nbytes / 1e6:>11.2f} {seconds[-1]:>9.4f}")

# %% [markdown]
# Each doubling of $L$ multiplies the weights' bytes by 4: memory is $O(L^2)$ per head, while
# $q$, $k$, $v$ grow only as $O(L \cdot D)$. At $L = 32\,768$, 32 heads and float16, one
# layer's weights would be 64 GB. FlashAttention computes the same output in tiles, with an
# online softmax, and never stores the full matrix (its backward recomputes it): that is why
# PyTorch's `scaled_dot_product_attention` does not return the weights.
#
# ### 5.2 Why scale by $\sqrt d$

# %%
rng = np.random.default_rng(0)
for d in (4, 64, 1024):
    qs, ks = rng.normal(size=(1000, d)), rng.normal(size=(1000, d))
    dots = (qs * ks).sum(axis=1)
    _, w = attention_one_query(qs[0], ks[:16], np.eye(16), scale=1.0)
    print(f"d={d:>5}: std of q·k {dots.std():7.2f}, of q·k/√d {(dots / math.sqrt(d)).std():.2f};"
          f" unscaled softmax's largest weight {w.numpy().max():.3f}")

# %% [markdown]
# Unscaled, the dot products' spread grows as $\sqrt d$ and the softmax turns one-hot; its
# gradient, $w_j(\delta_{jk} - w_k)$, then vanishes. Scaled, the spread stays near 1.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, with numbers from *your*
# notebook. Each is worth 10 points.

# %% [markdown] locked="q-quadratic"
# **Question 1: the quadratic weights.** Use section 5.1.
#
# 1. How did the bytes of your weights and the time grow with $L$? Give the formula for the
#    bytes of the weights of one layer (batch N, heads H, length L, dtype size).
# 2. For GPT-2 small (12 layers, 12 heads, L = 1024, float32, batch 8), how much memory do
#    the attention weights kept for backward take? Compare with the 124M parameters.
# 3. How do FlashAttention and PyTorch's fused `scaled_dot_product_attention` avoid it, and
#    what do they give up (hint: what did you need the weights for in section 4)?

# %% [markdown] manual="systems-quadratic" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# - **Growth:** bytes ×4 per doubling of L (quotes their table, e.g. 0.07 → 4.2 MB for
#   L 64 → 512 with 4 heads float32); time grows ≈ quadratically once the matmuls dominate.
#   Formula N·H·L·S·bytes (L = S for self-attention), plus the scores of the same size.
# - **GPT-2:** 8·12·1024²·4 B = 403 MB per layer for the weights, ×12 layers ≈ 4.8 GB (about
#   double with the scores and dropout masks), versus 124M × 4 B ≈ 0.5 GB of parameters:
#   activations, not weights, bound the batch and the context.
# - **Fused kernels:** tile Q, K, V into blocks that fit in on-chip SRAM, keep a running max
#   and sum (online softmax), write only the output and the log-sum-exp per row; backward
#   recomputes the tiles: O(L) memory, fewer memory transfers, more FLOPs. They give up
#   returning the weights (visualization, attention analysis): PyTorch's MHA with
#   need_weights=True falls back to the slow path.
#
# 7–8: correct scaling and formula, weaker numbers or fused-kernel explanation. 5–6: "it is
# quadratic" without their measurements. 3–4: claims memory grows linearly. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-scale"
# **Question 2: why $\sqrt d$.** Use section 5.2.
#
# 1. Derive the variance of $q \cdot k$ for independent unit-variance entries, and show how
#    your measurement confirms it.
# 2. What happens to the softmax and to its gradient without the scale? Relate it to the
#    largest weight your cell printed.
# 3. Your `scale=` argument lets callers choose another factor. When would someone want a
#    different scale (e.g. a temperature, or normalized queries and keys)?

# %% [markdown] manual="systems-scale" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# - **Variance:** Var(Σ q_i k_i) = Σ E[q_i²]E[k_i²] = d (zero means, independence), std √d:
#   their output ≈ 2, 8, 32 for d = 4, 64, 1024, and ≈ 1 after dividing by √d.
# - **Saturation:** scores spread by √d make exp dominated by the largest: weights near
#   one-hot (their largest weight → 1.0 at d = 1024); the softmax Jacobian w_j(δ_jk − w_k)
#   → 0, so queries and keys get almost no gradient and training stalls, and a near-argmax
#   attention cannot mix information. Too small a scale gives uniform weights instead.
# - **Other scales:** a temperature to sharpen or soften attention; QK-norm / cosine
#   attention (normalized q, k with a learned scale); μP-style 1/d scaling for
#   hyper-parameter transfer; alibi / T5 variants fold scale into learned biases. PyTorch's
#   `scale=` exists for exactly these.
#
# 7–8: derivation and saturation correct, little on other scales. 5–6: "keeps values
# small" without the variance argument. 3–4: confuses the scale with normalization of the
# output. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-heads"
# **Question 3: shapes per head, and the KV cache ahead.**
#
# 1. Trace the shapes in your `forward` for N = 2, L = S = 10, E = 16, H = 4: of q, k, v after
#    projection, after splitting heads, of the scores, the weights and the output.
# 2. How many parameters and FLOPs does attention with H heads have compared with one head
#    of the full E? What do several heads buy?
# 3. When a model generates one token at a time, which tensors of your forward could be
#    kept from the previous steps (module 18's KV cache)? How many bytes per token and layer
#    does that cache hold, per head and in total? How do grouped-query attention (fewer K/V
#    heads than Q heads) and multi-query attention shrink it?

# %% [markdown] manual="systems-heads" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# - **Shapes:** projections (2, 10, 16); split (2, 10, 4, 4) → (2, 4, 10, 4) for q, k, v;
#   scores and weights (2, 4, 10, 10); per-head output (2, 4, 10, 4) → (2, 10, 4, 4) →
#   (2, 10, 16) → out_proj (2, 10, 16); returned weights averaged (2, 10, 10).
# - **Cost:** the same 4E² + 4E parameters and the same projection FLOPs as one head;
#   the score FLOPs 2·N·L·S·E are also the same (H heads × D = E); only the weights' memory
#   grows H-fold (H matrices of L×S). Heads buy several independent attention patterns
#   (positional, syntactic, copying) in one layer.
# - **KV cache:** the projected keys and values of past tokens do not change: cache k, v of
#   shape (N, H, S, D); each new token computes q, k, v for itself only and appends. Bytes
#   per token and layer: 2 · H · D · dtype size = 2·E·bytes (e.g. 2·768·2 B = 3 kB in
#   float16 for GPT-2 small, ×12 layers = 36 kB per token). GQA shares each K/V head among
#   a group of query heads (H_kv < H), MQA uses one K/V head: the cache shrinks by H/H_kv,
#   at a small quality cost (Llama 2/3 use GQA).
#
# 7–8: shapes right, cache identified with a size, little on GQA. 5–6: shapes partly
# wrong or the cache described without numbers. 3–4: caches queries or the weights.
# 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.attention`:
#
# - `attention_one_query`: the definition, with loops.
# - `masked_fill` (`torch.Tensor.masked_fill`), a `Function` with its own backward.
# - `scaled_dot_product_attention` (`F.scaled_dot_product_attention`): scale, causal,
#   boolean and float masks, safe softmax; returns the weights too.
# - `MultiHeadAttention` (`nn.MultiheadAttention`): torch's parameters and state_dict,
#   key padding and attention masks, per-head or averaged weights.
#
# Checklist:
#
# - [ ] Every test cell above prints only ✓ lines (5 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export attention`.
#
# **Next: module 13, transformers.** LayerNorm, a transformer block around your
# `MultiHeadAttention`, and a GPT that generates text.
