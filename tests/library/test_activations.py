"""`tinytorch.core.activations` against PyTorch CPU (the oracle).

tinygrad style: one helper, :func:`check`, runs the same activation through PyTorch and
TinyTorch on the same data and compares values, shape, dtype and the result type, with
every floating point warning turned into an error (the activations must be stable for
any finite input, ±1e3 included).

Where TinyTorch is deliberately more accurate than PyTorch (exact GELU far
in its negative tail, where torch computes 1 + erf(x/√2) and loses digits to cancellation),
the values are compared with an exact reference (math.erfc) with a relative tolerance.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import pytest

from tinytorch.core.activations import (
    GELU,
    Activation,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    erfc,
    gelu,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from tinytorch.core.tensor import Tensor, set_grad_enabled

oracle = pytest.mark.oracle

F32_RTOL, F32_ATOL = 1e-5, 1e-6
F64_RTOL, F64_ATOL = 1e-7, 1e-12  # our erfc's relative error is 1.2e-7 by design

# Inputs: a spread of magnitudes, both signs, the ±1e3 extremes, and shapes 0-d to 3-D.
RNG = np.random.default_rng(0)
WIDE = np.concatenate([RNG.standard_normal(64) * 4, [-1e3, -100.0, -30.0, -5.0, -1e-8, 0.0,
                                                   1e-8, 5.0, 30.0, 100.0, 1e3]])
SHAPES = {
    "wide": WIDE,
    "0-d": np.array(0.7),
    "empty": np.zeros((0, 4)),
    "matrix": RNG.standard_normal((5, 7)) * 3,
    "3-d": RNG.standard_normal((2, 3, 4)) * 10,
}


@contextmanager
def strict_floats():
    """Every NumPy overflow, invalid operation, division by zero and warning is an error."""
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def check(torch, torch_fn: Callable, tiny_fn: Callable, data: np.ndarray, *,
          dtype: type = np.float32, rtol: float | None = None,
          atol: float | None = None) -> Tensor:
    """Run `torch_fn` on a torch tensor and `tiny_fn` on a Tensor of the same data; compare."""
    data = np.asarray(data, dtype=dtype)
    want = torch_fn(torch.from_numpy(data.copy())).numpy()
    with strict_floats():
        got = tiny_fn(Tensor(data))
    assert isinstance(got, Tensor), f"result is a {type(got).__name__}, expected a Tensor"
    assert got.shape == want.shape, f"shape {got.shape}, torch gives {want.shape}"
    assert got.dtype == want.dtype, f"dtype {got.dtype}, torch gives {want.dtype}"
    precise = np.dtype(dtype) == np.float64
    np.testing.assert_allclose(
        got.data, want,
        rtol=rtol if rtol is not None else F64_RTOL if precise else F32_RTOL,
        atol=atol if atol is not None else F64_ATOL if precise else F32_ATOL,
    )
    assert not np.isnan(got.data).any(), "nan in the output"
    return got


ELEMENTWISE = {
    "relu": (lambda torch: torch.relu, lambda x: relu(x)),
    "ReLU": (lambda torch: torch.nn.ReLU(), lambda x: ReLU()(x)),
    "sigmoid": (lambda torch: torch.sigmoid, lambda x: sigmoid(x)),
    "Sigmoid": (lambda torch: torch.nn.Sigmoid(), lambda x: Sigmoid()(x)),
    "Tanh": (lambda torch: torch.nn.Tanh(), lambda x: Tanh()(x)),
    "tanh": (lambda torch: torch.tanh, lambda x: tanh(x)),
    "gelu-tanh": (lambda torch: lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
                  lambda x: gelu(x, approximate="tanh")),
    "GELU-tanh": (lambda torch: torch.nn.GELU(approximate="tanh"),
                  lambda x: GELU(approximate="tanh")(x)),
}


@oracle
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_float32_matches_torch(torch, name: str, shape: str) -> None:
    torch_fn, tiny_fn = ELEMENTWISE[name]
    check(torch, torch_fn(torch), tiny_fn, SHAPES[shape])


@oracle
@pytest.mark.parametrize("name", ["relu", "sigmoid", "Tanh", "GELU-tanh"])
def test_elementwise_float64_matches_torch(torch, name: str) -> None:
    torch_fn, tiny_fn = ELEMENTWISE[name]
    check(torch, torch_fn(torch), tiny_fn, WIDE, dtype=np.float64, rtol=1e-12)


def _exact_gelu(x: np.ndarray) -> np.ndarray:
    """GELU through Python's correctly rounded math.erfc, in float64: the exact reference."""
    return np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in np.ravel(x)]).reshape(
        np.shape(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exact_gelu_is_float32_accurate_everywhere(dtype: type) -> None:
    """Relative error ~1e-7 over the whole range, the far negative tail included, where
    PyTorch's 0.5 * x * (1 + erf(x / sqrt 2)) cancels to a few digits (float32) or to 0
    (float64, from x < -8.3)."""
    x = WIDE.astype(dtype)
    with strict_floats():
        got = GELU()(Tensor(x))
    assert got.dtype == dtype
    np.testing.assert_allclose(got.data, _exact_gelu(x.astype(np.float64)), rtol=2.5e-7,
                               atol=np.finfo(dtype).smallest_subnormal)


@oracle
def test_exact_gelu_float32_agrees_with_torch(torch) -> None:
    """Against torch's own float32 kernel: equal within its absolute error (cancellation in
    1 + erf: up to about 1e-6 at x near -3 to -5)."""
    check(torch, torch.nn.GELU(), GELU(), WIDE, atol=1e-6)
    check(torch, torch.nn.functional.gelu, gelu, WIDE, atol=1e-6)
    check(torch, torch.nn.GELU(), GELU(), SHAPES["3-d"], atol=1e-6)


@oracle
def test_torch_float32_gelu_is_less_accurate_in_the_tail(torch) -> None:
    """Why the test above needs atol: torch's float32 GELU(-5) is off by about 17%."""
    x = np.array([-5.0], dtype=np.float32)
    exact = _exact_gelu(x.astype(np.float64))
    theirs = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    ours = GELU()(Tensor(x)).data
    assert abs(ours - exact) / abs(exact) < 2e-7 < abs(theirs - exact) / abs(exact)


SOFTMAX_CASES = [
    ("matrix", -1), ("matrix", 0), ("matrix", 1), ("3-d", 1), ("3-d", -3), ("3-d", 2),
    ("wide", 0), ("0-d", 0), ("0-d", -1), ("empty", -1), ("empty", 0),
]


@oracle
@pytest.mark.parametrize(("shape", "dim"), SOFTMAX_CASES)
def test_softmax_matches_torch(torch, shape: str, dim: int) -> None:
    check(torch, lambda t: torch.softmax(t, dim=dim), lambda x: softmax(x, dim=dim),
          SHAPES[shape])
    check(torch, torch.nn.Softmax(dim=dim), Softmax(dim=dim), SHAPES[shape])
    check(torch, lambda t: torch.softmax(t, dim=dim), lambda x: softmax(x, dim=dim),
          SHAPES[shape], dtype=np.float64, rtol=1e-12)


@oracle
def test_softmax_of_huge_logits_matches_torch(torch) -> None:
    logits = np.array([[1e3, 1e3 + 1, 1e3 + 2], [-1e3, 0.0, 1e3], [-1e3, -1e3, -1e3]])
    check(torch, lambda t: torch.softmax(t, dim=-1), lambda x: softmax(x, dim=-1), logits)
    check(torch, lambda t: torch.softmax(t, dim=0), lambda x: softmax(x, dim=0), logits)


@oracle
def test_softmax_dtype_argument_matches_torch(torch) -> None:
    data = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    want = torch.softmax(torch.from_numpy(data), dim=-1, dtype=torch.float64).numpy()
    got = softmax(Tensor(data), dim=-1, dtype=np.float64)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-12)


@oracle
@pytest.mark.parametrize("fn", ["sigmoid", "tanh", "softmax"])
def test_integer_inputs_give_float32_like_torch(torch, fn: str) -> None:
    data = np.array([-2, 0, 3])
    ours = {"sigmoid": sigmoid, "tanh": Tanh(), "softmax": lambda x: softmax(x, dim=0)}[fn]
    theirs = {"sigmoid": torch.sigmoid, "tanh": torch.tanh,
              "softmax": lambda t: torch.softmax(t.float(), dim=0)}[fn]
    check(torch, theirs, ours, data, dtype=np.int64)


@oracle
def test_relu_keeps_integer_dtype_like_torch(torch) -> None:
    check(torch, torch.relu, relu, np.array([-2, 0, 3]), dtype=np.int64)


@oracle
def test_reprs_match_torch(torch) -> None:
    pairs = [(ReLU(), torch.nn.ReLU()), (Sigmoid(), torch.nn.Sigmoid()), (Tanh(), torch.nn.Tanh()),
             (GELU(), torch.nn.GELU()), (GELU("tanh"), torch.nn.GELU(approximate="tanh")),
             (Softmax(dim=1), torch.nn.Softmax(dim=1)), (Softmax(), torch.nn.Softmax(dim=-1))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


@oracle
def test_erfc_matches_torch_special_erfc(torch) -> None:
    x = np.concatenate([np.linspace(-10, 10, 4001), [-1e3, 26.0, 1e3]])
    want = torch.special.erfc(torch.from_numpy(x)).numpy()
    with strict_floats():
        got = erfc(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1.2e-7, atol=1e-300)
    got32 = erfc(x.astype(np.float32))
    assert got32.dtype == np.float32
    # float32 arithmetic: the rounding of z * z in float32, amplified by exp(-z * z), costs
    # up to ~1.5e-5 relative where erfc is below 1e-28; that is why GELU computes in float64
    np.testing.assert_allclose(got32, want.astype(np.float32), rtol=2e-5, atol=1e-37)


# --------------------------------------------------------------------------------------
# the gradient record (module 06 writes the backward rules)
# --------------------------------------------------------------------------------------

RECORDS = [
    (relu, "relu", {}),
    (ReLU(), "relu", {}),
    (sigmoid, "sigmoid", {}),
    (Sigmoid(), "sigmoid", {}),
    (Tanh(), "tanh", {}),
    (GELU(), "gelu", {"approximate": "none"}),
    (GELU("tanh"), "gelu", {"approximate": "tanh"}),
    (lambda x: softmax(x, dim=0), "softmax", {"dim": 0}),
    (Softmax(), "softmax", {"dim": -1}),
]


@pytest.mark.parametrize(("fn", "op", "saved"), RECORDS)
def test_each_activation_records_its_op(fn: Callable, op: str, saved: dict) -> None:
    x = Tensor([[0.5, -1.0]], requires_grad=True)
    out = fn(x)
    assert out.requires_grad
    assert out.grad_fn.op == op
    assert len(out.grad_fn.inputs) == 1 and out.grad_fn.inputs[0] is x
    assert out.grad_fn.saved == saved
    assert fn(Tensor([1.0])).grad_fn is None, "no record for inputs that need no grad"
    previous = set_grad_enabled(False)
    try:
        assert fn(x).grad_fn is None, "no record while recording is off"
    finally:
        set_grad_enabled(previous)


def test_layers_are_parameterless_activations() -> None:
    for layer in (ReLU(), Sigmoid(), Tanh(), GELU(), Softmax()):
        assert isinstance(layer, Activation)
        assert vars(layer).keys() <= {"approximate", "dim"}


def test_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="approximate"):
        GELU("fast")
    with pytest.raises(IndexError, match="out of range"):
        softmax(Tensor(np.ones((2, 3))), dim=2)
    with pytest.raises(TypeError, match="dim"):
        softmax(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="Tensor"):
        relu([1.0, -1.0])


def test_inputs_are_not_modified() -> None:
    data = np.array([[-1.0, 2.0], [1e3, -1e3]], dtype=np.float32)
    x = Tensor(data)
    for fn in (relu, sigmoid, Tanh(), GELU(), GELU("tanh"), Softmax(dim=0)):
        fn(x)
        np.testing.assert_array_equal(x.data, data)
