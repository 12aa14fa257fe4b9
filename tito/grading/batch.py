"""Grade many submissions in parallel worker processes, each with its own sandbox slot."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tito.errors import USER_ERRORS


@dataclass(frozen=True)
class Outcome:
    student: str
    error: str | None


def _take_slot(slots: multiprocessing.Queue) -> None:
    # Each grading process keeps one slot for its life: its sandboxes run as uid_base + slot,
    # so no two concurrent sandboxes share a uid (or a process limit).
    os.environ["TITO_SLOT"] = str(slots.get())


def _grade(root: str, module_id: str, student: str, sandboxed: bool) -> Outcome:
    from tito.grading.course_dir import CourseDir
    from tito.manifest import load_course
    from tito.project import Paths

    paths = Paths.from_env()
    course = load_course(paths.course_toml)
    course_dir = CourseDir(Path(root), course, paths.modules_dir)
    try:
        course_dir.autograde(course.module(module_id), student, sandboxed)
    except USER_ERRORS as error:
        return Outcome(student, str(error))
    except Exception as error:  # one broken submission must not stop the batch
        return Outcome(student, f"{type(error).__name__}: {error}")
    return Outcome(student, None)


def autograde_many(root: Path, module_id: str, students: list[str], workers: int,
                   sandboxed: bool = True) -> Iterator[Outcome]:
    """Grade ``students``' submissions of a module with ``workers`` processes; yields each
    outcome as it finishes. A failed submission does not stop the others."""
    context = multiprocessing.get_context("spawn")  # no forked copies of our threads
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_take_slot, initargs=(slots,)) as pool:
        futures = [pool.submit(_grade, str(root), module_id, student, sandboxed)
                   for student in students]
        for future in as_completed(futures):
            yield future.result()
