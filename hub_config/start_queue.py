"""Labs start a few at a time, first come, first served.

A lab's start is CPU work (about 2 s: Python, Jupyter's server and its extensions
loading). When a whole class clicks Start at once, starting every lab together
makes each take as long as all of them; starting them a few at a time gets the first
students working within seconds and the last no later than before.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class StartQueue:
    """At most ``slots`` starts at once; the others wait their turn in order of arrival."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"a start queue needs at least one slot, not {slots}")
        self.slots = slots
        self.running = 0
        self._waiting: deque[tuple[Hashable, asyncio.Future[None]]] = deque()

    def place(self, owner: Hashable) -> int:
        """``owner``'s place in the queue (1: next to start), 0 if it is not waiting."""
        for index, (waiting, _) in enumerate(self._waiting, start=1):
            if waiting == owner:
                return index
        return 0

    @asynccontextmanager
    async def turn(self, owner: Hashable) -> AsyncIterator[None]:
        """Wait for ``owner``'s turn, then hold a slot until the block ends."""
        if self.running < self.slots and not self._waiting:
            self.running += 1
        else:
            ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append((owner, ticket))
            try:
                await ticket
            except asyncio.CancelledError:
                if ticket.done() and not ticket.cancelled():
                    self._pass_on()  # the slot came just as the start was given up
                elif (owner, ticket) in self._waiting:
                    self._waiting.remove((owner, ticket))
                raise
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        """A slot is free: the first waiter takes it, else it is free for the next."""
        while self._waiting:
            _, ticket = self._waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.running -= 1
