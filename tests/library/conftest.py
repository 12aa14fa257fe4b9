"""Fixtures for the library tests: PyTorch CPU as the test-only oracle.

PyTorch is never a runtime dependency of TinyTorch. `make test` installs torch==2.13.0 only
where its CPU wheel lies on disk; elsewhere the oracle tests skip, except in CI, where a
missing oracle is a failure (CI must run them).
"""

from __future__ import annotations

import os

import pytest

TORCH_REQUIREMENT = "torch==2.13.0"


@pytest.fixture(scope="session")
def torch():
    """The `torch` module, float32 by default and single-threaded (deterministic reductions)."""
    try:
        import torch
    except ImportError as error:
        missing = str(error)
    else:
        missing = None
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"PyTorch is not importable ({missing}), but CI must run the PyTorch oracle "
                f"tests: `make test` installs {TORCH_REQUIREMENT} where its CPU wheel is on "
                "disk (where `pip download --no-index` finds it); provide that wheel on the CI "
                "machine.",
                pytrace=False,
            )
        pytest.skip(
            f"PyTorch oracle tests need torch ({missing}); `make test` installs "
            f"{TORCH_REQUIREMENT} only where its CPU wheel is on disk"
        )
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)
    return torch
