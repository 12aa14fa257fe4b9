"""The first program of every sandbox's command: ``python -I -S enter.py FILTER FD
[CGROUP_PROCS ...] -- COMMAND ...``.

It joins the sandbox's control groups (writing its own pid into each ``cgroup.procs``, so
everything it starts counts there, with no window for a child to start outside), opens
the seccomp filter's BPF program ``FILTER`` as descriptor ``FD`` for bubblewrap's
``--seccomp FD``, and becomes ``COMMAND``. A program of its own rather than arguments to
``subprocess.Popen`` because JupyterHub starts labs with its own ``Popen``: the grading
sandboxes and the labs are entered the same way. It runs with ``-I -S`` (no site, no
environment, no current folder on ``sys.path``) and imports only built-in modules, so it
starts in a few milliseconds and nothing in its environment can change what it runs.
"""

import os
import sys


def main(arguments: list[str]) -> None:
    """Join, open, exec; see the module's docstring."""
    split = arguments.index("--")
    program, descriptor, *groups = arguments[:split]
    command = arguments[split + 1:]
    pid = str(os.getpid()).encode()
    for procs in groups:
        stream = os.open(procs, os.O_WRONLY)
        try:
            os.write(stream, pid)
        finally:
            os.close(stream)
    opened = os.open(program, os.O_RDONLY)
    target = int(descriptor)
    if opened != target:
        os.dup2(opened, target)
        os.close(opened)
    os.set_inheritable(target, True)  # bubblewrap reads it after the exec below
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
