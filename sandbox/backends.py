"""Which sandbox runs student code under grading: the seam between the grading pipeline and
the engines that isolate a run.

``c.SandboxBackend.sandbox_class`` names a :class:`~sandbox.bubblewrap.Sandbox` subclass:
bubblewrap itself (the default, one machine), :class:`sandbox.docker.DockerSandbox` (one
container per run, the Compose deployment) or a cluster's. Each backend keeps the limit
traits of :class:`Sandbox` (``c.Sandbox.memory_limit`` applies to all of them), checks that
its tool is there (:meth:`Sandbox.check`) and makes the command line a caller starts
(:meth:`Sandbox.command`): the same trust boundary and plain-data judge whatever the engine.

The judge's worker starts in another process from a spec (:func:`spec`), so a sandbox
travels as plain data: its class's dotted name and its settings.
"""

from __future__ import annotations

from traitlets import Type
from traitlets.config import Config, Configurable
from traitlets.utils.importstring import import_item

from sandbox.bubblewrap import Sandbox


class SandboxBackend(Configurable):
    """The grading sandbox's engine (``c.SandboxBackend.sandbox_class``)."""

    sandbox_class = Type(
        "sandbox.bubblewrap.Sandbox", klass="sandbox.bubblewrap.Sandbox",
        help="The class of the sandbox student code is graded in: "
        "'sandbox.bubblewrap.Sandbox' (bubblewrap on this machine, the default), "
        "'sandbox.docker.DockerSandbox' (a container per run, through the docker CLI) or "
        "another subclass of it. Its settings are c.Sandbox.* and its own section's.",
    ).tag(config=True)


def make_sandbox(config: Config | None = None) -> Sandbox:
    """The configured backend's sandbox, with its settings from ``config``."""
    config = config if config is not None else Config()
    return SandboxBackend(config=config).sandbox_class(config=config)


def spec(sandbox: Sandbox) -> dict:
    """``sandbox`` as plain data for another process: ``{"class": dotted name, "settings":
    {trait: value}}`` (``enabled`` is the caller's business: a disabled sandbox has no spec)."""
    cls = type(sandbox)
    settings = {name: getattr(sandbox, name) for name in sandbox.class_trait_names(config=True)
                if name != "enabled"}
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "settings": settings}


def from_spec(data: dict) -> Sandbox:
    """The sandbox :func:`spec` described."""
    cls = import_item(data["class"])
    if not (isinstance(cls, type) and issubclass(cls, Sandbox)):
        raise TypeError(f"{data['class']} is not a sandbox class (a subclass of "
                        "sandbox.bubblewrap.Sandbox)")
    return cls(**data.get("settings", {}))
