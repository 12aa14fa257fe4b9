"""Files a request names, confined to the one folder it may read."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from tito.errors import NotFound

# What a browser may show of a hand-in's files (a notebook's figures); everything else is
# sent as a download, never as a page of the service's origin.
INLINE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".gif": "image/gif", ".webp": "image/webp"}


def confined(folder: Path, relative: str) -> Path:
    """The regular file ``relative`` (a request's already URL-decoded path) inside
    ``folder``, or :class:`NotFound`: no absolute path, no ``..`` or ``.`` step, no
    backslash or NUL, and no symlink anywhere on the way (a link inside a hand-in could
    point anywhere)."""
    missing = NotFound(f"no file {relative!r} in this submission")
    steps = PurePosixPath(relative).parts
    if (not steps or relative.startswith("/") or "\\" in relative or "\0" in relative
            or any(step in (".", "..") for step in steps) or relative.endswith("/")):
        raise missing
    root = folder.resolve()
    path = root.joinpath(*steps)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise missing from None
    if resolved != path or not resolved.is_file():  # a symlink on the way, or a folder
        raise missing
    return resolved
