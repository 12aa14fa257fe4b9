"""The notebook's kernel in the sandbox: ``python -m sandbox.kernel -f CONNECTION_FILE``.

What ``python -m ipykernel_launcher`` does (the python3 kernel), without ipykernel's
debugger: importing its backend, debugpy, is a third of the kernel's imports (about 0.1 s
for every graded notebook), and nothing graded debugs. Code in the notebook sees no
debugpy module; everything else is the same kernel.
"""

from __future__ import annotations

import sys
from pathlib import Path

ARGV = ["python", "-m", "sandbox.kernel", "-f", "{connection_file}"]

if __name__ == "__main__":
    # As ipykernel_launcher: the working directory leaves sys.path while the kernel loads
    # (its InteractiveShellApp adds it back for the notebook's code).
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # ipykernel: no debugger

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
