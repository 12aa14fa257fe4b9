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
from tito.testing import run_tests

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


def best_of(fn, *args, repeat=5):
    """Fastest of `repeat` runs of fn(*args), in seconds (the run least disturbed by noise)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


contiguous = best_of(np.copy, big)
strided = best_of(np.ascontiguousarray, big.T)
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
view_time = best_of(base.reshape, -1)
copy_time = best_of(np.copy, base)
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
# A Python class cannot be split across notebook cells, so `Tensor` lives in **one cell**,
# organized in numbered pieces. For each piece, read its section below, replace the
# `raise NotImplementedError` stubs in its methods in the class cell with your code, re-run
# the class cell, then run the piece's test cell. Work in order: later pieces create
# tensors, so they need piece 1.
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 creation | `__init__` dtype rules, `size`, `numel`, `item`, `memory_footprint` | `torch.tensor`, `Tensor.size`, `.numel`, `.item`, `.nbytes` | 10 |
# | 2 arithmetic | `+ - * / **` and their reflected forms | `torch.add`, `sub`, `mul`, `div`, `pow` | 15 |
# | 3 comparisons | `_compare` (for `== != < <= > >=`), `__neg__` | `torch.eq`, `lt`, ..., `neg` | 5 |
# | 4 loop matmul | `matmul_loops` (its own cell) | what BLAS replaces | 5 |
# | 5 matmul | `matmul` | `torch.matmul`, `@` | 10 |
# | 6 reductions | `sum`, `mean`, `max` | `torch.sum`, `mean`, `amax` | 10 |
# | 7 views | `reshape`, `transpose`, `__getitem__` | `Tensor.reshape`, `transpose`, indexing | 10 |
# | 8 elementwise math | `exp`, `log` | `torch.exp`, `torch.log` | 5 |
#
# **What is given.** The plumbing is written for you, outside the solution regions, so each
# exercise is the NumPy math and nothing else:
#
# - `self._operand(other, op)` turns the other operand into a NumPy value you compute with
#   (a Tensor gives its array; a Python or NumPy number stays as it is) and raises a
#   `ValueError` naming both shapes when they cannot broadcast. It returns `NotImplemented`
#   for types a Tensor cannot combine with, so that Python raises the usual `TypeError`.
# - `self._from_op(data, op, inputs, **saved)` wraps your NumPy result in a new Tensor and,
#   when gradients are being tracked, records how it was made (section 3.9).
# - Shape, dtype and range checks with error messages that say what is wrong and how to fix it.
# - `shape`, `ndim`, `dtype`, `numpy()`, `len()`, `repr()`, `detach()`, `backward()`.
#
# First the package's imports and the record that module 06 will use for gradients. Run
# these two cells; they are complete.

# %% locked="tensor-package-imports"
#| export
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

# %% locked="tensor-grad-record"
#| export
@dataclass(frozen=True, eq=False)
class GradFn:
    """How a tensor was computed: the op, its input tensors and what its backward needs.

    PyTorch keeps the same record in `tensor.grad_fn` (e.g. `<MulBackward0>`). Module 06
    walks these records from the loss back to the leaves to compute gradients.
    `eq=False`: two records are the same only if they are the same object.
    """

    op: str  # "add", "matmul", "sum", ...
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
# Now the class. Read it top to bottom once: the given methods show the pattern every
# exercise follows (get `b` from `_operand`, compute `data`, return `_from_op(...)`). Then
# go to section 3.1 and start with piece 1.

# %% solution="tensor-class"
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

    # ── 1. Creation and properties ──────────────────────────────────────────────────────

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
        tensor._requires_grad = False
        return tensor

    @classmethod
    def _from_op(cls, data: np.ndarray | np.generic, op: str, inputs: tuple, **saved) -> "Tensor":
        """Wrap the result of op `op` and, if gradients are tracked, record a GradFn.

        A result requires grad when recording is on (is_grad_enabled()) and any input
        requires grad. Non-Tensor inputs (Python or NumPy numbers, arrays) are recorded as
        constant Tensors; a Python number takes the result's dtype.
        """
        out = cls._wrap(data)
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

    def backward(self, gradient: "Tensor | None" = None) -> None:
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
        autograd.backward(self, gradient)

    # ── 2. Arithmetic with broadcasting ─────────────────────────────────────────────────

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
        return self._from_op(data, "add", (self, other))

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
        return self._from_op(data, "add", (other, self))

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
        return self._from_op(data, "sub", (self, other))

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
        return self._from_op(data, "sub", (other, self))

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
        return self._from_op(data, "mul", (self, other))

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
        return self._from_op(data, "mul", (other, self))

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
        return self._from_op(data, "div", (self, other))

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
        return self._from_op(data, "div", (other, self))

    def __pow__(self, other: _Operand) -> "Tensor":
        """self ** other, elementwise with broadcasting (torch.pow).

        TODO: set `data` to this tensor's array raised to the power `b`.
        APPROACH: as in __add__, with NumPy's `**`.
        EXAMPLE: Tensor([1.0, 2.0, 3.0]) ** 2 -> Tensor([1., 4., 9.], dtype=float32)
        HINTS: the exponent is saved for module 06: d(x**n)/dx = n * x**(n-1).
        """
        b = self._operand(other, "pow")
        if b is NotImplemented:
            return NotImplemented
        with np.errstate(all="ignore"):  # 0 ** -1 = inf and (-1) ** 0.5 = nan, quietly
            ### BEGIN SOLUTION
            data = self.data**b
            ### END SOLUTION
        return self._from_op(data, "pow", (self, other), exponent=other)

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
        return self._from_op(data, "pow", (other, self), exponent=self)

    # ── 3. Comparisons and negation ─────────────────────────────────────────────────────

    def _compare(self, other: _Operand, op: str, compare: np.ufunc) -> "Tensor":
        """Elementwise comparison with broadcasting: a bool tensor that is never in the graph.

        TODO: return a Tensor holding `compare(self.data, b)`, outside the graph.

        APPROACH: `compare` is a NumPy function such as np.less; it broadcasts and returns
        a bool array. A comparison has no gradient (it is a step function), so do not
        record it: wrap the result with `Tensor._wrap(...)`, not `self._from_op(...)`.

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
        return self._from_op(data, "neg", (self,))

    # ── 5. Matrix multiplication (piece 4, matmul_loops, has its own cell) ──────────────

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
        return self._from_op(data, "matmul", (self, other))

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

    # ── 6. Reductions ───────────────────────────────────────────────────────────────────

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
        return self._from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)

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
        return self._from_op(data, "mean", (self,), axis=axis, keepdims=keepdims)

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
        return self._from_op(data, "max", (self,), axis=axis, keepdims=keepdims)

    # ── 7. Views: reshape, transpose, indexing ──────────────────────────────────────────

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
        return self._from_op(data, "reshape", (self,))

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
        return self._from_op(data, "transpose", (self,), dim0=dim0, dim1=dim1)

    def __getitem__(self, index: object) -> "Tensor":
        """t[index] with NumPy's indexing rules; always a Tensor (torch.Tensor.__getitem__).

        Ints, slices, Ellipsis (...), None, bool masks and integer arrays all work; Tensors
        used as indices are replaced by their arrays. Basic indexing (ints, slices) gives a
        view; a mask or an index array gives a copy.

        TODO: set `data` to the array indexed with `index`.
        APPROACH: NumPy indexing does it all; `index` is already converted.
        EXAMPLE: Tensor([[1.0, 2.0], [3.0, 4.0]])[:, 1] -> Tensor([2., 4.], dtype=float32)
        HINTS: t[0, 1] gives a NumPy scalar; `_from_op` turns it into a 0-d Tensor.
        """
        index = _numpy_index(index)
        ### BEGIN SOLUTION
        data = self.data[index]
        ### END SOLUTION
        return self._from_op(data, "getitem", (self,), index=index)

    # ── 8. Elementwise math ─────────────────────────────────────────────────────────────

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
        return self._from_op(data, "exp", (self,))

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
        return self._from_op(data, "log", (self,))


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
# Then the properties: `size(dim)` (PyTorch's name for the shape; `size(1)` is the length of
# dim 1), `numel()`, `item()` (a Python number from a one-element tensor: you will call it on
# every loss you print), and `memory_footprint()`, the bytes the elements take, numel ×
# itemsize. PyTorch spells that `t.nbytes` or `t.numel() * t.element_size()`.
#
# **Common mistakes:** `np.asarray` instead of a copy; forcing everything to float32 (a
# float64 array must stay float64); `numel()` of a 0-d tensor is 1, not 0; `item()` must
# return a Python number, not `np.float32`; `memory_footprint()` assuming 4 bytes.

# %% test="tensor-creation-tests" points=10
def test_tensor_from_nested_list():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t, Tensor), f"Tensor(...) should build a Tensor, got {type(t)}"
    assert isinstance(t.data, np.ndarray), "t.data should be a NumPy array"
    assert t.shape == (2, 3), f"shape should be (2, 3), got {t.shape}"
    assert t.ndim == 2, f"ndim should be 2, got {t.ndim}"
    assert t.dtype == np.float32, f"Python floats should become float32, got {t.dtype}"
    np.testing.assert_array_equal(
        t.numpy(), [[1, 2, 3], [4, 5, 6]], err_msg="the values changed on the way in"
    )


def test_default_and_explicit_dtypes():
    assert Tensor([1, 2, 3]).dtype == np.int64, "Python ints should become int64"
    assert Tensor([True, False]).dtype == np.bool_, "Python bools should stay bool"
    assert Tensor(np.array([1.0, 2.0])).dtype == np.float64, (
        "a NumPy array keeps its dtype: a float64 array must stay float64"
    )
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32, "an explicit dtype wins"
    t = Tensor([1.0, 2.0], dtype="int64")
    assert t.dtype == np.int64, f"dtype='int64' should give int64, got {t.dtype}"
    np.testing.assert_array_equal(t.numpy(), [1, 2], err_msg="converting to int64")


def test_size_numel_len():
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.size() == (2, 3, 4), f"size() should be the shape (2, 3, 4), got {t.size()}"
    assert t.size(1) == 3, f"size(1) should be 3, got {t.size(1)}"
    assert t.numel() == 24, f"numel() of shape (2, 3, 4) should be 24, got {t.numel()}"
    assert isinstance(t.numel(), int), f"numel() should be a Python int, got {type(t.numel())}"
    assert len(t) == 2, f"len() should be the first dim, 2, got {len(t)}"


def test_item_and_memory_footprint():
    value = Tensor(3.5).item()
    assert value == 3.5 and type(value) is float, (
        f"Tensor(3.5).item() should be the Python float 3.5, got {value!r} ({type(value)})"
    )
    t = Tensor(np.zeros((2, 3)), dtype=np.float32)
    assert t.memory_footprint() == 24, (
        f"2 x 3 float32 elements take 24 bytes, got {t.memory_footprint()}"
    )


def test_bad_data_is_rejected():
    assert Tensor([1.0], requires_grad=True).requires_grad, "requires_grad=True should stick"
    with pytest.raises(TypeError, match="floating point"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="text"):
        Tensor(["a", "b"])
    with pytest.raises(ValueError, match="rectangular"):
        Tensor([[1, 2], [3]])


run_tests(
    test_tensor_from_nested_list,
    test_default_and_explicit_dtypes,
    test_size_numel_len,
    test_item_and_memory_footprint,
    test_bad_data_is_rejected,
)
### BEGIN HIDDEN TESTS
def test_tensor_owns_a_copy_of_its_data():
    source = np.array([1.0, 2.0, 3.0])
    t = Tensor(source)
    source[0] = 100.0
    assert t.numpy()[0] == 1.0, "Tensor(array) must copy: writing to the array changed it"
    u = Tensor(t)
    u.numpy()[1] = -1.0
    assert t.numpy()[1] == 2.0, "Tensor(tensor) must copy: writing to the copy changed it"
    assert u.dtype == np.float64, f"Tensor(tensor) keeps the dtype, got {u.dtype}"
    c = Tensor(np.arange(3), dtype=np.float32)
    assert c.dtype == np.float32, f"an explicit dtype wins over an array's, got {c.dtype}"


def test_scalars_empty_and_mixed_data():
    s = Tensor(2.5)
    assert s.shape == () and s.dtype == np.float32, (
        f"Tensor(2.5) should be 0-d float32, got shape {s.shape}, dtype {s.dtype}"
    )
    assert s.numel() == 1, f"a 0-d tensor has 1 element, numel() gave {s.numel()}"
    assert s.size() == (), f"size() of a 0-d tensor is (), got {s.size()}"
    i = Tensor(7).item()
    assert i == 7 and type(i) is int, f"Tensor(7).item() should be the int 7, got {i!r}"
    assert Tensor(np.float64(1.5)).dtype == np.float64, "a NumPy float64 number keeps float64"
    assert Tensor(np.int8(3)).dtype == np.int8, "a NumPy int8 number keeps int8"
    e = Tensor([])
    assert e.shape == (0,) and e.dtype == np.float32, (
        f"Tensor([]) should be shape (0,) float32 (like torch.tensor([])), "
        f"got {e.shape} {e.dtype}"
    )
    assert e.numel() == 0 and e.memory_footprint() == 0, "an empty tensor has 0 elements, 0 bytes"
    assert Tensor([1, 2.5]).dtype == np.float32, "a list mixing ints and floats gives float32"
    assert Tensor(((1, 2), (3, 4))).shape == (2, 2), "nested tuples work like nested lists"


def test_size_negative_dims_and_bytes_per_dtype():
    t = Tensor(np.zeros((2, 3, 4), dtype=np.int8))
    assert t.size(0) == 2, f"size(0) is the first dim's length, 2, got {t.size(0)}"
    assert t.size(-1) == 4 and t.size(-3) == 2, "negative dims count from the end"
    assert t.memory_footprint() == 24, f"24 int8 elements take 24 bytes, got {t.memory_footprint()}"
    assert Tensor(np.zeros(3)).memory_footprint() == 24, "3 float64 elements take 24 bytes"
    assert Tensor([True] * 5).memory_footprint() == 5, "a bool takes 1 byte"
    big = Tensor(np.zeros((7, 5), dtype=np.float16))
    assert big.memory_footprint() == big.numpy().nbytes == 70, "35 float16 elements: 70 bytes"
    with pytest.raises(ValueError, match="exactly one"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(IndexError):
        t.size(3)
    with pytest.raises(TypeError):
        len(Tensor(1.0))


run_tests(
    test_tensor_owns_a_copy_of_its_data,
    test_scalars_empty_and_mixed_data,
    test_size_negative_dims_and_bytes_per_dtype,
)
### END HIDDEN TESTS

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

# %% test="tensor-arithmetic-tests" points=15
def test_elementwise_ops_same_shape():
    a = Tensor([1.0, 2.0, 3.0])
    b = Tensor([4.0, 5.0, 6.0])
    cases = [
        ("a + b", lambda: a + b, [5.0, 7.0, 9.0]),
        ("a - b", lambda: a - b, [-3.0, -3.0, -3.0]),
        ("a * b", lambda: a * b, [4.0, 10.0, 18.0]),
        ("b / a", lambda: b / a, [4.0, 2.5, 2.0]),
        ("a ** 2", lambda: a**2, [1.0, 4.0, 9.0]),
    ]
    for name, op, expected in cases:
        result = op()
        assert isinstance(result, Tensor), f"{name} should return a Tensor, got {type(result)}"
        assert result.dtype == np.float32, f"{name} of float32 gave {result.dtype}, not float32"
        np.testing.assert_allclose(result.numpy(), expected, err_msg=f"{name} has wrong values")


def test_broadcasting_a_row_and_numbers():
    m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row = Tensor([10.0, 20.0, 30.0])
    out = m + row
    assert out.shape == (2, 3), f"(2, 3) + (3,) should be (2, 3), got {out.shape}"
    np.testing.assert_allclose(out.numpy(), [[11, 22, 33], [14, 25, 36]], err_msg="m + row")
    scaled = m * 2.5
    assert scaled.dtype == np.float32, f"float32 * 2.5 should stay float32, got {scaled.dtype}"
    np.testing.assert_allclose(scaled.numpy(), [[2.5, 5, 7.5], [10, 12.5, 15]], err_msg="m * 2.5")


def test_reflected_operators():
    t = Tensor([1.0, 2.0, 4.0])
    cases = [
        ("10 - t", lambda: 10 - t, [9.0, 8.0, 6.0]),
        ("2 * t", lambda: 2 * t, [2.0, 4.0, 8.0]),
        ("1 + t", lambda: 1 + t, [2.0, 3.0, 5.0]),
        ("8 / t", lambda: 8 / t, [8.0, 4.0, 2.0]),
        ("2 ** t", lambda: 2**t, [2.0, 4.0, 16.0]),
    ]
    for name, op, expected in cases:
        result = op()
        assert isinstance(result, Tensor), f"{name} should return a Tensor, got {type(result)}"
        np.testing.assert_allclose(result.numpy(), expected, err_msg=f"{name} has wrong values")


def test_integer_division_gives_float32():
    q = Tensor([1, 2, 3]) / Tensor([2, 2, 2])
    assert q.dtype == np.float32, f"int64 / int64 should give float32, got {q.dtype}"
    np.testing.assert_allclose(q.numpy(), [0.5, 1.0, 1.5], err_msg="1, 2, 3 divided by 2")
    h = Tensor([3, 4]) / 2
    assert h.dtype == np.float32, f"int tensor / 2 should give float32, got {h.dtype}"
    np.testing.assert_allclose(h.numpy(), [1.5, 2.0], err_msg="[3, 4] / 2")


def test_incompatible_shapes_raise():
    ok = Tensor(np.ones((2, 3))) + Tensor(np.ones((1, 3)))
    assert ok.shape == (2, 3), f"(2, 3) + (1, 3) should broadcast to (2, 3), got {ok.shape}"
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(2))


run_tests(
    test_elementwise_ops_same_shape,
    test_broadcasting_a_row_and_numbers,
    test_reflected_operators,
    test_integer_division_gives_float32,
    test_incompatible_shapes_raise,
)
### BEGIN HIDDEN TESTS
def test_broadcasting_shapes_the_visible_tests_skip():
    col = Tensor([[1.0], [2.0], [3.0]])
    row = Tensor([[10.0, 20.0, 30.0, 40.0]])
    outer = col * row
    assert outer.shape == (3, 4), f"(3, 1) * (1, 4) should be (3, 4), got {outer.shape}"
    np.testing.assert_allclose(outer.numpy(), np.outer([1, 2, 3], [10, 20, 30, 40]))
    a = np.arange(6.0).reshape(2, 1, 3)
    b = np.arange(4.0).reshape(4, 1)
    diff = Tensor(a) - Tensor(b)
    assert diff.shape == (2, 4, 3), f"(2, 1, 3) - (4, 1) should be (2, 4, 3), got {diff.shape}"
    np.testing.assert_allclose(diff.numpy(), a - b, err_msg="(2, 1, 3) - (4, 1)")
    s = Tensor(5.0) + Tensor([1.0, 2.0, 3.0])
    assert s.shape == (3,), f"0-d + (3,) should be (3,), got {s.shape}"
    e = Tensor(np.zeros((0, 3))) * Tensor([1.0, 2.0, 3.0])
    assert e.shape == (0, 3), f"(0, 3) * (3,) should be an empty (0, 3), got {e.shape}"
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2, 4\)"):
        Tensor(np.ones((3, 1))) * Tensor(np.ones((2, 4)))


def test_dtype_promotion_rules():
    f32 = Tensor([1.0, 2.0])
    checks = [
        ("float32 + 1", lambda: f32 + 1, np.float32),
        ("float32 - np.float32(1)", lambda: f32 - np.float32(1), np.float32),
        ("float32 ** 2", lambda: f32**2, np.float32),
        ("2 ** float32", lambda: 2**f32, np.float32),
        ("float32 * float64 tensor", lambda: f32 * Tensor(np.array([2.0])), np.float64),
        ("float32 * 2", lambda: f32 * 2, np.float32),
        ("int64 * 3", lambda: Tensor([1, 2]) * 3, np.int64),
        ("int8 * 2", lambda: Tensor([1, 2], dtype=np.int8) * 2, np.int8),
        ("int8 + 1", lambda: Tensor([1, 2], dtype=np.int8) + 1, np.int8),
        ("1 - int8", lambda: 1 - Tensor([1, 2], dtype=np.int8), np.int8),
    ]
    for name, op, dtype in checks:
        result = op()
        assert isinstance(result, Tensor), f"{name} should return a Tensor"
        assert result.dtype == dtype, (
            f"{name} should be {np.dtype(dtype)}, got {result.dtype}: keep Python numbers as "
            "Python numbers (don't wrap them in arrays) so NumPy treats them as weak"
        )
    n = np.float32(2) * f32
    assert isinstance(n, Tensor) and n.dtype == np.float32, "np.float32(2) * t is a float32 Tensor"
    r = np.ones(2) + f32
    assert isinstance(r, Tensor) and r.dtype == np.float64, "array + t is a Tensor (float64 here)"


def test_division_edge_cases():
    with np.errstate(all="raise"):  # division by zero must give inf / nan quietly
        q = Tensor([1.0, -1.0, 0.0]) / 0.0
    assert q.dtype == np.float32, f"float32 / 0.0 should stay float32, got {q.dtype}"
    np.testing.assert_array_equal(q.numpy(), [np.inf, -np.inf, np.nan], err_msg="x / 0")
    b = Tensor([True, False]) / Tensor([True, True])
    assert b.dtype == np.float32, f"bool / bool should give float32, got {b.dtype}"
    np.testing.assert_allclose(b.numpy(), [1.0, 0.0], err_msg="bool / bool")
    r = 3 / Tensor([2, 4])
    assert r.dtype == np.float32, f"3 / int tensor should give float32, got {r.dtype}"
    np.testing.assert_allclose(r.numpy(), [1.5, 0.75], err_msg="3 / [2, 4]")
    f = Tensor(np.array([1.0])) / Tensor([2, 4])
    assert f.dtype == np.float64, f"float64 / int64 keeps NumPy's float64, got {f.dtype}"
    w = Tensor([1, 2]) / 2.5
    assert w.dtype == np.float32, f"int tensor / 2.5 should give float32, got {w.dtype}"
    np.testing.assert_allclose(w.numpy(), [0.4, 0.8], rtol=1e-6, err_msg="[1, 2] / 2.5")
    g = Tensor([1, 2]) / Tensor(np.array([2.0, 4.0]))
    assert g.dtype == np.float64, (
        f"int64 / float64 keeps NumPy's float64 (only int / int becomes float32), got {g.dtype}"
    )
    h = Tensor([1.0, 3.0]) / Tensor([2, 4])
    assert h.dtype == np.float64, (
        f"float32 / int64 follows NumPy's promotion, float64 (like float32 + int64), got {h.dtype}"
    )


def test_arithmetic_records_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = 3 * x - 1
    assert y.requires_grad and y.grad_fn is not None, "ops on x (requires_grad) must record"
    assert y.grad_fn.op == "sub", f"the last op was sub, got {y.grad_fn.op!r}"
    product, one = y.grad_fn.inputs
    assert product.grad_fn.op == "mul" and product.grad_fn.inputs[1] is x, (
        "3 * x should record op 'mul' with inputs (3, x)"
    )
    assert isinstance(one, Tensor) and one.shape == () and not one.requires_grad, (
        "a Python number is recorded as a constant 0-d Tensor"
    )
    assert (x**2).grad_fn.saved["exponent"] == 2, "pow saves its exponent"
    assert (x / Tensor([2.0, 2.0])).grad_fn.op == "div", "true division records op 'div'"
    plain = Tensor([1.0]) + 1
    assert not plain.requires_grad and plain.grad_fn is None, "no input requires grad: no record"


run_tests(
    test_broadcasting_shapes_the_visible_tests_skip,
    test_dtype_promotion_rules,
    test_division_edge_cases,
    test_arithmetic_records_the_graph,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: comparisons and negation
#
# `a < b` on tensors compares elementwise and returns a **bool tensor**, a mask, not a
# single `True` or `False`. Module 02 uses one for ReLU: `x * (x > 0)`. Comparisons are
# step functions, flat almost everywhere, so they carry no gradient: `_compare` returns its
# result outside the graph. The six operators are written for you and all call `_compare`
# with their NumPy function; you write `_compare` and `__neg__`.
#
# Because `==` is elementwise, never write `assert a == b` with tensors: it asks Python for
# the truth value of a whole mask. Compare arrays with `np.testing` (the tests do), or
# reduce: `(a == b).numpy().all()`.
#
# PyTorch: `torch.eq`, `ne`, `lt`, `le`, `gt`, `ge`, `torch.neg`.

# %% test="tensor-compare-tests" points=5
def test_comparisons_return_bool_tensors():
    a = Tensor([1.0, 2.0, 3.0])
    cases = [
        ("a < 2", lambda: a < 2, [True, False, False]),
        ("a <= 2", lambda: a <= 2, [True, True, False]),
        ("a > 2", lambda: a > 2, [False, False, True]),
        ("a >= 2", lambda: a >= 2, [False, True, True]),
        ("a == 2", lambda: a == 2, [False, True, False]),
        ("a != 2", lambda: a != 2, [True, False, True]),
        ("a == tensor", lambda: a == Tensor([1.0, 0.0, 3.0]), [True, False, True]),
    ]
    for name, op, expected in cases:
        result = op()
        assert isinstance(result, Tensor), f"{name} should return a Tensor, got {type(result)}"
        assert result.dtype == np.bool_, f"{name} should be a bool tensor, got {result.dtype}"
        np.testing.assert_array_equal(result.numpy(), expected, err_msg=f"{name} is wrong")


def test_negation():
    n = -Tensor([1.0, -2.0, 0.5])
    assert isinstance(n, Tensor), f"-t should be a Tensor, got {type(n)}"
    assert n.dtype == np.float32, f"-t should keep float32, got {n.dtype}"
    np.testing.assert_allclose(n.numpy(), [-1.0, 2.0, -0.5], err_msg="-[1, -2, 0.5]")


run_tests(test_comparisons_return_bool_tensors, test_negation)
### BEGIN HIDDEN TESTS
def test_comparisons_broadcast_and_stay_out_of_the_graph():
    x = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    mask = x > Tensor([2.0, 4.0])
    np.testing.assert_array_equal(
        mask.numpy(), [[False, True], [True, False]], err_msg="(2, 2) > (2,)"
    )
    assert not mask.requires_grad and mask.grad_fn is None, (
        "a comparison has no gradient: its result must not require grad or record a GradFn"
    )
    eye = Tensor([[1], [2], [3]]) == Tensor([1, 2, 3])
    assert eye.shape == (3, 3), f"(3, 1) == (3,) should broadcast to (3, 3), got {eye.shape}"
    np.testing.assert_array_equal(eye.numpy(), np.eye(3, dtype=bool), err_msg="(3,1) == (3,)")
    mixed = Tensor([1, 2, 3]) >= 2.5
    np.testing.assert_array_equal(mixed.numpy(), [False, False, True], err_msg="int t >= 2.5")
    scalar = np.float32(2) >= Tensor([1.0, 3.0])
    assert isinstance(scalar, Tensor), "np.float32(2) >= t should give a Tensor"
    np.testing.assert_array_equal(scalar.numpy(), [True, False], err_msg="np.float32(2) >= t")


def test_negation_keeps_dtype_and_shape():
    i = -Tensor([1, -2])
    assert i.dtype == np.int64, f"-int64 should stay int64, got {i.dtype}"
    np.testing.assert_array_equal(i.numpy(), [-1, 2], err_msg="-[1, -2]")
    z = -Tensor(2.5)
    assert z.shape == () and z.item() == -2.5, "-Tensor(2.5) should be the 0-d -2.5"
    assert (-Tensor([])).shape == (0,), "negating an empty tensor gives an empty tensor"
    x = Tensor([1.0], requires_grad=True)
    assert (-x).grad_fn.op == "neg", "negation records op 'neg'"


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
def test_matmul_loops_2x2():
    out = matmul_loops(Tensor([[1, 2], [3, 4]]), Tensor([[5, 6], [7, 8]]))
    assert isinstance(out, Tensor), f"matmul_loops should return a Tensor, got {type(out)}"
    assert out.shape == (2, 2), f"(2, 2) @ (2, 2) should be (2, 2), got {out.shape}"
    np.testing.assert_array_equal(out.numpy(), [[19, 22], [43, 50]], err_msg="the 2x2 example")


def test_matmul_loops_rectangular():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    out = matmul_loops(Tensor(a), Tensor(b))
    assert out.shape == (2, 4), f"(2, 3) @ (3, 4) should be (2, 4), got {out.shape}"
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-5, atol=1e-6, err_msg="vs NumPy's @")


run_tests(test_matmul_loops_2x2, test_matmul_loops_rectangular)
### BEGIN HIDDEN TESTS
def test_matmul_loops_shapes_and_dtypes():
    col, row = np.arange(1.0, 6.0).reshape(5, 1), np.arange(1.0, 4.0).reshape(1, 3)
    outer = matmul_loops(col, row)
    assert outer.shape == (5, 3), f"(5, 1) @ (1, 3) should be (5, 3), got {outer.shape}"
    np.testing.assert_allclose(outer.numpy(), col @ row, err_msg="(5, 1) @ (1, 3)")
    dot = matmul_loops(np.ones((1, 4)), np.full((4, 1), 2.0))
    assert dot.shape == (1, 1) and dot.numpy()[0, 0] == 8.0, "(1, 4) @ (4, 1) should be [[8]]"
    ints = matmul_loops(np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4))
    assert ints.dtype == np.int64, f"int64 @ int64 should stay int64, got {ints.dtype}"
    np.testing.assert_array_equal(
        ints.numpy(), np.arange(6).reshape(2, 3) @ np.arange(12).reshape(3, 4), err_msg="ints"
    )
    f32 = matmul_loops(Tensor(np.ones((2, 2), np.float32)), Tensor(np.ones((2, 3), np.float32)))
    assert f32.dtype == np.float32, f"float32 @ float32 should stay float32, got {f32.dtype}"
    np.testing.assert_array_equal(f32.numpy(), np.full((2, 3), 2.0), err_msg="ones @ ones")
    empty = matmul_loops(np.ones((2, 0)), np.ones((0, 3)))
    assert empty.shape == (2, 3), f"(2, 0) @ (0, 3) should be (2, 3), got {empty.shape}"
    np.testing.assert_array_equal(empty.numpy(), np.zeros((2, 3)), err_msg="a sum of nothing is 0")


def test_matmul_loops_rejects_bad_shapes():
    out = matmul_loops(np.eye(3), np.arange(9.0).reshape(3, 3))
    np.testing.assert_array_equal(out.numpy(), np.arange(9.0).reshape(3, 3), err_msg="I @ x = x")
    with pytest.raises(ValueError, match="do not align"):
        matmul_loops(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        matmul_loops(np.ones(3), np.ones((3, 2)))


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

# %% test="tensor-matmul-tests" points=10
def test_matmul_2d():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    b = Tensor([[5.0, 6.0], [7.0, 8.0]])
    for name, out in [("a.matmul(b)", a.matmul(b)), ("a @ b", a @ b)]:
        assert isinstance(out, Tensor), f"{name} should be a Tensor, got {type(out)}"
        assert out.dtype == np.float32, f"{name} of float32 should be float32, got {out.dtype}"
        np.testing.assert_allclose(out.numpy(), [[19, 22], [43, 50]], err_msg=f"{name} is wrong")


def test_matmul_matches_loops():
    rng = np.random.default_rng(1)
    a = Tensor(rng.standard_normal((4, 3)), dtype=np.float32)
    b = Tensor(rng.standard_normal((3, 5)), dtype=np.float32)
    fast = a @ b
    assert fast.shape == (4, 5), f"(4, 3) @ (3, 5) should be (4, 5), got {fast.shape}"
    np.testing.assert_allclose(
        fast.numpy(), matmul_loops(a, b).numpy(), rtol=1e-5, atol=1e-6,
        err_msg="Tensor.matmul and matmul_loops disagree",
    )


def test_matmul_shape_error():
    ok = Tensor(np.ones((2, 3))) @ Tensor(np.ones((3, 5)))
    assert ok.shape == (2, 5), f"(2, 3) @ (3, 5) should be (2, 5), got {ok.shape}"
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


run_tests(test_matmul_2d, test_matmul_matches_loops, test_matmul_shape_error)
### BEGIN HIDDEN TESTS
def test_matmul_vectors_and_batches():
    v = Tensor([1.0, 2.0, 3.0])
    m = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    vm = v @ Tensor(m)
    assert vm.shape == (2,), f"(3,) @ (3, 2) should be (2,), got {vm.shape}"
    np.testing.assert_allclose(vm.numpy(), np.array([1.0, 2.0, 3.0]) @ m, err_msg="(3,) @ (3, 2)")
    mv = Tensor(m.T.copy()) @ v
    assert mv.shape == (2,), f"(2, 3) @ (3,) should be (2,), got {mv.shape}"
    vv = v @ v
    assert vv.shape == () and vv.item() == 14.0, "(3,) @ (3,) is the 0-d dot product 14"
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    ab = Tensor(a) @ Tensor(b)
    assert ab.shape == (2, 3, 5), f"(2, 3, 4) @ (4, 5) should be (2, 3, 5), got {ab.shape}"
    np.testing.assert_allclose(ab.numpy(), a @ b, rtol=1e-5, atol=1e-6, err_msg="batched")
    c = rng.standard_normal((2, 1, 3, 4))
    d = rng.standard_normal((5, 4, 2))
    cd = Tensor(c).matmul(Tensor(d))
    assert cd.shape == (2, 5, 3, 2), (
        f"(2, 1, 3, 4) @ (5, 4, 2) should broadcast the batch dims to (2, 5, 3, 2), got "
        f"{cd.shape}: use np.matmul, not np.dot"
    )
    np.testing.assert_allclose(cd.numpy(), c @ d, err_msg="broadcast batch matmul")


def test_matmul_dtypes_and_arrays():
    i = Tensor([[1, 2], [3, 4]]) @ Tensor([[1, 0], [0, 1]])
    assert i.dtype == np.int64, f"int64 @ int64 should stay int64, got {i.dtype}"
    np.testing.assert_array_equal(i.numpy(), [[1, 2], [3, 4]], err_msg="x @ I")
    left = np.ones((2, 3)) @ Tensor(np.ones((3, 2)))
    assert isinstance(left, Tensor), f"array @ Tensor should be a Tensor, got {type(left)}"
    np.testing.assert_array_equal(left.numpy(), np.full((2, 2), 3.0), err_msg="array @ Tensor")
    right = Tensor(np.ones((2, 3))) @ np.ones((3, 1))
    np.testing.assert_array_equal(right.numpy(), np.full((2, 1), 3.0), err_msg="Tensor @ array")


def test_matmul_rejects_0d_and_bad_batches():
    v = Tensor([1.0, 2.0])
    np.testing.assert_allclose((v @ v).numpy(), 5.0, err_msg="(2,) @ (2,) is 5")
    with pytest.raises(ValueError, match="0-d"):
        Tensor(2.0) @ v
    with pytest.raises(ValueError, match="batch"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 2)))
    x = Tensor(np.ones((1, 2)), dtype=np.float32, requires_grad=True)
    w = Tensor(np.ones((2, 3)), dtype=np.float32)
    y = x @ w
    assert y.grad_fn.op == "matmul" and y.grad_fn.inputs[0] is x and y.grad_fn.inputs[1] is w, (
        "x @ w should record op 'matmul' with inputs (x, w)"
    )


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
# `max` returns only the values, like `torch.amax`. PyTorch's `torch.max(x, dim)` also
# returns the *indices* of the maxima (argmax); we leave that out. The max of an empty
# tensor is undefined, and the given check says so with a `ValueError`.
#
# Each reduction saves `axis` and `keepdims` in its GradFn: module 06 needs them to send the
# gradient back to the right places (a sum's gradient is broadcast back over the axes it
# removed).
#
# PyTorch: `torch.sum`, `torch.mean`, `torch.amax` (and `torch.max`).

# %% test="tensor-reduction-tests" points=10
def test_sum_all_and_along_axes():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    total = t.sum()
    assert isinstance(total, Tensor), f"sum() should return a Tensor, got {type(total)}"
    assert total.shape == (), f"sum() over everything should be 0-d, got shape {total.shape}"
    assert total.item() == 21.0, f"the sum of 1..6 is 21, got {total.item()}"
    np.testing.assert_allclose(t.sum(axis=0).numpy(), [5, 7, 9], err_msg="sum(axis=0)")
    np.testing.assert_allclose(t.sum(axis=1).numpy(), [6, 15], err_msg="sum(axis=1)")


def test_mean_and_max():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.mean().item() == 3.5, f"the mean of 1..6 is 3.5, got {t.mean().item()}"
    np.testing.assert_allclose(t.mean(axis=0).numpy(), [2.5, 3.5, 4.5], err_msg="mean(axis=0)")
    assert t.max().item() == 6.0, f"max() should be 6, got {t.max().item()}"
    np.testing.assert_allclose(t.max(axis=1).numpy(), [3, 6], err_msg="max(axis=1)")


run_tests(test_sum_all_and_along_axes, test_mean_and_max)
### BEGIN HIDDEN TESTS
def test_negative_and_tuple_axes_and_keepdims():
    data = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    x = Tensor(data)
    np.testing.assert_allclose(x.sum(axis=-1).numpy(), data.sum(axis=-1), err_msg="sum(axis=-1)")
    np.testing.assert_allclose(
        x.sum(axis=(0, 2)).numpy(), data.sum(axis=(0, 2)), err_msg="sum(axis=(0, 2))"
    )
    np.testing.assert_allclose(
        x.mean(axis=(0, -1)).numpy(), data.mean(axis=(0, -1)), err_msg="mean(axis=(0, -1))"
    )
    np.testing.assert_allclose(x.max(axis=-2).numpy(), data.max(axis=-2), err_msg="max(axis=-2)")
    shapes = [
        ("sum(axis=1, keepdims=True)", x.sum(axis=1, keepdims=True), (2, 1, 4)),
        ("mean(keepdims=True)", x.mean(keepdims=True), (1, 1, 1)),
        ("max(axis=(0, 1), keepdims=True)", x.max(axis=(0, 1), keepdims=True), (1, 1, 4)),
        ("sum(axis=[0, 1])", x.sum(axis=[0, 1]), (4,)),
    ]
    for name, result, shape in shapes:
        assert result.shape == shape, f"{name} should have shape {shape}, got {result.shape}"
    centered = (x - x.mean(axis=-1, keepdims=True)).mean(axis=-1)
    np.testing.assert_allclose(centered.numpy(), 0.0, atol=1e-5, err_msg="x - mean(keepdims)")


def test_reduction_dtypes_and_small_inputs():
    assert Tensor([1.0, 2.0]).sum().dtype == np.float32, "sum of float32 stays float32"
    m = Tensor([[1, 2], [3, 4]]).mean()
    assert m.dtype == np.float32, f"mean of an int tensor should be float32, got {m.dtype}"
    assert m.item() == 2.5, f"mean of [[1, 2], [3, 4]] is 2.5, got {m.item()}"
    frac = Tensor([True, False, True, True]).mean()
    assert frac.dtype == np.float32 and frac.item() == 0.75, "mean of bools is a float32 fraction"
    assert Tensor([3, 9, 4]).max().dtype == np.int64, "max of int64 stays int64"
    empty_sum = Tensor([]).sum()
    assert empty_sum.shape == () and empty_sum.item() == 0.0, "the sum of nothing is 0"
    assert Tensor(5.0).sum().item() == 5.0 and Tensor(5.0).max().item() == 5.0, "0-d reductions"
    assert Tensor(np.float64(1.5)).mean().dtype == np.float64, "mean of float64 stays float64"


def test_max_of_empty_raises():
    np.testing.assert_allclose(Tensor([[1.0, 9.0]]).max(axis=0).numpy(), [1, 9], err_msg="max(0)")
    with pytest.raises(ValueError, match="empty"):
        Tensor([]).max()
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0, 3))).max(axis=0)
    rows = Tensor(np.zeros((0, 3))).max(axis=1)
    assert rows.shape == (0,), f"max over the non-empty axis of (0, 3) is (0,), got {rows.shape}"


def test_reductions_record_axis_and_keepdims():
    x = Tensor(np.ones((2, 3)), dtype=np.float32, requires_grad=True)
    s = x.sum(axis=1, keepdims=True)
    assert s.grad_fn.op == "sum" and s.grad_fn.inputs[0] is x, "sum records op 'sum', input x"
    assert s.grad_fn.saved == {"axis": 1, "keepdims": True}, (
        f"sum should save axis and keepdims, got {s.grad_fn.saved}"
    )
    assert x.mean(axis=0).grad_fn.op == "mean", "mean records op 'mean'"
    assert x.max().grad_fn.op == "max", "max records op 'max'"


run_tests(
    test_negative_and_tuple_axes_and_keepdims,
    test_reduction_dtypes_and_small_inputs,
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
# - `t[index]`: anything NumPy accepts, plus Tensors as indices (`t[t > 0]`). The result is
#   always a Tensor, 0-d for a single element, and the index is saved for module 06.
#
# PyTorch: `Tensor.reshape` (and `view`), `Tensor.transpose`, `Tensor.__getitem__`.

# %% test="tensor-views-tests" points=10
def test_reshape():
    t = Tensor(np.arange(6.0))
    r = t.reshape(2, 3)
    assert isinstance(r, Tensor), f"reshape should return a Tensor, got {type(r)}"
    assert r.shape == (2, 3), f"reshape(2, 3) should give (2, 3), got {r.shape}"
    np.testing.assert_array_equal(r.numpy(), [[0, 1, 2], [3, 4, 5]], err_msg="row-major order")
    assert t.reshape((3, 2)).shape == (3, 2), "reshape should accept one tuple"
    assert t.reshape(-1, 2).shape == (3, 2), "reshape(-1, 2) should infer 3"


def test_transpose():
    m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mt = m.transpose()
    assert isinstance(mt, Tensor), f"transpose should return a Tensor, got {type(mt)}"
    assert mt.shape == (3, 2), f"the transpose of (2, 3) is (3, 2), got {mt.shape}"
    np.testing.assert_array_equal(mt.numpy(), [[1, 4], [2, 5], [3, 6]], err_msg="transpose")


def test_indexing():
    m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row = m[0]
    assert isinstance(row, Tensor), f"m[0] should be a Tensor, got {type(row)}"
    np.testing.assert_array_equal(row.numpy(), [1, 2, 3], err_msg="m[0]")
    np.testing.assert_array_equal(m[:, 1].numpy(), [2, 5], err_msg="m[:, 1]")
    one = m[1, 2]
    assert isinstance(one, Tensor) and one.shape == (), "m[1, 2] should be a 0-d Tensor"
    assert one.item() == 6.0, f"m[1, 2] should be 6, got {one.item()}"


run_tests(test_reshape, test_transpose, test_indexing)
### BEGIN HIDDEN TESTS
def test_views_share_memory():
    t = Tensor(np.arange(12.0, dtype=np.float32))
    r = t.reshape(3, 4)
    assert np.shares_memory(r.numpy(), t.numpy()), "reshape of a contiguous tensor is a view"
    tr = r.transpose()
    assert np.shares_memory(tr.numpy(), t.numpy()), "transpose is a view"
    row = r[1]
    assert np.shares_memory(row.numpy(), t.numpy()), "basic indexing is a view"
    r.numpy()[0, 0] = 100.0
    assert t.numpy()[0] == 100.0, "a view sees writes to the data it shares"


def test_reshape_infers_and_rejects():
    t = Tensor(np.arange(24.0))
    assert t.reshape([2, -1, 4]).shape == (2, 3, 4), "reshape([2, -1, 4]): a list, -1 in the middle"
    assert t.reshape(4, 3, 2).shape == (4, 3, 2), "reshape(4, 3, 2)"
    assert Tensor(5.0).reshape(1, 1).shape == (1, 1), "a 0-d tensor reshapes to (1, 1)"
    assert Tensor([7.0]).reshape(()).shape == (), "a 1-element tensor reshapes to 0-d"
    with pytest.raises(ValueError, match="24"):
        t.reshape(5, 5)
    with pytest.raises(ValueError, match="24"):
        t.reshape(-1, 5)


def test_transpose_picks_dims():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(data)
    cases = [
        ("transpose()", x.transpose(), np.swapaxes(data, -2, -1)),
        ("transpose(0, 2)", x.transpose(0, 2), np.swapaxes(data, 0, 2)),
        ("transpose(-3, 1)", x.transpose(-3, 1), np.swapaxes(data, 0, 1)),
    ]
    for name, result, expected in cases:
        assert result.shape == expected.shape, (
            f"{name} of (2, 3, 4) should be {expected.shape}, got {result.shape} "
            "(transpose swaps two dims; .T reverses all of them)"
        )
        np.testing.assert_array_equal(result.numpy(), expected, err_msg=name)
    with pytest.raises(ValueError, match="swaps the last two dims"):
        Tensor([1.0, 2.0]).transpose()


def test_advanced_indexing():
    t = Tensor([[1.0, -2.0], [-3.0, 4.0]])
    np.testing.assert_array_equal(t[t > 0].numpy(), [1.0, 4.0], err_msg="t[t > 0], a Tensor mask")
    swapped = t[Tensor([1, 0])]
    np.testing.assert_array_equal(swapped.numpy(), [[-3, 4], [1, -2]], err_msg="t[Tensor([1, 0])]")
    np.testing.assert_array_equal(t[..., 0].numpy(), [1.0, -3.0], err_msg="t[..., 0]")
    assert t[None].shape == (1, 2, 2), f"t[None] adds a dim in front, got {t[None].shape}"
    assert t[:, None, :].shape == (2, 1, 2), "t[:, None, :] adds a dim in the middle"
    assert t[np.array([True, False])].shape == (1, 2), "a NumPy bool mask picks rows"
    small = Tensor([1, 2], dtype=np.int8)[0]
    assert isinstance(small, Tensor) and small.shape == () and small.dtype == np.int8, (
        "a single element is a 0-d Tensor that keeps the dtype"
    )
    x = Tensor([1.0, 2.0], requires_grad=True)
    picked = x[1]
    assert picked.grad_fn.op == "getitem" and picked.grad_fn.saved["index"] == 1, (
        "indexing records op 'getitem' and saves the index"
    )


run_tests(
    test_views_share_memory,
    test_reshape_infers_and_rejects,
    test_transpose_picks_dims,
    test_advanced_indexing,
)
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

# %% test="tensor-exp-log-tests" points=5
def test_exp_and_log():
    e = Tensor([0.0, 1.0, 2.0]).exp()
    assert isinstance(e, Tensor), f"exp() should return a Tensor, got {type(e)}"
    assert e.dtype == np.float32, f"exp of float32 should be float32, got {e.dtype}"
    np.testing.assert_allclose(e.numpy(), np.exp([0.0, 1.0, 2.0]), rtol=1e-6, err_msg="exp")
    lg = Tensor([1.0, np.e]).log()
    np.testing.assert_allclose(lg.numpy(), [0.0, 1.0], rtol=1e-6, atol=1e-7, err_msg="log")
    back = Tensor([0.5, 3.0]).log().exp()
    np.testing.assert_allclose(back.numpy(), [0.5, 3.0], rtol=1e-6, err_msg="exp(log(x)) = x")


run_tests(test_exp_and_log)
### BEGIN HIDDEN TESTS
def test_exp_log_dtypes():
    ei = Tensor([0, 1]).exp()
    assert ei.dtype == np.float32, f"exp of an int tensor should be float32, got {ei.dtype}"
    np.testing.assert_allclose(ei.numpy(), [1.0, np.e], rtol=1e-6, err_msg="exp([0, 1])")
    li = Tensor([1, 10]).log()
    assert li.dtype == np.float32, f"log of an int tensor should be float32, got {li.dtype}"
    np.testing.assert_allclose(li.numpy(), [0.0, np.log(10)], rtol=1e-6, err_msg="log([1, 10])")
    assert Tensor(True).log().dtype == np.float32, "log of a bool tensor should be float32"
    small = Tensor([3, 5], dtype=np.int8).exp()
    assert small.dtype == np.float32, f"exp of int8 should be float32, got {small.dtype}"
    np.testing.assert_allclose(
        small.numpy(), np.exp(np.array([3.0, 5.0], dtype=np.float32)), rtol=1e-6,
        err_msg="exp of int8 must be computed in float32 (NumPy alone would use float16)",
    )
    f64 = Tensor(np.array([1.0]))
    assert f64.exp().dtype == np.float64, f"exp of float64 must stay float64, got {f64.exp().dtype}"
    assert f64.log().dtype == np.float64, f"log of float64 must stay float64, got {f64.log().dtype}"


def test_exp_log_edges():
    with np.errstate(all="raise"):  # inf, -inf and nan must come out without warnings
        lg = Tensor([0.0, -1.0]).log()
        ex = Tensor([100.0, -200.0]).exp()
    np.testing.assert_array_equal(lg.numpy(), [-np.inf, np.nan], err_msg="log(0), log(-1)")
    np.testing.assert_array_equal(ex.numpy(), [np.inf, 0.0], err_msg="float32 exp(100), exp(-200)")
    assert Tensor(0.0).exp().shape == () and Tensor(0.0).exp().item() == 1.0, "0-d exp"
    assert Tensor([]).log().shape == (0,), "log of an empty tensor is empty"
    x = Tensor([1.0], requires_grad=True)
    assert x.exp().grad_fn.op == "exp" and x.log().grad_fn.op == "log", "exp, log record ops"


run_tests(test_exp_log_dtypes, test_exp_log_edges)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.9 How module 06 will add gradients
#
# Training needs the gradient of the loss with respect to every parameter. PyTorch gets it
# by **recording** each op as it runs and walking the record backwards. Your Tensor already
# records; module 06 adds the walk.
#
# - Every op that has a gradient builds its result with `Tensor._from_op(data, op, inputs,
#   **saved)`. When recording is on (`is_grad_enabled()`) and any input has
#   `requires_grad=True`, the result gets `requires_grad=True` and a `grad_fn`: a
#   `GradFn(op, inputs, saved)` naming the op (`"add"`, `"matmul"`, `"sum"`, ...), the
#   input tensors in operand order (numbers become constant 0-d tensors), and what backward
#   needs (pow's exponent, a reduction's axis and keepdims, transpose's dims, the index).
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
except RuntimeError as error:
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
    adds[np.dtype(dtype).name] = best_of(t.__add__, t, repeat=7)
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
    vectorized = best_of(a.matmul, b, repeat=5)
    if n <= 64:
        loop_times[n] = loops = best_of(matmul_loops, a, b, repeat=2)
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
# - The gradient hook: `GradFn`, `_from_op`, `is_grad_enabled` / `set_grad_enabled`,
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
# **Next: module 02, activations.** You will write ReLU as `x * (x > 0)`, sigmoid with
# `exp`, and a softmax that subtracts `x.max(axis=-1, keepdims=True)` before `exp` so
# that it never overflows, then divides by a `sum(axis=-1, keepdims=True)`: every piece of
# it is an op you wrote today.
