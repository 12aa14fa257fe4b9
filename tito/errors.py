"""The one error type tito reports to people."""

from sandbox.errors import SandboxError


class TitoError(Exception):
    """A problem the user can fix: the message names what is wrong and how to fix it.

    The CLI prints it as a single ``error:`` line and exits with status 1, without a
    traceback. Raise it before writing anything, so a failed command changes nothing.
    """


class NotFound(TitoError):
    """What the user named (a module, a job, a submission) does not exist; the message
    says what does. Over HTTP it is a 404."""


class TooLarge(TitoError):
    """What the user sent is over a size limit; the message says the limit and what to
    leave out. Over HTTP it is a 413."""


# What the tools report to people as one line, not a traceback: tito's own errors, and the
# sandbox's (bubblewrap or libseccomp missing).
USER_ERRORS = (TitoError, SandboxError)
