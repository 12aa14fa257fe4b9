"""The student's TinyTorch panel, server side: a Jupyter Server extension of every student
lab (the hub's and ``tito lab``'s) serving the panel's API under ``<base_url>tinytorch/api/``
(:mod:`tito.panel.handlers`); the panel itself is the JupyterLab extension in
``labextension/``."""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "tito.panel"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from tito.panel.app import load  # the server's imports, only when a server loads it

    load(serverapp)
