"""`tinytorch.core.dataloader` against PyTorch's `torch.utils.data` and its data set readers.

The loader, `default_collate` and `Normalize` are compared with PyTorch CPU (the `torch`
fixture, marker `oracle`): batch composition and `len()` for every batch size and
`drop_last`, collated types and dtypes, and Normalize against torchvision's formula (torchvision
itself is not installed; its Normalize is `(x - mean[:, None, None]) / std[:, None, None]`
in the input's dtype). Where TinyTorch differs on purpose, the test says so: Python floats
collate to float32 (PyTorch: float64), and an empty shuffled data set gives no batches
(PyTorch's RandomSampler refuses it).

The readers are tested on small files written here in each official format (gzip'd IDX,
CIFAR-10's pickled batches in a tar.gz, pickled the way Python 2 wrote the official ones and
the way Python 3 writes them), on Debian's `dataset-fashion-mnist` package (installed by
`make` set-up), and on scikit-learn's digits. Expected checksums are patched to the small
files' digests; left alone, the official digests refuse them (the checksum-mismatch tests).
No network: "offline" is a real download attempt against 127.0.0.1:9, where nothing listens
(connection refused at once), and the successful download comes from a local HTTP server.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import pickle
import re
import struct
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.dataloader import (
    CIFAR10,
    MNIST,
    ChecksumError,
    Compose,
    DataLoader,
    Dataset,
    Digits,
    FashionMNIST,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    TensorDataset,
    TinyShakespeare,
    ToTensor,
    data_home,
    default_collate,
    parse_idx,
)
from tinytorch.core.tensor import Tensor, manual_seed
from tito.manifest import load_course

oracle = pytest.mark.oracle
ROOT = Path(__file__).resolve().parents[2]
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens, refused at once


def batches_of(loader) -> list[list[np.ndarray]]:
    """Every batch of one epoch as a list of NumPy arrays (TinyTorch or PyTorch)."""
    return [[np.asarray(field.numpy()) for field in batch] for batch in loader]


# --------------------------------------------------------------------------------------
# DataLoader and collate against torch.utils.data
# --------------------------------------------------------------------------------------


@oracle
@pytest.mark.parametrize("n", [0, 1, 7, 12, 13])
@pytest.mark.parametrize("batch_size", [1, 4, 5, 12, 20])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_match_pytorch_without_shuffle(torch, n, batch_size, drop_last):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 4
    ours = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, expected = batches_of(ours), batches_of(theirs)
    assert len(got) == len(expected) == len(ours)
    for mine, reference in zip(got, expected, strict=True):
        assert [a.dtype for a in mine] == [a.dtype for a in reference]
        for a, b in zip(mine, reference, strict=True):
            np.testing.assert_array_equal(a, b)


@oracle
def test_generic_dataset_batches_match_pytorch(torch):
    samples = [(np.full((2, 2), i, dtype=np.float32), i % 3, bool(i % 2)) for i in range(7)]

    class Ours(Dataset):
        def __getitem__(self, i):
            return samples[i]

        def __len__(self):
            return len(samples)

    ours = batches_of(DataLoader(Ours(), batch_size=3))
    theirs = batches_of(torch.utils.data.DataLoader(samples, batch_size=3))
    for mine, reference in zip(ours, theirs, strict=True):
        assert [a.dtype for a in mine] == [a.dtype for a in reference]  # float32, int64, bool
        for a, b in zip(mine, reference, strict=True):
            np.testing.assert_array_equal(a, b)


@oracle
def test_default_collate_matches_pytorch(torch):
    from torch.utils.data import default_collate as torch_collate

    batch = [{"image": np.ones((2, 3), np.uint8) * i, "label": i, "flag": i > 0,
              "pair": (np.float64(i), np.int32(i))} for i in range(3)]
    ours, theirs = default_collate(batch), torch_collate(batch)
    assert sorted(ours) == sorted(theirs)
    for key in ("image", "label", "flag"):
        assert isinstance(ours[key], Tensor)
        np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy())
        assert ours[key].dtype == theirs[key].numpy().dtype
    assert type(ours["pair"]) is type(theirs["pair"]) is list  # a tuple of fields -> list
    for mine, reference in zip(ours["pair"], theirs["pair"], strict=True):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
        assert mine.dtype == reference.numpy().dtype
    # The one deliberate difference: Python floats become float32 (PyTorch: float64).
    assert default_collate([0.5, 1.5]).dtype == np.float32
    assert torch_collate([0.5, 1.5]).dtype == torch.float64
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        default_collate([np.zeros(3), np.zeros(2)])
    with pytest.raises(TypeError, match="object"):
        default_collate([object()])


@oracle
def test_empty_dataset(torch):
    empty = TensorDataset(np.zeros((0, 3), np.float32))
    assert list(DataLoader(empty, batch_size=2)) == []
    assert list(torch.utils.data.DataLoader(torch.zeros((0, 3)), batch_size=2)) == []
    # Shuffling nothing gives nothing here; PyTorch's RandomSampler refuses an empty data set.
    assert list(DataLoader(empty, batch_size=2, shuffle=True)) == []
    with pytest.raises(ValueError, match="num_samples"):
        torch.utils.data.DataLoader(torch.zeros((0, 3)), batch_size=2, shuffle=True)


def test_shuffle_is_a_fresh_seeded_permutation_per_epoch():
    ds = TensorDataset(np.arange(101))

    def epochs(loader: DataLoader, count: int = 4) -> list[list[int]]:
        return [[int(i) for batch in loader for i in batch[0].numpy()] for _ in range(count)]

    first = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(5)))
    again = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(5)))
    assert first == again
    assert all(sorted(epoch) == list(range(101)) for epoch in first)
    assert len({tuple(epoch) for epoch in first}) == 4
    assert first[0] != list(range(101))
    # No generator: the default one, read when each epoch starts (torch.manual_seed's rule).
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    manual_seed(9)
    a = epochs(loader, 2)
    manual_seed(9)
    assert epochs(DataLoader(ds, batch_size=8, shuffle=True), 2) == a


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 25), drop_last=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_an_epoch_partitions_a_permutation(n, batch_size, drop_last, seed):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=batch_size, shuffle=True,
                        drop_last=drop_last, generator=np.random.default_rng(seed))
    sizes, seen = [], []
    for (batch,) in loader:
        sizes.append(len(batch))
        seen += batch.numpy().tolist()
    assert len(sizes) == len(loader)
    assert all(size == batch_size for size in sizes[:-1])
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(set(seen)) == len(seen)  # no sample twice in an epoch
    if not drop_last:
        assert sorted(seen) == list(range(n))
    expected = np.random.default_rng(seed).permutation(n)[:len(seen)]
    np.testing.assert_array_equal(seen, expected)  # the epoch is the generator's permutation


@pytest.mark.parametrize("n", [1, 17, 64])
@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_gather_path_equals_the_per_sample_path(n, batch_size):
    rng = np.random.default_rng(n * 100 + batch_size)
    ds = TensorDataset(rng.standard_normal((n, 3, 2, 2)).astype(np.float32),
                       rng.integers(0, 10, n), rng.random(n) < 0.5,
                       rng.integers(0, 255, (n, 5)).astype(np.uint8))
    fast = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=np.random.default_rng(1))
    slow = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=np.random.default_rng(1),
                      collate_fn=lambda samples: default_collate(samples))
    got, expected = batches_of(fast), batches_of(slow)
    assert len(got) == len(expected) == len(fast)
    for mine, reference in zip(got, expected, strict=True):
        for a, b in zip(mine, reference, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_loader_and_dataset_refuse_bad_arguments():
    ds = TensorDataset(np.arange(4))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(ds, shuffle=True, generator=0)
    with pytest.raises(TypeError, match="__getitem__"):
        DataLoader(3)
    with pytest.raises(ValueError, match=r"\[4, 3\]"):
        TensorDataset(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# --------------------------------------------------------------------------------------
# Transforms
# --------------------------------------------------------------------------------------


@oracle
@pytest.mark.parametrize("shape", [(3, 5, 4), (2, 3, 5, 4), (1, 1, 1)])
def test_normalize_matches_torchvision_math(torch, shape):
    channels = shape[-3]
    rng = np.random.default_rng(0)
    x = rng.random(shape).astype(np.float32)
    mean = [0.485, 0.456, 0.406][:channels]
    std = [0.229, 0.224, 0.225][:channels]
    t = torch.from_numpy(x)
    expected = (t - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    got = Normalize(mean, std)(Tensor(x))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.numpy(), expected.numpy())  # same float32 arithmetic
    np.testing.assert_array_equal(Normalize(mean, std)(x), expected.numpy())


def test_normalize_in_place():
    x = Tensor(np.full((2, 2, 2), 3.0, dtype=np.float32))
    out = Normalize([1.0, 2.0], [2.0, 1.0], inplace=True)(x)
    assert out is x
    np.testing.assert_array_equal(x.numpy()[:, 0, 0], [1.0, 1.0])
    y = np.full((2, 1, 1), 3.0, dtype=np.float32)
    assert Normalize([1.0, 2.0], [2.0, 1.0])(y) is not y and y[0, 0, 0] == 3.0


def test_normalize_errors():
    with pytest.raises(ValueError, match=r"2 mean values for an image with 3 channels"):
        Normalize([0.5, 0.5], [0.5, 0.5])(np.zeros((3, 2, 2), np.float32))
    with pytest.raises(ValueError, match="shape"):
        Normalize([0.5], [0.5])(np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError, match="float"):
        Normalize([0.5], [0.5])(Tensor(np.zeros((1, 2, 2), np.uint8)))


def test_random_crop_padding_forms_and_bounds():
    x = np.arange(2 * 4 * 6, dtype=np.float32).reshape(2, 4, 6)
    # torchvision's padding forms: int, (left/right, top/bottom), (left, top, right, bottom)
    assert RandomCrop(1, padding=2).padding == (2, 2, 2, 2)
    assert RandomCrop(1, padding=(1, 3)).padding == (1, 3, 1, 3)
    assert RandomCrop(1, padding=(1, 2, 3, 4)).padding == (1, 2, 3, 4)
    # Padded to 10 x 10; every 5 x 7 window holds some (unique) image pixels, so each crop
    # identifies its position.
    crop = RandomCrop((5, 7), padding=(1, 2, 3, 4), fill=-1, generator=np.random.default_rng(0))
    padded = np.pad(x, [(0, 0), (2, 4), (1, 3)], constant_values=-1)
    offsets = []
    for _ in range(1000):
        out = crop(x)
        matches = [(i, j) for i in range(6) for j in range(4)
                   if np.array_equal(out, padded[:, i:i + 5, j:j + 7])]
        assert len(matches) == 1, "every crop is one window of the padded image"
        offsets += matches
    assert set(offsets) == {(i, j) for i in range(6) for j in range(4)}  # every position
    for mode in ("edge", "reflect", "symmetric"):
        out = RandomCrop(6, padding=2, padding_mode=mode, generator=np.random.default_rng(1))(x)
        windows = np.lib.stride_tricks.sliding_window_view(
            np.pad(x, [(0, 0), (2, 2), (2, 2)], mode=mode), (6, 6), axis=(1, 2))
        assert any(np.array_equal(out, windows[:, i, j]) for i in range(3) for j in range(5))
    with pytest.raises(ValueError, match="larger"):
        RandomCrop(5)(x)
    # pad_if_needed: torchvision pads each side of a short dim by the whole difference
    grown = RandomCrop((6, 8), pad_if_needed=True, fill=-1,
                       generator=np.random.default_rng(2))(x)
    assert grown.shape == (2, 6, 8)
    padded = np.pad(x, [(0, 0), (2, 2), (2, 2)], constant_values=-1)  # 8 x 10
    assert any(np.array_equal(grown, padded[:, i:i + 6, j:j + 8])
               for i in range(3) for j in range(3))
    with pytest.raises(ValueError, match="padding_mode"):
        RandomCrop(2, padding_mode="wrap")


def test_flip_and_compose_on_tensors():
    x = Tensor(np.arange(12, dtype=np.float32).reshape(1, 3, 4))
    flipped = RandomHorizontalFlip(p=1.0)(x)
    assert isinstance(flipped, Tensor)
    np.testing.assert_array_equal(flipped.numpy(), x.numpy()[..., ::-1])
    assert not np.shares_memory(flipped.numpy(), x.numpy())
    rate = np.mean([RandomHorizontalFlip(0.3, np.random.default_rng(i))(x).numpy()[0, 0, 0] == 3
                    for i in range(2000)])
    assert 0.26 < rate < 0.34
    pipeline = Compose([RandomHorizontalFlip(p=1.0), Normalize([1.0], [2.0])])
    np.testing.assert_array_equal(pipeline(x).numpy(), (x.numpy()[..., ::-1] - 1) / 2)
    with pytest.raises(ValueError, match="probability"):
        RandomHorizontalFlip(p=1.5)


def test_to_tensor_matches_torchvision_layout():
    hwc = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    out = ToTensor()(hwc)
    assert out.shape == (3, 2, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), hwc.transpose(2, 0, 1) / 255, rtol=1e-6)
    assert ToTensor()(np.zeros((5, 4), np.uint8)).shape == (1, 5, 4)


# --------------------------------------------------------------------------------------
# IDX files: MNIST and Fashion-MNIST
# --------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    """`array` in the IDX format, as MNIST's files store it."""
    code = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
            np.float64: 0x0E}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_parse_idx_round_trips(dtype):
    array = (np.arange(24) - 5).astype(dtype).reshape(2, 3, 4)
    parsed = parse_idx(idx_bytes(array))
    assert parsed.dtype == np.dtype(dtype).newbyteorder("=") and parsed.shape == (2, 3, 4)
    np.testing.assert_array_equal(parsed, array)
    with pytest.raises(ValueError, match="truncated"):
        parse_idx(idx_bytes(array)[:-1])
    with pytest.raises(ValueError, match="not an IDX file"):
        parse_idx(b"\x1f\x8b\x08\x00" + idx_bytes(array))  # a gzip header: not decompressed


def small_mnist(folder: Path, compress: bool = True) -> dict[str, str]:
    """Write a small MNIST (5 train, 3 test images) into `folder`; return the content digests."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28)).astype(np.uint8),
        "train-labels-idx1-ubyte": np.array([3, 1, 4, 1, 5], np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28)).astype(np.uint8),
        "t10k-labels-idx1-ubyte": np.array([9, 2, 6], np.uint8),
    }
    digests = {}
    for name, array in arrays.items():
        raw = idx_bytes(array)
        digests[name] = hashlib.sha256(raw).hexdigest()
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    np.save(folder.parent / "arrays.npy", arrays["train-images-idx3-ubyte"])
    return digests


@pytest.fixture
def no_system_copies(monkeypatch):
    """Readers see only the test's root: not Debian's /usr/share/datasets."""
    monkeypatch.setattr(MNIST, "system_dirs", ())


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_reads_idx_files_from_the_cache(tmp_path, monkeypatch, no_system_copies, compress):
    monkeypatch.setattr(MNIST, "resources", small_mnist(tmp_path / "mnist", compress))
    train = MNIST(root=tmp_path, download=False)
    images = np.load(tmp_path / "arrays.npy")
    assert train.data.dtype == np.uint8 and train.data.shape == (5, 28, 28)
    np.testing.assert_array_equal(train.data, images)
    np.testing.assert_array_equal(train.targets, [3, 1, 4, 1, 5])
    assert train.targets.dtype == np.int64 and len(train) == 5
    image, label = train[2]
    assert isinstance(image, Tensor) and image.shape == (1, 28, 28) and image.dtype == np.float32
    np.testing.assert_allclose(image.numpy()[0], images[2] / 255, rtol=1e-6)
    assert label == 4 and type(label) is int
    test = MNIST(root=tmp_path, train=False, download=False,
                 transform=Normalize([0.5], [0.5]), target_transform=lambda y: y + 100)
    image, label = test[0]
    assert len(test) == 3 and label == 109
    assert image.numpy().min() >= -1 and image.numpy().max() <= 1


def test_mnist_refuses_a_file_with_the_wrong_checksum(tmp_path, no_system_copies):
    small_mnist(tmp_path / "mnist")  # valid IDX, but not the official files
    with pytest.raises(ChecksumError, match=r"train-images-idx3-ubyte\.gz has SHA-256") as error:
        MNIST(root=tmp_path, download=False)
    assert "not used" in str(error.value) and "Delete it" in str(error.value)


def test_a_truncated_gzip_is_refused(tmp_path, monkeypatch, no_system_copies):
    monkeypatch.setattr(MNIST, "resources", small_mnist(tmp_path / "mnist"))
    path = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ChecksumError, match="not a valid gzip file"):
        MNIST(root=tmp_path, download=False)


def test_offline_message_names_every_missing_file_and_where_it_goes(tmp_path, monkeypatch,
                                                                    no_system_copies):
    monkeypatch.setattr(MNIST, "mirrors", (UNREACHABLE,))
    with pytest.raises(FileNotFoundError) as error:
        MNIST(root=tmp_path)
    message = str(error.value)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        assert f"put {name}.gz (from {UNREACHABLE}{name}.gz) at {tmp_path}/mnist/{name}.gz" \
            in message
    assert "t10k" not in message  # only the split asked for
    assert "the download failed" in message and "refused" in message.lower()
    assert list((tmp_path / "mnist").iterdir()) == []  # nothing partial left behind
    with pytest.raises(FileNotFoundError, match=r"download=False"):
        MNIST(root=tmp_path, train=False, download=False)


def test_fashion_offline_message_names_debians_package(tmp_path, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    monkeypatch.setattr(FashionMNIST, "mirrors", (UNREACHABLE,))
    with pytest.raises(FileNotFoundError) as error:
        FashionMNIST(root=tmp_path, train=False)
    message = str(error.value)
    assert f"at {tmp_path}/fashion-mnist/t10k-images-idx3-ubyte.gz" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "/usr/share/datasets/fashion-mnist/" in message


class Server:
    """A local HTTP server handing out `files` (name -> bytes); 404 for anything else."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.requests = files, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's name
                server.requests.append(self.path)
                body = server.files.get(self.path.lstrip("/"))
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(files: dict[str, bytes]) -> Server:
        servers.append(Server(files))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_download_verifies_then_caches(tmp_path, monkeypatch, no_system_copies, serve):
    source = tmp_path / "source"
    monkeypatch.setattr(MNIST, "resources", small_mnist(source / "mnist"))
    files = {p.name: p.read_bytes() for p in (source / "mnist").iterdir()}
    server = serve(files)
    monkeypatch.setattr(MNIST, "mirrors", (UNREACHABLE, server.url))  # the first one fails
    cache = tmp_path / "cache"
    train = MNIST(root=cache)
    assert len(train) == 5
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert (cache / "mnist" / "train-images-idx3-ubyte.gz").read_bytes() == \
        files["train-images-idx3-ubyte.gz"]
    MNIST(root=cache)  # cached now: no second download
    assert len(server.requests) == 2


def test_a_corrupted_download_is_never_cached(tmp_path, monkeypatch, no_system_copies, serve):
    source = tmp_path / "source"
    monkeypatch.setattr(MNIST, "resources", small_mnist(source / "mnist"))
    files = {p.name: p.read_bytes() for p in (source / "mnist").iterdir()}
    good = files["train-images-idx3-ubyte.gz"]
    files["train-images-idx3-ubyte.gz"] = gzip.compress(gzip.decompress(good)[:-1] + b"\x01")
    monkeypatch.setattr(MNIST, "mirrors", (serve(files).url,))
    with pytest.raises(FileNotFoundError) as error:
        MNIST(root=tmp_path / "cache")
    assert "has SHA-256" in str(error.value) and "train-images-idx3-ubyte.gz" in str(error.value)
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == [
        "train-labels-idx1-ubyte.gz"]  # the good file stays, the bad one is gone


def test_fashion_mnist_from_debians_package(tmp_path):
    assert (DEBIAN_FASHION / "train-images-idx3-ubyte.gz").exists(), (
        "Debian's Fashion-MNIST is missing: apt-get install dataset-fashion-mnist "
        "(make's set-up installs it)")
    train = FashionMNIST(root=tmp_path, download=False)
    test = FashionMNIST(root=tmp_path, train=False, download=False)
    assert train.data.shape == (60_000, 28, 28) and test.data.shape == (10_000, 28, 28)
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(train.targets), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(test.targets), [1000] * 10)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and label == 9  # the first image is an ankle boot
    assert train.classes[label] == "Ankle boot"
    assert list(tmp_path.iterdir()) == []  # read in place, nothing copied


# --------------------------------------------------------------------------------------
# CIFAR-10
# --------------------------------------------------------------------------------------


def python2_pickle(batch: dict) -> bytes:
    """`batch` as Python 2's cPickle (protocol 2) wrote CIFAR-10's files: str keys and data as
    Python 2 byte strings, the array rebuilt through numpy.core.multiarray._reconstruct."""

    def text(value: bytes) -> bytes:  # SHORT_BINSTRING / BINSTRING
        if len(value) < 256:
            return b"U" + bytes([len(value)]) + value
        return b"T" + struct.pack("<i", len(value)) + value

    def number(value: int) -> bytes:  # BININT1 / BININT
        return b"K" + bytes([value]) if 0 <= value < 256 else b"J" + struct.pack("<i", value)

    data = batch[b"data"]
    array = (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + number(0) + b"\x85"
             + text(b"b") + b"\x87R(" + number(1) + number(data.shape[0])
             + number(data.shape[1]) + b"\x86cnumpy\ndtype\n" + text(b"u1") + number(0)
             + number(1) + b"\x87R(" + number(3) + text(b"|") + b"NNN" + number(-1) + number(-1)
             + number(0) + b"tb\x89" + text(data.tobytes()) + b"tb")
    labels = b"](" + b"".join(number(label) for label in batch[b"labels"]) + b"e"
    return (b"\x80\x02}(" + text(b"batch_label") + text(batch[b"batch_label"]) + text(b"data")
            + array + text(b"labels") + labels + b"u.")


def cifar_archive(path: Path, per_batch: int = 4, protocol: int | str = 2,
                  poison: object | None = None) -> np.ndarray:
    """Write a small cifar-10-python.tar.gz; return all its images as (N, 3, 32, 32)."""
    rng = np.random.default_rng(1)
    images = []
    with tarfile.open(path, "w:gz") as tar:
        for index, name in enumerate([*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]):
            data = rng.integers(0, 256, (per_batch, 3072)).astype(np.uint8)
            images.append(data.reshape(-1, 3, 32, 32))
            batch = {b"batch_label": name.encode(), b"data": data,
                     b"labels": [(index + k) % 10 for k in range(per_batch)],
                     b"filenames": [f"{k}.png".encode() for k in range(per_batch)]}
            if poison is not None and name == "test_batch":
                batch[b"extra"] = poison
            body = (python2_pickle(batch) if protocol == "python2"
                    else pickle.dumps(batch, protocol=protocol))
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return np.concatenate(images)


@pytest.mark.parametrize("protocol", ["python2", 2, 4])
def test_cifar10_reads_the_pickled_batches(tmp_path, monkeypatch, protocol):
    images = cifar_archive(tmp_path / "cifar-10-python.tar.gz", protocol=protocol)
    digest = hashlib.sha256((tmp_path / "cifar-10-python.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setattr(CIFAR10, "sha256", digest)
    train, test = CIFAR10(root=tmp_path, download=False), CIFAR10(tmp_path, train=False)
    assert train.data.shape == (20, 32, 32, 3) and test.data.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(train.data, images[:20].transpose(0, 2, 3, 1))  # HWC
    np.testing.assert_array_equal(test.targets, [5, 6, 7, 8])
    np.testing.assert_array_equal(train.targets[:5], [0, 1, 2, 3, 1])
    image, label = test[1]
    assert image.shape == (3, 32, 32) and image.dtype == np.float32 and label == 6
    np.testing.assert_allclose(image.numpy(), images[21] / 255, rtol=1e-6)  # R, G, B planes


def test_cifar10_refuses_a_pickle_that_would_run_code(tmp_path, monkeypatch):
    marker = tmp_path / "owned"
    cifar_archive(tmp_path / "cifar-10-python.tar.gz", poison=Poison(str(marker)))
    digest = hashlib.sha256((tmp_path / "cifar-10-python.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setattr(CIFAR10, "sha256", digest)
    with pytest.raises(pickle.UnpicklingError, match=r"refers to (posix|os)\.system"):
        CIFAR10(root=tmp_path, train=False)
    assert not marker.exists()


class Poison:
    """Unpickling this calls os.system: what a doctored 'data set' could do."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_cifar10_checksum_and_offline_messages(tmp_path, monkeypatch):
    archive = tmp_path / "cifar-10-python.tar.gz"
    cifar_archive(archive)
    with pytest.raises(ChecksumError, match=f"{re.escape(str(archive))} has SHA-256"):
        CIFAR10(root=tmp_path)  # not the official archive: refused, never read
    empty = tmp_path / "empty"
    monkeypatch.setattr(CIFAR10, "url", UNREACHABLE + "cifar-10-python.tar.gz")
    with pytest.raises(FileNotFoundError) as error:
        CIFAR10(root=empty)
    message = str(error.value)
    assert f"put cifar-10-python.tar.gz (from {UNREACHABLE}cifar-10-python.tar.gz" in message
    assert f"at {empty}/cifar-10-python.tar.gz" in message and "download failed" in message
    assert "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce" in message
    assert not any(empty.iterdir())


# --------------------------------------------------------------------------------------
# TinyShakespeare
# --------------------------------------------------------------------------------------
SHARED_SHAKESPEARE = ROOT.parent / "shared" / "datasets" / "tinyshakespeare.txt"


@pytest.fixture
def shakespeare_folder() -> Path:
    """The folder holding the real tinyshakespeare.txt: $TINYTORCH_DATA's, else the course's
    ../shared/datasets."""
    for folder in (os.environ.get("TINYTORCH_DATA"), SHARED_SHAKESPEARE.parent):
        if folder and (Path(folder) / "tinyshakespeare.txt").exists():
            return Path(folder)
    pytest.skip("tinyshakespeare.txt is not here: set TINYTORCH_DATA to its folder")


def test_tinyshakespeare_is_found_through_tinytorch_data(shakespeare_folder, monkeypatch):
    monkeypatch.setattr(TinyShakespeare, "system_dirs", ())
    monkeypatch.setattr(TinyShakespeare, "url", UNREACHABLE)  # found, never downloaded
    monkeypatch.setenv("TINYTORCH_DATA", str(shakespeare_folder))
    corpus = TinyShakespeare()
    assert corpus.path == shakespeare_folder / "tinyshakespeare.txt"
    assert len(corpus) == len(corpus.text) == 1_115_394
    assert corpus.text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert len(set(corpus.text)) == 65  # the char-level vocabulary of every GPT tutorial
    assert "1,115,394 characters" in repr(corpus)


def test_tinyshakespeare_refuses_a_wrong_file_and_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setattr(TinyShakespeare, "system_dirs", ())
    (tmp_path / "tinyshakespeare.txt").write_text("To be, or not to be\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match=r"tinyshakespeare\.txt has SHA-256") as error:
        TinyShakespeare(root=tmp_path)
    assert "not used" in str(error.value) and "Delete it" in str(error.value)

    empty = tmp_path / "empty"
    monkeypatch.setattr(TinyShakespeare, "url", UNREACHABLE + "input.txt")
    with pytest.raises(FileNotFoundError) as error:
        TinyShakespeare(root=empty)
    message = str(error.value)
    assert "the download failed" in message and "refused" in message.lower()
    assert f"put tinyshakespeare.txt (from {UNREACHABLE}input.txt, SHA-256 " \
        f"{TinyShakespeare.sha256}) at {empty}/tinyshakespeare.txt" in message
    assert not any(empty.iterdir())  # nothing partial left behind
    with pytest.raises(FileNotFoundError, match=r"download=False"):
        TinyShakespeare(root=empty, download=False)


def test_tinyshakespeare_download_is_checked_then_cached(tmp_path, monkeypatch, serve,
                                                         shakespeare_folder):
    monkeypatch.setattr(TinyShakespeare, "system_dirs", ())
    real = (shakespeare_folder / "tinyshakespeare.txt").read_bytes()
    server = serve({"input.txt": real, "bad.txt": real[:-1]})
    monkeypatch.setattr(TinyShakespeare, "url", server.url + "bad.txt")
    with pytest.raises(FileNotFoundError, match="has SHA-256"):
        TinyShakespeare(root=tmp_path)  # a truncated download is refused, never cached
    assert not any(tmp_path.iterdir())
    monkeypatch.setattr(TinyShakespeare, "url", server.url + "input.txt")
    assert len(TinyShakespeare(root=tmp_path)) == 1_115_394
    assert (tmp_path / "tinyshakespeare.txt").read_bytes() == real
    TinyShakespeare(root=tmp_path)  # cached: no second download
    assert server.requests == ["/bad.txt", "/input.txt"]


def test_tinyshakespeare_matches_course_toml():
    [entry] = load_course(ROOT / "course" / "course.toml").datasets["tinyshakespeare"].files
    assert (entry.file, entry.url, entry.sha256) == (
        TinyShakespeare.filename, TinyShakespeare.url, TinyShakespeare.sha256)


# --------------------------------------------------------------------------------------
# Digits, the cache folder, course.toml and tito system doctor
# --------------------------------------------------------------------------------------


def test_digits_split_is_fixed_stratified_and_complete():
    from sklearn.datasets import load_digits

    train, test = Digits(), Digits(train=False)
    assert (len(train), len(test)) == (1442, 355)
    assert train.data.shape == (1442, 8, 8) and train.data.dtype == np.uint8
    counts = np.bincount(test.targets)
    assert counts.min() >= 34 and counts.max() <= 37  # every 5th of each digit
    reference = load_digits()
    together = np.concatenate([train.data, test.data]).reshape(-1, 64)
    rows = {row.tobytes() for row in reference.data.astype(np.uint8)}
    assert {row.tobytes() for row in together} == rows and len(together) == 1797
    image, _ = test[0]
    assert image.shape == (1, 8, 8) and image.numpy().max() <= 1.0
    np.testing.assert_array_equal(Digits(train=False).targets, test.targets)  # fixed


def test_data_home_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    assert data_home() == tmp_path
    monkeypatch.delenv("TINYTORCH_DATA")
    assert data_home() == Path.home() / ".cache" / "tinytorch"


def test_course_toml_lists_the_readers_files():
    datasets = load_course(ROOT / "course" / "course.toml").datasets
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")
    for reader, key in ((MNIST, "mnist"), (FashionMNIST, "fashion-mnist")):
        assert [(f.file, f.url, f.sha256) for f in datasets[key].files] == [
            (f"{reader.folder}/{name}", f"{reader.mirrors[0]}{name}.gz",
             reader.resources[name]) for name in names]
    [cifar] = datasets["cifar-10"].files
    assert (cifar.file, cifar.url, cifar.sha256) == (CIFAR10.filename, CIFAR10.url,
                                                     CIFAR10.sha256)
    assert "tinyshakespeare" in datasets


def test_doctor_reports_data_sets_found_missing_and_corrupted(tmp_path, monkeypatch):
    from tito import doctor

    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    monkeypatch.setattr(doctor, "SYSTEM_DATA", tmp_path / "system")
    (tmp_path / "fashion-mnist").mkdir()
    debian = DEBIAN_FASHION / "t10k-labels-idx1-ubyte.gz"
    (tmp_path / "fashion-mnist" / debian.name).write_bytes(debian.read_bytes())
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    (tmp_path / "system" / "fashion-mnist").mkdir(parents=True)
    raw = gzip.decompress((DEBIAN_FASHION / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "system" / "fashion-mnist" / "t10k-images-idx3-ubyte").write_bytes(raw)
    course = load_course(ROOT / "course" / "course.toml")
    checks = {c.name: c for c in doctor._datasets(course)}
    # Fashion-MNIST: two files found (a .gz in the cache, an uncompressed copy in the
    # system's folder), two missing, each named with where to put it.
    fashion = checks["data: fashion-mnist"]
    assert fashion.status == doctor.WARN and fashion.detail.startswith("2 of 4 files")
    assert f"at {tmp_path}/fashion-mnist/train-images-idx3-ubyte.gz" in fashion.fix
    assert "t10k-images" not in fashion.fix and "t10k-labels" not in fashion.fix
    mnist = checks["data: mnist"]  # a corrupt file wins over the missing ones
    assert mnist.status == doctor.FAIL and "wrong checksum" in mnist.detail
    assert f"delete {tmp_path}/mnist/t10k-labels-idx1-ubyte.gz" in mnist.fix
    missing = checks["data: cifar-10"]
    assert missing.status == doctor.WARN
    assert f"put {CIFAR10.url} at {tmp_path}/cifar-10-python.tar.gz" in missing.fix
    assert checks["data: tinyshakespeare"].fix.endswith(f"at {tmp_path}/tinyshakespeare.txt")
    assert checks["data: digits"].status == doctor.OK
    # Every file there: one ok row naming the folders.
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (tmp_path / "fashion-mnist" / f"{name}.gz").write_bytes(
            (DEBIAN_FASHION / f"{name}.gz").read_bytes())
    whole = doctor._dataset(course.datasets["fashion-mnist"])
    assert whole.status == doctor.OK and str(tmp_path / "fashion-mnist") in whole.detail
