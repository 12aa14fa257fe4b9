"""Students who may need help, each with the evidence, from the course's own records.

The instructor guide's signals: a module not started some days after its release (no
hand-in), repeated failing hand-ins (several hand-ins of a module, every autograded one
scoring low), and falling behind the class (far fewer modules handed in, or a far lower
average score, than the class median). The evidence comes from the exchange (every
hand-in with its time), the course directory's records (release times, every autograde's
score: :class:`tito.grading.course_dir.CourseDir`) and the gradebook.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import datetime

from traitlets import Float, Int
from traitlets.config import Configurable

from tito.grading.course_dir import CourseDir
from tito.grading.report import grade_rows
from tito.manifest import Module


@dataclass(frozen=True)
class Signal:
    """One reason to look at one student: which ``signal``, and its ``evidence`` in words."""

    student: str
    signal: str  # not started | repeated failing | behind
    module: str | None
    evidence: str

    def to_dict(self) -> dict:
        return asdict(self)


def _share(points: float, maximum: float) -> float:
    return points / maximum if maximum else 0.0


class AttentionSignals(Configurable):
    """The thresholds of the dashboard's "needs attention" view
    (``c.AttentionSignals.*`` in the grading service's configuration)."""

    not_started_days = Int(7, help="A released module with no hand-in from a student this "
                           "many days after its release is flagged as not started."
                           ).tag(config=True)
    failing_hand_ins = Int(3, help="This many hand-ins of one module, every autograded one "
                           "scoring below failing_share of the autograded points, are "
                           "flagged as repeated failing.").tag(config=True)
    failing_share = Float(0.5, help="An autograded score below this share of the module's "
                          "autograded points counts as failing (0..1).").tag(config=True)
    behind_modules = Int(2, help="A student who handed in at least this many modules fewer "
                         "than the class median is flagged as behind.").tag(config=True)
    behind_score = Float(0.25, help="A student whose average score share on graded modules "
                         "is at least this much below the class median's (0..1) is flagged "
                         "as behind.").tag(config=True)

    def find(self, course_dir: CourseDir, modules: list[Module], students: list[str],
             now: datetime) -> list[Signal]:
        """The signals of ``students`` (and anyone who handed in) on the released
        ``modules`` at ``now`` (aware), by student, then signal."""
        handed = {m.id: course_dir.handed_in(m) for m in modules}
        everyone = sorted({*students, *(s for times in handed.values() for s in times)})
        signals = [*self._not_started(course_dir, modules, everyone, handed, now),
                   *self._failing(course_dir, modules, handed),
                   *self._behind(course_dir, modules, everyone, handed)]
        return sorted(signals, key=lambda signal: (signal.student, signal.signal))

    def _not_started(self, course_dir: CourseDir, modules: list[Module], students: list[str],
                     handed: dict[str, dict[str, list[str]]], now: datetime) -> list[Signal]:
        found = []
        for module in modules:
            released = course_dir.released_at(module)
            if released is None:
                continue  # released before tito noted release times: no evidence of when
            days = (now - datetime.fromisoformat(released)).days
            if days < self.not_started_days:
                continue
            found += [Signal(student, "not started", module.id,
                             f"{module.id} released {days} days ago, no hand-in")
                      for student in students if student not in handed[module.id]]
        return found

    def _failing(self, course_dir: CourseDir, modules: list[Module],
                 handed: dict[str, dict[str, list[str]]]) -> list[Signal]:
        found = []
        for module in modules:
            for student, times in handed[module.id].items():
                if len(times) < self.failing_hand_ins:
                    continue
                # the last autograde of each hand-in (a hand-in may be graded again)
                graded = {entry["submitted"]: entry
                          for entry in course_dir.autograde_history(module, student)}
                if not graded or any(_share(e["points"], e["max_points"]) >= self.failing_share
                                     for e in graded.values()):
                    continue
                scores = ", ".join(f"{e['points']:g}" for e in graded.values())
                maximum = next(iter(graded.values()))["max_points"]
                found.append(Signal(student, "repeated failing", module.id,
                                    f"{len(times)} hand-ins of {module.id}, scores {scores} "
                                    f"of {maximum:g}"))
        return found

    def _behind(self, course_dir: CourseDir, modules: list[Module], students: list[str],
                handed: dict[str, dict[str, list[str]]]) -> list[Signal]:
        if len(students) < 2:
            return []  # no class to compare with
        found = []
        submitted = {s: sum(s in handed[m.id] for m in modules) for s in students}
        median = statistics.median(submitted.values())
        for student, count in submitted.items():
            if count <= median - self.behind_modules:
                found.append(Signal(student, "behind", None,
                                    f"{count} modules submitted, class median {median:g}"))
        shares: dict[str, list[float]] = {}
        for row in grade_rows(course_dir, modules):
            if row.submitted:
                shares.setdefault(row.student, []).append(_share(row.total, row.max_total))
        averages = {s: statistics.mean(values) for s, values in shares.items()}
        if len(averages) < 2:
            return found
        middle = statistics.median(averages.values())
        for student, average in sorted(averages.items()):
            if average <= middle - self.behind_score:
                found.append(Signal(student, "behind", None,
                                    f"average score {average:.0%} of the points on graded "
                                    f"modules, class median {middle:.0%}"))
        return found
