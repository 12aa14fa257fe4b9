"""`tinytorch.core.autograd` against PyTorch CPU (the oracle) and against finite differences.

In the style of tinygrad's test_ops: one helper, :func:`compare`, runs the same function in
PyTorch and in TinyTorch on the same seeded inputs, checks the forward values, then
backpropagates the same random upstream gradient through both and compares the gradient of
every float input (float32 tolerances). A second helper, :func:`check_numerically`, checks
the same function in float64 twice: with our `gradcheck` (full Jacobians) and with an
independent central-difference gradient of a random projection, written here with NumPy
only, so a bug in `gradcheck` cannot hide a bug in a rule.

Every op of modules 01–04 is covered (the op names of the gradient contract), then
hypothesis property tests of broadcasting gradients, the walk's semantics (accumulation,
retain_graph, freed graphs, errors, no_grad, dtypes, a 10,000-op chain), the Function API
as a later module would use it, and gradcheck itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinytorch.core.activations import GELU, Tanh, relu, sigmoid, softmax
from tinytorch.core.autograd import (
    BACKWARD_RULES,
    Function,
    GradcheckError,
    backward,
    enable_grad,
    gradcheck,
    no_grad,
    topological_order,
    unbroadcast,
)
from tinytorch.core.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    mse_loss,
)
from tinytorch.core.tensor import Tensor, is_grad_enabled, set_grad_enabled

oracle = pytest.mark.oracle


# --------------------------------------------------------------------------------------
# the helpers
# --------------------------------------------------------------------------------------


def rand(*shape: int, seed: int = 0, low: float | None = None,
         high: float | None = None) -> np.ndarray:
    """Seeded float32 data: standard normal, or uniform in [low, high)."""
    rng = np.random.default_rng(seed)
    if low is None:
        return rng.standard_normal(shape).astype(np.float32)
    return rng.uniform(low, high, shape).astype(np.float32)


def _requires_grad(array: np.ndarray) -> bool:
    return array.dtype.kind == "f"


def compare(torch, ours: Callable, theirs: Callable, *arrays: np.ndarray, rtol: float = 1e-5,
            atol: float = 1e-6, grad_rtol: float = 1e-4, grad_atol: float = 1e-5,
            seed: int = 1) -> None:
    """Run `ours` on Tensors and `theirs` on torch tensors made from the same arrays; compare
    the forward values, then the gradients of every float input for the same upstream
    gradient (a seeded random array of the output's shape)."""
    arrays = tuple(np.asarray(a) for a in arrays)
    mine = [Tensor(a, requires_grad=_requires_grad(a)) for a in arrays]
    reference = [torch.tensor(a, requires_grad=_requires_grad(a)) for a in arrays]
    out = ours(*mine)
    expected = theirs(*reference)
    assert out.shape == tuple(expected.shape), f"forward shape {out.shape} vs {expected.shape}"
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward values")

    upstream = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    out.backward(Tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for i, (a, t) in enumerate(zip(mine, reference, strict=True)):
        if not _requires_grad(arrays[i]):
            assert a.grad is None, f"input {i} is not float: it must not get a gradient"
            continue
        assert a.grad is not None, f"input {i} got no gradient"
        assert a.grad.dtype == a.dtype, f"input {i}: grad dtype {a.grad.dtype} vs {a.dtype}"
        assert a.grad.shape == a.shape, f"input {i}: grad shape {a.grad.shape} vs {a.shape}"
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=grad_rtol,
                                   atol=grad_atol, err_msg=f"gradient of input {i}")


def numeric_gradients(ours: Callable, arrays: list[np.ndarray], upstream: np.ndarray,
                      eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences in float64 of sum(ours(*inputs) * upstream), w.r.t. each float
    input: written with NumPy only, independent of gradcheck."""
    def f(values: list[np.ndarray]) -> float:
        with no_grad():
            out = ours(*[Tensor(v) for v in values])
        return float(np.sum(out.numpy().astype(np.float64) * upstream))

    values = [np.array(a) for a in arrays]
    grads = []
    for v in values:
        if not _requires_grad(v):
            grads.append(None)
            continue
        g = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            saved = v[i]
            v[i] = saved + eps
            above = f(values)
            v[i] = saved - eps
            below = f(values)
            v[i] = saved
            g[i] = (above - below) / (2 * eps)
        grads.append(g)
    return grads


def check_numerically(ours: Callable, *arrays: np.ndarray, atol: float = 1e-5,
                      rtol: float = 1e-4) -> None:
    """float64: our gradcheck passes, and backward matches an independent numeric gradient."""
    arrays = [np.asarray(a, dtype=np.float64) if _requires_grad(np.asarray(a))
              else np.asarray(a) for a in arrays]
    tensors = [Tensor(a, requires_grad=_requires_grad(a)) for a in arrays]
    assert gradcheck(ours, tensors, atol=atol, rtol=rtol)

    tensors = [Tensor(a, requires_grad=_requires_grad(a)) for a in arrays]
    out = ours(*tensors)
    upstream = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(Tensor(upstream))
    for t, g in zip(tensors, numeric_gradients(ours, arrays, upstream), strict=True):
        if g is not None:
            np.testing.assert_allclose(t.grad.numpy(), g, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------------------
# every op of modules 01-04: (id, ours, theirs(torch, ...), inputs)
# --------------------------------------------------------------------------------------

def _amax(torch, x, dim=None, keepdim=False):
    return torch.amax(x) if dim is None else torch.amax(x, dim=dim, keepdim=keepdim)


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [5.0, -1.0, 4.0, 5.0]],
                dtype=np.float32)
REPEATED = np.array([0, 2, 0, 0, 1])
MASK = rand(3, 4, seed=9) > 0

CASES = [
    ("add", lambda a, b: a + b, lambda t, a, b: a + b, [rand(3, 4), rand(4, seed=1)]),
    ("add-column-row", lambda a, b: a + b, lambda t, a, b: a + b,
     [rand(3, 1), rand(1, 4, seed=1)]),
    ("add-number", lambda a: 2.5 + a, lambda t, a: 2.5 + a, [rand(2, 3)]),
    ("sub", lambda a, b: a - b, lambda t, a, b: a - b, [rand(2, 3, 4), rand(3, 1, seed=1)]),
    ("rsub", lambda a: 1.0 - a, lambda t, a: 1.0 - a, [rand(3)]),
    ("mul", lambda a, b: a * b, lambda t, a, b: a * b, [rand(2, 1, 3), rand(4, 1, seed=1)]),
    ("mul-same", lambda a: a * a, lambda t, a: a * a, [rand(5)]),
    ("div", lambda a, b: a / b, lambda t, a, b: a / b,
     [rand(3, 4), rand(4, seed=1, low=0.5, high=2.0)]),
    ("rdiv", lambda a: 2.0 / a, lambda t, a: 2.0 / a, [rand(3, low=0.5, high=2.0)]),
    ("pow-number", lambda a: a**3, lambda t, a: a**3, [rand(2, 3)]),
    ("pow-fraction", lambda a: a**0.5, lambda t, a: a**0.5, [rand(4, low=0.5, high=3.0)]),
    ("pow-tensors", lambda a, b: a**b, lambda t, a, b: a**b,
     [rand(3, 2, low=0.5, high=2.0), rand(2, seed=1, low=-1.0, high=2.0)]),
    ("rpow", lambda a: 2.0**a, lambda t, a: 2.0**a, [rand(4)]),
    ("neg", lambda a: -a, lambda t, a: -a, [rand(2, 2)]),
    ("matmul", lambda a, b: a @ b, lambda t, a, b: a @ b, [rand(3, 4), rand(4, 5, seed=1)]),
    ("matmul-vector-right", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [rand(3, 4), rand(4, seed=1)]),
    ("matmul-vector-left", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [rand(4), rand(4, 2, seed=1)]),
    ("matmul-vectors", lambda a, b: a @ b, lambda t, a, b: a @ b, [rand(4), rand(4, seed=1)]),
    ("matmul-batched", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [rand(2, 3, 4), rand(4, 5, seed=1)]),
    ("matmul-batch-broadcast", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [rand(2, 1, 3, 4), rand(3, 4, 2, seed=1)]),
    ("matmul-batched-vector", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [rand(4), rand(2, 4, 3, seed=1)]),
    ("matmul-constant", lambda a: Tensor(rand(2, 3, seed=4)) @ a,
     lambda t, a: t.tensor(rand(2, 3, seed=4)) @ a, [rand(3, 2)]),
    ("sum-all", lambda a: a.sum(), lambda t, a: a.sum(), [rand(2, 3)]),
    ("sum-axis", lambda a: a.sum(axis=1), lambda t, a: a.sum(dim=1), [rand(2, 3, 4)]),
    ("sum-axes-keepdims", lambda a: a.sum(axis=(0, -1), keepdims=True),
     lambda t, a: a.sum(dim=(0, -1), keepdim=True), [rand(2, 3, 4)]),
    ("mean-all", lambda a: a.mean(), lambda t, a: a.mean(), [rand(3, 4)]),
    ("mean-axis", lambda a: a.mean(axis=-1), lambda t, a: a.mean(dim=-1), [rand(2, 5)]),
    ("mean-keepdims", lambda a: a.mean(axis=0, keepdims=True),
     lambda t, a: a.mean(dim=0, keepdim=True), [rand(4, 3)]),
    ("max-all", lambda a: a.max(), lambda t, a: _amax(t, a), [rand(3, 4)]),
    ("max-axis", lambda a: a.max(axis=1), lambda t, a: _amax(t, a, 1), [rand(3, 4)]),
    ("max-ties", lambda a: a.max(axis=1, keepdims=True),
     lambda t, a: _amax(t, a, 1, True), [TIES]),
    ("max-ties-all", lambda a: a.max(), lambda t, a: _amax(t, a), [TIES]),
    ("reshape", lambda a: a.reshape(4, -1), lambda t, a: a.reshape(4, -1), [rand(2, 3, 2)]),
    ("transpose", lambda a: a.transpose(), lambda t, a: a.transpose(-2, -1), [rand(2, 3, 4)]),
    ("transpose-dims", lambda a: a.transpose(0, 2), lambda t, a: a.transpose(0, 2),
     [rand(2, 3, 4)]),
    ("getitem-slice", lambda a: a[1:, ::2], lambda t, a: a[1:, ::2], [rand(3, 4)]),
    ("getitem-int", lambda a: a[1], lambda t, a: a[1], [rand(3, 4)]),
    ("getitem-repeated", lambda a: a[REPEATED], lambda t, a: a[t.tensor(REPEATED)],
     [rand(3, 4)]),
    ("getitem-pairs", lambda a: a[REPEATED, np.array([1, 1, 1, 3, 0])],
     lambda t, a: a[t.tensor(REPEATED), t.tensor([1, 1, 1, 3, 0])], [rand(3, 4)]),
    ("getitem-mask", lambda a: a[MASK], lambda t, a: a[t.tensor(MASK)], [rand(3, 4)]),
    ("getitem-newaxis-ellipsis", lambda a: a[None, ..., 2], lambda t, a: a[None, ..., 2],
     [rand(3, 4)]),
    ("exp", lambda a: a.exp(), lambda t, a: a.exp(), [rand(2, 3)]),
    ("log", lambda a: a.log(), lambda t, a: a.log(), [rand(2, 3, low=0.1, high=3.0)]),
    ("relu", relu, lambda t, a: t.relu(a), [rand(3, 4)]),
    ("sigmoid", sigmoid, lambda t, a: t.sigmoid(a), [rand(3, 4) * 4]),
    ("tanh", lambda a: Tanh()(a), lambda t, a: t.tanh(a), [rand(3, 4) * 2]),
    ("gelu", lambda a: GELU()(a), lambda t, a: t.nn.functional.gelu(a), [rand(3, 4) * 2]),
    ("gelu-tanh", lambda a: GELU(approximate="tanh")(a),
     lambda t, a: t.nn.functional.gelu(a, approximate="tanh"), [rand(3, 4) * 2]),
    ("softmax", lambda a: softmax(a, dim=-1), lambda t, a: t.softmax(a, dim=-1), [rand(3, 5)]),
    ("softmax-dim0", lambda a: softmax(a, dim=0), lambda t, a: t.softmax(a, dim=0),
     [rand(3, 2, 4)]),
    ("log_softmax", lambda a: log_softmax(a, dim=1), lambda t, a: t.log_softmax(a, dim=1),
     [rand(2, 5, 3)]),
    ("bce", lambda p, y: binary_cross_entropy(p, y, reduction="none"),
     lambda t, p, y: t.nn.functional.binary_cross_entropy(p, y, reduction="none"),
     [rand(3, 4, low=0.05, high=0.95), rand(3, 4, seed=1, low=0.0, high=1.0)]),
    ("bce-with-logits", lambda x, y: binary_cross_entropy_with_logits(x, y, reduction="none"),
     lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none"),
     [rand(3, 4) * 3, rand(3, 4, seed=1, low=0.0, high=1.0)]),
    ("cross-entropy", lambda x, y: cross_entropy(x, y),
     lambda t, x, y: t.nn.functional.cross_entropy(x, y),
     [rand(6, 4), np.array([0, 3, 3, 1, 0, 3])]),
    ("cross-entropy-probabilities", lambda x, p: cross_entropy(x, p, reduction="sum"),
     lambda t, x, p: t.nn.functional.cross_entropy(x, p, reduction="sum"),
     [rand(3, 4), np.full((3, 4), 0.25, np.float32)]),
    ("mse", lambda x, y: mse_loss(x, y), lambda t, x, y: t.nn.functional.mse_loss(x, y),
     [rand(4, 3), rand(4, 3, seed=1)]),
    ("linear-layer", lambda x, w, b: x @ w.transpose() + b,
     lambda t, x, w, b: t.nn.functional.linear(x, w, b),
     [rand(5, 3), rand(4, 3, seed=1), rand(4, seed=2)]),
    ("shared-subexpression", lambda a, b: (a * b + a) * (a - b).exp(),
     lambda t, a, b: (a * b + a) * (a - b).exp(), [rand(3), rand(3, seed=1)]),
]


@oracle
@pytest.mark.parametrize(("ours", "theirs", "inputs"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_gradients_match_pytorch(torch, ours, theirs, inputs) -> None:
    compare(torch, ours, lambda *xs: theirs(torch, *xs), *inputs)


# ties are not differentiable points: finite differences see one side only
NUMERIC = [c for c in CASES if not c[0].startswith("max-ties")]


@pytest.mark.parametrize(("ours", "inputs"), [(c[1], c[3]) for c in NUMERIC],
                         ids=[c[0] for c in NUMERIC])
def test_gradients_match_finite_differences(ours, inputs) -> None:
    check_numerically(ours, *inputs)


def test_every_contract_op_has_a_rule() -> None:
    ops = {"add", "sub", "mul", "div", "pow", "neg", "matmul", "sum", "mean", "max",
           "reshape", "transpose", "getitem", "exp", "log", "relu", "sigmoid", "tanh", "gelu",
           "softmax", "log_softmax", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"}
    assert ops <= set(BACKWARD_RULES), sorted(ops - set(BACKWARD_RULES))


def test_max_ties_split_evenly() -> None:
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3] * 3], rtol=1e-6)


def test_getitem_repeated_indices_accumulate() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([2, 2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0])


def test_pow_special_points() -> None:
    x = Tensor([0.0, 0.0, -2.0], requires_grad=True)
    e = Tensor([0.0, 2.0, 3.0], requires_grad=True)
    (x**e).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 12.0])
    assert np.isfinite(e.grad.numpy()[:2]).all() and e.grad.numpy()[0] == 0.0
    assert np.isnan(e.grad.numpy()[2]), "d(a**b)/db at a < 0 is nan, as in PyTorch"


def test_activations_and_losses_stay_finite_at_extremes() -> None:
    x = Tensor([-1e3, -30.0, 0.0, 30.0, 1e3], requires_grad=True)
    (sigmoid(x).sum() + Tanh()(x).sum() + softmax(x, dim=0)[2]
     + binary_cross_entropy_with_logits(x, Tensor(np.ones(5, np.float32)))).backward()
    assert np.isfinite(x.grad.numpy()).all()
    p = Tensor([0.0, 1.0, 0.5], requires_grad=True)
    binary_cross_entropy(p, Tensor([1.0, 0.0, 1.0]), reduction="sum").backward()
    assert np.isfinite(p.grad.numpy()).all(), "BCE at p = 0 and 1 is clamped, as in PyTorch"


@oracle
def test_bce_at_saturated_probabilities_matches_pytorch(torch) -> None:
    compare(torch, lambda p, y: binary_cross_entropy(p, y, reduction="sum"),
            lambda p, y: torch.nn.functional.binary_cross_entropy(p, y, reduction="sum"),
            np.array([0.0, 1.0, 0.5, 1e-8], np.float32),
            np.array([1.0, 0.0, 1.0, 0.0], np.float32), grad_rtol=1e-3)


# --------------------------------------------------------------------------------------
# hypothesis: broadcasting gradients over random shapes
# --------------------------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
}


@oracle
@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(sorted(BINARY)),
       shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       seed=st.integers(0, 2**16))
def test_broadcasting_gradients_match_pytorch(torch, op, shapes, seed) -> None:
    a_shape, b_shape = shapes.input_shapes
    ours, theirs = BINARY[op]
    compare(torch, ours, theirs, rand(*a_shape, seed=seed), rand(*b_shape, seed=seed + 1))


@st.composite
def matmul_shapes(draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shapes of a matmul: 1-D or batched operands, broadcastable batch dims."""
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a_batch, b_batch = batch.input_shapes
    a = (k,) if draw(st.booleans()) and not a_batch else (*a_batch, m, k)
    b = (k,) if draw(st.booleans()) and not b_batch else (*b_batch, k, n)
    return a, b


@oracle
@settings(max_examples=60, deadline=None)
@given(shapes=matmul_shapes(), seed=st.integers(0, 2**16))
def test_matmul_gradients_match_pytorch(torch, shapes, seed) -> None:
    a_shape, b_shape = shapes
    compare(torch, lambda a, b: a @ b, lambda a, b: a @ b,
            rand(*a_shape, seed=seed), rand(*b_shape, seed=seed + 1))


@settings(max_examples=60, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_unbroadcast_inverts_broadcasting(shapes) -> None:
    """unbroadcast(ones of the result, input shape) counts how often each element was used."""
    a_shape, _ = shapes.input_shapes
    result = shapes.result_shape
    counts = unbroadcast(np.ones(result), a_shape)
    assert counts.shape == a_shape
    uses = np.prod(result) / max(np.prod(a_shape), 1) if np.prod(result) else 0
    np.testing.assert_allclose(counts, np.full(a_shape, uses))


# --------------------------------------------------------------------------------------
# the walk: accumulation, freeing, errors, dtypes, depth
# --------------------------------------------------------------------------------------

def test_gradients_accumulate_across_backward_calls() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    grad = x.grad
    (x * x).sum().backward()
    assert x.grad is grad, "backward adds into the existing .grad Tensor"
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_retain_graph_allows_a_second_pass_and_freeing_forbids_it() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        loss.backward()


def test_freed_graph_drops_intermediates() -> None:
    x = Tensor(np.ones((4, 4), np.float32), requires_grad=True)
    hidden = x * 2
    loss = (hidden * hidden).sum()
    fn = loss.grad_fn
    loss.backward()
    assert fn.inputs == () and fn.saved is None
    assert hidden.grad_fn.inputs == (), "every node of the graph is freed, not only the root"
    assert not loss.is_leaf, "a freed node is still not a leaf"


def test_shared_graph_second_loss_raises_after_freeing() -> None:
    x = Tensor([1.0], requires_grad=True)
    shared = x * x
    (shared * 2).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (shared * 3).sum().backward()


def test_backward_errors() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        backward(Tensor([1.0]))
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0, 2.0]) * 2).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="expects a Tensor"):
        backward(np.ones(2))


def test_one_element_non_scalar_and_explicit_gradient() -> None:
    x = Tensor([3.0], requires_grad=True)
    (x * x).backward()  # shape (1,): one element, no gradient needed (as in PyTorch)
    np.testing.assert_allclose(x.grad.numpy(), [6.0])
    y = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, -1.0], np.float32)
    (y * 4).backward(seed)
    np.testing.assert_allclose(y.grad.numpy(), [4.0, -4.0])
    np.testing.assert_array_equal(seed, [1.0, -1.0])  # the caller's gradient is not modified


def test_leaf_backward_and_retain_grad() -> None:
    x = Tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    b.retain_grad()
    c = b * b
    c.retain_grad()
    c.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(c.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(a.grad.numpy(), [18.0, 36.0])
    d = a * 2
    d.sum().backward()
    assert d.grad is None, "a non-leaf without retain_grad keeps no .grad"


def test_gradients_own_their_memory() -> None:
    """.grad takes the walk's fresh arrays without a copy, but never shares memory with
    another .grad, the caller's gradient, an input or what a Function keeps."""
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    seed = np.ones(2, np.float32)
    (a + b).backward(seed)  # add's rule returns the same array for both inputs
    (a * 1.0 + b * 1.0).sum().backward()  # and here the walk's own array, twice
    grads = [a.grad.data, b.grad.data, seed]
    for i, first in enumerate(grads):
        for second in grads[i + 1:]:
            assert not np.shares_memory(first, second)
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])
    leaf = Tensor([5.0, 6.0], requires_grad=True)
    leaf.backward(seed)
    assert not np.shares_memory(leaf.grad.data, seed)
    x = Tensor([1.0, 2.0], requires_grad=True)
    kept = x.reshape(2, 1)
    kept.retain_grad()
    kept.sum().backward()
    assert not np.shares_memory(x.grad.data, kept.grad.data)
    assert x.grad.data.flags.writeable and kept.grad.data.flags.writeable

    class KeepsItsGradient(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.gradient = np.full(x.shape, 7.0, np.float32)
            return x.copy()

        @staticmethod
        def backward(ctx, grad):
            return ctx.gradient

    y = Tensor([1.0, 2.0], requires_grad=True)
    out = KeepsItsGradient.apply(y)
    kept_array = out.grad_fn.saved["ctx"].gradient
    out.sum().backward()
    y.grad.data += 1  # in place: must not reach the Function's array
    np.testing.assert_array_equal(kept_array, [7.0, 7.0])
    np.testing.assert_allclose(y.grad.numpy(), [8.0, 8.0])


def test_gradients_take_the_layout_of_their_tensor() -> None:
    """Linear's x @ weight.T gives a C-ordered weight.grad (the optimizer's update is then
    not strided), taken over without a copy; an F-ordered leaf gets an F-ordered grad."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 4)).astype(np.float32))
    weight = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    (x @ weight.transpose()).sum().backward()
    assert weight.grad.data.flags.c_contiguous and weight.grad.data.flags.owndata is False
    np.testing.assert_allclose(weight.grad.numpy(), np.ones((5, 3)).T @ x.numpy(), rtol=1e-5)
    fortran = Tensor(np.asfortranarray(rng.standard_normal((3, 4))).astype(np.float32),
                     requires_grad=True)
    (fortran * 2.0).sum().backward()
    assert fortran.data.flags.f_contiguous and not fortran.data.flags.c_contiguous
    assert fortran.grad.data.flags.f_contiguous


def test_int_and_constant_inputs_get_no_gradient() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    ints = Tensor([3, 4])
    constant = Tensor([5.0, 6.0])
    (x * ints + constant).sum().backward()
    assert ints.grad is None and constant.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    with pytest.raises(TypeError, match="floating point"):
        Tensor([1, 2], requires_grad=True)


def test_gradient_dtypes_follow_the_inputs() -> None:
    w = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    x = Tensor(np.array([3.0, 4.0], np.float64), requires_grad=True)
    out = (w * x).sum()
    assert out.dtype == np.float64
    out.backward()
    assert w.grad.dtype == np.float32 and x.grad.dtype == np.float64
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0])


def test_a_chain_of_10000_ops() -> None:
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    assert len(topological_order(y)) == 20_001
    y.backward()
    assert math.isclose(x.grad.item(), 1.0001**10_000, rel_tol=1e-2)


def test_topological_order_puts_users_before_inputs() -> None:
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    z = y + x
    w = z * y
    order = topological_order(w)
    position = {id(t): i for i, t in enumerate(order)}
    assert len(order) == 4
    for t in order:
        for parent in (t.grad_fn.inputs if t.grad_fn else ()):
            if not parent.requires_grad:
                assert id(parent) not in position, "constants are not part of the walk"
                continue
            assert position[id(t)] < position[id(parent)]


def test_unknown_op_names_its_fix() -> None:
    x = Tensor([1.0], requires_grad=True)
    out = Tensor.from_op(x.data * 2, "frobnicate", (x,))
    with pytest.raises(NotImplementedError, match=r"frobnicate.*backward_rule"):
        out.sum().backward()


# --------------------------------------------------------------------------------------
# no_grad / enable_grad
# --------------------------------------------------------------------------------------

def test_no_grad_and_enable_grad() -> None:
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not (x * 2).requires_grad
        with enable_grad():
            assert (x * 2).requires_grad
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_grad_modes_as_decorators_and_after_exceptions() -> None:
    @no_grad()
    def with_parentheses(t):
        return t * 2

    @no_grad
    def without(t):
        return t * 2

    x = Tensor([1.0], requires_grad=True)
    assert not with_parentheses(x).requires_grad and not without(x).requires_grad
    assert without.__name__ == "without"
    with pytest.raises(ValueError), no_grad():
        raise ValueError
    assert is_grad_enabled()
    previous = set_grad_enabled(False)
    try:
        with no_grad():
            pass
        assert not is_grad_enabled(), "no_grad restores the previous mode, not True"
        with enable_grad():
            assert (x * 2).requires_grad
    finally:
        set_grad_enabled(previous)


def test_same_no_grad_object_nests() -> None:
    guard = no_grad()
    with guard:
        with guard:
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


# --------------------------------------------------------------------------------------
# Function: how modules 09+ add ops, defined here without touching module 06's files
# --------------------------------------------------------------------------------------

class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (2 * x * grad,)


class Conv1dValid(Function):
    """A 1-D 'valid' cross-correlation of a (N, L) signal with a (K,) kernel, plus a bias:
    the shape of module 09's Conv2d as a Function, with a keyword option."""

    @staticmethod
    def forward(ctx, x, kernel, bias, *, scale=1.0):
        windows = np.lib.stride_tricks.sliding_window_view(x, kernel.shape[0], axis=1)
        ctx.save_for_backward(windows, kernel)
        ctx.scale, ctx.length = scale, x.shape[1]
        return scale * (windows @ kernel) + bias

    @staticmethod
    def backward(ctx, grad):
        windows, kernel = ctx.saved_tensors
        scaled = ctx.scale * grad
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = np.zeros((grad.shape[0], ctx.length), dtype=grad.dtype)
            for j in range(kernel.shape[0]):
                grad_x[:, j:j + grad.shape[1]] += scaled * kernel[j]
        grad_kernel = None
        if ctx.needs_input_grad[1]:
            grad_kernel = np.einsum("nlk,nl->k", windows, scaled)
        return grad_x, grad_kernel, grad.sum(axis=(0, 1))


def test_function_square_records_and_backpropagates() -> None:
    x = Tensor([1.0, -3.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.op is Square and y.grad_fn.inputs == (x,)
    assert "ctx" in y.grad_fn.saved
    (y * Tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -12.0])
    assert gradcheck(Square.apply, Tensor([0.3, -1.2], requires_grad=True))


@oracle
def test_function_conv_matches_pytorch(torch) -> None:
    x, kernel, bias = rand(2, 7), rand(3, seed=1), rand(seed=2)
    compare(torch, lambda a, k, b: Conv1dValid.apply(a, k, b, scale=0.5),
            lambda a, k, b: 0.5 * torch.nn.functional.conv1d(a[:, None], k[None, None])[:, 0]
            + b, x, kernel, bias)
    check_numerically(lambda a, k, b: Conv1dValid.apply(a, k, b, scale=0.5), x, kernel, bias)


def test_function_needs_input_grad_and_non_tensor_arguments() -> None:
    seen = []

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen.append((ctx.needs_input_grad, is_grad_enabled(), type(x).__name__))
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None

    x = Tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert seen[0] == ((True, False), False, "ndarray")
    assert not Scale.apply(Tensor([1.0]), 2.0).requires_grad
    with no_grad():
        assert not Scale.apply(x, 2.0).requires_grad


def test_function_errors() -> None:
    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (np.ones(3),)

    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradients, expected 2"):
        WrongCount.apply(x, x).sum().backward()
    with pytest.raises(NotImplementedError, match="backward"):
        NoBackward.apply(x).sum().backward()
    class TwoOutputs(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

    with pytest.raises(TypeError, match="one output"):
        TwoOutputs.apply(x)
    with pytest.raises(RuntimeError, match=r"shape \(3,\) does not sum to .* \(2,\)"):
        WrongShape.apply(Tensor([1.0, 2.0], requires_grad=True)).sum().backward()


def test_function_graph_is_freed() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = Square.apply(x).sum()
    node = loss.grad_fn.inputs[0].grad_fn
    loss.backward()
    assert node.saved is None, "the ctx (and what it saved) is dropped after backward"
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


# --------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------

class WrongSquare(Square):
    """Square with the derivatives of its last column off by one."""

    @staticmethod
    def backward(ctx, grad):
        (right,) = Square.backward(ctx, grad)
        right[..., -1] += grad[..., -1]
        return (right,)


def test_gradcheck_raises_naming_the_worst_element() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"mismatch for output 0 with respect to input 0"
                                             r".*in\[0, 1\] is 5 by backward but 4.*2 of 16"):
        gradcheck(WrongSquare.apply, x)
    assert issubclass(GradcheckError, RuntimeError)
    assert gradcheck(WrongSquare.apply, x, raise_exception=False) is False
    assert x.grad is None and x.dtype == np.float32, "gradcheck works on float64 copies"


def test_gradcheck_multiple_outputs_and_non_tensor_arguments() -> None:
    a = Tensor([0.5, 1.5], requires_grad=True)
    b = Tensor([[1.0, -2.0]], requires_grad=True)
    assert gradcheck(lambda x, y, k: (x * y * k, (x.exp() + y).sum()), (a, b, 3.0))
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * 2, Tensor([1.0]))


def test_gradcheck_uses_float64_and_central_differences() -> None:
    # x**3 at 1: a one-sided difference with eps 1e-3 is off by 3e-3, over tolerance
    x = Tensor([1.0], requires_grad=True)
    assert gradcheck(lambda t: t**3, x, eps=1e-3, atol=1e-5, rtol=1e-5)
