"""`tinytorch.core.optimizers` against `torch.optim` (the oracle), step by step.

One helper, :func:`check_steps`, builds the same parameters in TinyTorch and PyTorch, feeds
both optimizers the same sequence of gradients (set directly on `.grad`, so these tests need
no autograd), and compares every parameter after every one of 10 steps. Gradients can be
missing (None) on chosen steps: both sides must skip those parameters. Parameter groups
(per-group lr and other settings) go through the same helper.

Tests that need torch take the session fixture ``torch`` and are marked ``oracle``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinytorch.core.optimizers import SGD, Adam, AdamW, Optimizer
from tinytorch.core.tensor import Tensor

oracle = pytest.mark.oracle

SHAPES = [(3, 4), (4,), (2, 3, 2)]
STEPS = 10
RTOL, ATOL = 1e-5, 1e-6  # float32, after 10 steps


def _initial(shapes: list[tuple[int, ...]], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def _gradients(shapes: list[tuple[int, ...]], steps: int, seed: int,
               missing: set[tuple[int, int]]) -> list[list[np.ndarray | None]]:
    """grads[step][param]; (step, param) pairs in `missing` are None (no gradient)."""
    rng = np.random.default_rng(seed + 1)
    return [[None if (step, i) in missing else rng.standard_normal(shape).astype(np.float32)
             for i, shape in enumerate(shapes)] for step in range(steps)]


def _grouped(params: list[Any], groups: list[dict] | None) -> list[Any]:
    """The optimizer's first argument: the params, or groups {"params": indices, ...}."""
    if groups is None:
        return params
    return [{**group, "params": [params[i] for i in group["params"]]} for group in groups]


def check_steps(torch, ours: Callable, theirs: Callable, *, groups: list[dict] | None = None,
                shapes: list[tuple[int, ...]] = SHAPES, steps: int = STEPS, seed: int = 0,
                missing: set[tuple[int, int]] = frozenset()) -> tuple[list, list]:
    """Run `ours(params)` and `theirs(params)` on the same gradients; compare every step.

    Returns both sides' (params, optimizer) for further checks.
    """
    initial = _initial(shapes, seed)
    mine = [Tensor(a.copy(), requires_grad=True) for a in initial]
    reference = [torch.tensor(a.copy(), requires_grad=True) for a in initial]
    opt, ref_opt = ours(_grouped(mine, groups)), theirs(_grouped(reference, groups))
    arrays = [p.data for p in mine]
    for step, grads in enumerate(_gradients(shapes, steps, seed, set(missing))):
        for p, q, g in zip(mine, reference, grads, strict=True):
            p.grad = None if g is None else Tensor(g.copy())
            q.grad = None if g is None else torch.tensor(g.copy())
        opt.step()
        ref_opt.step()
        for i, (p, q) in enumerate(zip(mine, reference, strict=True)):
            assert p.dtype == np.float32, f"param {i} became {p.dtype}"
            np.testing.assert_allclose(
                p.numpy(), q.detach().numpy(), rtol=RTOL, atol=ATOL,
                err_msg=f"param {i} after step {step + 1}")
    assert all(p.data is a for p, a in zip(mine, arrays, strict=True)), "not updated in place"
    return [mine, opt], [reference, ref_opt]


SGD_CASES = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.9},
    "dampening": {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    "nesterov": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "weight decay": {"lr": 0.1, "weight_decay": 0.2},
    "momentum and decay": {"lr": 0.05, "momentum": 0.7, "dampening": 0.1, "weight_decay": 0.1},
    "everything": {"lr": 0.03, "momentum": 0.9, "weight_decay": 0.05, "nesterov": True},
    "default lr": {},
}
ADAM_CASES = {
    "defaults": {},
    "lr": {"lr": 0.05},
    "betas and eps": {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
    "weight decay": {"lr": 0.01, "weight_decay": 0.3},
}


@oracle
@pytest.mark.parametrize("kwargs", SGD_CASES.values(), ids=SGD_CASES.keys())
def test_sgd_matches_torch(torch, kwargs):
    check_steps(torch, lambda p: SGD(p, **kwargs), lambda p: torch.optim.SGD(p, **kwargs))


@oracle
@pytest.mark.parametrize("kwargs", ADAM_CASES.values(), ids=ADAM_CASES.keys())
def test_adam_matches_torch(torch, kwargs):
    check_steps(torch, lambda p: Adam(p, **kwargs), lambda p: torch.optim.Adam(p, **kwargs))


@oracle
@pytest.mark.parametrize("kwargs", ADAM_CASES.values(), ids=ADAM_CASES.keys())
def test_adamw_matches_torch(torch, kwargs):
    check_steps(torch, lambda p: AdamW(p, **kwargs), lambda p: torch.optim.AdamW(p, **kwargs))


OPTIMIZERS = {
    "SGD": (SGD, "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    "Adam": (Adam, "Adam", {"lr": 0.01, "weight_decay": 0.01}),
    "AdamW": (AdamW, "AdamW", {"lr": 0.01}),
}


@oracle
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_missing_gradients_are_skipped_like_torch(torch, name):
    """A parameter whose .grad is None is neither updated nor decayed, and its state (the
    momentum buffer, Adam's step count) does not advance; one missing from the first step
    starts its state late."""
    ours, theirs, kwargs = OPTIMIZERS[name]
    missing = {(0, 1), (1, 1), (4, 0), (5, 0), (6, 2)}
    (_, opt), (reference, ref_opt) = check_steps(
        torch, lambda p: ours(p, **kwargs), lambda p: getattr(torch.optim, theirs)(p, **kwargs),
        missing=missing)
    if name != "SGD":
        state = opt.state_dict()["state"]
        steps = [state[i]["step"] for i in range(len(SHAPES))]
        assert steps == [int(ref_opt.state[q]["step"]) for q in reference] == [8, 8, 9]


@oracle
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_parameter_groups_match_torch(torch, name):
    ours, theirs, kwargs = OPTIMIZERS[name]
    if name == "SGD":
        groups = [{"params": [0, 2]}, {"params": [1], "lr": 0.02, "momentum": 0.5,
                                       "nesterov": True}]
    else:
        groups = [{"params": [0]}, {"params": [2, 1], "lr": 0.05, "betas": (0.5, 0.9),
                                    "weight_decay": 0.2}]
    (_, opt), (_, ref_opt) = check_steps(
        torch, lambda p: ours(p, **kwargs), lambda p: getattr(torch.optim, theirs)(p, **kwargs),
        groups=groups)
    for group, ref_group in zip(opt.param_groups, ref_opt.param_groups, strict=True):
        for key, value in group.items():
            if key != "params":
                assert value == ref_group[key], key


@oracle
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_resuming_from_a_state_dict_continues_like_an_unbroken_run(torch, name):
    """5 steps, state_dict(), a new optimizer over copies of the params loads it, 5 more
    steps: equal to torch's unbroken 10 steps (and bit-identical to our own unbroken run)."""
    ours, theirs, kwargs = OPTIMIZERS[name]
    make_theirs = lambda p: getattr(torch.optim, theirs)(p, **kwargs)
    (unbroken, _), _ = check_steps(torch, lambda p: ours(p, **kwargs), make_theirs)
    (first, opt), _ = check_steps(torch, lambda p: ours(p, **kwargs), make_theirs, steps=5)
    saved = opt.state_dict()
    second = [Tensor(p.numpy().copy(), requires_grad=True) for p in first]
    resumed = ours(second, lr=123.0)  # the saved lr must win
    resumed.load_state_dict(saved)
    for grads in _gradients(SHAPES, STEPS, 0, set())[5:]:
        for p, g in zip(second, grads, strict=True):
            p.grad = Tensor(g.copy())
        resumed.step()
    for p, q in zip(second, unbroken, strict=True):
        assert np.array_equal(p.numpy(), q.numpy())


@oracle
def test_torch_state_dict_loads(torch):
    """A torch.optim.Adam state_dict (tensors turned into arrays) loads into our Adam, which
    then continues exactly as torch does."""
    _, (reference, ref_opt) = check_steps(
        torch, lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01), steps=4)
    theirs = ref_opt.state_dict()
    converted = {
        "state": {i: {k: v.numpy().copy() for k, v in s.items()}
                  for i, s in theirs["state"].items()},
        "param_groups": theirs["param_groups"],
    }
    params = [Tensor(q.detach().numpy().copy(), requires_grad=True) for q in reference]
    opt = Adam(params, lr=0.5)
    opt.load_state_dict(converted)
    assert opt.param_groups[0]["lr"] == 0.01
    assert {opt.state[p]["step"] for p in params} == {4}
    for grads in _gradients(SHAPES, 8, 0, set())[4:]:
        for p, q, g in zip(params, reference, grads, strict=True):
            p.grad, q.grad = Tensor(g.copy()), torch.tensor(g.copy())
        opt.step()
        ref_opt.step()
    for p, q in zip(params, reference, strict=True):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=RTOL, atol=ATOL)


@oracle
def test_state_dict_layout_is_torchs(torch):
    """The same keys as torch's state_dict: state names per parameter and each group's
    hyperparameters (ours a subset: torch adds foreach, fused, maximize, ...)."""
    for name, (ours, theirs, kwargs) in OPTIMIZERS.items():
        (_, opt), (_, ref_opt) = check_steps(
            torch, lambda p, o=ours, k=kwargs: o(p, **k),
            lambda p, t=theirs, k=kwargs: getattr(torch.optim, t)(p, **k), steps=2,
            groups=[{"params": [0, 1]}, {"params": [2], "lr": 0.5}])
        mine, reference = opt.state_dict(), ref_opt.state_dict()
        assert sorted(mine["state"]) == sorted(reference["state"]) == [0, 1, 2], name
        for i in mine["state"]:
            assert sorted(mine["state"][i]) == sorted(reference["state"][i]), name
        for group, ref_group in zip(mine["param_groups"], reference["param_groups"],
                                    strict=True):
            assert group["params"] == ref_group["params"], name
            assert set(group) <= set(ref_group), (name, set(group) - set(ref_group))


@oracle
def test_zero_grad_like_torch(torch):
    for set_to_none in (True, False):
        p, q = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                    requires_grad=True)
        r = Tensor([3.0], requires_grad=True)  # never had a gradient
        p.grad, q.grad = Tensor([0.5, 0.5]), torch.tensor([0.5, 0.5])
        SGD([p, r], lr=0.1).zero_grad(set_to_none=set_to_none)
        torch.optim.SGD([q], lr=0.1).zero_grad(set_to_none=set_to_none)
        assert r.grad is None
        if set_to_none:
            assert p.grad is None and q.grad is None
        else:
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


@oracle
@pytest.mark.parametrize(("name", "kwargs"), [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1.0}),
    ("SGD", {"nesterov": True}),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1.0}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("AdamW", {"weight_decay": -0.1}),
])
def test_invalid_hyperparameters_raise_torchs_errors(torch, name, kwargs):
    ours = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}[name]
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)
    message = str(theirs.value).split(":")[0]
    with pytest.raises(ValueError, match=message):
        ours([Tensor([0.0], requires_grad=True)], **kwargs)


def test_params_must_be_an_iterable_of_tensors_each_in_one_group():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        SGD(a)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        SGD([a, np.ones(2)])
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [a]}, {"params": [a, b]}])
    opt = Optimizer(iter([a]), {"lr": 0.1})
    opt.add_param_group({"params": b, "lr": 0.2})
    assert [(g["lr"], len(g["params"])) for g in opt.param_groups] == [(0.1, 1), (0.2, 1)]


def test_load_state_dict_refuses_a_different_layout():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        SGD([a, b]).load_state_dict(SGD([{"params": [a]}, {"params": [b]}]).state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        SGD([a, b]).load_state_dict(SGD([a]).state_dict())


def test_state_dict_is_a_copy_both_ways():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.grad = Tensor([1.0, 1.0])
    opt = Adam([p])
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"][:] = 7.0
    saved["param_groups"][0]["lr"] = 9.0
    assert not np.any(opt.state[p]["exp_avg"] == 7.0) and opt.param_groups[0]["lr"] == 1e-3
    opt.load_state_dict(saved)
    saved["state"][0]["exp_avg"][:] = 5.0
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], [7.0, 7.0])
    assert opt.state[p]["exp_avg"].dtype == np.float32


def test_closure_and_float64_parameters():
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)  # float64 stays float64
    p.grad = Tensor(np.array([0.5, 0.5], dtype=np.float32))
    assert SGD([p], lr=0.1, momentum=0.9).step(lambda: 2.5) == 2.5
    assert p.dtype == np.float64
    np.testing.assert_allclose(p.numpy(), [0.95, 1.95])
    with pytest.raises(ValueError, match="gradient of shape"):
        p.grad = Tensor([1.0])
        Adam([p]).step()
