"""`tinytorch.core.layers` against PyTorch CPU (the oracle).

tinygrad style: :func:`twin` builds the same model in PyTorch and TinyTorch with the same
weights (copied through PyTorch's own ``state_dict`` into our ``load_state_dict``), and
:func:`check_forward` runs both on the same input and compares values, shape and dtype.
The rest compares the module machinery (names, order, repr, modes, state dicts and their
errors) with ``torch.nn``, and, with module 06 in the tree, gradients through a network.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.layers import Dropout, Linear, Module, Parameter, Sequential, linear_loops
from tinytorch.core.tensor import Tensor, manual_seed

oracle = pytest.mark.oracle

RTOL, ATOL = 1e-5, 1e-6


def twin(torch, build_torch: Callable, build_ours: Callable, seed: int = 0):
    """The same model in PyTorch and TinyTorch: ours loads torch's state_dict (strict)."""
    torch.manual_seed(seed)
    theirs = build_torch()
    ours = build_ours()
    result = ours.load_state_dict(theirs.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    return theirs, ours


def check_forward(torch, theirs, ours, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        want = theirs(torch.from_numpy(x.copy())).numpy()
    got = ours(Tensor(x))
    assert isinstance(got, Tensor)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got.data, want, rtol=RTOL, atol=ATOL)
    return got.data


def mlp(nn_or_ours, activation: str = "ReLU", sizes=(4, 8, 3)):
    """Sequential(Linear, <activation>, Linear) in torch.nn or in TinyTorch."""
    if nn_or_ours == "ours":
        act = {"ReLU": ReLU(), "GELU": GELU(), "GELU-tanh": GELU("tanh"), "Tanh": Tanh(),
               "Sigmoid": Sigmoid()}[activation]
        return Sequential(Linear(sizes[0], sizes[1]), act, Linear(sizes[1], sizes[2]))
    nn = nn_or_ours
    act = {"ReLU": nn.ReLU(), "GELU": nn.GELU(), "GELU-tanh": nn.GELU(approximate="tanh"),
           "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid()}[activation]
    return nn.Sequential(nn.Linear(sizes[0], sizes[1]), act, nn.Linear(sizes[1], sizes[2]))


def rand(*shape: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3), (0, 3), (1, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_matches_torch(torch, shape: tuple, bias: bool) -> None:
    theirs, ours = twin(torch, lambda: torch.nn.Linear(3, 2, bias=bias),
                        lambda: Linear(3, 2, bias=bias))
    check_forward(torch, theirs, ours, rand(*shape))


@oracle
def test_linear_forward_equals_the_loops(torch) -> None:
    theirs, ours = twin(torch, lambda: torch.nn.Linear(16, 8), lambda: Linear(16, 8))
    x = rand(7, 16)
    got = check_forward(torch, theirs, ours, x)
    np.testing.assert_allclose(linear_loops(x, ours.weight, ours.bias).data, got, rtol=RTOL,
                               atol=ATOL)


@oracle
def test_linear_records_no_new_op(torch) -> None:
    out = Linear(3, 2)(Tensor(rand(4, 3)))
    assert out.grad_fn.op == "add"
    product = out.grad_fn.inputs[0]
    assert product.grad_fn.op == "matmul"
    assert product.grad_fn.inputs[1].grad_fn.op == "transpose"


@oracle
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")
@pytest.mark.parametrize(("fan_in", "fan_out"), [(1, 300), (10, 300), (784, 256), (0, 4)])
def test_linear_init_matches_torch_distribution(torch, fan_in: int, fan_out: int) -> None:
    """Uniform in ±1/sqrt(fan_in) for weight and bias, as torch.nn.Linear's default."""
    manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = Linear(fan_in, fan_out), torch.nn.Linear(fan_in, fan_out)
    bound = 1 / np.sqrt(fan_in) if fan_in else 0.0
    for name in ("weight", "bias"):
        mine = getattr(ours, name).data
        reference = getattr(theirs, name).detach().numpy()
        assert mine.shape == reference.shape and mine.dtype == reference.dtype == np.float32
        assert np.abs(mine).max(initial=0) <= bound
        assert np.abs(reference).max(initial=0) <= bound
        if mine.size >= 256:  # moments of uniform(-b, b): mean 0, std b / sqrt(3)
            for sample in (mine, reference):
                assert abs(sample.mean()) < 0.1 * bound
                assert abs(sample.std() - bound / np.sqrt(3)) < 0.1 * bound


def test_linear_generator_and_manual_seed() -> None:
    a = Linear(5, 4, generator=np.random.default_rng(3))
    b = Linear(5, 4, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    manual_seed(11)
    c = Linear(5, 4)
    manual_seed(11)
    d = Linear(5, 4)
    np.testing.assert_array_equal(c.bias.data, d.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


# --------------------------------------------------------------------------------------
# Sequential with activations inside
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("activation", ["ReLU", "GELU", "GELU-tanh", "Tanh", "Sigmoid"])
def test_sequential_with_activations_matches_torch(torch, activation: str) -> None:
    theirs, ours = twin(torch, lambda: mlp(torch.nn, activation), lambda: mlp("ours", activation))
    check_forward(torch, theirs, ours, rand(6, 4) * 3)


@oracle
def test_deeper_network_with_softmax_and_dropout_in_eval(torch) -> None:
    nn = torch.nn

    def build_torch():
        return nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Dropout(0.3), nn.Linear(32, 16),
                             nn.Tanh(), nn.Linear(16, 5), nn.Softmax(dim=-1))

    def build_ours():
        return Sequential(Linear(10, 32), GELU(), Dropout(0.3), Linear(32, 16), Tanh(),
                          Linear(16, 5), Softmax(dim=-1))

    theirs, ours = twin(torch, build_torch, build_ours)
    theirs.eval()
    ours.eval()
    assert [m.training for m in ours.modules() if isinstance(m, Module)] == [False] * 5
    out = check_forward(torch, theirs, ours, rand(9, 10))
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-6)


@oracle
def test_torch_state_dict_loads_and_ours_loads_into_torch(torch) -> None:
    """The acceptance test of the issue: torch's Sequential(Linear, ReLU, Linear)
    state_dict loads into ours and gives the same outputs, and back again."""
    theirs, ours = twin(torch, lambda: mlp(torch.nn), lambda: mlp("ours"))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rand(5, 4)
    check_forward(torch, theirs, ours, x)

    manual_seed(42)
    fresh = mlp("ours")  # different weights, loaded into a fresh torch model
    torch.manual_seed(7)
    back = mlp(torch.nn)
    back.load_state_dict(OrderedDict((k, torch.from_numpy(v)) for k, v in
                                     fresh.state_dict().items()))
    check_forward(torch, back, fresh, x)


@oracle
def test_parameters_of_a_trained_torch_model_load_directly(torch) -> None:
    """torch Parameters (requires_grad=True) as values: detached, not refused."""
    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2)
    ours = Linear(3, 2)
    ours.load_state_dict(dict(theirs.named_parameters()))
    check_forward(torch, theirs, ours, rand(4, 3))


@oracle
def test_names_order_and_repr_match_torch(torch) -> None:
    nn = torch.nn

    class TorchNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(1))
            self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(),
                                      nn.Sequential(nn.Linear(4, 4), nn.Tanh()))
            self.head = nn.Linear(4, 2, bias=False)
            self.drop = nn.Dropout(0.1)

    class OurNet(Module):
        def __init__(self):
            super().__init__()
            self.scale = Parameter(np.ones(1))
            self.body = Sequential(Linear(3, 4), ReLU(), Sequential(Linear(4, 4), Tanh()))
            self.head = Linear(4, 2, bias=False)
            self.drop = Dropout(0.1)

    theirs, ours = TorchNet(), OurNet()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("OurNet", "Net") == repr(theirs).replace("TorchNet", "Net")
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]


@oracle
def test_load_errors_name_the_same_problems_as_torch(torch) -> None:
    cases = [
        {"weight": np.zeros((2, 3))},  # missing bias
        {"weight": np.zeros((2, 3)), "bias": np.zeros(2), "extra": np.zeros(1)},
        {"weight": np.zeros((3, 2)), "bias": np.zeros(2)},  # size mismatch
        {"weight": np.zeros((3, 2)), "other": np.zeros(2)},  # all three at once
    ]
    for state in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.Linear(3, 2).load_state_dict({k: torch.from_numpy(v)
                                                   for k, v in state.items()})
        ours = Linear(3, 2)
        before = ours.weight.data.copy()
        with pytest.raises(RuntimeError) as mine:
            ours.load_state_dict(state)
        expected = [line.strip().replace("torch.Size([", "(").replace("])", ")")
                    for line in str(theirs.value).splitlines()]
        got = [line.strip().replace(",)", ")") for line in str(mine.value).splitlines()]
        expected = [line.replace(",)", ")") for line in expected]
        assert got == expected
        np.testing.assert_array_equal(ours.weight.data, before)  # nothing loaded


@oracle
def test_non_strict_load_reports_like_torch(torch) -> None:
    state = {"weight": np.ones((2, 3)), "extra": np.ones(1)}
    theirs = torch.nn.Linear(3, 2).load_state_dict({k: torch.from_numpy(v)
                                                   for k, v in state.items()}, strict=False)
    ours = Linear(3, 2)
    mine = ours.load_state_dict(state, strict=False)
    assert (mine.missing_keys, mine.unexpected_keys) == (theirs.missing_keys,
                                                         theirs.unexpected_keys)
    np.testing.assert_array_equal(ours.weight.data, np.ones((2, 3), np.float32))
    assert ours.weight.dtype == np.float32


# --------------------------------------------------------------------------------------
# Dropout, modes, state
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_dropout_statistics_match_torch(torch, p: float) -> None:
    x = np.full((400, 500), 3.0, dtype=np.float32)
    torch.manual_seed(0)
    theirs = torch.nn.Dropout(p)(torch.from_numpy(x)).numpy()
    ours = Dropout(p, generator=np.random.default_rng(0))(Tensor(x)).data
    assert ours.dtype == theirs.dtype == np.float32
    for out in (ours, theirs):
        kept = out != 0
        if p < 1:
            np.testing.assert_allclose(out[kept], 3.0 / (1 - p), rtol=1e-6)
        assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05)


@oracle
def test_dropout_in_eval_mode_is_identity_like_torch(torch) -> None:
    x = rand(4, 5)
    theirs = torch.nn.Dropout(0.5).eval()(torch.from_numpy(x)).numpy()
    ours = Dropout(0.5).eval()(Tensor(x)).data
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, x)


def test_dropout_follows_manual_seed_after_construction() -> None:
    layer = Dropout(0.5)
    x = Tensor(np.ones(64, dtype=np.float32))
    manual_seed(5)
    first = layer(x).data
    manual_seed(5)
    np.testing.assert_array_equal(layer(x).data, first)


@pytest.mark.parametrize("p", [-0.5, 1.01, "0.5", True])
def test_dropout_rejects_bad_p(p: object) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(p)


def test_state_dict_holds_copies_and_load_keeps_parameter_objects() -> None:
    model = mlp("ours")
    state = model.state_dict()
    weight = model[0].weight
    state["0.weight"][...] = 7.0
    assert not np.any(model[0].weight.data == 7.0)
    model.load_state_dict(state)
    assert model[0].weight is weight
    assert np.all(weight.data == 7.0) and weight.dtype == np.float32


def test_zero_grad_both_ways() -> None:
    model = mlp("ours")
    for p in model.parameters():
        p.grad = Tensor(np.ones(p.shape, dtype=np.float32))
    grads = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.data.any() for p, g in zip(model.parameters(), grads,
                                                                strict=True))
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


# --------------------------------------------------------------------------------------
# gradients through a network (module 06 is in the tree)
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("activation", ["ReLU", "GELU", "GELU-tanh", "Tanh", "Sigmoid"])
def test_gradients_through_sequential_match_torch(torch, activation: str) -> None:
    theirs, ours = twin(torch, lambda: mlp(torch.nn, activation, (5, 16, 3)),
                        lambda: mlp("ours", activation, (5, 16, 3)))
    x, target = rand(8, 5, seed=2), rand(8, 3, seed=3)

    x_theirs = torch.from_numpy(x.copy()).requires_grad_(True)
    ((theirs(x_theirs) - torch.from_numpy(target)) ** 2).mean().backward()
    x_ours = Tensor(x, requires_grad=True)
    loss = ((ours(x_ours) - Tensor(target)) ** 2).mean()
    loss.backward()

    grads_theirs = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert param.grad is not None, f"{name} got no gradient"
        # As torch's: a parameter's .grad is a plain tensor, not a Parameter.
        assert type(param.grad) is Tensor and type(grads_theirs[name].grad) is torch.Tensor
        np.testing.assert_allclose(param.grad.data, grads_theirs[name].grad.numpy(),
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-4, atol=1e-6)

    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
