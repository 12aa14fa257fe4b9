"""The hub's lab starts take turns (hub_config.start_queue): never more than its slots at
once, first come first served, each waiter knowing its place, and a start that fails or
is given up never keeps a slot."""

from __future__ import annotations

import asyncio

import pytest

from hub_config.start_queue import StartQueue


async def _start(queue: StartQueue, name: str, log: list[str], hold: asyncio.Event) -> None:
    async with queue.turn(name):
        log.append(f"{name} starts")
        await hold.wait()
        log.append(f"{name} ready")


def test_starts_beyond_the_slots_wait_in_order_of_arrival() -> None:
    async def scenario() -> tuple[list[str], list[int], int]:
        queue, log = StartQueue(2), []
        holds = {name: asyncio.Event() for name in "abcde"}
        tasks = []
        for name in "abcde":
            tasks.append(asyncio.create_task(_start(queue, name, log, holds[name])))
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        places = [queue.place(name) for name in "abcde"]
        running = queue.running
        for name in "bcade":  # b ends first: c, the first waiter, takes its slot
            holds[name].set()
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        return log, places, running

    log, places, running = asyncio.run(scenario())
    assert places == [0, 0, 1, 2, 3]
    assert running == 2
    starts = [entry.split()[0] for entry in log if entry.endswith("starts")]
    assert starts == ["a", "b", "c", "d", "e"]
    # never more than two between a start and its ready
    starting = 0
    for entry in log:
        starting += 1 if entry.endswith("starts") else -1
        assert starting <= 2


def test_a_failed_start_frees_its_slot_for_the_next() -> None:
    async def scenario() -> list[str]:
        queue, log = StartQueue(1), []

        async def failing() -> None:
            async with queue.turn("a"):
                await asyncio.sleep(0)
                raise OSError("the lab died")

        first = asyncio.create_task(failing())
        await asyncio.sleep(0)
        hold = asyncio.Event()
        hold.set()
        second = asyncio.create_task(_start(queue, "b", log, hold))
        with pytest.raises(OSError):
            await first
        await second
        assert queue.running == 0
        return log

    assert asyncio.run(scenario()) == ["b starts", "b ready"]


def test_a_start_given_up_while_waiting_leaves_the_queue() -> None:
    async def scenario() -> tuple[int, list[str]]:
        queue, log = StartQueue(1), []
        hold = asyncio.Event()
        first = asyncio.create_task(_start(queue, "a", log, hold))
        await asyncio.sleep(0)
        given_up = asyncio.create_task(_start(queue, "b", log, asyncio.Event()))
        third = asyncio.create_task(_start(queue, "c", log, hold))
        await asyncio.sleep(0)
        given_up.cancel()  # JupyterHub's start_timeout, or the user cancelled
        await asyncio.sleep(0)
        place = queue.place("c")
        hold.set()
        await asyncio.gather(first, third)
        assert queue.running == 0
        return place, log

    place, log = asyncio.run(scenario())
    assert place == 1  # b's place went to c
    assert log == ["a starts", "a ready", "c starts", "c ready"]


def test_a_queue_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        StartQueue(0)
