"""The vision milestones, ``cnn`` and ``cifar10``: each passes on a copy of the reference
package and fails its gate on a copy with the convolution's or the pooling's backward
broken; ``cifar10`` without CIFAR-10 ends with the reader's message.

The full gates take minutes (``cnn``: 90% on Fashion-MNIST; ``cifar10``: 65% on CIFAR-10,
which is not on the test machines), so these are the smallest runs that still separate
right from wrong: a slice of Fashion-MNIST and one epoch, with an explicit lower gate that
the milestone prints as not its own; for ``cifar10``, a small archive in the official
format whose classes are colours. benchmarks/milestone_cnn.py measures the full ``cnn``
run.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tests.course.test_milestones import (
    assert_failed_at_gate,
    assert_passed,
    reference_workspace,
    run_milestone,
    sabotage,
)
from tito.manifest import Course

pytestmark = pytest.mark.slow

# (file, right line, broken line): a mistake a student could make in module 09. Milder
# ones do not fail a small run: with the convolutions' weights frozen (a zero gradient), or
# the pooling's gradient sent to the wrong pixels (col2im without the stride), the random
# filters still feed BatchNorm2d and Linear features good enough for 77-78% against 80%.
CONV_WEIGHT_GRAD_SIGN = ("core/spatial.py", "dweight = np.matmul(g, matrix.transpose(0, 2, 1))",
                         "dweight = -np.matmul(g, matrix.transpose(0, 2, 1))")

# One epoch on 2,000 training images; the first 500 held-out images (about 78% right, near
# 50% sabotaged).
CNN_SMALL_RUN = ("--limit", "2000", "--test-limit", "500", "--epochs", "1", "--target", "0.7")


@pytest.mark.parametrize("broken", [None, CONV_WEIGHT_GRAD_SIGN],
                         ids=["right", "conv2d-weight-gradient-sign"])
def test_cnn_passes_on_the_reference_and_fails_when_sabotaged(
        broken: tuple[str, str, str] | None, tmp_path: Path, course: Course,
        capfd: pytest.CaptureFixture) -> None:
    workspace = reference_workspace(tmp_path / "ws", course)
    if broken:
        sabotage(workspace, *broken)
    outcome, out, err = run_milestone(course, "cnn", workspace, CNN_SMALL_RUN, capfd)
    # The run says it is not the milestone's own gate.
    assert ("held-out accuracy" in out and "(not the milestone's gate: --limit 2000 "
            "--test-limit 500, --target 0.7)" in out), out
    assert "(a subset: --limit 2000 --test-limit 500)" in outcome.summary
    if broken is None:
        assert_passed(outcome, out, err)
    else:
        assert_failed_at_gate(outcome, out, err)


def cifar_batch(rng: np.random.Generator, count: int) -> dict[bytes, object]:
    """A batch as CIFAR-10's pickles hold it: b"data" uint8 N×3072 (each row the red,
    then green, then blue 32×32 plane) and b"labels" a list of ints. Class k is a colour
    (its three channels' levels are the digits of k in base 3, or so) under noise and a
    random bright square, so shape alone says nothing and colour says everything."""
    labels = rng.integers(0, 10, count)
    levels = np.array([[(k // 3 ** c) % 3 for c in range(3)] for k in range(10)]) * 90 + 30
    levels[9] = (200, 120, 30)  # 9 in base 3 would repeat 0's colour
    images = levels[labels][:, :, None, None] + rng.normal(0, 25, (count, 3, 32, 32))
    for image in images:  # a bright square somewhere: shape that carries no class
        i, j = rng.integers(0, 24, 2)
        image[:, i:i + 8, j:j + 8] = 255
    data = np.clip(images, 0, 255).astype(np.uint8).reshape(count, 3072)
    return {b"batch_label": b"test batch", b"labels": [int(v) for v in labels],
            b"data": data, b"filenames": [b"x.png"] * count}


def write_cifar_archive(folder: Path, per_batch: int = 200, seed: int = 0) -> Path:
    """``cifar-10-python.tar.gz`` in the official layout, with small batches."""
    rng = np.random.default_rng(seed)
    members = {f"data_batch_{i}": cifar_batch(rng, per_batch) for i in range(1, 6)}
    members["test_batch"] = cifar_batch(rng, per_batch)
    members["batches.meta"] = {b"label_names": [b"airplane", b"automobile", b"bird", b"cat",
                                                b"deer", b"dog", b"frog", b"horse", b"ship",
                                                b"truck"], b"num_vis": 3072,
                               b"num_cases_per_batch": per_batch}
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, content in members.items():
            raw = pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return archive


OFFICIAL_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"

# One epoch on the 1,000 training images of the test archive, 200 held out (above 80%
# right, near 0% sabotaged).
CIFAR_SMALL_RUN = ("--epochs", "1", "--target", "0.5", "--no-download")


@pytest.mark.parametrize("broken", [None, CONV_WEIGHT_GRAD_SIGN],
                         ids=["right", "conv2d-weight-gradient-sign"])
def test_cifar10_passes_on_the_reference_and_fails_when_sabotaged(
        broken: tuple[str, str, str] | None, tmp_path: Path, course: Course,
        capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader takes only the official archive, by its SHA-256, and the test archive is
    not it: the package copy under test is given the test archive's digest instead (that
    one line; the reader's code is the package's own). The copy is a test's, never the
    package."""
    archive = write_cifar_archive(tmp_path / "data")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    workspace = reference_workspace(tmp_path / "ws", course)
    sabotage(workspace, "core/dataloader.py", OFFICIAL_SHA256, digest)
    if broken:
        sabotage(workspace, *broken)
    monkeypatch.setenv("TINYTORCH_DATA", str(archive.parent))
    outcome, out, err = run_milestone(course, "cifar10", workspace, CIFAR_SMALL_RUN, capfd)
    assert "CIFAR-10: 1,000 training and 200 held-out images" in out, out
    assert "(not the milestone's gate: --target 0.5)" in out, out
    if broken is None:
        assert_passed(outcome, out, err)
    else:
        assert_failed_at_gate(outcome, out, err)


def test_cifar10_without_the_data_ends_with_the_readers_message(
        tmp_path: Path, course: Course, capfd: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = reference_workspace(tmp_path / "ws", course)
    empty = tmp_path / "no-data"
    monkeypatch.setenv("TINYTORCH_DATA", str(empty))
    outcome, out, err = run_milestone(course, "cifar10", workspace, ("--no-download",), capfd)
    assert not outcome.passed and outcome.returncode == 1, out + err
    assert "Traceback" not in err, err
    archive = empty / "cifar-10-python.tar.gz"
    assert (f"CIFAR10: {archive} is missing and not downloaded (download=False).\n"
            f"  put cifar-10-python.tar.gz (from https://www.cs.toronto.edu/~kriz/"
            f"cifar-10-python.tar.gz, SHA-256 {OFFICIAL_SHA256}) at {archive}\n") in out, out
    assert outcome.summary == out.rstrip().splitlines()[-1].split(": ", 1)[1]
    assert "CIFAR-10 is missing" in outcome.summary


def test_cifar10_refuses_an_archive_that_is_not_the_official_one(
        tmp_path: Path, course: Course, capfd: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A small archive in the official format, but the package's own reader (not told its
    digest) refuses it by its SHA-256: a clear failure, no traceback."""
    archive = write_cifar_archive(tmp_path / "data", per_batch=10)
    workspace = reference_workspace(tmp_path / "ws", course)
    monkeypatch.setenv("TINYTORCH_DATA", str(archive.parent))
    outcome, out, err = run_milestone(course, "cifar10", workspace, ("--no-download",), capfd)
    assert not outcome.passed and outcome.returncode == 1, out + err
    assert "Traceback" not in err, err
    assert f"expected {OFFICIAL_SHA256}: the file is corrupted, truncated or not the " \
           "official one, so it is not used." in out, out
