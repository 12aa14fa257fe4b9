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
# # Module 03 · Layers
#
# By the end of this module you will have built `Module`, the base class of every layer and
# model in TinyTorch, and the first layers: `Linear`, `Dropout` and `Sequential`. A
# `Module` finds its own `Parameter`s and sub-modules, switches between training and
# evaluation, and saves and loads its weights as a `state_dict` with PyTorch's key names,
# so that a model trained in PyTorch loads into yours and gives the same outputs.
#
# | | |
# |---|---|
# | **Prerequisites** | 01 `tensor` (`Tensor`, `@`, `transpose`), 02 `activations` (`ReLU`, ...) |
# | **Time** | about 3 hours |
# | **Your code lands in** | `tinytorch.core.layers`: `from tinytorch.core.layers import Linear` |
# | **Next** | 04 `losses` scores a model's outputs; 06 `autograd` fills your parameters' `.grad` |
#
# **Contents.** 1 Why modules · 2 Concepts: parameters, the module tree, state · 3 Build
# `Parameter`, `Module`, `Linear`, `Dropout`, `Sequential`, piece by piece · 4 Use it: a
# PyTorch model's weights in your network · 5 Systems analysis · 6 ML systems thinking ·
# 7 Summary

# %% locked="layers-imports"
import time
from collections import OrderedDict

import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.tensor import Tensor, manual_seed

# %% [markdown]
# ## 1. Why modules
#
# Module 02 ended with a network written by hand: two weight tensors, `x @ W1.transpose()`,
# an activation, `@ W2.transpose()`. That does not scale. A GPT-2 has 148 weight tensors;
# training must find all of them to update them, switch a dozen dropout layers off for
# evaluation, and save them to disk under names that mean something. PyTorch's answer is
# `torch.nn.Module`:
#
# - A module **holds its parameters** as attributes: `self.weight = Parameter(...)`.
#   Assigning one registers it, so `model.parameters()` finds every weight of every layer,
#   however deeply nested, for the optimizer.
# - A module **holds sub-modules** the same way (`self.fc1 = Linear(784, 256)`): a model is
#   a tree of modules, and every operation on it (`parameters()`, `train()`, `state_dict()`)
#   walks that tree.
# - A module **has a mode**: `model.train()` and `model.eval()` switch layers such as
#   Dropout and BatchNorm between their two behaviours.
# - A module **saves and loads its state**: `model.state_dict()` maps dotted names such
#   as `"0.weight"` to arrays; `load_state_dict` copies them back in.
#
# You will meet this class in every PyTorch program, and in every module of this course
# from here on: `Conv2d`, `Embedding`, `MultiHeadAttention` and `GPT` are all `Module`s.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 A linear layer
#
# `Linear(in_features, out_features)` computes y = x · Wᵀ + b for a batch x of shape
# `(batch, in_features)`. PyTorch stores W with shape **`(out_features, in_features)`**:
# row o holds the weights of output unit o, the "neuron" that computes
# y[:, o] = Σᵢ x[:, i] · W[o, i] + b[o], a dot product of the input with its row. That is
# why the forward pass multiplies by the transpose. The cost is one multiply and one add
# per weight per example: **2 · batch · in · out FLOPs**.
#
# ```
# x: (batch, in)  @  Wᵀ: (in, out)  +  b: (out,)  ->  y: (batch, out)
# ```
#
# ### 2.2 Initialization
#
# Weights cannot start at zero (every unit would compute the same thing and get the same
# gradient forever), and their scale matters: each output sums `in_features` products, so
# with weights of a fixed size the outputs grow with √in. PyTorch draws every weight and
# bias uniformly from [-1/√in, 1/√in] (Kaiming-uniform with a = √5, its historical
# default), so the outputs' scale stays about the same whatever the width:

# %%
rng = np.random.default_rng(0)
for fan_in in (10, 100, 1000, 10000):
    x_demo = rng.standard_normal((256, fan_in))
    fixed = rng.uniform(-0.1, 0.1, (fan_in, 64))
    scaled = rng.uniform(-1 / np.sqrt(fan_in), 1 / np.sqrt(fan_in), (fan_in, 64))
    print(f"in = {fan_in:>5}: output std with weights in ±0.1: {(x_demo @ fixed).std():6.3f},"
          f"  in ±1/√in: {(x_demo @ scaled).std():.3f}")

# %% [markdown]
# ### 2.3 Dropout
#
# Dropout (Srivastava et al., 2014) zeroes each activation with probability p during
# training, so that no unit can rely on any other. The kept ones are scaled by 1/(1-p)
# (**inverted dropout**), which keeps the expected value of every activation unchanged:
# E[out] = (1-p) · x/(1-p) + p · 0 = x. At evaluation time dropout does nothing at all: the
# network's full strength is already at the right scale. That is why `model.eval()`
# matters: forget it and your test accuracy is measured on a randomly damaged network.
#
# ### 2.4 The module tree and its names
#
# `Sequential(Linear(4, 8), ReLU(), Linear(8, 3))` is a tree: the `Sequential` at the root,
# its children named `"0"`, `"1"`, `"2"`. A parameter's full name is the path to it,
# joined with dots: `"0.weight"`, `"0.bias"`, `"2.weight"`, `"2.bias"`. The `ReLU` at
# `"1"` has no parameters, so no name starts with `"1."`. These are exactly PyTorch's names,
# which is what lets a PyTorch `state_dict` load into your model.
#
# ### 2.5 How activations sit in the tree
#
# Module 02 came before `Module`, so `ReLU` and friends are not `Module`s: they are
# `Activation`s, parameterless callables. Your `Module` accepts them as children all the
# same (`self.act = ReLU()` registers it; `Sequential` accepts any callable layer, even a
# plain function) and treats every child that is not a `Module` as a layer with no
# parameters, no state and no mode. Everything from this module on is a `Module`.

# %% [markdown]
# ## 3. Build the layers
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 | `Parameter.__init__` | `nn.Parameter` | 5 |
# | 2 | `Module.__setattr__`: registering parameters and layers | `nn.Module.__setattr__` | 10 |
# | 3 | `named_children`, `named_modules`, `named_parameters` | the same | 10 |
# | 4 | `train`, `zero_grad` | the same | 5 |
# | 5 | `state_dict` | the same | 5 |
# | 6 | `load_state_dict` | the same | 10 |
# | 7 | `Linear.__init__`: shapes and initialization | `nn.Linear` | 5 |
# | 8 | `linear_loops`: a layer as explicit loops | none | 5 |
# | 9 | `Linear.forward` | `nn.Linear.forward` | 5 |
# | 10 | `Dropout.forward` | `nn.Dropout` | 5 |
# | 11 | `Sequential.__init__`, `forward` | `nn.Sequential` | 5 |
#
# `Module` grows across pieces 2 to 6: each piece's cell adds methods to it with
# `@extends(Module)`, so run the cells in order. In your exported package `Module` is one
# ordinary class.

# %% locked="layers-package-imports"
#| export
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from tinytorch.core.activations import Activation
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ### 3.1 Piece 1: Parameter
#
# A `Parameter` is a `Tensor` that says "I am a weight to learn" (`torch.nn.Parameter`). It
# requires gradients by default, and it is what `Module` looks for when you assign
# attributes. It is float32: NumPy's random functions return float64, and a model built
# from them by accident would use twice the memory and run slower; so data that is not
# already a float Tensor becomes float32. A float Tensor keeps its dtype (a deliberate
# choice, as in PyTorch).
#
# Ops on a parameter give plain Tensors (module 01's `Tensor.from_op` makes every result a
# `Tensor`): `w * 2` is a new value computed from a weight, not a weight (as in PyTorch).

# %% solution="layers-parameter"
#| export
class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable weight (torch.nn.Parameter).

    Args:
        data: the initial values: a Tensor (a float Tensor keeps its dtype), a NumPy array,
            nested lists or a number (made float32).
        requires_grad: whether gradients flow to it (default True).
    """

    def __init__(self, data: "Tensor | np.ndarray | list | float",
                 requires_grad: bool = True) -> None:
        """Copy `data` into a new parameter.

        TODO: call Tensor's __init__ with the right dtype.

        APPROACH:
        1. If `data` is a Tensor with a float dtype (`data.dtype.kind == "f"`), keep its
           dtype; otherwise use np.float32.
        2. `super().__init__(data, dtype=dtype, requires_grad=requires_grad)` copies it.

        EXAMPLE:
        >>> Parameter(np.zeros(2)).dtype                       # float64 array -> float32
        dtype('float32')
        >>> Parameter(Tensor(np.zeros(2))).dtype               # a float64 Tensor stays
        dtype('float64')

        HINTS: Tensor.__init__ already copies the data and checks requires_grad.
        """
        ### BEGIN SOLUTION
        keep = isinstance(data, Tensor) and data.dtype.kind == "f"
        super().__init__(data, dtype=data.dtype if keep else np.float32,
                         requires_grad=requires_grad)
        ### END SOLUTION

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


# %% test="layers-parameter-tests" points=5
def test_parameter_is_a_float32_tensor_requiring_grad(run):
    def make():
        p = Parameter([[1, 2], [3, 4]])
        return (isinstance(p, Tensor), type(p).__name__, str(p.dtype), p.requires_grad,
                p.numpy())

    is_tensor, kind, dtype, requires_grad, values = run(make)
    assert is_tensor and kind == "Parameter", f"Parameter should subclass Tensor, got {kind}"
    assert dtype == "float32", f"Parameter([[1, 2], [3, 4]]) should be float32, got {dtype}"
    assert requires_grad is True, "a Parameter requires grad by default"
    assert_array(values, [[1, 2], [3, 4]], dtype="float32", what="the parameter's values")


def test_parameter_from_numpy_float64_is_float32(run):
    def from_numpy():
        p = Parameter(np.random.default_rng(0).uniform(-1, 1, (2, 3)))
        frozen = Parameter(np.ones(2), requires_grad=False)
        return str(p.dtype), frozen.requires_grad

    dtype, frozen = run(from_numpy)
    assert dtype == "float32", f"a float64 NumPy array should become float32, got {dtype}"
    assert frozen is False, "requires_grad=False should stick"


run_tests(test_parameter_is_a_float32_tensor_requiring_grad,
          test_parameter_from_numpy_float64_is_float32)
### BEGIN HIDDEN TESTS
def test_parameter_copies_keeps_float_tensors_and_ops_give_tensors(run):
    def details():
        source = np.zeros(3, dtype=np.float32)
        p = Parameter(source)
        source[0] = 5.0
        w = Parameter(Tensor(np.ones(2)))
        half = Parameter(Tensor(np.ones(2), dtype=np.float16))
        doubled = p * 2
        return {
            "copied": float(p.numpy()[0]),
            "float64 Tensor": str(w.dtype),
            "float16 Tensor": str(half.dtype),
            "int Tensor": str(Parameter(Tensor([1, 2])).dtype),
            "p * 2": type(doubled).__name__,
            "p.transpose()": type(Parameter(np.ones((2, 3))).transpose()).__name__,
            "repr": repr(Parameter([1.0])).splitlines()[0],
            "0-d": (Parameter(2.5).shape, str(Parameter(2.5).dtype)),
        }

    got = run(details)
    assert got["copied"] == 0.0, "Parameter must copy its data"
    assert got["float64 Tensor"] == "float64", "a float64 Tensor keeps its dtype (as in torch)"
    assert got["float16 Tensor"] == "float16", "a float16 Tensor keeps its dtype"
    assert got["int Tensor"] == "float32", "an int Tensor becomes float32 (ints have no grad)"
    assert got["p * 2"] == "Tensor" and got["p.transpose()"] == "Tensor", (
        "ops on a Parameter give plain Tensors"
    )
    assert got["repr"] == "Parameter containing:", f"repr like PyTorch's, got {got['repr']!r}"
    assert got["0-d"] == ((), "float32"), "a 0-d parameter from a Python number is float32"


run_tests(test_parameter_copies_keeps_float_tensors_and_ops_give_tensors)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: Module and registration by assignment
#
# `Module.__init__` (given) creates three ordered registries: `_parameters`, `_buffers`
# and `_modules` (the sub-modules, or children). Then `self.weight = Parameter(...)` inside
# a subclass's `__init__` must land in `_parameters` under the name `"weight"`. Python
# calls `__setattr__(self, "weight", value)` for every attribute assignment, so that is
# where registration happens, as in PyTorch's `nn.Module.__setattr__`:
#
# - a `Parameter` goes into `_parameters[name]`;
# - a layer (a `Module` or a module 02 `Activation`) goes into `_modules[name]`;
# - anything else (a number, a plain Tensor, None) is an ordinary attribute: if the name
#   was registered as a parameter or a child, it no longer is;
# - in every case the value is also stored as a normal attribute
#   (`object.__setattr__(self, name, value)`), so `self.weight` reads it back.
#
# Registries are `OrderedDict`s: the order of assignment is the order of `parameters()`
# and of the `state_dict`. Re-assigning a registered name keeps its place
# (`registry[name] = value` on an existing key does). The given code handles buffers
# (`register_buffer`: tensors that are state but not parameters, such as BatchNorm's
# running mean in module 09) and a subclass that forgot to call `super().__init__()`.
# `__call__` runs `forward`, and `__repr__` prints the tree the way PyTorch does.

# %% solution="layers-module"
#| export
class _IncompatibleKeys(NamedTuple):
    """What load_state_dict skipped (torch.nn.modules.module._IncompatibleKeys)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _as_array(value: object, key: str) -> np.ndarray:
    """A state_dict value as a NumPy array: a Tensor's array, an array, or anything with
    `__array__` (a PyTorch tensor is detached first)."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and callable(value.detach):  # a torch tensor requiring grad
        value = value.detach()
    if isinstance(value, (np.ndarray, np.generic, int, float)) or hasattr(value, "__array__"):
        return np.asarray(value)
    raise TypeError(f"load_state_dict: the value of {key!r} is a {type(value).__name__}; "
                    "expected a NumPy array, a Tensor or an array-like such as a torch tensor")


def _is_layer(value: object) -> bool:
    """A value that registers as a child: a Module, or one of module 02's activations."""
    return isinstance(value, (Module, Activation))


class Module:
    """Base class of every layer and model (torch.nn.Module).

    Subclasses call `super().__init__()`, assign their Parameters and sub-modules as
    attributes (which registers them, in order) and define `forward`; calling the module
    calls `forward`. Children that are not Modules (module 02's activations, functions in
    a Sequential) count as layers without parameters, buffers or mode.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(): define "
                                  "forward(self, x) in the class")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter, e.g. a running mean
        (torch.nn.Module.register_buffer). Persistent buffers are in the state_dict."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot register a buffer before Module.__init__() is called")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got "
                            f"{type(tensor).__name__}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)
        object.__setattr__(self, name, tensor)

    def __setattr__(self, name: str, value: Any) -> None:
        """Store an attribute, registering Parameters and layers by name, in order.

        TODO: register `value` under `name` in the right registry (see the markdown above).

        APPROACH:
        1. A Parameter: remove `name` from `self._modules` (`.pop(name, None)`), then
           `self._parameters[name] = value`.
        2. A layer (`_is_layer(value)`): remove it from `self._parameters`, then
           `self._modules[name] = value`.
        3. Anything else: remove `name` from both registries.
        The given last line stores the attribute itself.

        EXAMPLE:
        >>> class Scale(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = Parameter([2.0])
        ...         self.act = ReLU()
        >>> list(Scale()._parameters), list(Scale()._modules)
        (['w'], ['act'])

        HINTS: check Parameter before anything else (a Parameter is not a layer, but it is
        a Tensor).
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called: call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        if name in self._buffers and not isinstance(value, Parameter) and (
                value is None or isinstance(value, Tensor)):
            self._buffers[name] = value  # a buffer stays a buffer
        else:
            self._buffers.pop(name, None)
            ### BEGIN SOLUTION
            if isinstance(value, Parameter):
                self._modules.pop(name, None)
                self._parameters[name] = value
            elif _is_layer(value):
                self._parameters.pop(name, None)
                self._modules[name] = value
            else:
                self._parameters.pop(name, None)
                self._modules.pop(name, None)
            ### END SOLUTION
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def extra_repr(self) -> str:
        """The arguments shown in this module's repr, e.g. 'in_features=3, ...'."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"


# %% test="layers-module-tests" points=10
def test_assignment_registers_parameters_and_layers_in_order(run):
    def registries():
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.w = Parameter([1.0, 2.0])
                self.act = ReLU()
                self.b = Parameter([0.5])
                self.scale = 3.0
                self.plain = Tensor([1.0])

        net = Net()
        return (list(net._parameters), list(net._modules), net.scale,
                net.w.numpy(), net.training)

    params, modules, scale, w, training = run(registries)
    assert params == ["w", "b"], f"_parameters should be ['w', 'b'] in order, got {params}"
    assert modules == ["act"], f"_modules should hold the ReLU as 'act', got {modules}"
    assert scale == 3.0, "other attributes are stored as usual"
    assert_array(w, [1.0, 2.0], dtype="float32", what="net.w read back")
    assert training is True, "a new module is in training mode"


def test_calling_a_module_runs_forward(run):
    def call():
        class Double(Module):
            def __init__(self):
                super().__init__()
                self.factor = 2

            def forward(self, x):
                return x * self.factor

        return Double()(Tensor([1.0, 2.0])).numpy(), list(Double()._parameters)

    values, params = run(call)
    assert_array(values, [2.0, 4.0], what="Double()(x)")
    assert params == [], "a module without parameters has an empty registry"


run_tests(test_assignment_registers_parameters_and_layers_in_order,
          test_calling_a_module_runs_forward)
### BEGIN HIDDEN TESTS
def test_reassignment_keeps_order_and_unregisters(run):
    def reassign():
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.a = Parameter([1.0])
                self.b = Parameter([2.0])
                self.child = Module()

        net = Net()
        net.a = Parameter([10.0])  # stays first
        net.child = None  # no longer a child
        net.b = Tensor([3.0])  # a plain Tensor: no longer a parameter
        net.c = Module()
        net.c = Parameter([4.0])  # a child becomes a parameter
        return list(net._parameters), list(net._modules), float(net.a.numpy()[0])

    params, modules, first = run(reassign)
    assert params == ["a", "c"], (
        f"re-assigning a parameter keeps its place; a plain Tensor unregisters; got {params}"
    )
    assert modules == [], f"None and a Parameter replace children, got {modules}"
    assert first == 10.0, "the new parameter is stored"

    def forgot_super():
        class Broken(Module):
            def __init__(self):
                self.w = Parameter([1.0])

        return Broken()

    with pytest.raises(AttributeError, match="super"):
        run(forgot_super)

    def repr_of_a_tree():
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.act = Tanh()

        return repr(Net())

    assert run(repr_of_a_tree) == "Net(\n  (act): Tanh()\n)", "repr lists the children"


run_tests(test_reassignment_keeps_order_and_unregisters)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: walking the tree
#
# Three generators of `(name, object)` pairs, as in PyTorch (they return iterators: use
# `list(...)` to keep the result, and `next(model.parameters())` for the first one):
#
# - `named_children()`: the direct children, `_modules.items()`.
# - `named_modules(prefix="")`: this module and everything below it, depth first, each
#   with its dotted path (`""` for the root). A child that is a `Module` is walked
#   recursively with the prefix `"<path>.<name>"`; a child that is not a `Module` (an
#   activation) is listed but has nothing below it. A module reachable twice is listed once.
# - `named_parameters(prefix="", recurse=True)`: for every module of `named_modules`
#   (or only this one, if `recurse=False`), its own `_parameters`, named
#   `"<module path>.<parameter name>"`. A parameter shared by two layers (weight tying) is
#   listed once, under its first name, so an optimizer updates it once.
#
# `children()`, `modules()`, `parameters()`, `named_buffers()` and `buffers()` are given:
# they call yours. PyTorch's `parameters()` order is exactly this one: a module's own
# parameters first, then its children's, depth first.

# %% solution="layers-module-tree"
#| export
@extends(Module)
class ModuleTree:
    def named_children(self) -> Iterator[tuple[str, Any]]:
        """The direct children and their names (torch.nn.Module.named_children).

        TODO: return an iterator over (name, child) pairs of `self._modules`, in order.
        APPROACH: `iter(...)` of the registry's items.
        EXAMPLE: list(Sequential(Linear(2, 3), ReLU()).named_children()) -> [("0", ...), ("1", ...)]
        HINTS: wrap the items in `list(...)` first, so that adding a child while iterating
        does not break the loop.
        """
        ### BEGIN SOLUTION
        return iter(list(self._modules.items()))
        ### END SOLUTION

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """This module and all below it, depth first, with dotted names
        (torch.nn.Module.named_modules); the root's name is `prefix`.

        TODO: collect (name, module) pairs into `found`, the root first, each module once.

        APPROACH:
        1. Walk with a stack of (name, module) pairs, starting with [(prefix, self)].
        2. Pop a pair; skip it if `id(module)` is in `seen`; else record it in `seen` and
           append it to `found`.
        3. If it is a Module, push its children in *reverse* order, each named
           `f"{name}.{child_name}"` (or just `child_name` when `name` is ""), so that the
           first child is popped next (depth first, in order).

        EXAMPLE:
        >>> [name for name, _ in Sequential(Linear(2, 3), ReLU()).named_modules()]
        ['', '0', '1']

        HINTS: a recursive version is fine too; so is any walk that gives this order.
        """
        found: list[tuple[str, Any]] = []
        seen: set[int] = set()
        ### BEGIN SOLUTION
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            found.append((name, module))
            if isinstance(module, Module):
                children = [(f"{name}.{key}" if name else key, child)
                            for key, child in module._modules.items()]
                stack.extend(reversed(children))
        ### END SOLUTION
        return iter(found)

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, each once (torch.nn.Module.named_parameters).

        Args:
            prefix: prepended to every name (with a dot).
            recurse: include the parameters of sub-modules (default True).

        TODO: collect (name, parameter) pairs into `found`, each parameter once.

        APPROACH:
        1. The modules to visit: `self.named_modules(prefix)` if `recurse`, else only
           `[(prefix, self)]`. Skip the ones that are not Modules (they have none).
        2. For each module's `_parameters.items()`, name the parameter
           `f"{path}.{name}"` (or `name` when the path is ""), and append it unless its
           `id` is already in `seen`.

        EXAMPLE:
        >>> [name for name, _ in Sequential(Linear(2, 3), ReLU()).named_parameters()]
        ['0.weight', '0.bias']

        HINTS: identity (`id`), not equality: `==` between Tensors is elementwise.
        """
        found: list[tuple[str, Parameter]] = []
        seen: set[int] = set()
        ### BEGIN SOLUTION
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for path, module in modules:
            if not isinstance(module, Module):
                continue
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    found.append((f"{path}.{name}" if path else name, param))
        ### END SOLUTION
        return iter(found)

    def children(self) -> Iterator[Any]:
        """The direct children (torch.nn.Module.children)."""
        return (child for _, child in self.named_children())

    def modules(self) -> Iterator[Any]:
        """This module and all below it (torch.nn.Module.modules)."""
        return (module for _, module in self.named_modules())

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, each once, in named_parameters' order (torch.nn.Module.parameters)."""
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "",
                      recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer that is not None, with its dotted name (torch.nn.Module.named_buffers)."""
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        return ((f"{path}.{name}" if path else name, buffer)
                for path, module in modules if isinstance(module, Module)
                for name, buffer in module._buffers.items() if buffer is not None)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer that is not None (torch.nn.Module.buffers)."""
        return (buffer for _, buffer in self.named_buffers(recurse=recurse))


# %% test="layers-module-tree-tests" points=10
def test_named_parameters_of_a_nested_model(run):
    def names():
        class Block(Module):
            def __init__(self):
                super().__init__()
                self.weight = Parameter(np.ones((2, 2)))
                self.act = ReLU()

        class Net(Module):
            def __init__(self):
                super().__init__()
                self.scale = Parameter([1.0])
                self.first = Block()
                self.second = Block()

        net = Net()
        parameters = net.parameters()
        return {
            "named_parameters": [name for name, _ in net.named_parameters()],
            "count": len(list(parameters)),
            "not recursive": [name for name, _ in net.named_parameters(recurse=False)],
            "named_modules": [name for name, _ in net.named_modules()],
            "named_children": [name for name, _ in net.named_children()],
            "children": [type(c).__name__ for c in net.children()],
            "has next": type(next(net.parameters())).__name__,
        }

    got = run(names)
    assert got["named_parameters"] == ["scale", "first.weight", "second.weight"], (
        f"own parameters first, then each child's with a dotted name; got "
        f"{got['named_parameters']}"
    )
    assert got["count"] == 3, "parameters() yields the same 3 parameters"
    assert got["not recursive"] == ["scale"], "recurse=False lists only own parameters"
    assert got["named_modules"] == ["", "first", "first.act", "second", "second.act"], (
        f"named_modules is depth first, root '' first; got {got['named_modules']}"
    )
    assert got["named_children"] == ["first", "second"], "children are direct children only"
    assert got["children"] == ["Block", "Block"], "children() yields the child modules"
    assert got["has next"] == "Parameter", "parameters() is an iterator: next() works"


run_tests(test_named_parameters_of_a_nested_model)
### BEGIN HIDDEN TESTS
def test_shared_parameters_prefixes_and_buffers(run):
    def shared():
        class Tied(Module):
            def __init__(self):
                super().__init__()
                self.encoder = Module()
                self.decoder = Module()
                self.encoder.weight = Parameter(np.ones(3))
                self.decoder.weight = self.encoder.weight  # weight tying
                self.register_buffer("steps", Tensor(0))

        net = Tied()
        twice = Module()
        twice.a = net.encoder
        twice.b = net.encoder  # the same module twice
        return {
            "tied": [name for name, _ in net.named_parameters()],
            "prefixed": [name for name, _ in net.named_parameters(prefix="model")],
            "modules prefix": [name for name, _ in net.named_modules(prefix="m")],
            "same module twice": [name for name, _ in twice.named_modules()],
            "buffers": [name for name, _ in net.named_buffers()],
            "empty": list(Module().named_parameters()),
        }

    got = run(shared)
    assert got["tied"] == ["encoder.weight"], (
        f"a shared parameter is listed once, under its first name; got {got['tied']}"
    )
    assert got["prefixed"] == ["model.encoder.weight"], f"prefix: got {got['prefixed']}"
    assert got["modules prefix"] == ["m", "m.encoder", "m.decoder"], (
        f"named_modules(prefix='m'), got {got['modules prefix']}"
    )
    assert got["same module twice"] == ["", "a"], "a module reachable twice is listed once"
    assert got["buffers"] == ["steps"], "buffers are not parameters"
    assert got["empty"] == [], "a bare Module has no parameters"


run_tests(test_shared_parameters_prefixes_and_buffers)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: modes and gradients
#
# - `train(mode=True)` sets `training` on this module and on every `Module` below it, and
#   returns `self` (so `model = Net().train()` works). `eval()` is `train(False)`, given.
#   Children that are not Modules have no mode.
# - `zero_grad(set_to_none=True)` clears every parameter's gradient before the next
#   backward pass (module 06 *accumulates* into `.grad`). PyTorch's default since 2.0 sets
#   `.grad = None`, which frees the memory and lets the next backward write instead of add;
#   with `set_to_none=False` it fills the existing gradients with zeros in place.

# %% solution="layers-module-modes"
#| export
@extends(Module)
class ModuleModes:
    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and every Module below it
        (torch.nn.Module.train); returns self.

        TODO: set `training` to `mode` on every Module in the tree.
        APPROACH: `self.modules()` yields this module and all below it; skip non-Modules.
        EXAMPLE: Sequential(Linear(2, 2), Dropout()).train(False)[1].training -> False
        HINTS: return self at the end.
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be True or False, got {mode!r}")
        ### BEGIN SOLUTION
        for module in self.modules():
            if isinstance(module, Module):
                module.training = mode
        return self
        ### END SOLUTION

    def eval(self) -> "Module":
        """Evaluation mode, train(False) (torch.nn.Module.eval); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (torch.nn.Module.zero_grad).

        TODO: for every parameter with a gradient, set `.grad` to None, or, when
        `set_to_none` is False, fill its gradient's array with zeros in place.

        APPROACH: loop over `self.parameters()`; `param.grad` is a Tensor or None.

        EXAMPLE: after zero_grad(), every `p.grad is None`.

        HINTS: `array.fill(0)` writes zeros in place.
        """
        ### BEGIN SOLUTION
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.data.fill(0)
        ### END SOLUTION


# %% test="layers-module-modes-tests" points=5
def test_train_and_eval_reach_every_module(run):
    def modes():
        class Net(Module):
            def __init__(self):
                super().__init__()
                self.inner = Module()
                self.inner.deeper = Module()
                self.act = ReLU()

        net = Net()
        returned = net.eval()
        after_eval = [m.training for m in net.modules() if isinstance(m, Module)]
        net.train()
        after_train = [m.training for m in net.modules() if isinstance(m, Module)]
        return returned is net, after_eval, after_train

    returns_self, after_eval, after_train = run(modes)
    assert returns_self, "eval() and train() return the module itself"
    assert after_eval == [False, False, False], f"eval() reaches every Module: {after_eval}"
    assert after_train == [True, True, True], f"train() reaches every Module: {after_train}"


def test_zero_grad_sets_gradients_to_none(run):
    def clear():
        net = Module()
        net.w = Parameter([1.0, 2.0])
        net.w.grad = Tensor([0.5, 0.5])
        net.zero_grad()
        return net.w.grad is None

    assert run(clear) is True, "zero_grad() sets .grad to None (PyTorch's default)"


run_tests(test_train_and_eval_reach_every_module, test_zero_grad_sets_gradients_to_none)
### BEGIN HIDDEN TESTS
def test_zero_grad_in_place_and_mode_errors(run):
    def in_place():
        net = Module()
        net.child = Module()
        net.child.w = Parameter([1.0, 2.0])
        net.v = Parameter([3.0])
        grad = Tensor([0.5, 0.5])
        net.child.w.grad = grad
        net.zero_grad(set_to_none=False)
        return net.child.w.grad is grad, grad.numpy(), net.v.grad is None

    same, values, untouched = run(in_place)
    assert same, "set_to_none=False keeps the gradient tensor and zeroes it in place"
    assert_array(values, [0.0, 0.0], what="the zeroed gradient")
    assert untouched, "a parameter without a gradient keeps None"

    def train_with_a_string():
        return Module().train("no")

    with pytest.raises(ValueError, match="True or False"):
        run(train_with_a_string)


run_tests(test_zero_grad_in_place_and_mode_errors)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: state_dict
#
# `state_dict()` returns an `OrderedDict` from dotted names to **NumPy array copies** of
# every parameter and persistent buffer, in PyTorch's order: a module's own parameters,
# then its own buffers, then each child's entries under the child's name. It must hold
# copies: a checkpoint that shares memory with the live weights would change under you as
# training continues, and a saved "best model" would silently become the last one.
#
# `keep_vars=True` returns the Parameter and buffer Tensors themselves instead (PyTorch's
# option, used by `load_state_dict` below).

# %% solution="layers-state-dict"
#| export
@extends(Module)
class ModuleState:
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> "OrderedDict[str, Any]":
        """Name -> NumPy copy of every parameter and persistent buffer
        (torch.nn.Module.state_dict), keys like "0.weight".

        Args:
            prefix: prepended to every key.
            keep_vars: return the Tensors themselves instead of array copies.

        TODO: fill `state` with this module's entries, then its children's.

        APPROACH:
        1. For each (name, param) of `self._parameters`: key `prefix + name`, value
           `param.data.copy()` (or `param` itself when keep_vars).
        2. The same for `self._buffers`, skipping None and names in `self._non_persistent`.
        3. For each child in `self._modules` that is a Module:
           `state.update(child.state_dict(prefix + name + ".", keep_vars))`.

        EXAMPLE:
        >>> list(Sequential(Linear(2, 3), ReLU(), Linear(3, 1)).state_dict())
        ['0.weight', '0.bias', '2.weight', '2.bias']

        HINTS: `.copy()`: `param.data` itself is a view of the live weights.
        """
        state: OrderedDict[str, Any] = OrderedDict()
        ### BEGIN SOLUTION
        for name, param in self._parameters.items():
            state[prefix + name] = param if keep_vars else param.data.copy()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent:
                state[prefix + name] = buffer if keep_vars else buffer.data.copy()
        for name, child in self._modules.items():
            if isinstance(child, Module):
                state.update(child.state_dict(prefix + name + ".", keep_vars))
        ### END SOLUTION
        return state


# %% test="layers-state-dict-tests" points=5
def test_state_dict_names_and_copies(run):
    def state():
        net = Module()
        net.w = Parameter([1.0, 2.0])
        net.inner = Module()
        net.inner.b = Parameter([3.0])
        sd = net.state_dict()
        sd["w"][0] = 100.0  # must not reach the model
        return (type(sd).__name__, list(sd), float(net.w.numpy()[0]),
                type(sd["inner.b"]).__name__, sd["inner.b"])

    kind, keys, first, value_kind, b = run(state)
    assert kind == "OrderedDict", f"state_dict() should be an OrderedDict, got {kind}"
    assert keys == ["w", "inner.b"], f"keys should be ['w', 'inner.b'], got {keys}"
    assert first == 1.0, "state_dict() must hold copies: writing into it changed the model"
    assert value_kind == "ndarray", f"values should be NumPy arrays, got {value_kind}"
    assert_array(b, [3.0], dtype="float32", what="state_dict()['inner.b']")


run_tests(test_state_dict_names_and_copies)
### BEGIN HIDDEN TESTS
def test_state_dict_order_buffers_and_keep_vars(run):
    def state():
        class Norm(Module):
            def __init__(self):
                super().__init__()
                self.weight = Parameter([1.0])
                self.register_buffer("running_mean", Tensor([0.0]))
                self.register_buffer("scratch", Tensor([0.0]), persistent=False)

        net = Module()
        net.a = Parameter([1.0])
        net.norm = Norm()
        net.act = ReLU()
        net.z = Parameter([2.0])
        kept = net.state_dict(keep_vars=True)
        return (list(net.state_dict()), kept["a"] is net.a,
                np.shares_memory(net.state_dict()["norm.running_mean"],
                                 net.norm.running_mean.numpy()))

    keys, kept, shares = run(state)
    assert keys == ["a", "z", "norm.weight", "norm.running_mean"], (
        f"own parameters, own buffers, then children; no non-persistent buffer; got {keys}"
    )
    assert kept is True, "keep_vars=True returns the parameters themselves"
    assert shares is False, "buffers are copied too"


run_tests(test_state_dict_order_buffers_and_keep_vars)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: load_state_dict
#
# `load_state_dict(state_dict, strict=True)` copies values into the model's parameters
# and buffers **in place** (`target.data[...] = value`): the Parameter objects stay the
# same, so an optimizer that holds them keeps working, and the values are cast to each
# parameter's dtype (a float64 checkpoint loads into a float32 model).
#
# Values may be NumPy arrays, Tensors, or anything NumPy can read through `__array__`,
# such as a PyTorch tensor: that is how `torch_model.state_dict()` loads into your model.
# The given `_as_array` converts them.
#
# It checks everything before it copies anything, so a failed load leaves the model as it
# was, and reports every problem at once, by name, in PyTorch's words:
#
# - with `strict=True`, keys the model has and the dict lacks ("Missing key(s)") and keys
#   the dict has and the model lacks ("Unexpected key(s)");
# - always, a shape that differs ("size mismatch for 0.weight: ...").
#
# It returns the missing and unexpected keys (a named tuple, as PyTorch does), which is
# how `strict=False` tells you what it skipped.

# %% solution="layers-load-state-dict"
#| export
@extends(Module)
class ModuleLoad:
    def load_state_dict(self, state_dict: "dict[str, Any]",
                        strict: bool = True) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers, in place
        (torch.nn.Module.load_state_dict).

        Args:
            state_dict: name -> NumPy array, Tensor or array-like (e.g. a torch tensor).
            strict: missing and unexpected keys are errors (default True).

        Raises RuntimeError naming every missing or unexpected key (when strict) and every
        shape mismatch; nothing is loaded then. Returns (missing_keys, unexpected_keys).

        TODO: collect the problems into `errors`, then copy every value (if there are none).

        APPROACH:
        1. `own = self.state_dict(keep_vars=True)` maps each name to its target Tensor.
        2. `missing`: keys of `own` not in `state_dict`; `unexpected`: the reverse.
        3. For each key in both, `value = _as_array(state_dict[key], key)`; if
           `value.shape != target.shape`, append the message
           f"size mismatch for {key}: copying a param with shape {value.shape} from "
           f"checkpoint, the shape in current model is {target.shape}."
        4. If `strict`: put f'Missing key(s) in state_dict: "a", "b".' (each key quoted,
           joined by ", ") first, then the same for 'Unexpected key(s) in state_dict: ',
           each only if there are such keys.
        5. If `errors`: raise RuntimeError(f"Error(s) in loading state_dict for "
           f"{type(self).__name__}:\n\t" + "\n\t".join(errors)).
        6. Otherwise copy: `target.data[...] = value` for every key in both.

        EXAMPLE:
        >>> Linear(3, 2).load_state_dict({"weight": np.zeros((2, 3))})
        RuntimeError: Error(s) in loading state_dict for Linear:
            Missing key(s) in state_dict: "bias".

        HINTS: keep the converted arrays in a dict between the checks and the copy.
        """
        errors: list[str] = []
        ### BEGIN SOLUTION
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        values = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _as_array(state_dict[key], key)
            if value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model is "
                              f"{target.shape}.")
            values[key] = value
        if strict:
            for label, keys in (("Unexpected", unexpected), ("Missing", missing)):
                if keys:
                    quoted = ", ".join(f'"{key}"' for key in keys)
                    errors.insert(0, f"{label} key(s) in state_dict: {quoted}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, value in values.items():
            own[key].data[...] = value
        ### END SOLUTION
        return _IncompatibleKeys(missing, unexpected)


# %% test="layers-load-state-dict-tests" points=10
def test_load_state_dict_round_trip_in_place(run):
    def round_trip():
        source = Module()
        source.w = Parameter([1.0, 2.0])
        target = Module()
        target.w = Parameter([0.0, 0.0])
        original = target.w
        result = target.load_state_dict(source.state_dict())
        return (target.w is original, target.w.numpy(), list(result.missing_keys),
                list(result.unexpected_keys))

    same, values, missing, unexpected = run(round_trip)
    assert same, "load_state_dict copies into the existing Parameter (optimizers hold it)"
    assert_array(values, [1.0, 2.0], dtype="float32", what="the loaded weights")
    assert missing == [] and unexpected == [], "nothing missing, nothing unexpected"


def test_strict_loading_names_the_problems(run):
    def load(state):
        model = Module()
        model.weight = Parameter(np.zeros((2, 3)))
        model.bias = Parameter(np.zeros(2))
        result = model.load_state_dict(state)
        return list(result.missing_keys), list(result.unexpected_keys), model.bias.numpy()

    missing, unexpected, bias = run(load, {"weight": np.ones((2, 3)), "bias": np.ones(2)})
    assert missing == [] and unexpected == [], "a complete state_dict loads"
    assert_array(bias, [1.0, 1.0], dtype="float32", what="the loaded bias")
    # NotImplementedError is a RuntimeError: the load above must work before these count
    with pytest.raises(RuntimeError, match=r'Missing key.*"bias"'):
        run(load, {"weight": np.ones((2, 3))})
    with pytest.raises(RuntimeError, match=r'Unexpected key.*"extra"'):
        run(load, {"weight": np.ones((2, 3)), "bias": np.ones(2), "extra": np.ones(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight.*\(3, 2\)"):
        run(load, {"weight": np.ones((3, 2)), "bias": np.ones(2)})


run_tests(test_load_state_dict_round_trip_in_place, test_strict_loading_names_the_problems)
### BEGIN HIDDEN TESTS
def test_non_strict_loading_dtypes_tensors_and_atomicity(run):
    def non_strict():
        model = Module()
        model.weight = Parameter(np.zeros(2))
        model.bias = Parameter(np.zeros(1))
        result = model.load_state_dict({"weight": np.array([1.5, 2.5]), "other": Tensor([1.0])},
                                       strict=False)
        return list(result.missing_keys), list(result.unexpected_keys), model.weight.numpy()

    missing, unexpected, weight = run(non_strict)
    assert missing == ["bias"] and unexpected == ["other"], (
        f"strict=False reports missing {missing} and unexpected {unexpected}"
    )
    assert_array(weight, [1.5, 2.5], dtype="float32",
                 what="a float64 array loaded into a float32 parameter (stays float32)")

    def array_likes():
        class ArrayLike:  # like a torch tensor: NumPy reads it through __array__
            def __array__(self, dtype=None, copy=None):
                return np.array([7.0, 8.0])

        model = Module()
        model.weight = Parameter(np.zeros(2))
        model.load_state_dict({"weight": ArrayLike()})
        from_array_like = model.weight.numpy().copy()
        model.load_state_dict({"weight": Tensor([3.0, 4.0])})
        return from_array_like, model.weight.numpy()

    from_array_like, from_tensor = run(array_likes)
    assert_array(from_array_like, [7.0, 8.0], what="a value with __array__ (a torch tensor)")
    assert_array(from_tensor, [3.0, 4.0], what="a Tensor value")

    def atomic():
        model = Module()
        model.a = Parameter([1.0])
        model.b = Parameter([1.0, 1.0])
        try:
            model.load_state_dict({"a": np.array([9.0]), "b": np.ones(3)}, strict=False)
        except RuntimeError as error:
            return str(error), float(model.a.numpy()[0])
        return "no error", float(model.a.numpy()[0])

    message, a = run(atomic)
    assert "size mismatch for b" in message, (
        f"a shape mismatch raises even with strict=False, naming the key; got {message!r}"
    )
    assert a == 1.0, "a failed load must load nothing (check everything, then copy)"

    def all_problems():
        model = Module()
        model.w = Parameter([1.0])
        model.v = Parameter([1.0])
        try:
            model.load_state_dict({"w": np.ones(2), "u": np.ones(1)})
        except RuntimeError as error:
            return str(error).splitlines()
        return []

    lines = run(all_problems)
    assert len(lines) == 4 and "Linear" not in lines[0] and "Module" in lines[0], (
        f"one header line, then missing, unexpected and size mismatch; got {lines}"
    )
    assert '"v"' in lines[1] and '"u"' in lines[2] and "size mismatch for w" in lines[3], (
        f"Missing, then Unexpected, then size mismatches, as PyTorch orders them; got {lines}"
    )


run_tests(test_non_strict_loading_dtypes_tensors_and_atomicity)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: Linear, its parameters
#
# `Linear(in_features, out_features, bias=True, generator=None)` creates
#
# - `weight`: a Parameter of shape `(out_features, in_features)`,
# - `bias`: a Parameter of shape `(out_features,)`, or None when `bias=False`,
#
# both drawn uniformly from [-1/√in_features, 1/√in_features] (section 2.2) with
# `generator`, a `numpy.random.Generator`, or when it is None the default generator of
# module 01 (`default_generator()`, reseeded by `manual_seed(seed)` like `torch.manual_seed`).
# Draw the weight first, then the bias, so that a seed gives the same layer every time.
# With `in_features = 0` the bound is 0, as in PyTorch.

# %% solution="layers-linear-init"
#| export
class Linear(Module):
    """y = x @ weight.T + bias (torch.nn.Linear).

    Args:
        in_features: the size of each input's last dim.
        out_features: the size of each output's last dim.
        bias: learn an additive bias (default True).
        generator: a numpy.random.Generator for the initialization; by default
            tinytorch.core.tensor.default_generator() (seeded by manual_seed).

    weight has shape (out_features, in_features) and bias (out_features,), both uniform in
    [-1/sqrt(in_features), 1/sqrt(in_features)], PyTorch's default initialization.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        """Create the weight and bias Parameters.

        TODO: create `self.weight` and `self.bias` (or None) as described above.

        APPROACH:
        1. `bound = 1 / math.sqrt(in_features)` if in_features > 0, else 0.0.
        2. `rng = generator if generator is not None else default_generator()`.
        3. `self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)))`.
        4. `self.bias` likewise with shape (out_features,), or None if not `bias`.

        EXAMPLE:
        >>> Linear(3, 2).weight.shape
        (2, 3)

        HINTS: Parameter turns the float64 draws into float32. Assigning None is allowed:
        it registers nothing.
        """
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Linear: {name} must be an int >= 0, got {value!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        ### BEGIN SOLUTION
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
        rng = generator if generator is not None else default_generator()
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)))
        self.bias = Parameter(rng.uniform(-bound, bound, (out_features,))) if bias else None
        ### END SOLUTION

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


# %% test="layers-linear-init-tests" points=5
def test_linear_parameter_shapes_and_names(run):
    def shapes():
        layer = Linear(3, 2)
        return (layer.weight.shape, layer.bias.shape, str(layer.weight.dtype),
                [name for name, _ in layer.named_parameters()], repr(layer))

    weight, bias, dtype, names, text = run(shapes)
    assert weight == (2, 3), f"weight should be (out_features, in_features) = (2, 3), got {weight}"
    assert bias == (2,), f"bias should be (out_features,) = (2,), got {bias}"
    assert dtype == "float32", f"weights should be float32, got {dtype}"
    assert names == ["weight", "bias"], f"parameters should be ['weight', 'bias'], got {names}"
    assert text == "Linear(in_features=3, out_features=2, bias=True)", f"repr: got {text!r}"


def test_linear_init_bounds_and_seed(run):
    def init():
        layer = Linear(100, 50, generator=np.random.default_rng(0))
        again = Linear(100, 50, generator=np.random.default_rng(0))
        return layer.weight.numpy(), layer.bias.numpy(), again.weight.numpy()

    weight, bias, again = run(init)
    assert np.abs(weight).max() <= 0.1 and np.abs(bias).max() <= 0.1, (
        "weights and bias must lie in [-1/sqrt(100), 1/sqrt(100)] = [-0.1, 0.1]"
    )
    assert np.abs(weight).max() > 0.09, "weights should fill the range, not sit near 0"
    assert abs(weight.mean()) < 0.01 and 0.05 < weight.std() < 0.065, (
        f"uniform in ±0.1 has mean 0 and std 0.0577, got {weight.mean():.4f}, {weight.std():.4f}"
    )
    assert_array(again, weight, what="a second layer from the same seed")


run_tests(test_linear_parameter_shapes_and_names, test_linear_init_bounds_and_seed)
### BEGIN HIDDEN TESTS
def test_linear_without_bias_default_generator_and_errors(run):
    def variants():
        manual_seed(3)
        first = Linear(4, 2).weight.numpy()
        manual_seed(3)
        second = Linear(4, 2).weight.numpy()
        no_bias = Linear(4, 2, bias=False)
        empty = Linear(0, 3)
        return {
            "seeded": bool(np.array_equal(first, second)),
            "no bias": (no_bias.bias is None, [n for n, _ in no_bias.named_parameters()]),
            "repr": repr(no_bias),
            "empty": (empty.weight.shape, empty.bias.numpy()),
        }

    got = run(variants)
    assert got["seeded"], "without a generator, Linear uses default_generator() (manual_seed)"
    assert got["no bias"] == (True, ["weight"]), "bias=False: bias is None, not a parameter"
    assert got["repr"] == "Linear(in_features=4, out_features=2, bias=False)", got["repr"]
    shape, bias = got["empty"]
    assert shape == (3, 0), "Linear(0, 3) has a (3, 0) weight"
    assert_array(bias, [0.0, 0.0, 0.0], what="Linear(0, 3)'s bias (bound 0)")

    def weight_then_bias():
        rng = np.random.default_rng(7)
        layer = Linear(4, 3, generator=np.random.default_rng(7))
        w = rng.uniform(-0.5, 0.5, (3, 4))
        b = rng.uniform(-0.5, 0.5, (3,))
        return layer.weight.numpy(), layer.bias.numpy(), w, b

    weight, bias, w, b = run(weight_then_bias)
    assert_array(weight, w.astype(np.float32), what="weight drawn first, uniform(-0.5, 0.5)")
    assert_array(bias, b.astype(np.float32), what="bias drawn second")

    def bad_features():
        return Linear(-1, 2)

    with pytest.raises(ValueError, match="in_features"):
        run(bad_features)


run_tests(test_linear_without_bias_default_generator_and_errors)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.8 Piece 8: a layer as explicit loops
#
# Before the one-line forward pass, write what it computes, neuron by neuron: for every
# example n of the batch and every output unit o, a dot product of the input row with the
# unit's weight row, plus its bias. Two loops, and the dot product as an elementwise
# product summed. The test checks it against a direct NumPy computation; piece 9 checks
# the vectorized forward against it. Section 5 times both.

# %% solution="layers-linear-loops"
#| export
def linear_loops(x: Tensor | np.ndarray, weight: Tensor | np.ndarray,
                 bias: Tensor | np.ndarray | None = None) -> Tensor:
    """Linear's forward pass for a 2-D batch with explicit loops over examples and output
    units: out[n, o] = sum_i x[n, i] * weight[o, i] + bias[o] (no PyTorch equivalent).

    TODO: fill `out[n, o]` for every example n and output unit o.

    APPROACH:
    1. Loop over n in range(batch) and o in range(out_features).
    2. `out[n, o] = (x[n] * weight[o]).sum()`, plus `bias[o]` if there is a bias.

    EXAMPLE:
    >>> linear_loops(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), np.array([0.5]))
    Tensor([[11.5]], dtype=float64)

    HINTS: `x`, `weight` and `bias` are NumPy arrays here (converted above).
    """
    x = x.data if isinstance(x, Tensor) else np.asarray(x)
    weight = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    bias = bias.data if isinstance(bias, Tensor) else bias
    if x.ndim != 2 or weight.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"linear_loops: needs x of shape (batch, in) and weight of shape "
                         f"(out, in), got {x.shape} and {weight.shape}")
    batch, out_features = x.shape[0], weight.shape[0]
    out = np.zeros((batch, out_features), dtype=np.result_type(x, weight))
    ### BEGIN SOLUTION
    for n in range(batch):
        for o in range(out_features):
            out[n, o] = (x[n] * weight[o]).sum()
            if bias is not None:
                out[n, o] += bias[o]
    ### END SOLUTION
    return Tensor(out)


# %% test="layers-linear-loops-tests" points=5
def test_linear_loops_one_neuron(run):
    def one():
        out = linear_loops(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), np.array([0.5]))
        return type(out).__name__, out.numpy()

    kind, values = run(one)
    assert kind == "Tensor", f"linear_loops should return a Tensor, got {kind}"
    assert_array(values, [[11.5]], what="1*3 + 2*4 + 0.5")


def test_linear_loops_batch(run):
    def batch(x, w, b):
        return linear_loops(Tensor(x), Tensor(w), Tensor(b)).numpy()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    w = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    assert_array(run(batch, x, w, b), x @ w.T + b, dtype="float32", rtol=1e-5,
                 what="linear_loops of a (4, 3) batch into 2 units")


run_tests(test_linear_loops_one_neuron, test_linear_loops_batch)
### BEGIN HIDDEN TESTS
def test_linear_loops_without_bias_and_rectangular(run):
    def no_bias(x, w):
        return linear_loops(x, w).numpy()

    x = np.arange(10.0).reshape(5, 2)
    w = np.arange(6.0).reshape(3, 2)
    assert_array(run(no_bias, x, w), x @ w.T, what="linear_loops without bias, (5, 2) to 3")
    assert_array(run(no_bias, np.ones((2, 4)), np.full((1, 4), 0.5)), [[2.0], [2.0]],
                 what="one output unit")
    with pytest.raises(ValueError, match="batch, in"):
        run(no_bias, np.ones((2, 3)), np.ones((2, 4)))


run_tests(test_linear_loops_without_bias_and_rectangular)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.9 Piece 9: Linear's forward pass
#
# Now the whole batch at once: `x @ self.weight.transpose() + self.bias` (or without the
# bias). That is three ops you wrote in module 01 (transpose, matmul, add), each already
# recorded for module 06, so `Linear` needs no backward rule of its own. It works for any
# number of leading dims: `(batch, in)`, a single `(in,)` vector, or `(batch, seq, in)`
# in a transformer. The given check names the expected size when the last dim is wrong.

# %% solution="layers-linear-forward"
#| export
@extends(Linear)
class LinearForward:
    def forward(self, x: Tensor) -> Tensor:
        """x @ weight.T + bias over the last dim of x, any leading dims (torch's F.linear).

        TODO: return the layer's output.
        APPROACH: `x @ self.weight.transpose()`, then `+ self.bias` if it is not None.
        EXAMPLE: Linear(3, 2)(Tensor(np.ones((4, 3)))).shape -> (4, 2)
        HINTS: transpose() swaps the last two dims: (out, in) -> (in, out).
        """
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear expects a Tensor, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r} got an input of shape {x.shape}: its last dim must "
                             f"be in_features = {self.in_features}")
        ### BEGIN SOLUTION
        out = x @ self.weight.transpose()
        return out + self.bias if self.bias is not None else out
        ### END SOLUTION


# %% test="layers-linear-forward-tests" points=5
def test_linear_forward_matches_the_loops(run):
    def both(x):
        layer = Linear(3, 2, generator=np.random.default_rng(1))
        out = layer(Tensor(x))
        loops = linear_loops(Tensor(x), layer.weight, layer.bias)
        return type(out).__name__, out.numpy(), loops.numpy()

    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    kind, out, loops = run(both, x)
    assert kind == "Tensor", f"Linear should return a Tensor, got {kind}"
    assert_array(out, loops, dtype="float32", rtol=1e-5, what="Linear(3, 2)(x) vs linear_loops")


run_tests(test_linear_forward_matches_the_loops)
### BEGIN HIDDEN TESTS
def test_linear_forward_shapes_records_and_errors(run):
    def shapes():
        layer = Linear(3, 2, generator=np.random.default_rng(0))
        no_bias = Linear(3, 2, bias=False, generator=np.random.default_rng(0))
        x = Tensor(np.ones((2, 4, 3), dtype=np.float32))
        out = layer(Tensor([1.0, 2.0, 3.0]))
        return {
            "1-d": (out.shape, out.numpy(),
                    layer.weight.numpy() @ np.array([1, 2, 3], np.float32) + layer.bias.numpy()),
            "3-d": layer(x).shape,
            "no bias": (no_bias(Tensor([[1.0, 2.0, 3.0]])).numpy(), no_bias.weight.numpy()),
            "op": out.grad_fn.op,
            "ops": sorted(fn.op for fn in [out.grad_fn] + [t.grad_fn for t in out.grad_fn.inputs
                                                            if t.grad_fn is not None]),
        }

    got = run(shapes)
    shape, values, expected = got["1-d"]
    assert shape == (2,), f"a (3,) input gives a (2,) output, got {shape}"
    assert_array(values, expected, rtol=1e-5, what="Linear on a single vector")
    assert got["3-d"] == (2, 4, 2), f"(2, 4, 3) -> (2, 4, 2), got {got['3-d']}"
    out, weight = got["no bias"]
    assert_array(out, np.array([[1.0, 2.0, 3.0]], np.float32) @ weight.T, rtol=1e-5,
                 what="Linear(bias=False)")
    assert got["op"] == "add" and got["ops"] == ["add", "matmul"], (
        f"forward is x @ weight.transpose() + bias (ops add, matmul), got {got['ops']}"
    )

    def wrong_size():
        return Linear(3, 2)(Tensor(np.ones((2, 4)))).shape

    with pytest.raises(ValueError, match="in_features = 3"):
        run(wrong_size)


run_tests(test_linear_forward_shapes_records_and_errors)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.10 Piece 10: Dropout
#
# `Dropout(p=0.5, generator=None)` (section 2.3). In training mode its forward pass draws
# a keep mask, True with probability 1 - p (`rng.random(x.shape) >= p`), scales it by
# 1/(1 - p), and returns `x * mask`: one multiplication by a constant, so module 06 needs
# no new rule. The given code validates p, returns `x` itself in eval mode or when p = 0,
# and returns zeros (as `x * 0`) when p = 1, where 1/(1 - p) is undefined.
#
# The generator is looked up at every call, not stored at construction: `manual_seed`
# replaces the default generator, and a dropout layer created before it must follow it.

# %% solution="layers-dropout"
#| export
class Dropout(Module):
    """Zero each element with probability p in training, scale the rest by 1/(1-p);
    identity in eval mode (torch.nn.Dropout).

    Args:
        p: the probability of zeroing an element, 0 <= p <= 1 (default 0.5).
        generator: a numpy.random.Generator for the masks; by default
            tinytorch.core.tensor.default_generator() at each call.
    """

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
        self.p = float(p)
        self.generator = generator

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"

    def forward(self, x: Tensor) -> Tensor:
        """Apply dropout in training mode; return x unchanged in eval mode.

        TODO: return `x * mask` with the scaled keep mask described above.

        APPROACH:
        1. `keep = rng.random(x.shape) >= self.p` (a bool array).
        2. `mask = keep.astype(x.dtype) / (1 - self.p)`.
        3. `return x * mask`.

        EXAMPLE: with p = 0.5 every element becomes 0 or 2x, about half of each.

        HINTS: `astype(x.dtype)` keeps a float32 input float32.
        """
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * np.zeros(x.shape, dtype=x.dtype)
        rng = self.generator if self.generator is not None else default_generator()
        ### BEGIN SOLUTION
        keep = rng.random(x.shape) >= self.p
        mask = keep.astype(x.dtype) / (1 - self.p)
        return x * mask
        ### END SOLUTION


# %% test="layers-dropout-tests" points=5
def test_dropout_zeroes_and_scales(run):
    def apply():
        layer = Dropout(p=0.25, generator=np.random.default_rng(0))
        out = layer(Tensor(np.ones((100, 100), dtype=np.float32)))
        return str(out.dtype), out.numpy()

    dtype, out = run(apply)
    assert dtype == "float32", f"Dropout keeps float32, got {dtype}"
    kept = out != 0
    assert np.allclose(out[kept], 1 / 0.75), (
        "kept elements must be scaled by 1/(1-p) = 1.333 (inverted dropout)"
    )
    assert 0.72 < kept.mean() < 0.78, f"about 75% should be kept with p=0.25, got {kept.mean():.2f}"


def test_dropout_is_identity_in_eval_mode(run):
    def evaluate():
        layer = Dropout(p=0.5, generator=np.random.default_rng(0))
        layer.eval()
        x = Tensor([1.0, 2.0, 3.0])
        layer.train()
        trained = layer(Tensor(np.ones(1000, dtype=np.float32))).numpy()
        layer.eval()
        return layer(x).numpy(), float((trained == 0).mean())

    values, dropped = run(evaluate)
    assert 0.4 < dropped < 0.6, f"in training about half are zeroed, got {dropped:.2f}"
    assert_array(values, [1.0, 2.0, 3.0], what="Dropout in eval mode (identity)")


run_tests(test_dropout_zeroes_and_scales, test_dropout_is_identity_in_eval_mode)
### BEGIN HIDDEN TESTS
def test_dropout_edges_seed_and_record(run):
    def edges():
        x = Tensor(np.arange(1.0, 5.0, dtype=np.float32), requires_grad=True)
        out = Dropout(0.5, generator=np.random.default_rng(1))(x)
        again = Dropout(0.5, generator=np.random.default_rng(1))(x)
        return {
            "p=1": Dropout(1.0)(Tensor(np.ones(5, dtype=np.float32))).numpy(),
            "p=0": Dropout(0.0)(Tensor([1.0, 2.0])).numpy(),
            "seeded": bool(np.array_equal(out.numpy(), again.numpy())),
            "values": out.numpy(),
            "record": (out.grad_fn.op, out.grad_fn.inputs[0] is x),
            "empty": Dropout()(Tensor(np.zeros((0, 3), dtype=np.float32))).shape,
            "0-d": Dropout(0.3, generator=np.random.default_rng(0))(Tensor(2.0)).shape,
            "mean": float(Dropout(0.8, generator=np.random.default_rng(0))(
                Tensor(np.ones(200_000, dtype=np.float32))).numpy().mean()),
            "repr": repr(Dropout(0.2)),
        }

    got = run(edges)
    assert_array(got["p=1"], np.zeros(5), dtype="float32", what="Dropout(p=1) gives zeros")
    assert_array(got["p=0"], [1.0, 2.0], what="Dropout(p=0) is the identity")
    assert got["seeded"], "the same generator seed gives the same mask"
    values = got["values"]
    assert np.all((values == 0) | np.isclose(values, 2 * np.arange(1.0, 5.0))), (
        f"each element becomes 0 or x / (1 - p) = 2x, got {values}"
    )
    assert got["record"] == ("mul", True), "Dropout is x * mask: op 'mul' with input x first"
    assert got["empty"] == (0, 3) and got["0-d"] == (), "Dropout keeps empty and 0-d shapes"
    assert abs(got["mean"] - 1.0) < 0.02, (
        f"E[dropout(x)] = x: the mean of dropout(ones) with p=0.8 should be ~1, got {got['mean']}"
    )
    assert got["repr"] == "Dropout(p=0.2, inplace=False)", f"repr: got {got['repr']!r}"

    def bad_p(p):
        return Dropout(p).p

    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            run(bad_p, p)


run_tests(test_dropout_edges_seed_and_record)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.11 Piece 11: Sequential
#
# `Sequential(*layers)` calls its layers in order, each on the previous one's output
# (`torch.nn.Sequential`). Its children are named `"0"`, `"1"`, ... in order, which gives
# the state_dict keys `"0.weight"` and so on. Layers may be Modules, activations, or any
# callable (a plain function): store each one directly in `self._modules` under its name
# (assignment would register only Modules and activations). PyTorch also accepts one
# `OrderedDict` of named layers; the given code turns both forms into `(name, layer)`
# pairs and rejects anything that is not callable.
#
# Indexing (`model[0]`, `model[-1]`, and slices, which give a new `Sequential` of the same
# layer objects), `len()` and iteration are given.

# %% solution="layers-sequential"
#| export
class Sequential(Module):
    """Layers applied in order, each to the previous output (torch.nn.Sequential).

    Sequential(layer0, layer1, ...) names its children "0", "1", ...;
    Sequential(OrderedDict(name=layer, ...)) uses the given names. A layer is a Module, an
    activation of module 02, or any callable.
    """

    def __init__(self, *layers: Any) -> None:
        """Register the layers in order.

        TODO: store every (name, layer) pair of `named` in `self._modules`, in order.
        APPROACH: a loop: `self._modules[name] = layer`.
        EXAMPLE: list(Sequential(Linear(2, 3), ReLU())._modules) -> ['0', '1']
        HINTS: call no setattr: a plain function would not be registered that way.
        """
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], OrderedDict):
            named = list(layers[0].items())
        else:
            named = [(str(i), layer) for i, layer in enumerate(layers)]
        for name, layer in named:
            if not callable(layer):
                raise TypeError(f"Sequential: layer {name} is a {type(layer).__name__}, "
                                "which is not callable; pass layers such as Linear(3, 2), ReLU()")
        ### BEGIN SOLUTION
        for name, layer in named:
            self._modules[name] = layer
        ### END SOLUTION

    def forward(self, x: Any) -> Any:
        """Call each layer on the previous one's output; return the last output.

        TODO: run `x` through every layer of `self._modules`, in order.
        APPROACH: `for layer in self._modules.values(): x = layer(x)`.
        EXAMPLE: Sequential(ReLU(), Tanh())(Tensor([-1.0, 1.0])) -> tanh(relu(x))
        HINTS: an empty Sequential returns its input unchanged.
        """
        ### BEGIN SOLUTION
        for layer in self._modules.values():
            x = layer(x)
        return x
        ### END SOLUTION

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._modules.values()))

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"Sequential indices must be ints or slices, got "
                            f"{type(index).__name__}")
        if not -len(items) <= index < len(items):
            raise IndexError(f"index {index} is out of range for a Sequential of "
                             f"{len(items)} layers")
        return items[index][1]


# %% test="layers-sequential-tests" points=5
def test_sequential_runs_layers_in_order(run):
    def network(x):
        model = Sequential(Linear(4, 8, generator=np.random.default_rng(0)), ReLU(),
                           Linear(8, 3, generator=np.random.default_rng(1)))
        first, last = model[0], model[-1]
        expected = last(ReLU()(first(Tensor(x))))
        return (model(Tensor(x)).numpy(), expected.numpy(), len(model),
                list(model.state_dict()), [type(layer).__name__ for layer in model])

    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    out, expected, length, keys, kinds = run(network, x)
    assert_array(out, expected, dtype="float32", what="Sequential(Linear, ReLU, Linear)(x)")
    assert length == 3, f"len(model) should be 3, got {length}"
    assert keys == ["0.weight", "0.bias", "2.weight", "2.bias"], (
        f"state_dict keys should be PyTorch's, got {keys}"
    )
    assert kinds == ["Linear", "ReLU", "Linear"], f"iteration yields the layers, got {kinds}"


run_tests(test_sequential_runs_layers_in_order)
### BEGIN HIDDEN TESTS
def test_sequential_slices_functions_names_and_modes(run):
    def variants():
        first = Linear(2, 2, generator=np.random.default_rng(0))
        model = Sequential(first, Dropout(0.5), Sigmoid(), lambda t: t * 2)
        model.eval()
        x = Tensor([[1.0, -1.0]])
        from collections import OrderedDict

        named = Sequential(OrderedDict([("fc", Linear(2, 1)), ("act", GELU())]))
        part = model[:2]
        return {
            "function layer": (model(x).numpy(), (Sigmoid()(first(x)) * 2).numpy()),
            "slice": (type(part).__name__, len(part), part[0] is first),
            "dropout off": model[1].training,
            "named": list(named.state_dict()),
            "repr": repr(Sequential(Linear(1, 1), ReLU())),
            "empty": Sequential()(Tensor([5.0])).numpy(),
            "parameters": len(list(model.parameters())),
        }

    got = run(variants)
    out, expected = got["function layer"]
    assert_array(out, expected, what="a Sequential with a plain function as its last layer")
    assert got["slice"] == ("Sequential", 2, True), "a slice is a Sequential of the same layers"
    assert got["dropout off"] is False, "model.eval() reaches the Dropout inside"
    assert got["named"] == ["fc.weight", "fc.bias"], "an OrderedDict names the layers"
    assert got["repr"] == ("Sequential(\n  (0): Linear(in_features=1, out_features=1, bias=True)"
                           "\n  (1): ReLU()\n)"), f"repr like PyTorch's, got {got['repr']!r}"
    assert_array(got["empty"], [5.0], what="an empty Sequential returns its input")
    assert got["parameters"] == 2, "only the Linear has parameters"

    def not_callable():
        return len(Sequential(Linear(1, 1), 3))

    with pytest.raises(TypeError, match="not callable"):
        run(not_callable)


run_tests(test_sequential_slices_functions_names_and_modes)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: PyTorch's weights in your network
#
# A network trained elsewhere is a `state_dict`. Here is one as PyTorch would save it,
# `torch.nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))` with the keys
# `"0.weight"`, ..., written out as NumPy arrays (if PyTorch is installed, the cell builds
# the model in PyTorch and uses its state_dict directly). Load it into your own
# `Sequential` and classify the six Iris flowers of modules 01 and 02.

# %%
iris = Tensor([
    [5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2],  # setosa
    [7.0, 3.2, 4.7, 1.4], [6.4, 3.2, 4.5, 1.5],  # versicolor
    [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9],  # virginica
])
mean = iris.mean(axis=0, keepdims=True)
x = (iris - mean) / (((iris - mean) ** 2).mean(axis=0, keepdims=True) ** 0.5)

model = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
print(model)
print("parameters:", [(name, p.shape) for name, p in model.named_parameters()])

try:
    import torch

    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                      torch.nn.Linear(8, 3))
    checkpoint = torch_model.state_dict()
    print("loaded a PyTorch state_dict")
except ImportError:  # no PyTorch: the same keys and shapes, as NumPy arrays
    torch_model = None
    weights = np.random.default_rng(0)
    checkpoint = OrderedDict([
        ("0.weight", weights.uniform(-0.5, 0.5, (8, 4))), ("0.bias", np.zeros(8)),
        ("2.weight", weights.uniform(-0.35, 0.35, (3, 8))), ("2.bias", np.zeros(3)),
    ])
    print("PyTorch is not installed: loading a NumPy state_dict with PyTorch's keys")
print("keys:", list(checkpoint))
model.load_state_dict(checkpoint)
probabilities = Softmax(dim=-1)(model(x))
print("class probabilities:\n", np.round(probabilities.numpy(), 3))
if torch_model is not None:
    with torch.no_grad():
        theirs = torch.softmax(torch_model(torch.from_numpy(x.numpy())), dim=-1).numpy()
    print("largest difference from PyTorch:", np.abs(theirs - probabilities.numpy()).max())

# %% [markdown]
# Both networks compute the same function: same weights, same layout, same names. Module
# 08 trains such a network; the `perceptron` milestone (`tito milestone run perceptron`)
# already trains your `Linear(2, 1)` with Rosenblatt's 1958 rule.

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Where the memory goes
#
# Count the parameters of an MLP for 28×28 images (784 → 256 → 128 → 10) with your
# `named_parameters()`, and their bytes with module 01's `memory_footprint()`:

# %%
manual_seed(0)
mlp = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
total_params = sum(p.numel() for p in mlp.parameters())
total_bytes = sum(p.memory_footprint() for p in mlp.parameters())
for name, p in mlp.named_parameters():
    print(f"{name:>9} {p.shape!s:>11} {p.numel():>8,} parameters"
          f" {p.memory_footprint() / 1024:8.1f} KiB  ({p.numel() / total_params:6.1%})")
print(f"{'total':>9} {'':>11} {total_params:>8,} parameters {total_bytes / 1024:8.1f} KiB")
print(f"training with Adam (weights, gradients, 2 moments): {4 * total_bytes / 2**20:.1f} MiB")
batch = 128
activations = sum(batch * layer.out_features * 4 for layer in mlp if isinstance(layer, Linear))
print(f"activations of one batch of {batch} (Linear outputs only): {activations / 1024:.0f} KiB")

# %% [markdown]
# The first layer holds most of the parameters: 784 × 256 weights. Parameters of a
# `Linear` grow as in × out, so the widest layers dominate memory.
#
# ### 5.2 FLOPs and time: loops, vectorized, and the batch size
#
# A `Linear(in, out)` on a batch costs 2 · batch · in · out FLOPs. Time your
# `linear_loops` against your vectorized `Linear` on a small layer, then the vectorized
# one at growing batch sizes:

# %%
from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


layer = Linear(256, 128)
xs = Tensor(np.random.default_rng(0).standard_normal((16, 256)), dtype=np.float32)
loops_time = time_call(linear_loops, xs, layer.weight, layer.bias, repeat=2)
vector_time = time_call(layer, xs)
flops = 2 * 16 * 256 * 128
print(f"batch 16, 256 -> 128: loops {loops_time * 1e3:.1f} ms, vectorized "
      f"{vector_time * 1e6:.0f} µs ({loops_time / vector_time:.0f}x), {flops:,} FLOPs")

big_layer = Linear(1024, 1024)
print(f"\n{'batch':>6} {'GFLOP':>7} {'ms':>8} {'GFLOP/s':>8} {'µs per example':>15}")
for batch in (1, 8, 64, 512):
    xb = Tensor(np.random.default_rng(0).standard_normal((batch, 1024)), dtype=np.float32)
    seconds = time_call(big_layer, xb)
    gflop = 2 * batch * 1024 * 1024 / 1e9
    print(f"{batch:>6} {gflop:7.3f} {seconds * 1e3:8.3f} {gflop / seconds:8.1f}"
          f" {seconds / batch * 1e6:15.1f}")

# %% [markdown]
# **The loops** cost what module 01's `matmul_loops` did: interpreter overhead per dot
# product. Each unit's dot product here is one NumPy call, so the loop version is "only"
# hundreds of times slower, not tens of thousands.
#
# **The batch size** changes the nature of the work. With batch 1 the layer is a
# matrix-*vector* product: each of the 4 MiB of weights is read once and used for one
# multiply-add, so the time is set by memory bandwidth (memory-bound). With a batch of
# hundreds every weight loaded into the cache is reused for every example: a
# matrix-*matrix* product, limited by arithmetic (compute-bound). The GFLOP/s column rises
# with the batch and the time per example falls. That is why training uses batches and
# why inference servers batch requests together. At 1000× scale (layers of 10⁷ weights or
# more), batch-1 inference, such as generating one token at a time in a language model,
# is memory-bound on every hardware: module 18 (KV cache) and module 15 (int8 weights,
# 4× fewer bytes to read) attack exactly that.
#
# ### 5.3 The cost of a state_dict
#
# `state_dict()` copies every parameter. Measure it on the MLP:

# %%
copy_time = time_call(mlp.state_dict)
print(f"state_dict() of {total_params:,} parameters ({total_bytes / 2**20:.2f} MiB): "
      f"{copy_time * 1e3:.2f} ms")
load_time = time_call(mlp.load_state_dict, mlp.state_dict())
print(f"load_state_dict(): {load_time * 1e3:.2f} ms")

# %% [markdown]
# A copy costs time and memory in proportion to the model: negligible here, and a reason
# large-model checkpointing writes shards from each GPU in parallel and in the background
# (PyTorch's distributed checkpointing) rather than one big copy.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, using the numbers from
# *your* notebook. Each is worth 10 points.

# %% [markdown] locked="q-parameter-memory"
# **Question 1: where the parameters are.** Use section 5.1.
#
# 1. How many parameters and bytes does the 784-256-128-10 MLP have, and which layer holds
#    most of them? Derive the count of each `Linear` from its shapes.
# 2. Training with Adam keeps weights, gradients and two moments per parameter. How much
#    memory is that for this MLP, and how does it compare with the activations of one
#    batch of 128 that backward must keep? Which of the two grows with the batch size?
# 3. A transformer layer of width d has about 12·d² parameters in its Linear layers. For
#    d = 4096 and 32 layers, how many parameters and how many GB in float32? What do
#    production systems do when that does not fit on one GPU?

# %% [markdown] manual="systems-parameter-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - 784·256 + 256 = 200,960; 256·128 + 128 = 32,896; 128·10 + 10 = 1,290; total 235,146
#   parameters, 940,584 bytes ≈ 918.5 KiB in float32; the first layer holds 85.5%
#   (its weight alone 85.4%). Uses their printed table.
# - Adam: 4 × 0.94 MB ≈ 3.6 MiB. Activations of a batch of 128: 128 × (256 + 128 + 10) × 4
#   bytes ≈ 197 KiB for the Linear outputs (plus the ReLU outputs and the input,
#   128 × 784 × 4 ≈ 392 KiB), so here parameters and optimizer state dominate; activations
#   grow linearly with batch size (and sequence length), parameters do not. For large
#   convnets and transformers at large batch the activations dominate (activation
#   checkpointing trades compute for memory).
# - 12 · 4096² ≈ 201M per layer, × 32 ≈ 6.4B parameters (a 7B-class model), 25.8 GB in
#   float32, ~103 GB with Adam state. Production: bf16/fp16 weights, sharding (ZeRO/FSDP),
#   tensor and pipeline parallelism, offloading, 8-bit optimizers; inference with int8/int4
#   weights.
#
# 7–8: correct counts and Adam memory, weaker on activations or scale-up. 5–6: generic
# "big layers use memory" with few numbers. 3–4: counts wrong (forgets the bias, uses in +
# out), bits vs bytes. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-batching"
# **Question 2: why batches are fast.** Use the table of section 5.2.
#
# 1. What GFLOP/s did your `Linear(1024, 1024)` reach at batch 1 and at batch 512, and
#    how did the time per example change?
# 2. Explain the difference with arithmetic intensity (FLOPs per byte read from memory)
#    for batch 1 versus batch 512. Which resource limits each case?
# 3. What does this mean for (a) training, (b) an inference server answering one request
#    at a time, and (c) generating text one token at a time with a large model?

# %% [markdown] manual="systems-batching" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - Quotes their numbers: batch 1 at a few GFLOP/s (or less), batch 512 at tens to
#   hundreds; time per example falling by one to two orders of magnitude.
# - Batch 1: 2·1024² FLOPs over 4 MiB of weights: ~0.5 FLOP/byte, far below what a CPU
#   needs to be compute-bound (tens of FLOPs per byte), so memory bandwidth limits it
#   (matrix-vector, BLAS level 2). Batch B: 2·B·1024² FLOPs over the same weights plus
#   small activations: intensity grows ~B/2, so at 512 it is compute-bound; BLAS tiles
#   the matrices so each loaded block is reused from cache (level 3). Also fixed per-call
#   overhead (Python, dispatch) amortized over the batch.
# - (a) Training uses large batches for throughput (also limited by memory for
#   activations and by generalization). (b) Servers use dynamic batching: wait a few ms to
#   group requests, trading latency for throughput. (c) Token-by-token decoding is
#   batch-1-like per sequence: memory-bound on weights, so speedups come from batching
#   many users, quantizing weights (fewer bytes), KV caching and speculative decoding.
#
# 7–8: correct trend and memory vs compute, without intensity numbers or only one of the
# three scenarios. 5–6: "batching uses parallelism" without the memory argument. 3–4:
# claims batch 1 is faster per example, or misreads the table. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-state"
# **Question 3: state, modes and copies.** Use your `Dropout`, `state_dict` and
# `load_state_dict`.
#
# 1. Your Dropout scales kept values by 1/(1-p) in training and does nothing in eval mode.
#    What would go wrong at evaluation if it did not scale (the original 2014 paper scaled
#    the weights at test time instead), and what goes wrong if you forget `model.eval()`?
# 2. Your `state_dict()` returns copies, and `load_state_dict` copies into the existing
#    Parameters instead of replacing them. Describe one bug each choice prevents (think of
#    saving the best model during training, and of an optimizer created before loading).
# 3. Your `load_state_dict` checks every key and shape before copying anything. Why is
#    that better than PyTorch's load-as-you-go for a large model, and what does `strict`
#    protect against when loading a checkpoint from a different version of a model?

# %% [markdown] manual="systems-state" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - Without the 1/(1-p) scale, training sees activations of expected size (1-p)·x, eval
#   sees x: every later layer gets inputs 1/(1-p) times larger than it was trained on
#   (2× for p = 0.5), shifting logits and accuracy. Inverted dropout puts the correction in
#   training so inference is untouched (no special case in deployed code). Forgetting
#   `eval()` keeps random masks at test time: noisy, lower, non-reproducible accuracy (and
#   BatchNorm would use batch statistics). Refers to their hidden-test-style check that
#   E[dropout(x)] = x.
# - Copies: a "best model" saved as views would silently track the live weights and end up
#   equal to the last epoch; asynchronous saving also needs a stable snapshot. In-place
#   loading: an optimizer holds references to the Parameter objects; replacing them would
#   leave the optimizer updating orphaned tensors while the model never changes (training
#   silently stalls); in-place also keeps dtype (float32) and any views or tied weights.
# - Check-then-copy makes loading atomic: a failed load leaves a consistent model, not a
#   half-old, half-new one (which could run without error and give garbage). `strict`
#   catches renamed or missing layers (e.g. a prefix like "module." from DataParallel, a
#   new head), which would otherwise leave random weights in place silently; shape checks
#   catch a changed width or vocabulary. `strict=False` is for deliberate partial loads
#   (fine-tuning a new head), with the returned missing/unexpected keys checked.
#
# 7–8: two of the three parts argued well, with a code reference. 5–6: generic statements
# ("copies are safer"). 3–4: misunderstands inverted dropout (e.g. scales at eval too).
# 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.layers`:
#
# - `Parameter` (`torch.nn.Parameter`): a float32 Tensor requiring grad.
# - `Module` (`torch.nn.Module`): registration by assignment, `named_children`,
#   `named_modules`, `named_parameters`, `children`, `modules`, `parameters`, buffers
#   (`register_buffer`), `train`/`eval`/`training`, `zero_grad`, `state_dict` (NumPy
#   copies, PyTorch's keys) and `load_state_dict` (strict, in place, atomic, from NumPy,
#   Tensors or PyTorch tensors), and PyTorch's `repr`.
# - `Linear` (`torch.nn.Linear`, `(out, in)` weights, PyTorch's initialization), with
#   `linear_loops` as its explicit-loop reference; `Dropout` (inverted); `Sequential`.
#
# Checklist:
#
# - [ ] Every test cell prints only ✓ lines (11 cells, 70 points).
# - [ ] Sections 4 and 5 ran, and you read your own numbers.
# - [ ] The three questions are answered with those numbers (30 points).
# - [ ] Export: `tito module export layers`. Then try `tito milestone run perceptron`.
#
# **Next: module 04, losses.** A model's outputs become one number to minimize:
# `CrossEntropyLoss` on your `Sequential`'s logits.
