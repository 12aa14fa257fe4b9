"""A size limit on each student's home: an ext4 file system of its own, in an image file.

The machine's file system has no project quotas to give, so each home is a sparse image
file (``<images>/<name>.ext4``, root's, mode 0600) formatted ext4 and loop-mounted over
the home folder: a student who fills it gets ENOSPC in their own home, and no one else
notices. The image is made at the lab's first start (empty, owned by the lab's uid) and
mounted at each start where it is not mounted already; it stays mounted when the lab
stops, so the host sees the home as before (backups, instructors, tests). Only the
student writes in it, through the file system: they never hold the image itself.

A home made before the limit was set (not empty, no image) keeps working as it is,
unlimited; the log says so at each start. Without root or loop devices, homes stay plain
folders, and the log says why.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

MKFS_OPTIONS = "lazy_itable_init=1,lazy_journal_init=1,nodiscard"


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise OSError(f"{' '.join(command[:2])}: {result.stderr.strip() or result.returncode}")


def _make_image(image: Path, size: int, uid: int) -> None:
    """An empty ext4 image of ``size`` bytes (sparse: it takes what is written), whose
    root folder is ``uid``'s."""
    image.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = image.with_suffix(".partial")
    with open(partial, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.truncate(size)
    # No blocks reserved for root (the student is the only writer), and the journal and
    # inode tables initialised in the background, so the first start takes well under 1 s.
    _run(["mkfs.ext4", "-q", "-F", "-m", "0", "-E",
          f"root_owner={uid}:{uid},{MKFS_OPTIONS}", str(partial)])
    partial.rename(image)


def limit_home(home: Path, image: Path, size: int, uid: int, log: logging.Logger) -> None:
    """Mount ``home``'s image (made if new) over it, ``size`` bytes at most; see the
    module's docstring for a home that predates the limit and machines that cannot."""
    if size <= 0 or os.path.ismount(home):
        return
    if os.geteuid() != 0:
        log.warning("%s's home has no size limit: loop-mounting its image needs root", home)
        return
    if not image.exists():
        if any(home.iterdir()):
            log.warning("%s predates the home size limit and keeps working without one; to "
                        "give it one, stop the lab, move the home's files away, start the "
                        "lab and move them back in", home)
            return
        _make_image(image, size, uid)
        fresh = True
    else:
        fresh = False
    try:
        # nosuid, nodev: nothing in a student's file system is trusted; discard gives freed
        # blocks back to the host, so the image stays as small as what is in it.
        _run(["mount", "-o", "loop,nosuid,nodev,discard", str(image), str(home)])
    except OSError as error:
        log.warning("%s has no size limit: mounting its image failed (%s)", home, error)
        return
    if fresh:
        (home / "lost+found").rmdir()  # an empty folder students would only wonder about
        home.chmod(0o711)  # as a plain home: the sandbox's uid owns it, bwrap enters it
