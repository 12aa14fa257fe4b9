"""Milestone ``cifar10`` (after module 09): the same CNN on CIFAR-10's colour photos.

The network of the ``cnn`` milestone, grown to three blocks for 32×32 colour images:
Conv2d 3×3 (padding 1) → BatchNorm2d → ReLU → MaxPool2d 2 with 16, 32 and 64 channels
(32×32 → 16×16 → 8×8 → 4×4), then Flatten → Linear(64·4·4, 10). The data comes through
your CIFAR10 reader (module 05), which reads the official archive
``cifar-10-python.tar.gz`` (170 MB, checked by SHA-256) from ``$TINYTORCH_DATA`` or
``~/.cache/tinytorch``, downloading it when it is missing; without it the run ends with
the reader's message saying where to put it.

The documented schedule: the 50,000 training images, each epoch augmented by your
RandomCrop(32, padding=4) and RandomHorizontalFlip and normalized by your Normalize with
CIFAR-10's channel means and deviations; Adam, lr 2e-3 falling along a half cosine, batch
64, 10 epochs. Gate: at least 65% accuracy on the 10,000 held-out images. Each epoch
prints its loss, held-out accuracy, seconds and images per second; budget about ten times
the ``cnn`` milestone's time per epoch.

``--epochs``, ``--limit N``, ``--test-limit M`` and ``--target`` work as in ``cnn``: a run
on a subset or with another gate says so in its verdict. ``--no-download`` only reads
what is there.
"""

from __future__ import annotations

import argparse

import numpy as np

from tito.student.milestones import cnn
from tito.student.milestones.script import (
    Verdict,
    main,
    percent,
    say,
    stopwatch,
    unreadable_data,
)

SETTING = cnn.Setting("CIFAR-10", in_channels=3, image_size=32, widths=(16, 32, 64),
                      epochs=10, batch_size=64, lr=2e-3, target=0.65, time_limit=None)
# CIFAR-10's per-channel mean and standard deviation over the training pixels (in [0, 1]).
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def read(args: argparse.Namespace) -> tuple[object, object] | str:
    """The student's CIFAR10 training set (augmented, normalized) and held-out set
    (normalized), or the reader's message when the archive is missing or is not the
    official one."""
    from tinytorch.core.dataloader import (
        CIFAR10,
        ChecksumError,
        Compose,
        Normalize,
        RandomCrop,
        RandomHorizontalFlip,
    )

    augment = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(),
                       Normalize(MEAN, STD)])
    try:
        train = CIFAR10(train=True, transform=augment, download=args.download)
        test = CIFAR10(train=False, transform=Normalize(MEAN, STD), download=args.download)
    except (FileNotFoundError, ChecksumError) as unusable:  # missing, or not the official file
        return str(unusable)
    for split, keep in ((train, args.limit), (test, args.test_limit)):
        if keep is not None:
            split.data, split.targets = split.data[:keep], split.targets[:keep]
    return train, test


def held_out_arrays(test: object) -> tuple[np.ndarray, np.ndarray]:
    """The held-out images as one float32 array N×3×32×32, normalized by the student's
    Normalize all at once (as the reader's transform would one image at a time), and
    their labels."""
    from tinytorch.core.dataloader import Normalize

    x = (np.asarray(test.data).transpose(0, 3, 1, 2) / np.float32(255)).astype(np.float32)
    return (np.asarray(Normalize(MEAN, STD)(x), dtype=np.float32),
            np.asarray(test.targets, dtype=np.int64))


def run(args: argparse.Namespace) -> Verdict:
    from tinytorch.core.dataloader import DataLoader
    from tinytorch.core.tensor import manual_seed

    verdict = Verdict()
    setting = cnn.adjusted(SETTING, args)
    manual_seed(args.seed)  # also the seed of the crops and flips
    with stopwatch() as elapsed:
        found = read(args)
        if isinstance(found, str):
            return unreadable_data(verdict, "CIFAR-10", found)
        train, test = found
        subset = cnn.subset_note(args)
        say(f"\n{setting.title}: {len(train):,} training and {len(test):,} held-out images"
            f"{' (a subset: ' + subset + ')' if subset else ''}, augmented by random crops "
            f"and flips; {cnn.describe(setting)}")
        model = cnn.build_model(setting)
        loader = DataLoader(train, batch_size=setting.batch_size, shuffle=True)
        accuracy, seconds = cnn.train(model, loader, setting, held_out_arrays(test),
                                      len(train))
        whole = elapsed()
    verdict.figures.update({"accuracy": accuracy, "seconds": round(seconds, 1),
                            "whole_seconds": round(whole, 1), "epochs": setting.epochs,
                            "images_per_second": round(setting.epochs * len(train)
                                                       / max(seconds, 1e-9))})
    cnn.gates(verdict, setting, SETTING, args, accuracy, seconds, subset)
    verdict.summary.append(f"{setting.title} {percent(accuracy)} after {setting.epochs} "
                           f"epochs, trained in {seconds / 60:.1f} min"
                           + (f" (a subset: {subset})" if subset else ""))
    return verdict


def arguments() -> argparse.ArgumentParser:
    found = cnn.arguments(__doc__.splitlines()[0])
    found.add_argument("--no-download", dest="download", action="store_false",
                       help="do not download CIFAR-10 when it is missing")
    return found


if __name__ == "__main__":
    main(run, arguments())
