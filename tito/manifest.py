"""The course manifest, ``course/course.toml``: the one place that states module facts."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from tito.errors import TitoError
from tito.files import write_atomic

_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Points:
    auto: int
    manual: int

    @property
    def total(self) -> int:
        return self.auto + self.manual


@dataclass(frozen=True)
class LatePolicy:
    """What a late submission costs: nothing, everything, or a percentage of the score per
    started day late (capped at the whole score)."""

    kind: str = "none"  # none | zero | percent-per-day
    percent_per_day: float = 0.0

    def describe(self) -> str:
        """The policy in words, for people: "" when late work costs nothing."""
        if self.kind == "zero":
            return "late work scores 0"
        if self.kind == "percent-per-day":
            return f"{self.percent_per_day:g}% per started day late"
        return ""

    def penalty(self, score: float, seconds_late: float) -> float:
        if seconds_late <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "zero":
            return score
        days = math.ceil(seconds_late / 86400)
        return min(score, score * self.percent_per_day / 100 * days)


@dataclass(frozen=True)
class Module:
    """One course module. ``id`` is stable; ``number`` only orders modules for people."""

    number: int
    id: str
    title: str
    target: str
    summary: str
    requires: tuple[str, ...]
    points: Points
    milestones: tuple[str, ...]
    due: dt.datetime | None = None

    @property
    def slug(self) -> str:
        """The folder name students see, e.g. ``01_tensor``."""
        return f"{self.number:02d}_{self.id}"

    @property
    def label(self) -> str:
        return f"{self.number:02d} {self.id}"

    @property
    def target_path(self) -> Path:
        """The file the module exports into, relative to the package's parent directory."""
        return Path(*self.target.split(".")).with_suffix(".py")

    def source_path(self, modules_dir: Path) -> Path:
        return modules_dir / self.id / f"{self.id}.py"


@dataclass(frozen=True)
class Milestone:
    id: str
    title: str
    after: str


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: where it lives in the data cache, where it is downloaded
    from, and its SHA-256."""

    file: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    files: tuple[DataFile, ...]
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class Course:
    """The parsed and checked manifest."""

    name: str
    package: str
    points: Points
    modules: tuple[Module, ...]
    milestones: dict[str, Milestone]
    datasets: dict[str, Dataset]
    path: Path
    late: LatePolicy = LatePolicy()

    def module(self, ref: str) -> Module:
        """Find a module by id (``tensor``), number (``01``, ``1``) or folder (``01_tensor``)."""
        ref = ref.strip().rstrip("/")
        for module in self.modules:
            if ref in (module.id, module.slug) or (
                ref.isdigit() and int(ref) == module.number
            ):
                return module
        known = [m.id for m in self.modules] + [m.slug for m in self.modules]
        close = difflib.get_close_matches(ref, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise TitoError(f"unknown module '{ref}': {hint}'tito module list' shows every module")

    def prerequisites(self, module: Module) -> list[Module]:
        """Every module ``module`` builds on, directly or not, in course order."""
        needed: set[str] = set()
        stack = list(module.requires)
        while stack:
            ref = stack.pop()
            if ref not in needed:
                needed.add(ref)
                stack.extend(self.module(ref).requires)
        return [m for m in self.modules if m.id in needed]

    def packages(self, modules: list[Module] | tuple[Module, ...] | None = None) -> list[str]:
        """The packages (dotted names) that hold the given modules' targets, parents first."""
        names: set[str] = set()
        for module in self.modules if modules is None else modules:
            parts = module.target.split(".")[:-1]
            names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        return sorted(names, key=lambda name: (name.count("."), name))


def _fail(path: Path, where: str, problem: str) -> TitoError:
    return TitoError(f"{path}: {where}: {problem}")


def _points(path: Path, where: str, raw: object) -> Points:
    if not (isinstance(raw, dict) and {"auto", "manual"} <= raw.keys()):
        raise _fail(path, where, "points must be a table like { auto = 70, manual = 30 }")
    auto, manual = raw["auto"], raw["manual"]
    if not (isinstance(auto, int) and isinstance(manual, int) and auto >= 0 and manual >= 0):
        raise _fail(path, where, "points.auto and points.manual must be non-negative integers")
    return Points(auto, manual)


def _module(path: Path, index: int, raw: dict, course_points: Points) -> Module:
    where = f"[[modules]] #{index + 1} ({raw.get('id', '?')})"
    for key, kind in (("number", int), ("id", str), ("title", str), ("target", str)):
        if not isinstance(raw.get(key), kind):
            raise _fail(path, where, f"'{key}' is missing or not a {kind.__name__}")
    if not _ID.match(raw["id"]):
        raise _fail(path, where, "id must be lowercase letters, digits and dashes")
    points = _points(path, where, raw.get("points", {}))
    due = raw.get("due")
    if due is not None:
        if not isinstance(due, dt.datetime) or due.tzinfo is None:
            raise _fail(path, where, f"{DUE_FORMAT} (no quotes)")
        due = due.astimezone(dt.UTC)
    if points != course_points:
        raise _fail(
            path, where, f"points {points} differ from the course's {course_points}"
        )
    return Module(
        number=raw["number"],
        id=raw["id"],
        title=raw["title"],
        target=raw["target"],
        summary=raw.get("summary", ""),
        requires=tuple(raw.get("requires", ())),
        points=points,
        milestones=tuple(raw.get("milestones", ())),
        due=due,
    )


def _dataset(path: Path, key: str, raw: dict) -> Dataset:
    """``[datasets.<key>]`` with its ``[[datasets.<key>.files]]`` (file, url, sha256)."""
    files = raw.get("files")
    if not files:
        raise _fail(path, f"[datasets.{key}]", "lists no files: add a [[datasets."
                    f"{key}.files]] table with file, url and sha256")
    for number, entry in enumerate(files, 1):
        if missing := [name for name in ("file", "url", "sha256") if name not in entry]:
            raise _fail(path, f"[datasets.{key}]", f"file {number} has no "
                        f"{', '.join(missing)}: give each file its file, url and sha256")
    return Dataset(key, raw["title"],
                   tuple(DataFile(f["file"], f["url"], f["sha256"]) for f in files),
                   tuple(raw["used_by"]))


def load_course(path: Path, overrides: Path | None = None) -> Course:
    """Read and check ``course.toml``; any inconsistency is a :class:`TitoError` naming it.
    ``overrides`` is a file of :class:`Overrides` (the course directory's, which the
    grading dashboard edits): its due dates and late policy replace the manifest's."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TitoError(f"{path} not found: run tito from a TinyTorch checkout") from None
    except tomllib.TOMLDecodeError as error:
        raise TitoError(f"{path}: invalid TOML ({error}): fix the file") from None

    course = data.get("course", {})
    points = _points(path, "[course]", course.get("points", {}))
    package = course.get("package", "tinytorch")
    modules = tuple(
        _module(path, i, raw, points) for i, raw in enumerate(data.get("modules", []))
    )
    if not modules:
        raise _fail(path, "[[modules]]", "the course has no modules")

    seen: dict[str, Module] = {}
    for module in modules:
        where = f"module '{module.id}'"
        if module.id in seen:
            raise _fail(path, where, "id appears twice")
        if any(m.number == module.number for m in seen.values()):
            raise _fail(path, where, f"number {module.number} appears twice")
        if not module.target.startswith(package + "."):
            raise _fail(path, where, f"target must lie inside the '{package}' package")
        for ref in module.requires:
            if ref not in seen:
                raise _fail(path, where, f"requires '{ref}', which is not an earlier module")
        seen[module.id] = module
    if [m.number for m in modules] != sorted(m.number for m in modules):
        raise _fail(path, "[[modules]]", "modules must be listed in order of number")

    milestones = {
        key: Milestone(key, raw["title"], raw["after"])
        for key, raw in data.get("milestones", {}).items()
    }
    for module in modules:
        for name in module.milestones:
            if name not in milestones:
                raise _fail(path, f"module '{module.id}'", f"unknown milestone '{name}'")
    for milestone in milestones.values():
        if milestone.after not in seen:
            raise _fail(path, f"milestone '{milestone.id}'", f"unknown module '{milestone.after}'")

    grading = data.get("grading", {})
    try:
        late = late_policy(grading.get("late_policy", "none"),
                           grading.get("late_percent_per_day", 0))
    except TitoError as error:
        raise _fail(path, "[grading]", str(error)) from None
    datasets = {key: _dataset(path, key, raw) for key, raw in data.get("datasets", {}).items()}
    course = Course(
        name=course.get("name", "TinyTorch"),
        package=package,
        points=points,
        modules=modules,
        milestones=milestones,
        datasets=datasets,
        path=path,
        late=late,
    )
    return course if overrides is None else read_overrides(overrides).apply(course)



# ---- overrides: due dates and the late policy, edited in the grading dashboard ----

DUE_FORMAT = "due must be a date and time with a zone, like 2026-09-15T23:59:00Z"
LATE_POLICIES = ("none", "zero", "percent-per-day")


def late_policy(kind: object, percent: object = 0) -> LatePolicy:
    """The checked late policy ``kind`` (none, zero, percent-per-day) with ``percent``
    per started day late; a :class:`TitoError` saying what is allowed otherwise."""
    if kind not in LATE_POLICIES:
        raise TitoError(f"late_policy {kind!r} must be none, zero or percent-per-day")
    if kind == "percent-per-day" and not (isinstance(percent, int | float)
                                         and not isinstance(percent, bool)
                                         and 0 < percent <= 100):
        raise TitoError(f"late_percent_per_day must be a number in (0, 100], not {percent!r}")
    return LatePolicy(str(kind), float(percent) if kind == "percent-per-day" else 0.0)


def due_date(text: object) -> dt.datetime:
    """``text`` (ISO 8601 with a zone) as an aware UTC time; a :class:`TitoError` saying
    the format otherwise."""
    try:
        due = dt.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        due = None
    if due is None or due.tzinfo is None:
        raise TitoError(f"{DUE_FORMAT}, not {text!r}")
    return due.astimezone(dt.UTC)


@dataclass(frozen=True)
class Overrides:
    """Due dates (module id → time, or None: no due date) and a late policy that replace
    course.toml's. The course directory keeps them as JSON; the grading service writes
    them with who changed what (``changes``, oldest first, which the manifest ignores)."""

    due: dict[str, dt.datetime | None] = field(default_factory=dict)
    late: LatePolicy | None = None
    changes: tuple[dict, ...] = ()

    def apply(self, course: Course) -> Course:
        """``course`` with these due dates and late policy."""
        modules = tuple(replace(m, due=self.due[m.id]) if m.id in self.due else m
                        for m in course.modules)
        return replace(course, modules=modules, late=self.late or course.late)

    def to_json(self) -> dict:
        return {"due": {module: due.isoformat() if due else None
                        for module, due in self.due.items()},
                "late_policy": (None if self.late is None else
                                {"kind": self.late.kind,
                                 "percent_per_day": self.late.percent_per_day}),
                "changes": list(self.changes)}


def read_overrides(path: Path) -> Overrides:
    """The overrides in ``path`` (none when there is no such file), checked as the
    dashboard checks them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Overrides()
    except ValueError as error:
        raise TitoError(f"{path} is not JSON ({error}): fix or remove it") from None
    try:
        due = {module: None if text is None else due_date(text)
               for module, text in data.get("due", {}).items()}
        policy = data.get("late_policy")
        late = None if policy is None else late_policy(policy["kind"],
                                                       policy.get("percent_per_day", 0))
    except (TitoError, KeyError, TypeError, AttributeError) as error:
        raise TitoError(f"{path}: {error}: fix or remove it") from None
    return Overrides(due, late, tuple(data.get("changes", ())))


def write_overrides(path: Path, overrides: Overrides) -> None:
    """Keep ``overrides`` in ``path`` (atomically: readers see the old or the new)."""
    write_atomic(path, json.dumps(overrides.to_json(), indent=1) + "\n")
