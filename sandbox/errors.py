"""The sandbox's one error type."""


class SandboxError(Exception):
    """The machine cannot run a sandbox (bubblewrap or libseccomp missing, a limit it cannot
    set): the message names what is missing and how to install it."""
