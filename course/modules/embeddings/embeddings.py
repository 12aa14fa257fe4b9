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
# # Module 11 · Embeddings
#
# By the end of this module you will have built the layer that turns token ids into vectors,
# `Embedding` (PyTorch's `torch.nn.Embedding`, with its initialization and `padding_idx`),
# as a differentiable op whose backward sends gradient **only to the rows that were used**,
# and the two ways a transformer learns where a token sits: a learned `PositionalEmbedding`
# (GPT-2) and the fixed sinusoidal encoding of "Attention is all you need" (Vaswani et al.,
# 2017).
#
# | | |
# |---|---|
# | **Prerequisites** | 03 `layers` (`Module`, `Parameter`), 06 `autograd` (`Function`) |
# | **Time** | about 2 to 3 hours |
# | **Your code lands in** | `tinytorch.text.embeddings`: `Embedding`, positional encodings |
# | **Next** | 12 `attention` mixes these vectors; 13 `transformers` stacks them into a GPT |
#
# **Contents.** 1 Why embeddings · 2 Concepts: a lookup table, its gradient, positions ·
# 3 Build it, piece by piece · 4 Use it: characters to vectors, trained · 5 Systems analysis
# · 6 ML systems thinking · 7 Summary and checklist

# %% locked="embeddings-imports"
import time

import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why embeddings
#
# Module 10 turned text into integers: `"hello"` became token ids such as `[7, 4, 11, 11,
# 14]`. A network cannot do arithmetic on ids: token 11 is not "bigger" than token 7, and
# `Linear` on raw ids would pretend it is. The classical fix is a **one-hot** vector: id `i`
# becomes a vector of `vocab_size` zeros with a 1 at position `i`, and a `Linear` layer maps
# it to a dense vector. Multiplying a one-hot vector by a matrix picks one row of it, so the
# whole product is a **lookup**: row `i` of a `(vocab_size, embedding_dim)` table. That table
# is an embedding, and it is learned like any weight: tokens that behave alike end up with
# nearby rows.
#
# Every language model starts this way. GPT-2's first layer is `wte`, a 50257 × 768 table
# (38.6 M parameters, 30% of the small model); its second is `wpe`, a 1024 × 768 table of
# learned **positions**, because attention (module 12) sees a set of vectors, not a
# sequence: without position information, "dog bites man" and "man bites dog" look the
# same. PyTorch provides `torch.nn.Embedding`; the original transformer used a fixed
# sinusoidal table instead of a learned one. You will build both.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 The lookup and what it costs
#
# `Embedding(num_embeddings, embedding_dim)` holds `weight` of shape `(num_embeddings,
# embedding_dim)`. For indices of any shape `S` the output has shape `S + (embedding_dim,)`:
#
# ```
# weight: (vocab=5, dim=3)        indices: (2, 2) = [[1, 4],      out: (2, 2, 3)
#   row 0  [ .1  .2  .3 ]                            [1, 0]]       out[0, 0] = weight[1]
#   row 1  [ .4  .5  .6 ]   ---->                                  out[0, 1] = weight[4]
#   ...                                                            out[1, 0] = weight[1] ...
# ```
#
# The forward pass does **no arithmetic**: it copies `indices.size × embedding_dim` numbers.
# The one-hot product would cost `2 · vocab · dim` FLOPs per token for the same result.
#
# ### 2.2 The gradient: a scatter-add
#
# `out[n] = weight[idx[n]]`, so the loss's gradient with respect to `weight[v]` is the sum of
# the output gradients of every position that looked up `v`:
#
# $$\frac{\partial L}{\partial W_v} = \sum_{n\,:\,\text{idx}_n = v} \frac{\partial L}{\partial
# \text{out}_n}$$
#
# Rows never used get **zero**; a row used three times gets three contributions **added**.
# That "added" is the classic bug: NumPy's `grad[idx] += g` with a repeated index writes
# each repeated row once (the last write wins), so updates are silently lost. `np.add.at`
# is the unbuffered version that adds every contribution:

# %%
idx = np.array([2, 0, 2, 2])
contributions = np.ones((4, 3))
buffered = np.zeros((4, 3))
buffered[idx] += contributions
unbuffered = np.zeros((4, 3))
np.add.at(unbuffered, idx, contributions)
print("grad[idx] += g  row 2:", buffered[2], "  (row 2 was used 3 times: it should be 3)")
print("np.add.at       row 2:", unbuffered[2])

# %% [markdown]
# ### 2.3 `padding_idx`
#
# Sentences in a batch have different lengths; the short ones are padded with a special
# token, say id 0. `Embedding(..., padding_idx=0)` makes row 0 start at **zero** and
# **never receive gradient**, so padding stays a zero vector forever, whatever the
# optimizer does (weight decay aside). PyTorch accepts a negative `padding_idx` and counts
# from the end, as Python does: `padding_idx=-1` means the last row.
#
# ### 2.4 Initialization
#
# PyTorch draws every entry of an embedding from N(0, 1): unlike `Linear`, an embedding
# does not sum over its inputs (it picks one row), so there is no fan-in to scale by. The
# padding row is then zeroed. (GPT-2 uses N(0, 0.02) instead; the original transformer
# multiplies the looked-up rows by √d_model. Scale is a modelling choice, the mechanics
# are the same.)
#
# ### 2.5 Where is a token? Positional encodings
#
# Attention combines tokens with weights that depend on their contents only, so the model
# must be told positions. Two standard answers, both **added** to the token embeddings of
# a sequence `x` of shape `(batch, seq_len, d)`:
#
# - **Learned** (GPT-2, BERT): a second table `P` of shape `(max_len, d)`;
#   `x + P[:seq_len]`. It is an `Embedding` looked up with positions `0 … seq_len-1`. It
#   cannot represent a position beyond `max_len`.
# - **Sinusoidal** (Vaswani et al., 2017): a fixed table, nothing to learn. For position
#   `pos` and `i = 0, 1, …, d/2 - 1`:
#
# $$PE_{pos,\,2i} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right), \qquad
#   PE_{pos,\,2i+1} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)$$
#
#   Each pair of columns is a clock turning at its own speed, from one turn every 2π
#   positions (i = 0) to one every 2π · 10000 (the last pair): the fast pairs tell
#   neighbours apart, the slow ones tell the beginning from the end. For any offset `k`,
#   `PE[pos + k]` is a rotation of `PE[pos]` (the same rotation for every `pos`), which
#   makes relative positions easy for a linear layer to read. Later models (RoPE in LLaMA)
#   apply exactly this rotation inside attention.

# %% [markdown]
# ## 3. Build it
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 | `embedding_loops`: the gather, as loops | none | 5 |
# | 2 | `embedding_backward_loops`: the scatter-add, as loops | none | 10 |
# | 3 | `EmbeddingFunction.forward`, `backward` (vectorized) | `F.embedding` | 15 |
# | 4 | `Embedding.__init__` | `nn.Embedding` | 10 |
# | 5 | `Embedding.forward` | `nn.Embedding.forward` | 10 |
# | 6 | `sinusoidal_positional_encoding` | none (the paper's formula) | 10 |
# | 7 | `PositionalEmbedding.forward`, `SinusoidalPositionalEncoding.forward` | none | 10 |
#
# Given: the function `embedding` (PyTorch's `torch.nn.functional.embedding`, which checks
# its arguments and calls your `Function`), `Embedding.from_pretrained` and the `repr`s.

# %% locked="embeddings-package-imports"
#| export
import numpy as np

from tinytorch.core.autograd import Function, FunctionCtx
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# The tests and demos of this notebook also use earlier modules; import them.

# %% locked="embeddings-notebook-setup"
from tinytorch.core.autograd import gradcheck
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed

# %% [markdown]
# ### 3.1 Piece 1: the gather, as loops
#
# Write the lookup the slow, obvious way first: one Python loop over the positions of the
# (flattened) indices, copying one row of the table each time. This is your reference: the
# vectorized version of piece 3 must agree with it.

# %% solution="embeddings-gather-loops"
#| export
def embedding_loops(weight: "Tensor | np.ndarray", indices: "Tensor | np.ndarray") -> np.ndarray:
    """The embedding lookup with an explicit loop: out[..., :] = weight[indices[...], :]
    (no PyTorch equivalent; torch.nn.functional.embedding is the fast one).

    Args:
        weight: the table, shape (num_embeddings, embedding_dim).
        indices: integer ids of any shape S, each in [0, num_embeddings).

    Returns a NumPy array of shape S + (embedding_dim,) with weight's dtype.

    TODO: copy one row of `weight` per index, with a Python loop.

    APPROACH:
    1. Take the arrays (`.data` of a Tensor); flatten the indices with `reshape(-1)`.
    2. Allocate `out` of shape (number of indices, embedding_dim) with weight's dtype.
    3. For each position n, `out[n] = weight[flat[n]]`.
    4. Reshape to `indices.shape + (embedding_dim,)`.

    EXAMPLE:
    >>> embedding_loops(np.array([[0., 1.], [2., 3.], [4., 5.]]), np.array([2, 0, 2]))
    array([[4., 5.],
           [0., 1.],
           [4., 5.]])

    HINTS: a 0-d index array has shape (); `reshape(-1)` turns it into one element, and the
    final reshape to `() + (dim,)` gives a single row.
    """
    ### BEGIN SOLUTION
    weight = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    indices = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    flat = indices.reshape(-1)
    out = np.zeros((flat.size, weight.shape[1]), dtype=weight.dtype)
    for n in range(flat.size):
        out[n] = weight[flat[n]]
    return out.reshape((*indices.shape, weight.shape[1]))
    ### END SOLUTION


# %% test="embeddings-gather-loops-tests" points=5
def test_embedding_loops_copies_the_rows(run):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    got = run("embedding_loops", table, np.array([3, 0, 3]))
    assert_array(got, table[[3, 0, 3]], dtype="float32", what="embedding_loops(table, [3, 0, 3])")


def test_embedding_loops_keeps_the_index_shape(run):
    table = np.arange(10, dtype=np.float32).reshape(5, 2)
    got = run("embedding_loops", table, np.array([[1, 4], [0, 1]]))
    assert_array(got, table[np.array([[1, 4], [0, 1]])], dtype="float32",
                 what="a (2, 2) batch of ids gives (2, 2, embedding_dim)")


run_tests(test_embedding_loops_copies_the_rows, test_embedding_loops_keeps_the_index_shape)
### BEGIN HIDDEN TESTS
def test_embedding_loops_scalar_empty_tensor_and_dtype(run):
    def cases():
        table = np.arange(6, dtype=np.float64).reshape(3, 2)
        return (embedding_loops(table, np.array(2)),
                embedding_loops(table, np.zeros((0, 4), dtype=np.int64)),
                embedding_loops(Tensor(table, dtype=np.float32), Tensor([1, 1])))

    scalar, empty, from_tensors = run(cases)
    assert_array(scalar, [4.0, 5.0], dtype="float64", what="a 0-d index gives one row, (dim,)")
    assert_array(empty, np.zeros((0, 4, 2)), dtype="float64",
                 what="no indices of shape (0, 4) give shape (0, 4, dim)")
    assert_array(from_tensors, [[2.0, 3.0], [2.0, 3.0]], dtype="float32",
                 what="Tensor arguments are accepted, and the table's dtype is kept")


run_tests(test_embedding_loops_scalar_empty_tensor_and_dtype)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: the scatter-add, as loops
#
# The backward pass of the lookup (section 2.2): start from a zero table shaped like
# `weight`, and for every position add that position's output gradient to the row it looked
# up. Skip the padding row: it never receives gradient. A plain loop with `+=` on one row at
# a time is correct with repeated indices (each `+=` is its own statement); only the
# vectorized `grad[idx] += g` is not.

# %% solution="embeddings-scatter-loops"
#| export
def embedding_backward_loops(grad_output: "Tensor | np.ndarray", indices: "Tensor | np.ndarray",
                             num_embeddings: int, padding_idx: int | None = None) -> np.ndarray:
    """The gradient of the lookup with respect to the table, with an explicit loop
    (no PyTorch equivalent; it is what torch.nn.Embedding's backward computes).

    Args:
        grad_output: the gradient of the output, shape S + (embedding_dim,).
        indices: the ids that were looked up, shape S.
        num_embeddings: the number of rows of the table.
        padding_idx: a row (in [0, num_embeddings)) that gets no gradient, or None.

    Returns a NumPy array of shape (num_embeddings, embedding_dim) with grad_output's dtype:
    row v is the sum of grad_output over the positions whose index is v.

    TODO: add each position's gradient into the row it looked up, with a Python loop.

    APPROACH:
    1. Take the arrays; flatten the indices to (N,) and grad_output to (N, embedding_dim).
    2. `grad = np.zeros((num_embeddings, embedding_dim), dtype=grad_output.dtype)`.
    3. For each n: unless the index is padding_idx, `grad[index] += flat_grad[n]`.

    EXAMPLE:
    >>> embedding_backward_loops(np.ones((3, 2)), np.array([1, 0, 1]), 3)
    array([[1., 1.],
           [2., 2.],
           [0., 0.]])

    HINTS: embedding_dim is `grad_output.shape[-1]`.
    """
    ### BEGIN SOLUTION
    grad_output = grad_output.data if isinstance(grad_output, Tensor) else np.asarray(grad_output)
    indices = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    flat = indices.reshape(-1)
    flat_grad = grad_output.reshape(flat.size, grad_output.shape[-1])
    grad = np.zeros((num_embeddings, grad_output.shape[-1]), dtype=grad_output.dtype)
    for n in range(flat.size):
        if flat[n] != padding_idx:
            grad[flat[n]] += flat_grad[n]
    return grad
    ### END SOLUTION


# %% test="embeddings-scatter-loops-tests" points=10
def test_embedding_backward_loops_adds_repeated_rows(run):
    g = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]], dtype=np.float32)
    got = run("embedding_backward_loops", g, np.array([2, 0, 2]), 4)
    assert_array(got, [[10, 20], [0, 0], [101, 202], [0, 0]], dtype="float32",
                 what="row 2 is used twice: its gradient is the sum of both")


def test_embedding_backward_loops_skips_padding(run):
    g = np.ones((2, 3, 2), dtype=np.float32)
    ids = np.array([[0, 1, 0], [1, 1, 2]])
    got = run("embedding_backward_loops", g, ids, 3, 0)
    assert_array(got, [[0, 0], [3, 3], [1, 1]], dtype="float32",
                 what="padding_idx=0 gets no gradient; a (2, 3) batch of ids")


run_tests(test_embedding_backward_loops_adds_repeated_rows,
          test_embedding_backward_loops_skips_padding)
### BEGIN HIDDEN TESTS
def test_embedding_backward_loops_dtype_scalar_and_empty(run):
    def cases():
        scalar = embedding_backward_loops(np.array([1.5, -2.0]), np.array(1), 2)
        empty = embedding_backward_loops(np.zeros((0, 3), dtype=np.float32),
                                         np.zeros(0, dtype=np.int64), 4, padding_idx=1)
        tensors = embedding_backward_loops(Tensor(np.ones((2, 1)), dtype=np.float64),
                                           Tensor([3, 3]), 5, padding_idx=None)
        return scalar, empty, tensors

    scalar, empty, tensors = run(cases)
    assert_array(scalar, [[0, 0], [1.5, -2.0]], dtype="float64",
                 what="a 0-d index with a (dim,) gradient; the gradient's dtype is kept")
    assert_array(empty, np.zeros((4, 3)), dtype="float32",
                 what="no indices give an all-zero (num_embeddings, dim) gradient")
    assert_array(tensors, [[0], [0], [0], [2], [0]], dtype="float64",
                 what="Tensor arguments, padding_idx=None: every row may get gradient")


run_tests(test_embedding_backward_loops_dtype_scalar_and_empty)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: the lookup as a differentiable op
#
# Now the fast versions, as one module 06 `Function` with forward and backward side by
# side. Forward is NumPy's fancy indexing, `weight[indices]`, which does the whole gather in
# C and already returns the shape `S + (embedding_dim,)`. Backward is the scatter-add with
# `np.add.at` (section 2.2), then zeroing the padding row.
#
# The call is `EmbeddingFunction.apply(indices, weight, padding_idx)`: `indices` arrives as
# an integer array (it is never differentiated), `weight` as the table's array. Forward saves
# on `ctx` what backward needs: the indices, the number of rows and `padding_idx`. Backward
# returns one gradient per forward argument: `(None, grad_weight, None)`.
#
# The given `embedding(input, weight, padding_idx=None)` is PyTorch's
# `torch.nn.functional.embedding`: it checks the indices (integers, in range, with a clear
# error otherwise) and calls your `Function`.

# %% solution="embeddings-function"
#| export
class EmbeddingFunction(Function):
    """The lookup weight[indices] as a differentiable op (torch.nn.functional.embedding's
    autograd node): forward gathers rows, backward scatter-adds the output gradient into
    the rows that were used, and none into padding_idx."""

    @staticmethod
    def forward(ctx: FunctionCtx, indices: np.ndarray, weight: np.ndarray,
                padding_idx: int | None = None) -> np.ndarray:
        """Rows of `weight` at `indices`: shape indices.shape + (embedding_dim,).

        TODO: gather with fancy indexing; save what backward needs.

        APPROACH:
        1. `ctx.save_for_backward(indices)`; set `ctx.num_embeddings = weight.shape[0]` and
           `ctx.padding_idx = padding_idx`.
        2. Return `weight[indices]`.

        EXAMPLE: weight of shape (5, 3) and indices of shape (2, 4) give shape (2, 4, 3).
        """
        ### BEGIN SOLUTION
        ctx.save_for_backward(indices)
        ctx.num_embeddings = weight.shape[0]
        ctx.padding_idx = padding_idx
        return weight[indices]
        ### END SOLUTION

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        """(None, gradient of the table, None): the table's gradient is the scatter-add of
        `grad` into the looked-up rows, zero in the padding row.

        TODO: compute the same result as embedding_backward_loops, without a Python loop.

        APPROACH:
        1. `(indices,) = ctx.saved_tensors`.
        2. `grad_weight = np.zeros((ctx.num_embeddings, grad.shape[-1]), dtype=grad.dtype)`.
        3. `np.add.at(grad_weight, indices.reshape(-1), grad.reshape(-1, grad.shape[-1]))`.
        4. If `ctx.padding_idx` is not None, set that row to 0.
        5. Return `None, grad_weight, None`.

        HINTS: `grad_weight[indices] += grad` loses repeated rows (section 2.2).
        """
        ### BEGIN SOLUTION
        (indices,) = ctx.saved_tensors
        dim = grad.shape[-1]
        grad_weight = np.zeros((ctx.num_embeddings, dim), dtype=grad.dtype)
        ids = indices.reshape(-1)
        if ids.size:
            # np.add.at's result, 3-4x faster: sort the ids so that each one's rows are
            # adjacent, then add each run of rows at once (np.add.reduceat) into its row.
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
            starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
            grad_weight[ids[starts]] = np.add.reduceat(grad.reshape(-1, dim)[order], starts,
                                                       axis=0)
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return None, grad_weight, None
        ### END SOLUTION


def _index_array(input: "Tensor | np.ndarray | list | int", num_embeddings: int) -> np.ndarray:
    """The ids as an int64 array, checked: integers in [0, num_embeddings)."""
    ids = input.data if isinstance(input, Tensor) else np.asarray(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices (int64, as torch.long), got "
                        f"dtype {ids.dtype}; convert token ids with .astype(np.int64)")
    if ids.size and (ids.min() < 0 or ids.max() >= num_embeddings):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise IndexError(f"index out of range in self: index {int(bad)} for an embedding "
                         f"table of {num_embeddings} rows (valid ids are 0 to "
                         f"{num_embeddings - 1})")
    return ids.astype(np.int64, copy=False)


def embedding(input: "Tensor | np.ndarray | list | int", weight: Tensor,
              padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` at the integer ids `input` (torch.nn.functional.embedding).

    Args:
        input: integer ids of any shape S (a Tensor, an array, a list or an int).
        weight: the table, a Tensor of shape (num_embeddings, embedding_dim).
        padding_idx: a row that receives no gradient (negative counts from the end), or None.

    Returns a Tensor of shape S + (embedding_dim,), recorded in the graph when weight
    requires grad. Raises TypeError for non-integer ids, IndexError for ids out of range.
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError("embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim)"
                         f", got {getattr(weight, 'shape', type(weight).__name__)}")
    num_embeddings = weight.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num_embeddings
    return EmbeddingFunction.apply(_index_array(input, num_embeddings), weight, padding_idx)


# %% test="embeddings-function-tests" points=15
def test_embedding_function_forward_matches_the_loops(run):
    def both():
        table = Tensor(np.random.default_rng(0).standard_normal((6, 4)), dtype=np.float32)
        ids = np.array([[5, 0, 5], [2, 2, 1]])
        out = EmbeddingFunction.apply(ids, table, None)
        return type(out).__name__, out.numpy(), embedding_loops(table, ids)

    kind, fast, loops = run(both)
    assert kind == "Tensor", f"EmbeddingFunction.apply should return a Tensor, got {kind}"
    assert_array(fast, loops, dtype="float32", what="the vectorized lookup vs embedding_loops")


def test_embedding_function_backward_adds_repeated_rows(run):
    def grad():
        table = Tensor(np.zeros((4, 2)), dtype=np.float32, requires_grad=True)
        ids = np.array([1, 3, 1, 1])
        out = EmbeddingFunction.apply(ids, table, None)
        (out * Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])).sum().backward()
        return table.grad.numpy()

    assert_array(run(grad), [[0, 0], [13, 16], [0, 0], [3, 4]], dtype="float32",
                 what="weight.grad when row 1 is used 3 times (np.add.at, not grad[ids] += g)")


run_tests(test_embedding_function_forward_matches_the_loops,
          test_embedding_function_backward_adds_repeated_rows)
### BEGIN HIDDEN TESTS
def test_embedding_function_padding_gradcheck_and_loops(run):
    def check():
        rng = np.random.default_rng(1)
        ids = np.array([[0, 2, 0], [3, 0, 2]])
        table = Tensor(rng.standard_normal((5, 3)), dtype=np.float32, requires_grad=True)
        g = rng.standard_normal((2, 3, 3)).astype(np.float32)
        out = EmbeddingFunction.apply(ids, table, 0)
        out.backward(Tensor(g))
        reference = embedding_backward_loops(g, ids, 5, padding_idx=0)
        passed = gradcheck(lambda w: EmbeddingFunction.apply(ids, w, None),
                           Tensor(rng.standard_normal((4, 2)), requires_grad=True))
        return table.grad.numpy(), reference, bool(passed)

    grad, reference, passed = run(check)
    assert_array(grad, reference, dtype="float32",
                 what="weight.grad with padding_idx=0 used three times vs the loops")
    assert passed, "gradcheck of EmbeddingFunction in float64 failed"


def test_embedding_functional_checks_and_negative_padding(run):
    def negative_padding():
        table = Tensor(np.ones((3, 2)), dtype=np.float32, requires_grad=True)
        embedding(np.array([2, 1, 2]), table, padding_idx=-1).sum().backward()
        return table.grad.numpy(), embedding(Tensor(1), table).shape

    grad, shape = run(negative_padding)
    assert_array(grad, [[0, 0], [1, 1], [0, 0]], dtype="float32",
                 what="padding_idx=-1 is the last row: it gets no gradient")
    assert shape == (2,), f"a 0-d id gives one row of shape (dim,), got {shape}"
    def float_ids():
        return embedding(np.array([0.0, 1.0]), Tensor(np.ones((3, 2))))

    def id_too_large():
        return embedding(np.array([0, 3]), Tensor(np.ones((3, 2))))

    with pytest.raises(TypeError, match="integer"):
        run(float_ids)
    with pytest.raises(IndexError, match="out of range"):
        run(id_too_large)


run_tests(test_embedding_function_padding_gradcheck_and_loops,
          test_embedding_functional_checks_and_negative_padding)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: `Embedding.__init__`
#
# The layer holds the table as a `Parameter` named `weight` (PyTorch's name, so state dicts
# load from PyTorch) and remembers `num_embeddings`, `embedding_dim` and `padding_idx`.
# PyTorch's checks and conventions:
#
# - `padding_idx` must lie in `[-num_embeddings, num_embeddings)`; a negative one is stored
#   as `num_embeddings + padding_idx` (PyTorch raises an `AssertionError`; we raise a
#   `ValueError` saying what is allowed).
# - `weight` ~ N(0, 1), drawn from `generator` (or module 01's `default_generator()`, so
#   `manual_seed` makes it reproducible), float32, then the padding row set to 0.

# %% solution="embeddings-init"
#| export
class Embedding(Module):
    """A lookup table of learned vectors, one row per id (torch.nn.Embedding).

    Args:
        num_embeddings: the number of rows (the vocabulary size).
        embedding_dim: the size of each vector.
        padding_idx: a row that starts at zero and never receives gradient (negative counts
            from the end), or None.
        generator: a numpy.random.Generator for the initialization; by default
            tinytorch.core.tensor.default_generator() (seeded by manual_seed).

    weight has shape (num_embeddings, embedding_dim), float32, drawn from N(0, 1) with the
    padding row zeroed: PyTorch's initialization. Calling the layer on integer ids of shape
    S returns a Tensor of shape S + (embedding_dim,).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
        """Check the arguments and create the table.

        TODO: store the sizes and padding_idx, and create `self.weight`.

        APPROACH:
        1. `super().__init__()` (given), then the size checks (given).
        2. If padding_idx is not None: raise ValueError unless
           -num_embeddings <= padding_idx < num_embeddings; make a negative one positive.
        3. Store `self.num_embeddings`, `self.embedding_dim`, `self.padding_idx`.
        4. Draw `rng.standard_normal((num_embeddings, embedding_dim))`, zero the padding
           row, and wrap it in a `Parameter` (float32) as `self.weight`.

        EXAMPLE:
        >>> Embedding(10, 3, padding_idx=-1).padding_idx
        9
        """
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Embedding: {name} must be an int >= 0, got {value!r}")
        rng = generator if generator is not None else default_generator()
        ### BEGIN SOLUTION
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings: in "
                                 f"[{-num_embeddings}, {num_embeddings}), got {padding_idx}")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = padding_idx
        table = rng.standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            table[padding_idx] = 0.0
        self.weight = Parameter(table)
        ### END SOLUTION

    @classmethod
    def from_pretrained(cls, embeddings: "Tensor | np.ndarray", freeze: bool = True,
                        padding_idx: int | None = None) -> "Embedding":
        """An Embedding holding a copy of the 2-D table `embeddings`
        (torch.nn.Embedding.from_pretrained); `freeze` stops its gradient."""
        table = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if table.ndim != 2:
            raise ValueError(f"from_pretrained: embeddings must be 2-D, got shape {table.shape}")
        layer = cls(table.shape[0], table.shape[1], padding_idx=padding_idx)
        layer.weight = Parameter(table, requires_grad=not freeze)
        return layer

    def extra_repr(self) -> str:
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


# %% test="embeddings-init-tests" points=10
def test_embedding_init_shape_distribution_and_padding(run):
    def make():
        layer = Embedding(1000, 16, padding_idx=3, generator=np.random.default_rng(0))
        w = layer.weight
        return (type(w).__name__, w.shape, str(w.dtype), w.requires_grad, layer.padding_idx,
                w.numpy()[3], float(np.delete(w.numpy(), 3, axis=0).std()),
                [name for name, _ in layer.named_parameters()])

    kind, shape, dtype, requires_grad, padding, row, std, names = run(make)
    assert kind == "Parameter" and names == ["weight"], (
        f"weight should be the only Parameter, named 'weight'; got {kind}, {names}")
    assert shape == (1000, 16) and dtype == "float32", (
        f"weight should be (1000, 16) float32, got {shape} {dtype}")
    assert requires_grad and padding == 3
    assert_array(row, np.zeros(16), dtype="float32", what="the padding row starts at zero")
    assert 0.95 < std < 1.05, f"weights should be N(0, 1) as in PyTorch; std is {std:.3f}"


def test_embedding_init_reproducible_with_a_generator(run):
    def twice():
        return [Embedding(5, 3, generator=np.random.default_rng(7)).weight.numpy()
                for _ in range(2)]

    first, second = run(twice)
    assert_array(first, second, dtype="float32", what="the same generator seed, the same table")


run_tests(test_embedding_init_shape_distribution_and_padding,
          test_embedding_init_reproducible_with_a_generator)
### BEGIN HIDDEN TESTS
def test_embedding_init_negative_padding_and_errors(run):
    def negative():
        layer = Embedding(6, 2, padding_idx=-2, generator=np.random.default_rng(0))
        return layer.padding_idx, layer.weight.numpy()[4], layer.num_embeddings, layer.embedding_dim

    padding, row, n, d = run(negative)
    assert padding == 4, f"padding_idx=-2 of 6 rows is stored as 4 (as PyTorch does), got {padding}"
    assert_array(row, [0.0, 0.0], dtype="float32", what="the row padding_idx=-2 names is zeroed")
    assert (n, d) == (6, 2), "num_embeddings and embedding_dim are stored"
    def bad_padding(padding_idx):
        return Embedding(6, 2, padding_idx=padding_idx)

    for bad in (6, -7):
        with pytest.raises(ValueError, match="padding_idx"):
            run(bad_padding, bad)


def test_embedding_init_uses_manual_seed(run):
    def seeded():
        manual_seed(3)
        a = Embedding(4, 2).weight.numpy()
        manual_seed(3)
        return a, Embedding(4, 2).weight.numpy(), float(np.abs(a).sum())

    a, b, total = run(seeded)
    assert_array(a, b, dtype="float32", what="manual_seed makes the default init reproducible")
    assert total > 0, "without padding_idx no row is zeroed"


run_tests(test_embedding_init_negative_padding_and_errors, test_embedding_init_uses_manual_seed)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: `Embedding.forward`
#
# The forward pass is one call of the given `embedding` function with the layer's table and
# `padding_idx`: it checks the ids and runs your `EmbeddingFunction`. This is what
# `torch.nn.Embedding.forward` does with `F.embedding`.

# %% solution="embeddings-forward"
#| export
@extends(Embedding)
class EmbeddingForward:
    def forward(self, input: "Tensor | np.ndarray | list | int") -> Tensor:
        """The rows of weight at the integer ids `input`: shape input.shape + (embedding_dim,).

        TODO: look the ids up in self.weight, with self.padding_idx.

        APPROACH: return `embedding(input, self.weight, self.padding_idx)`.

        EXAMPLE: `Embedding(100, 8)(Tensor([[1, 2, 3]]))` has shape (1, 3, 8).
        """
        ### BEGIN SOLUTION
        return embedding(input, self.weight, self.padding_idx)
        ### END SOLUTION


# %% test="embeddings-forward-tests" points=10
def test_embedding_forward_shape_and_rows(run):
    def look_up():
        layer = Embedding(10, 4, generator=np.random.default_rng(0))
        ids = Tensor([[1, 9, 1], [0, 0, 5]])
        return layer(ids).numpy(), layer.weight.numpy()

    out, table = run(look_up)
    assert_array(out, table[[[1, 9, 1], [0, 0, 5]]], dtype="float32",
                 what="Embedding(10, 4) on a (2, 3) batch of ids")


def test_embedding_backward_reaches_only_used_rows(run):
    def train_step():
        layer = Embedding(5, 2, padding_idx=0, generator=np.random.default_rng(0))
        layer(np.array([0, 2, 2, 4])).sum().backward()
        return layer.weight.grad.numpy()

    assert_array(run(train_step), [[0, 0], [0, 0], [2, 2], [0, 0], [1, 1]], dtype="float32",
                 what="weight.grad: row 2 twice, row 4 once, padding row 0 never")


run_tests(test_embedding_forward_shape_and_rows, test_embedding_backward_reaches_only_used_rows)
### BEGIN HIDDEN TESTS
def test_embedding_forward_errors_repr_and_pretrained(run):
    def details():
        layer = Embedding.from_pretrained(np.eye(3), padding_idx=1)
        return (layer(2).numpy(), layer.weight.requires_grad, repr(Embedding(7, 2, padding_idx=0)),
                layer(np.zeros((0,), dtype=np.int64)).shape)

    row, trainable, text, empty = run(details)
    assert_array(row, [0.0, 0.0, 1.0], dtype="float32", what="from_pretrained(eye(3))(2)")
    assert trainable is False, "from_pretrained freezes by default"
    assert text == "Embedding(7, 2, padding_idx=0)", f"repr as PyTorch's, got {text!r}"
    assert empty == (0, 3), f"no ids give shape (0, dim), got {empty}"
    def negative_id():
        return Embedding(4, 2)(np.array([-1]))

    def float_ids():
        return Embedding(4, 2)(Tensor([1.0, 2.0]))

    with pytest.raises(IndexError, match="out of range"):
        run(negative_id)
    with pytest.raises(TypeError, match="integer"):
        run(float_ids)


run_tests(test_embedding_forward_errors_repr_and_pretrained)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: the sinusoidal table
#
# Build the `(max_len, d_model)` table of section 2.5 without loops: a column of positions
# times a row of frequencies gives every angle at once (broadcasting), then `sin` fills the
# even columns and `cos` the odd ones. Compute in float64 (positions reach thousands, and
# float32 angles would lose digits) and return a float32 `Tensor`. For an odd `d_model` the
# last column is a sine with no cosine partner.

# %% solution="embeddings-sinusoidal"
#| export
def sinusoidal_positional_encoding(max_len: int, d_model: int) -> Tensor:
    """The fixed positional encodings of "Attention is all you need", shape (max_len, d_model),
    float32: PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle).

    TODO: fill the table with broadcasting, no Python loop.

    APPROACH:
    1. `positions = np.arange(max_len, dtype=np.float64)[:, None]` (a column).
    2. `frequencies = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)` (a row, one per pair).
    3. `angles = positions * frequencies`: shape (max_len, ceil(d_model / 2)).
    4. `pe[:, 0::2] = np.sin(angles)`; `pe[:, 1::2] = np.cos(angles)[:, : d_model // 2]`.
    5. Return `Tensor(pe, dtype=np.float32)`.

    EXAMPLE: row 0 is [0, 1, 0, 1, ...] (sin 0, cos 0); column 0 is sin(pos).
    """
    ### BEGIN SOLUTION
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    frequencies = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    angles = positions * frequencies
    pe = np.zeros((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)[:, : d_model // 2]
    return Tensor(pe, dtype=np.float32)
    ### END SOLUTION


# %% test="embeddings-sinusoidal-tests" points=10
def test_sinusoidal_matches_the_formula(run):
    def table():
        return sinusoidal_positional_encoding(6, 4).numpy()

    got = run(table)
    want = np.zeros((6, 4))
    for pos in range(6):
        for i in range(2):
            angle = pos / 10000 ** (2 * i / 4)
            want[pos, 2 * i], want[pos, 2 * i + 1] = np.sin(angle), np.cos(angle)
    assert_array(got, want.astype(np.float32), dtype="float32",
                 what="sinusoidal_positional_encoding(6, 4)")


def test_sinusoidal_first_row_and_first_column(run):
    def table():
        return sinusoidal_positional_encoding(50, 8).numpy()

    got = run(table)
    assert_array(got[0], [0, 1, 0, 1, 0, 1, 0, 1], dtype="float32", what="position 0")
    assert_array(got[:, 0], np.sin(np.arange(50)).astype(np.float32), dtype="float32",
                 what="column 0 is sin(pos)")


run_tests(test_sinusoidal_matches_the_formula, test_sinusoidal_first_row_and_first_column)
### BEGIN HIDDEN TESTS
def test_sinusoidal_odd_width_long_positions_and_empty(run):
    def table(max_len, d_model):
        return sinusoidal_positional_encoding(max_len, d_model).numpy()

    odd = run(table, 3, 5)
    angle = 2 / 10000 ** (4 / 5)
    assert odd.shape == (3, 5), f"an odd d_model keeps its width, got {odd.shape}"
    assert abs(odd[2, 4] - np.sin(angle)) < 1e-6, "the last column of an odd width is a sine"
    far = run(table, 5000, 16)
    pos = np.arange(5000, dtype=np.float64)
    assert np.abs(far[:, 0] - np.sin(pos)).max() < 1e-6, (
        "at position 4999 the angles must be computed in float64, then cast")
    assert np.abs(far[:, 15] - np.cos(pos / 10000 ** (14 / 16))).max() < 1e-6
    assert run(table, 0, 4).shape == (0, 4), "max_len = 0 gives an empty (0, d_model) table"


run_tests(test_sinusoidal_odd_width_long_positions_and_empty)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: positional layers
#
# Two layers with the same interface: `forward(x)` takes token embeddings `x` of shape
# `(..., seq_len, embedding_dim)` and returns `x` plus one position vector per row,
# broadcast over the leading (batch) dims. Both raise a `ValueError` when `seq_len` exceeds
# `max_len`, naming both numbers: a learned table has no row for position 1024 of GPT-2.
#
# - `PositionalEmbedding(max_len, embedding_dim)`: learned; its table is a `Parameter`
#   named `weight` (initialized like `Embedding`'s), so it trains with the model. Slicing
#   `self.weight[:seq_len]` is a recorded op (module 06's `getitem` rule), so the gradient
#   reaches exactly the first `seq_len` rows.
# - `SinusoidalPositionalEncoding(max_len, d_model)`: fixed; its table is a buffer `pe`
#   registered with `persistent=False`: it moves with the model but is not a parameter,
#   gets no gradient, and is not written into checkpoints (it can be recomputed).

# %% solution="embeddings-positional"
#| export
def _check_length(layer: Module, x: Tensor, max_len: int, width: int) -> int:
    """seq_len of x (..., seq_len, width), checked against max_len."""
    if not isinstance(x, Tensor) or x.ndim < 2 or x.shape[-1] != width:
        raise ValueError(f"{type(layer).__name__} expects a Tensor of shape (..., seq_len, "
                         f"{width}), got {getattr(x, 'shape', type(x).__name__)}")
    if x.shape[-2] > max_len:
        raise ValueError(f"{type(layer).__name__}: sequence length {x.shape[-2]} exceeds "
                         f"max_len = {max_len}; build the layer with a larger max_len")
    return x.shape[-2]


class PositionalEmbedding(Module):
    """Learned absolute positions (GPT-2's wpe): adds weight[:seq_len] to the input.

    Args:
        max_len: the longest sequence (rows of the table).
        embedding_dim: the width of the token embeddings it is added to.
        generator: a numpy.random.Generator for the N(0, 1) initialization.
    """

    def __init__(self, max_len: int, embedding_dim: int,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        self.max_len = int(max_len)
        self.embedding_dim = int(embedding_dim)
        rng = generator if generator is not None else default_generator()
        self.weight = Parameter(rng.standard_normal((self.max_len, self.embedding_dim)))

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.embedding_dim}"

    def forward(self, x: Tensor) -> Tensor:
        """x + weight[:seq_len] for x of shape (..., seq_len, embedding_dim).

        TODO: check the length, then add the first seq_len rows of the table.

        APPROACH:
        1. `seq_len = _check_length(self, x, self.max_len, self.embedding_dim)` (given).
        2. Return `x + self.weight[:seq_len]` (broadcasting adds it to every batch row).
        """
        ### BEGIN SOLUTION
        seq_len = _check_length(self, x, self.max_len, self.embedding_dim)
        return x + self.weight[:seq_len]
        ### END SOLUTION


class SinusoidalPositionalEncoding(Module):
    """Fixed sinusoidal positions ("Attention is all you need"): adds pe[:seq_len] to the input.

    Args:
        max_len: the longest sequence.
        d_model: the width of the embeddings it is added to.

    The table is the non-persistent buffer `pe` (max_len, d_model): not a parameter, not in
    the state_dict.
    """

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.max_len = int(max_len)
        self.d_model = int(d_model)
        self.register_buffer("pe", sinusoidal_positional_encoding(self.max_len, self.d_model),
                             persistent=False)

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.d_model}"

    def forward(self, x: Tensor) -> Tensor:
        """x + pe[:seq_len] for x of shape (..., seq_len, d_model).

        TODO: as PositionalEmbedding.forward, with the buffer `self.pe`.
        """
        ### BEGIN SOLUTION
        seq_len = _check_length(self, x, self.max_len, self.d_model)
        return x + self.pe[:seq_len]
        ### END SOLUTION


# %% test="embeddings-positional-tests" points=10
def test_positional_embedding_adds_rows_and_trains_them(run):
    def step():
        layer = PositionalEmbedding(8, 3, generator=np.random.default_rng(0))
        x = Tensor(np.ones((2, 5, 3)), dtype=np.float32, requires_grad=True)
        out = layer(x)
        out.sum().backward()
        return out.numpy(), layer.weight.numpy(), layer.weight.grad.numpy()

    out, table, grad = run(step)
    assert_array(out, np.broadcast_to(1 + table[:5], (2, 5, 3)), dtype="float32",
                 what="x + weight[:5] for every sequence of the batch")
    want = np.zeros((8, 3), dtype=np.float32)
    want[:5] = 2.0
    assert_array(grad, want, dtype="float32",
                 what="weight.grad: the first 5 rows, once per sequence of the batch of 2")


def test_sinusoidal_layer_adds_the_table(run):
    def add():
        layer = SinusoidalPositionalEncoding(10, 4)
        out = layer(Tensor(np.zeros((1, 6, 4)), dtype=np.float32))
        return out.numpy(), sinusoidal_positional_encoding(10, 4).numpy()

    out, table = run(add)
    assert_array(out, table[None, :6], dtype="float32", what="zeros + pe[:6]")


run_tests(test_positional_embedding_adds_rows_and_trains_them, test_sinusoidal_layer_adds_the_table)
### BEGIN HIDDEN TESTS
def test_positional_layers_state_and_limits(run):
    def state():
        fixed = SinusoidalPositionalEncoding(16, 4)
        learned = PositionalEmbedding(16, 4)
        return (list(fixed.state_dict()), [n for n, _ in fixed.named_parameters()],
                list(learned.state_dict()), fixed(Tensor(np.zeros((3, 4)))).shape)

    fixed_keys, fixed_params, learned_keys, unbatched = run(state)
    assert fixed_keys == [] and fixed_params == [], (
        "the sinusoidal table is a non-persistent buffer: no parameters, not in state_dict")
    assert learned_keys == ["weight"], (
        f"the learned table is the Parameter 'weight', got state_dict keys {learned_keys}")
    assert unbatched == (3, 4), "an unbatched (seq_len, d) input works too"
    def too_long_learned():
        return PositionalEmbedding(4, 2)(Tensor(np.zeros((1, 5, 2))))

    def too_long_fixed():
        return SinusoidalPositionalEncoding(4, 2)(Tensor(np.zeros((5, 2))))

    with pytest.raises(ValueError, match="max_len"):
        run(too_long_learned)
    with pytest.raises(ValueError, match="max_len"):
        run(too_long_fixed)


run_tests(test_positional_layers_state_and_limits)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: characters to vectors, trained
#
# A character-level "bigram" language model is an `Embedding` and a `Linear`: each
# character's vector predicts the next character. Train it with module 07's `Adam` on a
# sentence, and watch which rows of the table receive gradient in one step.

# %%
text = "the quick brown fox jumps over the lazy dog. " * 8
vocab = sorted(set(text))
ids = np.array([vocab.index(c) for c in text], dtype=np.int64)
x_ids, y_ids = ids[:-1], ids[1:]

manual_seed(0)
emb = Embedding(len(vocab), 16)
head = Linear(16, len(vocab))
optimizer = Adam(list(emb.parameters()) + list(head.parameters()), lr=0.05)
loss_fn = CrossEntropyLoss()
for step in range(101):
    optimizer.zero_grad()
    loss = loss_fn(head(emb(x_ids)), Tensor(y_ids))
    loss.backward()
    optimizer.step()
    if step % 25 == 0:
        print(f"step {step:3d}: loss {loss.item():.3f}")
print(f"uniform guessing would be ln({len(vocab)}) = {np.log(len(vocab)):.3f}")

emb.zero_grad()
loss_fn(head(emb(np.array([vocab.index(c) for c in "fox"]))), Tensor([14, 23, 0])).backward()
touched = [vocab[v] for v in np.flatnonzero(np.abs(emb.weight.grad.numpy()).sum(axis=1))]
print("rows with gradient after looking up 'fox':", touched)

# %% [markdown]
# Only the rows of the characters looked up receive gradient: the backward of your
# `EmbeddingFunction` is sparse in content, even though it returns a dense table. With
# `Adam` every row still *moves* at each step once it has moments (Adam updates rows whose
# current gradient is zero using their old moments), which is why large-vocabulary models
# sometimes use sparse optimizers (`torch.optim.SparseAdam`).

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 The memory of the table
#
# An embedding table costs `vocab × d` parameters. Compare the sizes of real vocabularies
# with your own `Embedding`, and the memory of training them with Adam (weights, gradient
# and two moments: 4 copies):

# %%
for name, vocab_size, d in (("char-level", 65, 128), ("BERT-base", 30522, 768),
                            ("GPT-2 small", 50257, 768), ("LLaMA-2 7B", 32000, 4096),
                            ("LLaMA-3 8B", 128256, 4096)):
    params = vocab_size * d
    print(f"{name:>12}: {vocab_size:>7,} × {d:>4} = {params / 1e6:8.2f} M parameters, "
          f"{params * 4 / 2**20:8.1f} MiB float32, {params * 16 / 2**30:6.2f} GiB with Adam")
layer = Embedding(50257, 64)
print(f"\nyour Embedding(50257, 64).weight: {layer.weight.memory_footprint() / 2**20:.1f} MiB "
      f"(= 50257 × 64 × 4 bytes)")

# %% [markdown]
# ### 5.2 Loops against vectorized, and the cost of a dense gradient
#
# Time your loop gather and scatter against the vectorized `Function`, then the backward
# pass as the vocabulary grows with the batch fixed (a batch of 8 × 64 tokens, d = 64):

# %%
from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls

rng = np.random.default_rng(0)
table = Tensor(rng.standard_normal((1000, 64)), dtype=np.float32)
batch_ids = rng.integers(0, 1000, (8, 64))
g_out = rng.standard_normal((8, 64, 64)).astype(np.float32)
t_gather_loops = time_call(embedding_loops, table, batch_ids, repeat=3)
t_gather = time_call(embedding, batch_ids, table)
t_scatter_loops = time_call(embedding_backward_loops, g_out, batch_ids, 1000, repeat=3)
t_scatter = time_call(EmbeddingFunction.backward,
                      type("Ctx", (), {"saved_tensors": (batch_ids,), "num_embeddings": 1000,
                                       "padding_idx": None})(), g_out)
print(f"gather : loops {t_gather_loops * 1e3:7.2f} ms, vectorized {t_gather * 1e3:6.3f} ms")
print(f"scatter: loops {t_scatter_loops * 1e3:7.2f} ms, np.add.at  {t_scatter * 1e3:6.3f} ms")

print(f"\n{'vocab':>8} {'gradient MiB':>13} {'backward ms':>12} {'rows used':>10}")
for vocab_size in (1_000, 10_000, 50_000, 200_000):
    big = Embedding(vocab_size, 64, generator=rng)
    tokens = rng.integers(0, vocab_size, (8, 64))

    def step(big=big, tokens=tokens):
        big.weight.grad = None
        big(tokens).sum().backward()

    seconds = time_call(step, repeat=3)
    print(f"{vocab_size:>8,} {vocab_size * 64 * 4 / 2**20:13.1f} {seconds * 1e3:12.2f}"
          f" {len(np.unique(tokens)):>10}")

# %% [markdown]
# The batch touches at most 512 rows, yet the backward time grows with the vocabulary: it
# allocates and zeroes a `(vocab, d)` gradient, and the optimizer then reads all of it. That
# is the dense-gradient cost. PyTorch's `nn.Embedding(..., sparse=True)` returns a sparse
# gradient instead (the used row indices and their values: `512 × d` numbers), which
# `torch.optim.SparseAdam` or `SGD` apply to those rows only. Large recommendation models,
# whose tables have 10⁸ rows, depend on that; language models with 50–128 k tokens usually
# keep dense gradients because the GPU's bandwidth makes them cheap.
#
# ### 5.3 Learned or sinusoidal positions
#
# Compare the two encodings: parameters, and what each says about positions it never saw.

# %%
learned = PositionalEmbedding(1024, 768)
fixed = SinusoidalPositionalEncoding(1024, 768)
print(f"learned   : {learned.weight.numel():,} parameters, "
      f"{learned.weight.memory_footprint() / 2**20:.1f} MiB (×4 with Adam)")
print(f"sinusoidal: 0 parameters, buffer {fixed.pe.memory_footprint() / 2**20:.1f} MiB, "
      f"state_dict keys {list(fixed.state_dict())}")
pe = sinusoidal_positional_encoding(2048, 64).numpy()
similarity = pe @ pe[100] / (np.linalg.norm(pe, axis=1) * np.linalg.norm(pe[100]))
print("cosine similarity of position 100 with positions 100, 101, 110, 200, 1500:",
      np.round(similarity[[100, 101, 110, 200, 1500]], 3))
try:
    learned(Tensor(np.zeros((1, 1025, 768))))
except ValueError as error:
    print("learned table at length 1025:", error)

# %% [markdown]
# The sinusoidal table exists for every position (even beyond the training length, though
# a model has never learned what to do with those), costs no parameters, and its
# similarity falls off with distance: nearby positions look alike. The learned one costs
# `max_len × d` parameters and stops at `max_len`, but it fits whatever the data needs;
# GPT-2 and BERT chose it. Modern models mostly use rotary embeddings (RoPE), the
# sinusoidal rotation applied to queries and keys inside attention.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, using the numbers from
# *your* notebook. Each is worth 10 points.

# %% [markdown] locked="q-table-memory"
# **Question 1: the memory of a vocab × d table.** Use section 5.1.
#
# 1. How many parameters and MiB is GPT-2 small's token table (50257 × 768), and how much
#    memory does training it with Adam take? What fraction of GPT-2 small's 124 M
#    parameters is it?
# 2. LLaMA-3 grew the vocabulary from 32 k to 128 k tokens. What does that cost in the
#    table, and in the output layer that predicts the next token (same shape when not tied)?
#    What does a larger vocabulary buy in exchange (think of module 10's tokens per text)?
# 3. Name two ways production systems reduce this memory.

# %% [markdown] manual="systems-table-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - 50257 × 768 = 38.6 M parameters, 147 MiB in float32 (their printed line and their
#   `memory_footprint()`), ~589 MiB with weights, gradient and two Adam moments; about 31%
#   of 124 M parameters (GPT-2 ties the output layer to this table, so it is counted once).
# - 128256 × 4096 = 525 M parameters (2.0 GiB float32) vs 131 M for 32 k: +394 M in the
#   input table and as many again in an untied output head (LLaMA-3 does not tie), plus
#   the output layer's compute: 2 · V · d FLOPs per token and a (tokens × V) logits tensor.
#   In exchange: fewer tokens per text (module 10: larger vocabularies compress better),
#   so shorter sequences, cheaper attention and more text per context window; better
#   multilingual coverage.
# - Weight tying (input table = output projection), lower precision (bf16, int8/int4
#   tables), sharding the table across devices (vocab-parallel embedding in Megatron),
#   factorized embeddings (ALBERT: V × 128 then 128 × d), hashing tricks, sparse updates.
#
# 7–8: correct numbers and one reduction technique, weaker on the vocabulary trade-off.
# 5–6: "big vocabularies use memory" with few numbers. 3–4: counts wrong (bits vs bytes,
# forgets the optimizer state). 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-sparse-gradient"
# **Question 2: sparse against dense gradients.** Use section 5.2 and section 4.
#
# 1. How did your backward time change as the vocabulary grew from 1 000 to 200 000 rows,
#    with the number of tokens fixed? Explain it from your `EmbeddingFunction.backward`.
# 2. How many rows did a batch actually touch? Estimate the bytes of a sparse gradient
#    (row indices + values) against the dense one at 200 000 rows.
# 3. Why did `grad[ids] += g` give a wrong answer in section 2.2, and what would that bug
#    do to training? Why does section 4 say Adam still moves unused rows, and what does
#    that mean for a sparse-gradient design?

# %% [markdown] manual="systems-sparse-gradient" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - Quotes their table: time grows roughly linearly with vocab (from well under a ms to
#   tens of ms) although the tokens are fixed: `np.zeros((num_embeddings, d))` allocates
#   and zeroes vocab × d × 4 bytes (48.8 MiB at 200 k × 64), `np.add.at` touches only
#   512 rows; then the optimizer reads and writes the whole table too.
# - At most 512 (fewer with repeats: their "rows used" column) of 200 000: sparse is
#   ~512 × (64 × 4 + 8) ≈ 135 kB vs 48.8 MiB dense, ~380× less. PyTorch: `sparse=True`
#   gives a COO gradient; `SparseAdam`/`SGD` apply it; recommendation systems with 10⁸-row
#   tables (DLRM) rely on it, often with tables sharded across machines.
# - `grad[ids] += g` is buffered: for a repeated index, each write reads the original row,
#   so only one contribution survives; a frequent token (spaces, "the") would get far too
#   small a gradient, silently, and learn slowly; the loops and `np.add.at` are unbuffered.
#   Adam: an unused row has zero gradient but non-zero moments, so m/√v still moves it
#   (and weight decay shrinks it); a sparse design must either accept lazy updates
#   (SparseAdam updates only the rows seen, a different algorithm) or touch every row.
#
# 7–8: correct explanation of the scaling and the repeated-index bug, without the byte
# estimate or the optimizer point. 5–6: "sparse is smaller" without their numbers. 3–4:
# claims the backward cost depends only on the tokens, or misses the bug. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-positions"
# **Question 3: learned against sinusoidal positions.** Use section 5.3.
#
# 1. How many parameters and bytes does each encoding cost for max_len = 1024, d = 768, and
#    what does each save in a checkpoint (your `state_dict`s)?
# 2. What happens to each at position 1025? Use the error your layer raised and the
#    similarities you printed. Why does the sinusoidal table not solve long contexts by
#    itself?
# 3. GPT-2 chose learned positions, the original transformer sinusoidal ones, and most
#    recent LLMs rotary ones (RoPE). Argue one reason for each choice.

# %% [markdown] manual="systems-positions" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - Learned: 1024 × 768 = 786 k parameters, 3 MiB (12 MiB with Adam), in the state_dict as
#   "weight". Sinusoidal: 0 parameters; the 3 MiB buffer is non-persistent, so the
#   checkpoint holds nothing (it is recomputed from the formula on load).
# - Learned: no row exists: their `ValueError` (GPT-2 cannot read past 1024 tokens without
#   new, untrained rows). Sinusoidal: the formula gives a vector for any position and the
#   similarity decays smoothly with distance, so nearby positions stay alike; but the
#   model was trained only on positions < max_len, so attention patterns for unseen
#   combinations of phases are out of distribution: extrapolation in practice degrades
#   (ALiBi, RoPE scaling / NTK and position interpolation exist for that); attention's
#   O(n²) cost and the KV cache also limit long contexts.
# - Learned: fits what the data needs, trivial to implement, cheap at 1024 positions.
#   Sinusoidal: no parameters, defined everywhere, relative offsets are linear maps
#   (rotations), as the paper argues; it performed as well as learned. RoPE: encodes
#   relative position directly in the query·key product (the dot product depends on the
#   offset only), no parameters, works with the KV cache, and extends to longer contexts
#   with scaling.
#
# 7–8: correct costs and the max_len failure, thinner on extrapolation or the design
# reasons. 5–6: generic "learned is more flexible". 3–4: thinks sinusoidal is learned or
# that the buffer is a parameter. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.text.embeddings`:
#
# - `embedding_loops` and `embedding_backward_loops`: the gather and the scatter-add as
#   explicit loops, the reference for the fast versions.
# - `EmbeddingFunction` (the autograd node of `torch.nn.functional.embedding`): fancy
#   indexing forward, `np.add.at` backward, no gradient to `padding_idx`; `embedding`, the
#   functional form, with PyTorch's checks.
# - `Embedding` (`torch.nn.Embedding`): N(0, 1) initialization, `padding_idx` (negative
#   too), `from_pretrained`.
# - `sinusoidal_positional_encoding`, `SinusoidalPositionalEncoding` (a non-persistent
#   buffer) and the learned `PositionalEmbedding`.
#
# Checklist:
#
# - [ ] Every test cell prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 ran, and you read your own numbers.
# - [ ] The three questions are answered with those numbers (30 points).
# - [ ] Export: `tito module export embeddings`.
#
# **Next: module 12, attention.** Your embeddings plus positions are the sequence of
# vectors that `scaled_dot_product_attention` mixes, and `MultiHeadAttention` learns how.
