"""Which course actions make sense for a module now, and what each one would do.

The dashboard enables an action only when it has something to do (collect only when a
hand-in is not collected yet, feedback only when something is graded), says why when it
has not, and before each action shows what it touches: how many students, by name when
few, and what it replaces. Released feedback is out of date once a grade it shows changed
(a TA's manual grade, an instructor's override, another autograde); releasing feedback
while manual grading is pending needs an explicit choice. Plain Python on the course
directory; the staff API (``handlers/staff.py``) serves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from tito.grading.actions import ACTIONS
from tito.grading.course_dir import CourseDir
from tito.manifest import Module

# The body a feedback request carries to release feedback while manual grading is pending.
RELEASE_ANYWAY = {"pending_manual": "release anyway"}
NAMED = 5  # a confirmation names the students when there are at most this many
FEEDBACK_CHANGED = "feedback_changed"  # re-release the out-of-date feedback only
# The actions the dashboard guards and previews, in pipeline order.
GUARDED = (*ACTIONS, FEEDBACK_CHANGED)


@dataclass(frozen=True)
class ModuleState:
    """A module's pipeline, student by student: what each action would work on."""

    module: Module
    generated: bool
    released: bool
    uncollected: dict[str, str]  # student → their latest hand-in, not collected yet
    collected: list[str]  # students with a submission in submitted/
    to_grade: list[str]  # collected, and this submission not graded to the end
    graded: list[str]  # students with an autograded submission
    feedback: dict[str, str]  # student → when their feedback was released
    pending_manual: dict[str, int]  # student → answers waiting for a manual grade
    out_of_date: dict[str, str]  # student → why their released feedback is out of date


def _seconds(stamp: str) -> datetime:
    # The grade log keeps whole seconds: compare at that precision, so that a change in the
    # second of a release counts as after it (marking fresh feedback stale is the safe side).
    return datetime.fromisoformat(stamp).replace(microsecond=0)


def _stale(course_dir: CourseDir, module: Module, student: str, released: str,
           changes: Iterable[dict]) -> str | None:
    """Why ``student``'s feedback released at ``released`` is out of date, or None."""
    since = _seconds(released)
    for change in changes:  # oldest first: name the first change since the release
        if (change["student"], change["module"]) == (student, module.id) \
                and _seconds(change["at"]) >= since:
            return (f"{change['cell']} changed by {change['who']} at {change['at']}, after "
                    f"the feedback released at {released}")
    for graded in course_dir.autograde_history(module, student):
        if _seconds(graded["at"]) >= since:
            return f"autograded again at {graded['at']}, after the feedback released at {released}"
    return None


def module_state(course_dir: CourseDir, module: Module, released: bool,
                 changes: Sequence[dict]) -> ModuleState:
    """Where ``module`` stands (``released``: it is in the exchange; ``changes``: the
    grade changes of :class:`grading_service.core.grades.GradeLog`, any order)."""
    changes = sorted(changes, key=lambda change: change["at"])
    collected = course_dir.students_with(module, "submitted")
    graded = course_dir.students_with(module, "autograded")
    feedback = {student: stamp for student in graded
                if (stamp := course_dir.feedback_released_at(module, student))}
    out_of_date = {student: why for student, stamp in feedback.items()
                   if (why := _stale(course_dir, module, student, stamp, changes))}
    return ModuleState(
        module=module, generated=course_dir.release_notebook(module).exists(),
        released=released, uncollected=course_dir.uncollected(module), collected=collected,
        to_grade=[s for s in collected if course_dir.needs_grading(module, s)],
        graded=graded, feedback=feedback,
        pending_manual=course_dir.manual_pending(module, graded), out_of_date=out_of_date)


def state_of(course_dir: CourseDir, module: Module, changes: Sequence[dict]) -> ModuleState:
    """:func:`module_state`, finding out whether the module is released."""
    return module_state(course_dir, module, module.id in course_dir.released(), changes)


@dataclass(frozen=True)
class Guard:
    """Whether an action may start now; if not, why (``reason``), and whether the Redo
    option (``force``) would make it possible."""

    enabled: bool
    reason: str = ""
    force_enables: bool = False


def guards(state: ModuleState) -> dict[str, Guard]:
    """Every action of the dashboard on this module: may it start, and if not, why."""
    name = state.module.id
    release = (Guard(False, f"{name} has no student version yet: generate it first")
               if not state.generated else
               Guard(False, f"{name} is released already: tick Redo to release the current "
                            "version over it", force_enables=True)
               if state.released else Guard(True))
    if state.uncollected:
        collect = Guard(True)
    elif state.collected:
        collect = Guard(False, f"every hand-in of {name} is collected")
    else:
        collect = Guard(False, f"nobody has handed in {name} yet")
    if state.to_grade:
        autograde = Guard(True)
    elif state.collected:
        autograde = Guard(False, f"every collected submission of {name} is graded: tick "
                                 "Redo to grade them again", force_enables=True)
    else:
        autograde = Guard(False, f"no submission of {name} is collected yet: collect first")
    feedback = (Guard(True) if state.graded else
                Guard(False, f"nothing of {name} is graded yet: autograde first"))
    changed = (Guard(True) if state.out_of_date else
               Guard(False, f"no released feedback on {name} is out of date"))
    return {"generate": Guard(True), "release": release, "collect": collect,
            "autograde": autograde, "feedback": feedback, FEEDBACK_CHANGED: changed}


def names(students: Sequence[str]) -> str:
    """``students`` for a sentence: all of them when few, else the first few and a count."""
    if len(students) <= NAMED:
        return ", ".join(students)
    return f"{', '.join(students[:NAMED])} and {len(students) - NAMED} more"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _whose(students: Sequence[str], thing: str, things: str, done: str) -> str:
    """"bob's earlier copy is replaced", "alice's and bob's earlier copies are replaced"."""
    if len(students) == 1:
        return f"{students[0]}'s {thing} is {done}"
    if len(students) > NAMED:
        return f"{len(students)} students' {things} are {done}"
    owners = [f"{student}'s" for student in students]
    return f"{', '.join(owners[:-1])} and {owners[-1]} {things} are {done}"


def pending_text(module: Module, pending: dict[str, int]) -> str:
    """What manual grading is pending, by student."""
    parts = [f"{_count(count, 'answer')} of {student}" for student, count in pending.items()]
    shown = (", ".join(parts) if len(parts) <= NAMED
             else f"{', '.join(parts[:NAMED])} and {len(parts) - NAMED} more students")
    return (f"manual grading of {module.id} is pending: {shown} "
            f"({_count(sum(pending.values()), 'answer')} in all)")


ASK_AGAIN = ('ask again with {"pending_manual": "release anyway"} to release the feedback '
             "without those grades")
# formgrader's feedback buttons cannot ask; the dashboard's can.
FROM_THE_DASHBOARD = ("release the feedback from the grading dashboard, which asks whether "
                      "to release it without those grades")


def feedback_refusal(state: ModuleState, students: Sequence[str], fix: str = ASK_AGAIN
                     ) -> str | None:
    """Why feedback for ``students`` (all graded ones if empty) needs an explicit choice,
    and ``fix``, the way to make it; None when no manual grading is pending for them."""
    chosen = students or state.graded
    pending = {s: n for s, n in state.pending_manual.items() if s in chosen}
    if not pending:
        return None
    return f"{pending_text(state.module, pending)}: grade them in formgrader first, or {fix}"


@dataclass(frozen=True)
class Preview:
    """What an action would do, before it starts: whom it touches (``students``), what it
    replaces (``overwrites``), a ``warning`` that needs an explicit choice, all in
    ``text``; and whether it may start at all (``enabled``, ``reason``)."""

    action: str
    module: str
    enabled: bool
    reason: str
    students: list[str]
    overwrites: list[str]
    warning: str
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def _sentence(doing: str, students: Sequence[str], overwrites: Sequence[str]) -> str:
    listed = f": {names(students)}" if students else ""
    return "; ".join([f"{doing}{listed}", *overwrites])


def preview(state: ModuleState, action: str, force: bool = False) -> Preview:
    """What ``action`` (a course action or :data:`FEEDBACK_CHANGED`) would do on this
    module now, with the Redo option if ``force``."""
    guard = guards(state)[action]
    enabled = guard.enabled or (force and guard.force_enables)
    name = state.module.id
    students: list[str] = []
    overwrites: list[str] = []
    warning = ""
    if action == "generate":
        doing = f"build the student version of {name} from its source"
        if state.generated:
            overwrites.append(f"the current student version of {name} is replaced (students "
                              "see the new one once you release it again)")
    elif action == "release":
        doing = f"release {name} to every student"
        if state.released:
            overwrites.append("the earlier release is replaced; students who fetched it keep "
                              "their copy")
    elif action == "collect":
        students = sorted(state.uncollected)
        doing = f"collect {_count(len(students), 'hand-in')} of {name}"
        replaced = [s for s in students if s in state.collected]
        if replaced:
            overwrites.append(_whose(replaced, "collected submission", "collected submissions",
                                     "replaced by the newer hand-in")
                              + " (every hand-in stays in the archive)")
    elif action == "autograde":
        students = list(state.collected if force else state.to_grade)
        doing = f"autograde {_count(len(students), 'submission')} of {name}"
        replaced = [s for s in students if s in state.graded]
        if replaced:
            overwrites.append(_whose(replaced, "earlier autograded copy",
                                     "earlier autograded copies", "replaced"))
    elif action in ("feedback", FEEDBACK_CHANGED):
        students = sorted(state.out_of_date) if action == FEEDBACK_CHANGED else state.graded
        doing = (f"release feedback on {name} to {_count(len(students), 'student')}"
                 + (" whose grades changed since their feedback"
                    if action == FEEDBACK_CHANGED else ""))
        replaced = [s for s in students if s in state.feedback]
        if replaced:
            overwrites.append(_whose(replaced, "earlier feedback", "earlier feedback",
                                     "replaced"))
        pending = {s: n for s, n in state.pending_manual.items() if s in students}
        if pending:
            warning = (f"{pending_text(state.module, pending)}; their feedback would show "
                       "those answers ungraded")
    else:
        raise KeyError(action)
    text = _sentence(doing, students, overwrites)
    return Preview(action, name, enabled, "" if enabled else guard.reason, students,
                   overwrites, warning, text)
