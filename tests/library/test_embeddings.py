"""`tinytorch.text.embeddings` against PyTorch CPU (the oracle) and finite differences.

`Embedding` is compared with `torch.nn.Embedding` holding the same table (copied through
PyTorch's own ``state_dict`` into our ``load_state_dict``): outputs, and the table's gradient
for repeated indices and ``padding_idx``. Gradients are also checked in float64 with our
``gradcheck``. The sinusoidal table is compared with the paper's formula written as loops.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.text.embeddings import (
    Embedding,
    EmbeddingFunction,
    PositionalEmbedding,
    SinusoidalPositionalEncoding,
    embedding,
    embedding_backward_loops,
    embedding_loops,
    sinusoidal_positional_encoding,
)

oracle = pytest.mark.oracle

RTOL, ATOL = 1e-5, 1e-6

INDEX_CASES = [
    ("repeated", (12, 5), None, np.array([3, 1, 3, 3, 0, 11])),
    ("batch", (12, 5), 0, np.array([[0, 4, 4, 0], [7, 0, 11, 4]])),
    ("negative-padding", (7, 3), -1, np.array([[6, 6, 2], [1, 6, 0]])),
    ("scalar", (4, 6), 2, np.array(1)),
    ("padding-only", (5, 2), 3, np.array([3, 3, 3])),
    ("empty", (5, 2), None, np.zeros((0, 3), dtype=np.int64)),
]


def twin(torch, num: int, dim: int, padding_idx: int | None):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(num, dim, padding_idx=padding_idx)
    ours = Embedding(num, dim, padding_idx=padding_idx)
    result = ours.load_state_dict(theirs.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    return theirs, ours


@oracle
@pytest.mark.parametrize("name, size, padding_idx, ids", INDEX_CASES,
                         ids=[case[0] for case in INDEX_CASES])
def test_embedding_forward_and_gradient_match_torch(torch, name, size, padding_idx, ids) -> None:
    theirs, ours = twin(torch, *size, padding_idx)
    upstream = np.random.default_rng(1).standard_normal((*ids.shape, size[1])).astype(np.float32)

    want = theirs(torch.from_numpy(ids.astype(np.int64)))
    want.backward(torch.from_numpy(upstream))
    got = ours(Tensor(ids))
    got.backward(Tensor(upstream))

    assert got.shape == tuple(want.shape) and got.dtype == np.float32
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert ours.weight.grad.dtype == np.float32
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(),
                               rtol=RTOL, atol=ATOL)
    assert ours.padding_idx == theirs.padding_idx


@oracle
def test_embedding_init_follows_torch(torch) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(4000, 8, padding_idx=-3)
    ours = Embedding(4000, 8, padding_idx=-3, generator=np.random.default_rng(0))
    assert ours.padding_idx == theirs.padding_idx == 3997
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert ours.weight.dtype == np.float32 and ours.weight.requires_grad
    assert not ours.weight.data[3997].any() and not theirs.weight.detach().numpy()[3997].any()
    w = np.delete(ours.weight.data, 3997, axis=0)
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1.0) < 0.03  # N(0, 1), as torch
    assert repr(ours) == repr(theirs) == "Embedding(4000, 8, padding_idx=3997)"
    assert repr(Embedding(3, 2)) == repr(torch.nn.Embedding(3, 2))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError):
        torch.nn.Embedding(5, 2, padding_idx=5)


@oracle
def test_from_pretrained_matches_torch(torch) -> None:
    table = np.random.default_rng(2).standard_normal((6, 3)).astype(np.float32)
    theirs = torch.nn.Embedding.from_pretrained(torch.from_numpy(table), padding_idx=2)
    ours = Embedding.from_pretrained(table, padding_idx=2)
    ids = np.array([[2, 5], [0, 2]])
    np.testing.assert_array_equal(ours(ids).data, theirs(torch.from_numpy(ids)).numpy())
    assert ours.weight.requires_grad is theirs.weight.requires_grad is False
    trainable = Embedding.from_pretrained(table, freeze=False)
    assert trainable.weight.requires_grad


@oracle
def test_embedding_in_a_model_trains_like_torch(torch) -> None:
    """Embedding -> mean over the sequence -> loss: one SGD step, same weights after."""
    theirs, ours = twin(torch, 10, 4, 0)
    ids = np.array([[1, 2, 2, 0], [9, 9, 9, 0]])
    target = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)

    loss_t = ((theirs(torch.from_numpy(ids)).mean(dim=1) - torch.from_numpy(target)) ** 2).sum()
    loss_t.backward()
    loss = ((ours(ids).mean(axis=1) - Tensor(target)) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=RTOL)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(),
                               rtol=RTOL, atol=ATOL)
    assert set(np.flatnonzero(np.abs(ours.weight.grad.data).sum(axis=1))) == {1, 2, 9}


def test_embedding_gradcheck_float64() -> None:
    ids = np.array([[1, 3, 1], [0, 1, 3]])
    table = Tensor(np.random.default_rng(4).standard_normal((5, 3)), dtype=np.float64,
                   requires_grad=True)
    assert gradcheck(lambda w: embedding(ids, w) * 1.5, (table,))


@pytest.mark.parametrize("padding_idx", [1, -2])
def test_padding_gradient_is_the_plain_one_without_the_padding_row(padding_idx) -> None:
    """The padding row's output does depend on it (finite differences see that), but by
    definition (torch's too) it receives no gradient: every other row's gradient is the
    one of the lookup without padding_idx, checked by gradcheck above."""
    ids = np.array([[1, 3, 1], [0, 1, 3]])
    upstream = Tensor(np.random.default_rng(5).standard_normal((2, 3, 3)))
    grads = []
    for padding in (None, padding_idx):
        w = Tensor(np.ones((5, 3)), requires_grad=True)
        embedding(ids, w, padding).backward(upstream)
        grads.append(w.grad.data.copy())
    plain, padded = grads
    plain[padding_idx] = 0
    np.testing.assert_array_equal(padded, plain)


def test_gradcheck_through_a_layer_and_positions() -> None:
    manual_seed(0)
    positions = PositionalEmbedding(5, 4)
    fixed = SinusoidalPositionalEncoding(5, 4)
    ids = np.array([[4, 2, 2], [5, 1, 3]])

    def through_positions(w: Tensor) -> Tensor:
        x = EmbeddingFunction.apply(ids, w, None)
        return fixed(x) * positions.weight.data[:3]  # a fixed, non-uniform weighting

    table = Tensor(np.random.default_rng(6).standard_normal((6, 4)), requires_grad=True)
    assert gradcheck(through_positions, (table,))
    assert gradcheck(lambda p: Tensor(np.ones((2, 3, 4))) * (p[:3] + 1.0),
                     (Tensor(positions.weight.data, dtype=np.float64, requires_grad=True),))


def test_loops_equal_the_vectorized_versions() -> None:
    rng = np.random.default_rng(5)
    table = rng.standard_normal((50, 7)).astype(np.float32)
    ids = rng.integers(0, 50, (4, 9))
    np.testing.assert_array_equal(embedding_loops(table, ids), embedding(ids, Tensor(table)).data)
    upstream = rng.standard_normal((4, 9, 7)).astype(np.float32)
    for padding_idx in (None, int(ids[0, 0])):
        w = Tensor(table, requires_grad=True)
        embedding(ids, w, padding_idx).backward(Tensor(upstream))
        np.testing.assert_allclose(
            w.grad.data, embedding_backward_loops(upstream, ids, 50, padding_idx),
            rtol=1e-5, atol=1e-6)


def test_bad_indices_raise_like_torch() -> None:
    layer = Embedding(4, 2)
    with pytest.raises(IndexError, match="out of range"):
        layer(np.array([4]))
    with pytest.raises(IndexError, match="out of range"):
        layer(np.array([[0, -1]]))
    with pytest.raises(TypeError, match="integer"):
        layer(np.array([0.0]))


@pytest.mark.parametrize("max_len, d_model", [(1, 2), (7, 4), (9, 5), (50, 16), (0, 6)])
def test_sinusoidal_table_matches_the_formula(max_len: int, d_model: int) -> None:
    want = np.zeros((max_len, d_model))
    for pos in range(max_len):
        for col in range(d_model):
            angle = pos / 10000 ** ((col - col % 2) / d_model)
            want[pos, col] = math.sin(angle) if col % 2 == 0 else math.cos(angle)
    got = sinusoidal_positional_encoding(max_len, d_model)
    assert isinstance(got, Tensor) and got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=0, atol=1e-6)


@oracle
def test_positional_layers(torch) -> None:
    x = np.random.default_rng(6).standard_normal((3, 5, 4)).astype(np.float32)
    fixed = SinusoidalPositionalEncoding(8, 4)
    np.testing.assert_allclose(fixed(Tensor(x)).data,
                               x + sinusoidal_positional_encoding(8, 4).data[:5], rtol=1e-6)
    assert list(fixed.state_dict()) == [] and list(fixed.parameters()) == []

    # the learned table is torch's GPT-2 style wpe: x + wpe(arange(T)), same gradient
    torch.manual_seed(0)
    wpe = torch.nn.Embedding(8, 4)
    learned = PositionalEmbedding(8, 4)
    learned.load_state_dict(wpe.state_dict())
    xt = torch.from_numpy(x).requires_grad_()
    want = xt + wpe(torch.arange(5))
    want.sum().backward()
    ours_x = Tensor(x, requires_grad=True)
    got = learned(ours_x)
    got.sum().backward()
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(learned.weight.grad.data, wpe.weight.grad.numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours_x.grad.data, xt.grad.numpy(), rtol=RTOL)
    with pytest.raises(ValueError, match="max_len"):
        learned(Tensor(np.zeros((1, 9, 4), dtype=np.float32)))
