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
# # Module 01 · Tensor
#
# By the end of this module you will have built `Tensor`, the n-dimensional array that every
# other TinyTorch module computes with. It is `torch.Tensor` in miniature: created with
# PyTorch's dtype rules, broadcasting arithmetic, a matrix multiply written first as three
# loops and then vectorized, reductions along axes, zero-copy views, and a way to count
# the bytes it costs. It already carries the hook that module 06 uses to add gradients.
#
# | | |
# |---|---|
# | **Prerequisites** | module 00 `setup` (your environment works; you know build, test, export) |
# | **Time** | about 3 to 4 hours |
# | **Your code lands in** | `tinytorch.core.tensor`: `from tinytorch.core.tensor import Tensor` |
# | **Next** | module 02 `activations` writes ReLU, Sigmoid, Tanh, GELU and Softmax with it |
#
# Module 02 uses almost everything here: comparisons for ReLU's mask, `exp` for sigmoid and
# softmax, `max(axis, keepdims=True)` and broadcasting subtraction to make softmax
# numerically stable, and `sum(axis, keepdims=True)` to normalize.
#
# **Contents.** 1 Why tensors exist · 2 Concepts: shapes, broadcasting, matmul, reductions,
# views, dtypes · 3 Build the Tensor, piece by piece · 4 Use it: a linear layer on real data
# · 5 Systems analysis · 6 ML systems thinking · 7 Summary and checklist

# %% locked="tensor-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why tensors exist
#
# A batch of 32 RGB images of 224×224 pixels is 32 × 3 × 224 × 224 = 4,816,896 numbers.
# A network reads every one of them, many times, in every training step. Two things decide
# whether that is fast: **how the numbers sit in memory** and **who runs the loop**.
#
# A Python list of floats is a list of pointers to separate float objects, each with its own
# header, scattered over the heap; `sum(values)` runs one bytecode at a time. A NumPy
# `ndarray` is one contiguous buffer of raw numbers (4 bytes each for float32) plus a little
# metadata: `shape`, `dtype` and `strides`. Its operations are compiled loops over that
# buffer. Measure the difference:

# %%
import sys
import time

values = [float(i) for i in range(1_000_000)]
array = np.arange(1_000_000, dtype=np.float32)

list_bytes = sys.getsizeof(values) + sum(sys.getsizeof(v) for v in values)
print(f"1M floats as a Python list : {list_bytes / 1e6:6.1f} MB (pointers + float objects)")
print(f"1M floats as float32 array : {array.nbytes / 1e6:6.1f} MB")

start = time.perf_counter()
sum(values)
list_time = time.perf_counter() - start
start = time.perf_counter()
array.sum()
array_time = time.perf_counter() - start
print(f"sum: list {list_time * 1e3:.2f} ms, array {array_time * 1e3:.2f} ms "
      f"({list_time / array_time:.0f}x faster)")

# %% [markdown]
# That is the whole idea of a tensor: numbers in one typed, contiguous block, and operations
# that run as compiled loops over it. PyTorch's `torch.Tensor` is the same thing (a storage
# plus shape, strides, dtype and a device, CPU or GPU) with automatic differentiation on
# top. Our `Tensor` wraps a NumPy array: NumPy provides the storage and the compiled loops,
# we provide PyTorch's interface and, from module 06, gradients. You will meet
# `torch.Tensor` in every PyTorch program you read.
#
# ### Memory layout and strides
#
# Memory is one-dimensional, so a 2×3 matrix is stored row after row ("row-major", C order):
# `[[0, 1, 2], [3, 4, 5]]` sits in memory as `0 1 2 3 4 5`. The **strides** say how many
# bytes to step to move one index along each dim: for float32 that is `(12, 4)`, 12 bytes to
# the next row, 4 to the next column. A transpose does not move any data: it swaps the
# strides. The result is a different *view* of the same bytes, no longer **contiguous**
# (its rows are not consecutive in memory).

# %%
m = np.arange(6, dtype=np.float32).reshape(2, 3)
print("m.strides   =", m.strides, " contiguous:", m.flags["C_CONTIGUOUS"])
print("m.T.strides =", m.T.strides, " contiguous:", m.T.flags["C_CONTIGUOUS"])
print("m.T shares m's memory:", np.shares_memory(m, m.T))

# %% [markdown]
# Contiguity matters for speed. The CPU fetches memory in 64-byte cache lines; walking a
# contiguous array uses every byte of every line it fetches, while walking against the
# strides jumps across lines. Copying a matrix reads it in memory order; copying its
# transpose must gather each output row from a column of the input:

# %%
big = np.ones((2000, 2000), dtype=np.float32)


from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


contiguous = time_call(np.copy, big)
strided = time_call(np.ascontiguousarray, big.T)
print(f"copy 2000x2000 in memory order: {contiguous * 1e3:.2f} ms")
print(f"copy its transpose            : {strided * 1e3:.2f} ms ({strided / contiguous:.1f}x)")

# %% [markdown]
# ### The dtype is a cost
#
# Every element costs `itemsize` bytes: 8 for float64, 4 for float32, 2 for float16, 1 for
# int8. Memory, and the time to move data through it, scale with that number. NumPy's
# default float is float64; PyTorch's is float32, because deep learning rarely needs the
# extra precision and gains twice the numbers per byte. Our `Tensor` follows PyTorch.
# Section 5 measures what that buys.

# %%
for dtype in (np.float64, np.float32, np.float16, np.int8):
    print(f"{np.dtype(dtype).name:>8}: {np.dtype(dtype).itemsize} bytes per element")

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Shapes
#
# A tensor's **shape** lists the length of each dim; **ndim** is how many dims there are;
# **numel** is how many elements, the product of the shape. Deep learning uses a few
# conventions you will see all course long:
#
# | data | shape |
# |---|---|
# | one number (a loss) | `()`: 0 dims, 1 element (the product of no numbers is 1) |
# | a batch of feature vectors | `(batch, features)` |
# | a batch of images | `(batch, channels, height, width)` |
# | a batch of token embeddings | `(batch, sequence, d_model)` |
#
# ### 2.2 Broadcasting
#
# Adding a bias vector to every row of a matrix should not need a loop or a copy of the
# bias. **Broadcasting** is the rule that lets arrays of different shapes combine
# elementwise:
#
# 1. Line the shapes up **from the right**; pad the shorter one with 1s on the left.
# 2. Each pair of dims must be **equal, or one of them must be 1**. Otherwise it is an error.
# 3. The result takes the larger of each pair; a dim of length 1 is reused along it.
#
# Worked examples:
#
# ```
#   (4, 3) + (3,)         ->  (4, 3) + (1, 3)        ->  (4, 3)     bias on every row
#   (3, 1) + (1, 4)       ->                              (3, 4)     an "outer" sum
#   (2, 1, 3) * (4, 1)    ->  (2, 1, 3) * (1, 4, 1)  ->  (2, 4, 3)
#   (2, 3) + (2,)         ->  (2, 3) + (1, 2)        ->  error: 3 vs 2
# ```
#
# The reuse costs no memory: NumPy gives a broadcast dim a stride of 0, so the same element
# is read again and again. The *output*, though, is full size.

# %%
print(np.broadcast_shapes((4, 3), (3,)))
print(np.broadcast_shapes((3, 1), (1, 4)))
print(np.broadcast_shapes((2, 1, 3), (4, 1)))
try:
    np.broadcast_shapes((2, 3), (2,))
except ValueError as error:
    print("ValueError:", error)

bias = np.array([10.0, 20.0, 30.0], dtype=np.float32)
stretched = np.broadcast_to(bias, (4, 3))
print("bias strides:", bias.strides, " broadcast to (4, 3):", stretched.strides)

# %% [markdown]
# ### 2.3 Matrix multiplication
#
# `C = A @ B` with `A` of shape `(m, k)` and `B` of shape `(k, n)` gives `C` of shape
# `(m, n)`:
#
# $$C_{ij} = \sum_{p=0}^{k-1} A_{ip}\, B_{pj}$$
#
# The **inner dims must match** (`k`), the outer ones (`m`, `n`) form the result. Each of
# the `m·n` outputs takes `k` multiplies and `k` adds, so a matmul costs **2·m·n·k
# floating-point operations (FLOPs)**. Worked example:
#
# ```
# [[1, 2],   @  [[5, 6],   =  [[1·5 + 2·7, 1·6 + 2·8],   =  [[19, 22],
#  [3, 4]]       [7, 8]]        [3·5 + 4·7, 3·6 + 4·8]]       [43, 50]]
# ```
#
# A layer taking a batch of 32 MNIST images (784 pixels) to 128 features is
# `(32, 784) @ (784, 128)`: 2 · 32 · 128 · 784 ≈ 6.4 MFLOPs. `np.matmul` (and
# `torch.matmul`) also handle 1-D operands (a vector is treated as a row on the left or a
# column on the right, and that dim is dropped from the result) and batches: `(b, m, k) @
# (b, k, n) -> (b, m, n)`, where the batch dims in front broadcast like in 2.2.
#
# ### 2.4 Reductions along axes
#
# `sum`, `mean` and `max` collapse one or more axes. For a `(2, 3)` tensor, `axis=0`
# reduces down the rows (one result per column, shape `(3,)`), `axis=1` along each row
# (shape `(2,)`), and no axis reduces everything to a 0-d tensor. `keepdims=True` keeps a
# reduced axis with length 1, so the result broadcasts back against the input: that is how
# you center each row, `x - x.mean(axis=1, keepdims=True)`.

# %%
x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("sum(axis=0)              ", x.sum(axis=0))
print("sum(axis=1)              ", x.sum(axis=1))
print("sum(axis=1, keepdims)    ", x.sum(axis=1, keepdims=True).shape)
print("x - mean(axis=1, keepdims)\n", x - x.mean(axis=1, keepdims=True))

# %% [markdown]
# ### 2.5 Views and copies
#
# Some operations only change the metadata (shape and strides) and return a **view** of the
# same memory: `reshape` of a contiguous array, `transpose`, basic slicing like `x[0]` or
# `x[:, 1:]`. They cost no bytes and take the same time for any size. Others must produce
# new data and **copy**: arithmetic, fancy indexing with an array of indices or a mask,
# `reshape` of a non-contiguous array. A view is cheap, but writing through it changes the
# original. PyTorch follows the same rules (`Tensor.view`, `reshape`, `transpose`,
# `contiguous()`).

# %%
base = np.zeros((1000, 1000), dtype=np.float32)
print("reshape is a view     :", np.shares_memory(base, base.reshape(-1)))
print("slice is a view       :", np.shares_memory(base, base[:, 1:]))
print("fancy index is a copy :", np.shares_memory(base, base[[0, 1]]))
view_time = time_call(base.reshape, -1)
copy_time = time_call(np.copy, base)
print(f"view {view_time * 1e6:.1f} µs vs copy {copy_time * 1e6:.1f} µs of 4 MB")

# %% [markdown]
# ### 2.6 Dtypes and promotion
#
# When two dtypes meet, the result's dtype follows **promotion** rules. NumPy 2 treats a
# Python number as "weak": it adapts to the array, so a float32 array times `2.5` stays
# float32. A NumPy float64 scalar or a float64 array is not weak and promotes the result to
# float64. Where NumPy and PyTorch differ is when an int or bool input needs a float
# result: dividing integers, a mean, an exponential. NumPy picks float64 (and, for the
# smallest int types, sometimes float16); PyTorch turns the ints into its default float,
# float32, and computes in that. Our `Tensor` follows NumPy's promotion, with PyTorch's
# rule for those int-to-float cases.

# %%
a32 = np.ones(3, dtype=np.float32)
print("float32 * 2.5             ->", (a32 * 2.5).dtype)
print("float32 * np.float64(2.5) ->", (a32 * np.float64(2.5)).dtype)
print("float32 * float64 array   ->", (a32 * np.ones(3)).dtype)
print("int64 / int64 (NumPy)     ->", (np.array([1, 2]) / np.array([2, 2])).dtype)
print("exp of int8 (NumPy)       ->", np.exp(np.array([1, 2], dtype=np.int8)).dtype)

# %% [markdown]
# ## 3. Build the Tensor
#
# ### 3.0 The plan
#
# You build `Tensor` one piece at a time: each piece is an exercise cell holding a method or
# two, followed by a test cell that checks just that piece. Replace the
# `raise NotImplementedError` stubs in the exercise cell with your code, run the cell, then
# run its tests. Work in order: later pieces create tensors, so they need piece 1.
#
# The first exercise cell defines `class Tensor`. Every later one starts with
# `@extends(Tensor)` above a small helper class: `extends` (from `tito.notebook`) copies the
# helper's methods onto `Tensor`, so the class grows cell by cell. When you export, `tito`
# writes all the pieces into one plain `class Tensor` in `tinytorch/core/tensor.py`, without
# the helper classes and without the TODO, APPROACH, EXAMPLE and HINTS of the docstrings.
# Running the first exercise cell again makes a new, empty `Tensor` class: then run the
# later exercise cells again too (Run → Run All Above, from the cell you are working on).
#
# | section | you write | points |
# |---|---|---|
# | 3.1 creation | `__init__`'s dtype rules; `size`, `numel`; `item`, `memory_footprint` | 10 |
# | 3.2 arithmetic | `+ - * / **`, each with its reflected form | 15 |
# | 3.3 comparisons | `_compare` (for `== != < <= > >=`), `__neg__` | 5 |
# | 3.4 loop matmul | `matmul_loops` | 5 |
# | 3.5 matmul | `matmul` | 10 |
# | 3.6 reductions | `sum`, `mean`; `max` | 10 |
# | 3.7 views | `reshape`, `transpose`; `__getitem__` | 10 |
# | 3.8 elementwise math | `exp`, `log` | 5 |
#
# Each section names the PyTorch functions its piece matches.
#
# **What is given.** The plumbing is written for you, outside the solution regions, so each
# exercise is the NumPy math and nothing else:
#
# - `self._operand(other, op)` turns the other operand into a NumPy value you compute with
#   (a Tensor gives its array; a Python or NumPy number stays as it is) and raises a
#   `ValueError` naming both shapes when they cannot broadcast. It returns `NotImplemented`
#   for types a Tensor cannot combine with, so that Python raises the usual `TypeError`.
# - `self.from_op(data, op, inputs, **saved)` wraps your NumPy result in a new Tensor and,
#   when gradients are being tracked, records how it was made (section 3.9).
# - Shape, dtype and range checks with error messages that say what is wrong and how to fix
#   it.
# - `shape`, `ndim`, `dtype`, `numpy()`, `len()`, `repr()`, `detach()`, `backward()`.
#
# First the package's imports, the record that module 06 will use for gradients, the
# default random generator and the checks. Run these cells; they are complete.

# %% locked="tensor-package-imports"
#| export
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

# %% locked="tensor-grad-record"
#| export
@dataclass(eq=False)
class GradFn:
    """How a tensor was computed: the op, its input tensors and what its backward needs.

    PyTorch keeps the same record in `tensor.grad_fn` (e.g. `<MulBackward0>`). Module 06
    walks these records from the loss back to the leaves to compute gradients, and frees
    what they saved once it has used it. `op` is a built-in op's name, or the
    `tinytorch.core.autograd.Function` subclass that made the tensor. `saved` holds only
    what is not already among `inputs`. `eq=False`: a record equals only itself.
    """

    op: "str | type"  # "add", "matmul", "sum", ..., or a Function subclass
    inputs: "tuple[Tensor, ...]"  # the input tensors, in operand order
    saved: dict = field(default_factory=dict)  # e.g. {"axis": 1, "keepdims": False}


_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether ops on tensors that require grad record a GradFn (torch.is_grad_enabled)."""
    return _grad_enabled


def set_grad_enabled(mode: bool) -> bool:
    """Turn graph recording on or off and return the previous mode (torch.set_grad_enabled).

    Module 06 builds `no_grad()` on this: evaluation needs no graph.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, bool(mode)
    return previous


# %% locked="tensor-random"
#| export
_default_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator that random inits and dropout use by default (torch.manual_seed).

    Every random thing in tinytorch also takes its own `numpy.random.Generator`; this one
    is used when none is given. Returns the reseeded generator.
    """
    global _default_generator
    _default_generator = np.random.default_rng(seed)
    return _default_generator


def default_generator() -> np.random.Generator:
    """The generator used when no `generator` is passed (torch.default_generator)."""
    return _default_generator


# %% locked="tensor-checks"
#| export
_NUMERIC_KINDS = "biuf"  # NumPy dtype kinds a Tensor holds: bool, int, unsigned int, float
_KIND_NAMES = {
    "c": "complex numbers",
    "U": "text",
    "S": "bytes",
    "O": "Python objects (mixed types, Tensors inside a list, or ints beyond 64 bits)",
    "M": "dates",
    "m": "time spans",
    "V": "raw records",
}

_Operand: TypeAlias = "Tensor | np.ndarray | np.generic | float"


def _as_array(data: object) -> np.ndarray:
    """`data` as a NumPy array (not copied yet), or a clear error for what a Tensor can't hold."""
    try:
        array = np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(
            "Tensor(): nested lists must be rectangular, every row the same length; "
            f"NumPy says: {error}"
        ) from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        what = _KIND_NAMES.get(array.dtype.kind, f"dtype {array.dtype}")
        raise TypeError(
            f"Tensor() got {type(data).__name__} data holding {what}. A Tensor holds "
            "bool, int or float numbers: pass a Python or NumPy number, nested lists or "
            "tuples of numbers, a NumPy array or a Tensor"
        )
    return array


def _has_float_dtype(value: object) -> bool:
    """True if `value` is a NumPy array or NumPy number with a floating point dtype.

    A Python float is not: NumPy 2 treats it as weak, so it does not choose the precision.
    """
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "f"


def _as_float(value: object) -> object:
    """`value` with an int or bool dtype turned into float32, PyTorch's default float.

    Float arrays and NumPy floats come back unchanged, and so do Python numbers (weak:
    they adapt to the other operand).
    """
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biu":
        return value.astype(np.float32)
    return value


def _check_broadcast(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Raise a ValueError naming both shapes if shapes `a` and `b` cannot broadcast."""
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
            raise ValueError(
                f"{op}: shapes {a} and {b} cannot be broadcast: dim {-i} is {a[-i]} in one "
                f"and {b[-i]} in the other. Broadcasting lines shapes up from the right; "
                "each pair of dims must be equal, or one of them must be 1"
            )


def _check_matmul(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Raise a ValueError naming both shapes if a matmul of shapes `a` and `b` is undefined."""
    if len(a) == 0 or len(b) == 0:
        raise ValueError(
            f"matmul: shapes {a} and {b}: both operands need at least 1 dim, got a 0-d "
            "tensor; to scale by a number use *"
        )
    inner, where = (b[-2], "second-to-last dim") if len(b) >= 2 else (b[0], "length")
    if a[-1] != inner:
        raise ValueError(
            f"matmul: shapes {a} and {b} do not align: the last dim of the first "
            f"({a[-1]}) must equal the {where} of the second ({inner})"
        )
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: shapes {a} and {b}: the batch dims {a[:-2]} and {b[:-2]} (all but "
            "the last two) cannot be broadcast: each pair must be equal, or one of them 1"
        ) from None


def _dims_message(shape: tuple[int, ...]) -> str:
    """Which dims a tensor of this shape has, for error messages."""
    if not shape:
        return "a 0-d tensor has no dims"
    return f"a tensor of shape {shape} has dims {-len(shape)} to {len(shape) - 1}"


def _reshape_target(args: tuple, numel: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape asked for by reshape(*args), checked against `numel` elements."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if not all(isinstance(d, (int, np.integer)) for d in args):
        raise TypeError(f"reshape: dims must be ints, got {args}")
    requested = tuple(int(d) for d in args)
    if requested.count(-1) > 1 or any(d < -1 for d in requested):
        raise ValueError(
            f"reshape: shape {requested} is invalid: dims must be >= 0, with at most one -1 "
            "(the dim to infer)"
        )
    known = int(np.prod([d for d in requested if d != -1]))
    fits = known == numel if -1 not in requested else known > 0 and numel % known == 0
    if not fits:
        raise ValueError(
            f"reshape: cannot reshape a tensor of {numel} elements (shape {shape}) into "
            f"shape {requested}: the dims must multiply to {numel}"
        )
    return requested


def _numpy_index(index: object) -> object:
    """An index NumPy understands: Tensors inside it are replaced by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_numpy_index(i) for i in index)
    return index


def _constant(value: object, dtype: np.dtype) -> "Tensor":
    """A non-Tensor operand as a GradFn input: a constant Tensor that never requires grad."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor(value)
    return Tensor(value, dtype=dtype)  # a Python number takes the result's dtype


# %% [markdown]
# ### 3.1 Piece 1: creation and properties
#
# `Tensor(data)` is `torch.tensor(data)`: it **copies** the data, so the tensor never
# changes behind your back when the original list or array does. Then it picks a dtype:
#
# - an explicit `dtype=` always wins;
# - a NumPy array or NumPy number keeps its dtype (you chose it already);
# - Python data gets PyTorch's defaults, not NumPy's: floats become **float32** (NumPy says
#   float64), ints int64, bools bool. An empty list `[]` counts as floats: float32.
#
# The given code rejects what a tensor cannot hold (text, objects, complex numbers) with a
# `TypeError`, ragged lists like `[[1, 2], [3]]` with a `ValueError`, and
# `requires_grad=True` on an integer tensor with a `TypeError`, as PyTorch does (gradients
# are about small changes, and integers cannot change a little).
#
# The first cell is the class itself: its docstring, `__init__`, the given properties
# `shape`, `ndim`, `dtype` and `requires_grad`, and `numpy()`, `len()`, `bool()` and
# `repr()`. You write `__init__`'s dtype rule.
#
# **Common mistakes:** `np.asarray` instead of a copy; forcing everything to float32 (a
# float64 array must stay float64).

# %% solution="tensor-init"
#| export
class Tensor:
    """An n-dimensional array of numbers with PyTorch's interface (torch.Tensor).

    A Tensor owns a NumPy array (`.data`) and records, when gradients are being tracked,
    the op that produced it (`.grad_fn`), so that module 06 can compute gradients.
    """

    # Tensor's own operators win over NumPy's: np.float32(2) * t and array + t call
    # Tensor.__rmul__ / __radd__ instead of turning t into an array of objects.
    __array_ufunc__ = None
    # == is elementwise (it returns a Tensor), so hashing must not use it: hash by identity,
    # like torch.Tensor, so tensors can be dict keys and set members.
    __hash__ = object.__hash__

    def __init__(
        self,
        data: "Tensor | npt.ArrayLike",
        dtype: npt.DTypeLike | None = None,
        requires_grad: bool = False,
    ) -> None:
        """Create a tensor holding a copy of `data` (torch.tensor).

        `data`: a Tensor, a NumPy array, nested lists or tuples, a Python or NumPy number.
        `dtype`: anything np.dtype accepts (np.float32, "int64", ...); None picks a default.
        `requires_grad`: track gradients for this tensor (floating point dtypes only).

        TODO: set `array` to the tensor's own copy of the data, with the right dtype.

        APPROACH:
        1. `array` already holds the data as NumPy sees it (not copied). If `dtype` is None
           and `data` came from Python (it is not a NumPy array or NumPy number; a Tensor
           arrives here as its array), choose PyTorch's default instead of NumPy's:
           floats become float32 and ints become int64; bools stay bool.
        2. Copy: `np.array(array, dtype=dtype)` (dtype=None keeps the current dtype).

        EXAMPLE:
        >>> Tensor([1.0, 2.0]).dtype                 # NumPy alone would pick float64
        dtype('float32')
        >>> Tensor(np.zeros(3)).dtype                # a NumPy array keeps its dtype
        dtype('float64')
        >>> Tensor([1, 2], dtype=np.float32).dtype   # an explicit dtype wins
        dtype('float32')

        HINTS:
        - `array.dtype.kind` is "f" for floats, "i" for signed ints, "b" for bool.
        - `np.array` copies, `np.asarray` does not. The tensor must not change when
          someone later writes into the list or array it was made from.
        """
        if isinstance(data, Tensor):
            data = data.data
        array = _as_array(data)
        if dtype is not None and np.dtype(dtype).kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"Tensor(): dtype {np.dtype(dtype)} is not supported; use a bool, int or "
                "float dtype such as np.float32"
            )
        ### BEGIN SOLUTION
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            dtype = {"f": np.float32, "i": np.int64}.get(array.dtype.kind)
        array = np.array(array, dtype=dtype)
        ### END SOLUTION
        self.data: np.ndarray = array
        self.grad: Tensor | None = None
        self.grad_fn: GradFn | None = None
        self._retains_grad = False
        self.requires_grad = requires_grad  # the property below checks the dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """The length of each dim (torch.Tensor.shape)."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dims (torch.Tensor.ndim)."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype (torch.Tensor.dtype)."""
        return self.data.dtype

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor (torch.Tensor.requires_grad)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.dtype.kind != "f":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}: "
                "create it with dtype=np.float32"
            )
        self._requires_grad = bool(value)

    def numpy(self) -> np.ndarray:
        """The underlying NumPy array, not a copy (torch.Tensor.numpy)."""
        return self.data

    def __len__(self) -> int:
        """The length of the first dim (len(torch.Tensor))."""
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self) -> bool:
        """The truth value of a one-element tensor; ambiguous for more, as in PyTorch."""
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "compare elementwise and reduce, e.g. bool((a == b).numpy().all())"
            )
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, dtype={self.dtype}{grad})"


# %% test="tensor-init-tests" points=4
def test_tensor_from_nested_list(run):
    def from_nested_list():
        t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        return type(t).__name__, type(t.data).__name__, t.shape, t.ndim, str(t.dtype), t.numpy()

    kind, data_kind, shape, ndim, dtype, values = run(from_nested_list)
    assert kind == "Tensor", f"Tensor(...) should build a Tensor, got {kind}"
    assert data_kind == "ndarray", f"t.data should be a NumPy array, got {data_kind}"
    assert shape == (2, 3), f"shape should be (2, 3), got {shape}"
    assert ndim == 2, f"ndim should be 2, got {ndim}"
    assert dtype == "float32", f"Python floats should become float32, got {dtype}"
    assert_array(values, [[1, 2, 3], [4, 5, 6]], what="t.numpy() (the values on the way in)")


def test_default_and_explicit_dtypes(run):
    def dtypes():
        ints = Tensor([1, 2, 3])
        bools = Tensor([True, False])
        float64_array = Tensor(np.array([1.0, 2.0]))
        explicit = Tensor([1, 2], dtype=np.float32)
        converted = Tensor([1.0, 2.0], dtype="int64")
        made = (ints, bools, float64_array, explicit, converted)
        return [str(t.dtype) for t in made], converted.numpy()

    (ints, bools, float64_array, explicit, converted), values = run(dtypes)
    assert ints == "int64", f"Python ints should become int64, got {ints}"
    assert bools == "bool", f"Python bools should stay bool, got {bools}"
    assert float64_array == "float64", (
        f"a NumPy array keeps its dtype: a float64 array must stay float64, got {float64_array}"
    )
    assert explicit == "float32", f"an explicit dtype wins, got {explicit}"
    assert converted == "int64", f"dtype='int64' should give int64, got {converted}"
    assert_array(values, [1, 2], dtype="int64", what="Tensor([1.0, 2.0], dtype='int64')")


def test_bad_data_is_rejected(run):
    def requires_grad_of_float_tensor():
        return Tensor([1.0], requires_grad=True).requires_grad

    def int_tensor_requiring_grad():
        return Tensor([1, 2], requires_grad=True).shape

    def text_tensor():
        return Tensor(["a", "b"]).shape

    def ragged_tensor():
        return Tensor([[1, 2], [3]]).shape

    assert run(requires_grad_of_float_tensor) is True, "requires_grad=True should stick"
    with pytest.raises(TypeError, match="floating point"):
        run(int_tensor_requiring_grad)
    with pytest.raises(TypeError, match="text"):
        run(text_tensor)
    with pytest.raises(ValueError, match="rectangular"):
        run(ragged_tensor)


run_tests(test_tensor_from_nested_list, test_default_and_explicit_dtypes, test_bad_data_is_rejected)
### BEGIN HIDDEN TESTS
def test_tensor_owns_a_copy_of_its_data(run):
    def copies():
        source = np.array([1.0, 2.0, 3.0])
        t = Tensor(source)
        source[0] = 100.0
        u = Tensor(t)
        u.numpy()[1] = -1.0
        c = Tensor(np.arange(3), dtype=np.float32)
        return float(t.numpy()[0]), float(t.numpy()[1]), str(u.dtype), str(c.dtype)

    first, second, copy_dtype, explicit_dtype = run(copies)
    assert first == 1.0, "Tensor(array) must copy: writing to the array changed it"
    assert second == 2.0, "Tensor(tensor) must copy: writing to the copy changed it"
    assert copy_dtype == "float64", f"Tensor(tensor) keeps the dtype, got {copy_dtype}"
    assert explicit_dtype == "float32", (
        f"an explicit dtype wins over an array's, got {explicit_dtype}"
    )


run_tests(test_tensor_owns_a_copy_of_its_data)
### END HIDDEN TESTS

# %% [markdown]
# #### `size` and `numel`
#
# `size(dim)` is PyTorch's name for the shape (`size(1)` is the length of dim 1), and
# `numel()` the number of elements. PyTorch: `Tensor.size`, `Tensor.numel`.
#
# **Common mistake:** `numel()` of a 0-d tensor is 1, not 0.

# %% solution="tensor-size"
#| export
@extends(Tensor)
class TensorSize:
    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of one dim (torch.Tensor.size).

        TODO: return the whole shape when `dim` is None, else the length of dim `dim`.
        APPROACH: `self.shape` is a tuple; index it.
        EXAMPLE: for a (2, 3) tensor, size() -> (2, 3), size(1) -> 3, size(-1) -> 3.
        HINTS: negative dims count from the end, like negative tuple indices.
        """
        if dim is not None and not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size(): dim {dim} is out of range: {_dims_message(self.shape)}")
        ### BEGIN SOLUTION
        return self.shape if dim is None else self.shape[dim]
        ### END SOLUTION

    def numel(self) -> int:
        """The number of elements, the product of the shape (torch.Tensor.numel).

        TODO: return the product of the dims as a Python int.
        APPROACH: multiply the entries of `self.shape`.
        EXAMPLE: shape (2, 3, 4) -> 24; shape () -> 1; shape (0, 3) -> 0.
        HINTS: `np.prod(())` is 1.0, a float: wrap it in int().
        """
        ### BEGIN SOLUTION
        return int(np.prod(self.shape))
        ### END SOLUTION


# %% test="tensor-size-tests" points=3
def test_size_numel_len(run):
    def sizes():
        t = Tensor(np.zeros((2, 3, 4)))
        return t.size(), t.size(1), t.numel(), len(t)

    size, size_1, numel, length = run(sizes)
    assert size == (2, 3, 4), f"size() should be the shape (2, 3, 4), got {size}"
    assert size_1 == 3, f"size(1) should be 3, got {size_1}"
    assert numel == 24, f"numel() of shape (2, 3, 4) should be 24, got {numel}"
    assert type(numel) is int, f"numel() should be a Python int, got {type(numel).__name__}"
    assert length == 2, f"len() should be the first dim, 2, got {length}"


run_tests(test_size_numel_len)
### BEGIN HIDDEN TESTS
def test_size_negative_dims(run):
    def sizes():
        t = Tensor(np.zeros((2, 3, 4), dtype=np.int8))
        return t.size(0), t.size(-1), t.size(-3)

    first, last, minus_three = run(sizes)
    assert first == 2, f"size(0) is the first dim's length, 2, got {first}"
    assert last == 4 and minus_three == 2, "negative dims count from the end"

    def size_of_dim_3_of_a_3d_tensor():
        return Tensor(np.zeros((2, 3, 4), dtype=np.int8)).size(3)

    def len_of_a_0d_tensor():
        return len(Tensor(1.0))

    with pytest.raises(IndexError):
        run(size_of_dim_3_of_a_3d_tensor)
    with pytest.raises(TypeError):
        run(len_of_a_0d_tensor)


run_tests(test_size_negative_dims)
### END HIDDEN TESTS

# %% [markdown]
# #### `item` and `memory_footprint`
#
# `item()` gives a Python number from a one-element tensor: you will call it on every loss
# you print. `memory_footprint()` is the bytes the elements take, numel × itemsize. PyTorch:
# `Tensor.item`, and `t.nbytes` or `t.numel() * t.element_size()`.
#
# **Common mistakes:** `item()` must return a Python number, not `np.float32`;
# `memory_footprint()` assuming 4 bytes.

# %% solution="tensor-item"
#| export
@extends(Tensor)
class TensorItem:
    def item(self) -> bool | int | float:
        """The value of a one-element tensor as a Python number (torch.Tensor.item).

        TODO: return the single element as a Python bool, int or float.
        APPROACH: NumPy arrays have an `.item()` method that does exactly this.
        EXAMPLE: Tensor([[2.5]]).item() -> 2.5 (a Python float, not np.float32).
        HINTS: the check above already rejects tensors with more than one element.
        """
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with exactly one element, got shape {self.shape} "
                f"({self.data.size} elements); index or reduce it first, e.g. t.sum().item()"
            )
        ### BEGIN SOLUTION
        return self.data.item()
        ### END SOLUTION

    def memory_footprint(self) -> int:
        """Bytes taken by the elements (torch: t.nbytes, or t.numel() * t.element_size()).

        TODO: return the number of bytes the tensor's elements occupy.
        APPROACH: elements times bytes per element.
        EXAMPLE: a (1000, 1000) float32 tensor -> 4_000_000; the same in int8 -> 1_000_000.
        HINTS: `self.dtype.itemsize` is the bytes per element. The result must equal
        `self.data.nbytes`; compute it yourself to see where the number comes from.
        """
        ### BEGIN SOLUTION
        return self.numel() * self.dtype.itemsize
        ### END SOLUTION


# %% test="tensor-item-tests" points=3
def test_item_and_memory_footprint(run):
    def item_and_bytes():
        return Tensor(3.5).item(), Tensor(np.zeros((2, 3)), dtype=np.float32).memory_footprint()

    value, nbytes = run(item_and_bytes)
    assert value == 3.5 and type(value) is float, (
        f"Tensor(3.5).item() should be the Python float 3.5, got {value!r} "
        f"({type(value).__name__})"
    )
    assert nbytes == 24, f"2 x 3 float32 elements take 24 bytes, got {nbytes}"


run_tests(test_item_and_memory_footprint)
### BEGIN HIDDEN TESTS
def test_scalars_empty_and_mixed_data(run):
    def zero_d():
        s = Tensor(2.5)
        return s.shape, str(s.dtype), s.numel(), s.size(), Tensor(7).item()

    shape, dtype, numel, size, seven = run(zero_d)
    assert shape == () and dtype == "float32", (
        f"Tensor(2.5) should be 0-d float32, got shape {shape}, dtype {dtype}"
    )
    assert numel == 1, f"a 0-d tensor has 1 element, numel() gave {numel}"
    assert size == (), f"size() of a 0-d tensor is (), got {size}"
    assert seven == 7 and type(seven) is int, f"Tensor(7).item() should be the int 7, got {seven!r}"

    def dtypes_of_numpy_numbers_and_mixed_lists():
        return (str(Tensor(np.float64(1.5)).dtype), str(Tensor(np.int8(3)).dtype),
                str(Tensor([1, 2.5]).dtype), Tensor(((1, 2), (3, 4))).shape)

    float64_number, int8_number, mixed, from_tuples = run(dtypes_of_numpy_numbers_and_mixed_lists)
    assert float64_number == "float64", "a NumPy float64 number keeps float64"
    assert int8_number == "int8", "a NumPy int8 number keeps int8"
    assert mixed == "float32", "a list mixing ints and floats gives float32"
    assert from_tuples == (2, 2), "nested tuples work like nested lists"

    def empty():
        e = Tensor([])
        return e.shape, str(e.dtype), e.numel(), e.memory_footprint()

    shape, dtype, numel, nbytes = run(empty)
    assert shape == (0,) and dtype == "float32", (
        f"Tensor([]) should be shape (0,) float32 (like torch.tensor([])), got {shape} {dtype}"
    )
    assert numel == 0 and nbytes == 0, "an empty tensor has 0 elements, 0 bytes"


def test_bytes_per_dtype(run):
    def nbytes():
        half = Tensor(np.zeros((7, 5), dtype=np.float16))
        return {
            "int8": Tensor(np.zeros((2, 3, 4), dtype=np.int8)).memory_footprint(),
            "float64": Tensor(np.zeros(3)).memory_footprint(),
            "bool": Tensor([True] * 5).memory_footprint(),
            "float16": half.memory_footprint(),
            "float16 nbytes": half.numpy().nbytes,
        }

    got = run(nbytes)
    assert got["int8"] == 24, f"24 int8 elements take 24 bytes, got {got['int8']}"
    assert got["float64"] == 24, "3 float64 elements take 24 bytes"
    assert got["bool"] == 5, "a bool takes 1 byte"
    assert got["float16"] == got["float16 nbytes"] == 70, "35 float16 elements: 70 bytes"

    def item_of_two_elements():
        return Tensor([1.0, 2.0]).item()

    with pytest.raises(ValueError, match="exactly one"):
        run(item_of_two_elements)


run_tests(test_scalars_empty_and_mixed_data, test_bytes_per_dtype)
### END HIDDEN TESTS

# %% [markdown]
# #### Given: what every op uses
#
# The next cell is complete: run it. It adds the plumbing listed in section 3.0:
# `_operand`, `from_op` and `_wrap` (how an op makes its result), `detach()`, and the
# gradient helpers `is_leaf`, `requires_grad_()`, `retain_grad()` and `backward()` that
# module 06 brings to life (section 3.9).

# %% locked="tensor-plumbing"
#| export
@extends(Tensor)
class TensorPlumbing:
    def detach(self) -> "Tensor":
        """A new tensor sharing this one's data, outside the graph (torch.Tensor.detach)."""
        return Tensor._wrap(self.data)

    @classmethod
    def _wrap(cls, array: np.ndarray | np.generic) -> "Tensor":
        """A Tensor around `array` itself: no copy and no dtype rules (results of ops)."""
        tensor = object.__new__(cls)
        tensor.data = np.asarray(array)  # NumPy reductions return scalars; keep an ndarray
        tensor.grad = None
        tensor.grad_fn = None
        tensor._retains_grad = False
        tensor._requires_grad = False
        return tensor

    @staticmethod
    def from_op(data: np.ndarray | np.generic, op: "str | type", inputs: tuple,
                **saved) -> "Tensor":
        """Wrap the result `data` of op `op` on `inputs`, recording a GradFn if tracked.

        Every op with a gradient, here and in later modules, makes its result this way.
        The result is a plain Tensor whatever the inputs' class (an op on a module 03
        Parameter gives a Tensor, as in PyTorch). It requires grad when recording is on
        (is_grad_enabled()) and any input requires grad. Non-Tensor inputs (Python or NumPy
        numbers, arrays) are recorded as constant Tensors; a Python number takes the
        result's dtype. `saved` holds what the backward rule needs beyond the inputs (an
        axis, an index).
        """
        out = Tensor._wrap(data)
        if is_grad_enabled() and any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
            out.requires_grad = True
            out.grad_fn = GradFn(op, tuple(_constant(x, out.dtype) for x in inputs), saved)
        return out

    def _operand(self, other: object, op: str) -> np.ndarray | np.generic | float:
        """The NumPy value to compute `op` with, or NotImplemented for unsupported types.

        A Tensor gives its array; NumPy arrays and Python or NumPy numbers are returned as
        they are: a Python number must stay a Python number so that NumPy 2 treats it as
        weak (float32 * 2.5 stays float32). Raises a ValueError if the shapes can't
        broadcast.
        """
        if isinstance(other, Tensor):
            value = other.data
        elif isinstance(other, (int, float)) or (
            isinstance(other, (np.ndarray, np.generic)) and other.dtype.kind in _NUMERIC_KINDS
        ):
            value = other
        else:
            return NotImplemented
        _check_broadcast(op, self.shape, np.shape(value))
        return value

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op made: gradients accumulate here (torch.is_leaf)."""
        return self.grad_fn is None

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set `requires_grad` in place and return self (torch.Tensor.requires_grad_)."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (torch.Tensor.retain_grad)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether backward keeps this non-leaf tensor's `.grad` (torch.Tensor.retains_grad)."""
        return self._retains_grad and not self.is_leaf

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool = False) -> None:
        """Compute the gradient of this tensor w.r.t. the leaves (torch.Tensor.backward).

        The work is done by module 06 (`tinytorch.core.autograd.backward`), which walks the
        GradFn records. Until you have built it, this raises a RuntimeError saying so.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        try:
            import tinytorch.core.autograd as autograd
        except ModuleNotFoundError as error:
            if error.name not in ("tinytorch", "tinytorch.core", "tinytorch.core.autograd"):
                raise
            raise RuntimeError(
                "Tensor.backward() needs module 06 'autograd': complete it and run "
                "`tito module export autograd`"
            ) from None
        autograd.backward(self, gradient, retain_graph=retain_graph)


# %% [markdown]
# ### 3.2 Piece 2: arithmetic with broadcasting
#
# Ten short methods: `+ - * / **` and their **reflected** forms. Python evaluates `t + 2` as
# `t.__add__(2)`, but `2 + t` as `int.__add__(2, t)`, which returns `NotImplemented`, so
# Python then tries `t.__radd__(2)`. For `-`, `/` and `**` the order matters: `__rsub__`
# computes `2 - t`, not `t - 2`.
#
# Each method gets `b` from `_operand` and computes `data` with NumPy, which broadcasts.
# Three rules to keep:
#
# - **Keep Python numbers as Python numbers.** `float32 * 2.5` must stay float32. NumPy 2
#   only treats the number as weak if it is still a Python number; `np.array(2.5)` is a
#   float64 array and would promote the result. (Section 2.6 printed these rules.)
# - **Integer division gives float32.** `Tensor([1, 2]) / 2` and `Tensor([1, 2]) / 2.5`
#   are float32, as in PyTorch, not NumPy's float64: when neither operand has a float dtype,
#   turn them into float32 first (`_as_float`). When either has one (a float tensor, array
#   or NumPy float), NumPy's promotion stands.
# - **Shape errors are caught for you.** `_operand` raises a `ValueError` naming both
#   shapes before NumPy's less helpful message.
#
# PyTorch: `torch.add`, `torch.sub`, `torch.mul`, `torch.div`, `torch.pow`, and the same
# operators on `torch.Tensor`.
#
# One cell per operator: each holds the operator and its reflected form, followed by its
# tests.

# %% solution="tensor-add"
#| export
@extends(Tensor)
class TensorAdd:
    def __add__(self, other: _Operand) -> "Tensor":
        """self + other, elementwise with broadcasting (torch.add).

        TODO: set `data` to the sum of this tensor's array and `b`.

        APPROACH: `b` is already a NumPy value (the other tensor's array, or the Python or
        NumPy number as given) and the shapes are checked. NumPy's `+` broadcasts.

        EXAMPLE:
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]) + Tensor([10.0, 20.0])
        Tensor([[11., 22.],
                [13., 24.]], dtype=float32)

        HINTS: don't wrap `b` in np.array(): a Python number must stay a Python number so
        that float32 + 1 stays float32, and int8 + 1 stays int8.
        """
        b = self._operand(other, "add")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = self.data + b
        ### END SOLUTION
        return self.from_op(data, "add", (self, other))

    def __radd__(self, other: _Operand) -> "Tensor":
        """other + self, when the left operand is a number or array (2 + t).

        Python calls `t.__radd__(2)` after `int.__add__(2, t)` gives up. The inputs are
        recorded in operand order: (other, self).

        TODO: set `data` to `b` plus this tensor's array.
        APPROACH: like __add__, with the operands in the order they were written.
        EXAMPLE: 1 + Tensor([1.0, 2.0]) -> Tensor([2., 3.], dtype=float32)
        HINTS: `b` is on the left now.
        """
        b = self._operand(other, "add")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = b + self.data
        ### END SOLUTION
        return self.from_op(data, "add", (other, self))


# %% test="tensor-add-tests" points=3
def test_add(run):
    def sums():
        a, b, t = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0, 6.0]), Tensor([1.0, 2.0, 4.0])
        m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        results = {"a + b": a + b, "1 + t": 1 + t, "m + row": m + Tensor([10.0, 20.0, 30.0])}
        return {name: (type(out).__name__, out.numpy()) for name, out in results.items()}

    expected = {"a + b": [5.0, 7.0, 9.0], "1 + t": [2.0, 3.0, 5.0],
                "m + row": [[11, 22, 33], [14, 25, 36]]}
    for name, (kind, values) in run(sums).items():
        assert kind == "Tensor", f"{name} should return a Tensor, got {kind}"
        assert_array(values, expected[name], dtype="float32", what=f"{name} of float32")


def test_incompatible_shapes_raise(run):
    def add_ones(shape_a, shape_b):
        return (Tensor(np.ones(shape_a)) + Tensor(np.ones(shape_b))).shape

    shape = run(add_ones, (2, 3), (1, 3))
    assert shape == (2, 3), f"(2, 3) + (1, 3) should broadcast to (2, 3), got {shape}"
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        run(add_ones, (2, 3), (2,))


run_tests(test_add, test_incompatible_shapes_raise)

# %% [markdown]
# #### `-`: `__sub__` and `__rsub__` (`torch.sub`)
#
# `2 - t` is `t.__rsub__(2)`: compute `2 - t`, not `t - 2`.

# %% solution="tensor-sub"
#| export
@extends(Tensor)
class TensorSub:
    def __sub__(self, other: _Operand) -> "Tensor":
        """self - other, elementwise with broadcasting (torch.sub).

        TODO: set `data` to this tensor's array minus `b`.
        APPROACH: as in __add__.
        EXAMPLE: Tensor([5.0, 7.0]) - 2 -> Tensor([3., 5.], dtype=float32)
        HINTS: order matters: 10 - t is __rsub__, below.
        """
        b = self._operand(other, "sub")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = self.data - b
        ### END SOLUTION
        return self.from_op(data, "sub", (self, other))

    def __rsub__(self, other: _Operand) -> "Tensor":
        """other - self (10 - t).

        TODO: set `data` to `b` minus this tensor's array.
        APPROACH: as in __radd__.
        EXAMPLE: 10 - Tensor([1.0, 2.0]) -> Tensor([9., 8.], dtype=float32)
        HINTS: the number is on the left, so it comes first.
        """
        b = self._operand(other, "sub")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = b - self.data
        ### END SOLUTION
        return self.from_op(data, "sub", (other, self))


# %% test="tensor-sub-tests" points=3
def test_sub(run):
    def differences():
        a, b, t = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0, 6.0]), Tensor([1.0, 2.0, 4.0])
        return [(type(out).__name__, out.numpy()) for out in (a - b, 10 - t)]

    (kind, a_minus_b), (reflected_kind, ten_minus_t) = run(differences)
    assert kind == reflected_kind == "Tensor", f"- should give Tensors, got {kind}"
    assert_array(a_minus_b, [-3.0, -3.0, -3.0], dtype="float32", what="a - b")
    assert_array(ten_minus_t, [9.0, 8.0, 6.0], what="10 - t (__rsub__: 10 - t, not t - 10)")


run_tests(test_sub)

# %% [markdown]
# #### `*`: `__mul__` and `__rmul__` (`torch.mul`)
#
# `t * 2.5` must stay float32: keep the Python number a Python number.

# %% solution="tensor-mul"
#| export
@extends(Tensor)
class TensorMul:
    def __mul__(self, other: _Operand) -> "Tensor":
        """self * other, elementwise with broadcasting (torch.mul); not a matrix multiply.

        TODO: set `data` to the elementwise product of this tensor's array and `b`.
        APPROACH: as in __add__.
        EXAMPLE: Tensor([1.0, 2.0]) * Tensor([3.0, 4.0]) -> Tensor([3., 8.], dtype=float32)
        HINTS: NumPy's `*` is elementwise; `@` is the matrix product (piece 5).
        """
        b = self._operand(other, "mul")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = self.data * b
        ### END SOLUTION
        return self.from_op(data, "mul", (self, other))

    def __rmul__(self, other: _Operand) -> "Tensor":
        """other * self (2 * t, np.float32(2) * t).

        TODO: set `data` to `b` times this tensor's array.
        APPROACH: as in __radd__.
        EXAMPLE: 2 * Tensor([1.0, 2.0]) -> Tensor([2., 4.], dtype=float32)
        HINTS: `__array_ufunc__ = None` above is why NumPy numbers and arrays end up here.
        """
        b = self._operand(other, "mul")
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        data = b * self.data
        ### END SOLUTION
        return self.from_op(data, "mul", (other, self))


# %% test="tensor-mul-tests" points=3
def test_mul(run):
    def products():
        a, b, t = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0, 6.0]), Tensor([1.0, 2.0, 4.0])
        m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        return [(type(out).__name__, out.numpy()) for out in (a * b, 2 * t, m * 2.5)]

    (kind, a_times_b), (reflected_kind, two_t), (_, scaled) = run(products)
    assert kind == reflected_kind == "Tensor", f"* should give Tensors, got {kind}"
    assert_array(a_times_b, [4.0, 10.0, 18.0], dtype="float32", what="a * b")
    assert_array(two_t, [2.0, 4.0, 8.0], what="2 * t (__rmul__)")
    assert_array(scaled, [[2.5, 5, 7.5], [10, 12.5, 15]], dtype="float32",
                 what="m * 2.5 (float32 times a Python float stays float32)")


run_tests(test_mul)
### BEGIN HIDDEN TESTS
def test_broadcasting_shapes_the_visible_tests_skip(run):
    def broadcasts(a, b):
        col = Tensor([[1.0], [2.0], [3.0]])
        row = Tensor([[10.0, 20.0, 30.0, 40.0]])
        return {
            "(3, 1) * (1, 4)": (col * row).numpy(),
            "(2, 1, 3) - (4, 1)": (Tensor(a) - Tensor(b)).numpy(),
            "0-d + (3,)": (Tensor(5.0) + Tensor([1.0, 2.0, 3.0])).numpy(),
            "(0, 3) * (3,)": (Tensor(np.zeros((0, 3))) * Tensor([1.0, 2.0, 3.0])).numpy(),
        }

    a = np.arange(6.0).reshape(2, 1, 3)
    b = np.arange(4.0).reshape(4, 1)
    expected = {
        "(3, 1) * (1, 4)": np.outer([1, 2, 3], [10, 20, 30, 40]),
        "(2, 1, 3) - (4, 1)": a - b,
        "0-d + (3,)": [6.0, 7.0, 8.0],
        "(0, 3) * (3,)": np.zeros((0, 3)),
    }
    results = run(broadcasts, a, b)
    for name, values in expected.items():
        assert_array(results[name], values, what=name)

    def multiply_ones(shape_a, shape_b):
        return (Tensor(np.ones(shape_a)) * Tensor(np.ones(shape_b))).shape

    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2, 4\)"):
        run(multiply_ones, (3, 1), (2, 4))


run_tests(test_broadcasting_shapes_the_visible_tests_skip)
### END HIDDEN TESTS

# %% [markdown]
# #### `/`: `__truediv__` and `__rtruediv__` (`torch.div`)
#
# Integer by integer gives float32, as in PyTorch (`_as_float`).

# %% solution="tensor-div"
#| export
@extends(Tensor)
class TensorDiv:
    def __truediv__(self, other: _Operand) -> "Tensor":
        """self / other, elementwise true division with broadcasting (torch.div).

        TODO: set `data` to this tensor's array divided by `b`, computed in float32 when
        neither operand has a float dtype.

        APPROACH:
        1. If either `self.data` or `b` has a float dtype (ask `_has_float_dtype`), divide
           with NumPy's `/` and keep NumPy's promotion.
        2. Otherwise (ints, bools, and Python numbers, which are weak), do what PyTorch
           does: turn the operands into float32 with `_as_float`, then divide. NumPy
           alone would give float64.

        EXAMPLE:
        >>> Tensor([1, 2]) / Tensor([2, 4])          # int64 / int64
        Tensor([0.5, 0.5], dtype=float32)
        >>> Tensor([1, 2]) / 2.5                     # an int tensor and a Python float
        Tensor([0.4, 0.8], dtype=float32)

        HINTS: `_as_float` leaves Python numbers alone, so NumPy still treats them as weak.
        Dividing by zero gives inf or nan, as in PyTorch; the `np.errstate` around your
        code stops NumPy from warning about it.
        """
        b = self._operand(other, "div")
        if b is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):  # 1 / 0 = inf and 0 / 0 = nan, quietly
            ### BEGIN SOLUTION
            if _has_float_dtype(self.data) or _has_float_dtype(b):
                data = self.data / b
            else:
                data = _as_float(self.data) / _as_float(b)
            ### END SOLUTION
        return self.from_op(data, "div", (self, other))

    def __rtruediv__(self, other: _Operand) -> "Tensor":
        """other / self (1 / t).

        TODO: as __truediv__, with `b` as the numerator.
        APPROACH: the same two cases; the float32 rule looks at both operands.
        EXAMPLE: 1 / Tensor([2, 4]) -> Tensor([0.5 , 0.25], dtype=float32)
        HINTS: `b / self.data`.
        """
        b = self._operand(other, "div")
        if b is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):
            ### BEGIN SOLUTION
            if _has_float_dtype(b) or _has_float_dtype(self.data):
                data = b / self.data
            else:
                data = _as_float(b) / _as_float(self.data)
            ### END SOLUTION
        return self.from_op(data, "div", (other, self))


# %% test="tensor-div-tests" points=3
def test_div(run):
    def quotients():
        a, b, t = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0, 6.0]), Tensor([1.0, 2.0, 4.0])
        return [(type(out).__name__, out.numpy()) for out in (b / a, 8 / t)]

    (kind, b_over_a), (reflected_kind, eight_over_t) = run(quotients)
    assert kind == reflected_kind == "Tensor", f"/ should give Tensors, got {kind}"
    assert_array(b_over_a, [4.0, 2.5, 2.0], dtype="float32", what="b / a")
    assert_array(eight_over_t, [8.0, 4.0, 2.0], what="8 / t (__rtruediv__: 8 / t)")


def test_integer_division_gives_float32(run):
    def integer_divisions():
        return (Tensor([1, 2, 3]) / Tensor([2, 2, 2])).numpy(), (Tensor([3, 4]) / 2).numpy()

    quotient, halves = run(integer_divisions)
    assert_array(quotient, [0.5, 1.0, 1.5], dtype="float32", what="int64 / int64, [1, 2, 3] / 2,")
    assert_array(halves, [1.5, 2.0], dtype="float32", what="int tensor / 2, [3, 4] / 2,")


run_tests(test_div, test_integer_division_gives_float32)
### BEGIN HIDDEN TESTS
def test_division_edge_cases(run):
    def divisions():
        with np.errstate(all="raise"):  # division by zero must give inf / nan quietly
            by_zero = Tensor([1.0, -1.0, 0.0]) / 0.0
        return {
            "float32 / 0.0": by_zero.numpy(),
            "bool / bool": (Tensor([True, False]) / Tensor([True, True])).numpy(),
            "3 / int tensor": (3 / Tensor([2, 4])).numpy(),
            "int tensor / 2.5": (Tensor([1, 2]) / 2.5).numpy(),
            "float64 / int64": str((Tensor(np.array([1.0])) / Tensor([2, 4])).dtype),
            "int64 / float64": str((Tensor([1, 2]) / Tensor(np.array([2.0, 4.0]))).dtype),
            "float32 / int64": str((Tensor([1.0, 3.0]) / Tensor([2, 4])).dtype),
        }

    got = run(divisions)
    assert_array(got["float32 / 0.0"], [np.inf, -np.inf, np.nan], dtype="float32",
                 what="[1.0, -1.0, 0.0] / 0.0 (float32 / 0.0 stays float32)")
    assert_array(got["bool / bool"], [1.0, 0.0], dtype="float32", what="bool / bool")
    assert_array(got["3 / int tensor"], [1.5, 0.75], dtype="float32", what="3 / [2, 4]")
    assert_array(got["int tensor / 2.5"], [0.4, 0.8], dtype="float32", what="[1, 2] / 2.5")
    assert got["float64 / int64"] == "float64", (
        f"float64 / int64 keeps NumPy's float64, got {got['float64 / int64']}"
    )
    assert got["int64 / float64"] == "float64", (
        "int64 / float64 keeps NumPy's float64 (only int / int becomes float32), "
        f"got {got['int64 / float64']}"
    )
    assert got["float32 / int64"] == "float64", (
        "float32 / int64 follows NumPy's promotion, float64 (like float32 + int64), "
        f"got {got['float32 / int64']}"
    )


run_tests(test_division_edge_cases)
### END HIDDEN TESTS

# %% [markdown]
# #### `**`: `__pow__` and `__rpow__` (`torch.pow`)
#
# `2 ** t` is `t.__rpow__(2)`: the tensor is the exponent.

# %% solution="tensor-pow"
#| export
@extends(Tensor)
class TensorPow:
    def __pow__(self, other: _Operand) -> "Tensor":
        """self ** other, elementwise with broadcasting (torch.pow).

        TODO: set `data` to this tensor's array raised to the power `b`.
        APPROACH: as in __add__, with NumPy's `**`.
        EXAMPLE: Tensor([1.0, 2.0, 3.0]) ** 2 -> Tensor([1., 4., 9.], dtype=float32)
        HINTS: module 06 finds the exponent among the inputs: d(x**n)/dx = n * x**(n-1).
        """
        b = self._operand(other, "pow")
        if b is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):  # 0 ** -1 = inf and (-1) ** 0.5 = nan, quietly
            ### BEGIN SOLUTION
            data = self.data**b
            ### END SOLUTION
        return self.from_op(data, "pow", (self, other))

    def __rpow__(self, other: _Operand) -> "Tensor":
        """other ** self (2 ** t).

        TODO: set `data` to `b` raised to the powers in this tensor's array.
        APPROACH: as in __radd__.
        EXAMPLE: 2 ** Tensor([1.0, 3.0]) -> Tensor([2., 8.], dtype=float32)
        HINTS: the base comes first.
        """
        b = self._operand(other, "pow")
        if b is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):
            ### BEGIN SOLUTION
            data = b**self.data
            ### END SOLUTION
        return self.from_op(data, "pow", (other, self))


# %% test="tensor-pow-tests" points=3
def test_pow(run):
    def powers():
        a, t = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 2.0, 4.0])
        return [(type(out).__name__, out.numpy()) for out in (a**2, 2**t)]

    (kind, squares), (reflected_kind, two_to_t) = run(powers)
    assert kind == reflected_kind == "Tensor", f"** should give Tensors, got {kind}"
    assert_array(squares, [1.0, 4.0, 9.0], dtype="float32", what="a ** 2")
    assert_array(two_to_t, [2.0, 4.0, 16.0], what="2 ** t (__rpow__: t is the exponent)")


run_tests(test_pow)
### BEGIN HIDDEN TESTS
def test_dtype_promotion_rules(run):
    def result_dtypes():
        f32 = Tensor([1.0, 2.0])
        int8 = Tensor([1, 2], dtype=np.int8)
        results = {
            "float32 + 1": f32 + 1,
            "float32 - np.float32(1)": f32 - np.float32(1),
            "float32 ** 2": f32**2,
            "2 ** float32": 2**f32,
            "float32 * float64 tensor": f32 * Tensor(np.array([2.0])),
            "float32 * 2": f32 * 2,
            "int64 * 3": Tensor([1, 2]) * 3,
            "int8 * 2": int8 * 2,
            "int8 + 1": int8 + 1,
            "1 - int8": 1 - int8,
            "np.float32(2) * float32": np.float32(2) * f32,
            "float64 array + float32": np.ones(2) + f32,
        }
        return {name: (type(out).__name__, str(out.dtype)) for name, out in results.items()}

    expected = {
        "float32 + 1": "float32",
        "float32 - np.float32(1)": "float32",
        "float32 ** 2": "float32",
        "2 ** float32": "float32",
        "float32 * float64 tensor": "float64",
        "float32 * 2": "float32",
        "int64 * 3": "int64",
        "int8 * 2": "int8",
        "int8 + 1": "int8",
        "1 - int8": "int8",
        "np.float32(2) * float32": "float32",
        "float64 array + float32": "float64",
    }
    results = run(result_dtypes)
    for name, dtype in expected.items():
        kind, actual = results[name]
        assert kind == "Tensor", f"{name} should return a Tensor, got {kind}"
        assert actual == dtype, (
            f"{name} should be {dtype}, got {actual}: keep Python numbers as Python numbers "
            "(don't wrap them in arrays) so NumPy treats them as weak"
        )


def test_arithmetic_records_the_graph(run):
    def records_3x_minus_1():
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = 3 * x - 1
        return y.requires_grad and y.grad_fn is not None

    assert run(records_3x_minus_1) is True, "ops on x (requires_grad) must record"

    def graph_of_3x_minus_1():
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = 3 * x - 1
        product, one = y.grad_fn.inputs
        return {
            "op": y.grad_fn.op,
            "3 * x": product.grad_fn.op == "mul" and product.grad_fn.inputs[1] is x,
            "constant": (isinstance(one, Tensor) and one.shape == ()
                         and not one.requires_grad),
            "exponent": (x**2).grad_fn.inputs[1].item(),
            "div": (x / Tensor([2.0, 2.0])).grad_fn.op,
        }

    graph = run(graph_of_3x_minus_1)
    assert graph["op"] == "sub", f"the last op was sub, got {graph['op']!r}"
    assert graph["3 * x"] is True, "3 * x should record op 'mul' with inputs (3, x)"
    assert graph["constant"] is True, "a Python number is recorded as a constant 0-d Tensor"
    assert graph["exponent"] == 2, "pow records its exponent as its second input"
    assert graph["div"] == "div", "true division records op 'div'"

    def untracked_sum():
        out = Tensor([1.0]) + 1
        return out.requires_grad, out.grad_fn is None

    requires_grad, no_record = run(untracked_sum)
    assert not requires_grad and no_record, "no input requires grad: no record"


run_tests(test_dtype_promotion_rules, test_arithmetic_records_the_graph)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: comparisons and negation
#
# `a < b` on tensors compares elementwise and returns a **bool tensor**, a mask, not a
# single `True` or `False`: it selects elements, as `x[x > 0]` does. Comparisons are
# step functions, flat almost everywhere, so they carry no gradient: `_compare` returns its
# result outside the graph. The six operators are written for you and all call `_compare`
# with their NumPy function; you write `_compare` and `__neg__`.
#
# Because `==` is elementwise, never write `assert a == b` with tensors: it asks Python for
# the truth value of a whole mask. Compare arrays with `np.testing` (the tests do), or
# reduce: `(a == b).numpy().all()`.
#
# PyTorch: `torch.eq`, `ne`, `lt`, `le`, `gt`, `ge`, `torch.neg`.

# %% solution="tensor-compare"
#| export
@extends(Tensor)
class TensorCompare:
    def _compare(self, other: _Operand, op: str, compare: np.ufunc) -> "Tensor":
        """Elementwise comparison with broadcasting: a bool tensor that is never in the graph.

        TODO: return a Tensor holding `compare(self.data, b)`, outside the graph.

        APPROACH: `compare` is a NumPy function such as np.less; it broadcasts and returns
        a bool array. A comparison has no gradient (it is a step function), so do not
        record it: wrap the result with `Tensor._wrap(...)`, not `self.from_op(...)`.

        EXAMPLE:
        >>> Tensor([1.0, 2.0, 3.0]) < 2
        Tensor([ True, False, False], dtype=bool)

        HINTS: the six operators below all call this with their NumPy function.
        """
        b = self._operand(other, op)
        if b is NotImplemented:
            return NotImplemented
        ### BEGIN SOLUTION
        return Tensor._wrap(compare(self.data, b))
        ### END SOLUTION

    def __eq__(self, other: _Operand) -> "Tensor":  # type: ignore[override]
        """self == other, elementwise (torch.eq): a bool Tensor, not a bool."""
        return self._compare(other, "eq", np.equal)

    def __ne__(self, other: _Operand) -> "Tensor":  # type: ignore[override]
        """self != other, elementwise (torch.ne)."""
        return self._compare(other, "ne", np.not_equal)

    def __lt__(self, other: _Operand) -> "Tensor":
        """self < other, elementwise (torch.lt)."""
        return self._compare(other, "lt", np.less)

    def __le__(self, other: _Operand) -> "Tensor":
        """self <= other, elementwise (torch.le)."""
        return self._compare(other, "le", np.less_equal)

    def __gt__(self, other: _Operand) -> "Tensor":
        """self > other, elementwise (torch.gt)."""
        return self._compare(other, "gt", np.greater)

    def __ge__(self, other: _Operand) -> "Tensor":
        """self >= other, elementwise (torch.ge)."""
        return self._compare(other, "ge", np.greater_equal)

    def __neg__(self) -> "Tensor":
        """-self, elementwise (torch.neg).

        TODO: set `data` to the negated array.
        APPROACH: NumPy's unary minus.
        EXAMPLE: -Tensor([1, -2]) -> Tensor([-1,  2], dtype=int64)
        HINTS: an int tensor must stay int: -1.0 * x would turn it into float64.
        """
        ### BEGIN SOLUTION
        data = -self.data
        ### END SOLUTION
        return self.from_op(data, "neg", (self,))


# %% test="tensor-compare-tests" points=5
def test_comparisons_return_bool_tensors(run):
    def comparisons():
        a = Tensor([1.0, 2.0, 3.0])
        results = {
            "a < 2": a < 2,
            "a <= 2": a <= 2,
            "a > 2": a > 2,
            "a >= 2": a >= 2,
            "a == 2": a == 2,
            "a != 2": a != 2,
            "a == tensor": a == Tensor([1.0, 0.0, 3.0]),
        }
        return {name: (type(out).__name__, out.numpy() if isinstance(out, Tensor) else None)
                for name, out in results.items()}

    expected = {
        "a < 2": [True, False, False],
        "a <= 2": [True, True, False],
        "a > 2": [False, False, True],
        "a >= 2": [False, True, True],
        "a == 2": [False, True, False],
        "a != 2": [True, False, True],
        "a == tensor": [True, False, True],
    }
    results = run(comparisons)
    for name, values in expected.items():
        kind, actual = results[name]
        assert kind == "Tensor", f"{name} should return a Tensor, got {kind}"
        assert_array(actual, values, dtype="bool", what=f"{name} (a bool tensor)")


def test_negation(run):
    def negated():
        n = -Tensor([1.0, -2.0, 0.5])
        return type(n).__name__, n.numpy()

    kind, values = run(negated)
    assert kind == "Tensor", f"-t should be a Tensor, got {kind}"
    assert_array(values, [-1.0, 2.0, -0.5], dtype="float32", what="-[1, -2, 0.5] (float32)")


run_tests(test_comparisons_return_bool_tensors, test_negation)
### BEGIN HIDDEN TESTS
def test_comparisons_broadcast_and_stay_out_of_the_graph(run):
    def masks():
        x = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
        mask = x > Tensor([2.0, 4.0])
        scalar = np.float32(2) >= Tensor([1.0, 3.0])
        return {
            "(2, 2) > (2,)": mask.numpy(),
            "recorded": mask.requires_grad or mask.grad_fn is not None,
            "(3, 1) == (3,)": (Tensor([[1], [2], [3]]) == Tensor([1, 2, 3])).numpy(),
            "int t >= 2.5": (Tensor([1, 2, 3]) >= 2.5).numpy(),
            "np.float32(2) >= t": (type(scalar).__name__,
                                   scalar.numpy() if isinstance(scalar, Tensor) else None),
        }

    got = run(masks)
    assert_array(got["(2, 2) > (2,)"], [[False, True], [True, False]], what="(2, 2) > (2,)")
    assert got["recorded"] is False, (
        "a comparison has no gradient: its result must not require grad or record a GradFn"
    )
    assert_array(got["(3, 1) == (3,)"], np.eye(3, dtype=bool), what="(3, 1) == (3,)")
    assert_array(got["int t >= 2.5"], [False, False, True], what="int t >= 2.5")
    kind, values = got["np.float32(2) >= t"]
    assert kind == "Tensor", f"np.float32(2) >= t should give a Tensor, got {kind}"
    assert_array(values, [True, False], what="np.float32(2) >= t")


def test_negation_keeps_dtype_and_shape(run):
    def negations():
        z = -Tensor(2.5)
        x = Tensor([1.0], requires_grad=True)
        return {
            "-[1, -2]": (-Tensor([1, -2])).numpy(),
            "-Tensor(2.5)": (z.shape, z.item()),
            "-Tensor([])": (-Tensor([])).shape,
            "op": (-x).grad_fn.op,
        }

    got = run(negations)
    assert_array(got["-[1, -2]"], [-1, 2], dtype="int64", what="-[1, -2] (int64 stays int64)")
    assert got["-Tensor(2.5)"] == ((), -2.5), "-Tensor(2.5) should be the 0-d -2.5"
    assert got["-Tensor([])"] == (0,), "negating an empty tensor gives an empty tensor"
    assert got["op"] == "neg", "negation records op 'neg'"


run_tests(test_comparisons_broadcast_and_stay_out_of_the_graph, test_negation_keeps_dtype_and_shape)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: matrix multiply, the slow way
#
# Before calling `np.matmul`, write the definition from section 2.3 as three nested loops.
# This is every multiply and every add a matmul does, run one at a time by the Python
# interpreter. It is correct and very slow; section 5 measures how slow, and why.
#
# `matmul_loops` takes two 2-D matrices (Tensors or NumPy arrays) and returns a Tensor. The
# given code converts the inputs, checks the shapes and allocates the output with the dtype
# NumPy's matmul would use. There is no PyTorch equivalent: this is the work that
# `torch.matmul` hands to an optimized BLAS library. Module 17 (acceleration) comes back to
# it with cache blocking.

# %% solution="matmul-loops"
#| export
def matmul_loops(a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> Tensor:
    """The matrix product of two 2-D matrices with three explicit Python loops.

    A teaching reference for Tensor.matmul: same result, no BLAS (no PyTorch equivalent).

    TODO: fill `out` so that out[i, j] is the sum over p of a[i, p] * b[p, j].

    APPROACH:
    1. Loop over every row i of `a` (m of them) and every column j of `b` (n of them).
    2. For each (i, j), loop over p in range(k) and accumulate a[i, p] * b[p, j].

    EXAMPLE:
    >>> matmul_loops(np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]))
    Tensor([[19, 22],
            [43, 50]], dtype=int64)

    HINTS:
    - `out` is already zeros of shape (m, n): `out[i, j] += ...` accumulates.
    - Use m, k and n for the loop bounds; the tests use non-square matrices.
    """
    a = a.data if isinstance(a, Tensor) else np.asarray(a)
    b = b.data if isinstance(b, Tensor) else np.asarray(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(
            f"matmul_loops: needs two 2-D matrices, got shapes {a.shape} and {b.shape}; "
            "Tensor.matmul handles 1-D and batched inputs"
        )
    _check_matmul(a.shape, b.shape)
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    ### BEGIN SOLUTION
    for i in range(m):
        for j in range(n):
            for p in range(k):
                out[i, j] += a[i, p] * b[p, j]
    ### END SOLUTION
    return Tensor(out)


# %% test="matmul-loops-tests" points=5
def test_matmul_loops_2x2(run):
    def loops_2x2():
        out = matmul_loops(Tensor([[1, 2], [3, 4]]), Tensor([[5, 6], [7, 8]]))
        return type(out).__name__, out.numpy()

    kind, values = run(loops_2x2)
    assert kind == "Tensor", f"matmul_loops should return a Tensor, got {kind}"
    assert_array(values, [[19, 22], [43, 50]], what="matmul_loops of the 2x2 example")


def test_matmul_loops_rectangular(run):
    def loops_of_tensors(a, b):
        return matmul_loops(Tensor(a), Tensor(b)).numpy()

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    assert_array(run(loops_of_tensors, a, b), a @ b, rtol=1e-5, atol=1e-6,
                 what="matmul_loops of (2, 3) and (3, 4), compared with NumPy's a @ b,")


run_tests(test_matmul_loops_2x2, test_matmul_loops_rectangular)
### BEGIN HIDDEN TESTS
def test_matmul_loops_shapes_and_dtypes(run):
    def loops(a, b):
        return matmul_loops(a, b).numpy()

    def loops_of_tensors(a, b):
        return matmul_loops(Tensor(a), Tensor(b)).numpy()

    col, row = np.arange(1.0, 6.0).reshape(5, 1), np.arange(1.0, 4.0).reshape(1, 3)
    assert_array(run(loops, col, row), col @ row, what="(5, 1) @ (1, 3)")
    assert_array(run(loops, np.ones((1, 4)), np.full((4, 1), 2.0)), [[8.0]], what="(1, 4) @ (4, 1)")
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    assert_array(run(loops, a, b), a @ b, dtype="int64", what="int64 @ int64 (stays int64)")
    ones_a, ones_b = np.ones((2, 2), np.float32), np.ones((2, 3), np.float32)
    assert_array(run(loops_of_tensors, ones_a, ones_b), np.full((2, 3), 2.0), dtype="float32",
                 what="float32 ones @ ones (stays float32)")
    assert_array(run(loops, np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)),
                 what="(2, 0) @ (0, 3) (a sum of nothing is 0)")


def test_matmul_loops_rejects_bad_shapes(run):
    def loops(a, b):
        return matmul_loops(a, b).numpy()

    x = np.arange(9.0).reshape(3, 3)
    assert_array(run(loops, np.eye(3), x), x, what="I @ x = x")
    with pytest.raises(ValueError, match="do not align"):
        run(loops, np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        run(loops, np.ones(3), np.ones((3, 2)))


run_tests(test_matmul_loops_shapes_and_dtypes, test_matmul_loops_rejects_bad_shapes)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: matrix multiply, vectorized
#
# Now `Tensor.matmul` (and the `@` operator), with `np.matmul` doing the work. It follows
# NumPy's (and PyTorch's) rules from section 2.3: 2-D × 2-D, a 1-D vector on either side,
# and batches whose leading dims broadcast, `(2, 1, 3, 4) @ (5, 4, 2) -> (2, 5, 3, 2)`. The
# given `_check_matmul` rejects a 0-d operand and mismatched inner dims with a message
# naming both shapes.
#
# The test checks it against your `matmul_loops`: two implementations, one obviously right
# and one fast, that must agree. That is how the test suite of this course checks
# TinyTorch against PyTorch.
#
# PyTorch: `torch.matmul`, `Tensor.__matmul__`.

# %% solution="tensor-matmul"
#| export
@extends(Tensor)
class TensorMatmul:
    def matmul(self, other: "Tensor | np.ndarray") -> "Tensor":
        """Matrix product with NumPy's rules for 1-D and batched operands (torch.matmul).

        TODO: set `data` to the matrix product of this tensor's array and `b`.

        APPROACH: the shapes are checked above; `np.matmul` does the work, including 1-D
        operands and batch dims that broadcast. It runs an optimized BLAS library, the
        fast version of the loops you wrote in `matmul_loops`.

        EXAMPLE:
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]) @ Tensor([[5.0, 6.0], [7.0, 8.0]])
        Tensor([[19., 22.],
                [43., 50.]], dtype=float32)

        HINTS: `np.dot` is not the same for 3-D and larger inputs; use `np.matmul` (or @).
        """
        if isinstance(other, Tensor):
            b = other.data
        elif isinstance(other, np.ndarray) and other.dtype.kind in _NUMERIC_KINDS:
            b = other
        elif isinstance(other, (int, float, np.generic)):
            b = np.asarray(other)  # 0-d: the check below explains why that fails
        else:
            raise TypeError(f"matmul: expected a Tensor, got {type(other).__name__}")
        _check_matmul(self.shape, b.shape)
        ### BEGIN SOLUTION
        data = np.matmul(self.data, b)
        ### END SOLUTION
        return self.from_op(data, "matmul", (self, other))

    def __matmul__(self, other: "Tensor | np.ndarray") -> "Tensor":
        """self @ other (torch.matmul)."""
        if not isinstance(other, (Tensor, np.ndarray, np.generic, int, float)):
            return NotImplemented
        return self.matmul(other)

    def __rmatmul__(self, other: np.ndarray) -> "Tensor":
        """array @ self, when the left operand is a NumPy array."""
        if not isinstance(other, (np.ndarray, np.generic, int, float)):
            return NotImplemented
        return Tensor(other).matmul(self)


# %% test="tensor-matmul-tests" points=10
def test_matmul_2d(run):
    def products():
        a = Tensor([[1.0, 2.0], [3.0, 4.0]])
        b = Tensor([[5.0, 6.0], [7.0, 8.0]])
        results = {"a.matmul(b)": a.matmul(b), "a @ b": a @ b}
        return {name: (type(out).__name__, out.numpy()) for name, out in results.items()}

    for name, (kind, values) in run(products).items():
        assert kind == "Tensor", f"{name} should be a Tensor, got {kind}"
        assert_array(values, [[19, 22], [43, 50]], dtype="float32", what=f"{name} of float32")


def test_matmul_matches_loops(run):
    def fast_and_loops(a, b):
        a, b = Tensor(a, dtype=np.float32), Tensor(b, dtype=np.float32)
        return (a @ b).numpy(), matmul_loops(a, b).numpy()

    rng = np.random.default_rng(1)
    fast, loops = run(fast_and_loops, rng.standard_normal((4, 3)), rng.standard_normal((3, 5)))
    assert fast.shape == (4, 5), f"(4, 3) @ (3, 5) should be (4, 5), got {fast.shape}"
    assert_array(fast, loops, rtol=1e-5, atol=1e-6,
                 what="Tensor.matmul (compared with matmul_loops: they disagree)")


def test_matmul_shape_error(run):
    def matmul_ones(shape_a, shape_b):
        return (Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))).shape

    shape = run(matmul_ones, (2, 3), (3, 5))
    assert shape == (2, 5), f"(2, 3) @ (3, 5) should be (2, 5), got {shape}"
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        run(matmul_ones, (2, 3), (4, 5))


run_tests(test_matmul_2d, test_matmul_matches_loops, test_matmul_shape_error)
### BEGIN HIDDEN TESTS
def test_matmul_vectors_and_batches(run):
    def product(a, b):
        return (Tensor(a) @ Tensor(b)).numpy()

    v = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    m = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    assert_array(run(product, v, m), v @ m, what="(3,) @ (3, 2)")
    assert_array(run(product, m.T.copy(), v), m.T @ v, what="(2, 3) @ (3,)")
    vv = run(product, v, v)
    assert_array(vv, 14.0, what="(3,) @ (3,), the 0-d dot product 14,")
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    assert_array(run(product, a, b), a @ b, rtol=1e-5, atol=1e-6, what="batched (2, 3, 4) @ (4, 5)")

    def method(a, b):
        return Tensor(a).matmul(Tensor(b)).numpy()

    c = rng.standard_normal((2, 1, 3, 4))
    d = rng.standard_normal((5, 4, 2))
    cd = run(method, c, d)
    assert cd.shape == (2, 5, 3, 2), (
        f"(2, 1, 3, 4) @ (5, 4, 2) should broadcast the batch dims to (2, 5, 3, 2), got "
        f"{cd.shape}: use np.matmul, not np.dot"
    )
    assert_array(cd, c @ d, what="broadcast batch matmul")


def test_matmul_dtypes_and_arrays(run):
    def mixed_products():
        left = np.ones((2, 3)) @ Tensor(np.ones((3, 2)))
        return {
            "int64 @ int64": (Tensor([[1, 2], [3, 4]]) @ Tensor([[1, 0], [0, 1]])).numpy(),
            "array @ Tensor": (type(left).__name__,
                               left.numpy() if isinstance(left, Tensor) else None),
            "Tensor @ array": (Tensor(np.ones((2, 3))) @ np.ones((3, 1))).numpy(),
        }

    got = run(mixed_products)
    assert_array(got["int64 @ int64"], [[1, 2], [3, 4]], dtype="int64",
                 what="x @ I of int64 (stays int64)")
    kind, values = got["array @ Tensor"]
    assert kind == "Tensor", f"array @ Tensor should be a Tensor, got {kind}"
    assert_array(values, np.full((2, 2), 3.0), what="array @ Tensor")
    assert_array(got["Tensor @ array"], np.full((2, 1), 3.0), what="Tensor @ array")


def test_matmul_rejects_0d_and_bad_batches(run):
    def product(a, b):
        return (Tensor(a) @ Tensor(b)).numpy()

    v = np.array([1.0, 2.0], dtype=np.float32)
    assert_array(run(product, v, v), 5.0, what="(2,) @ (2,), 5,")
    with pytest.raises(ValueError, match="0-d"):
        run(product, 2.0, v)
    with pytest.raises(ValueError, match="batch"):
        run(product, np.ones((2, 3, 4)), np.ones((5, 4, 2)))

    def records_x_at_w():
        x = Tensor(np.ones((1, 2)), dtype=np.float32, requires_grad=True)
        w = Tensor(np.ones((2, 3)), dtype=np.float32)
        y = x @ w
        return y.grad_fn.op == "matmul" and y.grad_fn.inputs[0] is x and y.grad_fn.inputs[1] is w

    assert run(records_x_at_w) is True, "x @ w should record op 'matmul' with inputs (x, w)"


run_tests(
    test_matmul_vectors_and_batches,
    test_matmul_dtypes_and_arrays,
    test_matmul_rejects_0d_and_bad_batches,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: reductions
#
# `sum`, `mean` and `max` with `axis` (None, an int, a negative int or a tuple) and
# `keepdims`, as in section 2.4. NumPy does the work; your job is to pass the arguments
# through and keep PyTorch's dtypes: the mean of an integer tensor is float32.
#
# Each reduction saves `axis` and `keepdims` in its GradFn: module 06 needs them to send the
# gradient back to the right places (a sum's gradient is broadcast back over the axes it
# removed).
#
# PyTorch: `torch.sum`, `torch.mean`.

# %% solution="tensor-sum-mean"
#| export
@extends(Tensor)
class TensorSumMean:
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> "Tensor":
        """Sum over `axis` (None: all elements) (torch.sum).

        TODO: set `data` to the sum over `axis`, keeping reduced dims if `keepdims`.

        APPROACH: NumPy arrays have `.sum(axis=..., keepdims=...)`, which accepts None, an
        int, a negative int or a tuple of ints, exactly like ours.

        EXAMPLE:
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)
        Tensor([4., 6.], dtype=float32)
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=1, keepdims=True).shape
        (2, 1)

        HINTS: Python's built-in sum() only walks the first axis; use NumPy's.
        """
        axis = tuple(axis) if isinstance(axis, list) else axis
        ### BEGIN SOLUTION
        data = self.data.sum(axis=axis, keepdims=keepdims)
        ### END SOLUTION
        return self.from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> "Tensor":
        """Mean over `axis` (None: all elements) (torch.mean).

        TODO: set `data` to the mean over `axis`; integer and bool tensors give float32.

        APPROACH:
        1. Turn an int or bool array into float32 first, with `_as_float` (float arrays
           pass through unchanged). NumPy alone would return float64.
        2. `.mean(axis=..., keepdims=...)` on that array.

        EXAMPLE:
        >>> Tensor([[1, 2], [3, 4]]).mean(axis=1)
        Tensor([1.5, 3.5], dtype=float32)

        HINTS: a float64 tensor's mean must stay float64: don't cast floats.
        """
        axis = tuple(axis) if isinstance(axis, list) else axis
        ### BEGIN SOLUTION
        data = _as_float(self.data).mean(axis=axis, keepdims=keepdims)
        ### END SOLUTION
        return self.from_op(data, "mean", (self,), axis=axis, keepdims=keepdims)


# %% test="tensor-sum-mean-tests" points=5
def test_sum_all_and_along_axes(run):
    def sums():
        t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        total = t.sum()
        return (type(total).__name__, total.shape, total.item(), t.sum(axis=0).numpy(),
                t.sum(axis=1).numpy())

    kind, shape, total, down_columns, along_rows = run(sums)
    assert kind == "Tensor", f"sum() should return a Tensor, got {kind}"
    assert shape == (), f"sum() over everything should be 0-d, got shape {shape}"
    assert total == 21.0, f"the sum of 1..6 is 21, got {total}"
    assert_array(down_columns, [5, 7, 9], what="sum(axis=0)")
    assert_array(along_rows, [6, 15], what="sum(axis=1)")


def test_mean(run):
    def means():
        t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        return t.mean().item(), t.mean(axis=0).numpy()

    mean, column_means = run(means)
    assert mean == 3.5, f"the mean of 1..6 is 3.5, got {mean}"
    assert_array(column_means, [2.5, 3.5, 4.5], what="mean(axis=0)")


run_tests(test_sum_all_and_along_axes, test_mean)
### BEGIN HIDDEN TESTS
def test_negative_and_tuple_axes_and_keepdims(run):
    def reductions(data):
        x = Tensor(data)
        centered = (x - x.mean(axis=-1, keepdims=True)).mean(axis=-1)
        return {
            "sum(axis=-1)": x.sum(axis=-1).numpy(),
            "sum(axis=(0, 2))": x.sum(axis=(0, 2)).numpy(),
            "mean(axis=(0, -1))": x.mean(axis=(0, -1)).numpy(),
            "sum(axis=1, keepdims=True)": x.sum(axis=1, keepdims=True).shape,
            "mean(keepdims=True)": x.mean(keepdims=True).shape,
            "sum(axis=[0, 1])": x.sum(axis=[0, 1]).shape,
            "x - mean(keepdims)": centered.numpy(),
        }

    data = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    got = run(reductions, data)
    assert_array(got["sum(axis=-1)"], data.sum(axis=-1), what="sum(axis=-1)")
    assert_array(got["sum(axis=(0, 2))"], data.sum(axis=(0, 2)), what="sum(axis=(0, 2))")
    assert_array(got["mean(axis=(0, -1))"], data.mean(axis=(0, -1)), what="mean(axis=(0, -1))")
    shapes = {
        "sum(axis=1, keepdims=True)": (2, 1, 4),
        "mean(keepdims=True)": (1, 1, 1),
        "sum(axis=[0, 1])": (4,),
    }
    for name, shape in shapes.items():
        assert got[name] == shape, f"{name} should have shape {shape}, got {got[name]}"
    assert_array(got["x - mean(keepdims)"], np.zeros((2, 3)), atol=1e-5,
                 what="(x - x.mean(axis=-1, keepdims=True)).mean(axis=-1)")


def test_reduction_dtypes_and_small_inputs(run):
    def small_reductions():
        m = Tensor([[1, 2], [3, 4]]).mean()
        fraction = Tensor([True, False, True, True]).mean()
        empty_sum = Tensor([]).sum()
        return {
            "float32 sum": str(Tensor([1.0, 2.0]).sum().dtype),
            "int mean": (str(m.dtype), m.item()),
            "bool mean": (str(fraction.dtype), fraction.item()),
            "empty sum": (empty_sum.shape, empty_sum.item()),
            "0-d": Tensor(5.0).sum().item(),
            "float64 mean": str(Tensor(np.float64(1.5)).mean().dtype),
        }

    got = run(small_reductions)
    assert got["float32 sum"] == "float32", "sum of float32 stays float32"
    dtype, value = got["int mean"]
    assert dtype == "float32", f"mean of an int tensor should be float32, got {dtype}"
    assert value == 2.5, f"mean of [[1, 2], [3, 4]] is 2.5, got {value}"
    assert got["bool mean"] == ("float32", 0.75), "mean of bools is a float32 fraction"
    assert got["empty sum"] == ((), 0.0), "the sum of nothing is 0"
    assert got["0-d"] == 5.0, "the sum of a 0-d tensor is its value"
    assert got["float64 mean"] == "float64", "mean of float64 stays float64"


run_tests(test_negative_and_tuple_axes_and_keepdims, test_reduction_dtypes_and_small_inputs)
### END HIDDEN TESTS

# %% [markdown]
# #### `max`
#
# `max` returns only the values, like `torch.amax`. PyTorch's `torch.max(x, dim)` also
# returns the *indices* of the maxima (argmax); we leave that out. The max of an empty
# tensor is undefined, and the given check says so with a `ValueError`.
#
# PyTorch: `torch.amax` (and `torch.max`).

# %% solution="tensor-max"
#| export
@extends(Tensor)
class TensorMax:
    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> "Tensor":
        """Largest value over `axis` (None: all elements); values only (torch.amax).

        torch.max(x, dim) also returns the indices of the maxima; we return only the
        values, like torch.amax.

        TODO: set `data` to the maximum over `axis`, keeping reduced dims if `keepdims`.
        APPROACH: like sum, with the array's `.max(...)`.
        EXAMPLE: Tensor([[1.0, 5.0], [3.0, 2.0]]).max(axis=1) -> Tensor([5., 3.], ...)
        HINTS: the max of no values is undefined; the check above already rejects that.
        """
        axis = tuple(axis) if isinstance(axis, list) else axis
        dims = range(self.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        if any(-self.ndim <= d < self.ndim and self.shape[d] == 0 for d in dims):
            raise ValueError(
                f"max: cannot take the max over an empty dim (shape {self.shape}, "
                f"axis={axis}): the max of no values is undefined"
            )
        ### BEGIN SOLUTION
        data = self.data.max(axis=axis, keepdims=keepdims)
        ### END SOLUTION
        return self.from_op(data, "max", (self,), axis=axis, keepdims=keepdims)


# %% test="tensor-max-tests" points=5
def test_max(run):
    def maxima():
        t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        return t.max().item(), t.max(axis=1).numpy()

    largest, row_maxima = run(maxima)
    assert largest == 6.0, f"max() should be 6, got {largest}"
    assert_array(row_maxima, [3, 6], what="max(axis=1)")


run_tests(test_max)
### BEGIN HIDDEN TESTS
def test_max_axes_dtypes_and_0d(run):
    def maxima(data):
        x = Tensor(data)
        return {
            "max(axis=-2)": x.max(axis=-2).numpy(),
            "max(axis=(0, 1), keepdims=True)": x.max(axis=(0, 1), keepdims=True).shape,
            "int64 max": str(Tensor([3, 9, 4]).max().dtype),
            "0-d max": Tensor(5.0).max().item(),
        }

    data = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    got = run(maxima, data)
    assert_array(got["max(axis=-2)"], data.max(axis=-2), what="max(axis=-2)")
    assert got["max(axis=(0, 1), keepdims=True)"] == (1, 1, 4), (
        f"max(axis=(0, 1), keepdims=True) should have shape (1, 1, 4), "
        f"got {got['max(axis=(0, 1), keepdims=True)']}"
    )
    assert got["int64 max"] == "int64", "max of int64 stays int64"
    assert got["0-d max"] == 5.0, "the max of a 0-d tensor is its value"


def test_max_of_empty_raises(run):
    def max_over(shape, axis):
        return Tensor(np.zeros(shape)).max(axis=axis).shape

    def column_maxima():
        return Tensor([[1.0, 9.0]]).max(axis=0).numpy()

    assert_array(run(column_maxima), [1, 9], what="max(axis=0) of [[1, 9]]")
    with pytest.raises(ValueError, match="empty"):
        run(max_over, (0,), None)
    with pytest.raises(ValueError, match="empty"):
        run(max_over, (0, 3), 0)
    rows = run(max_over, (0, 3), 1)
    assert rows == (0,), f"max over the non-empty axis of (0, 3) is (0,), got {rows}"


def test_reductions_record_axis_and_keepdims(run):
    def reduction_records():
        x = Tensor(np.ones((2, 3)), dtype=np.float32, requires_grad=True)
        s = x.sum(axis=1, keepdims=True)
        return {
            "sum": s.grad_fn.op == "sum" and s.grad_fn.inputs[0] is x,
            "saved": dict(s.grad_fn.saved),
            "mean": x.mean(axis=0).grad_fn.op,
            "max": x.max().grad_fn.op,
        }

    got = run(reduction_records)
    assert got["sum"] is True, "sum records op 'sum', input x"
    assert got["saved"] == {"axis": 1, "keepdims": True}, (
        f"sum should save axis and keepdims, got {got['saved']}"
    )
    assert got["mean"] == "mean", "mean records op 'mean'"
    assert got["max"] == "max", "max records op 'max'"


run_tests(
    test_max_axes_dtypes_and_0d,
    test_max_of_empty_raises,
    test_reductions_record_axis_and_keepdims,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: views, reshape, transpose and indexing
#
# Three ways to look at the same numbers differently, all views when NumPy can make one
# (section 2.5):
#
# - `reshape(*shape)` takes ints or one tuple or list, and one `-1` to infer. The given
#   `_reshape_target` checks that the element counts match and names both when they do not.
# - `transpose(dim0=-2, dim1=-1)` swaps two dims, by default the last two, as PyTorch's
#   `transpose` does. That makes `x.transpose()` the matrix transpose of every matrix in a
#   batch. NumPy's `.T` reverses all dims instead: the same for 2-D, different from 3-D up.
#
# PyTorch: `Tensor.reshape` (and `view`), `Tensor.transpose`.

# %% solution="tensor-reshape-transpose"
#| export
@extends(Tensor)
class TensorReshapeTranspose:
    def reshape(self, *shape: int | tuple[int, ...] | list[int]) -> "Tensor":
        """The same elements in a new shape; a view when possible (torch.Tensor.reshape).

        Accepts ints, t.reshape(2, 3), or one tuple or list, t.reshape((2, 3)). One dim
        may be -1: it is inferred from the number of elements.

        TODO: set `data` to the array reshaped to `target` (checked above).
        APPROACH: the array's `.reshape(target)`; NumPy infers the -1 for you.
        EXAMPLE: Tensor(np.arange(6.0)).reshape(2, -1).shape -> (2, 3)
        HINTS: NumPy returns a view of a contiguous array: no data is copied.
        """
        target = _reshape_target(shape, self.data.size, self.shape)
        ### BEGIN SOLUTION
        data = self.data.reshape(target)
        ### END SOLUTION
        return self.from_op(data, "reshape", (self,))

    def transpose(self, dim0: int = -2, dim1: int = -1) -> "Tensor":
        """Swap dims `dim0` and `dim1`; by default the last two (torch.Tensor.transpose).

        TODO: set `data` to the array with dims `dim0` and `dim1` swapped.

        APPROACH: `np.swapaxes(array, dim0, dim1)` returns a view with two strides swapped.

        EXAMPLE: a (2, 3, 4) tensor: transpose() -> (2, 4, 3); transpose(0, 2) -> (4, 3, 2)

        HINTS: NumPy's `.T` reverses *all* dims: right for 2-D, wrong for a batch of
        matrices.
        """
        if self.ndim < 2 and (dim0, dim1) == (-2, -1):
            raise ValueError(
                f"transpose: a tensor of shape {self.shape} has {self.ndim} dims, but "
                "transpose() swaps the last two dims by default, so it needs at least 2; "
                "for a row vector, reshape(1, -1) first"
            )
        for dim in (dim0, dim1):
            if not -self.ndim <= dim < self.ndim:
                raise ValueError(
                    f"transpose: dim {dim} is out of range: {_dims_message(self.shape)}"
                )
        ### BEGIN SOLUTION
        data = np.swapaxes(self.data, dim0, dim1)
        ### END SOLUTION
        return self.from_op(data, "transpose", (self,), dim0=dim0, dim1=dim1)


# %% test="tensor-reshape-transpose-tests" points=6
def test_reshape(run):
    def reshapes():
        t = Tensor(np.arange(6.0))
        r = t.reshape(2, 3)
        return type(r).__name__, r.numpy(), t.reshape((3, 2)).shape, t.reshape(-1, 2).shape

    kind, values, from_tuple, inferred = run(reshapes)
    assert kind == "Tensor", f"reshape should return a Tensor, got {kind}"
    assert_array(values, [[0, 1, 2], [3, 4, 5]], what="reshape(2, 3) (row-major order)")
    assert from_tuple == (3, 2), (
        f"reshape should accept one tuple: reshape((3, 2)) gave {from_tuple}"
    )
    assert inferred == (3, 2), f"reshape(-1, 2) should infer 3, got shape {inferred}"


def test_transpose(run):
    def transposed():
        mt = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).transpose()
        return type(mt).__name__, mt.numpy()

    kind, values = run(transposed)
    assert kind == "Tensor", f"transpose should return a Tensor, got {kind}"
    assert_array(values, [[1, 4], [2, 5], [3, 6]], what="the transpose of (2, 3)")


run_tests(test_reshape, test_transpose)
### BEGIN HIDDEN TESTS
def test_reshape_infers_and_rejects(run):
    def reshaped_shapes():
        t = Tensor(np.arange(24.0))
        return {
            "reshape([2, -1, 4])": t.reshape([2, -1, 4]).shape,
            "reshape(4, 3, 2)": t.reshape(4, 3, 2).shape,
            "0-d reshape(1, 1)": Tensor(5.0).reshape(1, 1).shape,
            "1 element reshape(())": Tensor([7.0]).reshape(()).shape,
        }

    expected = {
        "reshape([2, -1, 4])": ((2, 3, 4), "a list, -1 in the middle"),
        "reshape(4, 3, 2)": ((4, 3, 2), "ints"),
        "0-d reshape(1, 1)": ((1, 1), "a 0-d tensor reshapes to (1, 1)"),
        "1 element reshape(())": ((), "a 1-element tensor reshapes to 0-d"),
    }
    got = run(reshaped_shapes)
    for name, (shape, why) in expected.items():
        assert got[name] == shape, f"{name} should give {shape} ({why}), got {got[name]}"

    def reshape_24_elements(*shape):
        return Tensor(np.arange(24.0)).reshape(*shape).shape

    with pytest.raises(ValueError, match="24"):
        run(reshape_24_elements, 5, 5)
    with pytest.raises(ValueError, match="24"):
        run(reshape_24_elements, -1, 5)


def test_transpose_picks_dims(run):
    def transposes(data):
        x = Tensor(data)
        return {
            "transpose()": x.transpose().numpy(),
            "transpose(0, 2)": x.transpose(0, 2).numpy(),
            "transpose(-3, 1)": x.transpose(-3, 1).numpy(),
        }

    data = np.arange(24.0).reshape(2, 3, 4)
    expected = {
        "transpose()": np.swapaxes(data, -2, -1),
        "transpose(0, 2)": np.swapaxes(data, 0, 2),
        "transpose(-3, 1)": np.swapaxes(data, 0, 1),
    }
    got = run(transposes, data)
    for name, values in expected.items():
        assert got[name].shape == values.shape, (
            f"{name} of (2, 3, 4) should be {values.shape}, got {got[name].shape} "
            "(transpose swaps two dims; .T reverses all of them)"
        )
        assert_array(got[name], values, what=name)

    def transpose_of_a_vector():
        return Tensor([1.0, 2.0]).transpose().shape

    with pytest.raises(ValueError, match="swaps the last two dims"):
        run(transpose_of_a_vector)


run_tests(test_reshape_infers_and_rejects, test_transpose_picks_dims)
### END HIDDEN TESTS

# %% [markdown]
# #### Indexing
#
# `t[index]` takes anything NumPy accepts, plus Tensors as indices (`t[t > 0]`). The result
# is always a Tensor, 0-d for a single element, and the index is saved for module 06.
#
# PyTorch: `Tensor.__getitem__`.

# %% solution="tensor-getitem"
#| export
@extends(Tensor)
class TensorIndexing:
    def __getitem__(self, index: object) -> "Tensor":
        """t[index] with NumPy's indexing rules; always a Tensor (torch.Tensor.__getitem__).

        Ints, slices, Ellipsis (...), None, bool masks and integer arrays all work; Tensors
        used as indices are replaced by their arrays. Basic indexing (ints, slices) gives a
        view; a mask or an index array gives a copy.

        TODO: set `data` to the array indexed with `index`.
        APPROACH: NumPy indexing does it all; `index` is already converted.
        EXAMPLE: Tensor([[1.0, 2.0], [3.0, 4.0]])[:, 1] -> Tensor([2., 4.], dtype=float32)
        HINTS: t[0, 1] gives a NumPy scalar; `from_op` turns it into a 0-d Tensor.
        """
        index = _numpy_index(index)
        ### BEGIN SOLUTION
        data = self.data[index]
        ### END SOLUTION
        return self.from_op(data, "getitem", (self,), index=index)


# %% test="tensor-getitem-tests" points=4
def test_indexing(run):
    def indexed():
        m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        row = m[0]
        one = m[1, 2]
        return {
            "m[0]": (type(row).__name__, row.numpy()),
            "m[:, 1]": m[:, 1].numpy(),
            "m[1, 2]": (type(one).__name__, one.shape, one.item()),
        }

    got = run(indexed)
    kind, row = got["m[0]"]
    assert kind == "Tensor", f"m[0] should be a Tensor, got {kind}"
    assert_array(row, [1, 2, 3], what="m[0]")
    assert_array(got["m[:, 1]"], [2, 5], what="m[:, 1]")
    kind, shape, value = got["m[1, 2]"]
    assert kind == "Tensor" and shape == (), "m[1, 2] should be a 0-d Tensor"
    assert value == 6.0, f"m[1, 2] should be 6, got {value}"


run_tests(test_indexing)
### BEGIN HIDDEN TESTS
def test_views_share_memory(run):
    def shared_memory():
        t = Tensor(np.arange(12.0, dtype=np.float32))
        r = t.reshape(3, 4)
        tr = r.transpose()
        row = r[1]
        shares = {
            "reshape": np.shares_memory(r.numpy(), t.numpy()),
            "transpose": np.shares_memory(tr.numpy(), t.numpy()),
            "indexing": np.shares_memory(row.numpy(), t.numpy()),
        }
        r.numpy()[0, 0] = 100.0
        return shares, float(t.numpy()[0])

    shares, first = run(shared_memory)
    assert shares["reshape"] is True, "reshape of a contiguous tensor is a view"
    assert shares["transpose"] is True, "transpose is a view"
    assert shares["indexing"] is True, "basic indexing is a view"
    assert first == 100.0, "a view sees writes to the data it shares"


def test_advanced_indexing(run):
    def advanced_indices():
        t = Tensor([[1.0, -2.0], [-3.0, 4.0]])
        small = Tensor([1, 2], dtype=np.int8)[0]
        x = Tensor([1.0, 2.0], requires_grad=True)
        picked = x[1]
        return {
            "t[t > 0]": t[t > 0].numpy(),
            "t[Tensor([1, 0])]": t[Tensor([1, 0])].numpy(),
            "t[..., 0]": t[..., 0].numpy(),
            "t[None]": t[None].shape,
            "t[:, None, :]": t[:, None, :].shape,
            "t[bool mask]": t[np.array([True, False])].shape,
            "int8 element": (type(small).__name__, small.shape, str(small.dtype)),
            "record": (picked.grad_fn.op, picked.grad_fn.saved["index"]),
        }

    got = run(advanced_indices)
    assert_array(got["t[t > 0]"], [1.0, 4.0], what="t[t > 0], a Tensor mask,")
    assert_array(got["t[Tensor([1, 0])]"], [[-3, 4], [1, -2]], what="t[Tensor([1, 0])]")
    assert_array(got["t[..., 0]"], [1.0, -3.0], what="t[..., 0]")
    assert got["t[None]"] == (1, 2, 2), f"t[None] adds a dim in front, got {got['t[None]']}"
    assert got["t[:, None, :]"] == (2, 1, 2), "t[:, None, :] adds a dim in the middle"
    assert got["t[bool mask]"] == (1, 2), "a NumPy bool mask picks rows"
    assert got["int8 element"] == ("Tensor", (), "int8"), (
        "a single element is a 0-d Tensor that keeps the dtype"
    )
    assert got["record"] == ("getitem", 1), "indexing records op 'getitem' and saves the index"


run_tests(test_views_share_memory, test_advanced_indexing)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.8 Piece 8: exp and log
#
# The last two ops are elementwise math that module 02 and module 04 need for sigmoid,
# softmax and the cross-entropy loss. NumPy computes them; you apply the float32 rule to
# integer inputs first (section 2.6 showed NumPy computing `exp` of int8 in float16). The
# given `np.errstate` makes `log(0) = -inf` and `exp(1000) = inf` come out quietly, as in
# PyTorch, instead of with a warning.
#
# PyTorch: `torch.exp`, `torch.log`.

# %% solution="tensor-exp-log"
#| export
@extends(Tensor)
class TensorExpLog:
    def exp(self) -> "Tensor":
        """e ** x elementwise (torch.exp).

        TODO: set `data` to the elementwise exponential; int and bool tensors give float32.
        APPROACH: the float32 rule from `mean` (`_as_float` first), then `np.exp`.
        EXAMPLE: Tensor([0.0, 1.0]).exp() -> Tensor([1.       , 2.7182817], dtype=float32)
        HINTS: convert before, not after: NumPy computes exp of an int8 array in float16,
        and casting that result to float32 keeps float16's 3 significant digits.
        """
        with np.errstate(all="ignore"):  # exp(1000) = inf, quietly
            ### BEGIN SOLUTION
            data = np.exp(_as_float(self.data))
            ### END SOLUTION
        return self.from_op(data, "exp", (self,))

    def log(self) -> "Tensor":
        """Natural logarithm elementwise (torch.log).

        TODO: set `data` to the elementwise natural log; int and bool tensors give float32.
        APPROACH: `_as_float` first, then `np.log`.
        EXAMPLE: Tensor([1.0, 100.0]).log() -> Tensor([0.      , 4.60517 ], dtype=float32)
        HINTS: log(0) is -inf and log(-1) is nan, as in PyTorch.
        """
        with np.errstate(all="ignore"):  # log(0) = -inf and log(-1) = nan, quietly
            ### BEGIN SOLUTION
            data = np.log(_as_float(self.data))
            ### END SOLUTION
        return self.from_op(data, "log", (self,))


# %% test="tensor-exp-log-tests" points=5
def test_exp_and_log(run):
    def exp_and_log():
        e = Tensor([0.0, 1.0, 2.0]).exp()
        return (type(e).__name__, e.numpy(), Tensor([1.0, np.e]).log().numpy(),
                Tensor([0.5, 3.0]).log().exp().numpy())

    kind, exp, log, back = run(exp_and_log)
    assert kind == "Tensor", f"exp() should return a Tensor, got {kind}"
    assert_array(exp, np.exp([0.0, 1.0, 2.0]), dtype="float32", what="exp of float32")
    assert_array(log, [0.0, 1.0], atol=1e-7, what="log([1, e])")
    assert_array(back, [0.5, 3.0], what="exp(log(x)), which should be x,")


run_tests(test_exp_and_log)
### BEGIN HIDDEN TESTS
def test_exp_log_dtypes(run):
    def exp_log_of_ints_and_bools():
        return {
            "exp([0, 1])": Tensor([0, 1]).exp().numpy(),
            "log([1, 10])": Tensor([1, 10]).log().numpy(),
            "log(True)": str(Tensor(True).log().dtype),
            "exp of int8 [3, 5]": Tensor([3, 5], dtype=np.int8).exp().numpy(),
        }

    got = run(exp_log_of_ints_and_bools)
    assert_array(got["exp([0, 1])"], [1.0, np.e], dtype="float32",
                 what="exp([0, 1]) of an int tensor")
    assert_array(got["log([1, 10])"], [0.0, np.log(10)], dtype="float32",
                 what="log([1, 10]) of an int tensor")
    assert got["log(True)"] == "float32", (
        f"log of a bool tensor should be float32, got {got['log(True)']}"
    )
    assert_array(got["exp of int8 [3, 5]"], np.exp(np.array([3.0, 5.0], dtype=np.float32)),
                 dtype="float32",
                 what="exp of int8 (it must be computed in float32: NumPy alone would use float16)")

    def exp_log_of_float64():
        f64 = Tensor(np.array([1.0]))
        return str(f64.exp().dtype), str(f64.log().dtype)

    exp_dtype, log_dtype = run(exp_log_of_float64)
    assert exp_dtype == "float64", f"exp of float64 must stay float64, got {exp_dtype}"
    assert log_dtype == "float64", f"log of float64 must stay float64, got {log_dtype}"


def test_exp_log_edges(run):
    def edges():
        with np.errstate(all="raise"):  # inf, -inf and nan must come out without warnings
            lg = Tensor([0.0, -1.0]).log()
            ex = Tensor([100.0, -200.0]).exp()
        zero_d = Tensor(0.0).exp()
        x = Tensor([1.0], requires_grad=True)
        return {
            "log(0), log(-1)": lg.numpy(),
            "float32 exp(100), exp(-200)": ex.numpy(),
            "0-d exp": (zero_d.shape, zero_d.item()),
            "empty log": Tensor([]).log().shape,
            "ops": (x.exp().grad_fn.op, x.log().grad_fn.op),
        }

    got = run(edges)
    assert_array(got["log(0), log(-1)"], [-np.inf, np.nan], what="log(0), log(-1)")
    assert_array(got["float32 exp(100), exp(-200)"], [np.inf, 0.0],
                 what="float32 exp(100), exp(-200)")
    assert got["0-d exp"] == ((), 1.0), "0-d exp: Tensor(0.0).exp() is the 0-d 1.0"
    assert got["empty log"] == (0,), "log of an empty tensor is empty"
    assert got["ops"] == ("exp", "log"), "exp, log record ops"


run_tests(test_exp_log_dtypes, test_exp_log_edges)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.9 How module 06 will add gradients
#
# Training needs the gradient of the loss with respect to every parameter. PyTorch gets it
# by **recording** each op as it runs and walking the record backwards. Your Tensor already
# records; module 06 adds the walk.
#
# - Every op that has a gradient builds its result with `Tensor.from_op(data, op, inputs,
#   **saved)`. When recording is on (`is_grad_enabled()`) and any input has
#   `requires_grad=True`, the result gets `requires_grad=True` and a `grad_fn`: a
#   `GradFn(op, inputs, saved)` naming the op (`"add"`, `"matmul"`, `"sum"`, ...), the
#   input tensors in operand order (numbers become constant 0-d tensors), and what backward
#   needs beyond the inputs (a reduction's axis and keepdims, transpose's dims, the index).
# - Comparisons return plain bool tensors with no `grad_fn`: they have no gradient.
# - `set_grad_enabled(False)` turns recording off and returns the previous mode; module 06
#   builds `no_grad()` on it, as `torch.no_grad()` is built on `torch.set_grad_enabled`.
# - `t.backward()` imports `tinytorch.core.autograd` (module 06) and calls its
#   `backward(t, gradient)`. That function will visit the GradFn records from `t` back to
#   the leaves, apply the chain rule for each op name, and fill in each leaf's `.grad`.
#   Nothing in module 06 changes the Tensor class: the extension point is already here.
#
# The forward math of each op sits in this module; its backward rule will sit in module
# 06's table keyed by the same op name, so one op's two halves are easy to find together.

# %%
x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
w = Tensor([0.5, -1.0, 2.0], requires_grad=True)
loss = (x * w).sum()
print(loss)
print("loss.grad_fn:", loss.grad_fn.op, "of", [t.shape for t in loss.grad_fn.inputs])
product = loss.grad_fn.inputs[0].grad_fn
print("its input:   ", product.op, "of x and w:", product.inputs[0] is x, product.inputs[1] is w)

previous = set_grad_enabled(False)
print("with recording off:", (x * w).sum().grad_fn)
set_grad_enabled(previous)

try:
    loss.backward()
    print("backward() ran: module 06 is installed. x.grad =", x.grad)
except RuntimeError as error:  # module 06 is not built yet
    print("backward():", error)

# %% [markdown]
# ## 4. Use it: a linear layer on real data
#
# A neural network layer is mostly one line: `y = x @ W + b`. Here it is with your Tensor on
# six flowers from the Iris data set (Fisher, 1936): four measurements in cm (sepal length,
# sepal width, petal length, petal width), two flowers of each of three species.
#
# First standardize each feature (column) to mean 0 and standard deviation 1, a
# reduction with `keepdims` and two broadcasts. Then a linear layer maps 4 features to 3
# class scores: `x` is `(6, 4)`, `W` is `(4, 3)`, `b` is `(3,)` and broadcasts over the 6
# rows. The weights are random, so the predictions are guesses. Module 03 wraps this in a
# `Linear` layer, and module 08 trains it.

# %%
iris = Tensor(
    [
        [5.1, 3.5, 1.4, 0.2],  # setosa
        [4.9, 3.0, 1.4, 0.2],  # setosa
        [7.0, 3.2, 4.7, 1.4],  # versicolor
        [6.4, 3.2, 4.5, 1.5],  # versicolor
        [6.3, 3.3, 6.0, 2.5],  # virginica
        [5.8, 2.7, 5.1, 1.9],  # virginica
    ]
)
mean = iris.mean(axis=0, keepdims=True)  # (1, 4)
std = ((iris - mean) ** 2).mean(axis=0, keepdims=True) ** 0.5  # (1, 4)
x = (iris - mean) / std  # (6, 4) - (1, 4), then / (1, 4)
print(f"x: {x.shape} {x.dtype}, largest |column mean| {abs(x.mean(axis=0).numpy()).max():.0e}")

rng = np.random.default_rng(0)
W = Tensor(rng.normal(0.0, 0.5, size=(4, 3)), dtype=np.float32)
b = Tensor([0.1, 0.0, -0.1])
scores = x @ W + b  # (6, 4) @ (4, 3) -> (6, 3), + (3,) broadcast over the rows
print("scores:", scores.shape)
print(scores)

predicted = scores == scores.max(axis=1, keepdims=True)  # a mask of each row's top score
print("predicted class per flower:", np.argmax(predicted.numpy(), axis=1))

flops = 2 * x.shape[0] * x.shape[1] * W.shape[1]
print(f"the matmul took {flops} FLOPs; W and b hold {W.numel() + b.numel()} parameters "
      f"({W.memory_footprint() + b.memory_footprint()} bytes)")

# %% [markdown]
# ## 5. Systems analysis
#
# Three measurements of your own code: what a tensor costs in memory, what that costs in
# time, and how far a Python loop is from a BLAS call.
#
# ### 5.1 Memory per dtype
#
# One million elements, measured with your `memory_footprint()`, then scaled to the
# 7 billion parameters of a mid-size language model.

# %%
PARAMS_7B = 7e9
for dtype in (np.float64, np.float32, np.float16, np.int8):
    t = Tensor(np.zeros((1000, 1000)), dtype=dtype)
    per_element = t.memory_footprint() / t.numel()
    print(f"{t.dtype.name:>8}: {t.memory_footprint():>9,} bytes for 1M elements"
          f"  ->  7B parameters: {PARAMS_7B * per_element / 1e9:5.1f} GB")

# %% [markdown]
# Bytes also cost time. An elementwise op does one addition per element it reads, far too
# little work to keep the CPU's arithmetic units busy: its speed is set by how fast memory
# delivers the bytes. It is **memory-bound**. Time your `+` on 4 million elements per dtype:

# %%
adds = {}
for dtype in (np.float64, np.float32, np.int8):
    t = Tensor(np.ones(4_000_000), dtype=dtype)
    adds[np.dtype(dtype).name] = time_call(t.__add__, t, repeat=7)
for name, seconds in adds.items():
    print(f"{name:>8}: t + t over 4M elements {seconds * 1e3:6.2f} ms"
          f"  ({adds['float64'] / seconds:4.1f}x the float64 speed)")

# %% [markdown]
# Fewer bytes per element, less time: float32 moves half the bytes of float64, and int8 an
# eighth. The speedups need not match those ratios exactly. The int8 arrays (4 MB each) are
# small enough to stay in the CPU's caches, which are faster than main memory, while the
# float64 ones (32 MB each) are not. On a GPU the same reasoning applies to its memory; it is
# why training in 16-bit floats is the norm there.

# %% [markdown]
# ### 5.2 Loops vs vectorized matmul
#
# Both versions do exactly the same 2·n³ FLOPs. Time them for n = 16, 32, 64, and the
# vectorized one further out (the loop version would take too long):

# %%
try:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
except (TypeError, KeyError):  # an older NumPy or an unusual build
    blas = "unknown"
print(f"NumPy's BLAS: {blas}\n")
rng = np.random.default_rng(0)
loop_times = {}
print(f"{'n':>5} {'FLOPs':>13} {'loops':>10} {'vectorized':>12} {'speedup':>9}"
      f" {'loops':>15} {'vectorized':>15}")
for n in (16, 32, 64, 256, 1024):
    a = Tensor(rng.standard_normal((n, n)), dtype=np.float32)
    b = Tensor(rng.standard_normal((n, n)), dtype=np.float32)
    flops = 2 * n**3
    vectorized = time_call(a.matmul, b)
    if n <= 64:
        loop_times[n] = loops = time_call(matmul_loops, a, b, repeat=2)
        print(f"{n:>5} {flops:>13,} {loops * 1e3:>8.1f}ms {vectorized * 1e6:>10.1f}µs"
              f" {loops / vectorized:>8.0f}x {flops / loops / 1e6:>7.2f} MFLOP/s"
              f" {flops / vectorized / 1e9:>7.2f} GFLOP/s")
    else:
        print(f"{n:>5} {flops:>13,} {'':>10} {vectorized * 1e6:>10.1f}µs {'':>9} {'':>15}"
              f" {flops / vectorized / 1e9:>7.2f} GFLOP/s")
print(f"\nloops: 32 -> 64 took {loop_times[64] / loop_times[32]:.1f}x longer (2n³: 8x the FLOPs)")
print(f"loops at n = 640 (1000x the FLOPs of n = 64) would take about "
      f"{loop_times[64] * 1000:.0f} s")

# %% [markdown]
# **The bottleneck.** The loop version runs at a few MFLOP/s: every multiply-add goes
# through the interpreter, which fetches the bytecode, indexes the array (creating a new
# NumPy scalar object each time), looks up how to multiply two of those and stores the
# result back. Your MFLOP/s column puts that at a few hundred nanoseconds per multiply-add;
# the multiply itself takes under one. The time is the interpreter's, not the arithmetic's:
# it grows as n³ (about 8× per doubling of n) with no way to use what the hardware offers.
#
# `np.matmul` calls a BLAS library (the first line of the output names yours: OpenBLAS in
# NumPy from pip; PyTorch uses MKL or OpenBLAS on CPUs and cuBLAS on NVIDIA GPUs). BLAS uses
# SIMD instructions that multiply-add 8 or 16 float32 numbers at once, splits the matrices
# into blocks that stay in the CPU caches so every number loaded is reused many times, and
# runs on all cores. At small n the fixed cost of the call (microseconds) dominates, which
# is why the vectorized GFLOP/s column climbs with n: the bigger the matrices, the more work
# per call.
#
# **At 1000× scale.** A thousand times the FLOPs of n = 64 is n = 640: the loop version
# would take the time printed above, hopeless for a network that runs such products
# thousands of times per step. The vectorized version does n = 1024, 4096 times the FLOPs
# of n = 64, in milliseconds. At that size the limits change: each float32 matrix is 4 MB,
# more than a core's L2 cache, so how the data moves through the caches (blocking) and the
# number of cores decide the speed. Past that, PyTorch moves the work to GPUs, with
# thousands of cores and dedicated matrix units, and to several GPUs when one GPU's memory
# cannot hold the model (section 5.1).

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook: your code, your measurements. Each is worth 10 points; the graders look for
# understanding, references to your own code and measurements, the systems implications
# (memory, performance, scaling), and a comparison with production frameworks.

# %% [markdown] locked="q-memory"
# **Question 1: what a model's numbers cost.** A language model has 7 billion parameters.
#
# 1. Using the bytes per element your `memory_footprint()` measured in section 5.1, how much
#    memory do its weights take in float64, float32, float16 and int8?
# 2. Training with Adam keeps, for each parameter, the weight, its gradient and two running
#    averages (Adam's moments), all float32. How much memory is that, before activations?
#    Does it fit on one 80 GB GPU? What do production systems do about it?
# 3. Your Tensor makes Python floats float32 where NumPy would use float64. Using your
#    timing of `t + t` per dtype, explain the two costs of float64, and name one place where
#    you would still choose float64 and one where you would choose int8.

# %% [markdown] manual="systems-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Weights** (from the measured 8, 4, 2, 1 bytes per element): 7e9 × 8 = 56 GB (float64),
#   28 GB (float32), 14 GB (float16/bfloat16), 7 GB (int8); about 52, 26, 13 and 6.5 GiB.
#   Cites the section 5.1 output rather than a remembered formula.
# - **Training with Adam in float32:** 4 × 28 GB = 112 GB for weights, gradients and two
#   moments, plus activations that grow with batch size and sequence length. It does not
#   fit on one 80 GB GPU. Production answers: mixed precision (bf16/fp16 compute with fp32
#   master weights; still about 16 bytes per parameter with Adam), sharding optimizer
#   state, gradients and weights over GPUs (ZeRO / PyTorch FSDP), 8-bit optimizer states,
#   activation checkpointing.
# - **Two costs of float64:** twice the memory, and twice the bytes moved per element, so
#   memory-bound ops like `+` take longer, quoting their own measured ratio (typically
#   1.5–2× for float32 over float64; int8 faster again, helped by fitting in cache).
#   Bonus: GPUs run float64 arithmetic far slower than float32 (consumer GPUs 1/32 to 1/64
#   of the rate).
# - **When float64 / int8:** float64 for numerical checks such as gradient checking
#   (module 06's gradcheck), or long accumulations that lose precision in float32. int8 for
#   inference after quantization (module 15): 4× smaller than float32, needs scale factors
#   and calibration, and may cost accuracy.
#
# 7–8: correct weight numbers and some systems reasoning, but misses the optimizer state
# or the bandwidth cost, or no production comparison. 5–6: "float32 is smaller and faster"
# with no numbers from their notebook. 3–4: arithmetic errors (bits vs bytes, GB off by
# 1000×) or only the weights considered. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-broadcasting"
# **Question 2: what broadcasting costs, and what it does not.** In section 4, `x @ W + b`
# added a `(3,)` bias to a `(6, 3)` matrix.
#
# 1. Does NumPy copy `b` six times to do that? Use the strides printed in section 2.2 to
#    explain what happens instead.
# 2. Broadcasting still allocates memory. Which array is materialized, and how many bytes
#    is it for `Tensor(np.ones((4096, 1))) + Tensor(np.ones((1, 4096)))` in float32
#    (compute it, or measure it with your `memory_footprint()`)? In a chain such as
#    `(x - mean) / std * gamma + beta`, what gets allocated, and how do production
#    frameworks avoid it?
# 3. Module 06 will compute the gradient of the loss with respect to `b`. The gradient
#    arriving at `x @ W + b` has shape `(6, 3)`; `b` has shape `(3,)`. What must backward
#    do to get `b`'s gradient, and why is that the right answer?

# %% [markdown] manual="systems-broadcasting" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **No copy of the input:** a broadcast dim gets stride 0 (section 2.2 printed `(4,)`
#   becoming `(0, 4)`), so the compiled loop re-reads the same 3 bias values for every row.
#   The bias stays 12 bytes. PyTorch's `expand()` is the same stride-0 view; `repeat()`
#   copies.
# - **The output is materialized:** 4096 × 4096 × 4 bytes = 64 MiB (67 MB) from two inputs
#   of 16 KiB each; broadcasting saves the input copies, not the output. In the chain, every
#   op allocates a new full-size temporary (four here), which costs memory and, because
#   elementwise ops are memory-bound (section 5.1), time. Remedies: fused kernels and
#   compilers (`torch.compile`, XLA, a fused LayerNorm kernel) that compute the chain in one
#   pass, and in-place ops (`add_`) where autograd allows. Writing into a stride-0 view is
#   unsafe (many elements alias one).
# - **Gradient of a broadcast operand:** sum the `(6, 3)` gradient over the broadcast dim
#   (axis 0) to get shape `(3,)` ("unbroadcast"; for a size-1 dim, sum with keepdims). Each
#   bias value was used in 6 outputs, so by the chain rule its gradient is the sum of those
#   6 contributions. Notes that backward needs the input's shape (available from the GradFn
#   inputs) and that the bias gradient does not grow with the batch.
#
# 7–8: correct on stride 0 and the output size, weaker on temporaries or fusion, or states
# the sum rule without the reason. 5–6: "broadcasting saves memory" without separating
# inputs from outputs, no numbers. 3–4: believes the bias is copied, or a wrong gradient
# shape. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-matmul"
# **Question 3: loops, BLAS and beyond.** Use your timing table from section 5.2.
#
# 1. What speedup of `Tensor.matmul` over `matmul_loops` did you measure at n = 64? How did
#    each version's time grow from n = 32 to n = 64, and how does that relate to the 2n³
#    FLOP count?
# 2. Both versions do the same arithmetic. Where does `matmul_loops` spend its time for
#    each multiply-add?
# 3. `np.matmul` and `torch.matmul` hand the work to a BLAS library. Name at least two
#    things BLAS does beyond "no Python loop" and explain one with numbers from your table
#    (for example, GFLOP/s as n grows). What changes again on a GPU, and for which sizes
#    would a GPU not help?

# %% [markdown] manual="systems-matmul" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their numbers:** a speedup in the thousands to tens of thousands at n = 64 (quoted
#   from their table). The loop time grows about 8× from 32 to 64, as 2n³ predicts; the
#   vectorized time grows less than 8× at these sizes because fixed call overhead
#   (microseconds) dominates. The loop version runs at a few MFLOP/s, the vectorized one at
#   GFLOP/s.
# - **Where the loop time goes:** interpreter overhead per iteration: bytecode dispatch,
#   index arithmetic and bounds checks, boxing each element into a new NumPy scalar object,
#   dynamic dispatch of `*` and `+`, the store back into `out`. Hundreds of nanoseconds per
#   multiply-add against under a nanosecond for the hardware; the arithmetic is not the
#   cost.
# - **What BLAS adds:** SIMD/FMA (8–16 float32 multiply-adds per instruction);
#   cache blocking/tiling (sub-blocks that fit in L1/L2 so each loaded value is reused
#   O(block) times; the naive loop walks `b` down a column, a stride of n elements, missing
#   the cache); packing into contiguous panels; multithreading over cores. Grounded in their
#   table: GFLOP/s rising with n as overhead is amortized and blocks are reused.
# - **GPUs:** thousands of cores, tensor cores for matmul, high-bandwidth memory; PyTorch
#   calls cuBLAS. Small problems like n = 64 do not help: a kernel launch costs ~5–10 µs
#   and copying data between CPU and GPU costs more than the work; GPUs pay off for large or
#   batched matmuls. Module 17 builds a blocked matmul.
#
# 7–8: correct speedup and explanation of interpreter overhead, but BLAS described only as
# "C is faster" or no link to their numbers. 5–6: generic "vectorization is faster". 3–4:
# attributes the gap to the arithmetic or gets the growth wrong (e.g., linear). 0–2: no
# attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.tensor`:
#
# - `Tensor` (`torch.Tensor`): creation with PyTorch's dtype defaults and a copy of the data
#   (`torch.tensor`); `shape`, `ndim`, `dtype`, `size()`, `numel()`, `item()`, `numpy()`,
#   `len()`, `memory_footprint()` (`nbytes`); broadcasting `+ - * / **` with NumPy 2's
#   promotion and float32 integer division; comparisons returning bool masks; `matmul` and
#   `@`; `sum`, `mean`, `max` (`torch.amax`) with axes and keepdims; the views `reshape`,
#   `transpose` and indexing; `exp` and `log`.
# - `matmul_loops`, the three-loop matmul you measured against BLAS.
# - The gradient hook: `GradFn`, `from_op`, `is_grad_enabled` / `set_grad_enabled`,
#   `backward()` (`torch.Tensor.grad_fn`, `torch.set_grad_enabled`), ready for module 06.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (8 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code into your package: `tito module export tensor`. Then
#       `from tinytorch.core.tensor import Tensor` works in any notebook or script.
#
# **Next: module 02, activations.** You will write ReLU as `max(0, x)` elementwise (and see
# why `x * (x > 0)` is a trap), sigmoid with `exp`, and a softmax that subtracts
# `x.max(axis=-1, keepdims=True)` before `exp` so that it never overflows, then divides by a
# `sum(axis=-1, keepdims=True)`: every piece of it is an op you wrote today.
