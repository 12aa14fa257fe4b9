"""`tinytorch.core.losses` against PyTorch CPU (the oracle).

In the style of tinygrad's test_ops: one helper, :func:`check_loss`, runs the same call
through ``torch.nn.functional`` and TinyTorch on the same seeded inputs and compares values,
shapes, dtypes and the gradient of the input (through module 06's backward rules); float64
finite differences (module 06's ``gradcheck``) check the gradients of inputs and targets.

Where TinyTorch intentionally differs from PyTorch, the test says so:

- a target of another shape than the input is an error (PyTorch warns and broadcasts);
- class targets of any integer dtype are accepted (PyTorch wants int64);
- int inputs are computed in float32, like ``Tensor.exp`` (PyTorch refuses them);
- ``weight``, ``ignore_index``, ``label_smoothing`` and ``pos_weight`` do not exist.

Tests that need torch take the session fixture ``torch`` and are marked ``oracle``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinytorch.core import losses
from tinytorch.core.autograd import gradcheck
from tinytorch.core.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    mse_loss,
    nll_loss,
)
from tinytorch.core.tensor import Tensor

oracle = pytest.mark.oracle

REDUCTIONS = ("mean", "sum", "none")
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
TOLERANCE = {F32: (1e-5, 1e-5), F64: (1e-10, 1e-10)}


# --------------------------------------------------------------------------------------
# the helper
# --------------------------------------------------------------------------------------


def rand(shape: tuple[int, ...], dtype: Any = np.float32, *, scale: float = 1.0,
         seed: int = 0) -> np.ndarray:
    """Seeded standard-normal data of `shape`, times `scale`."""
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale, dtype)


def probabilities(shape: tuple[int, ...], dtype: Any = np.float32, seed: int = 1) -> np.ndarray:
    """Seeded values in (0, 1)."""
    return np.asarray(np.random.default_rng(seed).uniform(0.02, 0.98, shape), dtype)


def class_distribution(shape: tuple[int, ...], dim: int, seed: int = 2) -> np.ndarray:
    """Seeded rows that sum to 1 along `dim`, float32."""
    raw = np.random.default_rng(seed).uniform(0.0, 1.0, shape)
    return (raw / raw.sum(axis=dim, keepdims=True)).astype(np.float32)


def labels(shape: tuple[int, ...], classes: int, dtype: Any = np.int64,
           seed: int = 3) -> np.ndarray:
    """Seeded integer class indices in [0, classes)."""
    return np.asarray(np.random.default_rng(seed).integers(0, classes, shape), dtype)


def check_loss(torch, tiny_fn: Callable, torch_fn: Callable, input: np.ndarray,
               target: np.ndarray, *, rtol: float | None = None, atol: float | None = None,
               grad: bool = True, **kwargs: Any) -> Tensor:
    """Run `fn(input, target, **kwargs)` through TinyTorch and PyTorch and compare.

    The values, shape and dtype of the loss must match torch's (torch gets integer targets
    as int64, its only class-index dtype). With `grad`, the gradient of the loss with respect
    to the input (backward from a seeded random upstream gradient of the loss's shape) must
    match too. The inputs must not be changed by the call.
    """
    originals = (input.copy(), target.copy())
    torch_input = torch.from_numpy(input.copy()).requires_grad_(grad)
    torch_target = torch.from_numpy(target.astype(np.int64) if target.dtype.kind in "iu"
                                    else target.copy())
    want = torch_fn(torch_input, torch_target, **kwargs)

    tiny_input = Tensor(input, requires_grad=grad)
    got = tiny_fn(tiny_input, Tensor(target), **kwargs)

    assert isinstance(got, Tensor), f"result is a {type(got).__name__}, expected a Tensor"
    assert got.shape == tuple(want.shape), f"shape {got.shape}, torch gives {tuple(want.shape)}"
    want_values = want.detach().numpy()
    assert got.dtype == want_values.dtype, f"dtype {got.dtype}, torch gives {want_values.dtype}"
    default_rtol, default_atol = TOLERANCE[np.dtype(got.dtype)]
    np.testing.assert_allclose(got.data, want_values, rtol=rtol or default_rtol,
                               atol=atol or default_atol, err_msg="loss differs from PyTorch")
    np.testing.assert_array_equal(input, originals[0], err_msg="the input was changed")
    np.testing.assert_array_equal(target, originals[1], err_msg="the target was changed")

    if grad:
        upstream = rand(tuple(want.shape), want_values.dtype, seed=9)
        want.backward(torch.from_numpy(upstream))
        got.backward(Tensor(upstream))
        expected = torch_input.grad.numpy()
        assert tiny_input.grad is not None, "no gradient reached the input"
        assert np.isfinite(tiny_input.grad.data).all() == np.isfinite(expected).all()
        np.testing.assert_allclose(tiny_input.grad.data, expected, rtol=rtol or default_rtol,
                                   atol=atol or default_atol,
                                   err_msg="input gradient differs from PyTorch")
    return got


def graph_ops(tensor: Tensor) -> list[str]:
    """The op names of every record in `tensor`'s graph, sorted."""
    ops, stack, seen = [], [tensor.grad_fn], set()
    while stack:
        record = stack.pop()
        if record is None or id(record) in seen:
            continue
        seen.add(id(record))
        ops.append(record.op)
        stack.extend(t.grad_fn for t in record.inputs)
    return sorted(ops)


# --------------------------------------------------------------------------------------
# forward (and, with module 06, gradients) against PyTorch
# --------------------------------------------------------------------------------------


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_mse_loss(torch, shape, reduction, dtype):
    check_loss(torch, mse_loss, torch.nn.functional.mse_loss, rand(shape, dtype),
               rand(shape, dtype, seed=1), reduction=reduction)


@oracle
@pytest.mark.parametrize(("shape", "dim"), [
    ((5,), 0), ((5,), -1), ((4, 3), 0), ((4, 3), 1), ((4, 3), -1), ((2, 3, 4), 1),
    ((2, 3, 4), -3), ((1, 1), -1),
], ids=str)
@pytest.mark.parametrize("scale", [1.0, 1e3, 1e4])
def test_log_softmax(torch, shape, dim, scale):
    x = rand(shape, scale=scale)
    got = check_loss(torch, lambda t, _, **kw: log_softmax(t, **kw),
                     lambda t, _, **kw: torch.nn.functional.log_softmax(t, **kw),
                     x, np.zeros(0, np.float32), dim=dim, rtol=1e-5, atol=1e-5 * scale)
    assert np.isfinite(got.data).all()


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), [
    ((3,), ()), ((4, 3), (4,)), ((2, 5, 3), (2, 3)), ((2, 4, 2, 3), (2, 2, 3)), ((1, 1), (1,)),
], ids=str)
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_cross_entropy_class_indices(torch, shape, target_shape, reduction, scale):
    classes = shape[0] if len(shape) == 1 else shape[1]
    got = check_loss(torch, cross_entropy, torch.nn.functional.cross_entropy,
                     rand(shape, scale=scale), labels(target_shape, classes),
                     reduction=reduction, rtol=1e-5, atol=1e-5 * scale)
    assert np.isfinite(got.data).all()


@oracle
@pytest.mark.parametrize("target_dtype", [np.int32, np.int16, np.uint8, np.int64],
                         ids=lambda d: np.dtype(d).name)
def test_cross_entropy_accepts_every_integer_target_dtype(torch, target_dtype):
    check_loss(torch, cross_entropy, torch.nn.functional.cross_entropy, rand((6, 4)),
               labels((6,), 4, target_dtype))


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "dim"), [((3,), 0), ((4, 3), 1), ((2, 5, 3), 1)], ids=str)
def test_cross_entropy_class_probabilities(torch, shape, dim, reduction):
    check_loss(torch, cross_entropy, torch.nn.functional.cross_entropy, rand(shape, scale=3.0),
               class_distribution(shape, dim), reduction=reduction)


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), [((3,), ()), ((4, 3), (4,)),
                                                     ((2, 5, 3), (2, 3))], ids=str)
def test_nll_loss(torch, shape, target_shape, reduction):
    dim = 0 if len(shape) == 1 else 1
    x = rand(shape)
    logp = x - np.log(np.exp(x).sum(axis=dim, keepdims=True))
    check_loss(torch, nll_loss, torch.nn.functional.nll_loss, logp.astype(np.float32),
               labels(target_shape, shape[dim]), reduction=reduction)


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (6,), (3, 4)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_binary_cross_entropy(torch, shape, reduction, dtype):
    target = np.asarray(probabilities(shape, seed=4) > 0.5, dtype)
    check_loss(torch, binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
               probabilities(shape, dtype), target, reduction=reduction)


@oracle
def test_binary_cross_entropy_soft_targets(torch):
    check_loss(torch, binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
               probabilities((5, 2)), probabilities((5, 2), seed=7), reduction="none")


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_at_exactly_zero_and_one(torch, reduction):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3], np.float32)
    # torch's gradient at p = 0 or 1 divides by max(p (1 - p), 1e-12): 1e12-sized values
    got = check_loss(torch, binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
                     p, y, reduction=reduction, rtol=1e-5)
    assert np.isfinite(got.data).all()


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (6,), (3, 4)], ids=str)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_binary_cross_entropy_with_logits(torch, shape, reduction, scale):
    got = check_loss(torch, binary_cross_entropy_with_logits,
                     torch.nn.functional.binary_cross_entropy_with_logits,
                     rand(shape, scale=scale), probabilities(shape, seed=5),
                     reduction=reduction, rtol=1e-5, atol=1e-5 * scale)
    assert np.isfinite(got.data).all()


@oracle
def test_binary_cross_entropy_with_logits_float64(torch):
    check_loss(torch, binary_cross_entropy_with_logits,
               torch.nn.functional.binary_cross_entropy_with_logits,
               rand((4, 2), np.float64, scale=50.0), np.ones((4, 2)))


@oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "input", "target"), [
    ("MSELoss", rand((4, 3)), rand((4, 3), seed=1)),
    ("CrossEntropyLoss", rand((4, 3)), labels((4,), 3)),
    ("NLLLoss", -probabilities((4, 3)), labels((4,), 3)),
    ("BCELoss", probabilities((4, 3)), probabilities((4, 3), seed=6)),
    ("BCEWithLogitsLoss", rand((4, 3)), probabilities((4, 3), seed=6)),
])
def test_loss_classes(torch, name, input, target, reduction):
    ours, theirs = getattr(losses, name)(reduction=reduction), getattr(torch.nn, name)(
        reduction=reduction)
    check_loss(torch, lambda i, t: ours(i, t), lambda i, t: theirs(i, t), input, target)
    assert ours.reduction == reduction
    assert repr(ours) == f"{name}(reduction={reduction!r})"


# --------------------------------------------------------------------------------------
# dtypes and the gradient record (what module 06 relies on)
# --------------------------------------------------------------------------------------


def test_float32_is_kept_whatever_the_target_came_as():
    x32 = Tensor([[0.2, 0.7], [0.9, 0.4]])
    target64 = np.array([[0.0, 1.0], [1.0, 0.0]])  # float64
    for fn in (mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy):
        for reduction in REDUCTIONS:
            assert fn(x32, target64, reduction=reduction).dtype == F32, fn.__name__
    assert mse_loss(x32, [[0, 1], [1, 0]]).dtype == F32
    assert cross_entropy(Tensor(np.zeros((2, 3), np.float64)), [0, 1]).dtype == F64


def test_int_inputs_are_computed_in_float32():
    # PyTorch refuses integer logits; we follow Tensor.exp's int -> float32 rule instead
    assert log_softmax(Tensor([1, 2, 3])).dtype == F32
    assert cross_entropy(Tensor([[1, 2, 3]]), [2]).dtype == F32
    assert mse_loss(Tensor([1, 2]), Tensor([1, 4])).item() == 2.0


def test_log_softmax_records_its_op_with_a_non_negative_dim():
    x = Tensor(rand((2, 3, 4)), requires_grad=True)
    for dim, saved in ((-1, 2), (1, 1), (-3, 0)):
        record = log_softmax(x, dim).grad_fn
        assert record.op == "log_softmax"
        assert record.saved == {"dim": saved}
        assert len(record.inputs) == 1 and record.inputs[0] is x


@pytest.mark.parametrize(("fn", "op"), [
    (binary_cross_entropy, "binary_cross_entropy"),
    (binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits"),
])
def test_binary_losses_record_input_and_target(fn, op):
    x = Tensor(probabilities((3, 2)), requires_grad=True)
    loss = fn(x, np.ones((3, 2)), reduction="none")
    assert loss.grad_fn.op == op and loss.grad_fn.saved == {}
    first, target = loss.grad_fn.inputs
    assert first is x
    assert target.dtype == F32 and not target.requires_grad
    np.testing.assert_array_equal(target.data, np.ones((3, 2)))
    assert graph_ops(fn(x, np.ones((3, 2)))) == sorted([op, "mean"])
    assert graph_ops(fn(x, np.ones((3, 2)), reduction="sum")) == sorted([op, "sum"])


def test_compositions_use_only_module_01_ops_and_log_softmax():
    x = Tensor(rand((4, 3)), requires_grad=True)
    assert graph_ops(cross_entropy(x, labels((4,), 3))) == [
        "getitem", "log_softmax", "mean", "neg"]
    assert graph_ops(cross_entropy(x, labels((4,), 3), reduction="none")) == [
        "getitem", "log_softmax", "neg"]
    assert graph_ops(cross_entropy(x, class_distribution((4, 3), 1), reduction="sum")) == [
        "log_softmax", "mul", "neg", "sum", "sum"]
    assert graph_ops(mse_loss(x, rand((4, 3), seed=1))) == ["mean", "pow", "sub"]
    # the getitem picks (np.arange(N), target), the contract module 06's rule is written for
    target = labels((4,), 3)
    picked = cross_entropy(x, target, reduction="none").grad_fn.inputs[0].grad_fn
    assert picked.op == "getitem"
    rows, columns = picked.saved["index"]
    np.testing.assert_array_equal(rows, np.arange(4))
    np.testing.assert_array_equal(columns, target)


def test_nothing_is_recorded_without_requires_grad():
    assert cross_entropy(Tensor(rand((4, 3))), labels((4,), 3)).grad_fn is None
    assert binary_cross_entropy(Tensor(probabilities((3,))), np.ones(3)).grad_fn is None


# --------------------------------------------------------------------------------------
# errors: what is wrong and how to fix it
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda r: mse_loss(Tensor([1.0]), Tensor([0.0]), reduction=r),
    lambda r: cross_entropy(Tensor([[1.0, 0.0]]), [0], reduction=r),
    lambda r: cross_entropy(Tensor([[1.0, 0.0]]), [[0.5, 0.5]], reduction=r),
    lambda r: nll_loss(Tensor([[-1.0, -0.5]]), [0], reduction=r),
    lambda r: binary_cross_entropy(Tensor([0.5]), Tensor([1.0]), reduction=r),
    lambda r: binary_cross_entropy_with_logits(Tensor([0.5]), Tensor([1.0]), reduction=r),
    lambda r: MSELoss(reduction=r),
    lambda r: CrossEntropyLoss(reduction=r),
    lambda r: NLLLoss(reduction=r),
    lambda r: BCELoss(reduction=r),
    lambda r: BCEWithLogitsLoss(reduction=r),
])
@pytest.mark.parametrize("reduction", ["avg", "Mean", None, 1])
def test_unknown_reduction(call, reduction):
    with pytest.raises(ValueError, match=r"reduction=.* is not valid: use 'mean'.*'sum'.*'none'"):
        call(reduction)


def test_reduction_is_keyword_only_as_it_is_in_practice():
    with pytest.raises(TypeError):
        MSELoss("sum")
    with pytest.raises(TypeError):
        mse_loss(Tensor([1.0]), Tensor([0.0]), "sum")


@pytest.mark.parametrize("fn", [mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits])
def test_target_of_another_shape_is_refused(fn):
    # PyTorch only warns, then broadcasts (N, 1) against (N,) into an (N, N) loss
    with pytest.raises(ValueError, match=r"target shape \(3,\) differs from input shape "
                                         r"\(3, 1\).*reshape"):
        fn(Tensor(probabilities((3, 1))), Tensor(probabilities((3,))))


def test_float_class_targets_say_how_to_fix_them():
    x = Tensor(rand((4, 3)))
    with pytest.raises(TypeError, match=r"dtype float32 and shape \(4,\).*integers of shape "
                                        r"\(4,\).*astype\(np.int64\).*probability targets.*"
                                        r"\(4, 3\)"):
        cross_entropy(x, np.array([0.0, 1.0, 2.0, 1.0], np.float32))
    with pytest.raises(TypeError, match="integers"):
        nll_loss(x, np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="dtype bool"):
        cross_entropy(x, np.array([True, False, True, False]))


@pytest.mark.parametrize("bad", [3, -1, 100])
def test_class_target_out_of_range(bad):
    with pytest.raises(IndexError, match=rf"target {bad} is out of range for 3 classes: "
                                         r"class indices must be in \[0, 3\)"):
        cross_entropy(Tensor(rand((2, 3))), [0, bad])
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        CrossEntropyLoss()(Tensor(rand((3,))), np.array(bad))


def test_class_target_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"target shape \(3,\) does not fit input shape "
                                         r"\(2, 3\): expected \(2,\)"):
        cross_entropy(Tensor(rand((2, 3))), [0, 1, 2])
    with pytest.raises(ValueError, match=r"expected \(\)"):
        cross_entropy(Tensor(rand((3,))), [1])
    with pytest.raises(ValueError, match="0-d"):
        cross_entropy(Tensor(1.0), np.array(0))
    one_hot = np.eye(3, dtype=np.int64)[[0, 2]]
    with pytest.raises(ValueError, match=r"argmax\(axis=1\), or the one-hot rows as floats"):
        cross_entropy(Tensor(rand((2, 3))), one_hot)
    with pytest.raises(ValueError, match=r"argmax\(axis=1\)$"):
        nll_loss(Tensor(rand((2, 3))), one_hot)


def test_probabilities_outside_zero_one():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*with_logits"):
        binary_cross_entropy(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BCELoss()(Tensor([float("nan")]), Tensor([1.0]))


def test_log_softmax_dim_out_of_range():
    with pytest.raises(IndexError, match=r"dim 2 is out of range.*from -2 to 1"):
        log_softmax(Tensor(rand((2, 3))), dim=2)
    with pytest.raises(ValueError, match="0-d"):
        log_softmax(Tensor(1.0))


# --------------------------------------------------------------------------------------
# numerical behaviour without the oracle
# --------------------------------------------------------------------------------------


def test_stability_at_plus_minus_1e4():
    x = Tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    np.testing.assert_allclose(log_softmax(x).data, [[0, -2e4, -1e4], [-np.log(3)] * 3],
                               rtol=1e-6)
    np.testing.assert_allclose(cross_entropy(x, [1, 2], reduction="none").data,
                               [2e4, np.log(3)], rtol=1e-6)
    np.testing.assert_array_equal(
        binary_cross_entropy_with_logits(Tensor([1e4, -1e4, 1e4, -1e4]),
                                         Tensor([1.0, 0.0, 0.0, 1.0]), reduction="none").data,
        np.array([0, 0, 1e4, 1e4], np.float32))
    np.testing.assert_array_equal(
        binary_cross_entropy(Tensor([0.0, 1.0, 0.0, 1.0]), Tensor([1.0, 0.0, 0.0, 1.0]),
                             reduction="none").data, np.array([100, 100, 0, 0], np.float32))


def test_empty_batch_gives_an_empty_none_reduction():
    assert cross_entropy(Tensor(np.zeros((0, 3), np.float32)), np.zeros(0, np.int64),
                         reduction="none").shape == (0,)
    assert cross_entropy(Tensor(np.zeros((0, 3), np.float32)), np.zeros(0, np.int64),
                         reduction="sum").item() == 0.0


# --------------------------------------------------------------------------------------
# gradients against finite differences in float64 (inputs and targets)
# --------------------------------------------------------------------------------------


def leaf(array: np.ndarray) -> Tensor:
    return Tensor(np.asarray(array, np.float64), requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_mse_loss_input_and_target(reduction):
    assert gradcheck(lambda x, y: mse_loss(x, y, reduction=reduction),
                     (leaf(rand((3, 4))), leaf(rand((3, 4), seed=1))))


@pytest.mark.parametrize(("shape", "dim"), [((5,), 0), ((3, 4), 0), ((3, 4), -1),
                                            ((2, 3, 4), 1)], ids=str)
def test_gradcheck_log_softmax(shape, dim):
    assert gradcheck(lambda x: log_softmax(x, dim), leaf(rand(shape, scale=3.0)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target"), [((4,), 2), ((3, 4), [0, 3, 3]),
                                               ((2, 3, 2), [[0, 2], [1, 1]])], ids=str)
def test_gradcheck_cross_entropy_and_nll_loss(shape, target, reduction):
    target = np.array(target)
    assert gradcheck(lambda x: cross_entropy(x, target, reduction=reduction),
                     leaf(rand(shape, scale=2.0)))
    assert gradcheck(lambda x: nll_loss(x, target, reduction=reduction), leaf(rand(shape)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_cross_entropy_probability_targets(reduction):
    assert gradcheck(lambda x, y: cross_entropy(x, y, reduction=reduction),
                     (leaf(rand((3, 4), scale=2.0)), leaf(class_distribution((3, 4), 1))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_binary_cross_entropy_input_and_target(reduction):
    p = leaf(np.random.default_rng(0).uniform(0.05, 0.95, (3, 4)))
    assert gradcheck(lambda p, y: binary_cross_entropy(p, y, reduction=reduction),
                     (p, leaf(probabilities((3, 4), seed=6))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_binary_cross_entropy_with_logits_input_and_target(reduction):
    assert gradcheck(lambda x, y: binary_cross_entropy_with_logits(x, y, reduction=reduction),
                     (leaf(rand((3, 4), scale=3.0)), leaf(probabilities((3, 4), seed=6))))


@oracle
def test_gradients_stay_finite_at_large_logits(torch):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], np.float32)
    check_loss(torch, cross_entropy, torch.nn.functional.cross_entropy, x, np.array([1, 1]))
    check_loss(torch, binary_cross_entropy_with_logits,
               torch.nn.functional.binary_cross_entropy_with_logits, x,
               np.array([[1, 0, 1], [1, 0, 0]], np.float32), reduction="sum")
