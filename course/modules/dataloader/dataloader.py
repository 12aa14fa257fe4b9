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
# # Module 05 · DataLoader
#
# By the end of this module you will have built the pipeline that feeds a model: `Dataset`
# and `TensorDataset` (what one sample is), `default_collate` (how samples become a batch),
# `DataLoader` (batches, shuffling, `drop_last`, reproducible seeds), and the image
# transforms `Compose`, `Normalize`, `RandomHorizontalFlip` and `RandomCrop`. You will
# write the batch gather twice, first one sample at a time and then with a single fancy
# index, and measure how far apart they are. The package also gains readers for real data
# sets: the 8×8 digits, MNIST, Fashion-MNIST and CIFAR-10.
#
# | | |
# |---|---|
# | **Prerequisites** | module 01 `tensor` (integer-array indexing, dtypes, `memory_footprint`) |
# | **Time** | about 2 to 3 hours |
# | **Your code lands in** | `from tinytorch.core.dataloader import DataLoader` |
# | **Next** | module 08 `training` loops over your `DataLoader` once per epoch |
#
# **Contents.** 1 Why data loading is a systems problem · 2 Concepts: samples, batches,
# epochs, shuffling, augmentation · 3 Build it, piece by piece · 4 Use it: real data sets
# · 5 Systems analysis · 6 ML systems thinking · 7 Summary and checklist

# %% locked="dataloader-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why data loading is a systems problem
#
# Training repeats one step thousands of times: take a **batch** of samples, run the model,
# compute the loss, update the weights. The model sees the data set once per **epoch**, in
# a new random order each time, in batches of, say, 128. Someone has to cut the data set
# into those batches, and do it fast: a GPU that waits for its next batch is an expensive
# heater. PyTorch splits the job in two:
#
# - a **`Dataset`** answers two questions, "how many samples?" (`len(ds)`) and "give me
#   sample `i`" (`ds[i]`): an image and its label, a sentence and its translation;
# - a **`DataLoader`** decides the order, groups indices into batches, fetches the samples
#   and **collates** them into batch tensors: 128 images of shape `(1, 28, 28)` become one
#   tensor of shape `(128, 1, 28, 28)`.
#
# The same two classes appear in every PyTorch training script you will read
# (`torch.utils.data.Dataset`, `torch.utils.data.DataLoader`). Yours have the same names,
# arguments and behaviour. How fast the loader can be depends on a choice you will measure:
# fetch 128 samples one by one in a Python loop, or gather all 128 rows with one NumPy
# index. A first taste, on 10,000 random rows of 784 float32 features (MNIST's size):

# %%
import time

from tinytorch.core.tensor import Tensor, manual_seed

rng = np.random.default_rng(0)
features = rng.standard_normal((10_000, 784)).astype(np.float32)
indices = rng.integers(0, 10_000, size=128)

start = time.perf_counter()
for _ in range(20):
    one_by_one = np.stack([features[i] for i in indices])
loop_time = (time.perf_counter() - start) / 20
start = time.perf_counter()
for _ in range(20):
    gathered = features[indices]
gather_time = (time.perf_counter() - start) / 20
print(f"128 rows one by one: {loop_time * 1e6:7.1f} µs")
same = np.array_equal(one_by_one, gathered)
print(f"128 rows, one index: {gather_time * 1e6:7.1f} µs "
      f"({loop_time / gather_time:.0f}x faster, same result: {same})")

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Samples, batches, epochs
#
# With `N` samples and batch size `B`, an epoch has `ceil(N / B)` batches; the last one holds
# the `N mod B` leftovers when `B` does not divide `N`. `drop_last=True` throws that short
# batch away (`floor(N / B)` batches), useful when a model or a benchmark needs every batch
# the same size. Worked example, `N = 10`, `B = 4`:
#
# ```
# drop_last=False: [0 1 2 3] [4 5 6 7] [8 9]     3 batches = ceil(10 / 4)
# drop_last=True : [0 1 2 3] [4 5 6 7]           2 batches = floor(10 / 4)
# ```
#
# ### 2.2 Shuffling
#
# Gradient descent assumes each batch is a fair random sample of the data. Data sets are
# often stored sorted (all the zeros, then all the ones), and a model trained on sorted
# batches learns "everything is a zero", then unlearns it. So each epoch visits the samples
# in a fresh **random permutation**: every index exactly once, in a new order each epoch.
# A permutation, not random draws with replacement, which would visit some samples twice and
# miss about 37% of them (`(1 - 1/N)^N → 1/e`).
#
# Randomness must also be **reproducible**: the same seed must give the same batches, so a
# run can be repeated and debugged. Everything random in TinyTorch takes a
# `numpy.random.Generator` (`generator=`), and otherwise uses the package's default one,
# which `manual_seed(seed)` resets, as `torch.manual_seed` does.

# %%
gen = np.random.default_rng(42)
print("epoch 1:", gen.permutation(10))
print("epoch 2:", gen.permutation(10), "(the same generator moves on: a new order)")
print("again  :", np.random.default_rng(42).permutation(10), "(same seed, same first epoch)")

# %% [markdown]
# ### 2.3 Collating
#
# `ds[i]` returns one sample, usually a tuple like `(image, label)`. A batch is a list of
# such tuples. **Collating** turns it inside out: a tuple of batch tensors, one per field,
# each with a new first dim of length `B`.
#
# ```
# [(img0, 3), (img1, 7), (img2, 1)]   ->   [Tensor (3, 1, 28, 28), Tensor([3, 7, 1])]
# ```
#
# PyTorch's `default_collate` stacks tensors and arrays, turns Python ints into an int64
# tensor (class labels), recurses into tuples, lists and dicts, and returns a *list* for a
# tuple of fields. Stacking copies: the batch is new memory, `B` times one sample.
#
# ### 2.4 Augmentation and normalization
#
# **Normalization** shifts and scales each input channel to mean 0 and standard deviation
# 1: `out[c] = (x[c] - mean[c]) / std[c]`, with the statistics measured once on the training
# set. For an image of shape `(C, H, W)` the `C` means broadcast as a `(C, 1, 1)` array. It
# is the "standardize the features" step of module 01's Iris example, per channel.
#
# **Augmentation** makes each epoch's copy of an image slightly different, so the model
# cannot memorize pixels: a horizontal flip (a shoe pointing left is still a shoe), a random
# crop after padding (the object moves by a few pixels). These run on every sample of every
# epoch, so they must be cheap. torchvision's `RandomHorizontalFlip` and `RandomCrop` are
# the models; yours behave the same.

# %% [markdown]
# ## 3. Build it
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 datasets | `TensorDataset`: `__init__`, `__getitem__`, `__len__` | `TensorDataset` | 10 |
# | 2 collate | `default_collate` | `default_collate` | 10 |
# | 3 order | `DataLoader.__len__`, `_epoch_order` | the loader's sampler | 10 |
# | 4 fetch | `_fetch_loop` (per sample), `_fetch_gather` (one index) | the loader's fetcher | 10 |
# | 5 iterate | `DataLoader.__iter__` | `iter(loader)` | 10 |
# | 6 normalize | `Compose`, `Normalize` | `torchvision.transforms` | 10 |
# | 7 augment | `RandomHorizontalFlip`, `RandomCrop` | `torchvision.transforms` | 10 |
#
# Each class grows across cells: the first cell defines it, later cells add methods with
# `@extends(ClassName)`, which copies them onto the class (run the cells in order; the
# exported package has one plain class). First the package's imports; run this cell.

# %% locked="dataloader-package-imports"
#| export
import codecs
import gzip
import hashlib
import importlib.util
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ### 3.1 Piece 1: `Dataset` and `TensorDataset`
#
# `Dataset` is the interface, given: a subclass implements `__getitem__(index)` and
# `__len__()`. `TensorDataset(*tensors)` is the simplest useful dataset: tensors that share
# their first dim, where sample `i` is the tuple of each tensor's row `i`. Features and
# labels are the usual pair: `TensorDataset(X, y)` with `X` of shape `(N, 64)` and `y` of
# shape `(N,)`, so `ds[i]` is `(X[i], y[i])`.
#
# - `__init__` keeps the tensors in `self.tensors` (a tuple). NumPy arrays are welcome too:
#   wrap them in `Tensor`. Every tensor needs at least one dim, and all must have the same
#   length along dim 0, or indexing would silently pair the wrong rows: raise a
#   `ValueError` naming the lengths.
# - `__getitem__(index)` returns `tuple(t[index] for t in self.tensors)`. Because it only
#   indexes, it works for an int (one sample) *and* for an array of indices (a whole batch
#   at once): piece 4 relies on that.
# - `__len__` is the shared length of dim 0.
#
# **Common mistakes:** checking the shapes only of the first two tensors; returning a list
# instead of a tuple; taking `len()` of the tuple of tensors (the number of fields, not of
# samples).

# %% solution="dataset"
#| export
class Dataset:
    """A map-style data set: `len(ds)` samples, `ds[i]` is sample i (torch.utils.data.Dataset).

    Subclasses implement `__getitem__(index)` and `__len__()`.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")


class TensorDataset(Dataset):
    """Samples are rows of tensors sharing dim 0 (torch.utils.data.TensorDataset).

    `TensorDataset(X, y)[i]` is `(X[i], y[i])`. NumPy arrays are turned into Tensors. An
    index array gives a whole batch at once: `ds[np.array([3, 1])]` is `(X[[3, 1]],
    y[[3, 1]])`.
    """

    def __init__(self, *tensors: "Tensor | np.ndarray") -> None:
        """Keep `tensors` (each converted to a Tensor), checking that dim 0 matches.

        TODO: set `self.tensors` to a tuple of Tensors; raise a ValueError unless every
        tensor has at least one dim and the same length along dim 0.

        APPROACH:
        1. Wrap each argument that is not a Tensor in `Tensor(...)`.
        2. A 0-d tensor has no dim 0: ValueError.
        3. Compare every tensor's `shape[0]` with the first one's; on a mismatch raise a
           ValueError that lists all the lengths.

        EXAMPLE:
        >>> ds = TensorDataset(Tensor(np.zeros((5, 3))), Tensor(np.arange(5)))
        >>> len(ds.tensors), ds.tensors[1].shape
        (2, (5,))
        >>> TensorDataset(Tensor(np.zeros((5, 3))), Tensor(np.arange(4)))
        ValueError: TensorDataset: size mismatch along dim 0: [5, 4] ...

        HINTS: `TensorDataset()` with no tensors is an error too (the check above).
        """
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(X, y)")
        ### BEGIN SOLUTION
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in self.tensors):
            raise ValueError("TensorDataset: every tensor needs a dim 0 to index samples "
                             "along; got a 0-d tensor")
        lengths = [t.shape[0] for t in self.tensors]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"TensorDataset: size mismatch along dim 0: {lengths}; every "
                             "tensor needs one row per sample")
        ### END SOLUTION

    def __getitem__(self, index: "int | np.ndarray") -> "tuple[Tensor, ...]":
        """Row(s) `index` of every tensor, as a tuple.

        TODO: return a tuple with each tensor indexed by `index`.
        APPROACH: one generator expression over `self.tensors`.
        EXAMPLE: TensorDataset(X, y)[2] -> (X[2], y[2])
        HINTS: Tensor indexing (module 01) accepts ints and integer arrays alike.
        """
        ### BEGIN SOLUTION
        return tuple(t[index] for t in self.tensors)
        ### END SOLUTION

    def __len__(self) -> int:
        """The number of samples: the length of dim 0.

        TODO: return the number of samples.
        APPROACH: every tensor has the same dim 0; ask the first.
        EXAMPLE: TensorDataset(Tensor(np.zeros((5, 3))), Tensor(np.arange(5))) -> 5
        HINTS: `len(self.tensors)` counts tensors, not samples.
        """
        ### BEGIN SOLUTION
        return self.tensors[0].shape[0]
        ### END SOLUTION


# %% test="dataset-tests" points=10
def test_tensor_dataset_pairs_rows(run):
    def pairs():
        X = Tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
        y = Tensor([0, 1, 1, 0])
        ds = TensorDataset(X, y)
        x2, y2 = ds[2]
        return len(ds), type(ds[2]).__name__, x2.numpy(), y2.numpy(), str(y2.dtype)

    length, kind, x2, y2, label_dtype = run(pairs)
    assert length == 4, f"len(ds) should be the number of samples, 4, got {length}"
    assert kind == "tuple", f"ds[i] should be a tuple (x, y), got {kind}"
    assert_array(x2, [6, 7, 8], dtype="float32", what="ds[2][0] (row 2 of X)")
    assert_array(y2, 1, dtype="int64", what="ds[2][1] (label 2)")
    assert label_dtype == "int64"


def test_tensor_dataset_rejects_mismatched_lengths(run):
    def mismatched():
        return len(TensorDataset(Tensor(np.zeros((5, 2))), Tensor(np.zeros(4))))

    with pytest.raises(ValueError, match="5"):
        run(mismatched)


run_tests(test_tensor_dataset_pairs_rows, test_tensor_dataset_rejects_mismatched_lengths)
### BEGIN HIDDEN TESTS
def test_tensor_dataset_takes_arrays_and_index_arrays(run):
    def batch_at_once():
        ds = TensorDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5) * 10)
        xs, ys = ds[np.array([4, 0, 4])]
        last = ds[-1]
        kinds = [type(t).__name__ for t in ds.tensors]
        return kinds, xs.numpy(), ys.numpy(), last[1].numpy(), len(ds)

    kinds, xs, ys, last_label, length = run(batch_at_once)
    assert kinds == ["Tensor", "Tensor"], f"arrays should become Tensors, got {kinds}"
    assert_array(xs, [[8, 9], [0, 1], [8, 9]], dtype="float32", what="ds[[4, 0, 4]][0]")
    assert_array(ys, [40, 0, 40], what="ds[[4, 0, 4]][1]")
    assert_array(last_label, 40, what="ds[-1][1]")
    assert length == 5


def test_tensor_dataset_checks_every_tensor(run):
    def third_mismatched():
        a, b, c = np.zeros((3, 2)), np.zeros(3), np.zeros((2, 7))
        return len(TensorDataset(a, b, c))

    def zero_d():
        return len(TensorDataset(Tensor(1.0)))

    def single_tensor():
        ds = TensorDataset(np.arange(6).reshape(3, 2))
        return len(ds), len(ds[1]), ds[1][0].numpy()

    with pytest.raises(ValueError):
        run(third_mismatched)
    with pytest.raises(ValueError):
        run(zero_d)
    length, fields, row = run(single_tensor)
    assert (length, fields) == (3, 1), "one tensor: 3 samples, each a 1-tuple"
    assert_array(row, [2, 3], what="TensorDataset(a)[1][0]")


run_tests(test_tensor_dataset_takes_arrays_and_index_arrays,
          test_tensor_dataset_checks_every_tensor)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: `default_collate`
#
# `default_collate(batch)` takes the list of samples a loader fetched and returns the
# batch. It looks at the first sample to decide what to do, and recurses into containers:
#
# | each sample is | the batch is |
# |---|---|
# | a `Tensor` or NumPy array | one `Tensor`: the samples stacked on a new dim 0, dtype kept |
# | a Python `bool`, `int` or `float` | `Tensor(batch)`: bool, int64 (class labels) or float32 |
# | a NumPy number (`np.float64(1.5)`) | `Tensor(np.array(batch))`: its dtype kept |
# | a `str` | the list of strings, unchanged |
# | a dict | a dict with each key's values collated |
# | a tuple or list of fields | a **list**: each field collated across the batch |
#
# The structural cases are written for you. You write the stacking of tensors and arrays,
# and the numbers. Samples whose shapes differ cannot be stacked: raise a `ValueError`
# naming the shapes (PyTorch raises "stack expects each tensor to be equal size").
#
# One difference from PyTorch: PyTorch turns Python floats into float64; TinyTorch's rule
# is float32 everywhere, so `Tensor(batch)` (module 01's dtype rules) is exactly right.

# %% solution="default-collate"
#| export
def default_collate(batch: Sequence[Any]) -> Any:
    """Combine a list of samples into a batch (torch.utils.data.default_collate).

    Tensors and arrays are stacked along a new dim 0 (dtype kept); Python bools, ints and
    floats become a bool, int64 or float32 Tensor; NumPy numbers keep their dtype; strings
    stay a list; dicts are collated per key; a tuple or list of fields becomes a list of
    collated fields (as in PyTorch).

    TODO: collate Tensors and NumPy arrays (stack) and numbers (one Tensor).

    APPROACH:
    1. Tensor or np.ndarray: take each sample's array (`t.data` for a Tensor), check all
       shapes equal (ValueError naming the first differing shape), then
       `Tensor(np.stack(arrays))`.
    2. NumPy number (`np.generic`): `Tensor(np.array(batch))` keeps its dtype.
    3. Python bool/int/float: `Tensor(list(batch))`; module 01 picks bool, int64, float32.

    EXAMPLE:
    >>> default_collate([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
    (2, 2)
    >>> default_collate([3, 7, 1]).dtype
    dtype('int64')
    >>> [t.shape for t in default_collate([(Tensor([1.0]), 0), (Tensor([2.0]), 1)])]
    [(2, 1), (2,)]

    HINTS: np.stack needs equal shapes; check them first so the error names them.
    """
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty; a DataLoader never makes one")
    first = batch[0]
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise ValueError("default_collate: every sample must have the same number of "
                             f"fields, got {sorted({len(sample) for sample in batch})}")
        return [default_collate(field) for field in zip(*batch, strict=True)]
    ### BEGIN SOLUTION
    if isinstance(first, (Tensor, np.ndarray)):
        arrays = [sample.data if isinstance(sample, Tensor) else np.asarray(sample)
                  for sample in batch]
        for i, array in enumerate(arrays):
            if array.shape != arrays[0].shape:
                raise ValueError(f"default_collate: cannot stack samples of different shapes: "
                                 f"sample 0 is {arrays[0].shape}, sample {i} is {array.shape}")
        return Tensor(np.stack(arrays))
    if isinstance(first, np.generic):
        return Tensor(np.array(batch))
    if isinstance(first, (bool, int, float)):
        return Tensor(list(batch))
    ### END SOLUTION
    raise TypeError(f"default_collate: samples must hold Tensors, NumPy arrays, numbers, "
                    f"strings, dicts, tuples or lists; got {type(first).__name__}")


# %% test="default-collate-tests" points=10
def test_collate_stacks_tensors_and_labels(run):
    def collate():
        batch = [(Tensor([1.0, 2.0]), 3), (Tensor([3.0, 4.0]), 7), (Tensor([5.0, 6.0]), 1)]
        out = default_collate(batch)
        return type(out).__name__, [type(t).__name__ for t in out], out[0].numpy(), out[1].numpy()

    kind, kinds, xs, ys = run(collate)
    assert kind == "list", f"a batch of tuples collates to a list of fields (PyTorch), got {kind}"
    assert kinds == ["Tensor", "Tensor"], f"each field should be a Tensor, got {kinds}"
    assert_array(xs, [[1, 2], [3, 4], [5, 6]], dtype="float32", what="the stacked images")
    assert_array(ys, [3, 7, 1], dtype="int64", what="the labels (Python ints -> int64)")


def test_collate_keeps_array_dtypes(run):
    def arrays():
        out = default_collate([np.zeros((2, 2), dtype=np.uint8), np.ones((2, 2), dtype=np.uint8)])
        floats = default_collate([0.5, 1.5])
        return out.numpy(), floats.numpy()

    stacked, floats = run(arrays)
    assert_array(stacked, np.stack([np.zeros((2, 2)), np.ones((2, 2))]), dtype="uint8",
                 what="stacked uint8 arrays (dtype kept)")
    assert_array(floats, [0.5, 1.5], dtype="float32", what="Python floats (float32)")


run_tests(test_collate_stacks_tensors_and_labels, test_collate_keeps_array_dtypes)
### BEGIN HIDDEN TESTS
def test_collate_nested_dicts_and_numpy_numbers(run):
    def nested():
        batch = [{"x": Tensor([1, 2]), "meta": (np.float64(0.5), True)},
                 {"x": Tensor([3, 4]), "meta": (np.float64(1.5), False)}]
        out = default_collate(batch)
        return (sorted(out), out["x"].numpy(), out["meta"][0].numpy(), out["meta"][1].numpy(),
                default_collate(["a", "b"]))

    keys, xs, halves, flags, words = run(nested)
    assert keys == ["meta", "x"], f"a dict collates per key, got keys {keys}"
    assert_array(xs, [[1, 2], [3, 4]], dtype="int64", what="out['x']")
    assert_array(halves, [0.5, 1.5], dtype="float64", what="NumPy float64 numbers (dtype kept)")
    assert_array(flags, [True, False], dtype="bool", what="Python bools")
    assert words == ["a", "b"], "strings stay a list"


def test_collate_refuses_ragged_samples(run):
    def ragged():
        return default_collate([Tensor([1.0, 2.0]), Tensor([1.0, 2.0]), Tensor([1.0])]).shape

    def single():
        out = default_collate([(Tensor(np.zeros((1, 2, 2))), 4)])
        return out[0].shape, out[1].numpy()

    with pytest.raises(ValueError, match=r"\(2,\)|\(1,\)"):
        run(ragged)
    shape, label = run(single)
    assert shape == (1, 1, 2, 2), f"a batch of one still gets a batch dim, got {shape}"
    assert_array(label, [4], dtype="int64", what="the one label")


run_tests(test_collate_nested_dicts_and_numpy_numbers, test_collate_refuses_ragged_samples)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: how many batches, and in which order
#
# `DataLoader(dataset, batch_size=1, shuffle=False, *, collate_fn=None, drop_last=False,
# generator=None)` takes PyTorch's arguments (the ones after `shuffle` by keyword, because
# PyTorch has others in between). Its constructor is given: it checks the arguments and
# stores them.
#
# - `__len__` is the number of batches per epoch (section 2.1): `ceil(N / B)`, or
#   `floor(N / B)` with `drop_last`. An empty dataset has 0 batches.
# - `_epoch_order()` returns the order of the sample indices for one epoch: `0, 1, ..., N-1`
#   without shuffling; with `shuffle=True` a fresh permutation drawn from
#   `self.generator`, or, when that is None, from `default_generator()` *at the time of the
#   call* (so that `manual_seed` before an epoch decides its order, as in PyTorch). Each call
#   is a new epoch: the generator moves on, so the next permutation differs.
#
# **Common mistakes:** `N // B` without `drop_last` (loses the last batch); `np.random.
# shuffle` (global state, not reproducible); drawing with `integers` (repeats indices);
# creating a fresh `default_rng(seed)` on every call (every epoch the same order).

# %% solution="dataloader-order"
#| export
class DataLoader:
    """Iterate over a data set in batches (torch.utils.data.DataLoader).

    `for x, y in DataLoader(ds, batch_size=32, shuffle=True): ...` gives collated batches;
    each epoch (each `iter()`) visits every sample once, shuffled if `shuffle`. `len()` is
    the number of batches.

    Args:
        dataset: any object with `__getitem__` and `__len__` (a `Dataset`).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: visit the samples in a new random order every epoch.
        collate_fn: turns a list of samples into a batch (default: `default_collate`).
        drop_last: drop the last batch if it has fewer than `batch_size` samples.
        generator: the `numpy.random.Generator` that shuffles; None uses
            `tinytorch.core.tensor.default_generator()` (seeded by `manual_seed`).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, *,
                 collate_fn: Callable[[list], Any] | None = None, drop_last: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader needs a dataset with __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, got {batch_size!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError("generator must be a numpy.random.Generator, e.g. "
                            f"np.random.default_rng(0), got {type(generator).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self) -> int:
        """The number of batches in one epoch.

        TODO: return ceil(N / batch_size), or floor(N / batch_size) with drop_last.
        APPROACH: N is `len(self.dataset)`. Integer arithmetic: `(N + B - 1) // B` is the
        ceiling, `N // B` the floor.
        EXAMPLE: N = 10, batch_size = 4 -> 3 (2 with drop_last=True).
        HINTS: avoid floats: `math.ceil(N / B)` is fine for small N but rounds for huge N.
        """
        ### BEGIN SOLUTION
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
        ### END SOLUTION

    def _epoch_order(self) -> np.ndarray:
        """The sample indices of one epoch, in the order they will be visited (int64).

        TODO: return `np.arange(N)` without shuffle; with shuffle, a new permutation of
        0..N-1 from `self.generator`, or from `default_generator()` if it is None.

        APPROACH:
        1. N = len(self.dataset).
        2. No shuffle: np.arange(N).
        3. Shuffle: pick the generator (at call time, not in __init__) and call its
           `.permutation(N)`.

        EXAMPLE:
        >>> loader = DataLoader(TensorDataset(np.arange(5)), shuffle=True,
        ...                     generator=np.random.default_rng(0))
        >>> loader._epoch_order(), loader._epoch_order()   # two epochs, two orders
        (array([4, 2, 1, 3, 0]), array([...]))

        HINTS: `Generator.permutation(n)` returns each of 0..n-1 exactly once.
        """
        ### BEGIN SOLUTION
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        generator = self.generator if self.generator is not None else default_generator()
        return generator.permutation(n)
        ### END SOLUTION


# %% test="dataloader-order-tests" points=10
def test_len_counts_batches(run):
    def lengths():
        ds = TensorDataset(np.arange(10))
        return [len(DataLoader(ds, batch_size=b, drop_last=d))
                for b, d in ((4, False), (4, True), (5, False), (5, True), (1, False), (32, False))]

    got = run(lengths)
    assert got == [3, 2, 2, 2, 10, 1], (
        f"10 samples: batch 4 -> 3 batches (2 with drop_last), batch 5 -> 2, batch 1 -> 10, "
        f"batch 32 -> 1; got {got}")


def test_epoch_order_is_a_fresh_permutation(run):
    def orders():
        loader = DataLoader(TensorDataset(np.arange(50)), shuffle=True,
                            generator=np.random.default_rng(7))
        plain = DataLoader(TensorDataset(np.arange(5)))
        return loader._epoch_order(), loader._epoch_order(), plain._epoch_order()

    first, second, sequential = run(orders)
    assert sorted(first.tolist()) == list(range(50)), "an epoch visits every index exactly once"
    assert sorted(second.tolist()) == list(range(50)), "so does the next epoch"
    assert first.tolist() != second.tolist(), "each epoch needs a new order"
    assert first.tolist() != list(range(50)), "shuffle=True must shuffle"
    assert sequential.tolist() == [0, 1, 2, 3, 4], "shuffle=False keeps the stored order"


run_tests(test_len_counts_batches, test_epoch_order_is_a_fresh_permutation)
### BEGIN HIDDEN TESTS
def test_epoch_order_is_reproducible(run):
    def seeded():
        def epochs(loader):
            return [loader._epoch_order().tolist() for _ in range(3)]
        ds = TensorDataset(np.arange(20))
        a = epochs(DataLoader(ds, shuffle=True, generator=np.random.default_rng(3)))
        b = epochs(DataLoader(ds, shuffle=True, generator=np.random.default_rng(3)))
        manual_seed(11)
        c = epochs(DataLoader(ds, shuffle=True))
        loader = DataLoader(ds, shuffle=True)  # made before the reseed: still follows it
        manual_seed(11)
        d = epochs(loader)
        return a, b, c, d

    a, b, c, d = run(seeded)
    assert a == b, "two loaders with equally seeded generators must give the same epochs"
    assert c == d, ("with no generator, the order must come from default_generator() at "
                    "iteration time, so manual_seed(s) before an epoch reproduces it")
    assert len({tuple(e) for e in a}) == 3, "three epochs, three different orders"


def test_len_and_order_of_empty_and_small_datasets(run):
    def edge_cases():
        empty = DataLoader(TensorDataset(np.zeros((0, 3))), batch_size=4, shuffle=True,
                           generator=np.random.default_rng(0))
        small = DataLoader(TensorDataset(np.arange(3)), batch_size=8, drop_last=True)
        exact = DataLoader(TensorDataset(np.arange(12)), batch_size=4, drop_last=False)
        return len(empty), empty._epoch_order().tolist(), len(small), len(exact)

    empty_len, empty_order, small_len, exact_len = run(edge_cases)
    assert empty_len == 0 and empty_order == [], "an empty dataset has no batches"
    assert small_len == 0, "3 samples in batches of 8 with drop_last: 0 batches"
    assert exact_len == 3, "12 samples in batches of 4: exactly 3 (no empty 4th batch)"

    def bad_batch_size():
        return len(DataLoader(TensorDataset(np.arange(3)), batch_size=0))

    with pytest.raises(ValueError):
        run(bad_batch_size)


run_tests(test_epoch_order_is_reproducible, test_len_and_order_of_empty_and_small_datasets)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: fetching a batch, twice
#
# Given the indices of one batch, the loader fetches the samples and collates them. The
# general way works for any dataset: ask for each sample, then collate the list.
#
# ```python
# samples = [dataset[i] for i in indices]     # B calls to __getitem__, in Python
# batch = collate_fn(samples)                  # B small arrays stacked
# ```
#
# For a `TensorDataset` there is a much faster way: `dataset[indices]` with the whole index
# array gathers every tensor's rows with **one** NumPy fancy index, in compiled code, and
# is already a batch: no per-sample Python call, no list of small tensors, no stack. You
# write both, `_fetch_loop` and `_fetch_gather`, and the tests check that they give the
# same batch: same fields, same values, same dtypes. The given `_fetch` picks the gather
# whenever it is valid: a plain `TensorDataset` with the default collate (a custom
# `collate_fn` must see the samples one by one). Section 5 measures the difference.
#
# **Common mistakes:** passing NumPy ints to a dataset that expects Python ints (use
# `int(i)`); returning a tuple from `_fetch_gather` where collate returns a list.

# %% solution="dataloader-fetch"
#| export
@extends(DataLoader)
class DataLoaderFetch:
    def _fetch_loop(self, indices: np.ndarray) -> Any:
        """One batch, one sample at a time: collate [dataset[i] for i in indices].

        TODO: fetch every sample with `self.dataset[int(i)]`, then return
        `self.collate_fn` of the list.
        APPROACH: a list comprehension, then one call.
        EXAMPLE: for TensorDataset(X, y) and indices [2, 0]: [X[[2, 0]], y[[2, 0]]]
        HINTS: this works for every dataset, whatever its samples look like.
        """
        ### BEGIN SOLUTION
        return self.collate_fn([self.dataset[int(i)] for i in indices])
        ### END SOLUTION

    def _fetch_gather(self, indices: np.ndarray) -> "list[Tensor]":
        """One batch of a TensorDataset with one fancy index per tensor (the fast path).

        Returns the same batch as `_fetch_loop` with `default_collate`: a list of Tensors.

        TODO: index the dataset with the whole index array and return the fields as a list.
        APPROACH: `self.dataset[indices]` is a tuple of batch tensors (piece 1); `list(...)`.
        EXAMPLE: for TensorDataset(X, y) and indices [2, 0]: [X[[2, 0]], y[[2, 0]]]
        HINTS: one call to `__getitem__`, however big the batch.
        """
        ### BEGIN SOLUTION
        return list(self.dataset[np.asarray(indices, dtype=np.int64)])
        ### END SOLUTION

    def _fetch(self, indices: np.ndarray) -> Any:
        """One batch: the gather for a plain TensorDataset with default_collate, else the loop."""
        gather = (type(self.dataset).__getitem__ is TensorDataset.__getitem__
                  and self.collate_fn is default_collate)
        return self._fetch_gather(indices) if gather else self._fetch_loop(indices)


# %% test="dataloader-fetch-tests" points=10
def test_fetch_loop_collates_samples(run):
    def loop():
        ds = TensorDataset(np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6) % 3)
        batch = DataLoader(ds)._fetch_loop(np.array([5, 0, 2]))
        return type(batch).__name__, batch[0].numpy(), batch[1].numpy()

    kind, xs, ys = run(loop)
    assert kind == "list", f"default_collate of (x, y) samples gives a list, got {kind}"
    assert_array(xs, [[10, 11], [0, 1], [4, 5]], dtype="float32", what="batch[0]")
    assert_array(ys, [2, 0, 2], dtype="int64", what="batch[1]")


def test_fetch_gather_equals_loop(run):
    def both():
        rng = np.random.default_rng(0)
        ds = TensorDataset(rng.standard_normal((40, 3, 4, 4)).astype(np.float32),
                           rng.integers(0, 10, size=40), rng.random(40) < 0.5)
        loader = DataLoader(ds)
        indices = rng.permutation(40)[:16]
        loop, gather = loader._fetch_loop(indices), loader._fetch_gather(indices)
        return ([type(b).__name__ for b in (loop, gather)], [t.numpy() for t in loop],
                [t.numpy() for t in gather])

    kinds, loop, gather = run(both)
    assert kinds == ["list", "list"], f"both paths return a list of Tensors, got {kinds}"
    assert len(gather) == len(loop) == 3, "one batch tensor per field"
    for field, (expected, actual) in enumerate(zip(loop, gather, strict=True)):
        assert_array(actual, expected, dtype=expected.dtype, what=f"gathered field {field}")


run_tests(test_fetch_loop_collates_samples, test_fetch_gather_equals_loop)
### BEGIN HIDDEN TESTS
def test_fetch_gather_calls_getitem_once(run):
    def calls():
        class Counting(TensorDataset):
            calls = 0

            def __getitem__(self, index):
                Counting.calls += 1
                return super().__getitem__(index)

        ds = Counting(np.arange(100).reshape(50, 2), np.arange(50))
        loader = DataLoader(ds)
        batch = loader._fetch_gather(np.arange(32))
        gather_calls = Counting.calls
        Counting.calls = 0
        loader._fetch_loop(np.arange(32))
        return gather_calls, Counting.calls, batch[1].numpy()

    gather_calls, loop_calls, labels = run(calls)
    assert gather_calls == 1, f"the gather must index the dataset once, not {gather_calls} times"
    assert loop_calls == 32, f"the loop fetches each of the 32 samples, got {loop_calls} calls"
    assert_array(labels, np.arange(32), what="the gathered labels")


def test_fetch_loop_uses_custom_collate_and_python_ints(run):
    def custom():
        class Squares(Dataset):
            def __getitem__(self, index):
                if type(index) is not int:
                    raise TypeError(f"Squares wants a Python int, got {type(index).__name__}")
                return index * index

            def __len__(self):
                return 5

        loader = DataLoader(Squares(), collate_fn=lambda samples: sum(samples))
        return loader._fetch_loop(np.array([1, 2, 3])), loader._fetch(np.array([4]))

    total, single = run(custom)
    assert total == 14, f"collate_fn(sum) of 1, 4, 9 is 14, got {total}"
    assert single == 16, "any dataset goes through the per-sample loop"


run_tests(test_fetch_gather_calls_getitem_once, test_fetch_loop_uses_custom_collate_and_python_ints)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: iterating
#
# `for batch in loader` calls `iter(loader)`, which is `__iter__`: a generator that takes
# one epoch's order (piece 3), cuts it into consecutive slices of `batch_size` indices and
# yields `self._fetch(slice)` for each. The last slice may be short: yield it, unless
# `drop_last` is set. Because `__iter__` calls `_epoch_order` each time, every `for` loop
# over the loader is a new epoch with a new shuffle.
#
# **Common mistakes:** yielding an empty batch when `batch_size` divides `N`; stopping at
# `len(self) - 1`; computing the order once in `__init__` (every epoch the same).

# %% solution="dataloader-iter"
#| export
@extends(DataLoader)
class DataLoaderIter:
    def __iter__(self) -> Iterator[Any]:
        """Yield the batches of one epoch, in order (iter(torch.utils.data.DataLoader)).

        TODO: yield `self._fetch(indices)` for each slice of `batch_size` indices of
        `self._epoch_order()`, skipping a short last slice if `drop_last`.

        APPROACH:
        1. order = self._epoch_order()
        2. for start in range(0, len(order), self.batch_size): take
           order[start:start + self.batch_size].
        3. A slice shorter than batch_size with drop_last: stop.

        EXAMPLE: 10 samples, batch_size 4 -> batches of 4, 4, 2 (4, 4 with drop_last).

        HINTS: a generator function: `yield` each batch instead of building a list, so only
        one batch is in memory at a time.
        """
        ### BEGIN SOLUTION
        order = self._epoch_order()
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            yield self._fetch(indices)
        ### END SOLUTION


# %% test="dataloader-iter-tests" points=10
def test_batches_in_order(run):
    def batches():
        ds = TensorDataset(np.arange(10, dtype=np.float32) * 10, np.arange(10))
        return [(x.numpy(), y.numpy()) for x, y in DataLoader(ds, batch_size=4)]

    got = run(batches)
    assert len(got) == 3, f"10 samples in batches of 4: 3 batches, got {len(got)}"
    assert_array(got[0][1], [0, 1, 2, 3], dtype="int64", what="labels of batch 0")
    assert_array(got[0][0], [0, 10, 20, 30], dtype="float32", what="features of batch 0")
    assert_array(got[2][1], [8, 9], dtype="int64", what="the last, partial batch")


def test_drop_last_drops_the_partial_batch(run):
    def sizes():
        ds = TensorDataset(np.arange(10))
        return [len(b[0]) for b in DataLoader(ds, batch_size=4, drop_last=True)]

    got = run(sizes)
    assert got == [4, 4], f"drop_last=True keeps only full batches: [4, 4], got {got}"


run_tests(test_batches_in_order, test_drop_last_drops_the_partial_batch)
### BEGIN HIDDEN TESTS
def test_shuffled_epoch_covers_every_sample_once(run):
    def epochs():
        ds = TensorDataset(np.arange(23))
        loader = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(1))
        return [[b[0].numpy().tolist() for b in loader] for _ in range(3)]

    got = run(epochs)
    for number, epoch in enumerate(got):
        assert [len(b) for b in epoch] == [5, 5, 5, 5, 3], f"epoch {number}: batch sizes"
        seen = sorted(i for batch in epoch for i in batch)
        assert seen == list(range(23)), f"epoch {number} must visit each sample exactly once"
    assert got[0] != got[1] != got[2], "each epoch (each for loop) needs a new order"


def test_iteration_edge_cases(run):
    def edges():
        empty = DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=3, shuffle=True,
                           generator=np.random.default_rng(0))
        exact = DataLoader(TensorDataset(np.arange(8)), batch_size=4, drop_last=False)
        short = DataLoader(TensorDataset(np.arange(3)), batch_size=4, drop_last=True)
        generic = DataLoader([(i, float(i)) for i in range(5)], batch_size=2)
        return (list(empty), [len(b[0]) for b in exact], list(short),
                [(b[0].numpy().tolist(), str(b[1].dtype)) for b in generic], len(generic))

    empty, exact, short, generic, generic_len = run(edges)
    assert empty == [], "an empty dataset yields no batches"
    assert exact == [4, 4], f"8 samples in batches of 4: no empty third batch, got {exact}"
    assert short == [], "drop_last with fewer samples than batch_size: no batches"
    assert [g[0] for g in generic] == [[0, 1], [2, 3], [4]], "a list of tuples is a dataset too"
    assert generic[0][1] == "float32" and generic_len == 3


run_tests(test_shuffled_epoch_covers_every_sample_once, test_iteration_edge_cases)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: `Compose` and `Normalize`
#
# A transform is any callable from an image to an image; a dataset applies its `transform`
# to each sample it returns. `Compose([t1, t2, t3])` chains them: `t3(t2(t1(img)))`.
#
# `Normalize(mean, std)` works on a float image of shape `(C, H, W)`, or a batch
# `(N, C, H, W)`: `out[..., c, :, :] = (x[..., c, :, :] - mean[c]) / std[c]`. Turn `mean`
# and `std` into arrays of the image's dtype and give a 1-D one the shape `(C, 1, 1)`, so it
# broadcasts over height and width (module 01, section 2.2). A single number applies to
# every channel. The checks around your code are given: a float input with at least 3 dims,
# no zero in `std`, one mean per channel. `Normalize` returns a new tensor; the input is
# not modified. This is torchvision's formula and its float32 arithmetic, so the values
# match it exactly.
#
# **Common mistakes:** a `(C,)` mean broadcasting against the *width* instead of the
# channels; computing in float64 and returning float64; normalizing in place.

# %% [markdown]
# Helpers used by all transforms, given: an image can be a Tensor or a NumPy array, and
# comes back as the same kind.

# %% locked="transform-helpers"
#| export
def _image_array(image: "Tensor | np.ndarray", who: str) -> np.ndarray:
    """The NumPy array of an image (a Tensor or an array) with at least H and W dims."""
    array = image.data if isinstance(image, Tensor) else np.asarray(image)
    if array.ndim < 2:
        raise ValueError(f"{who}: expected an image of shape (..., H, W), got shape {array.shape}")
    return array


def _same_kind(image: "Tensor | np.ndarray", array: np.ndarray) -> "Tensor | np.ndarray":
    """`array` as the same kind of object as `image`: a Tensor for a Tensor."""
    return Tensor(array) if isinstance(image, Tensor) else array


# %% solution="normalize"
#| export
class Compose:
    """Chain transforms: Compose([a, b])(x) is b(a(x)) (torchvision.transforms.Compose)."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        """Apply each transform in order to `image`.

        TODO: pass `image` through every transform in `self.transforms`, first to last.
        APPROACH: a loop that replaces `image` with `t(image)`.
        EXAMPLE: Compose([lambda x: x + 1, lambda x: x * 10])(1) -> 20
        HINTS: Compose([]) is the identity.
        """
        ### BEGIN SOLUTION
        for transform in self.transforms:
            image = transform(image)
        return image
        ### END SOLUTION

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Normalize:
    """Normalize each channel: (x - mean[c]) / std[c] (torchvision.transforms.Normalize).

    For float images of shape (C, H, W) or batches (..., C, H, W), Tensor or NumPy array;
    `mean` and `std` are one number per channel, or one number for all. `inplace=True`
    writes the result into the input and returns it.
    """

    def __init__(self, mean: "Sequence[float] | float", std: "Sequence[float] | float",
                 inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, image: "Tensor | np.ndarray") -> "Tensor | np.ndarray":
        """The normalized image, a new Tensor (or array) of the input's dtype.

        TODO: set `normalized` to (x - mean) / std, with mean and std broadcast per channel.

        APPROACH:
        1. `mean = np.asarray(self.mean, dtype=x.dtype)`, the same for std (given below).
        2. If mean is 1-D, reshape it to (C, 1, 1) (`reshape(-1, 1, 1)`); same for std.
        3. `normalized = (x - mean) / std`; the given code returns it (or, with
           inplace=True, writes it into the input).

        EXAMPLE:
        >>> Normalize([0.5, 0.0], [0.5, 2.0])(Tensor(np.ones((2, 1, 2), np.float32)))
        Tensor([[[1. , 1. ]],
                [[0.5, 0.5]]], dtype=float32)

        HINTS: a (2,) array would broadcast against the last dim, the width.
        """
        x = _image_array(image, "Normalize")
        if x.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float image, got {x.dtype}; "
                            "convert first, e.g. ToTensor() or x.astype(np.float32) / 255")
        if x.ndim < 3:
            raise ValueError(f"Normalize: expected an image of shape (..., C, H, W), got "
                             f"shape {x.shape}")
        mean = np.asarray(self.mean, dtype=x.dtype)
        std = np.asarray(self.std, dtype=x.dtype)
        if (std == 0).any():
            raise ValueError(f"Normalize: std {self.std} holds a zero: division by zero")
        channels = x.shape[-3]
        for name, values in (("mean", mean), ("std", std)):
            if values.ndim > 1 or values.size not in (1, channels):
                raise ValueError(f"Normalize: {values.size} {name} values for an image with "
                                 f"{channels} channels (shape {x.shape}); give one per channel")
        ### BEGIN SOLUTION
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1, 1)
        normalized = (x - mean) / std
        ### END SOLUTION
        if self.inplace:
            x[...] = normalized
            return image
        return _same_kind(image, normalized)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


# %% test="normalize-tests" points=10
def test_normalize_per_channel(run):
    def normalized():
        x = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)
        out = Normalize([1.0, 6.0], [2.0, 3.0])(Tensor(x))
        return type(out).__name__, out.numpy(), x

    kind, out, x = run(normalized)
    expected = (x - np.array([1, 6], np.float32).reshape(2, 1, 1)) / np.array(
        [2, 3], np.float32).reshape(2, 1, 1)
    assert kind == "Tensor", f"a Tensor image gives a Tensor, got {kind}"
    assert_array(out, expected, dtype="float32", what="Normalize([1, 6], [2, 3]) on (2, 2, 3)")


def test_compose_applies_in_order(run):
    def composed():
        pipeline = Compose([lambda v: v + 1, lambda v: v * 10, Normalize([5.0], [5.0])])
        return pipeline(np.zeros((1, 1, 1), np.float32)), Compose([])(7)

    out, identity = run(composed)
    assert_array(out, [[[1.0]]], dtype="float32", what="((0 + 1) * 10 - 5) / 5")
    assert identity == 7, "Compose([]) returns its input"


run_tests(test_normalize_per_channel, test_compose_applies_in_order)
### BEGIN HIDDEN TESTS
def test_normalize_batches_scalars_and_copies(run):
    def batch():
        rng = np.random.default_rng(0)
        x = rng.random((4, 3, 5, 2)).astype(np.float32)
        before = x.copy()
        out = Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(x)
        scalar = Normalize(0.5, 0.5)(Tensor(x[0]))
        return out, x, before, scalar.numpy(), type(out).__name__

    out, x, before, scalar, kind = run(batch)
    mean = np.array([0.1, 0.2, 0.3], np.float32).reshape(3, 1, 1)
    std = np.array([0.5, 0.25, 2.0], np.float32).reshape(3, 1, 1)
    assert kind == "ndarray", "an array image gives an array"
    assert_array(out, (x - mean) / std, dtype="float32", what="Normalize on a (4, 3, 5, 2) batch")
    assert_array(x, before, what="the input after Normalize (it must not change)")
    assert_array(scalar, (x[0] - np.float32(0.5)) / np.float32(0.5), dtype="float32",
                 what="Normalize(0.5, 0.5)")


def test_normalize_refuses_bad_input(run):
    def uint8_image():
        return Normalize([0.5], [0.5])(np.zeros((1, 2, 2), np.uint8)).shape

    def zero_std():
        return Normalize([0.5], [0.0])(np.zeros((1, 2, 2), np.float32)).shape

    def float64_stays():
        return str(Normalize([0.5], [0.5])(np.zeros((1, 2, 2))).dtype)

    with pytest.raises(TypeError):
        run(uint8_image)
    with pytest.raises(ValueError):
        run(zero_std)
    assert run(float64_stays) == "float64", "a float64 image stays float64"


run_tests(test_normalize_batches_scalars_and_copies, test_normalize_refuses_bad_input)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: `RandomHorizontalFlip` and `RandomCrop`
#
# Both take a `generator` (else `default_generator()`, read at call time) and draw from it
# on every call, so one transform object gives a different result each epoch.
#
# - `RandomHorizontalFlip(p=0.5)`: with probability `p` (one draw, `generator.random() <
#   p`), reverse the **last** dim, the width: `x[..., ::-1]`. Rows and channels stay where
#   they are. Return a copy (`.copy()`: a reversed view would share memory with the
#   dataset).
# - `RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant")`:
#   first pad the last two dims by `self.padding`, `(left, top, right, bottom)` in
#   torchvision's order (the given `_pad` helper calls `np.pad`), then cut out a `size`
#   window at a random position: the top row `i` is uniform in `0 ..= H - h` and the left
#   column `j` in `0 ..= W - w` of the padded image, drawn in that order with
#   `generator.integers(0, H - h + 1)`. With padding 4 on a 32×32 image the crop
#   shifts the content by up to 4 pixels either way, as in the classic CIFAR-10 recipe.
#
# The given `_pad` calls `np.pad(x, widths, mode=..., constant_values=...)`, which takes one
# `(before, after)` pair per dim: `(0, 0)` for the leading dims, `(top, bottom)` for H,
# `(left, right)` for W; padding_mode `"constant"`, `"edge"`, `"reflect"` and `"symmetric"`
# are NumPy's modes too. With `pad_if_needed=True` (given code) a dim still smaller than the
# crop is padded on both sides by the difference, as torchvision does.
#
# **Common mistakes:** `integers(0, H - h)` (never picks the last position); flipping the
# height; cropping before padding; a crop bigger than the padded image (raise a
# `ValueError`, as torchvision does).

# %% solution="augment"
#| export
class RandomHorizontalFlip:
    """Flip left to right with probability p (torchvision.transforms.RandomHorizontalFlip)."""

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p is a probability in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, image: "Tensor | np.ndarray") -> "Tensor | np.ndarray":
        """The image, flipped along its last dim (width) with probability p; a new copy.

        TODO: draw one number from the generator; if it is below p, reverse the last dim.
        APPROACH: `x[..., ::-1].copy()` reverses the width; return `_same_kind(image, ...)`.
        EXAMPLE: with p=1.0, [[1, 2, 3]] -> [[3, 2, 1]]; with p=0.0 it never flips.
        HINTS: the generator is `self.generator`, or `default_generator()` if that is None.
        Draw exactly once per call, flipped or not.
        """
        x = _image_array(image, "RandomHorizontalFlip")
        ### BEGIN SOLUTION
        generator = self.generator if self.generator is not None else default_generator()
        if generator.random() < self.p:
            x = x[..., ::-1]
        return _same_kind(image, x.copy())
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad, then crop a random `size` window (torchvision.transforms.RandomCrop).

    Args:
        size: (h, w) of the crop, or one int for a square.
        padding: None, an int for all sides, (left/right, top/bottom), or (left, top,
            right, bottom), as in torchvision.
        pad_if_needed: after `padding`, pad each side of a dim smaller than the crop by
            the difference (torchvision's rule), instead of raising a ValueError.
        fill: the value of padded pixels with padding_mode "constant".
        padding_mode: "constant", "edge", "reflect" or "symmetric".
        generator: the numpy.random.Generator for the position; None uses
            default_generator().
    """

    def __init__(self, size: "int | Sequence[int]", padding: "int | Sequence[int] | None" = None,
                 pad_if_needed: bool = False, fill: float = 0, padding_mode: str = "constant",
                 generator: np.random.Generator | None = None) -> None:
        self.size = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(self.size) != 2 or min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size must be an int or (h, w) > 0, got {size}")
        pad = 0 if padding is None else padding
        pad = (pad,) if isinstance(pad, (int, np.integer)) else tuple(pad)
        if len(pad) not in (1, 2, 4) or min(pad) < 0:
            raise ValueError(f"RandomCrop: padding must be an int >= 0 or a sequence of 2 or 4, "
                             f"got {padding}")
        self.padding = (pad * 4)[:4] if len(pad) == 1 else (pad * 2 if len(pad) == 2 else pad)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: unknown padding_mode {padding_mode!r}")
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    def _pad(self, x: np.ndarray, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """`x` with its last two dims padded (np.pad, in self.padding_mode with self.fill)."""
        if not (left or top or right or bottom):
            return x
        widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
        options = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
        return np.pad(x, widths, mode=self.padding_mode, **options)

    def __call__(self, image: "Tensor | np.ndarray") -> "Tensor | np.ndarray":
        """A `size` window of the padded image at a random position; a new copy.

        TODO: (first region) pad by `self.padding`; (second region) draw the top-left
        corner, i then j, and return the window.

        APPROACH:
        1. `self.padding` is (left, top, right, bottom): `x = self._pad(x, *self.padding)`.
           (`_pad` is given: np.pad of the last two dims with the padding mode and fill.)
        2. The given code then applies pad_if_needed.
        3. H, W are the padded image's last two dims; h, w = self.size. If h > H or
           w > W, raise a ValueError naming both sizes.
        4. i = generator.integers(0, H - h + 1), then j = generator.integers(0, W - w + 1).
        5. Return `_same_kind(image, x[..., i:i + h, j:j + w].copy())`.

        EXAMPLE: RandomCrop(2)(np.arange(9).reshape(3, 3)) is one of the four 2x2 corners.

        HINTS: the window's top row can be anywhere from 0 to H - h, both included.
        """
        x = _image_array(image, "RandomCrop")
        generator = self.generator if self.generator is not None else default_generator()
        ### BEGIN SOLUTION
        x = self._pad(x, *self.padding)
        ### END SOLUTION
        if self.pad_if_needed:
            grow_w = max(0, self.size[1] - x.shape[-1])
            x = self._pad(x, grow_w, 0, grow_w, 0)
            grow_h = max(0, self.size[0] - x.shape[-2])
            x = self._pad(x, 0, grow_h, 0, grow_h)
        ### BEGIN SOLUTION
        height, width = x.shape[-2:]
        h, w = self.size
        if h > height or w > width:
            raise ValueError(f"RandomCrop: crop size {(h, w)} is larger than the (padded) image "
                             f"size {(height, width)}")
        i = int(generator.integers(0, height - h + 1))
        j = int(generator.integers(0, width - w + 1))
        return _same_kind(image, x[..., i:i + h, j:j + w].copy())
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


# %% test="augment-tests" points=10
def test_flip_reverses_width_only(run):
    def flips():
        x = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
        always = RandomHorizontalFlip(p=1.0)(Tensor(x))
        never = RandomHorizontalFlip(p=0.0)(Tensor(x))
        return type(always).__name__, always.numpy(), never.numpy(), x

    kind, always, never, x = run(flips)
    assert kind == "Tensor"
    assert_array(always, x[..., ::-1], dtype="float32", what="flip with p=1 (width reversed)")
    assert_array(never, x, dtype="float32", what="flip with p=0 (unchanged)")


def test_crop_windows_lie_inside_the_image(run):
    def crops():
        x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
        crop = RandomCrop(3, generator=np.random.default_rng(0))
        return [crop(x) for _ in range(30)], x

    windows, x = run(crops)
    allowed = {x[:, i:i + 3, j:j + 3].tobytes() for i in range(3) for j in range(3)}
    assert all(w.shape == (1, 3, 3) for w in windows), "every crop is (1, 3, 3)"
    assert all(w.tobytes() in allowed for w in windows), "each crop is a 3x3 window of the image"
    assert len({w.tobytes() for w in windows}) > 3, "30 crops should land in several positions"


run_tests(test_flip_reverses_width_only, test_crop_windows_lie_inside_the_image)
### BEGIN HIDDEN TESTS
def test_crop_with_padding_reaches_every_offset(run):
    def padded():
        x = np.arange(1, 33, dtype=np.float32).reshape(2, 4, 4)  # no zeros: padding shows
        crop = RandomCrop(4, padding=2, generator=np.random.default_rng(1))
        windows = [crop(x) for _ in range(500)]
        exact = RandomCrop((4, 4))(Tensor(x)).numpy()
        return x, windows, exact

    x, windows, exact = run(padded)
    assert all(w.shape == (2, 4, 4) for w in windows), "padded crops keep the requested size"
    big = np.pad(x, [(0, 0), (2, 2), (2, 2)])  # 8 x 8, zeros around
    where = {(i, j): big[:, i:i + 4, j:j + 4].tobytes() for i in range(5) for j in range(5)}
    offsets = {(i, j) for w in windows for (i, j), window in where.items()
               if w.tobytes() == window}
    assert all(w.tobytes() in where.values() for w in windows), (
        "each crop must be a 4x4 window of the image padded with 2 zeros on every side")
    assert offsets == set(where), (
        "with padding 2 the window's corner ranges over 0..4 in both dims, ends included; "
        f"500 crops never reached {sorted(set(where) - offsets)}")
    assert_array(exact, x, dtype="float32", what="a crop of the full size, no padding")

    def too_big():
        return RandomCrop(5)(np.zeros((1, 4, 4), np.float32)).shape

    with pytest.raises(ValueError):
        run(too_big)


def test_augmentations_are_seeded_and_redrawn(run):
    def seeded():
        x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
        a = RandomHorizontalFlip(generator=np.random.default_rng(5))
        b = RandomHorizontalFlip(generator=np.random.default_rng(5))
        flips_a = [bool(a(x)[0, 0, 0] == 3) for _ in range(40)]
        flips_b = [bool(b(x)[0, 0, 0] == 3) for _ in range(40)]
        manual_seed(2)
        c = [RandomCrop(2, padding=1)(x).tobytes() for _ in range(10)]
        manual_seed(2)
        d = [RandomCrop(2, padding=1)(x).tobytes() for _ in range(10)]
        edge = RandomCrop(3, padding=1, padding_mode="edge",
                          generator=np.random.default_rng(0))(np.ones((1, 2, 2), np.float32))
        return flips_a, flips_b, c == d, edge

    flips_a, flips_b, same_crops, edge = run(seeded)
    assert flips_a == flips_b, "equal generators must give equal flips"
    assert 5 < sum(flips_a) < 35, f"p=0.5 should flip about half of 40 calls, got {sum(flips_a)}"
    assert same_crops, "with no generator, crops follow default_generator() (manual_seed)"
    assert_array(edge, np.ones((1, 3, 3)), dtype="float32", what="edge padding repeats the border")


run_tests(test_crop_with_padding_reaches_every_offset, test_augmentations_are_seeded_and_redrawn)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: real data sets
#
# Your package also holds readers for four image data sets, written for you (section 4.1
# explains how they work). Each is a `Dataset` like torchvision's: `ds[i]` is
# `(image, label)` with the image a float32 Tensor of shape `(C, H, W)` in `[0, 1]` (what
# torchvision's `ToTensor()` gives), passed through `transform` if you give one. The raw
# pixels stay in `ds.data` (uint8) and the labels in `ds.targets` (int64).
#
# | reader | samples | image | where the files come from |
# |---|---|---|---|
# | `Digits(train)` | 1,442 / 355 | 1×8×8 | scikit-learn's bundled copy, no download |
# | `MNIST(root, train)` | 60,000 / 10,000 | 1×28×28 | downloaded (IDX, gzip), checked, cached |
# | `FashionMNIST(root, train)` | 60,000 / 10,000 | 1×28×28 | Debian's package, or downloaded |
# | `CIFAR10(root, train)` | 50,000 / 10,000 | 3×32×32 | downloaded (tar.gz of pickled batches) |
#
# One text corpus too, for the language models of modules 10-13: `TinyShakespeare(root)`
# reads Karpathy's tinyshakespeare (1.1 MB of plays, the char-rnn file) into one str,
# `.text`, found in the same folders, or downloaded and checked the same way.

# %% [markdown]
# ### 4.1 How the readers work
#
# - **Where they look.** A `root` folder, by default `$TINYTORCH_DATA` or
#   `~/.cache/tinytorch` (`data_home()`; `tito system doctor` reports what is there), with a
#   folder per data set: `mnist/`, `fashion-mnist/`, and `cifar-10-python.tar.gz` and
#   `tinyshakespeare.txt` at the top.
#   MNIST and Fashion-MNIST also look in `/usr/share/datasets/` (Debian's layout, where
#   `apt-get install dataset-fashion-mnist` puts Fashion-MNIST).
# - **Checksums.** Every file is checked against a SHA-256 digest before use; a corrupted
#   or truncated file is refused with a message, never used. For the IDX files the digest
#   is of the decompressed data, so the official gzip files, Debian's recompressed ones and
#   uncompressed copies all verify.
# - **Download.** A missing file is downloaded from the official mirror (the URLs
#   torchvision uses), checked, and only then moved into the cache. Offline, one error says
#   which files to put where.
# - **Formats.** IDX (MNIST's format) is a tiny header (a magic number giving the element
#   type and the number of dims, then each dim as a big-endian 32-bit int) followed by the raw
#   array; `parse_idx` reads it with `np.frombuffer`, no copy. CIFAR-10's batches are Python
#   pickles; a pickle can run arbitrary code, so the reader unpickles with an allow-list
#   that only rebuilds NumPy arrays and plain containers, and only after the archive's
#   checksum matched.
#
# The readers below are part of your package, given. Read them once; nothing to write.

# %% locked="readers"
#| export
class ChecksumError(ValueError):
    """A data file's SHA-256 differs from the published one: it is corrupted or not the file."""


def data_home() -> Path:
    """Where data sets are cached: `$TINYTORCH_DATA`, else `~/.cache/tinytorch`."""
    return Path(os.environ.get("TINYTORCH_DATA") or Path.home() / ".cache" / "tinytorch")


_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes) -> np.ndarray:
    """The array stored in IDX bytes (the format of MNIST and Fashion-MNIST), native order.

    Layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dims, each dim as a big-endian uint32, then
    the elements in C order, big-endian.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError("not an IDX file: it must start with 0x00 0x00, a type code and the "
                         f"number of dims, got {data[:4]!r}")
    ndim = data[3]
    dtype = np.dtype(_IDX_TYPES[data[2]])
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"IDX data of shape {shape} and type {dtype} needs {expected} bytes, "
                         f"got {len(data)}: the file is truncated or corrupted")
    array = np.frombuffer(data, dtype, count=int(np.prod(shape)), offset=offset)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse(path: Path, actual: str, expected: str) -> ChecksumError:
    return ChecksumError(
        f"{path} has SHA-256 {actual}, expected {expected}: the file is corrupted, truncated "
        f"or not the official one, so it is not used. Delete it; it is downloaded again on "
        "next use (or put the official file there).")


def _download(urls: Sequence[str], target: Path, check: Callable[[Path], None]) -> list[str]:
    """Download the first URL that works to `target`, checked by `check` before it lands.

    Returns why each URL failed: an empty list on success. The file is written next to
    `target` and renamed only once `check` passed, so the cache never holds a partial or
    unverified file.
    """
    reasons = []
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix="-" + target.name)
    os.close(handle)
    partial = Path(name)  # its own name per process; it keeps the target's suffix
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
            check(partial)
        except (urllib.error.URLError, OSError, ChecksumError) as error:
            reasons.append(f"{url}: {getattr(error, 'reason', error)}")
            partial.unlink(missing_ok=True)
            continue
        os.replace(partial, target)
        return []
    partial.unlink(missing_ok=True)
    return reasons


class VisionDataset(Dataset):
    """Images in `self.data` (uint8, N x H x W or N x H x W x C) and int64 `self.targets`.

    `ds[i]` is `(image, label)`: the image as a float32 Tensor (C, H, W) scaled to [0, 1]
    (torchvision's ToTensor), then `transform`; the label an int, then `target_transform`.
    `root` is the cache folder (default `data_home()`), `train` picks the split.
    """

    classes: Sequence[str] = ()
    data: np.ndarray
    targets: np.ndarray
    _scale = 255.0

    def __init__(self, root: "str | Path | None" = None, train: bool = True,
                 transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.root = Path(root) if root is not None else data_home()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        pixels = self.data[index]
        image = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)  # (C, H, W)
        image = Tensor(image.astype(np.float32) / np.float32(self._scale))
        label = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __len__(self) -> int:
        return len(self.targets)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} samples, images {self.data.shape[1:]})"


class Digits(VisionDataset):
    """The 8x8 handwritten digits that scikit-learn ships (sklearn.datasets.load_digits).

    1,797 images of 8x8 pixels with values 0..16 (`ds[i]` scales them to [0, 1]). The split
    is fixed and stratified: within each digit, every 5th sample in file order is a test
    sample (355 test, 1,442 train). The data set records no writer ids, so the same people
    appear on both sides: test accuracy measures new samples, not new writers.
    Needs scikit-learn installed (it is read from its package data, no import of sklearn).
    """

    classes = tuple(str(d) for d in range(10))
    _scale = 16.0

    def __init__(self, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        super().__init__(None, train, transform, target_transform)
        spec = importlib.util.find_spec("sklearn")
        path = None if spec is None else Path(
            spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
        if path is None or not path.exists():
            raise FileNotFoundError("Digits: the 8x8 digits ship with scikit-learn, which is "
                                    "not installed: pip install scikit-learn")
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)
        pixels, labels = table[:, :-1].astype(np.uint8), table[:, -1].astype(np.int64)
        rank = np.zeros(len(labels), dtype=np.int64)
        for digit in range(10):
            where = np.flatnonzero(labels == digit)
            rank[where] = np.arange(len(where))
        keep = (rank % 5 != 4) if train else (rank % 5 == 4)
        self.data = pixels[keep].reshape(-1, 8, 8)
        self.targets = labels[keep]


class MNIST(VisionDataset):
    """The MNIST handwritten digits, 28x28 (torchvision.datasets.MNIST).

    Looks for `<root>/mnist/<name>.gz` (or `<name>` uncompressed), then
    `/usr/share/datasets/mnist/`, for the two IDX files of the split; a missing one is
    downloaded (if `download`) into `<root>/mnist/`. Each file's decompressed content must
    match its SHA-256. `root` defaults to `data_home()` ($TINYTORCH_DATA or
    ~/.cache/tinytorch).
    """

    folder = "mnist"
    mirrors: Sequence[str] = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                              "http://yann.lecun.com/exdb/mnist/")
    # SHA-256 of each file's decompressed content (the IDX bytes).
    resources: ClassVar[Mapping[str, str]] = {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
    system_dirs: Sequence[Path] = (Path("/usr/share/datasets"),)
    offline_hint = ""
    classes = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine")

    def __init__(self, root: "str | Path | None" = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = True) -> None:
        super().__init__(root, train, transform, target_transform)
        prefix = "train" if train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        images, labels = self._load(names, download)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{type(self).__name__}: images {images.shape} and labels "
                             f"{labels.shape} do not pair up")
        self.data, self.targets = images, labels.astype(np.int64)

    def _candidates(self, name: str) -> list[Path]:
        folders = [self.root / self.folder] + [d / self.folder for d in self.system_dirs]
        return [folder / file for folder in folders for file in (f"{name}.gz", name)]

    def _verified(self, path: Path, name: str) -> bytes:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as error:
                raise ChecksumError(f"{path} is not a valid gzip file ({error}): it is "
                                    "corrupted or truncated, so it is not used. Delete it; it "
                                    "is downloaded again on next use.") from None
        digest = _sha256(raw)
        if digest != self.resources[name]:
            raise _refuse(path, digest, self.resources[name])
        return raw

    def _load(self, names: Sequence[str], download: bool) -> list[np.ndarray]:
        missing = [n for n in names if not any(p.exists() for p in self._candidates(n))]
        failures = {}
        for name in missing if download else ():
            target = self.root / self.folder / f"{name}.gz"
            failure = _download([m + f"{name}.gz" for m in self.mirrors], target,
                                lambda path, name=name: self._verified(path, name))
            if failure:
                failures[name] = failure
        if missing and (failures or not download):
            raise FileNotFoundError(self._offline_message(missing if not download else
                                                          list(failures), failures))
        return [parse_idx(self._verified(next(p for p in self._candidates(n) if p.exists()), n))
                .copy() for n in names]  # a writable array, not a view of the file's bytes

    def _offline_message(self, missing: Sequence[str],
                         failures: Mapping[str, Sequence[str]]) -> str:
        folder = self.root / self.folder
        lines = [f"{type(self).__name__}: {len(missing)} file(s) missing and "
                 + ("the download failed:" if failures else "not downloaded (download=False).")]
        lines += [f"    {reason}" for reasons in failures.values() for reason in reasons]
        lines += [f"  put {name}.gz (from {self.mirrors[0]}{name}.gz) at {folder / name}.gz"
                  for name in missing]
        lines.append(f"  (or pass root= / set TINYTORCH_DATA to a folder holding "
                     f"{self.folder}/<file>.gz; the files are checked by SHA-256)")
        if self.offline_hint:
            lines.append(f"  {self.offline_hint}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, 28x28 clothing images (torchvision.datasets.FashionMNIST).

    Found in `<root>/fashion-mnist/` or where Debian's package `dataset-fashion-mnist` puts
    it, `/usr/share/datasets/fashion-mnist/`; otherwise downloaded into
    `<root>/fashion-mnist/`. Same checks as MNIST.
    """

    folder = "fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/"
               "fashion/")
    resources: ClassVar[Mapping[str, str]] = {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    }
    offline_hint = ("On Debian or Ubuntu, `apt-get install dataset-fashion-mnist` provides all "
                    "four files in /usr/share/datasets/fashion-mnist/, where they are found.")
    classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles only plain containers and NumPy arrays: a CIFAR-10 batch and nothing else.

    A pickle names the functions that rebuild its objects, and unpickling calls them, so a
    doctored file could run any code. This unpickler resolves only the names a pickled
    ndarray needs (and `_codecs.encode`, which Python 3's protocol 2 uses for bytes) and
    refuses every other global.
    """

    _ALLOWED: ClassVar[dict[tuple[str, str], Any]] = {
        ("numpy.core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(1))[0],
        ("numpy._core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(1))[0],
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"CIFAR-10 batch refers to {module}.{name}: a CIFAR-10 batch holds only lists, "
                "strings and NumPy arrays, so the file is refused") from None


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 colour images in 10 classes (torchvision.datasets.CIFAR10).

    Reads the official archive `<root>/cifar-10-python.tar.gz` (downloaded if missing and
    `download`), checked by SHA-256, without extracting it: `data_batch_1..5` for train,
    `test_batch` for test. `self.data` is (N, 32, 32, 3) uint8, as in torchvision; `ds[i]`
    gives (3, 32, 32) float32. The batches are pickles, read with an allow-list unpickler
    that rebuilds only arrays and containers (no arbitrary code), after the checksum.
    """

    filename = "cifar-10-python.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    sha256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck")

    def __init__(self, root: "str | Path | None" = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = True) -> None:
        super().__init__(root, train, transform, target_transform)
        archive = self.root / self.filename
        failure: list[str] = []
        if not archive.exists() and download:
            failure = _download([self.url], archive, self._check)
        if not archive.exists():
            reason = ("not downloaded (download=False)." if not download
                      else "the download failed:\n    " + "\n    ".join(failure))
            raise FileNotFoundError(
                f"CIFAR10: {archive} is missing and {reason}\n"
                f"  put cifar-10-python.tar.gz (from {self.url}, SHA-256 {self.sha256}) at "
                f"{archive}\n  (or pass root= / set TINYTORCH_DATA to the folder holding it)")
        self._check(archive)
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        batches = self._read_batches(archive, names)
        self.data = np.concatenate([b[0] for b in batches]).reshape(-1, 3, 32, 32)
        self.data = self.data.transpose(0, 2, 3, 1).copy()  # (N, 32, 32, 3), as torchvision
        self.targets = np.concatenate([b[1] for b in batches]).astype(np.int64)

    def _check(self, path: Path) -> None:
        digest = _file_sha256(path)
        if digest != self.sha256:
            raise _refuse(path, digest, self.sha256)

    @staticmethod
    def _read_batches(archive: Path, names: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        found = {}
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = member.name.rsplit("/", 1)[-1]
                if member.isfile() and name in names:
                    batch = _BatchUnpickler(tar.extractfile(member), encoding="latin1").load()
                    batch = {k.decode() if isinstance(k, bytes) else k: v
                             for k, v in batch.items()}
                    data = np.asarray(batch["data"], dtype=np.uint8)
                    found[name] = (data, np.asarray(batch["labels"], dtype=np.int64))
        missing = [n for n in names if n not in found]
        if missing:
            raise ValueError(f"{archive} holds no {', '.join(missing)}: not a CIFAR-10 archive")
        return [found[n] for n in names]


class ToTensor:
    """uint8 (H, W) or (H, W, C) pixels -> float32 Tensor (C, H, W) in [0, 1]
    (torchvision.transforms.ToTensor). Float input is only moved to (C, H, W)."""

    def __call__(self, pic: "np.ndarray | Tensor") -> Tensor:
        array = pic.data if isinstance(pic, Tensor) else np.asarray(pic)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f"ToTensor: expected (H, W) or (H, W, C) pixels, got {array.shape}")
        array = array.transpose(2, 0, 1)
        if array.dtype == np.uint8:
            return Tensor(array.astype(np.float32) / np.float32(255))
        return Tensor(array)

    def __repr__(self) -> str:
        return "ToTensor()"


class TinyShakespeare:
    """Karpathy's tinyshakespeare corpus (char-rnn): 1.1 MB of plays as one str, `.text`.

    Looks for `<root>/tinyshakespeare.txt` (`root` defaults to `data_home()`: $TINYTORCH_DATA
    or ~/.cache/tinytorch), then `/usr/share/datasets/tinyshakespeare.txt`; if neither is
    there and `download`, downloads it into `<root>/`. The file must match its SHA-256. Text
    data sets have no torchvision reader; this one is for the character-level models of
    modules 10-13 (the split into training and validation text is the caller's).
    """

    filename = "tinyshakespeare.txt"
    url = ("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/"
           "input.txt")
    sha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    system_dirs: Sequence[Path] = (Path("/usr/share/datasets"),)

    def __init__(self, root: "str | Path | None" = None, download: bool = True) -> None:
        self.root = Path(root) if root is not None else data_home()
        target = self.root / self.filename
        found = [p for p in (target, *(d / self.filename for d in self.system_dirs))
                 if p.exists()]
        failure: list[str] = []
        if not found and download:
            failure = _download([self.url], target, self._check)
            found = [target] if target.exists() else []
        if not found:
            reason = ("not downloaded (download=False)." if not download
                      else "the download failed:\n    " + "\n    ".join(failure))
            raise FileNotFoundError(
                f"TinyShakespeare: {target} is missing and {reason}\n"
                f"  put tinyshakespeare.txt (from {self.url}, SHA-256 {self.sha256}) at "
                f"{target}\n  (or pass root= / set TINYTORCH_DATA to the folder holding it)")
        self.path = found[0]
        self._check(self.path)
        self.text = self.path.read_text(encoding="utf-8")

    def _check(self, path: Path) -> None:
        digest = _file_sha256(path)
        if digest != self.sha256:
            raise _refuse(path, digest, self.sha256)

    def __len__(self) -> int:
        """The number of characters."""
        return len(self.text)

    def __repr__(self) -> str:
        return f"TinyShakespeare({len(self.text):,} characters from {self.path})"


# %% [markdown]
# What a reader says when its files are missing and it may not download them (here an empty
# folder as `root`; with `download=True`, offline, the message also gives the network error):

# %%
import tempfile

with tempfile.TemporaryDirectory() as empty:
    try:
        MNIST(root=empty, download=False)
    except FileNotFoundError as error:
        print(error)

# %% [markdown]
# ### 4.2 A classifier with no training, fed by your loader
#
# The nearest class mean classifier: average the training images of each digit, then label
# a test image with the digit whose average is closest. Both passes stream through your
# `DataLoader`; the class means accumulate batch by batch, as a training loop would.

# %%
train_digits, test_digits = Digits(train=True), Digits(train=False)
image, label = train_digits[0]
print(f"{len(train_digits)} training and {len(test_digits)} test digits; "
      f"sample 0: {image.shape} {image.dtype}, label {label}")


def as_tensor_dataset(ds):
    """The whole data set as (N, pixels) float32 features and int64 labels."""
    pixels = ds.data.reshape(len(ds), -1).astype(np.float32) / ds.data.max()
    return TensorDataset(pixels, ds.targets)


sums, counts = np.zeros((10, 64), np.float32), np.zeros(10)
for x, y in DataLoader(as_tensor_dataset(train_digits), batch_size=128, shuffle=True,
                       generator=np.random.default_rng(0)):
    np.add.at(sums, y.numpy(), x.numpy())
    np.add.at(counts, y.numpy(), 1)
means = Tensor(sums / counts[:, None])  # (10, 64)

correct = 0
for x, y in DataLoader(as_tensor_dataset(test_digits), batch_size=128):
    # squared distance of each image to each mean: |x|^2 - 2 x.m + |m|^2, shape (B, 10)
    distances = (x * x).sum(axis=1, keepdims=True) - 2 * (x @ means.transpose()) + (
        means * means).sum(axis=1)
    correct += int((distances.numpy().argmin(axis=1) == y.numpy()).sum())
print(f"nearest class mean: {correct / len(test_digits):.1%} test accuracy")

# %% [markdown]
# ### Augmentation on a real image
#
# Fashion-MNIST from Debian's package (the reader finds it in `/usr/share/datasets`), one
# ankle boot, normalized with the training set's mean and std, flipped and shifted by your
# transforms.

# %%
import matplotlib.pyplot as plt

try:
    fashion = FashionMNIST(train=False, download=False)
except FileNotFoundError as error:  # neither cached nor installed: the message says how
    print(error)
    fashion = None
if fashion is not None:
    boot = fashion[int(np.flatnonzero(fashion.targets == 9)[0])][0]
    augment = Compose([RandomHorizontalFlip(generator=np.random.default_rng(1)),
                       RandomCrop(28, padding=4, generator=np.random.default_rng(1)),
                       Normalize([0.2860], [0.3530])])
    views = [boot.numpy()[0]] + [augment(boot).numpy()[0] for _ in range(5)]
    fig, axes = plt.subplots(1, 6, figsize=(9, 1.8))
    titles = ["original"] + [f"epoch {e}" for e in range(1, 6)]
    for ax, view, title in zip(axes, views, titles, strict=True):
        ax.imshow(view, cmap="gray")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    plt.show()

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Per-sample loop vs one gather
#
# Your two fetch paths on the same batches of Fashion-MNIST images (the 10,000 test images
# as 784 float32 features; the 8×8 digits if Fashion-MNIST is not installed), timed as
# whole epochs through your `DataLoader`, in samples per second.

# %%
from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


source = fashion if fashion is not None else test_digits
flat = as_tensor_dataset(source)
print(f"{type(source).__name__}: {len(flat)} samples of {flat.tensors[0].shape[1]} features")
print(f"{'batch':>6} {'per-sample loop':>18} {'one gather':>14} {'speedup':>8}")
rates = {}
for batch_size in (1, 16, 128, 1024):
    loader = DataLoader(flat, batch_size=batch_size, shuffle=True,
                        generator=np.random.default_rng(0))
    limit = 2000 if batch_size == 1 else len(flat)  # batch size 1 is slow: 2,000 samples

    def epoch(loader, fetch, limit):
        order = loader._epoch_order()[:limit]
        for start in range(0, limit, loader.batch_size):
            fetch(order[start:start + loader.batch_size])

    loop_s = time_call(epoch, loader, loader._fetch_loop, limit, repeat=3) / limit
    gather_s = time_call(epoch, loader, loader._fetch_gather, limit, repeat=3) / limit
    rates[batch_size] = (1 / loop_s, 1 / gather_s)
    print(f"{batch_size:>6} {1 / loop_s:>12,.0f} /s {1 / gather_s:>10,.0f} /s "
          f"{loop_s / gather_s:>7.1f}x")

# %% [markdown]
# At batch size 1 the gap is small: both paths make one `__getitem__` call and build a few
# Tensor objects per batch, and the loop adds only the collate of a one-sample list. That
# fixed overhead of a batch is what the gather amortizes: as the batch grows it pays it once
# per batch and copies the rows in compiled code, while the loop still pays a call per
# sample. The per-sample rate levels off (around a hundred thousand samples per second
# here), and the gather climbs into the millions until the copy itself, bound by memory
# bandwidth, dominates; past a few hundred samples per batch it stops improving. PyTorch's
# `DataLoader` attacks the same bottleneck from another side: it keeps the per-sample
# `__getitem__` (real datasets decode a JPEG per sample) and runs it in `num_workers`
# processes in parallel, while the GPU trains on the previous batch.
#
# ### 5.2 What an epoch costs in memory
#
# The same Fashion-MNIST training set, stored as the file's uint8 pixels or converted to
# float32 up front, measured with `memory_footprint()`, and scaled up.

# %%
pixels = Tensor(np.zeros((60_000, 28, 28), dtype=np.uint8))
as_float = Tensor(np.zeros((60_000, 28, 28), dtype=np.float32))
batch = next(iter(DataLoader(TensorDataset(as_float), batch_size=128)))[0]
print(f"Fashion-MNIST train as uint8  : {pixels.memory_footprint() / 1e6:7.1f} MB")
print(f"Fashion-MNIST train as float32: {as_float.memory_footprint() / 1e6:7.1f} MB "
      f"({as_float.memory_footprint() / pixels.memory_footprint():.0f}x)")
print(f"one float32 batch of 128      : {batch.memory_footprint() / 1e6:7.3f} MB")
imagenet = 1_281_167 * 3 * 224 * 224
print(f"ImageNet train (224x224 RGB)  : {imagenet / 1e9:7.1f} GB as uint8, "
      f"{imagenet * 4 / 1e9:.1f} GB as float32")

# %% [markdown]
# Converting the whole set to float32 costs 4× the memory of the pixels it came from, for
# no information gained: the 256 values of a byte are exact in float32. Converting one
# batch at a time costs a batch (0.4 MB) instead. At Fashion-MNIST's size either fits; at
# ImageNet's it does not: the uint8 pixels alone are 193 GB (the JPEG files are about
# 140 GB), float32 would be 771 GB. Production pipelines therefore keep data compact on disk,
# decode and convert per batch, and overlap that work with training: the bottleneck moves
# from memory to the CPU time of decoding and augmenting, which is why `num_workers` exists.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, with numbers from *your*
# notebook. Each is worth 10 points; the graders look for understanding, references to your
# own code and measurements, the systems implications, and a comparison with PyTorch.

# %% [markdown] locked="q-gather"
# **Question 1: where the loader's time goes.** Use your table from section 5.1.
#
# 1. How many samples per second did your per-sample `_fetch_loop` and your `_fetch_gather`
#    reach at batch size 128, and why is the gap between them small at batch size 1?
# 2. A model step on a batch of 128 takes 2 ms. With each fetch path, what fraction of an
#    epoch's time is spent loading data if loading and training take turns?
# 3. Real data sets store JPEG files, not a tensor in memory, so the gather trick does not
#    apply. What does PyTorch's `DataLoader` do instead (`num_workers`, prefetching), and
#    what does that cost?

# %% [markdown] manual="systems-gather" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their numbers:** quotes both rates at batch 128 (typically the loop around 100k
#   samples/s, the gather at millions, a 10–50× gap) and explains batch 1: both paths then
#   make one `__getitem__` call and a few Tensor objects per batch, so the fixed per-batch
#   overhead (Python calls, object creation) dominates both; the loop only adds a collate.
# - **The fraction:** one epoch of 60,000 samples = 469 batches; loading time = 60,000 /
#   rate; training 469 × 2 ms ≈ 0.94 s. With their loop rate (e.g. 120k/s → 0.5 s) loading
#   is ≈ 35% of the epoch; with the gather (e.g. 4M/s → 0.015 s) under 2%. Correct method
#   with their own numbers matters more than the exact values.
# - **Production:** PyTorch's loader runs `__getitem__` in `num_workers` worker processes
#   (sidestepping the GIL), each assembling whole batches, with `prefetch_factor` batches
#   queued ahead, so loading overlaps with the GPU step; `pin_memory` speeds the copy to the
#   GPU. Costs: memory per worker (each holds a copy of the dataset object, batches in
#   flight), process start-up, inter-process transfer through shared memory, and more CPU
#   cores. Alternatives: decode on GPU (NVIDIA DALI), pre-packed formats (WebDataset,
#   TFRecord, FFCV).
#
# 7–8: correct rates and idea, weaker arithmetic or no cost of workers. 5–6: "vectorization
# is faster" without their numbers or the batch-1 explanation. 3–4: wrong reasoning (e.g.
# the gather does less arithmetic). 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-memory"
# **Question 2: what a data set costs in memory.** Use section 5.2.
#
# 1. How much memory does the Fashion-MNIST training set take as uint8 and as float32, and
#    why is converting it to float32 up front a waste? When would you still do it?
# 2. Your `Normalize` returns a new tensor and `_fetch_gather` copies the rows it gathers.
#    For one batch of 128 CIFAR-10 images (3×32×32) going through `RandomCrop(32, padding=4)`,
#    `RandomHorizontalFlip` and `Normalize`, how many bytes are allocated per sample, and
#    does that matter compared with the model?
# 3. ImageNet's training set is 1.28 million images. Using your scaling numbers, why can it
#    not be loaded into memory like Fashion-MNIST, and what do production pipelines do?

# %% [markdown] manual="systems-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Fashion-MNIST:** 60,000 × 784 = 47 MB as uint8, 188 MB as float32 (from their
#   output), 4× for no information gain (every uint8 value is exact in float32). Convert
#   per batch (0.4 MB) instead. Converting up front can still pay when the set is small and
#   reused every epoch, trading memory for the per-batch conversion time (what section 4
#   does with the digits), or when the conversion is expensive (decoding).
# - **Per-sample allocations:** ToTensor float32 3×32×32 = 12,288 B; padding to 40×40 =
#   19,200 B; the crop copy 12,288 B; the flip copy 12,288 B; Normalize 12,288 B, plus the
#   collate/gather copy 12,288 B: roughly 80 KB per sample, about 10 MB per batch of 128,
#   all short-lived. Compared with a model's activations (often hundreds of MB per batch)
#   and its compute, it is small, but it is memory traffic on the CPU in the loader's
#   critical path; in-place ops or fused transforms (torchvision v2 on batches, GPU
#   augmentation) reduce it.
# - **ImageNet:** 1.28M × 3 × 224 × 224 ≈ 193 GB as uint8, 771 GB as float32 (their
#   section 5.2 line): more than a machine's RAM. Production keeps JPEGs on disk (≈ 140 GB,
#   compressed), decodes per sample in worker processes, relies on the OS page cache,
#   streams sharded formats (WebDataset tar shards, TFRecord), and shards the data across
#   machines in distributed training (`DistributedSampler`).
#
# 7–8: right sizes, thinner discussion of the per-sample copies or of production. 5–6:
# "float32 is bigger" without numbers. 3–4: bits/bytes confusion or 1000× errors. 0–2: no
# attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-randomness"
# **Question 3: randomness you can reproduce.** Your loader and transforms take a
# `generator`, or use `default_generator()`.
#
# 1. Pieces 3 and 5 asked for a new order every epoch, every index exactly once, and the
#    same epochs for the same seed. Why does training need each of the three? What goes
#    wrong if the order is the same every epoch, or if samples are drawn with replacement?
# 2. A training run crashes at epoch 7 and is resumed from a checkpoint. What must the
#    checkpoint hold so that epochs 7, 8, ... see exactly the batches and augmentations the
#    unbroken run would have seen? (Think about where your generators' state lives.)
# 3. PyTorch's loader with `num_workers=4` runs your transforms in 4 processes. If each
#    process starts with a copy of the same generator state, what happens to the random
#    crops, and how does PyTorch avoid it (`worker_init_fn`, per-worker seeds)?

# %% [markdown] manual="systems-randomness" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Why all three:** once per epoch keeps every sample's weight in the loss equal (SGD's
#   gradient is an unbiased estimate of the full gradient over the epoch); a new order
#   decorrelates consecutive batches (a fixed order lets the model follow the sequence,
#   and with sorted data it oscillates); reproducibility makes runs comparable and bugs
#   repeatable. With replacement, each epoch misses ≈ 37% of samples ((1 − 1/N)^N → 1/e)
#   and repeats others, adding variance. References `_epoch_order` and `permutation`.
# - **Resuming:** the checkpoint must hold the state of every generator: the loader's
#   (`generator.bit_generator.state`, or the default generator's), the transforms' and
#   dropout's, plus the epoch and the position within it (batches already consumed), or
#   replay the same number of draws. Because `_epoch_order` draws from the generator at the
#   start of each epoch, restoring its state at an epoch boundary reproduces the next
#   permutation exactly; module 08's checkpoints do this ("RNG" in the checkpoint).
#   PyTorch: `torch.get_rng_state`, the `generator`'s `get_state`, and samplers that can
#   skip ahead.
# - **Workers:** copies of the same state give every worker identical random crops and
#   flips (the same "random" sequence repeated 4 times): a known NumPy-with-fork bug. PyTorch
#   seeds each worker's torch RNG with `base_seed + worker_id` and recommends a
#   `worker_init_fn` that seeds NumPy from `torch.initial_seed()`; NumPy's
#   `SeedSequence.spawn` gives independent streams for parallel workers.
#
# 7–8: two of the three parts deep, one thin. 5–6: "seeds make it reproducible" without the
# checkpoint state or the worker problem. 3–4: misunderstands shuffling (e.g. thinks a new
# order is not needed). 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.dataloader`:
#
# - `Dataset` and `TensorDataset` (`torch.utils.data.Dataset`, `TensorDataset`), with
#   index arrays returning whole batches;
# - `default_collate` (`torch.utils.data.default_collate`);
# - `DataLoader(dataset, batch_size, shuffle, *, collate_fn, drop_last, generator)`
#   (`torch.utils.data.DataLoader`): `len()` in batches, a fresh seeded permutation per
#   epoch, a per-sample fetch and a one-index gather tested equal;
# - `Compose`, `Normalize`, `RandomHorizontalFlip`, `RandomCrop` (`torchvision.transforms`).
#
# And your package now reads `Digits`, `MNIST`, `FashionMNIST` and `CIFAR10`
# (`torchvision.datasets`) and the `TinyShakespeare` text, checksummed and cached under
# `data_home()`, plus `ToTensor` and `parse_idx`.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export dataloader`. Then
#       `from tinytorch.core.dataloader import DataLoader` works anywhere.
#
# **Next: module 08, training** (after autograd and optimizers): its `Trainer` runs
# `for x, y in loader:` once per epoch, computes the loss of a model from module 03 with
# a loss from module 04, and steps an optimizer.
