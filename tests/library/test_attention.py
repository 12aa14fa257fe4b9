"""`tinytorch.core.attention` against PyTorch (the oracle) and finite differences.

- `scaled_dot_product_attention`: output and gradients of query, key and value equal
  `torch.nn.functional.scaled_dot_product_attention`'s, with no mask, is_causal, boolean
  and float masks, a padding mask, a custom scale and a fully masked row (zeros, as torch).
- `MultiHeadAttention`: a `torch.nn.MultiheadAttention(batch_first=True)` state_dict loads;
  output, weights and every gradient equal torch's, with key padding and causal masks.
- `gradcheck` in float64 on small shapes; `attention_one_query` equals the vectorized form.

Tests that need torch take the session fixture ``torch`` and are marked ``oracle``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinytorch.core.attention import (
    MultiHeadAttention,
    attention_one_query,
    masked_fill,
    scaled_dot_product_attention,
)
from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import Tensor

oracle = pytest.mark.oracle
RNG = np.random.default_rng(0)


def _qkv(shape_q, shape_k, ev=None, dtype=np.float32):
    q = RNG.normal(size=shape_q).astype(dtype)
    k = RNG.normal(size=shape_k).astype(dtype)
    v = RNG.normal(size=(*shape_k[:-1], ev or shape_k[-1])).astype(dtype)
    return q, k, v


def _masks(L, S):
    padding = np.ones((2, 1, 1, S), bool)
    padding[0, ..., S - 2:] = False  # sequence 0: the last two keys are padding
    return {
        "none": {},
        "causal": {"is_causal": True},
        "boolean": {"attn_mask": RNG.random((L, S)) > 0.4},
        "padding": {"attn_mask": padding},
        "float": {"attn_mask": RNG.normal(size=(L, S)).astype(np.float32)},
        "scale": {"scale": 0.3},
    }


@oracle
@pytest.mark.parametrize("case", list(_masks(4, 5)))
def test_sdpa_forward_and_gradients_match_torch(torch, case):
    L, S = (5, 5) if case == "causal" else (4, 5)
    q, k, v = _qkv((2, 3, L, 6), (2, 3, S, 6), ev=7)
    kwargs = _masks(L, S)[case]
    if "attn_mask" in kwargs and kwargs["attn_mask"].dtype == bool:
        kwargs["attn_mask"][..., 0] = True  # no fully masked row here (tested below)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **tkw)
    seed = RNG.normal(size=expected.shape).astype(np.float32)
    (expected * torch.tensor(seed)).sum().backward()

    xq, xk, xv = (Tensor(a, requires_grad=True) for a in (q, k, v))
    out, weights = scaled_dot_product_attention(xq, xk, xv, **kwargs)
    out.backward(seed)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert weights.shape == (2, 3, L, S)
    np.testing.assert_allclose(weights.numpy().sum(-1), 1.0, rtol=1e-5)
    for ours, theirs in ((xq, tq), (xk, tk), (xv, tv)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5)


@oracle
def test_a_fully_masked_row_gives_zeros_like_torch(torch):
    q, k, v = _qkv((3, 4), (5, 4))
    mask = RNG.random((3, 5)) > 0.5
    mask[1] = False  # query 1 may attend to nothing
    mask[[0, 2], 0] = True
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv,
                                                                attn_mask=torch.tensor(mask))
    expected.sum().backward()
    xq, xk, xv = (Tensor(a, requires_grad=True) for a in (q, k, v))
    out, weights = scaled_dot_product_attention(xq, xk, xv, attn_mask=mask)
    out.sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert np.all(weights.numpy()[1] == 0) and np.all(out.numpy()[1] == 0)
    for ours, theirs in ((xq, tq), (xk, tk), (xv, tv)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-6)


def test_sdpa_refuses_a_mask_with_is_causal_and_bad_shapes():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(ValueError, match="must be"):
        scaled_dot_product_attention(x, Tensor(np.ones((2, 4))), x)


def test_one_query_loops_equal_the_vectorized_attention():
    q, k, v = _qkv((6,), (9, 6), ev=3, dtype=np.float64)
    out, weights = attention_one_query(q, k, v)
    full_out, full_w = scaled_dot_product_attention(Tensor(q[None]), Tensor(k), Tensor(v))
    np.testing.assert_allclose(out.numpy(), full_out.numpy()[0], rtol=1e-12)
    np.testing.assert_allclose(weights.numpy(), full_w.numpy()[0], rtol=1e-12)


def test_gradcheck_sdpa_and_masked_fill_in_float64():
    q, k, v = _qkv((2, 3, 4), (2, 4, 4), ev=2, dtype=np.float64)
    mask = np.tril(np.ones((3, 4), bool))
    mask[2] = False  # a fully masked row too

    def attend(q, k, v):
        return scaled_dot_product_attention(q, k, v, attn_mask=mask)

    args = tuple(Tensor(a, dtype=np.float64, requires_grad=True) for a in (q, k, v))
    assert gradcheck(attend, args)
    assert gradcheck(lambda q, k, v: scaled_dot_product_attention(
        q, k, v, attn_mask=RNG.normal(size=(3, 4)) * 0 + 0.5, scale=0.7), args)
    x = Tensor(RNG.normal(size=(1, 4)), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda x: masked_fill(x, np.array([[True, False, False, True],
                                                        [False, True, False, False]]), 3.0), x)


def _torch_mha(torch, E, H, bias=True):
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True)
    with torch.no_grad():  # non-zero biases, so that they are tested
        for name, p in mha.named_parameters():
            if "bias" in name:
                p.normal_(0, 0.1)
    ours = MultiHeadAttention(E, H, bias=bias)
    ours.load_state_dict(mha.state_dict())
    return mha, ours


@oracle
@pytest.mark.parametrize("case", ["self", "cross-padding", "causal", "float-3d", "no-bias"])
def test_mha_forward_weights_and_gradients_match_torch(torch, case):
    E, H, N, L = 8, 2, 2, 5
    S = 6 if case == "cross-padding" else L
    mha, ours = _torch_mha(torch, E, H, bias=case != "no-bias")
    q = RNG.normal(size=(N, L, E)).astype(np.float32)
    kv = q if S == L else RNG.normal(size=(N, S, E)).astype(np.float32)
    kwargs = {}
    if case == "cross-padding":
        pad = np.zeros((N, S), bool)
        pad[1, 3:] = True
        kwargs["key_padding_mask"] = pad
    if case == "causal":
        kwargs["attn_mask"] = np.triu(np.ones((L, S), bool), 1)
    if case == "float-3d":
        kwargs["attn_mask"] = RNG.normal(size=(N * H, L, S)).astype(np.float32)
    tq = torch.tensor(q, requires_grad=True)
    tkv = tq if S == L else torch.tensor(kv, requires_grad=True)
    tkw = {n: torch.tensor(a) for n, a in kwargs.items()}
    if case == "cross-padding":  # torch's key_padding_mask check needs sympy, absent here:
        # give torch the same mask as a per-head attn_mask (True = masked out in both)
        per_head = np.repeat(np.broadcast_to(pad[:, None, :], (N, L, S)), H, axis=0)
        tkw = {"attn_mask": torch.tensor(per_head)}
    expected, expected_w = mha(tq, tkv, tkv, average_attn_weights=False, **tkw)
    seed = RNG.normal(size=expected.shape).astype(np.float32)
    (expected * torch.tensor(seed)).sum().backward()

    xq = Tensor(q, requires_grad=True)
    xkv = xq if S == L else Tensor(kv, requires_grad=True)
    out, weights = ours(xq, xkv, xkv, average_attn_weights=False, **kwargs)
    out.backward(seed)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights.numpy(), expected_w.detach().numpy(), rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(xq.grad.numpy(), tq.grad.numpy(), rtol=1e-4, atol=1e-5)
    theirs = dict(mha.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)
    if case == "causal":  # our is_causal builds the mask torch needs to be given
        again, _ = ours(Tensor(q), Tensor(q), Tensor(q), is_causal=True)
        np.testing.assert_allclose(again.numpy(), out.numpy(), rtol=1e-6)


@oracle
def test_mha_defaults_layouts_and_averaged_weights_match_torch(torch):
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(6, 3)  # torch's default batch_first=False
    ours = MultiHeadAttention(6, 3, batch_first=False)
    assert list(ours.state_dict()) == list(mha.state_dict())
    ours.load_state_dict(mha.state_dict())
    x = RNG.normal(size=(4, 2, 6)).astype(np.float32)  # (L, N, E)
    expected, expected_w = mha(*(torch.tensor(x),) * 3)
    out, weights = ours(*(Tensor(x),) * 3)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights.numpy(), expected_w.detach().numpy(), rtol=1e-4,
                               atol=1e-6)
    unbatched, w1 = ours(*(Tensor(x[:, 0]),) * 3)
    np.testing.assert_allclose(unbatched.numpy(), out.numpy()[:, 0], rtol=1e-5, atol=1e-6)
    assert w1.shape == (4, 4)
    _, none = ours(*(Tensor(x),) * 3, need_weights=False)
    assert none is None


def test_mha_initialization_follows_torch():
    mha = MultiHeadAttention(16, 4, generator=np.random.default_rng(0))
    bound = np.sqrt(6 / (16 + 48))
    w = mha.in_proj_weight.numpy()
    assert w.shape == (48, 16) and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.all(mha.in_proj_bias.numpy() == 0) and np.all(mha.out_proj.bias.numpy() == 0)
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(8, 2, dropout=0.1)


def test_gradcheck_mha_in_float64():
    mha = MultiHeadAttention(4, 2, generator=np.random.default_rng(3))
    for p in mha.parameters():
        p.data = p.data.astype(np.float64)
    pad = np.array([[False, False, True]])
    x = Tensor(RNG.normal(size=(1, 3, 4)), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda x: mha(x, x, x, key_padding_mask=pad, is_causal=True)[0], x)
