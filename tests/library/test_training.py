"""`tinytorch.core.training` against PyTorch (the oracle) and against itself.

- LR schedulers: the learning rate of every group after every `step()` equals
  `torch.optim.lr_scheduler`'s, for each scheduler and a warm-up + cosine `SequentialLR`,
  also across a `state_dict()` / `load_state_dict()` restart.
- `clip_grad_norm_`: total norm and clipped gradients equal `torch.nn.utils.clip_grad_norm_`.
- `Trainer`: a few epochs of a small MLP (SGD with momentum, a schedule, clipping) give
  the weights PyTorch's loop gives from the same initial weights and batches; a run saved
  mid-way and resumed in a new Trainer is bit-identical to an unbroken run; checkpoints
  are .npz files read without pickle and replaced atomically; a tiny training run learns.

Tests that need torch take the session fixture ``torch`` and are marked ``oracle``.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, AdamW
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.training import (
    CosineAnnealingLR,
    LinearLR,
    Progress,
    SequentialLR,
    StepLR,
    Trainer,
    accuracy,
    clip_grad_norm_,
    plot_history,
)

oracle = pytest.mark.oracle


# --------------------------------------------------------------------------------------
# learning-rate schedules
# --------------------------------------------------------------------------------------

def _two_groups(torch_module=None):
    """An optimizer with two groups (lr 0.1 and 0.03): ours, or torch's."""
    if torch_module is None:
        a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
        return SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1, momentum=0.9)
    a, b = (torch_module.ones(1, requires_grad=True) for _ in range(2))
    return torch_module.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1,
                                  momentum=0.9)


def _schedules(torch):
    """name -> (make ours from an optimizer, make torch's from a torch optimizer)."""
    lr_scheduler = torch.optim.lr_scheduler
    return {
        "step": (lambda o: StepLR(o, step_size=3, gamma=0.5),
                 lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
        "step default gamma": (lambda o: StepLR(o, step_size=7),
                               lambda o: lr_scheduler.StepLR(o, step_size=7)),
        "cosine": (lambda o: CosineAnnealingLR(o, T_max=10),
                   lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10)),
        "cosine eta_min past T_max": (
            lambda o: CosineAnnealingLR(o, T_max=6, eta_min=0.001),
            lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001)),
        "linear warm-up": (lambda o: LinearLR(o, start_factor=0.1, total_iters=4),
                           lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=4)),
        "linear defaults": (lambda o: LinearLR(o), lambda o: lr_scheduler.LinearLR(o)),
        "linear decay": (
            lambda o: LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=10),
            lambda o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                            total_iters=10)),
        "warm-up then cosine": (
            lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.01, total_iters=3),
                                       CosineAnnealingLR(o, T_max=12, eta_min=1e-4)],
                                   milestones=[3]),
            lambda o: lr_scheduler.SequentialLR(
                o, [lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=3),
                    lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=1e-4)],
                milestones=[3])),
        "three phases": (
            lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.5, total_iters=2),
                                       StepLR(o, step_size=2, gamma=0.5),
                                       CosineAnnealingLR(o, T_max=5)], milestones=[2, 8]),
            lambda o: lr_scheduler.SequentialLR(
                o, [lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=2),
                    lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
                    lr_scheduler.CosineAnnealingLR(o, T_max=5)], milestones=[2, 8])),
    }


SCHEDULES = ["step", "step default gamma", "cosine", "cosine eta_min past T_max",
             "linear warm-up", "linear defaults", "linear decay", "warm-up then cosine",
             "three phases"]


def _check_lrs(ours, theirs, optimizer, ref_optimizer, what: str) -> None:
    np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-9,
                               atol=1e-15, err_msg=what)
    np.testing.assert_allclose([g["lr"] for g in optimizer.param_groups],
                               [g["lr"] for g in ref_optimizer.param_groups], rtol=1e-9,
                               atol=1e-15, err_msg=what)


@oracle
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch: scheduler.step() before opt.step()
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_matches_torch(torch, name):
    make, make_theirs = _schedules(torch)[name]
    optimizer, ref_optimizer = _two_groups(), _two_groups(torch)
    ours, theirs = make(optimizer), make_theirs(ref_optimizer)
    _check_lrs(ours, theirs, optimizer, ref_optimizer, f"{name}, epoch 0")
    for epoch in range(1, 25):
        ours.step()
        theirs.step()
        _check_lrs(ours, theirs, optimizer, ref_optimizer, f"{name}, epoch {epoch}")
    assert ours.last_epoch == theirs.last_epoch == 24


@oracle
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["step", "cosine", "warm-up then cosine", "three phases"])
def test_schedule_resumes_from_its_state_dict(torch, name):
    """Saved at epoch 5 and loaded into a new scheduler over a new optimizer (whose state
    was loaded first, as a checkpoint does), the schedule continues like torch's."""
    make, make_theirs = _schedules(torch)[name]
    optimizer, ref_optimizer = _two_groups(), _two_groups(torch)
    ours, theirs = make(optimizer), make_theirs(ref_optimizer)
    for _ in range(5):
        ours.step()
        theirs.step()
    saved, saved_optimizer = ours.state_dict(), optimizer.state_dict()
    assert "optimizer" not in saved
    fresh = _two_groups()
    fresh.load_state_dict(saved_optimizer)
    resumed = make(fresh)
    resumed.load_state_dict(saved)
    _check_lrs(resumed, theirs, fresh, ref_optimizer, f"{name} after loading")
    for epoch in range(6, 20):
        resumed.step()
        theirs.step()
        _check_lrs(resumed, theirs, fresh, ref_optimizer, f"{name}, epoch {epoch}")


@oracle
def test_scheduler_errors_like_torch(torch):
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        LinearLR(_two_groups(), start_factor=0.0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        LinearLR(_two_groups(), end_factor=1.5)
    optimizer = _two_groups()
    with pytest.raises(ValueError, match="number of milestone points"):
        SequentialLR(optimizer, [StepLR(optimizer, 2), StepLR(optimizer, 3)], milestones=[])
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(_two_groups(), step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="not an Optimizer"):
        StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        torch.optim.lr_scheduler.StepLR(_two_groups(torch), step_size=2, last_epoch=3)


# --------------------------------------------------------------------------------------
# clip_grad_norm_
# --------------------------------------------------------------------------------------

@oracle
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 3, 5), (1,)]
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in shapes]
    ours = [Tensor(np.zeros(s, np.float32), requires_grad=True) for s in shapes]
    theirs = [torch.zeros(s, requires_grad=True) for s in shapes]
    for p, q, g in zip(ours, theirs, grads, strict=True):
        p.grad, q.grad = Tensor(g.copy()), torch.tensor(g.copy())
    ours[3].grad = theirs[3].grad = None  # a parameter without a gradient
    arrays = [p.grad.data for p in ours[:3]]
    total = clip_grad_norm_(iter(ours), max_norm, norm_type=norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, Tensor) and total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), ref_total.item(), rtol=1e-5)
    for p, q, array in zip(ours, theirs, arrays, strict=False):
        assert p.grad.data is array, "clipped in place"
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert ours[3].grad is None


@oracle
def test_clip_grad_norm_single_tensor_nonfinite_and_empty(torch):
    p = Tensor([0.0, 0.0], requires_grad=True)
    p.grad = Tensor([3.0, 4.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    p.grad = Tensor([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = torch.tensor([0.0, 0.0], requires_grad=True)
    q.grad = torch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([Tensor([1.0], requires_grad=True)], 1.0).item() == 0.0


# --------------------------------------------------------------------------------------
# the Trainer
# --------------------------------------------------------------------------------------

def _blobs(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D: an easy 3-class problem."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centers = np.array([[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]], dtype=np.float32)
    return (centers[labels] + rng.standard_normal((n, 4)) * 0.7).astype(np.float32), labels


def _trainer(seed: int = 0, *, dropout: float = 0.2, optimizer: str = "adam",
             shuffle_generator: bool = True, verbose: bool = False) -> Trainer:
    """A trainer built the same way every time for one seed."""
    x, y = _blobs(seed=seed)
    generator = np.random.default_rng(seed + 10) if shuffle_generator else None
    train = DataLoader(TensorDataset(x[:72], y[:72]), batch_size=16, shuffle=True,
                       generator=generator)
    val = DataLoader(TensorDataset(x[72:], y[72:]), batch_size=16)
    model = Sequential(Linear(4, 16, generator=np.random.default_rng(seed + 1)), ReLU(),
                       Dropout(dropout, generator=np.random.default_rng(seed + 2)
                               if shuffle_generator else None),
                       Linear(16, 3, generator=np.random.default_rng(seed + 3)))
    if optimizer == "adam":
        opt = AdamW(model.parameters(), lr=0.02)
        sched = SequentialLR(opt, [LinearLR(opt, start_factor=0.2, total_iters=2),
                                   CosineAnnealingLR(opt, T_max=6)], milestones=[2])
    else:
        opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        sched = StepLR(opt, step_size=2, gamma=0.5)
    return Trainer(model, opt, CrossEntropyLoss(), train, val_loader=val, scheduler=sched,
                   clip_grad_norm=1.0, verbose=verbose)


def _weights(trainer: Trainer) -> list[np.ndarray]:
    return [p.numpy().copy() for p in trainer.model.parameters()]


def test_a_tiny_training_run_learns():
    trainer = _trainer()
    history = trainer.fit(8)
    assert trainer.epoch == 8
    assert all(len(history[k]) == 8 for k in ("lr", "train_loss", "train_accuracy",
                                               "val_loss", "val_accuracy"))
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["val_accuracy"][-1] >= 0.9
    assert history["lr"][:3] == pytest.approx([0.004, 0.012, 0.02])


@pytest.mark.parametrize(("optimizer", "generators"), [("adam", True), ("sgd", True),
                                                       ("adam", False)])
def test_resume_from_a_checkpoint_is_bit_identical(tmp_path, optimizer, generators):
    """Saved after 3 of 7 epochs, loaded into a newly built Trainer (new model, optimizer,
    schedule, loaders, as after a restart), the run ends with exactly the weights and
    history of an unbroken one: with their own generators, and with shuffling and dropout
    drawing from the default generator."""
    manual_seed(123)
    unbroken = _trainer(optimizer=optimizer, shuffle_generator=generators)
    unbroken.fit(7)
    manual_seed(123)
    first = _trainer(optimizer=optimizer, shuffle_generator=generators)
    first.fit(3, checkpoint=tmp_path / "run.npz")
    manual_seed(999)  # a restart draws other numbers before loading
    resumed = _trainer(optimizer=optimizer, shuffle_generator=generators)
    resumed.load_checkpoint(tmp_path / "run.npz")
    assert resumed.epoch == 3
    resumed.fit(7)
    for a, b in zip(_weights(unbroken), _weights(resumed), strict=True):
        assert np.array_equal(a, b)
    assert resumed.history == unbroken.history
    assert resumed.scheduler.get_last_lr() == unbroken.scheduler.get_last_lr()


def test_checkpoint_without_any_state_restored_differs(tmp_path):
    """The resume test can fail: loading only the weights does not reproduce the run."""
    unbroken = _trainer()
    unbroken.fit(5)
    first = _trainer()
    first.fit(3)
    resumed = _trainer()
    resumed.model.load_state_dict(first.model.state_dict())
    resumed.epoch = 3
    resumed.fit(5)
    assert not all(np.array_equal(a, b)
                   for a, b in zip(_weights(unbroken), _weights(resumed), strict=True))


def test_checkpoint_file_is_an_npz_without_objects(tmp_path):
    trainer = _trainer()
    trainer.fit(2)
    path = trainer.save_checkpoint(tmp_path / "c.npz")
    assert path == tmp_path / "c.npz"
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype.kind != "O" for name in archive.files)
        names = set(archive.files)
    assert {"model/0.weight", "model/0.bias", "model/3.weight", "meta"} <= names
    assert any(name.endswith("/exp_avg_sq") for name in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    """A save that fails half-way leaves the previous checkpoint intact and no temp file."""
    trainer = _trainer()
    trainer.fit(1)
    path = trainer.save_checkpoint(tmp_path / "c.npz")
    before = path.read_bytes()
    trainer.fit(2)

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        trainer.save_checkpoint(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]


def test_load_checkpoint_of_another_model_is_refused(tmp_path):
    trainer = _trainer()
    trainer.save_checkpoint(tmp_path / "c.npz")
    other = Trainer(Sequential(Linear(4, 3)), SGD(Linear(4, 3).parameters()), MSELoss(), [],
                    verbose=False)
    other.model = Sequential(Linear(4, 8), ReLU(), Linear(8, 3), Linear(3, 3))
    with pytest.raises(KeyError, match="same model"):
        other.load_checkpoint(tmp_path / "c.npz")


@oracle
def test_trainer_matches_a_torch_training_loop(torch):
    """3 epochs of a 4-16-3 MLP, SGD with Nesterov momentum, StepLR and clipping, batches in
    a fixed order: the same weights as the same loop written in PyTorch."""
    x, y = _blobs(n=64)
    model = Sequential(Linear(4, 16, generator=np.random.default_rng(1)), ReLU(),
                       Linear(16, 3, generator=np.random.default_rng(2)))
    opt = SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=1e-3)
    trainer = Trainer(model, opt, CrossEntropyLoss(),
                      DataLoader(TensorDataset(x, y), batch_size=16),
                      scheduler=StepLR(opt, step_size=1, gamma=0.7), clip_grad_norm=0.5,
                      verbose=False)
    reference = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(),
                                    torch.nn.Linear(16, 3))
    with torch.no_grad():
        for q, p in zip(reference.parameters(), model.parameters(), strict=True):
            q.copy_(torch.tensor(p.numpy()))
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.2, momentum=0.9, nesterov=True,
                              weight_decay=1e-3)
    ref_sched = torch.optim.lr_scheduler.StepLR(ref_opt, step_size=1, gamma=0.7)
    losses = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 64, 16):
            xb, yb = torch.tensor(x[start:start + 16]), torch.tensor(y[start:start + 16])
            ref_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(reference(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.5)
            ref_opt.step()
            total += loss.item() * 16
        ref_sched.step()
        losses.append(total / 64)
        trainer.train_epoch()
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(trainer.history["train_loss"], losses, rtol=1e-5)
    assert trainer.history["lr"] == pytest.approx([0.2, 0.14, 0.098])


def test_evaluate_is_eval_mode_without_graph_and_does_not_train():
    trainer = _trainer(dropout=0.9)
    before = _weights(trainer)
    first, second = trainer.evaluate(), trainer.evaluate()
    assert first == second  # dropout off
    assert trainer.model.training is False
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(trainer), strict=True))
    assert all(p.grad is None for p in trainer.model.parameters())
    assert trainer.history["val_loss"] == []
    trainer.train_epoch()
    assert trainer.model.training is True


def test_accuracy_metric():
    logits = Tensor([[2.0, 1.0], [0.0, 3.0], [1.0, -1.0]])
    assert accuracy(logits, Tensor([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(logits, Tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])) == 1.0
    assert accuracy(Tensor([[0.3], [-2.0]]), Tensor([[1.0], [1.0]])) == 0.5
    assert accuracy(Tensor(np.zeros((0, 3))), Tensor(np.zeros(0))) == 0.0


# --------------------------------------------------------------------------------------
# progress display and plots
# --------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_in_a_terminal_and_prints_lines_elsewhere():
    terminal = _Terminal()
    bar = Progress(4, "epoch 1", stream=terminal, interval=0.0)
    for i in range(4):
        bar.update(loss=1.0 / (i + 1))
    bar.close(loss=0.25, accuracy=0.5)
    text = terminal.getvalue()
    assert text.count("\r") == 5 and text.endswith("\n") and text.count("\n") == 1
    assert "4/4" in text.split("\r")[-1] and "accuracy 0.5" in text

    log = io.StringIO()
    bar = Progress(4, "epoch 1", stream=log)
    for _ in range(4):
        bar.update(loss=0.5)
    bar.close()
    assert "\r" not in log.getvalue() and log.getvalue().count("\n") == 1

    quiet = _Terminal()
    bar = Progress(4, stream=quiet, verbose=False)
    bar.update()
    bar.close()
    assert quiet.getvalue() == ""


def test_fit_prints_one_train_and_one_val_line_per_epoch(capsys):
    trainer = _trainer(verbose=True)
    trainer.fit(2)
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 4
    assert lines[0].startswith("epoch 1 train [") and "loss" in lines[0]
    assert lines[1].startswith("epoch 1 val") and "accuracy" in lines[1]
    _trainer(verbose=False).fit(2)
    assert capsys.readouterr().out == ""


def test_plot_history_and_no_matplotlib_at_import(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    trainer = _trainer()
    history = trainer.fit(2)
    figure = plot_history(history, tmp_path / "curves.png")
    assert len(figure.axes) == 3  # loss (+ its lr axis), accuracy
    assert (tmp_path / "curves.png").stat().st_size > 0
    code = ("import sys, tinytorch.core.training; "
            "assert 'matplotlib' not in sys.modules, 'imported at import time'")
    subprocess.run([sys.executable, "-c", code], check=True)
