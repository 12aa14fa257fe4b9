"""Execute a student's notebook inside the sandbox: ``python -m sandbox.execute IN OUT``.

Runs every cell with nbclient and a kernel started here, inside the sandbox, keeping errors
as outputs (a failing cell must not stop the rest) and writing the executed notebook to OUT
for formgrader. Exit status 0 even when cells failed; the judge scores from tests, not from
this process, so nothing printed or exited here can claim points.
"""
# ruff: noqa: E402 (the start-up call below comes before the imports)

from __future__ import annotations

from sandbox.startup import skip_slow_imports

# This module is a program, started once per graded notebook: skip the slow imports before
# nbformat and nbclient are imported.
skip_slow_imports()

import sys
import time
from queue import Empty

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from sandbox import kernel


class Client(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel answers on the shell and
    IOPub channels. jupyter_client's own ``wait_for_ready`` then reads IOPub until it has been
    quiet for 0.2 s, a pause for every graded notebook that nbclient does not need: it keeps
    only the messages about the cell it runs."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub delivers too (else ask again, as jupyter_client does)
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


class Manager(AsyncKernelManager):
    """The python3 kernel without its debugger (:mod:`sandbox.kernel`), with
    :class:`Client`; once it is killed, it checks every 5 ms (not 100 ms) whether it ended."""

    def __init__(self) -> None:
        super().__init__(kernel_name="python3")
        self.kernel_spec.argv = list(kernel.ARGV)
        self.client_factory = Client

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, 0.005))


def execute(source: str, target: str, cell_timeout: int) -> None:
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(notebook, km=Manager(), timeout=cell_timeout, allow_errors=True,
                            kernel_name="python3", resources={"metadata": {"path": "."}},
                            record_timing=False, shutdown_kernel="immediate")
    try:
        # cleanup_kc: shut the kernel down at the end, as for a manager nbclient made itself
        client.execute(cleanup_kc=True)
    except (CellTimeoutError, DeadKernelError) as error:
        notebook.metadata["tinytorch_execution_error"] = f"{type(error).__name__}: {error}"[:500]
    nbformat.write(notebook, target)


if __name__ == "__main__":
    execute(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 30)
