"""Grade many submissions in parallel worker processes, each with its own sandbox slot."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from sandbox.startup import skip_slow_imports
from tito.errors import USER_ERRORS

SLOT_VARIABLE = "TITO_SLOT"


def current_slot() -> int:
    """This grading process's sandbox slot: its sandboxes run as ``uid_base`` + the slot,
    in a cgroup named after that uid, so two sandboxes running at once must never share it.

    Read from the environment on purpose. :func:`grade_many` gives each of its worker
    processes a slot for the process's whole life, while the nbgrader configuration the
    steps get is built per submission by the course directory, which does not know which
    process grades it. Set in a grading program's own environment, it is the first of the
    program's slots (default 0), so that programs grading on one machine at once (two
    courses' hubs, or a hub and an instructor's ``tito grade``) can keep apart."""
    return int(os.environ.get(SLOT_VARIABLE, "0"))


@dataclass(frozen=True)
class Outcome:
    student: str
    error: str | None


def _start(slots: multiprocessing.Queue, setup: bytes) -> None:
    # A grading process is a program of its own: it skips the slow imports before anything
    # (``setup`` unpickled, then each ``grade``) imports nbgrader.
    skip_slow_imports()
    # Each grading process keeps one slot for its life: its sandboxes run as uid_base + slot,
    # so no two concurrent sandboxes share a uid (or a process limit).
    os.environ[SLOT_VARIABLE] = str(slots.get())
    pickle.loads(setup)()


def _grade(grade: Callable[[str], None], student: str) -> Outcome:
    try:
        grade(student)
    except USER_ERRORS as error:
        return Outcome(student, str(error))
    except Exception as error:  # one broken submission must not stop the batch
        return Outcome(student, f"{type(error).__name__}: {error}")
    return Outcome(student, None)


def grade_many(grade: Callable[[str], None], students: list[str], workers: int,
               setup: Callable[[], None]) -> Iterator[Outcome]:
    """Run ``grade(student)`` for each of ``students`` in ``workers`` processes, each of
    which runs ``setup()`` once before it grades; yields each outcome as it finishes. A
    failed submission does not stop the others. ``grade`` and ``setup`` go to the
    processes by pickling (a module-level function, or a method of a picklable object)."""
    context = multiprocessing.get_context("spawn")  # no forked copies of our threads
    slots = context.Queue()
    first = current_slot()
    for slot in range(first, first + workers):
        slots.put(slot)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start, initargs=(slots, pickle.dumps(setup))) as pool:
        futures = [pool.submit(_grade, grade, student) for student in students]
        for future in as_completed(futures):
            yield future.result()
