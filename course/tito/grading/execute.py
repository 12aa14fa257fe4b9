"""Execute a student's notebook inside the sandbox: ``python -m tito.grading.execute IN OUT``.

Runs every cell with nbclient and a kernel started here, inside the sandbox, keeping errors
as outputs (a failing cell must not stop the rest) and writing the executed notebook to OUT
for formgrader. Exit status 0 even when cells failed; the judge scores from tests, not from
this process, so nothing printed or exited here can claim points.
"""

from __future__ import annotations

import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def execute(source: str, target: str, cell_timeout: int) -> None:
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(notebook, timeout=cell_timeout, allow_errors=True,
                            kernel_name="python3", resources={"metadata": {"path": "."}},
                            record_timing=False)
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as error:
        notebook.metadata["tinytorch_execution_error"] = f"{type(error).__name__}: {error}"[:500]
    nbformat.write(notebook, target)


if __name__ == "__main__":
    execute(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 30)
