"""Milestones: historical results a student reproduces with their own ``tinytorch``.

Each milestone of ``course.toml`` with a script here (``tito/student/milestones/<id>.py``, run as
``python -m tito.student.milestones.<id>``) has an honest pass/fail gate. A run happens in a
process of its own whose ``sys.path`` puts the package under test first, exactly as the
module tests' worker does: the student's workspace copy, a copy made by a test, or (for
instructors, ``package=None``) the installed reference. Its output streams through as it
comes; its verdict comes back as JSON (:mod:`tito.student.milestones.script`) and, for a
student's own run, is kept in the workspace (``.tito/milestones.json``).

Light to import (no click, no nbformat): a milestone script's process imports this
package too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tito.errors import NotFound, TitoError
from tito.files import write_atomic
from tito.manifest import Course, Milestone, Module

RECORDS = Path(".tito") / "milestones.json"
# The workspace's placeholder for an unexported module starts with this line
# (tito.student.workspace.PLACEHOLDER; not imported from there, which would import nbformat).
PLACEHOLDER = "# Placeholder written by tito: this module is not exported yet."


def script_name(milestone: Milestone) -> str:
    return milestone.id.replace("-", "_")


def has_script(milestone: Milestone) -> bool:
    return importlib.util.find_spec(f"{__name__}.{script_name(milestone)}") is not None


def find(course: Course, name: str) -> Milestone:
    """The milestone called ``name``; a :class:`NotFound` naming the known ones if none."""
    if name in course.milestones:
        return course.milestones[name]
    raise NotFound(f"unknown milestone '{name}': the milestones are "
                   f"{', '.join(course.milestones)} ('tito milestone list')")


def check_script(milestone: Milestone) -> None:
    """A :class:`TitoError` when ``milestone`` has no script yet."""
    if not has_script(milestone):
        raise TitoError(f"milestone {milestone.id} has no script yet: it comes with the "
                        f"course's module '{milestone.after}'")


def required_modules(course: Course, milestone: Milestone) -> list[Module]:
    """The module that unlocks ``milestone`` and every module it builds on, in course order."""
    after = course.module(milestone.after)
    return [*course.prerequisites(after), after]


def is_exported(package_root: Path, module: Module) -> bool:
    """Whether ``module`` is exported into the package copy at ``package_root`` (the folder
    that holds ``tinytorch/``): its file exists and is not tito's placeholder."""
    path = package_root / module.target_path
    try:
        with path.open(encoding="utf-8") as stream:
            return not stream.readline().startswith(PLACEHOLDER)
    except (FileNotFoundError, IsADirectoryError):
        return False


def missing_modules(course: Course, milestone: Milestone, package_root: Path) -> list[Module]:
    return [m for m in required_modules(course, milestone) if not is_exported(package_root, m)]


def _quoted(module: Module) -> str:
    return f"{module.number:02d} '{module.id}'"


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def prerequisites_message(milestone: Milestone, missing: list[Module]) -> str:
    """What a student must do first, e.g. ``milestone xor needs module 08 'training':
    complete it and run `tito module export training```."""
    commands = _listing([f"`tito module export {m.id}`" for m in missing])
    if len(missing) == 1:
        return (f"milestone {milestone.id} needs module {_quoted(missing[0])}: complete it "
                f"and run {commands}")
    return (f"milestone {milestone.id} needs modules {_listing([_quoted(m) for m in missing])}"
            f": complete them and run {commands}")


def check_prerequisites(course: Course, milestone: Milestone, package_root: Path) -> None:
    """A :class:`TitoError` naming the modules to finish when any is not exported."""
    if missing := missing_modules(course, milestone, package_root):
        raise TitoError(prerequisites_message(milestone, missing))


_FINDS_ALL = ("import importlib.util, sys\n"
              "sys.exit(0 if all(importlib.util.find_spec(n) for n in sys.argv[1:]) else 1)")


def check_reference(course: Course, milestone: Milestone) -> None:
    """A :class:`TitoError` when the installed reference package lacks a module the
    milestone needs, as in a student's lab, which sees only the student's own package."""
    targets = [m.target for m in required_modules(course, milestone)]
    with tempfile.TemporaryDirectory(prefix="tito-milestone-") as scratch:
        found = subprocess.run([sys.executable, "-c", _FINDS_ALL, *targets], cwd=scratch,
                               env=_environment(None), check=False).returncode == 0
    if not found:
        raise TitoError(f"--reference needs the course's reference tinytorch, which is not "
                        f"installed here (a lab sees only your own package): run `tito "
                        f"milestone run {milestone.id}` without --reference")


def check_ready(course: Course, milestone: Milestone, package_root: Path | None) -> None:
    """Everything a run needs, checked before it starts: the milestone's script, and the
    modules it needs in the package at ``package_root`` (None: the installed reference)."""
    check_script(milestone)
    if package_root is None:
        check_reference(course, milestone)
    else:
        check_prerequisites(course, milestone, package_root)


@dataclass(frozen=True)
class Outcome:
    """One run of a milestone: passed or not, its one-line summary (None: the script gave
    no verdict, as when it only showed its help or refused its options), its figures."""

    milestone: str
    passed: bool
    summary: str | None
    figures: dict
    seconds: float
    at: str
    returncode: int


def _environment(package_root: Path | None) -> dict[str, str]:
    """The script's environment: the package under test alone on PYTHONPATH (as the module
    tests' worker has it), or, for the reference, no PYTHONPATH at all."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if package_root is not None:
        env["PYTHONPATH"] = str(package_root)
    env.update({"PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"})
    return env


def run(milestone: Milestone, package_root: Path | None,
        args: list[str] | tuple[str, ...] = (), timeout: float | None = None) -> Outcome:
    """Run ``milestone``'s script against the package at ``package_root`` (the folder that
    holds ``tinytorch/``; None: the installed reference), which :func:`check_ready` has
    accepted. The script's output goes straight to this process's stdout and stderr, as it
    comes."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tito-milestone-") as scratch:
        result = Path(scratch) / "result.json"
        env = {**_environment(package_root), "TITO_MILESTONE_RESULT": str(result)}
        # The current folder is a scratch one: ``-m`` puts it first on sys.path, where a
        # checkout's own tinytorch/ would otherwise hide the package under test.
        command = [sys.executable, "-m", f"tito.student.milestones.{script_name(milestone)}", *args]
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            completed = subprocess.run(command, cwd=scratch, env=env, timeout=timeout,
                                       check=False)
        except subprocess.TimeoutExpired:
            raise TitoError(f"milestone {milestone.id} did not finish within {timeout:g} s"
                            ) from None
        try:
            verdict = json.loads(result.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            # No verdict: the script only showed its help (status 0) or refused its
            # arguments (2, argparse's), which is no result; or it crashed.
            verdict = {"passed": False, "figures": {}, "summary": None if
                       completed.returncode in (0, 2) else f"the script ended with exit "
                       f"status {completed.returncode} before its verdict: see the error above"}
    passed = bool(verdict["passed"]) and completed.returncode == 0
    return Outcome(milestone.id, passed, verdict["summary"], verdict.get("figures", {}),
                   round(time.perf_counter() - started, 2),
                   datetime.now(UTC).isoformat(timespec="seconds"), completed.returncode)


def records(workspace_root: Path) -> dict[str, dict]:
    """Each milestone's kept results in a workspace: ``last`` run and ``passed`` (the last
    run that passed)."""
    try:
        found = json.loads((workspace_root / RECORDS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return found if isinstance(found, dict) else {}


def record(workspace_root: Path, outcome: Outcome, args: list[str] | tuple[str, ...] = ()
           ) -> None:
    """Keep ``outcome`` in the workspace (a student's own run, never a reference one)."""
    kept = records(workspace_root)
    entry = {"passed": outcome.passed, "summary": outcome.summary, "at": outcome.at,
             "seconds": outcome.seconds, "options": list(args), "figures": outcome.figures}
    mine = kept.setdefault(outcome.milestone, {})
    mine["last"] = entry
    if outcome.passed:
        mine["passed"] = entry
    write_atomic(workspace_root / RECORDS, json.dumps(kept, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Status:
    """Where a student stands with one milestone."""

    milestone: Milestone
    state: str  # unavailable | locked | ready | passed | failed
    missing: tuple[Module, ...]
    last: dict | None
    passed: dict | None


def statuses(course: Course, workspace_root: Path) -> list[Status]:
    """Every milestone of the course, in the order of the modules that unlock them."""
    kept = records(workspace_root)
    order = {m.id: m.number for m in course.modules}
    found = []
    for milestone in sorted(course.milestones.values(), key=lambda m: order[m.after]):
        missing = tuple(missing_modules(course, milestone, workspace_root))
        mine = kept.get(milestone.id, {})
        last, passed = mine.get("last"), mine.get("passed")
        if not has_script(milestone):
            state = "unavailable"
        elif missing:
            state = "locked"
        elif last is None:
            state = "ready"
        else:
            state = "passed" if last.get("passed") else "failed"
        found.append(Status(milestone, state, missing, last, passed))
    return found
