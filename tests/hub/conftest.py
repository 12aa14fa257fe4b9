"""Each hub test module gets a real hub of its own (starting one takes about 10 s), so
one module's course state never leaks into another's counts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.hub.client import Hub, running_hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A running course hub with the demo class, in a temporary state directory."""
    root = tmp_path_factory.mktemp("hub")
    with running_hub(root / "state", dict(os.environ), root / "hub.log") as running:
        yield running
