"""`tinytorch.core.spatial` against PyTorch CPU (the oracle) and against finite differences.

Forward values and gradients of Conv2d, MaxPool2d, AvgPool2d, BatchNorm2d and Flatten are
compared with `torch.nn.functional` on the same inputs and copied weights (float32
tolerances); `gradcheck` checks the backward passes in float64 on small shapes; the loop
convolution equals the vectorized one.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinytorch.core.autograd import gradcheck
from tinytorch.core.spatial import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    MaxPool2d,
    col2im,
    conv2d,
    conv2d_loops,
    im2col,
)
from tinytorch.core.tensor import Tensor

oracle = pytest.mark.oracle

RTOL, ATOL = 1e-4, 1e-5


def rand(*shape: int, seed: int = 1, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def torch_grads(torch, fn, *arrays: np.ndarray, seed_grad: np.ndarray | None = None):
    """fn(*torch tensors) and the gradients of sum(out * seed_grad) w.r.t. each input."""
    tensors = [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    out = fn(*tensors)
    g = torch.from_numpy(seed_grad) if seed_grad is not None else torch.ones_like(out)
    (out * g).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


def our_grads(fn, *arrays: np.ndarray, seed_grad: np.ndarray | None = None):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(seed_grad if seed_grad is not None else np.ones(out.shape, out.dtype))
    return out.data, [t.grad.data for t in tensors]


# --------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------

CONV_CASES = [  # x shape, weight shape, stride, padding
    ((2, 3, 8, 8), (4, 3, 3, 3), 1, 0),
    ((1, 2, 7, 6), (3, 2, 3, 2), (2, 3), (1, 2)),
    ((3, 1, 5, 5), (2, 1, 1, 1), 1, 0),
    ((2, 4, 9, 9), (5, 4, 5, 5), 2, 2),
    ((1, 3, 4, 4), (2, 3, 4, 4), 1, 0),
]


@oracle
@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_forward_and_gradients_match_torch(torch, x_shape, w_shape, stride, padding,
                                                  bias: bool) -> None:
    x, w = rand(*x_shape, seed=1), rand(*w_shape, seed=2)
    arrays = (x, w, rand(w_shape[0], seed=3)) if bias else (x, w)
    F = torch.nn.functional
    want, want_grads = torch_grads(
        torch, lambda *t: F.conv2d(*t, stride=stride, padding=padding), *arrays)
    seed_grad = rand(*want.shape, seed=4)
    want, want_grads = torch_grads(
        torch, lambda *t: F.conv2d(*t, stride=stride, padding=padding), *arrays,
        seed_grad=seed_grad)
    got, got_grads = our_grads(lambda *t: conv2d(*t, stride=stride, padding=padding),
                               *arrays, seed_grad=seed_grad)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    for ours, theirs in zip(got_grads, want_grads, strict=True):
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-4)


@oracle
def test_conv2d_layer_with_torch_weights(torch) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2))
    ours = Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2))
    ours.load_state_dict(theirs.state_dict())
    x = rand(2, 3, 11, 10)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, want, rtol=RTOL, atol=ATOL)
    assert [name for name, _ in ours.named_parameters()] == ["weight", "bias"]
    assert repr(ours) == "Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2))"


@oracle
def test_conv2d_init_matches_torch_distribution(torch) -> None:
    """kaiming_uniform_(a=sqrt(5)): weight and bias uniform in ±1/sqrt(fan_in)."""
    theirs = torch.nn.Conv2d(16, 32, 3)
    ours = Conv2d(16, 32, 3, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(16 * 9)
    for mine, torchs in ((ours.weight.data, theirs.weight.detach().numpy()),
                         (ours.bias.data, theirs.bias.detach().numpy())):
        assert mine.shape == torchs.shape and mine.dtype == np.float32
        assert np.abs(mine).max() <= bound and np.abs(torchs).max() <= bound
        assert np.abs(mine).max() > 0.9 * bound  # spread over the whole range
    assert abs(ours.weight.data.std() - theirs.weight.detach().numpy().std()) < 0.1 * bound
    no_bias = Conv2d(2, 2, 2, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]


def test_conv2d_generator_makes_init_reproducible() -> None:
    a = Conv2d(2, 3, 3, generator=np.random.default_rng(7))
    b = Conv2d(2, 3, 3, generator=np.random.default_rng(7))
    assert np.array_equal(a.weight.data, b.weight.data)
    assert np.array_equal(a.bias.data, b.bias.data)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES[:3])
def test_loop_convolution_equals_the_vectorized_one(x_shape, w_shape, stride, padding) -> None:
    x, w, b = rand(*x_shape), rand(*w_shape, seed=2), rand(w_shape[0], seed=3)
    slow = conv2d_loops(x, w, b, stride=stride, padding=padding)
    fast = conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=padding)
    np.testing.assert_allclose(slow.data, fast.data, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_conv2d_gradcheck_float64(stride, padding) -> None:
    x = Tensor(rand(2, 2, 5, 4, dtype=np.float64), requires_grad=True)
    w = Tensor(rand(3, 2, 3, 2, seed=2, dtype=np.float64), requires_grad=True)
    b = Tensor(rand(3, seed=3, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, stride=stride, padding=padding), (x, w, b))


def test_col2im_is_the_adjoint_of_im2col() -> None:
    """<im2col(x), c> == <x, col2im(c)> for any x and c."""
    x, k, s, p = rand(2, 3, 7, 6, dtype=np.float64), (3, 2), (2, 1), (1, 1)
    cols = im2col(x, k, s, p)
    c = rand(*cols.shape, seed=5, dtype=np.float64)
    assert np.isclose((cols * c).sum(), (x * col2im(c, x.shape, k, s, p)).sum())


def test_conv2d_refuses_wrong_channels_and_oversized_kernels() -> None:
    with pytest.raises(ValueError, match="expects a Tensor of shape"):
        Conv2d(3, 2, 3)(Tensor(np.zeros((1, 2, 5, 5), np.float32)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 3, 3), np.float32)))


# --------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------

POOL_CASES = [(2, None), (3, 2), ((2, 3), (1, 2)), (3, None)]


@oracle
@pytest.mark.parametrize("kernel, stride", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pools_forward_and_gradients_match_torch(torch, kernel, stride, kind: str) -> None:
    x = rand(2, 3, 7, 8)
    F = torch.nn.functional
    theirs = {"max": F.max_pool2d, "avg": F.avg_pool2d}[kind]
    layer = {"max": MaxPool2d, "avg": AvgPool2d}[kind](kernel, stride)
    want, _ = torch_grads(torch, lambda t: theirs(t, kernel, stride), x)
    seed_grad = rand(*want.shape, seed=4)
    want, (want_dx,) = torch_grads(torch, lambda t: theirs(t, kernel, stride), x,
                                   seed_grad=seed_grad)
    got, (got_dx,) = our_grads(layer, x, seed_grad=seed_grad)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_dx, want_dx, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("layer", [MaxPool2d(2), AvgPool2d(2, 1), MaxPool2d((2, 3), 1)])
def test_pools_gradcheck_float64(layer) -> None:
    x = Tensor(rand(1, 2, 4, 5, dtype=np.float64), requires_grad=True)
    assert gradcheck(layer, (x,))


def test_pool_repr_and_default_stride() -> None:
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert repr(AvgPool2d(3, 1)) == "AvgPool2d(kernel_size=3, stride=1)"
    assert not isinstance(AvgPool2d(2), MaxPool2d)


# --------------------------------------------------------------------------------------
# BatchNorm2d
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batchnorm_train_and_eval_match_torch(torch, momentum: float) -> None:
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
        theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    ours = BatchNorm2d(3, momentum=momentum)
    ours.load_state_dict(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for step in range(3):  # training: batch statistics, running stats updated
        x = rand(4, 3, 5, 5, seed=step) * 2 + 1
        seed_grad = rand(4, 3, 5, 5, seed=10 + step)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        want = theirs(tx)
        (want * torch.from_numpy(seed_grad)).sum().backward()
        ours.zero_grad()
        got, (dx,) = our_grads(ours, x, seed_grad=seed_grad)
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(),
                                   rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(),
                                   rtol=1e-3, atol=1e-4)
        theirs.zero_grad()
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).data,
                                   getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-6)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3
    theirs.eval()
    ours.eval()
    x = rand(2, 3, 4, 4, seed=99)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, want, rtol=RTOL, atol=ATOL)


def test_batchnorm_gradcheck_float64() -> None:
    bn = BatchNorm2d(2)
    bn.weight.data[...] = [2.0, -1.0]
    x = Tensor(rand(3, 2, 2, 3, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda t: bn(t) ** 2, (x,))
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                  "num_batches_tracked"]


def test_batchnorm_needs_more_than_one_value_per_channel() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(2)(Tensor(np.zeros((1, 2, 1, 1), np.float32)))
    assert BatchNorm2d(2).eval()(Tensor(np.zeros((1, 2, 1, 1), np.float32))).shape == (1, 2, 1, 1)


# --------------------------------------------------------------------------------------
# Flatten and a whole CNN
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (1, 2), (-2, -1), (2, 2)])
def test_flatten_matches_torch(torch, start: int, end: int) -> None:
    x = rand(2, 3, 4, 5)
    want = torch.nn.Flatten(start, end)(torch.from_numpy(x)).numpy()
    got, (dx,) = our_grads(Flatten(start, end), x)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert dx.shape == x.shape


@oracle
def test_a_small_cnn_matches_torch_end_to_end(torch) -> None:
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential

    nn = torch.nn
    torch.manual_seed(0)
    theirs = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                           nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    ours = Sequential(Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(4 * 4 * 4, 3))
    ours.load_state_dict(theirs.state_dict())
    x = rand(5, 1, 8, 8)
    want = theirs(torch.from_numpy(x))
    want.sum().backward()
    got = ours(Tensor(x))
    got.sum().backward()
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(),
                                 strict=True):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=name)
