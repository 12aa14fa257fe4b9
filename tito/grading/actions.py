"""The course actions, one function each: generate, release, collect, autograde, feedback.

Both front ends run these and only these: ``tito nbgrader`` (which shows the progress with
rich) and the grading service's jobs (which write it into the job's row). Each action takes
the course directory, the module, a :class:`Progress` to report to and its options as
keyword arguments. A job's options are checked against these signatures by :func:`check`
before the job is queued, and again by the worker that runs it.

Where the two front ends ask for a fix differently (``--force`` or the dashboard's Redo box)
an action raises an error the front end words
(:class:`tito.grading.course_dir.AlreadyReleased`).
"""

from __future__ import annotations

import inspect
import os
import typing
from collections.abc import Callable, Sequence
from typing import Protocol

from sandbox.backends import make_sandbox
from tito.errors import TitoError
from tito.grading.course_dir import CourseDir
from tito.manifest import Module


class Progress(Protocol):
    """Where an action reports how far it is: steps done of a total, and log lines."""

    def start(self, total: int, message: str) -> None:
        """The work has ``total`` steps; none is done yet."""

    def advance(self, message: str, ok: bool = True) -> None:
        """One more step is done; ``message`` says which and how it went (``ok`` False:
        it failed, and the action goes on with the next)."""

    def note(self, message: str) -> None:
        """Say something without a step being done."""


def generate(course_dir: CourseDir, module: Module, progress: Progress) -> None:
    """Build the module's instructor notebook and its student version."""
    progress.start(1, f"generating {module.id}")
    notebook = course_dir.generate(module)
    progress.advance(f"generated {module.label}: {notebook}")


def release(course_dir: CourseDir, module: Module, progress: Progress, *,
            force: bool = False) -> None:
    """Put the student version in the exchange; ``force`` releases it again over an
    earlier release. Without it, an earlier release is
    :class:`~tito.grading.course_dir.AlreadyReleased`."""
    progress.start(1, f"releasing {module.id}")
    course_dir.release(module, replace=force)
    progress.advance(f"released {module.label} to {course_dir.exchange}")


def collect(course_dir: CourseDir, module: Module, progress: Progress, *,
            students: Sequence[str] = ()) -> None:
    """Take the latest submission of every student (or of ``students``) into submitted/,
    archiving every hand-in."""
    progress.start(1, f"collecting {module.id}")
    changed = course_dir.collect(module, tuple(students))
    for student, stamp in changed.items():
        progress.note(f"{student}: submitted {stamp}")
    everyone = len(course_dir.students_with(module, "submitted"))
    # The last message is the job's summary: it names everyone it concerns.
    news = f"; new: {', '.join(changed)}" if changed else ""
    progress.advance(f"{len(changed)} new or newer submissions; {everyone} students have "
                     f"submitted {module.id}{news}")


def autograde(course_dir: CourseDir, module: Module, progress: Progress, *,
              students: Sequence[str] = (), force: bool = False, workers: int = 2,
              sandboxed: bool = True) -> None:
    """Grade the submissions not graded yet (all of them with ``force``; only those of
    ``students`` if given), ``workers`` at a time (at most one per CPU). One step per
    submission; a submission that fails does not stop the others, but fails the action at
    the end. ``sandboxed`` False runs student code without the sandbox: only the CLI
    offers that, for trusted code (:func:`check` refuses it in a job)."""
    if sandboxed:
        make_sandbox(course_dir.config()).check()
    chosen, skipped = course_dir.students_to_grade(module, tuple(students), force)
    progress.start(len(chosen), f"grading {len(chosen)} submissions of {module.id}")
    if skipped:
        progress.note(f"{len(skipped)} already graded (force grades them again)")
    at_once = max(1, min(workers, os.cpu_count() or 1))
    failed = []
    points = {}
    for graded in course_dir.autograde_many(module, chosen, at_once, sandboxed):
        if graded.error:
            failed.append(graded.student)
            progress.advance(f"{graded.student}: {graded.error}", ok=False)
        else:
            points[graded.student] = graded.points
            progress.advance(f"{graded.student}: {graded.points:g} points")
    # The last message is the job's summary: every student, not the last one graded.
    scores = ", ".join(f"{student} {points[student]:g}" for student in chosen
                       if student in points)
    progress.note(f"graded {len(points)} of {len(chosen)} submissions of {module.id}"
                  + (f": {scores} points" if scores else ""))
    if failed:
        raise TitoError(f"{len(failed)} of {len(chosen)} submissions of {module.id} could not "
                        f"be graded ({', '.join(failed)}): the log says why; fix the cause "
                        "and autograde again (graded submissions are kept)")


def feedback(course_dir: CourseDir, module: Module, progress: Progress, *,
             students: Sequence[str] = (), release: bool = True) -> None:
    """Make feedback for every graded student (or for ``students``) and release it, or
    with ``release`` False only make it (staff preview it in formgrader first)."""
    chosen = course_dir.graded_students(module, tuple(students))
    progress.start(len(chosen), f"feedback on {module.id} for {len(chosen)} students")
    for student in chosen:
        course_dir.feedback(module, student, release)
        progress.advance(f"{student}: feedback {'released' if release else 'made'}")
    names = ", ".join(chosen)
    students = f"{len(chosen)} student{'' if len(chosen) == 1 else 's'}: {names}"
    progress.note(f"released feedback to {students}" if release else
                  f"made feedback for {students} (not released)")


ACTIONS: dict[str, Callable[..., None]] = {
    action.__name__: action for action in (generate, release, collect, autograde, feedback)}

# Options a job may not set: whoever asks on the web must not turn the sandbox off; only
# someone at the grading machine may (``tito nbgrader autograde --no-sandbox``).
_NOT_FOR_JOBS = frozenset({"sandboxed"})


def check(kind: str, options: dict[str, object]) -> None:
    """Raise a :class:`TitoError` unless ``kind`` is an action and ``options`` are options
    a job may give it, each of its type (as JSON gives them: a list of names, true/false,
    a number)."""
    if kind not in ACTIONS:
        raise TitoError(f"unknown kind of job '{kind}': it is one of {', '.join(ACTIONS)}")
    types = typing.get_type_hints(ACTIONS[kind])
    allowed = [name for name, parameter in inspect.signature(ACTIONS[kind]).parameters.items()
               if parameter.kind is inspect.Parameter.KEYWORD_ONLY
               and name not in _NOT_FOR_JOBS]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = f"its options are {', '.join(allowed)}" if allowed else "it takes none"
        raise TitoError(f"{kind} has no option {', '.join(unknown)}: {takes}")
    for name, value in options.items():
        fits, expected = _OPTION_TYPES[types[name]]
        if not fits(value):
            raise TitoError(f"{kind}'s option {name} must be {expected}, not {value!r}")


_OPTION_TYPES: dict[object, tuple[Callable[[object], bool], str]] = {
    bool: (lambda value: isinstance(value, bool), "true or false"),
    int: (lambda value: isinstance(value, int) and not isinstance(value, bool), "a number"),
    Sequence[str]: (lambda value: isinstance(value, list)
                    and all(isinstance(item, str) for item in value), "a list of names"),
}
