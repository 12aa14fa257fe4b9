"""`tinytorch.models.transformer` against PyTorch (the oracle) and finite differences.

- `LayerNorm`: output and the gradients of input, weight and bias equal `torch.nn.LayerNorm`'s
  (one and two normalized dims, without affine or bias).
- `TransformerBlock`: a torch block built from `nn.LayerNorm`, `nn.MultiheadAttention(
  batch_first=True)`, `nn.Linear` and `nn.GELU()` (exact, our MLP's GELU) loads our
  state_dict; output and every gradient match, causal and encoder with a padding mask.
- `GPT`: logits and the gradients of a cross-entropy loss match the same torch model, untied
  and tied; tying shares one array whose gradient is the sum of both uses.
- `gradcheck` in float64 of LayerNorm, the MLP and a whole block.
- `generate`: deterministic for a seed, different across seeds, greedy at temperature 0 is the
  argmax, top_k=1 is greedy, a prompt longer than block_size is cropped, the mode is restored.
- No Python loop over batch or time: the graph of a GPT step has as many nodes at T = 4 as at
  T = 16 and at batch 1 as at batch 8.

Tests that need torch take the session fixture ``torch`` and are marked ``oracle``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinytorch.core.autograd import gradcheck, topological_order
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.tensor import Tensor
from tinytorch.models.transformer import (
    GPT,
    MLP,
    LayerNorm,
    TransformerBlock,
    layer_norm,
    sample_next_token,
)

oracle = pytest.mark.oracle
RNG = np.random.default_rng(0)


def _perturb(module, scale=0.1, seed=1):
    """Add noise to every parameter (LayerNorms start at ones and zeros, biases at zero)."""
    rng = np.random.default_rng(seed)
    for p in module.parameters():
        p.data[...] += rng.normal(0, scale, p.shape).astype(p.dtype)


def _close(ours, theirs, rtol=1e-4, atol=1e-5, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=what)


# --- LayerNorm ------------------------------------------------------------------------------


@oracle
@pytest.mark.parametrize(("shape", "normalized", "kwargs"), [
    ((2, 5, 8), 8, {}),
    ((3, 4, 6), (4, 6), {}),
    ((4, 7), 7, {"elementwise_affine": False}),
    ((2, 3, 5), 5, {"bias": False, "eps": 1e-3}),
])
def test_layer_norm_matches_torch(torch, shape, normalized, kwargs):
    x = (RNG.normal(size=shape) * 3 + 1).astype(np.float32)
    seed = RNG.normal(size=shape).astype(np.float32)
    ours = LayerNorm(normalized, **kwargs)
    _perturb(ours)
    theirs = torch.nn.LayerNorm(normalized, **kwargs)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    expected = theirs(tx)
    (expected * torch.tensor(seed)).sum().backward()
    xt = Tensor(x, requires_grad=True)
    out = ours(xt)
    out.backward(seed)
    assert out.dtype == np.float32
    _close(out.numpy(), expected, what="LayerNorm output")
    _close(xt.grad.numpy(), tx.grad, rtol=1e-3, atol=1e-4, what="input gradient")
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
        _close(p.grad.numpy(), tp.grad, rtol=1e-3, atol=1e-4, what=f"{name} gradient")


def test_layer_norm_refuses_a_wrong_shape_and_integers():
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm(4)(Tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="float"):
        layer_norm(Tensor(np.ones((2, 3), np.int64)), 3)


def test_gradcheck_layer_norm_and_mlp_in_float64():
    x = Tensor(RNG.normal(size=(2, 3, 4)), dtype=np.float64, requires_grad=True)
    w = Tensor(RNG.normal(size=(3, 4)), dtype=np.float64, requires_grad=True)
    b = Tensor(RNG.normal(size=(3, 4)), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: layer_norm(x, (3, 4), w, b), (x, w, b))
    assert gradcheck(lambda x: layer_norm(x, 4), x)
    mlp = MLP(4, 6, generator=np.random.default_rng(0))
    for p in mlp.parameters():
        p.data = p.data.astype(np.float64)
    assert gradcheck(mlp, x)


# --- TransformerBlock -------------------------------------------------------------------------


def _torch_block_class(torch):
    nn = torch.nn

    class TorchMLP(nn.Module):
        def __init__(self, C, hidden):
            super().__init__()
            self.fc, self.act, self.proj = nn.Linear(C, hidden), nn.GELU(), nn.Linear(hidden, C)

        def forward(self, x):
            return self.proj(self.act(self.fc(x)))

    class TorchBlock(nn.Module):
        """The pre-norm block from torch's own layers, with our parameter names."""

        def __init__(self, C, H, causal=True, mlp_ratio=4.0):
            super().__init__()
            self.causal = causal
            self.ln1 = nn.LayerNorm(C)
            self.attn = nn.MultiheadAttention(C, H, batch_first=True)
            self.ln2 = nn.LayerNorm(C)
            self.mlp = TorchMLP(C, int(C * mlp_ratio))

        def forward(self, x, key_padding_mask=None):
            T = x.shape[1]
            mask = torch.ones(T, T, dtype=torch.bool).triu(1) if self.causal else None
            h = self.ln1(x)
            a, _ = self.attn(h, h, h, attn_mask=mask, key_padding_mask=key_padding_mask,
                             need_weights=False)
            x = x + a
            return x + self.mlp(self.ln2(x))

    return TorchBlock


def _load(torch, theirs, ours):
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})


@oracle
@pytest.mark.parametrize("case", ["causal", "encoder-padding", "mlp-ratio"])
def test_transformer_block_matches_torch(torch, case):
    C, H, N, T = 8, 2, 3, 6
    ratio = 2.0 if case == "mlp-ratio" else 4.0
    causal = case != "encoder-padding"
    ours = TransformerBlock(C, H, mlp_ratio=ratio, causal=causal,
                            generator=np.random.default_rng(2))
    _perturb(ours)
    theirs = _torch_block_class(torch)(C, H, causal=causal, mlp_ratio=ratio)
    _load(torch, theirs, ours)
    pad = None
    if case == "encoder-padding":
        pad = np.zeros((N, T), bool)
        pad[0, 4:] = True
        pad[2, 5] = True
    x = RNG.normal(size=(N, T, C)).astype(np.float32)
    seed = RNG.normal(size=(N, T, C)).astype(np.float32)

    tx = torch.tensor(x, requires_grad=True)
    expected = theirs(tx, None if pad is None else torch.tensor(pad))
    (expected * torch.tensor(seed)).sum().backward()
    xt = Tensor(x, requires_grad=True)
    out = ours(xt, key_padding_mask=pad)
    out.backward(seed)

    _close(out.numpy(), expected, what="block output")
    _close(xt.grad.numpy(), tx.grad, rtol=1e-3, atol=1e-4, what="input gradient")
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad.numpy(), torch_params[name].grad, rtol=1e-3, atol=1e-4,
               what=f"{name} gradient")


def test_gradcheck_a_whole_block_in_float64():
    block = TransformerBlock(4, 2, mlp_ratio=1.5, generator=np.random.default_rng(3))
    _perturb(block, 0.3)
    for p in block.parameters():
        p.data = p.data.astype(np.float64)
    x = Tensor(RNG.normal(size=(2, 3, 4)), dtype=np.float64, requires_grad=True)
    assert gradcheck(block, x)
    pad = np.array([[False, False, True], [False, False, False]])
    encoder = TransformerBlock(4, 2, causal=False, generator=np.random.default_rng(4))
    for p in encoder.parameters():
        p.data = p.data.astype(np.float64)
    assert gradcheck(lambda x: encoder(x, key_padding_mask=pad), x)


# --- GPT ----------------------------------------------------------------------------------------


def _torch_gpt(torch, ours):
    nn = torch.nn
    TorchBlock = _torch_block_class(torch)

    class Positions(nn.Module):
        def __init__(self, T, C):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(T, C))

        def forward(self, x):
            return x + self.weight[: x.shape[1]]

    class TorchGPT(nn.Module):
        def __init__(self, V, T, C, L, H, tie):
            super().__init__()
            self.token_embedding = nn.Embedding(V, C)
            self.position_embedding = Positions(T, C)
            self.blocks = nn.Sequential(*[TorchBlock(C, H) for _ in range(L)])
            self.ln_f = nn.LayerNorm(C)
            self.head = nn.Linear(C, V, bias=False)
            if tie:
                self.head.weight = self.token_embedding.weight

        def forward(self, idx):
            x = self.position_embedding(self.token_embedding(idx))
            return self.head(self.ln_f(self.blocks(x)))

    theirs = TorchGPT(ours.vocab_size, ours.block_size, ours.embed_dim, ours.num_layers,
                      ours.blocks[0].attn.num_heads, ours.tie_weights)
    _load(torch, theirs, ours)
    return theirs


@oracle
@pytest.mark.parametrize("tie", [False, True])
def test_gpt_logits_and_gradients_match_torch(torch, tie):
    ours = GPT(13, 8, embed_dim=16, num_layers=2, num_heads=4, tie_weights=tie,
               generator=np.random.default_rng(5))
    _perturb(ours, 0.05)
    theirs = _torch_gpt(torch, ours)
    ids = RNG.integers(0, 13, size=(3, 8))
    targets = RNG.integers(0, 13, size=(3, 8))

    expected = theirs(torch.tensor(ids))
    torch.nn.functional.cross_entropy(expected.reshape(-1, 13),
                                      torch.tensor(targets.reshape(-1))).backward()
    logits = ours(ids)
    CrossEntropyLoss()(logits.reshape(-1, 13), Tensor(targets.reshape(-1))).backward()

    assert logits.shape == (3, 8, 13) and logits.dtype == np.float32
    _close(logits.numpy(), expected, what="GPT logits")
    torch_params = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(torch_params), "the same parameters, each once, in torch's order"
    for name, p in ours.named_parameters():
        _close(p.grad.numpy(), torch_params[name].grad, rtol=1e-3, atol=2e-5,
               what=f"{name} gradient")


def test_weight_tying_shares_the_array_and_sums_both_gradients():
    tied = GPT(7, 4, embed_dim=8, num_layers=1, num_heads=2, tie_weights=True,
               generator=np.random.default_rng(6))
    assert tied.head.weight is tied.token_embedding.weight
    assert tied.head.weight.data is tied.token_embedding.weight.data
    assert sum(p is tied.head.weight for p in tied.parameters()) == 1
    untied = GPT(7, 4, embed_dim=8, num_layers=1, num_heads=2)
    untied.load_state_dict(tied.state_dict())
    assert untied.head.weight is not untied.token_embedding.weight
    ids = np.array([[1, 2, 2, 5], [0, 6, 1, 1]])
    tied(ids).sum().backward()
    untied(ids).sum().backward()
    np.testing.assert_allclose(
        tied.token_embedding.weight.grad.numpy(),
        untied.token_embedding.weight.grad.numpy() + untied.head.weight.grad.numpy(),
        rtol=1e-5, atol=1e-7)
    tied.token_embedding.weight.data[0, 0] = 42.0  # one array: the head sees the change
    assert tied.head.weight.data[0, 0] == 42.0


def test_gpt_refuses_a_context_longer_than_block_size_and_1d_ids():
    model = GPT(5, 4, embed_dim=8, num_layers=1, num_heads=2)
    with pytest.raises(ValueError, match="block_size"):
        model(np.zeros((1, 5), np.int64))
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(np.zeros(3, np.int64))


def test_no_python_loop_over_batch_or_time():
    """The graph of a training step does not grow with the batch or the sequence length."""
    model = GPT(11, 16, embed_dim=8, num_layers=2, num_heads=2)
    loss_fn = CrossEntropyLoss()

    def nodes(B, T):
        ids = RNG.integers(0, 11, size=(B, T))
        loss = loss_fn(model(ids).reshape(-1, 11), Tensor(ids.reshape(-1)))
        return len(topological_order(loss))

    assert nodes(1, 4) == nodes(8, 4) == nodes(8, 16)


# --- generate -----------------------------------------------------------------------------------


def _model(**kwargs):
    defaults = dict(embed_dim=16, num_layers=2, num_heads=2, generator=np.random.default_rng(7))
    return GPT(20, 6, **{**defaults, **kwargs})


def test_generate_is_deterministic_for_a_seed_and_differs_across_seeds():
    model = _model()
    a = model.generate([1, 2], 15, seed=11)
    b = model.generate(np.array([1, 2]), 15, seed=11)
    assert a.dtype == np.int64 and a.shape == (17,)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    samples = {tuple(model.generate([1, 2], 15, seed=s).numpy()) for s in range(6)}
    assert len(samples) >= 5
    batch = model.generate(Tensor(np.array([[1, 2], [3, 4]])), 4, top_k=5, seed=0)
    assert batch.shape == (2, 6)
    np.testing.assert_array_equal(batch.numpy()[:, :2], [[1, 2], [3, 4]])


def test_generate_without_a_seed_uses_the_default_generator():
    from tinytorch.core.tensor import manual_seed

    model = _model()
    manual_seed(3)
    a = model.generate([4], 10).numpy()
    manual_seed(3)
    b = model.generate([4], 10).numpy()
    np.testing.assert_array_equal(a, b)


def test_greedy_is_the_argmax_and_top_1_is_greedy():
    model = _model(dropout=0.2)
    out = model.generate([3, 1, 4], 8, temperature=0.0).numpy()
    model.eval()
    for t in range(3, 11):
        context = out[max(0, t - 6):t][None]
        assert out[t] == model(context).numpy()[0, -1].argmax()
    model.train()
    top1 = model.generate([3, 1, 4], 8, temperature=0.7, top_k=1, seed=1).numpy()
    np.testing.assert_array_equal(top1, out)
    assert model.training, "generate restores training mode"
    assert all(p.grad is None for p in model.parameters()), "no graph, no gradients"


def test_a_prompt_longer_than_block_size_is_cropped():
    model = _model()
    prompt = np.arange(10) % 20  # block_size is 6
    out = model.generate(prompt, 3, temperature=0.0).numpy()
    np.testing.assert_array_equal(out[:10], prompt)
    model.eval()
    assert out[10] == model(prompt[None, -6:]).numpy()[0, -1].argmax()
    assert out[11] == model(out[None, 5:11]).numpy()[0, -1].argmax()


def test_generate_checks_its_arguments():
    model = _model()
    with pytest.raises(ValueError, match="prompt"):
        model.generate([], 3)
    with pytest.raises(ValueError, match="temperature"):
        model.generate([1], 3, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k"):
        model.generate([1], 3, top_k=0)
    assert model.generate([[1, 2]], 0).shape == (1, 2)


def test_sample_next_token_follows_the_softmax_with_top_k():
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    rng = np.random.default_rng(0)
    draws = np.array([sample_next_token(logits, 1.0, 3, rng)[0] for _ in range(4000)])
    freq = np.bincount(draws, minlength=4) / 4000
    np.testing.assert_allclose(freq, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0], atol=0.03)
    hot = np.array([sample_next_token(logits, 100.0, None, rng)[0] for _ in range(4000)])
    assert np.bincount(hot, minlength=4).min() > 800, "a high temperature is near uniform"
