"""A JupyterLab terminal driven over its websocket as JupyterLab speaks it: terminado's JSON
lists, ``["set_size", rows, cols, height, width]`` and ``["stdin", text]`` in,
``["setup", {}]`` and ``["stdout", text]`` out."""

from __future__ import annotations

import asyncio
import json
import re

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

# Terminal control sequences (colours, bracketed paste, window titles), which a shell
# prints around its prompt and a test does not compare.
CONTROL = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Za-z0-9]|[=>])|\r")


class Terminal:
    """A terminal's websocket, driven from synchronous code through an event loop of its
    own; ``transcript`` is everything it printed so far, without control sequences."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        self.transcript = ""
        self._commands = 0
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)  # tornado looks for it, in any thread
        self._socket: WebSocketClientConnection = self._loop.run_until_complete(
            websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"},
                                          connect_timeout=timeout, request_timeout=timeout)))
        self._send(["set_size", 24, 200, 480, 1600])  # JupyterLab says its size first

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, message: list) -> None:
        self._socket.write_message(json.dumps(message))

    def run(self, command: str, timeout: float = 60) -> str:
        """Type ``command`` at the prompt and return what it printed, stripped.

        The command is framed by two ``echo``s of an arithmetic expansion: the terminal
        echoes the typed line unexpanded, so only the shell's output holds the markers."""
        self._commands += 1
        number = 1000 + self._commands
        begin, end = f"<<{number}<<", f">>{number}>>"
        self._send(["stdin", f'echo "<<$(({number}))<<"; {command}; '
                             f'echo ">>$(({number}))>>"\r'])
        self._loop.run_until_complete(self._read_until(end, timeout))
        return self.transcript.rsplit(begin, 1)[1].split(end, 1)[0].strip()

    async def _read_until(self, text: str, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while text not in self.transcript:
                raw = await self._socket.read_message()  # reading also answers pings
                if raw is None:
                    raise ConnectionError(f"the terminal closed; it printed:\n{self.transcript}")
                kind, *content = json.loads(raw)
                if kind == "stdout":
                    self.transcript += CONTROL.sub("", content[0])

    def close(self) -> None:
        self._socket.close()
        self._loop.close()
