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
# # Module 02 · Activations
#
# By the end of this module you will have built the five nonlinearities that sit between the
# layers of almost every network: `ReLU`, `Sigmoid`, `Tanh`, `GELU` and `Softmax`, as layer
# classes (`torch.nn.ReLU`, ...) and as functions (`torch.nn.functional.relu`, ...). Each one
# is numerically stable: inputs of ±1000 give exact answers, no `inf`, no `nan`, no warning.
# Along the way you will write your own `erfc`, because NumPy has none, accurate to float32.
#
# | | |
# |---|---|
# | **Prerequisites** | module 01 `tensor` (`Tensor`, `exp`, `max`/`sum` with `keepdims`) |
# | **Time** | about 2 hours |
# | **Your code lands in** | `tinytorch.core.activations` (`from ... import ReLU`) |
# | **Next** | module 03 `layers` stacks `Linear` layers with these in a `Sequential` |
#
# **Contents.** 1 Why nonlinearities · 2 Concepts: five functions and where they break ·
# 3 Build them, piece by piece · 4 Use it: a tiny network on real data · 5 Systems analysis
# · 6 ML systems thinking · 7 Summary

# %% locked="activations-imports"
import math
import time
import warnings

import numpy as np
import pytest
from tito.testing import assert_array, run_tests

from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. Why nonlinearities
#
# A linear layer computes `x @ W.T + b`. Two of them in a row compute
# `(x @ W1.T + b1) @ W2.T + b2 = x @ (W2 @ W1).T + (b1 @ W2.T + b2)`: one linear layer
# again. A hundred stacked linear layers can draw only a straight line (a hyperplane)
# between classes. Put a nonlinear function between them and the stack can bend: with
# enough units, a two-layer network approximates any continuous function (the universal
# approximation theorem). Check the collapse with numbers:

# %%
rng = np.random.default_rng(0)
W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((2, 5))
x_demo = rng.standard_normal((4, 3))
two_layers = (x_demo @ W1.T) @ W2.T
one_layer = x_demo @ (W2 @ W1).T
print("two linear layers == one linear layer:", np.allclose(two_layers, one_layer))
bent = np.maximum(x_demo @ W1.T, 0) @ W2.T
print("with a ReLU between them            :", np.allclose(bent, one_layer))

# %% [markdown]
# PyTorch offers each activation twice: a layer class in `torch.nn` (`nn.ReLU()`, which
# you put in an `nn.Sequential`) and a function in `torch.nn.functional` (`F.relu(x)`,
# which you call inside a model's `forward`). You build both; the class calls the function.
#
# ## 2. Concepts
#
# | function | formula | range | used in |
# |---|---|---|---|
# | ReLU | max(0, x) | [0, ∞) | most hidden layers since 2012 (AlexNet) |
# | Sigmoid | 1 / (1 + e^-x) | (0, 1) | probabilities of yes/no outputs, gates in LSTMs |
# | Tanh | (e^x - e^-x) / (e^x + e^-x) | (-1, 1) | RNNs, GPT-2's GELU approximation |
# | GELU | x · Φ(x) | about [-0.17, ∞) | BERT, GPT, ViT: every transformer |
# | Softmax | e^(x_i) / Σ_j e^(x_j) | (0, 1), sums to 1 | class probabilities, attention weights |
#
# Φ is the standard normal distribution's cumulative distribution function: Φ(x) is the
# probability that a standard normal number is below x. GELU weighs each input by how
# likely it is to be "on": a soft, smooth ReLU.
#
# ### 2.1 Where the formulas break: floating point
#
# float32 holds numbers up to about 3.4e38. `exp(89)` is already more than that: it
# overflows to `inf`. Textbook formulas that are fine on paper then produce `inf / inf =
# nan`, or warnings, or silently wrong zeros. Networks do produce large pre-activations
# (an untrained model, a large learning rate, a long sum), so every activation must give
# the right answer for any finite input. Two tricks do it:
#
# - **Rewrite so that `exp` only sees values ≤ 0.** `exp` of a value ≤ 0 lies in (0, 1]
#   and cannot overflow. For sigmoid: if x ≥ 0 use 1 / (1 + e^-x); if x < 0 multiply top
#   and bottom by e^x and use e^x / (1 + e^x). Both branches only take `exp` of -|x|.
# - **Shift by a constant that cancels.** Softmax is unchanged when you subtract the same
#   number c from every input: e^(x_i - c) / Σ e^(x_j - c) = e^(x_i) / Σ e^(x_j), because
#   e^-c cancels. With c = max(x) the largest exponent is 0.

# %%
with np.errstate(all="ignore"):
    print("float32 exp(88), exp(89):", np.exp(np.float32(88)), np.exp(np.float32(89)))
    print("float32 inf / inf        :", np.float32(np.inf) / np.float32(np.inf))

# %% [markdown]
# ### 2.2 GELU needs the error function
#
# Φ(x) = ½ · (1 + erf(x / √2)) = ½ · erfc(-x / √2), where erf is the Gaussian error
# function and erfc = 1 - erf its complement. Python has `math.erf` and `math.erfc` for
# one float at a time; NumPy has neither. Calling `math.erf` in a Python loop is exact and
# slow (section 5 times it). Libraries compute erf with a polynomial or rational
# approximation instead. You will use one from *Numerical Recipes* (Press et al., §6.2):
#
# $$\mathrm{erfc}(z) \approx t \cdot \exp\big(-z^2 + P(t)\big), \qquad t = \frac{1}{1 + z/2},
# \qquad z \ge 0,$$
#
# where P is a polynomial of degree 9 with fitted coefficients, and erfc(-z) = 2 - erfc(z)
# for negative arguments. Its **relative** error is below 1.2e-7 everywhere: about one
# float32 rounding step (float32 has a relative precision of 1.19e-7).
#
# Why erfc and not erf? For very negative x, GELU(x) = x · Φ(x) is tiny: GELU(-5) =
# -1.43e-6. Computing it as ½ · x · (1 + erf(x/√2)) subtracts two numbers close to 1 and
# keeps only the few digits in which they differ (cancellation). A popular erf
# approximation (Abramowitz and Stegun 7.1.26) has an *absolute* error of 1.5e-7: tiny
# next to 1, but a sizable share of 1 + erf(-3.54) = 5.7e-7. Computing erfc directly keeps
# the relative error small even there. Compare with the exact value:

# %%
A_S_7_1_26 = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf_abramowitz_stegun(x):
    """erf(x) by Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7."""
    sign, z = np.sign(x), np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (A_S_7_1_26[0] + t * (A_S_7_1_26[1] + t * (A_S_7_1_26[2] + t * (
        A_S_7_1_26[3] + t * A_S_7_1_26[4]))))
    return sign * (1.0 - poly * np.exp(-z * z))


for value in (-5.0, -3.0, 1.0):
    exact = 0.5 * value * math.erfc(-value / math.sqrt(2))
    via_erf = 0.5 * value * (1 + erf_abramowitz_stegun(value / math.sqrt(2)))
    print(f"GELU({value:+.0f}) exact {exact: .6e}   via A&S erf {via_erf: .6e}"
          f"   relative error {abs(via_erf - exact) / abs(exact):.1e}")

# %% [markdown]
# GPT-2 and BERT's original code used a cheaper formula, the **tanh approximation**:
# GELU(x) ≈ ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))). PyTorch offers both,
# `nn.GELU(approximate="none")` (the default, erf) and `nn.GELU(approximate="tanh")`;
# loading GPT-2's weights into a model with the other one shifts its outputs slightly.
#
# ## 3. Build the activations
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 | `relu` (and `ReLU` calls it) | `F.relu`, `nn.ReLU` | 10 |
# | 2 | `sigmoid`, stable for any input | `F.sigmoid`, `nn.Sigmoid` | 10 |
# | 3 | `Tanh.forward` | `torch.tanh`, `nn.Tanh` | 5 |
# | 4 | `erfc` on NumPy arrays | `torch.special.erfc` | 10 |
# | 5 | `GELU.forward`, both approximations | `F.gelu`, `nn.GELU` | 15 |
# | 6 | `softmax`, stable, along any dim | `F.softmax`, `nn.Softmax` | 20 |
#
# **What is given.** `_float_data(x)` returns the NumPy array of a Tensor, turned into
# float32 if it holds ints or bools (PyTorch's rule, as in module 01's `exp`); float arrays
# keep their dtype, so a float32 input gives a float32 output. `Activation` is the small
# base class of the layer classes: calling a layer calls its `forward`, and `repr` prints
# PyTorch's form, `Softmax(dim=-1)`.
#
# **Recording for gradients.** Every activation returns
# `Tensor.from_op(data, "<name>", (x,), **saved)` as module 01's ops do, so that module 06
# can add its backward rule: `"relu"`, `"sigmoid"`, `"tanh"`, `"gelu"` (saving
# `approximate`) and `"softmax"` (saving `dim`). The given code does the recording; you
# compute `data` with NumPy.

# %% locked="activations-package-imports"
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% locked="activations-base"
#| export
def _as_tensor(x: object, name: str) -> Tensor:
    """`x` if it is a Tensor; NumPy arrays and numbers become one; anything else is an error."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, int, float)):
        return Tensor(x)
    raise TypeError(f"{name}() expects a Tensor, got {type(x).__name__}: wrap it in Tensor(...)")


def _float_data(x: Tensor) -> np.ndarray:
    """The array of `x` for float math: int and bool arrays become float32 (PyTorch's
    default float), float arrays are returned as they are."""
    return x.data.astype(np.float32) if x.dtype.kind in "biu" else x.data


def _check_dim(dim: int, ndim: int, name: str) -> int:
    """`dim` as a non-negative axis of a tensor with `ndim` dims (a 0-d tensor has dim 0 and
    -1, like PyTorch's), or an IndexError naming the allowed range."""
    size = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be an int, got {type(dim).__name__}")
    if not -size <= dim < size:
        raise IndexError(f"{name}: dim {dim} is out of range: a tensor with {ndim} dims has "
                         f"dims {-size} to {size - 1}")
    return int(dim) % size


class Activation:
    """Base class of the activation layers (like torch.nn.Module for ReLU and friends).

    An activation has no parameters: `layer(x)` calls `layer.forward(x)`. Module 03's
    `Module` and `Sequential` treat instances of this class as parameterless layers.
    """

    def forward(self, input: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward(input)")

    def __call__(self, input: Tensor) -> Tensor:
        return self.forward(input)

    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses of repr (torch's extra_repr)."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


# %% [markdown]
# ### 3.1 Piece 1: ReLU
#
# ReLU(x) = max(0, x), elementwise: negative inputs become 0, the rest pass through. It is
# the cheapest activation there is (one comparison per element) and its gradient is 0 or 1,
# so it does not shrink gradients the way sigmoid does in deep stacks.
#
# Write the functional form `relu(input)`; the class `ReLU` calls it. The result keeps the
# input's dtype: ReLU of an int tensor is an int tensor, as in PyTorch.
#
# **A trap.** `x * (x > 0)` looks right and is wrong: for x = -inf it computes -inf · 0 =
# nan, and ReLU(-inf) is 0. `np.maximum` (or `np.where`) has no such problem.

# %% solution="activations-relu"
#| export
def relu(input: Tensor) -> Tensor:
    """max(0, x) elementwise (torch.nn.functional.relu); keeps the input's dtype.

    Records op "relu" with input (x,) for module 06.

    TODO: set `data` to the elementwise maximum of `x.data` and 0.

    APPROACH: `np.maximum(array, 0)` compares elementwise and broadcasts the 0.

    EXAMPLE:
    >>> relu(Tensor([-2.0, 0.0, 3.0]))
    Tensor([0., 0., 3.], dtype=float32)

    HINTS: keep the 0 a Python int: NumPy treats it as weak, so float32 stays float32 and
    int64 stays int64. Avoid `x * (x > 0)`: -inf * 0 is nan.
    """
    x = _as_tensor(input, "relu")
    ### BEGIN SOLUTION
    data = np.maximum(x.data, 0)
    ### END SOLUTION
    return Tensor.from_op(data, "relu", (x,))


class ReLU(Activation):
    """Applies relu elementwise (torch.nn.ReLU). No parameters."""

    def forward(self, input: Tensor) -> Tensor:
        return relu(input)


# %% test="activations-relu-tests" points=10
def test_relu_values(run):
    def relu_both_ways():
        x = Tensor([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
        out = relu(x)
        return type(out).__name__, out.numpy(), ReLU()(x).numpy(), repr(ReLU())

    kind, functional, layer, text = run(relu_both_ways)
    assert kind == "Tensor", f"relu should return a Tensor, got {kind}"
    expected = [[0.0, 0.0, 0.0], [0.5, 1.0, 3.0]]
    assert_array(functional, expected, dtype="float32", what="relu(x)")
    assert_array(layer, expected, dtype="float32", what="ReLU()(x)")
    assert text == "ReLU()", f"repr(ReLU()) should be 'ReLU()', got {text!r}"


def test_relu_keeps_int_dtype(run):
    def relu_of_ints():
        return relu(Tensor([-3, 0, 4])).numpy()

    assert_array(run(relu_of_ints), [0, 0, 4], dtype="int64", what="relu of an int64 tensor")


run_tests(test_relu_values, test_relu_keeps_int_dtype)
### BEGIN HIDDEN TESTS
def test_relu_infinities_large_and_edge_shapes(run):
    def edges():
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            inf = relu(Tensor([-np.inf, -1e3, 1e3, np.inf])).numpy()
        return {
            "inf": inf,
            "0-d": (relu(Tensor(-2.0)).shape, relu(Tensor(-2.0)).item()),
            "empty": relu(Tensor(np.zeros((0, 3), dtype=np.float32))).shape,
            "float64": str(relu(Tensor(np.array([-1.0, 2.0]))).dtype),
            "numpy input": relu(np.array([-1.0, 1.0], dtype=np.float32)).numpy(),
        }

    got = run(edges)
    assert_array(got["inf"], [0.0, 0.0, 1e3, np.inf], dtype="float32",
                 what="relu([-inf, -1e3, 1e3, inf]) (x * (x > 0) gives nan for -inf)")
    assert got["0-d"] == ((), 0.0), f"relu of a 0-d tensor is a 0-d tensor, got {got['0-d']}"
    assert got["empty"] == (0, 3), "relu of an empty (0, 3) tensor keeps its shape"
    assert got["float64"] == "float64", "relu keeps float64"
    assert_array(got["numpy input"], [0.0, 1.0], what="relu of a NumPy array")


def test_relu_records_its_op(run):
    def record():
        x = Tensor([1.0, -1.0], requires_grad=True)
        out = ReLU()(x)
        input_is_x = out.grad_fn.inputs[0] is x
        return out.requires_grad, out.grad_fn.op, len(out.grad_fn.inputs), input_is_x

    assert run(record) == (True, "relu", 1, True), (
        "relu must return Tensor.from_op(data, 'relu', (x,)) so that module 06 can add "
        "its gradient"
    )


run_tests(test_relu_infinities_large_and_edge_shapes, test_relu_records_its_op)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: Sigmoid, the stable way
#
# σ(x) = 1 / (1 + e^-x) squashes any number into (0, 1). Written as it stands, it breaks
# for large negative x: e^1000 overflows to inf. The result, 1 / inf = 0, happens to be
# right, but NumPy warns, and warnings are errors in many test suites (and in this course's
# grader). Watch:

# %%
naive_input = np.array([-1000.0, 0.0, 1000.0], dtype=np.float32)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    naive = 1.0 / (1.0 + np.exp(-naive_input))
print("naive sigmoid:", naive, "| warnings:", [str(w.message) for w in caught])

# %% [markdown]
# The stable version splits on the sign (section 2.1) so that `exp` only ever sees -|x|:
#
# - x ≥ 0: σ(x) = 1 / (1 + e^-x), with e^-x ≤ 1;
# - x < 0: σ(x) = e^x / (1 + e^x), with e^x < 1.
#
# Compute `e = np.exp(-np.abs(x))` once, then pick the branch per element with
# `np.where(x >= 0, ..., ...)`. Both branches are computed for every element, and both are
# safe. Integer inputs give float32 (`_float_data`); float32 stays float32.

# %% solution="activations-sigmoid"
#| export
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise, stable for any input (torch.nn.functional.sigmoid).

    Int and bool tensors give float32. Records op "sigmoid" with input (x,).

    TODO: set `data` to the sigmoid of `a`, without ever taking exp of a positive number.

    APPROACH:
    1. `e = np.exp(-np.abs(a))`: every value lies in (0, 1].
    2. Where a >= 0 the result is 1 / (1 + e); elsewhere e / (1 + e). `np.where` picks.

    EXAMPLE:
    >>> sigmoid(Tensor([-1000.0, 0.0, 1000.0]))
    Tensor([0. , 0.5, 1. ], dtype=float32)

    HINTS: use Python numbers (1, not np.float64(1)) so float32 stays float32.
    """
    x = _as_tensor(input, "sigmoid")
    a = _float_data(x)
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(a))
    data = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION
    return Tensor.from_op(data, "sigmoid", (x,))


class Sigmoid(Activation):
    """Applies sigmoid elementwise (torch.nn.Sigmoid). No parameters."""

    def forward(self, input: Tensor) -> Tensor:
        return sigmoid(input)


# %% test="activations-sigmoid-tests" points=10
def test_sigmoid_values(run):
    def sigmoid_both_ways(data):
        x = Tensor(data)
        return sigmoid(x).numpy(), Sigmoid()(x).numpy()

    data = np.array([-3.0, -1.0, 0.0, 0.5, 2.0], dtype=np.float32)
    expected = 1 / (1 + np.exp(-data.astype(np.float64)))
    functional, layer = run(sigmoid_both_ways, data)
    assert_array(functional, expected, dtype="float32", rtol=1e-6, what="sigmoid(x)")
    assert_array(layer, expected, dtype="float32", rtol=1e-6, what="Sigmoid()(x)")


def test_sigmoid_is_stable_at_1000(run):
    def extremes():
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # warnings -> errors
            return sigmoid(Tensor([-1000.0, -100.0, 100.0, 1000.0])).numpy()

    assert_array(run(extremes), [0.0, 3.7200760e-44, 1.0, 1.0], dtype="float32",
                 what="sigmoid([-1000, -100, 100, 1000]) without overflow")


run_tests(test_sigmoid_values, test_sigmoid_is_stable_at_1000)
### BEGIN HIDDEN TESTS
def test_sigmoid_dtypes_and_shapes(run):
    def variants():
        f64 = sigmoid(Tensor(np.array([[-2.0, 40.0]])))
        return {
            "int": sigmoid(Tensor([0, 2])).numpy(),
            "float64": (str(f64.dtype), f64.numpy()),
            "0-d": (sigmoid(Tensor(0.0)).shape, sigmoid(Tensor(0.0)).item()),
            "empty": sigmoid(Tensor([])).shape,
            "nan": sigmoid(Tensor([np.nan])).numpy(),
        }

    got = run(variants)
    assert_array(got["int"], [0.5, 1 / (1 + np.exp(-2.0))], dtype="float32",
                 what="sigmoid of an int tensor (float32, like torch)")
    dtype, values = got["float64"]
    assert dtype == "float64", f"sigmoid keeps float64, got {dtype}"
    assert_array(values, 1 / (1 + np.exp([[2.0, -40.0]])), rtol=1e-12, atol=0,
                 what="sigmoid in float64, to full precision")
    assert got["0-d"] == ((), 0.5), "sigmoid of a 0-d tensor is 0-d"
    assert got["empty"] == (0,), "sigmoid of an empty tensor is empty"
    assert_array(got["nan"], [np.nan], what="sigmoid(nan)")


def test_sigmoid_tiny_values_keep_their_precision(run):
    def tail():
        return sigmoid(Tensor([-30.0, -80.0])).numpy()

    assert_array(run(tail), np.exp([-30.0, -80.0]) / (1 + np.exp([-30.0, -80.0])), rtol=1e-5,
                 atol=0, what="sigmoid(-30), sigmoid(-80) (tiny, but not 0)")

    def record():
        x = Tensor([1.0], requires_grad=True)
        out = Sigmoid()(x)
        return out.grad_fn.op, out.grad_fn.inputs[0] is x

    assert run(record) == ("sigmoid", True), "sigmoid records op 'sigmoid' with input (x,)"


run_tests(test_sigmoid_dtypes_and_shapes, test_sigmoid_tiny_values_keep_their_precision)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: Tanh
#
# tanh(x) = (e^x - e^-x) / (e^x + e^-x) lies in (-1, 1) and is a shifted, stretched
# sigmoid: tanh(x) = 2σ(2x) - 1. Its outputs are centered on 0, which is why recurrent
# networks prefer it. Do not compute either formula yourself: the first overflows for
# |x| > 89 in float32 (inf / inf = nan), and the second loses digits near 0 (2σ(2x) and 1
# nearly cancel). `np.tanh` is accurate everywhere, as `torch.tanh` is.

# %% solution="activations-tanh"
#| export
class Tanh(Activation):
    """Applies tanh elementwise (torch.nn.Tanh, torch.tanh). No parameters."""

    def forward(self, input: Tensor) -> Tensor:
        """tanh of each element; int and bool tensors give float32. Records op "tanh".

        TODO: set `data` to the elementwise tanh of `a`.
        APPROACH: NumPy's `np.tanh`.
        EXAMPLE: Tanh()(Tensor([0.0, 1000.0])) -> Tensor([0., 1.], dtype=float32)
        HINTS: `a` is already float (see `_float_data`).
        """
        x = _as_tensor(input, "tanh")
        a = _float_data(x)
        ### BEGIN SOLUTION
        data = np.tanh(a)
        ### END SOLUTION
        return Tensor.from_op(data, "tanh", (x,))


def tanh(input: Tensor) -> Tensor:
    """tanh elementwise (torch.tanh, torch.nn.functional.tanh): Tanh()(input)."""
    return Tanh()(input)


# %% test="activations-tanh-tests" points=5
def test_tanh_values_and_extremes(run):
    def tanh_of(data):
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            return Tanh()(Tensor(data)).numpy()

    data = np.array([-1000.0, -2.0, 0.0, 0.5, 1000.0], dtype=np.float32)
    assert_array(run(tanh_of, data), np.tanh(data.astype(np.float64)), dtype="float32",
                 what="Tanh()(x)")


run_tests(test_tanh_values_and_extremes)
### BEGIN HIDDEN TESTS
def test_tanh_small_values_int_and_record(run):
    def variants():
        x = Tensor([1.0], requires_grad=True)
        out = Tanh()(x)
        return {
            "small": Tanh()(Tensor([1e-8, -3e-9])).numpy(),
            "int": Tanh()(Tensor([0, 1])).numpy(),
            "record": (out.grad_fn.op, out.grad_fn.inputs[0] is x),
            "repr": repr(Tanh()),
        }

    got = run(variants)
    assert_array(got["small"], [1e-8, -3e-9], dtype="float32", rtol=1e-6, atol=0,
                 what="tanh near 0 (2 * sigmoid(2x) - 1 loses these digits)")
    assert_array(got["int"], np.tanh([0.0, 1.0]), dtype="float32", what="tanh of an int tensor")
    assert got["record"] == ("tanh", True), "Tanh records op 'tanh' with input (x,)"
    assert got["repr"] == "Tanh()", f"repr(Tanh()) should be 'Tanh()', got {got['repr']!r}"


run_tests(test_tanh_small_values_int_and_record)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: erfc, accurate to float32
#
# Write the approximation of section 2.2 on NumPy arrays (not Tensors: it is a helper for
# GELU, and module 06 will use it for GELU's gradient). The coefficients of the polynomial
# P(t) = c0 + c1·t + c2·t² + ... + c9·t⁹ are given in `_ERFC_COEFFICIENTS`, c0 first.
#
# Evaluate P with **Horner's rule**: start with c9 and repeat `p = p * t + c` for c8, c7,
# ..., c0. That is 9 multiplies and 9 adds, with no powers computed, and it is the
# numerically stable way to evaluate a polynomial.
#
# The result keeps the input's float dtype. The test checks it against Python's exact
# `math.erfc` with a relative tolerance, across the whole range.

# %% solution="activations-erfc"
#| export
# Numerical Recipes (Press et al., 2nd ed., §6.2, erfcc): erfc(z) = t * exp(-z*z + P(t)),
# t = 1 / (1 + z/2), z >= 0, relative error < 1.2e-7 for every z; P's coefficients, c0 first.
_ERFC_COEFFICIENTS = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
)


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function 1 - erf(x) of a float array (torch.special.erfc).

    A rational-exponential approximation with relative error below 1.2e-7 for every
    input, so GELU stays accurate even far in its negative tail. Keeps x's dtype.

    TODO: return erfc of every element of `x`.

    APPROACH:
    1. `z = np.abs(x)` and `t = 1 / (1 + 0.5 * z)`.
    2. Horner's rule over `_ERFC_COEFFICIENTS`, from the last to the first:
       `p = c9`, then `p = p * t + c` for the others.
    3. `r = t * np.exp(-z * z + p)` is erfc(z) for z >= 0.
    4. For negative x, erfc(x) = 2 - erfc(|x|): `r + (x < 0) * (2 - 2 * r)` picks it.

    EXAMPLE:
    >>> erfc(np.array([0.0, 1.0, -1.0]))
    array([1.        , 0.15729921, 1.84270079])

    HINTS: `_ERFC_COEFFICIENTS[::-1]` walks the coefficients backwards. Python floats keep
    a float32 array float32. `np.where(x >= 0, r, 2 - r)` gives the same numbers, several
    times slower on inputs of random sign (a branch per element; section 5.1).
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    z = np.abs(x)
    t = 1 / (1 + 0.5 * z)
    p = np.full_like(t, _ERFC_COEFFICIENTS[-1])
    for c in _ERFC_COEFFICIENTS[-2::-1]:
        p = p * t + c
    r = t * np.exp(-z * z + p)
    return r + (x < 0) * (2 - 2 * r)
    ### END SOLUTION


# %% test="activations-erfc-tests" points=10
def test_erfc_matches_math_erfc(run):
    import math

    def erfc_of(values):
        return erfc(values)

    values = np.linspace(-6.0, 6.0, 241)
    exact = np.array([math.erfc(v) for v in values])
    assert_array(run(erfc_of, values), exact, dtype="float64", rtol=1.5e-7, atol=0,
                 what="erfc(x) for x in [-6, 6] against math.erfc (relative error)")


def test_erfc_keeps_float32(run):
    def erfc_of_float32():
        return erfc(np.array([-0.5, 0.0, 2.0], dtype=np.float32))

    import math
    assert_array(run(erfc_of_float32), [math.erfc(-0.5), 1.0, math.erfc(2.0)],
                 dtype="float32", rtol=1e-6, what="erfc of a float32 array")


run_tests(test_erfc_matches_math_erfc, test_erfc_keeps_float32)
### BEGIN HIDDEN TESTS
def test_erfc_tail_and_edges(run):
    import math

    def edges(values):
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            tail = erfc(values)
        return tail, erfc(np.array(0.3)), erfc(np.array([np.inf, -np.inf])), erfc(np.zeros((2, 0)))

    values = np.array([8.0, 12.0, 25.0, 1e3, -1e3])
    tail, zero_d, infinite, empty = run(edges, values)
    exact = [math.erfc(v) for v in values]
    assert_array(tail, exact, rtol=1.5e-7, atol=1e-300,
                 what="erfc in the far tail (values down to 1e-274, and 0 past that)")
    assert zero_d.shape == () and abs(zero_d - math.erfc(0.3)) < 1e-7, "erfc of a 0-d array"
    assert_array(infinite, [0.0, 2.0], what="erfc(inf), erfc(-inf)")
    assert empty.shape == (2, 0), "erfc of an empty array keeps its shape"


run_tests(test_erfc_tail_and_edges)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: GELU
#
# GELU(x) = x · Φ(x) with Φ(x) = ½ · erfc(-x / √2) (section 2.2), or with
# `approximate="tanh"` the approximation ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
#
# For `"none"`, compute in float64 and cast the result back to the input's dtype
# (`.astype(a.dtype)`): dividing by √2 and squaring in float32 would add rounding errors of
# several float32 steps in the tail, where exp(-z²) amplifies them. The cost of the
# float64 pass is measured in section 5 (the solution does it in blocks of
# `_GELU_BLOCK` elements so that its temporaries stay small; one pass over the whole array
# is just as correct). For `"tanh"`, compute in the input's dtype; the
# given `np.errstate` lets x³ overflow to ±inf quietly for |x| > 1e12 (tanh(±inf) = ±1 is
# still right).

# %% solution="activations-gelu"
#| export
_SQRT_2 = 1.4142135623730951
_SQRT_2_OVER_PI = 0.7978845608028654
# Exact GELU's float64 pass, block by block: erfc makes about a dozen temporaries, and at
# 16384 elements (128 KiB each) they stay in the CPU's cache and are reused by malloc
# instead of each being a fresh full-size array (24 MiB for a GPT's (12, 64, 512) MLP).
_GELU_BLOCK = 16384


class GELU(Activation):
    """Gaussian Error Linear Unit, x * Phi(x) (torch.nn.GELU, torch.nn.functional.gelu).

    Args:
        approximate: "none" (default) for the exact form through erfc, "tanh" for
            0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))) as in GPT-2.
    """

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"

    def forward(self, input: Tensor) -> Tensor:
        """GELU of each element; keeps float dtypes, ints give float32. Records op "gelu"
        with input (x,) and saves `approximate`.

        TODO: set `data` to GELU of `a` with `self.approximate`.

        APPROACH:
        - "none": `0.5 * a64 * erfc(-a64 / _SQRT_2)` with `a64 = a.astype(np.float64)`,
          then `.astype(a.dtype)`.
        - "tanh": `0.5 * a * (1 + np.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)))`.

        EXAMPLE:
        >>> GELU()(Tensor([-1.0, 0.0, 1.0]))
        Tensor([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)

        HINTS: for a = -1000, erfc(707) is 0 and the result is -0.0: no warning, no nan.
        Write x³ as `a * a * a`: NumPy's `a**3` calls the general power function, about
        100 times slower on float32.
        """
        x = _as_tensor(input, "gelu")
        a = _float_data(x)
        with np.errstate(over="ignore"):
            ### BEGIN SOLUTION
            if self.approximate == "tanh":
                data = 0.5 * a * (1 + np.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)))
            else:
                data = np.empty(a.shape, a.dtype)
                source, target = a.reshape(-1), data.reshape(-1)  # target: a view of data
                for start in range(0, source.size, _GELU_BLOCK):
                    a64 = source[start:start + _GELU_BLOCK].astype(np.float64)
                    target[start:start + _GELU_BLOCK] = 0.5 * a64 * erfc(-a64 / _SQRT_2)
            ### END SOLUTION
        return Tensor.from_op(data, "gelu", (x,), approximate=self.approximate)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU elementwise (torch.nn.functional.gelu): GELU(approximate)(input)."""
    return GELU(approximate)(input)


# %% test="activations-gelu-tests" points=15
def test_gelu_exact_values(run):
    import math

    def gelu_of(data):
        out = GELU()(Tensor(data))
        return type(out).__name__, out.numpy()

    data = np.array([-3.0, -1.0, -0.1, 0.0, 0.5, 2.0], dtype=np.float32)
    exact = [0.5 * float(v) * math.erfc(-float(v) / math.sqrt(2)) for v in data]
    kind, values = run(gelu_of, data)
    assert kind == "Tensor", f"GELU should return a Tensor, got {kind}"
    assert_array(values, exact, dtype="float32", rtol=1e-6, atol=1e-7, what="GELU()(x)")


def test_gelu_tanh_approximation(run):
    def gelu_tanh(data):
        layer = GELU(approximate="tanh")
        return layer(Tensor(data)).numpy(), repr(layer)

    data = np.array([-3.0, -1.0, 0.0, 0.5, 2.0], dtype=np.float32)
    d = data.astype(np.float64)
    expected = 0.5 * d * (1 + np.tanh(np.sqrt(2 / np.pi) * (d + 0.044715 * d**3)))
    values, text = run(gelu_tanh, data)
    assert_array(values, expected, dtype="float32", rtol=1e-6, atol=1e-7,
                 what="GELU(approximate='tanh')(x)")
    assert text == "GELU(approximate='tanh')", f"repr should be PyTorch's, got {text!r}"


run_tests(test_gelu_exact_values, test_gelu_tanh_approximation)
### BEGIN HIDDEN TESTS
def test_gelu_stable_and_accurate_in_the_tail(run):
    import math

    def extremes(approximate):
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            out = GELU(approximate)(Tensor([-1000.0, -8.0, -5.0, 1000.0]))
        return str(out.dtype), out.numpy()

    dtype, values = run(extremes, "none")
    exact = [0.5 * v * math.erfc(-v / math.sqrt(2)) for v in (-1000.0, -8.0, -5.0, 1000.0)]
    assert dtype == "float32", f"GELU of float32 must stay float32, got {dtype}"
    assert_array(values, exact, rtol=1e-6, atol=0,
                 what="GELU at -1000, -8, -5, 1000 (relative error: use erfc, not 1 + erf)")
    dtype, values = run(extremes, "tanh")
    assert dtype == "float32" and values[0] == 0.0 and values[-1] == 1000.0, (
        f"GELU('tanh') at ±1000 should be 0 and 1000 in float32, got {values} ({dtype})"
    )


def test_gelu_dtypes_shapes_errors_and_record(run):
    def variants():
        x = Tensor([1.0], requires_grad=True)
        out = GELU("tanh")(x)
        f64 = GELU()(Tensor(np.array([1.0])))
        return {
            "int": GELU()(Tensor([0, 1])).numpy(),
            "float64": (str(f64.dtype), f64.item()),
            "0-d": GELU()(Tensor(2.0)).shape,
            "empty": GELU("tanh")(Tensor(np.zeros((3, 0), dtype=np.float32))).shape,
            "record": (out.grad_fn.op, dict(out.grad_fn.saved), out.grad_fn.inputs[0] is x),
            "repr": repr(GELU()),
        }

    got = run(variants)
    assert_array(got["int"], [0.0, 0.8413447], dtype="float32", what="GELU of an int tensor")
    dtype, value = got["float64"]
    assert dtype == "float64" and abs(value - 0.8413447460685429) < 1e-7, (
        f"GELU of float64 keeps float64, got {dtype} {value}"
    )
    assert got["0-d"] == () and got["empty"] == (3, 0), "GELU keeps 0-d and empty shapes"
    assert got["record"] == ("gelu", {"approximate": "tanh"}, True), (
        f"GELU records op 'gelu' saving approximate, got {got['record']}"
    )
    assert got["repr"] == "GELU(approximate='none')", f"got {got['repr']!r}"

    def bad_approximate():
        return repr(GELU("fast"))

    with pytest.raises(ValueError, match="approximate"):
        run(bad_approximate)


run_tests(test_gelu_stable_and_accurate_in_the_tail, test_gelu_dtypes_shapes_errors_and_record)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: Softmax along a dim
#
# softmax(x)_i = e^(x_i) / Σ_j e^(x_j) turns a vector of scores (logits) into
# probabilities: positive, summing to 1, largest where the score is largest. It is taken
# **along one dim**: for a batch of logits of shape `(batch, classes)`, `dim=-1` normalizes
# each row. `dim=0` would normalize each column, across the batch, a classic bug.
#
# The naive version is three lines. It overflows as soon as a logit passes 88 in float32:

# %%
def softmax_naive(data: np.ndarray, dim: int = -1) -> np.ndarray:
    """The textbook formula: correct on paper, inf / inf = nan for large logits."""
    e = np.exp(data)
    return e / e.sum(axis=dim, keepdims=True)


logits = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]], dtype=np.float32)
with np.errstate(all="ignore"):
    print("naive softmax:\n", softmax_naive(logits))
shifted = logits - logits.max(axis=-1, keepdims=True)
print("shift by the max, then naive:\n", softmax_naive(shifted))

# %% [markdown]
# Both rows hold the same scores up to a shift, so they must get the same probabilities.
# Subtracting each row's max (section 2.1) fixes it: the largest exponent becomes 0,
# every `exp` is in (0, 1], and the sum is at least 1, so there is no overflow and no
# division by zero.
#
# Write the functional `softmax(input, dim)`. PyTorch's `F.softmax` takes `dim` as an
# argument with no working default (an implicit choice is deprecated because it guessed
# wrong for 3-D inputs), so ours requires it; the layer `Softmax(dim=-1)` passes its own.
# The given code checks `dim` and handles the cases NumPy cannot: a 0-d input (a single
# number: its softmax is 1) and an empty input.

# %% solution="activations-softmax"
#| export
def softmax(input: Tensor, dim: int | None = None, dtype: object = None) -> Tensor:
    """exp(x) / exp(x).sum(dim), stable for any input (torch.nn.functional.softmax).

    Args:
        input: the logits; int and bool tensors give float32.
        dim: the dim to normalize along (required, e.g. -1 for the last).
        dtype: if given, the input is cast to it first (as in PyTorch).

    Records op "softmax" with input (x,) and saves `dim`.

    TODO: set `data` to the softmax of `a` along axis `axis`.

    APPROACH:
    1. Subtract the max along `axis` (`a.max(axis=axis, keepdims=True)`).
    2. `np.exp` of the result.
    3. Divide by its sum along `axis`, with `keepdims=True` so it broadcasts back.

    EXAMPLE:
    >>> softmax(Tensor([[1000.0, 1001.0, 1002.0]]), dim=-1)
    Tensor([[0.09003057, 0.24472848, 0.66524094]], dtype=float32)

    HINTS: without keepdims=True, a (2, 3) array minus its (2,) row maxima does not
    broadcast (or, for square inputs, silently subtracts the wrong numbers).
    """
    x = _as_tensor(input, "softmax")
    if dim is None:
        raise TypeError("softmax() needs dim=: the dim to normalize along, e.g. dim=-1 for "
                        "each row of a (batch, classes) tensor")
    axis = _check_dim(dim, x.ndim, "softmax")
    a = _float_data(x) if dtype is None else x.data.astype(dtype)
    if a.size == 0:
        return Tensor.from_op(a.copy(), "softmax", (x,), dim=dim)
    a = a.reshape(1) if a.ndim == 0 else a  # a single number: softmax along its only "dim"
    with np.errstate(invalid="ignore"):  # a row of -inf gives nan, as in PyTorch
        ### BEGIN SOLUTION
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        data = e / e.sum(axis=axis, keepdims=True)
        ### END SOLUTION
    return Tensor.from_op(data.reshape(x.shape), "softmax", (x,), dim=dim)


class Softmax(Activation):
    """Applies softmax along `dim` (torch.nn.Softmax). No parameters.

    Args:
        dim: the dim whose entries sum to 1. PyTorch's nn.Softmax defaults to None (a
            deprecated implicit choice); ours defaults to -1, the last dim.
    """

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def forward(self, input: Tensor) -> Tensor:
        return softmax(input, dim=self.dim)


# %% test="activations-softmax-tests" points=20
def test_softmax_rows_sum_to_one(run):
    def softmax_rows(data):
        out = Softmax(dim=-1)(Tensor(data))
        return type(out).__name__, out.numpy(), softmax(Tensor(data), dim=1).numpy()

    data = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    e = np.exp(data - data.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    kind, layer, functional = run(softmax_rows, data)
    assert kind == "Tensor", f"Softmax should return a Tensor, got {kind}"
    assert_array(layer, expected, dtype="float32", what="Softmax(dim=-1)(x)")
    assert_array(functional, expected, dtype="float32", what="softmax(x, dim=1)")


def test_softmax_is_stable_for_large_logits(run):
    def large_logits():
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # warnings -> errors
            return softmax(Tensor([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),
                           dim=-1).numpy()

    values = run(large_logits)
    assert_array(values[0], [0.09003057, 0.24472847, 0.66524096], dtype="float32",
                 what="softmax([1000, 1001, 1002]) (subtract the max first)")
    assert_array(values[1], [0.0, 0.0, 1.0], dtype="float32", what="softmax([-1000, 0, 1000])")


def test_softmax_repr_and_dim_errors(run):
    def text():
        return repr(Softmax(dim=1)), repr(Softmax())

    assert run(text) == ("Softmax(dim=1)", "Softmax(dim=-1)"), "repr like PyTorch's"

    def softmax_over(dim):
        return softmax(Tensor(np.ones((2, 3), dtype=np.float32)), dim=dim).shape

    with pytest.raises(IndexError, match="out of range"):
        run(softmax_over, 2)
    assert run(softmax_over, -2) == (2, 3), "softmax over dim -2 keeps the shape"


run_tests(test_softmax_rows_sum_to_one, test_softmax_is_stable_for_large_logits,
          test_softmax_repr_and_dim_errors)
### BEGIN HIDDEN TESTS
def test_softmax_along_dim_0_and_middle_dims(run):
    def along(data, dim):
        return softmax(Tensor(data), dim=dim).numpy()

    rng = np.random.default_rng(1)
    square = rng.standard_normal((3, 3)).astype(np.float32) * 5
    cube = rng.standard_normal((2, 3, 4)).astype(np.float32)
    for data, dim in ((square, 0), (square, 1), (cube, 1), (cube, -3)):
        e = np.exp(data - data.max(axis=dim, keepdims=True))
        expected = e / e.sum(axis=dim, keepdims=True)
        assert_array(run(along, data, dim), expected, dtype="float32", rtol=1e-5,
                     what=f"softmax of shape {data.shape} along dim={dim} (a square input "
                          "catches a max taken along the wrong axis)")


def test_softmax_edge_inputs_and_record(run):
    def edges():
        x = Tensor([[1.0, 2.0]], requires_grad=True)
        out = Softmax(dim=0)(x)
        return {
            "0-d": softmax(Tensor(3.0), dim=0).numpy(),
            "0-d dim=-1": softmax(Tensor(3.0), dim=-1).shape,
            "empty": softmax(Tensor(np.zeros((2, 0), dtype=np.float32)), dim=-1).shape,
            "int": softmax(Tensor([1, 1]), dim=0).numpy(),
            "float64": str(softmax(Tensor(np.array([1.0, 2.0])), dim=0).dtype),
            "-inf": softmax(Tensor([-np.inf, 0.0]), dim=0).numpy(),
            "rows far apart": softmax(Tensor([[0.0, 1.0], [-1000.0, -999.0]]), dim=-1).numpy(),
            "record": (out.grad_fn.op, dict(out.grad_fn.saved), out.grad_fn.inputs[0] is x),
            "dim 0 of a row": out.numpy(),
        }

    got = run(edges)
    assert_array(got["0-d"], np.array(1.0), dtype="float32", what="softmax of a 0-d tensor")
    assert got["0-d dim=-1"] == (), "a 0-d tensor accepts dim=-1 and stays 0-d"
    assert got["empty"] == (2, 0), "softmax of an empty tensor is empty, not an error"
    assert_array(got["int"], [0.5, 0.5], dtype="float32", what="softmax of an int tensor")
    assert got["float64"] == "float64", "softmax keeps float64"
    assert_array(got["-inf"], [0.0, 1.0], what="softmax([-inf, 0])")
    assert_array(got["rows far apart"], [[0.26894142, 0.7310586]] * 2, dtype="float32",
                 what="softmax of rows [0, 1] and [-1000, -999] (subtract each row's own max, "
                      "not the max of the whole tensor)")
    assert got["record"] == ("softmax", {"dim": 0}, True), (
        f"softmax records op 'softmax' and saves dim, got {got['record']}"
    )
    assert_array(got["dim 0 of a row"], [[1.0, 1.0]], what="Softmax(dim=0) of a (1, 2) tensor")

    def without_dim():
        return softmax(Tensor([1.0, 2.0])).shape

    with pytest.raises(TypeError, match="dim"):
        run(without_dim)


run_tests(test_softmax_along_dim_0_and_middle_dims, test_softmax_edge_inputs_and_record)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: a tiny network on real data
#
# A two-layer network on the Iris flowers of module 01: standardize, a linear map to 8
# hidden units, an activation, a linear map to 3 class scores, softmax. The weights are
# random (module 08 trains them), so the probabilities are close to a third each; what
# matters is that your activations run inside a network, on real data, and that the
# probabilities of each flower sum to 1. Module 03 turns the weights into `Linear` layers.

# %%
iris = Tensor([
    [5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2],  # setosa
    [7.0, 3.2, 4.7, 1.4], [6.4, 3.2, 4.5, 1.5],  # versicolor
    [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9],  # virginica
])
mean = iris.mean(axis=0, keepdims=True)
x = (iris - mean) / (((iris - mean) ** 2).mean(axis=0, keepdims=True) ** 0.5)
rng = np.random.default_rng(0)
W1 = Tensor(rng.uniform(-0.5, 0.5, (8, 4)), dtype=np.float32)
W2 = Tensor(rng.uniform(-0.35, 0.35, (3, 8)), dtype=np.float32)
for activation in (ReLU(), Tanh(), GELU()):
    hidden = activation(x @ W1.transpose())
    probabilities = Softmax(dim=-1)(hidden @ W2.transpose())
    sums = probabilities.sum(axis=-1).numpy()
    print(f"{activation!r:26} first flower {np.round(probabilities.numpy()[0], 3)}"
          f"  row sums {sums.min():.6f}..{sums.max():.6f}")

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 What an activation costs per element
#
# Each activation reads every element once and writes one result. Time yours on 4 million
# float32 elements and compare with the cheapest possible elementwise op, your module 01
# `t + t`:

# %%
from tinytorch.core.setup import time_call  # module 00: the fastest of `repeat` calls


N = 4_000_000
big = Tensor(np.random.default_rng(0).standard_normal(N), dtype=np.float32)
rows = big.reshape(4000, 1000)
costs = {
    "t + t (module 01)": time_call(big.__add__, big),
    "relu": time_call(relu, big),
    "sigmoid": time_call(sigmoid, big),
    "tanh": time_call(Tanh(), big),
    "gelu tanh": time_call(GELU("tanh"), big),
    "gelu none (erfc)": time_call(GELU(), big),
    "softmax dim=-1": time_call(Softmax(dim=-1), rows),
}
base = costs["t + t (module 01)"]
print(f"{'op':>18} {'ms':>8} {'ns/element':>11} {'vs t + t':>9}")
for name, seconds in costs.items():
    print(f"{name:>18} {seconds * 1e3:8.2f} {seconds / N * 1e9:11.2f} {seconds / base:8.1f}x")

# %% [markdown]
# ReLU and tanh cost about as much as an addition: they are **memory-bound**, limited by
# moving 4 bytes in and 4 bytes out per element, not by arithmetic (NumPy's `tanh` is a
# SIMD routine). The others create temporaries: every NumPy expression like `1 + e`
# allocates and fills a new full-size array, so `sigmoid` and `erfc` walk memory many
# times. Exact GELU is the most expensive: a float64 copy, nine Horner steps, an `exp`
# and the cast back. Done on the whole array at once, each of those steps would also
# allocate a fresh float64 array twice the input's size; the solution's GELU works through
# blocks of `_GELU_BLOCK` elements, whose temporaries stay in the CPU's cache (about twice
# as fast in a GPT's MLP, and about a MiB of temporaries instead of tens of MiB).
#
# Sigmoid has one more cost, hidden in `np.where`. It picks per element with a branch, and
# with inputs of random sign the CPU mispredicts half of those branches. The same
# `np.where` on a sorted mask (the same number of True values, in order) shows it:

# %%
e_big = np.exp(-np.abs(big.numpy()))
random_mask = big.numpy() >= 0
sorted_mask = np.sort(random_mask)
for name, mask in (("random signs", random_mask), ("sorted mask", sorted_mask)):
    seconds = time_call(np.where, mask, e_big, 1 - e_big)
    print(f"np.where, {name:12}: {seconds * 1e3:6.2f} ms")
select = time_call(lambda: (1 - e_big) + random_mask * (2 * e_big - 1))
print(f"arithmetic select, random: {select * 1e3:6.2f} ms  (a + mask * (b - a): no branch)")

# %% [markdown]
# That is why your `erfc` picks its branch with arithmetic, `r + (x < 0) * (2 - 2 * r)`.
# Timings on a shared machine vary from run to run; `best_of` keeps the fastest of
# several runs, the one least disturbed by other work.
#
# ### 5.2 The loop you did not write
#
# The exact GELU through Python's `math.erf`, one element at a time (`np.vectorize` is a
# Python loop in disguise), on a smaller input:

# %%
small = big.numpy()[:200_000]
exact_gelu = np.vectorize(lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2)))
loop_time = time_call(exact_gelu, small, repeat=2)
small_tensor = Tensor(small)
vector_time = time_call(GELU(), small_tensor)
error = np.abs(GELU()(Tensor(small)).numpy() - exact_gelu(small)).max()
print(f"math.erfc in a loop: {loop_time * 1e3:7.1f} ms "
      f"({loop_time / small.size * 1e9:6.1f} ns/element)")
print(f"your vectorized GELU: {vector_time * 1e3:6.2f} ms  "
      f"({loop_time / vector_time:.0f}x faster), largest difference {error:.1e}")

# %% [markdown]
# ### 5.3 How the cost grows, and where it matters
#
# Activations are linear in the number of elements. A `Linear` layer from `n` to `n`
# features on a batch of `b` costs 2·b·n² FLOPs (module 03), while the activation after it
# touches b·n elements: the matmul grows with n², the activation with n. Time both for a
# growing layer width:

# %%
print(f"{'n':>6} {'matmul ms':>10} {'gelu ms':>9} {'gelu share':>11}")
for n in (64, 256, 1024):
    xb = Tensor(rng.standard_normal((256, n)), dtype=np.float32)
    Wb = Tensor(rng.standard_normal((n, n)), dtype=np.float32)
    matmul_time = time_call(xb.matmul, Wb)
    gelu_time = time_call(GELU(), xb)
    print(f"{n:>6} {matmul_time * 1e3:10.3f} {gelu_time * 1e3:9.3f}"
          f" {gelu_time / (matmul_time + gelu_time):10.0%}")

# %% [markdown]
# The matmul does 2·n FLOPs for every element the activation touches, so as the layer
# widens the matmul's work grows faster than the activation's. Compare with your column:
# BLAS runs a FLOP in a fraction of a nanosecond (on all cores), while your exact GELU
# spends tens of nanoseconds per element in NumPy temporaries, so the activation stays a
# visible share far longer than the FLOP count suggests. In a NumPy framework, elementwise
# code is where time hides. (Small matmuls are also the most sensitive to a busy machine:
# BLAS threads wait for cores.)
#
# At 1000× scale (a transformer's feed-forward block with n in the thousands, on a GPU) the
# matmuls run on dedicated matrix units and the elementwise ops are limited by memory
# bandwidth, so production frameworks **fuse** the activation into the matmul's output step
# (cuBLAS epilogues, `torch.compile`): the pre-activation never makes the round trip
# through memory, and GELU costs almost nothing.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs, using the numbers from
# *your* notebook. Each is worth 10 points.

# %% [markdown] locked="q-activation-cost"
# **Question 1: what an activation costs.** Use your table from section 5.1.
#
# 1. How many nanoseconds per element did ReLU, sigmoid and exact GELU take, and how do
#    they compare with `t + t`? Which of them are memory-bound and which do enough
#    arithmetic to matter? Point to the lines of your code that allocate temporaries.
# 2. From section 5.3: for which layer widths does the activation matter next to the
#    matmul, and why does its share shrink as the layer grows?
# 3. How do production frameworks make the activation nearly free on a GPU?

# %% [markdown] manual="systems-activation-cost" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - Quotes their own ns/element: ReLU close to `t + t` (around 1 ns/element or below on a
#   laptop, memory-bound: 8 bytes moved per element, almost no arithmetic); sigmoid and
#   tanh several times more (an `exp`/`tanh` per element plus temporaries: `np.abs`,
#   `np.exp`, `1 + e`, two divisions and `np.where` each allocate a full array); exact
#   GELU the most (float64 copy, 9 Horner steps, each a temporary, an `exp`, the cast
#   back). Names those lines of their `sigmoid`/`erfc`.
# - Matmul is 2·b·n² FLOPs, the activation b·n elements: the ratio grows with n, so the
#   activation's share falls from tens of percent at n = 64 to a few percent at 1024
#   (their numbers). Narrow layers and small batches are where activations matter.
# - Production: kernel fusion (the activation applied in the matmul's epilogue, cuBLASLt
#   epilogues, `torch.compile`/Triton generating fused kernels), in-place ops
#   (`nn.ReLU(inplace=True)`) to save memory, approximate forms (tanh GELU) or cheap
#   hardware instructions. Bonus: activations must also be *stored* for backward (module
#   06), so their memory, not their FLOPs, limits batch size; activation checkpointing.
#
# 7–8: numbers quoted and memory-bound identified, but no scaling argument or no production
# comparison. 5–6: generic "GELU is slower because it is more complex". 3–4: claims the
# activation dominates wide layers, or confuses FLOPs and bytes. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-stability"
# **Question 2: numerical stability.** Use section 3.6's naive softmax output and your own
# `softmax` and `sigmoid`.
#
# 1. Why did the naive softmax give `nan` for the logits [1000, 1001, 1002]? Why does
#    subtracting the max change nothing mathematically but everything numerically?
# 2. float16 overflows at 65504: at what logit does the naive softmax overflow in float16?
#    What does that mean for mixed-precision training, and what do PyTorch's autocast and
#    loss scaling do about it?
# 3. Module 04 computes cross-entropy from logits. Why do frameworks compute
#    `log_softmax` in one step (and `CrossEntropyLoss` from logits) instead of
#    `log(softmax(x))`? Give an input where `log(softmax(x))` fails.

# %% [markdown] manual="systems-stability" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - exp(1000) overflows float32 (max about 3.4e38, exp overflows past 88.7) to inf, and
#   inf / inf = nan. Subtracting c multiplies numerator and denominator by e^-c, which
#   cancels exactly; with c = max every exponent is ≤ 0 so every exp is in (0, 1] and the
#   denominator is ≥ 1 (no overflow, no division by zero). Cites their own printed `nan`
#   row and the identical probabilities of the shifted rows.
# - float16: exp overflows past ln(65504) ≈ 11.1, so logits above 11 break the naive form
#   (and float16 softmax needs the max trick even more). Autocast runs softmax, log_softmax
#   and losses in float32 (an "autocast to float32" op list) while matmuls run in
#   float16/bfloat16; loss scaling multiplies the loss so small gradients do not underflow
#   in float16, and skips steps with inf/nan gradients. bfloat16 has float32's exponent
#   range, which is why it is preferred.
# - log(softmax(x)) underflows: for x = [0, -1000] softmax gives [1, 0] exactly, and
#   log(0) = -inf (then inf/nan gradients), while log_softmax = x - max - log Σ e^(x - max)
#   = [0, -1000] is exact. The log-sum-exp form is also cheaper (one pass, no division)
#   and has a simpler gradient (softmax - onehot). Bonus: FlashAttention's online softmax
#   keeps a running max for the same reason.
#
# 7–8: explains overflow and the shift, but misses float16 numbers or the log_softmax
# failure case. 5–6: "large numbers overflow" without the cancellation argument. 3–4:
# thinks subtracting the max changes the result, or confuses overflow and underflow.
# 0–2: no attempt.
# ### END SOLUTION

# %% [markdown] locked="q-approximation"
# **Question 3: how accurate is accurate enough?** Section 2.2 compared two ways to
# compute GELU's tail; section 5.2 timed the exact loop against your vectorized GELU.
#
# 1. Your `erfc` has a relative error below 1.2e-7. Why is that the right target for
#    float32, and why would a smaller error buy nothing for float32 outputs?
# 2. Compute GELU(-5) in float32 as `0.5 * x * (1 + erf(x / √2))` with an exact erf (or
#    look at `torch.nn.functional.gelu(torch.tensor(-5.0))` if you have PyTorch: about
#    -1.19e-6 against the exact -1.433e-6). Where does that error come from, and why does
#    it rarely matter for training?
# 3. GPT-2 was trained with the tanh approximation. What happens if you load its weights
#    into a model using the exact GELU? When is an approximation worth its error, and what
#    does your timing from section 5.1 say about the cost difference?

# %% [markdown] manual="systems-approximation" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - float32 stores about 7 significant digits (machine epsilon 1.19e-7, half an ulp
#   ≈ 6e-8 of rounding per operation): any result is already rounded at that level, so an
#   approximation with relative error ~1e-7 is indistinguishable from exact once stored;
#   more terms cost time for nothing. For float64 it would not be enough (epsilon 2.2e-16)
#   and a library would switch to a longer expansion (Cody's rational approximations).
# - 1 + erf(-3.54) = 5.7e-7 is the difference of two numbers near 1: float32 keeps only
#   the bits that differ, a spacing of 6e-8 near 1, so the result has about 10–20%
#   relative error (cancellation), though tiny in absolute terms. It rarely matters since
#   such outputs are ~1e-6 next to activations of order 1, and gradients there are tiny;
#   it matters for relative comparisons and when values are later divided or logged.
#   Computing erfc directly avoids the subtraction.
# - Mismatch: exact vs tanh GELU differ by up to ~1e-3 (around |x| ≈ 2), errors compound
#   through layers, so outputs drift slightly (perplexity barely changes, but bit-exact
#   comparisons and tests fail); match the training configuration (Hugging Face's
#   `gelu_new`). Worth it when speed matters and the model was trained with it: quote their
#   5.1 timing of tanh vs exact GELU; on GPUs with fused kernels the difference mostly
#   disappears.
#
# 7–8: correct on precision and cancellation, weaker on the deployment consequence or
# without their timings. 5–6: "approximations are faster but less accurate" only. 3–4:
# wrong idea of float32 precision (e.g., 1e-38). 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.activations`:
#
# - `relu`, `sigmoid`, `softmax` (`torch.nn.functional.relu`, `sigmoid`, `softmax`; `tanh`
#   and `gelu` are given, calling your layers) and the layers `ReLU`, `Sigmoid`, `Tanh`,
#   `GELU(approximate="none"|"tanh")`, `Softmax(dim=-1)` (`torch.nn.ReLU`, ...), all
#   stable for any finite input, keeping float32 float32, and recording `"relu"`,
#   `"sigmoid"`, `"tanh"`, `"gelu"` (with `approximate`) and `"softmax"` (with `dim`) for
#   module 06.
# - `erfc`, accurate to float32 over its whole range, where NumPy has none.
# - `Activation`, the base class that makes each layer callable and prints like PyTorch.
#
# Checklist:
#
# - [ ] Every test cell prints only ✓ lines (6 cells, 70 points).
# - [ ] Sections 4 and 5 ran, and you read your own numbers.
# - [ ] The three questions are answered with those numbers (30 points).
# - [ ] Export: `tito module export activations`.
#
# **Next: module 03, layers.** `Linear` holds the weights that go between your activations,
# `Module` keeps track of them, and `Sequential(Linear(4, 8), ReLU(), Linear(8, 3))` is a
# network.
