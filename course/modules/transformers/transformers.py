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
# # Module 13 · Transformers
#
# By the end of this module you will have built a **GPT**: `LayerNorm` as a differentiable op
# with its own backward, the transformer's `MLP`, a pre-norm `TransformerBlock` around your
# module 12 `MultiHeadAttention`, and the `GPT` model that stacks them between your module 11
# embeddings and a language-model head, with `generate()` to write text one token at a time
# (greedy, temperature and top-k sampling, reproducible with a seed). The layers take
# PyTorch's names and parameter layouts, so the same weights give the same numbers.
#
# | | |
# |---|---|
# | **Prerequisites** | 12 `attention`, 11 `embeddings`, 10 `tokenization`, 08 `training` |
# | **Time** | about 3 to 4 hours |
# | **Your code lands in** | `tinytorch.models.transformer` |
# | **Next** | the `attention` and `tinygpt` milestones train it; 18 adds a KV cache |
#
# **Contents.** 1 Why transformers · 2 Concepts · 3 Build it, piece by piece · 4 Use it:
# a tiny GPT learns a poem · 5 Systems analysis · 6 ML systems thinking · 7 Summary

# %% locked="transformers-imports"
import math
import time
import tracemalloc

import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why transformers
#
# Module 12 gave every position a way to look at every other one. One attention layer is
# not a language model: it mixes vectors, but it does not *transform* them much (its only
# nonlinearity is the softmax), and one round of mixing finds only direct relations. The
# transformer (Vaswani et al., 2017) repeats a **block** of two steps many times: attention
# (tokens exchange information) and a per-token MLP (each token thinks about what it
# received), each wrapped in a **residual connection** and a **normalization** so that a
# deep stack still trains. GPT (Radford et al., 2018, 2019) is that block stacked, with a
# causal mask, on top of token and position embeddings, trained to predict the next token.
#
# Every large language model (GPT-4, Llama, Claude, Gemini) is still this recipe with
# refinements (RMSNorm, rotary positions, SwiGLU, grouped-query attention). PyTorch has
# the pieces as `torch.nn.LayerNorm`, `torch.nn.TransformerEncoderLayer(norm_first=True)`
# and `torch.nn.MultiheadAttention`; nanoGPT and Hugging Face's `GPT2LMHeadModel` assemble
# them exactly as you will here.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Layer normalization
#
# For each token's vector $x \in \mathbb{R}^C$ (normalizing over the last dim only, never
# across the batch or the sequence):
#
# $$\mu = \frac1C \sum_i x_i,\qquad \sigma^2 = \frac1C \sum_i (x_i - \mu)^2,\qquad
#   \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\qquad
#   y_i = \gamma_i \hat x_i + \beta_i$$
#
# with learned `weight` $\gamma$ (ones) and `bias` $\beta$ (zeros). The variance is the
# *biased* one (divide by $C$), as PyTorch computes. Unlike module 09's BatchNorm, nothing
# depends on the other examples of the batch: the same in training and evaluation, no
# running statistics, and it works for a batch of one token, which generation needs.
#
# **Its backward, in one line.** With $g = \gamma \odot \partial L / \partial y$ and
# $r = 1/\sqrt{\sigma^2 + \epsilon}$, averaging over the normalized dim:
#
# $$\frac{\partial L}{\partial x} = r\,\bigl(g - \operatorname{mean}(g) -
#   \hat x \cdot \operatorname{mean}(g \odot \hat x)\bigr)$$
#
# The two means remove the directions the normalization removed: shifting all $x_i$ by a
# constant, or scaling them, does not change $\hat x$, so the gradient has no component
# along them. Composed from module 06's tensor ops, autograd would record about ten nodes,
# each keeping its own array for backward; as one `Function` it keeps two ($\hat x$ and $r$).
#
# ### 2.2 The pre-norm block
#
# ```
#   x ─┬─► LayerNorm ─► MultiHeadAttention (causal) ─► Dropout ─► (+) ─┬─► LN ─► MLP ─► (+) ─►
#      └──────────────────────────────────────────────────────────────┘└───────────────┘
# ```
#
# $x \leftarrow x + \text{attn}(\text{ln}_1(x))$, then $x \leftarrow x + \text{mlp}(\text{ln}_2
# (x))$. The MLP is `Linear(C, 4C)` → GELU → `Linear(4C, C)` → Dropout, applied to every token
# on its own. *Pre*-norm (GPT-2 and every model since) normalizes the input of each branch
# and leaves the residual path untouched: the gradient flows from the loss to the
# embeddings through additions only, so 100-layer stacks train without warm-up tricks. The
# original transformer was post-norm (`LayerNorm(x + attn(x))`).
#
# ### 2.3 GPT
#
# Token ids `(B, T)` → token embedding + position embedding `(B, T, C)` → Dropout → $L$
# blocks → final LayerNorm `ln_f` → `head`, a `Linear(C, V, bias=False)`: **logits** `(B, T,
# V)`, at each position a score for every possible next token. The causal mask makes the
# logits at position $t$ depend on tokens $0..t$ only, so one forward pass trains $T$
# next-token predictions at once: the loss is the cross-entropy of the logits reshaped to
# `(B·T, V)` against the input shifted by one.
#
# **Weight tying.** The head maps a vector to a score per token; the token embedding maps a
# token to a vector. Both are `(V, C)` matrices, and GPT-2 uses **the same one**:
# `head.weight is token_embedding.weight`. It saves $V \cdot C$ parameters (38.6 M of GPT-2
# small's 124 M), and the shared matrix receives the **sum** of both uses' gradients.
#
# **Generation.** Feed the prompt, take the logits of the last position, pick the next
# token, append it, repeat, each time cropping the context to the last `block_size`
# tokens. Picking: **greedy** takes the argmax (temperature 0); **sampling** draws from
# $\text{softmax}(\text{logits} / \tau)$, where a temperature $\tau < 1$ sharpens the
# distribution and $\tau > 1$ flattens it; **top-k** first keeps only the $k$ largest
# logits, so rare junk tokens are never drawn.

# %% [markdown]
# ## 3. Build it
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 the normalization op | `LayerNormFunction.forward/backward` | `F.layer_norm` | 15 |
# | 2 the layer | `LayerNorm.__init__/forward` | `nn.LayerNorm` | 10 |
# | 3 the MLP | `MLP.__init__/forward` | GPT-2's `mlp` | 5 |
# | 4 the block | `TransformerBlock.__init__/forward` | `nn.TransformerEncoderLayer` | 10 |
# | 5 the model | `GPT.__init__/forward` | nanoGPT's `GPT` | 10 |
# | 6 picking a token | `sample_next_token` | `torch.multinomial`, `torch.topk` | 10 |
# | 7 writing text | `GPT.generate` | Hugging Face's `generate` | 10 |
#
# Given: the functional `layer_norm` (argument checks around your `Function`) and GPT-2's
# weight initialization.

# %% locked="transformers-package-imports"
#| export
import math

import numpy as np

from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.autograd import Function, FunctionCtx, no_grad
from tinytorch.core.layers import Dropout, Linear, Module, Parameter, Sequential
from tinytorch.core.tensor import Tensor, default_generator
from tinytorch.text.embeddings import Embedding, PositionalEmbedding

# %% [markdown]
# The tests and demos of this notebook also use earlier modules; import them.

# %% locked="transformers-notebook-setup"
from tinytorch.core.autograd import gradcheck
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed

# %% [markdown]
# ### 3.1 Piece 1: `LayerNormFunction`, forward and backward side by side
#
# A module 06 `Function` over NumPy arrays. `forward(ctx, x, weight, bias, ndim, eps)`
# normalizes over the last `ndim` dims of `x` (`axes = tuple(range(-ndim, 0))`); `weight`
# and `bias` have the shape of those dims, or are None (no affine transform). `backward`
# returns one gradient per forward argument: `(grad_x, grad_weight, grad_bias, None, None)`,
# with None for a weight or bias that is None.
#
# - forward: the four formulas of section 2.1 with `keepdims=True`, in x's dtype; save
#   $\hat x$, $r$ and `weight` for backward (`ctx.save_for_backward`), and the axes.
# - backward: `grad_bias` is `grad` summed over every *leading* dim (the dims that are not
#   normalized), `grad_weight` is `grad * x_hat` summed the same way; `grad_x` is the
#   formula of section 2.1.

# %% solution="layer-norm-function"
#| export
class LayerNormFunction(Function):
    """Layer normalization over the last `ndim` dims as one differentiable op
    (the autograd node of torch.nn.functional.layer_norm).

    forward(ctx, x, weight, bias, ndim, eps): (x - mean) / sqrt(var + eps) * weight + bias,
    mean and biased variance over the last `ndim` dims; weight and bias (shape of those
    dims) may be None. Backward keeps only x_hat and 1 / sqrt(var + eps).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: np.ndarray, weight: "np.ndarray | None",
                bias: "np.ndarray | None", ndim: int, eps: float) -> np.ndarray:
        """The normalized x, scaled by weight and shifted by bias; saves x_hat and rstd.

        TODO: normalize over the last `ndim` dims, apply weight and bias, save for backward.

        APPROACH:
        1. `axes = tuple(range(-ndim, 0))`; `mean = x.mean(axis=axes, keepdims=True)`.
        2. `centered = x - mean`; `var = (centered * centered).mean(axis=axes, keepdims=True)`.
        3. `rstd = 1 / np.sqrt(var + eps)`; `x_hat = centered * rstd`.
        4. `ctx.save_for_backward(x_hat, rstd, weight)`; `ctx.axes = axes`.
        5. Return `x_hat * weight + bias`, skipping whichever is None.

        EXAMPLE:
        >>> LayerNormFunction.apply(Tensor([[1.0, 2.0, 3.0]]), None, None, 1, 0.0).numpy()
        array([[-1.2247449,  0.       ,  1.2247449]], dtype=float32)

        HINTS: keep x's dtype: `eps` is a Python float, so `var + eps` stays float32.
        """
        ### BEGIN SOLUTION
        axes = tuple(range(-ndim, 0))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)  # biased, as torch
        rstd = 1.0 / np.sqrt(var + eps)
        x_hat = np.multiply(centered, rstd, out=centered)  # reuse the buffer: no extra copy
        ctx.save_for_backward(x_hat, rstd, weight)
        ctx.axes = axes
        out = x_hat * weight if weight is not None else x_hat.copy()
        if bias is not None:
            out += bias
        return out
        ### END SOLUTION

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        """(grad_x, grad_weight, grad_bias, None, None) from the output's gradient.

        TODO: the gradients of x, weight and bias.

        APPROACH:
        1. `x_hat, rstd, weight = ctx.saved_tensors`; `axes = ctx.axes`;
           `lead = tuple(range(grad.ndim - len(axes)))`.
        2. `grad_weight = (grad * x_hat).sum(axis=lead)` and `grad_bias = grad.sum(axis=lead)`,
           or None where the weight or bias is None.
        3. `g = grad * weight` (or `grad` without weight);
           `grad_x = rstd * (g - g.mean(axes, keepdims=True)
                             - x_hat * (g * x_hat).mean(axes, keepdims=True))`.

        HINTS: `ctx.needs_input_grad[1]` is False when the weight is None.
        """
        ### BEGIN SOLUTION
        x_hat, rstd, weight = ctx.saved_tensors
        axes = ctx.axes
        lead = tuple(range(grad.ndim - len(axes)))
        grad_weight = (grad * x_hat).sum(axis=lead) if ctx.needs_input_grad[1] else None
        grad_bias = grad.sum(axis=lead) if ctx.needs_input_grad[2] else None
        g = grad * weight if weight is not None else grad
        mean_g = g.mean(axis=axes, keepdims=True)
        mean_gx = (g * x_hat).mean(axis=axes, keepdims=True)
        grad_x = rstd * (g - mean_g - x_hat * mean_gx)
        return grad_x, grad_weight, grad_bias, None, None
        ### END SOLUTION


def layer_norm(input: Tensor, normalized_shape: "int | tuple[int, ...]",
               weight: "Tensor | None" = None, bias: "Tensor | None" = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing dims `normalized_shape` (torch.nn.functional.layer_norm).

    Args:
        input: a float Tensor whose last dims equal normalized_shape.
        normalized_shape: an int or a tuple: the trailing dims to normalize over.
        weight, bias: Tensors of shape normalized_shape, or None.
        eps: added to the variance (default 1e-5, as torch).
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(
        normalized_shape)
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm expects a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"layer_norm: the input must be a float Tensor, got {input.dtype}; "
                        "convert it with Tensor(x, dtype=np.float32)")
    if not shape or input.ndim < len(shape) or input.shape[input.ndim - len(shape):] != shape:
        raise ValueError(f"Given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size "
                         f"{list(input.shape)}")
    return LayerNormFunction.apply(input, weight, bias, len(shape), float(eps))


# %% test="layer-norm-function-tests" points=15
import math  # the tests' own import (pytest sees only the test cells)


def _np_layer_norm(x, weight=None, bias=None, eps=1e-5, ndim=1):
    """NumPy layer norm for the tests."""
    axes = tuple(range(-ndim, 0))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def test_layer_norm_function_forward(run):
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(2, 3, 5)).astype(np.float32)
    w, b = rng.normal(size=5).astype(np.float32), rng.normal(size=5).astype(np.float32)

    def student():
        out = LayerNormFunction.apply(Tensor(x), Tensor(w), Tensor(b), 1, 1e-5)
        plain = LayerNormFunction.apply(Tensor(x), None, None, 1, 1e-5)
        return out.numpy(), plain.numpy()

    out, plain = run(student)
    assert_array(plain, _np_layer_norm(x), dtype="float32", rtol=1e-5, atol=1e-5,
                 what="(x - mean) / sqrt(var + eps) over the last dim, without weight and bias")
    assert_array(out, _np_layer_norm(x, w, b), dtype="float32", rtol=1e-5, atol=1e-5,
                 what="x_hat * weight + bias")


def test_layer_norm_function_backward(run):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=4)
    seed = rng.normal(size=(3, 4))

    def student():
        xt, wt, bt = (Tensor(a, dtype=np.float64, requires_grad=True) for a in (x, w, b))
        out = LayerNormFunction.apply(xt, wt, bt, 1, 1e-5)
        (out * Tensor(seed)).sum().backward()
        ok = gradcheck(lambda a, c, d: LayerNormFunction.apply(a, c, d, 1, 1e-5),
                       (xt, wt, bt), raise_exception=False)
        return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy(), ok

    gx, gw, gb, ok = run(student)
    x_hat = _np_layer_norm(x)
    assert_array(gb, seed.sum(axis=0), dtype="float64", rtol=1e-10,
                 what="bias.grad: the output's gradient summed over the leading dims")
    assert_array(gw, (seed * x_hat).sum(axis=0), dtype="float64", rtol=1e-8,
                 what="weight.grad: (grad * x_hat) summed over the leading dims")
    g = seed * w
    rstd = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5)
    expected = rstd * (g - g.mean(-1, keepdims=True)
                       - x_hat * (g * x_hat).mean(-1, keepdims=True))
    assert_array(gx, expected, dtype="float64", rtol=1e-7, atol=1e-10, what="x.grad")
    assert ok, "gradcheck (finite differences in float64) disagrees with your backward"


run_tests(test_layer_norm_function_forward, test_layer_norm_function_backward)
### BEGIN HIDDEN TESTS
def test_layer_norm_function_two_dims_constant_rows_and_no_weight(run):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))
    x[1] = 7.0  # a constant slice: variance 0, output 0 (eps keeps it finite)

    def student():
        xt = Tensor(x, dtype=np.float64, requires_grad=True)
        out = LayerNormFunction.apply(xt, None, None, 2, 1e-5)
        out.backward(np.ones((2, 3, 4)))
        ok = gradcheck(lambda a: LayerNormFunction.apply(a, None, None, 2, 1e-5), xt,
                       raise_exception=False)
        return out.numpy(), xt.grad.numpy(), ok

    out, gx, ok = run(student)
    assert_array(out, _np_layer_norm(x, ndim=2), dtype="float64", rtol=1e-9, atol=1e-12,
                 what="normalizing over the last two dims (3, 4)")
    assert np.all(np.isfinite(gx)), "a constant row must give a finite gradient"
    assert_array(gx, np.zeros((2, 3, 4)), dtype="float64", atol=1e-9,
                 what="x.grad of out.sum(): x_hat sums to 0, so the gradient is 0")
    assert ok, "gradcheck over two normalized dims, without weight and bias"


run_tests(test_layer_norm_function_two_dims_constant_rows_and_no_weight)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: `LayerNorm`, the layer
#
# `LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`, as
# `torch.nn.LayerNorm`: `normalized_shape` is an int or a tuple (store it as a tuple),
# `weight` starts at ones and `bias` at zeros, both float32 of that shape; without
# `elementwise_affine` both are None, and `bias=False` drops only the bias. `forward` calls
# the given `layer_norm`, which checks the input's shape and applies your `Function`.

# %% solution="layer-norm"
#| export
class LayerNorm(Module):
    """Layer normalization over the trailing dims `normalized_shape` (torch.nn.LayerNorm).

    Args:
        normalized_shape: an int or a tuple: the trailing dims to normalize over.
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn `weight` (ones) and `bias` (zeros) of shape
            normalized_shape (default True).
        bias: learn the bias too (default True; only with elementwise_affine).
    """

    def __init__(self, normalized_shape: "int | tuple[int, ...]", eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        """Store the shape and create weight and bias.

        TODO: the tuple `self.normalized_shape`, `self.eps`, and the parameters.

        APPROACH:
        1. An int becomes `(normalized_shape,)`, a list or tuple `tuple(...)`.
        2. `self.weight = Parameter(np.ones(shape))` if elementwise_affine, else None.
        3. `self.bias = Parameter(np.zeros(shape))` if elementwise_affine and bias, else None.
        """
        super().__init__()
        self.elementwise_affine = bool(elementwise_affine)
        ### BEGIN SOLUTION
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = float(eps)
        shape = self.normalized_shape
        self.weight = Parameter(np.ones(shape)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape)) if elementwise_affine and bias else None
        ### END SOLUTION

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")

    def forward(self, x: Tensor) -> Tensor:
        """x normalized over its trailing dims normalized_shape, then scaled and shifted.

        TODO: one call of `layer_norm`.

        APPROACH: `layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)`.
        """
        ### BEGIN SOLUTION
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        ### END SOLUTION


# %% test="layer-norm-tests" points=10
def test_layer_norm_parameters(run):
    def student():
        ln = LayerNorm(6)
        no_bias, plain = LayerNorm((2, 3), bias=False), LayerNorm(4, elementwise_affine=False)
        return (ln.normalized_shape, list(ln.state_dict()), ln.weight.numpy(), ln.bias.numpy(),
                list(no_bias.state_dict()), no_bias.weight.shape, plain.weight is None,
                list(plain.state_dict()))

    shape, keys, w, b, keys_nb, w_nb, none, keys_plain = run(student)
    assert shape == (6,), f"normalized_shape is stored as a tuple, got {shape}"
    assert keys == ["weight", "bias"], f"state_dict keys weight, bias (torch's); got {keys}"
    assert_array(w, np.ones(6), dtype="float32", what="weight starts at ones")
    assert_array(b, np.zeros(6), dtype="float32", what="bias starts at zeros")
    assert keys_nb == ["weight"] and w_nb == (2, 3), "bias=False: a weight of shape (2, 3) only"
    assert none and keys_plain == [], "elementwise_affine=False: no parameters"


def test_layer_norm_forward_and_gradients(run):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 8)).astype(np.float32) * 5 + 3

    def student():
        ln = LayerNorm(8)
        xt = Tensor(x, requires_grad=True)
        out = ln(xt)
        (out * out).sum().backward()
        return out.numpy(), ln.weight.grad.numpy(), xt.grad.shape

    out, gw, gx_shape = run(student)
    assert_array(out, _np_layer_norm(x), dtype="float32", rtol=1e-5, atol=1e-5,
                 what="LayerNorm(8) of x")
    assert_array(gw, (2 * _np_layer_norm(x) ** 2).sum(axis=0), dtype="float32", rtol=1e-4,
                 what="weight.grad of (out ** 2).sum()")
    assert gx_shape == (4, 8), f"x.grad has x's shape, got {gx_shape}"


run_tests(test_layer_norm_parameters, test_layer_norm_forward_and_gradients)
### BEGIN HIDDEN TESTS
def test_layer_norm_errors_dtype_and_eps(run):
    def wrong_shape():
        return LayerNorm(4)(Tensor(np.ones((2, 3))))

    with pytest.raises(ValueError):
        run(wrong_shape)
    x = np.array([[1e-3, -1e-3, 2e-3, 0.0]])

    def student():
        out = LayerNorm(4, eps=1.0)(Tensor(x, dtype=np.float64))
        return out.numpy()

    assert_array(run(student), _np_layer_norm(x, eps=1.0), dtype="float64", rtol=1e-9,
                 what="eps=1.0 is used (tiny inputs stay tiny), and float64 stays float64")


run_tests(test_layer_norm_errors_dtype_and_eps)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: the `MLP`
#
# The per-token feed-forward network: `fc = Linear(embed_dim, hidden_dim)`, `act =
# GELU(approximate="tanh")` (GPT-2's form: the exact one, through `erfc` in float64, takes
# most of a training step), `proj = Linear(hidden_dim, embed_dim)`, `dropout =
# Dropout(dropout)`. `hidden_dim` defaults to `4 * embed_dim`, GPT-2's ratio: the MLP holds
# two thirds of a block's parameters. Pass `generator` on to the layers.

# %% solution="mlp"
#| export
class MLP(Module):
    """The transformer's feed-forward block: Linear -> GELU -> Linear -> Dropout, on the last
    dim (GPT-2's `mlp`; `linear1`, `linear2` of torch.nn.TransformerEncoderLayer).

    Args:
        embed_dim: the input and output width C.
        hidden_dim: the inner width (default 4 * embed_dim).
        dropout: the probability of the Dropout after `proj` (default 0.0).
        generator: a numpy.random.Generator for the initialization and the dropout masks.

    Children, in order: fc, act (GELU's tanh form, as GPT-2), proj, dropout.
    """

    def __init__(self, embed_dim: int, hidden_dim: int | None = None, dropout: float = 0.0,
                 generator: np.random.Generator | None = None) -> None:
        """Create fc, act, proj and dropout.

        TODO: the four children.

        APPROACH: `hidden_dim = 4 * embed_dim` if None; `self.fc = Linear(embed_dim,
        hidden_dim, generator=generator)`; `self.act = GELU("tanh")`;
        `self.proj = Linear(hidden_dim, embed_dim, generator=generator)`;
        `self.dropout = Dropout(dropout, generator)`.
        """
        super().__init__()
        ### BEGIN SOLUTION
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.fc = Linear(embed_dim, hidden_dim, generator=generator)
        self.act = GELU(approximate="tanh")  # GPT-2's; the exact erfc form is much slower
        self.proj = Linear(hidden_dim, embed_dim, generator=generator)
        self.dropout = Dropout(dropout, generator=generator)
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """dropout(proj(gelu(fc(x)))) for x of shape (..., embed_dim).

        TODO: apply the four children in order.
        """
        ### BEGIN SOLUTION
        return self.dropout(self.proj(self.act(self.fc(x))))
        ### END SOLUTION


# %% test="mlp-tests" points=5
def _np_gelu(x):
    """GELU's tanh form (GPT-2's, torch's approximate="tanh") for the tests."""
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def test_mlp_shapes_and_forward(run):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)

    def student():
        mlp = MLP(4)
        state = dict(mlp.state_dict())
        return {k: tuple(v.shape) for k, v in state.items()}, state, mlp(Tensor(x)).numpy()

    shapes, state, out = run(student)
    assert shapes == {"fc.weight": (16, 4), "fc.bias": (16,), "proj.weight": (4, 16),
                      "proj.bias": (4,)}, f"hidden_dim defaults to 4 * 4 = 16; got {shapes}"
    h = _np_gelu(x @ state["fc.weight"].T + state["fc.bias"])
    assert_array(out, h @ state["proj.weight"].T + state["proj.bias"], dtype="float32",
                 rtol=1e-4, atol=1e-5, what="proj(gelu(fc(x)))")


run_tests(test_mlp_shapes_and_forward)
### BEGIN HIDDEN TESTS
def test_mlp_hidden_dim_and_dropout(run):
    def student():
        mlp = MLP(3, hidden_dim=5, dropout=0.5, generator=np.random.default_rng(0))
        x = Tensor(np.ones((4, 3)))
        train_a, train_b = mlp(x).numpy(), mlp(x).numpy()
        mlp.eval()
        return mlp.fc.weight.shape, train_a, train_b, mlp(x).numpy(), mlp(x).numpy()

    shape, a, b, c, d = run(student)
    assert shape == (5, 3), f"hidden_dim=5: fc.weight (5, 3), got {shape}"
    assert not np.array_equal(a, b), "dropout=0.5 in training mode: two calls differ"
    assert np.array_equal(c, d), "in eval mode the MLP is deterministic (no dropout)"


run_tests(test_mlp_hidden_dim_and_dropout)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: the pre-norm `TransformerBlock`
#
# Children, in this order: `ln1 = LayerNorm(C)`, `attn = MultiHeadAttention(C, num_heads,
# batch_first=True)`, `dropout = Dropout(dropout)` (on the attention's output), `ln2 =
# LayerNorm(C)`, `mlp = MLP(C, int(C * mlp_ratio), dropout)`. `forward(x, key_padding_mask)`
# computes section 2.2:
#
# ```
# h = ln1(x); a, _ = attn(h, h, h, key_padding_mask=..., need_weights=False, is_causal=causal)
# x = x + dropout(a); x = x + mlp(ln2(x))
# ```
#
# `causal=False` makes an encoder block (BERT, ViT): every position attends everywhere.

# %% solution="transformer-block"
#| export
class TransformerBlock(Module):
    """A pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))
    (torch.nn.TransformerEncoderLayer(norm_first=True, activation="gelu"), GPT-2's `Block`).

    Args:
        embed_dim: C, the width of the tokens' vectors.
        num_heads: the attention heads; C must be divisible by them.
        mlp_ratio: the MLP's hidden width is int(C * mlp_ratio) (default 4.0).
        dropout: the probability of the Dropouts after attention and in the MLP.
        causal: mask the future (a decoder, GPT; default), or attend everywhere (an encoder).
        generator: a numpy.random.Generator for the initialization and dropout.

    Children, in order: ln1, attn (MultiHeadAttention, batch_first), dropout, ln2, mlp.
    """

    def __init__(self, embed_dim: int, num_heads: int, mlp_ratio: float = 4.0,
                 dropout: float = 0.0, causal: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        """Create ln1, attn, dropout, ln2 and mlp.

        TODO: the five children, in that order.

        APPROACH: `rng = generator if generator is not None else default_generator()`, passed
        to `MultiHeadAttention(..., batch_first=True, generator=rng)` and
        `MLP(embed_dim, int(embed_dim * mlp_ratio), dropout, generator=rng)`;
        `Dropout(dropout, generator)`.
        """
        super().__init__()
        self.causal = bool(causal)
        ### BEGIN SOLUTION
        rng = generator if generator is not None else default_generator()
        self.ln1 = LayerNorm(embed_dim)
        self.attn = MultiHeadAttention(embed_dim, num_heads, batch_first=True, generator=rng)
        self.dropout = Dropout(dropout, generator=generator)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = MLP(embed_dim, int(embed_dim * mlp_ratio), dropout, generator=rng)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"causal={self.causal}"

    def forward(self, x: Tensor, key_padding_mask: "Tensor | np.ndarray | None" = None) -> Tensor:
        """The block on x (B, T, C); key_padding_mask (B, T), True = a padding token no
        position attends to. Returns (B, T, C).

        TODO: the two residual branches of section 2.2.

        APPROACH: see the pseudo-code above; `is_causal=self.causal`.
        """
        ### BEGIN SOLUTION
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, key_padding_mask=key_padding_mask, need_weights=False,
                         is_causal=self.causal)
        x = x + self.dropout(a)
        return x + self.mlp(self.ln2(x))
        ### END SOLUTION


# %% test="transformer-block-tests" points=10
def _np_block(x, p, H, causal=True, pad=None, prefix=""):
    """NumPy pre-norm block for the tests, from a state_dict `p`."""
    def g(name):
        return p[prefix + name]

    N, L, E = x.shape
    D = E // H
    h = _np_layer_norm(x, g("ln1.weight"), g("ln1.bias"))
    W, b = g("attn.in_proj_weight"), g("attn.in_proj_bias")
    q, k, v = ((h @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E]).reshape(
        N, L, H, D).transpose(0, 2, 1, 3) for i in range(3))
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D)
    allowed = np.ones((N, 1, L, L), bool)
    if causal:
        allowed = allowed & np.tril(np.ones((L, L), bool))
    if pad is not None:
        allowed = allowed & ~pad[:, None, None, :]
    s = np.where(allowed, s, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    a = (w @ v).transpose(0, 2, 1, 3).reshape(N, L, E)
    x = x + a @ g("attn.out_proj.weight").T + g("attn.out_proj.bias")
    h = _np_layer_norm(x, g("ln2.weight"), g("ln2.bias"))
    h = _np_gelu(h @ g("mlp.fc.weight").T + g("mlp.fc.bias"))
    return x + h @ g("mlp.proj.weight").T + g("mlp.proj.bias")


def test_block_children_and_forward(run):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 5, 8)).astype(np.float32)

    def student():
        block = TransformerBlock(8, 2, generator=np.random.default_rng(0))
        for p in block.parameters():  # non-trivial LayerNorm weights and biases
            p.data[...] += np.random.default_rng(1).normal(0, 0.1, p.shape)
        names = [name for name, _ in block.named_children()]
        return names, dict(block.state_dict()), block(Tensor(x)).numpy()

    names, state, out = run(student)
    assert names == ["ln1", "attn", "dropout", "ln2", "mlp"], f"children: {names}"
    assert state["mlp.fc.weight"].shape == (32, 8), "the MLP's hidden width is 4 * 8"
    assert_array(out, _np_block(x, state, H=2), dtype="float32", rtol=1e-4, atol=1e-4,
                 what="x + attn(ln1(x)), then + mlp(ln2(x)), with the causal mask")


def test_block_is_causal(run):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1, 6, 8)).astype(np.float32)
    changed = x.copy()
    changed[0, 4:] += 1.0  # change the last two tokens

    def student():
        block = TransformerBlock(8, 4)
        return block(Tensor(x)).numpy(), block(Tensor(changed)).numpy()

    a, b = run(student)
    assert_array(b[0, :4], a[0, :4], dtype="float32", rtol=1e-5, atol=1e-6,
                 what="outputs of positions 0-3 must not depend on tokens 4-5 (causal)")
    assert not np.allclose(a[0, 4:], b[0, 4:]), "positions 4-5 see their own tokens"


run_tests(test_block_children_and_forward, test_block_is_causal)
### BEGIN HIDDEN TESTS
def test_block_encoder_padding_and_gradients(run):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 4, 6)).astype(np.float32)
    pad = np.zeros((2, 4), bool)
    pad[1, 3] = True

    def student():
        block = TransformerBlock(6, 3, mlp_ratio=2.0, causal=False)
        xt = Tensor(x, requires_grad=True)
        out = block(xt, key_padding_mask=pad)
        out.sum().backward()
        grads = all(p.grad is not None for p in block.parameters())
        return dict(block.state_dict()), out.numpy(), grads, xt.grad.shape

    state, out, grads, gx_shape = run(student)
    assert state["mlp.fc.weight"].shape == (12, 6), "mlp_ratio=2.0: hidden width 12"
    assert_array(out, _np_block(x, state, H=3, causal=False, pad=pad), dtype="float32",
                 rtol=1e-4, atol=1e-4, what="causal=False with a key padding mask")
    assert grads and gx_shape == (2, 4, 6), "every parameter and the input get gradients"


run_tests(test_block_encoder_padding_and_gradients)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: `GPT`
#
# Children, in this order: `token_embedding = Embedding(vocab_size, embed_dim)`,
# `position_embedding = PositionalEmbedding(block_size, embed_dim)` (it *adds* the positions
# to its input), `drop = Dropout(dropout)`, `blocks = Sequential(*[TransformerBlock(embed_dim,
# num_heads, dropout=dropout) for each layer])`, `ln_f = LayerNorm(embed_dim)` and `head =
# Linear(embed_dim, vocab_size, bias=False)`. With `tie_weights=True`, make the head use the
# embedding's matrix: `self.head.weight = self.token_embedding.weight` (both are `(V, C)`).
# Pass `generator` to every layer that draws random numbers.
#
# Then the given `_init_weights` applies GPT-2's initialization: every weight matrix from
# N(0, 0.02), biases at 0, and the two projections that write into the residual stream
# (`attn.out_proj`, `mlp.proj`) at 0.02 / √(2 · num_layers), so that the sum of 2L branches
# keeps the stream's variance the same at any depth. PyTorch's defaults (an N(0, 1)
# embedding, section 5.4 of module 11) would start a tied model with huge logits.
#
# `forward(idx)`: ids `(B, T)` with T ≤ block_size (else a ValueError naming both) →
# embedding → positions → drop → blocks → ln_f → head: logits `(B, T, vocab_size)`.

# %% solution="gpt"
#| export
class GPT(Module):
    """A decoder-only transformer language model (GPT-2's architecture, as in nanoGPT).

    Args:
        vocab_size: V, the number of token ids.
        block_size: the longest context (positions) the model reads.
        embed_dim: C, the width of every token's vector (default 128).
        num_layers: the number of TransformerBlocks (default 4).
        num_heads: attention heads per block (default 4).
        dropout: the probability of every Dropout (default 0.0).
        tie_weights: share the head's weight with the token embedding (GPT-2 does).
        generator: a numpy.random.Generator for the initialization and dropout.

    Children: token_embedding, position_embedding, drop, blocks (a Sequential of
    TransformerBlocks), ln_f, head (Linear(C, V, bias=False)). Calling it on ids (B, T)
    returns logits (B, T, V); `generate` continues a prompt.
    """

    def __init__(self, vocab_size: int, block_size: int, embed_dim: int = 128,
                 num_layers: int = 4, num_heads: int = 4, dropout: float = 0.0,
                 tie_weights: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        """Create the layers, tie the weights if asked, and initialize as GPT-2.

        TODO: the six children in order, and the tie.

        APPROACH:
        1. `rng = generator if generator is not None else default_generator()`.
        2. The children of the text above, each given `generator=rng`; the Dropouts get
           `generator` (None: the default generator at each call, as torch).
        3. `if tie_weights: self.head.weight = self.token_embedding.weight`.
        """
        super().__init__()
        self.vocab_size, self.block_size = int(vocab_size), int(block_size)
        self.embed_dim, self.num_layers = int(embed_dim), int(num_layers)
        self.tie_weights = bool(tie_weights)
        ### BEGIN SOLUTION
        rng = generator if generator is not None else default_generator()
        self.token_embedding = Embedding(vocab_size, embed_dim, generator=rng)
        self.position_embedding = PositionalEmbedding(block_size, embed_dim, generator=rng)
        self.drop = Dropout(dropout, generator=generator)
        self.blocks = Sequential(*[
            TransformerBlock(embed_dim, num_heads, dropout=dropout, generator=rng)
            for _ in range(num_layers)])
        self.ln_f = LayerNorm(embed_dim)
        self.head = Linear(embed_dim, vocab_size, bias=False, generator=rng)
        if tie_weights:
            self.head.weight = self.token_embedding.weight
        ### END SOLUTION
        self._init_weights(rng)

    def _init_weights(self, rng: np.random.Generator) -> None:
        """GPT-2's initialization: N(0, 0.02) weights, zero biases, residual projections
        at 0.02 / sqrt(2 * num_layers); LayerNorms keep ones and zeros."""
        def normal(param: Parameter, std: float) -> None:
            param.data[...] = rng.normal(0.0, std, param.shape)

        for module in self.modules():
            if isinstance(module, (Linear, Embedding, PositionalEmbedding)):
                normal(module.weight, 0.02)
            elif isinstance(module, MultiHeadAttention):
                normal(module.in_proj_weight, 0.02)
            for name in ("bias", "in_proj_bias"):
                bias = getattr(module, name, None)
                if isinstance(bias, Parameter) and not isinstance(module, LayerNorm):
                    bias.data[...] = 0.0
        residual = 0.02 / math.sqrt(2 * max(self.num_layers, 1))
        for block in self.blocks:
            normal(block.attn.out_proj.weight, residual)
            normal(block.mlp.proj.weight, residual)

    def extra_repr(self) -> str:
        return f"block_size={self.block_size}, tie_weights={self.tie_weights}"

    def forward(self, idx: "Tensor | np.ndarray") -> Tensor:
        """Logits (B, T, vocab_size) for token ids idx (B, T), T <= block_size.

        TODO: check T, then embed, add positions, drop, run the blocks, normalize, project.

        APPROACH:
        1. `ids = idx.data if isinstance(idx, Tensor) else np.asarray(idx)`; a ValueError
           unless `ids.ndim == 2` and `ids.shape[1] <= self.block_size`.
        2. `x = self.drop(self.position_embedding(self.token_embedding(ids)))`.
        3. `return self.head(self.ln_f(self.blocks(x)))`.
        """
        ### BEGIN SOLUTION
        ids = idx.data if isinstance(idx, Tensor) else np.asarray(idx)
        if ids.ndim != 2:
            raise ValueError(f"GPT expects token ids of shape (B, T), got shape {ids.shape}; "
                             "add a batch dim with ids.reshape(1, -1)")
        if ids.shape[1] > self.block_size:
            raise ValueError(f"GPT: cannot forward a sequence of length {ids.shape[1]}, "
                             f"block_size is only {self.block_size}; crop the context to "
                             f"the last {self.block_size} tokens")
        x = self.drop(self.position_embedding(self.token_embedding(ids)))
        return self.head(self.ln_f(self.blocks(x)))
        ### END SOLUTION


# %% test="gpt-tests" points=10
def _np_gpt(ids, p, num_layers, H):
    """NumPy GPT logits for the tests, from a state_dict `p` (head.weight may be absent)."""
    x = p["token_embedding.weight"][ids] + p["position_embedding.weight"][:ids.shape[1]]
    for i in range(num_layers):
        x = _np_block(x, p, H, prefix=f"blocks.{i}.")
    x = _np_layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p.get("head.weight", p["token_embedding.weight"]).T


def test_gpt_children_and_logits(run):
    ids = np.random.default_rng(8).integers(0, 11, size=(2, 7))

    def student():
        model = GPT(11, 8, embed_dim=16, num_layers=2, num_heads=4,
                    generator=np.random.default_rng(0))
        names = [name for name, _ in model.named_children()]
        return names, dict(model.state_dict()), model(ids).numpy(), model(Tensor(ids)).shape

    names, state, logits, shape = run(student)
    assert names == ["token_embedding", "position_embedding", "drop", "blocks", "ln_f",
                     "head"], f"children: {names}"
    assert "head.bias" not in state, "the head has no bias"
    assert state["blocks.1.mlp.fc.weight"].shape == (64, 16), "two blocks, MLP width 4 * 16"
    assert abs(state["token_embedding.weight"].std() - 0.02) < 0.005, (
        "keep the given GPT-2 initialization (weights N(0, 0.02))")
    assert_array(logits, _np_gpt(ids, state, 2, 4), dtype="float32", rtol=1e-4, atol=1e-5,
                 what="logits (2, 7, 11)")
    assert shape == (2, 7, 11), "a Tensor of ids works too"


def test_gpt_tied_weights_and_length_check(run):
    def student():
        model = GPT(10, 4, embed_dim=8, num_layers=1, num_heads=2, tie_weights=True)
        ids = np.array([[1, 2, 3, 1]])
        model(ids).sum().backward()
        same = model.head.weight is model.token_embedding.weight
        count = sum(p.numel() for p in model.parameters())
        return same, count, model.token_embedding.weight.grad.numpy()

    same, count, grad = run(student)
    assert same, "tie_weights=True: head.weight is token_embedding.weight (one Parameter)"
    assert count == 10 * 8 + 4 * 8 + (12 * 8 * 8 + 13 * 8) + 2 * 8, (
        f"the tied matrix counts once in parameters(); got {count} parameters")
    assert np.abs(grad[[0, 4, 5]]).sum() > 0, (
        "rows of unused tokens get gradient too: through the head, every row scores")

    def too_long():
        return GPT(10, 4, embed_dim=8, num_layers=1, num_heads=2)(np.zeros((1, 5), np.int64))

    with pytest.raises(ValueError):
        run(too_long)


run_tests(test_gpt_children_and_logits, test_gpt_tied_weights_and_length_check)
### BEGIN HIDDEN TESTS
def test_gpt_tied_gradient_is_the_sum_of_both_uses(run):
    ids = np.array([[3, 0, 3]])

    def student():
        model = GPT(5, 3, embed_dim=4, num_layers=1, num_heads=1, tie_weights=True)
        model(ids).sum().backward()
        tied = model.token_embedding.weight.grad.numpy()
        # the same computation with two separate copies of the matrix
        untied = GPT(5, 3, embed_dim=4, num_layers=1, num_heads=1)
        untied.load_state_dict(model.state_dict())
        untied.head.weight.data[...] = model.token_embedding.weight.data
        untied(ids).sum().backward()
        return tied, untied.token_embedding.weight.grad.numpy(), untied.head.weight.grad.numpy()

    tied, emb, head = run(student)
    assert_array(tied, emb + head, dtype="float32", rtol=1e-5, atol=1e-7,
                 what="the tied gradient: embedding's gradient + head's gradient")


def test_gpt_dropout_and_causal_logits(run):
    ids = np.array([[1, 2, 3, 4, 5]])
    changed = np.array([[1, 2, 3, 0, 0]])

    def student():
        model = GPT(6, 5, embed_dim=8, num_layers=2, num_heads=2, dropout=0.3)
        a, b = model(ids).numpy(), model(ids).numpy()
        model.eval()
        return a, b, model(ids).numpy(), model(changed).numpy()

    a, b, c, d = run(student)
    assert not np.array_equal(a, b), "dropout=0.3 acts in training mode"
    assert_array(d[0, :3], c[0, :3], dtype="float32", rtol=1e-5, atol=1e-6,
                 what="logits of positions 0-2 do not depend on later tokens")


run_tests(test_gpt_tied_gradient_is_the_sum_of_both_uses, test_gpt_dropout_and_causal_logits)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: picking the next token
#
# `sample_next_token(logits, temperature, top_k, rng)` takes the last position's logits, a
# float array `(B, V)`, and returns one id per row, int64 `(B,)`:
#
# 1. `temperature == 0`: greedy, `logits.argmax(axis=-1)`.
# 2. Otherwise divide by the temperature; with `top_k`, set every logit below the k-th
#    largest of its row to $-\infty$ (`np.partition` finds the k-th largest without sorting;
#    a `top_k` above V keeps all).
# 3. A stable softmax (subtract the row's max), then draw **one** uniform number per row,
#    `u = rng.random((B, 1))`, and take the first id whose cumulative probability exceeds
#    it: `(np.cumsum(p, axis=-1) <= u).sum(axis=-1)`. This is what `torch.multinomial`
#    does for one sample; one draw per row keeps the stream of random numbers, and so a
#    seeded generation, reproducible.

# %% solution="sample-next-token"
#| export
def sample_next_token(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """One next-token id per row of `logits` (B, V): greedy at temperature 0, otherwise
    drawn from softmax(logits / temperature) restricted to the top_k largest logits
    (torch.topk + torch.softmax + torch.multinomial).

    Args:
        logits: a float array (B, V).
        temperature: > 0 to sample (below 1 sharper, above 1 flatter), 0 for the argmax.
        top_k: keep only the k largest logits of each row (None: all).
        rng: a numpy.random.Generator; one uniform number is drawn per row.

    Returns an int64 array (B,).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"sample_next_token expects logits of shape (B, V), got {logits.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be None or >= 1, got {top_k}")
    rng = rng if rng is not None else default_generator()
    ### BEGIN SOLUTION
    if temperature == 0:
        return logits.argmax(axis=-1).astype(np.int64)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = np.partition(logits, -top_k, axis=-1)[:, -top_k, None]
        logits = np.where(logits < kth, -np.inf, logits)
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random((logits.shape[0], 1)) * cdf[:, -1:]  # cdf is not normalized: scale u
    ids = (cdf <= u).sum(axis=-1)
    return np.minimum(ids, logits.shape[-1] - 1).astype(np.int64)
    ### END SOLUTION


# %% test="sample-next-token-tests" points=10
def test_sample_greedy_and_top_1(run):
    logits = np.random.default_rng(9).normal(size=(4, 10))

    def student():
        rng = np.random.default_rng(0)
        return sample_next_token(logits, 0.0), sample_next_token(logits, 1.0, 1, rng)

    greedy, top1 = run(student)
    assert_array(greedy, logits.argmax(-1), dtype="int64", what="temperature 0: the argmax")
    assert_array(top1, logits.argmax(-1), dtype="int64", what="top_k=1: the argmax too")


def test_sample_frequencies_follow_the_softmax(run):
    logits = np.log(np.array([[0.1, 0.2, 0.7]]))

    def student():
        rng = np.random.default_rng(1)
        draws = [int(sample_next_token(logits, 1.0, None, rng)[0]) for _ in range(3000)]
        return np.bincount(draws, minlength=3) / 3000

    freq = run(student)
    assert np.allclose(freq, [0.1, 0.2, 0.7], atol=0.03), (
        f"sampled frequencies {freq} should be near softmax(logits) = [0.1, 0.2, 0.7]")


run_tests(test_sample_greedy_and_top_1, test_sample_frequencies_follow_the_softmax)
### BEGIN HIDDEN TESTS
def test_sample_top_k_temperature_and_seed(run):
    logits = np.array([[0.0, 3.0, 2.9, -1.0, 2.8]] * 2)

    def student():
        rng = np.random.default_rng(2)
        top2 = [sample_next_token(logits, 1.0, 2, rng) for _ in range(300)]
        cold = [sample_next_token(logits, 0.01, None, rng) for _ in range(50)]
        a = sample_next_token(logits, 1.0, 99, np.random.default_rng(5))
        b = sample_next_token(logits, 1.0, 99, np.random.default_rng(5))
        return np.unique(np.concatenate(top2)), np.unique(np.concatenate(cold)), a, b

    top2, cold, a, b = run(student)
    assert set(top2.tolist()) == {1, 2}, f"top_k=2 draws only ids 1 and 2, got {top2}"
    assert set(cold.tolist()) == {1}, f"temperature 0.01 is nearly greedy, got {cold}"
    assert_array(a, b, dtype="int64", what="the same generator state gives the same draw")

    def negative():
        return sample_next_token(logits, -1.0)

    with pytest.raises(ValueError):
        run(negative)


run_tests(test_sample_top_k_temperature_and_seed)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: `GPT.generate`
#
# `generate(prompt, max_new_tokens, temperature=1.0, top_k=None, seed=None)`:
#
# 1. The prompt as an int64 array: a list, an array or a Tensor, of shape `(T,)` or
#    `(B, T)`; a 1-D prompt becomes `(1, T)` and the result goes back to 1-D.
# 2. `rng = np.random.default_rng(seed)` if a seed is given, else `default_generator()`.
# 3. Remember `self.training`, switch to `self.eval()` (no dropout while writing), and under
#    `no_grad()` (no graph: nothing will call backward) repeat `max_new_tokens` times: crop
#    the context to its last `block_size` ids, take the logits of the last position,
#    `sample_next_token`, append. Restore the mode afterwards, even after an error
#    (`try`/`finally`).
#
# It recomputes the whole context for every new token: section 5.3 measures what that
# costs, and module 18's KV cache removes it.

# %% solution="gpt-generate"
#| export
@extends(GPT)
class GPTGenerate:
    def generate(self, prompt: "Tensor | np.ndarray | list", max_new_tokens: int,
                 temperature: float = 1.0, top_k: int | None = None,
                 seed: int | None = None) -> Tensor:
        """Continue `prompt` by max_new_tokens ids, one at a time (Hugging Face's generate).

        Args:
            prompt: token ids (T,) or (B, T), as a list, an array or a Tensor (T >= 1).
            max_new_tokens: how many ids to append.
            temperature: 0 for greedy decoding, otherwise the sampling temperature.
            top_k: sample only among the k most likely ids (None: all).
            seed: seeds a fresh generator for reproducible samples; None uses
                tinytorch.core.tensor.default_generator().

        Returns an int64 Tensor: the prompt followed by the new ids, with the prompt's number
        of dims. Runs under no_grad in eval mode; the model's mode is restored after.

        TODO: the loop of the text above.

        APPROACH:
        1. `ids = np.array(prompt.data if isinstance(prompt, Tensor) else prompt, np.int64)`;
           `squeeze = ids.ndim == 1`; if so `ids = ids.reshape(1, -1)`.
        2. `was_training = self.training`; `self.eval()`; `try:` ... `finally:
           self.train(was_training)`.
        3. In the loop: `logits = self(ids[:, -self.block_size:]).data[:, -1]`;
           `nxt = sample_next_token(logits, temperature, top_k, rng)`;
           `ids = np.concatenate([ids, nxt[:, None]], axis=1)`.
        4. Return `Tensor(ids[0] if squeeze else ids)`.
        """
        ids = np.array(prompt.data if isinstance(prompt, Tensor) else prompt, dtype=np.int64)
        if ids.ndim not in (1, 2) or ids.shape[-1] == 0:
            raise ValueError(f"generate: the prompt must hold token ids of shape (T,) or (B, T)"
                             f" with T >= 1, got shape {ids.shape}")
        if max_new_tokens < 0:
            raise ValueError(f"generate: max_new_tokens must be >= 0, got {max_new_tokens}")
        ### BEGIN SOLUTION
        squeeze = ids.ndim == 1
        if squeeze:
            ids = ids.reshape(1, -1)
        rng = np.random.default_rng(seed) if seed is not None else default_generator()
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(max_new_tokens):
                    logits = self(ids[:, -self.block_size:]).data[:, -1]
                    nxt = sample_next_token(logits, temperature, top_k, rng)
                    ids = np.concatenate([ids, nxt[:, None]], axis=1)
        finally:
            self.train(was_training)
        return Tensor(ids[0] if squeeze else ids)
        ### END SOLUTION


# %% test="gpt-generate-tests" points=10
def test_generate_greedy_shapes_and_seed(run):
    def student():
        model = GPT(9, 6, embed_dim=8, num_layers=1, num_heads=2,
                    generator=np.random.default_rng(0))
        out = model.generate([1, 2, 3], 5, temperature=0.0)
        ids = out.numpy()
        # greedy: each new id is the argmax of the logits of the ids before it
        expected = [int(model(ids[None, max(0, t - 6):t]).numpy()[0, -1].argmax())
                    for t in range(3, 8)]
        batch = model.generate(np.array([[1, 2], [3, 4]]), 3, seed=0).numpy()
        a = model.generate([1], 10, seed=7).numpy()
        b = model.generate([1], 10, seed=7).numpy()
        return ids, expected, str(out.dtype), batch.shape, a, b, model.training

    ids, expected, dtype, batch_shape, a, b, training = run(student)
    assert ids.shape == (8,) and dtype == "int64", f"1-D prompt: 1-D int64 result, got {ids}"
    assert list(ids[:3]) == [1, 2, 3], "the result starts with the prompt"
    assert list(ids[3:]) == expected, "temperature 0 appends the argmax each step"
    assert batch_shape == (2, 5), f"a (2, 2) prompt and 3 new ids: (2, 5), got {batch_shape}"
    assert_array(a, b, dtype="int64", what="the same seed gives the same ids")
    assert training, "generate restores the model's training mode"


run_tests(test_generate_greedy_shapes_and_seed)
### BEGIN HIDDEN TESTS
def test_generate_crops_seeds_differ_and_no_graph(run):
    def student():
        model = GPT(30, 4, embed_dim=16, num_layers=1, num_heads=2, dropout=0.5,
                    generator=np.random.default_rng(1))
        prompt = np.array([5, 6, 7, 8, 9, 10, 11])  # longer than block_size 4
        out = model.generate(Tensor(prompt), 2, temperature=0.0).numpy()
        model.eval()
        first = int(model(prompt[None, -4:]).numpy()[0, -1].argmax())
        model.train()
        samples = {tuple(model.generate([1], 12, seed=s).numpy()) for s in range(5)}
        top1 = model.generate([[2, 3]], 6, top_k=1, seed=3).numpy()
        greedy = model.generate([[2, 3]], 6, temperature=0.0).numpy()
        grads = [p.grad is None for p in model.parameters()]
        return out, first, len(samples), top1, greedy, all(grads)

    out, first, distinct, top1, greedy, no_grads = run(student)
    assert out.shape == (9,) and out[7] == first, (
        "a prompt longer than block_size is cropped to its last block_size ids")
    assert distinct >= 4, f"different seeds give different samples (got {distinct} of 5)"
    assert_array(top1, greedy, dtype="int64", what="top_k=1 equals greedy decoding")
    assert no_grads, "generate runs under no_grad (and in eval mode, without dropout)"


run_tests(test_generate_crops_seeds_differ_and_no_graph)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: a tiny GPT learns a poem
#
# A character-level GPT with module 11's `Embedding`, module 12's attention and your blocks,
# trained with module 07's `Adam` on Shakespeare's sonnet 18. Each step takes 16 random
# windows of 32 characters; the target of each position is the next character.

# %%
text = (
    "Shall I compare thee to a summer's day?\n"
    "Thou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\n"
    "And summer's lease hath all too short a date;\n"
    "Sometime too hot the eye of heaven shines,\n"
    "And often is his gold complexion dimm'd;\n"
)
chars = sorted(set(text))
data = np.array([chars.index(c) for c in text], dtype=np.int64)
manual_seed(0)
model = GPT(len(chars), block_size=32, embed_dim=48, num_layers=2, num_heads=4,
            tie_weights=True)
optimizer = Adam(model.parameters(), lr=3e-3)
loss_fn = CrossEntropyLoss()
batch_rng = np.random.default_rng(0)
start = time.perf_counter()
for step in range(121):
    starts = batch_rng.integers(0, len(data) - 33, size=16)
    x = np.stack([data[s:s + 32] for s in starts])
    y = np.stack([data[s + 1:s + 33] for s in starts])
    logits = model(x)
    loss = loss_fn(logits.reshape(-1, len(chars)), Tensor(y.reshape(-1)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 40 == 0:
        print(f"step {step:3d}: loss {loss.item():.3f}")
seconds = time.perf_counter() - start
print(f"{121 * 16 * 32 / seconds:,.0f} tokens/s; uniform guessing: ln {len(chars)} = "
      f"{math.log(len(chars)):.2f}")
sample = model.generate([chars.index("S")], 120, temperature=0.8, top_k=10, seed=0)
print("".join(chars[i] for i in sample.numpy()))

# %% [markdown]
# In a few seconds the loss falls far below uniform guessing: the model is memorizing the
# six lines, and the sample already has their words, spaces and line breaks. The `tinygpt`
# milestone trains the same model on a megabyte of Shakespeare and must generalize to text
# it never saw (validation loss ≤ 2.0).

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Where the parameters are
#
# Count your model's parameters by part, and check the formula: per block
# $12C^2 + 13C$ (attention $4C^2 + 4C$, MLP $8C^2 + 5C$, two LayerNorms $4C$), plus
# $V C$ (token embedding), $T_{\max} C$ (positions), $2C$ (`ln_f`) and $V C$ for an untied head.

# %%
def count(module):
    return sum(p.numel() for p in module.parameters())


for tie in (False, True):
    m = GPT(65, 64, embed_dim=128, num_layers=4, num_heads=4, tie_weights=tie)
    parts = {name: count(child) for name, child in m.named_children()}
    if tie:
        parts["head"] = 0  # the same matrix as token_embedding
    C, L, V, Tm = 128, 4, 65, 64
    formula = L * (12 * C * C + 13 * C) + V * C + Tm * C + 2 * C + (0 if tie else V * C)
    print(f"tie_weights={tie!s:>5}: {parts}; total {count(m):,} (formula {formula:,})")
gpt2 = 12 * (12 * 768**2 + 13 * 768) + 50257 * 768 + 1024 * 768 + 2 * 768
print(f"GPT-2 small by the same formula (tied): {gpt2 / 1e6:.1f} M parameters, of which the "
      f"embedding is {50257 * 768 / gpt2:.0%}")

# %% [markdown]
# ### 5.2 A training step: time and memory against the context length
#
# The FLOPs of a training step are about $6 \cdot N_{\text{params}}$ per token (2 forward,
# 4 backward) plus attention's $12 \cdot L \cdot T \cdot C$ per token. Measure the time and
# the peak memory NumPy allocates (`tracemalloc`) for one step of the milestone's model as
# the context grows with the batch fixed (4 sequences):

# %%
manual_seed(0)
m = GPT(65, 128, embed_dim=128, num_layers=4, num_heads=4)
params = count(m)
print(f"{'T':>5} {'ms/step':>8} {'tokens/s':>9} {'GFLOP/s':>8} {'peak MB':>8}")
for T in (32, 64, 128):
    ids = np.random.default_rng(0).integers(0, 65, size=(4, T))
    tracemalloc.start()
    start = time.perf_counter()
    logits = m(ids)
    loss_fn(logits.reshape(-1, 65), Tensor(ids.reshape(-1))).backward()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    m.zero_grad()
    flops = 4 * T * (6 * params + 12 * 4 * T * 128)
    print(f"{T:>5} {seconds * 1e3:8.1f} {4 * T / seconds:9,.0f} {flops / seconds / 1e9:8.2f}"
          f" {peak / 2**20:8.1f}")

# %% [markdown]
# The parameters take about 3 MB; the peak grows with $T$ much faster: the activations kept
# for backward (every block's LayerNorm outputs, q, k, v, the MLP's 4C-wide hidden layer,
# and the attention weights, $B \cdot H \cdot T^2$ per layer) dominate, and the attention
# part is quadratic in $T$. Production training trades compute for this memory with
# activation checkpointing and fused attention kernels that never store the $T \times T$
# weights.
#
# ### 5.3 Generation without a cache
#
# Every new token runs the model over the whole context again. Time the generation of 16
# tokens after prompts of growing length:

# %%
m.eval()
for T in (8, 48, 112):
    prompt = np.random.default_rng(0).integers(0, 65, size=T)
    start = time.perf_counter()
    m.generate(prompt, 16, temperature=0.0)
    seconds = time.perf_counter() - start
    print(f"prompt {T:>3}: {16 / seconds:7.1f} tokens/s ({seconds / 16 * 1e3:6.1f} ms a token)")

# %% [markdown]
# The time per token grows with the context: the step at position $t$ recomputes the keys
# and values of all $t$ earlier tokens, which have not changed, so writing $n$ tokens costs
# $O(n^2)$ token-passes instead of $O(n)$. Module 18 keeps those keys and values (a **KV
# cache**) and computes only the new token's.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, with numbers from *your*
# notebook. Each is worth 10 points.

# %% [markdown] locked="q-parameters"
# **Question 1: where the parameters and the FLOPs go.** Use section 5.1.
#
# 1. Derive the $12C^2 + 13C$ parameters of one block from your own layers, and check your
#    printed totals against the formula.
# 2. For your milestone model (C = 128, V = 65) and for GPT-2 small (C = 768, V = 50257),
#    what fraction of the parameters is in the embedding? What does weight tying save in
#    each, and why can the head and the embedding share one matrix at all?
# 3. Which layers do most of a forward pass's FLOPs at T = 64 and at T = 4096? Use
#    $2 \cdot N_{\text{params}}$ per token for the matmuls and $4 \cdot T \cdot C$ per token
#    and layer for attention.

# %% [markdown] manual="systems-parameters" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# - **Per block:** attention in_proj 3C² + 3C, out_proj C² + C; MLP fc 4C² + 4C, proj
#   4C² + C; ln1, ln2 4C: 12C² + 13C (198,272 for C = 128). Their printed totals match the
#   formula (≈ 0.82 M untied, ≈ 0.81 M tied for the milestone model).
# - **Embedding share:** milestone model V·C = 8,320 of ~0.8 M (≈ 1 %): tying saves little
#   there; GPT-2 small 38.6 M of 124 M (≈ 31 %): tying saves a third of the model. Sharing
#   works because both map between token identity and the same C-dim space: a token's input
#   vector and the direction whose dot product scores it as output; the shared matrix gets
#   the sum of both gradients (rare tokens get output-side gradient every step).
# - **FLOPs:** at T = 64 the matmuls (2·N per token, MLP ⅔ of block FLOPs) dominate:
#   attention scores 4·T·C per layer ≈ 33 k vs 2·12C² ≈ 393 k per token and layer; at
#   T = 4096 attention's 4·4096·128 ≈ 2.1 M exceeds the matmuls: quadratic attention takes
#   over at long context (crossover near T = 6C). For GPT-2 the head (V·C) is also large.
#
# 7–8: correct formula and tying numbers, thin FLOP comparison. 5–6: totals quoted without
# derivation or the tying rationale. 3–4: wrong counts (e.g. forgets biases and the head).
# 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-activations"
# **Question 2: the memory of training.** Use section 5.2.
#
# 1. How did your step's time and peak memory grow with T? Separate the parts that grow
#    linearly from the quadratic one, naming the arrays your code keeps for backward (look
#    at what your `LayerNormFunction` saves, and what autograd saves for attention).
# 2. Why does your `LayerNormFunction` save less than LayerNorm composed of tensor ops? How
#    many full-size arrays would each keep?
# 3. Name two techniques production frameworks use to train long contexts within memory,
#    and what each costs.

# %% [markdown] manual="systems-activations" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# - **Growth:** time roughly linear in T at small T (matmuls, 6·N FLOPs per token), bending
#   upward as attention's T² terms grow; peak memory quotes their table (parameters ~3 MB,
#   peak tens to hundreds of MB). Linear in B·T·C: embeddings, LayerNorm x̂, q/k/v, the MLP
#   hidden (4C) and GELU input, residual sums, logits (B·T·V). Quadratic: scores and
#   softmax weights B·H·T² per layer (plus the masked scores) kept for backward.
# - **Fused LayerNorm:** the Function saves x̂ (B·T·C) and rstd (B·T) and computes its
#   backward from them; composed from ops, autograd keeps x − mean, its square, var + eps,
#   sqrt, the division, the product with γ: ≈ 4–5 full-size arrays per LayerNorm, and walks
#   ~10 nodes. Same result, a fraction of the memory and Python overhead.
# - **Techniques:** activation (gradient) checkpointing: keep only block inputs, recompute
#   the block in backward (≈ 33 % more compute, memory O(L) block inputs instead of all
#   activations); FlashAttention: never store T×T weights, recompute tiles in backward;
#   also mixed precision (bf16 halves activations), sequence/tensor parallelism and ZeRO
#   (spread across devices, communication cost), micro-batching with gradient accumulation.
#
# 7–8: right growth and arrays, one technique. 5–6: "memory grows with T" without
# separating linear/quadratic. 3–4: attributes memory to the parameters. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-generation"
# **Question 3: the cost of writing text.** Use section 5.3 and your `generate`.
#
# 1. Your tokens/s fell as the prompt grew. Model the cost of generating n tokens after a
#    prompt of P tokens with your `generate` (how many token-positions are processed in
#    total?), and what a cache of each layer's keys and values would make it. How many bytes
#    would that cache hold for your model at T = 128, and for GPT-2 small at T = 1024?
# 2. Your `generate` crops the context to `block_size`. What does the model lose when a
#    story is longer than that, and why can it not simply read further (think of the
#    position embedding)?
# 3. Greedy decoding, temperature and top-k: what does each trade (quality, diversity,
#    repetition), and why does a seeded generator matter for testing and for users?

# %% [markdown] manual="systems-generation" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric as above).**
#
# - **Cost:** without a cache step i processes min(P + i, block_size) positions: total
#   Σ ≈ n·P + n²/2 token-passes (each through all layers, with attention over the whole
#   context: O(T²) per step), so time per token grows with the context as measured (quotes
#   their ms/token). With a KV cache each step processes one token: n token-passes plus
#   attention over the cached keys (O(T) per token). Cache bytes: 2 (K and V) · layers ·
#   T · C · bytes: 2·4·128·128·4 B = 0.5 MB for their model (per sequence); GPT-2 small
#   2·12·1024·768·4 B ≈ 75 MB float32 (38 MB float16) per sequence.
# - **Context limit:** tokens older than block_size are dropped and cannot influence the
#   next token (names, plot facts forgotten). The learned position table has block_size
#   rows: positions beyond were never trained (and do not exist), and attention cost grows
#   quadratically; longer contexts need training at that length, RoPE/ALiBi extrapolation,
#   or sliding-window/summary memory.
# - **Decoding:** greedy is deterministic and locally most likely but repetitive (loops);
#   temperature < 1 sharpens (safer, duller), > 1 flattens (diverse, more errors); top-k
#   cuts the long tail of unlikely tokens that cause derailment (top-p adapts k). A seed
#   makes a sample reproducible: tests can assert exact outputs, bugs can be replayed,
#   users can regenerate the same text; one draw per token keeps the stream aligned.
#
# 7–8: cost model and cache described, numbers thin. 5–6: qualitative only. 3–4: claims
# the cache stores queries or that cropping loses nothing. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.models.transformer`:
#
# - `LayerNormFunction` (the autograd node of `torch.nn.functional.layer_norm`), forward and
#   backward side by side, saving only $\hat x$ and $1/\sqrt{\sigma^2 + \epsilon}$; the
#   functional `layer_norm` and the layer `LayerNorm` (`torch.nn.LayerNorm`).
# - `MLP`: Linear → GELU (tanh form) → Linear → Dropout.
# - `TransformerBlock`: pre-norm, causal or not, with a key padding mask
#   (`torch.nn.TransformerEncoderLayer(norm_first=True)`).
# - `GPT`: embeddings, blocks, `ln_f`, a bias-free head, optional weight tying, GPT-2's
#   initialization; `sample_next_token` (greedy, temperature, top-k) and `generate`.
#
# Checklist:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 ran, and you have read your own numbers.
# - [ ] The three questions are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export transformers`.
#
# **Next: the `attention` and `tinygpt` milestones** train your GPT (`tito milestone
# tinygpt`), and module 18 makes `generate` fast with a KV cache.
