"""Time autograding module tensor: plain nbgrader (serial, no sandbox) against ours.

    .venv/bin/python benchmarks/autograde.py               # 50 submissions (minutes)
    .venv/bin/python benchmarks/autograde.py --quick       # 8 submissions
    .venv/bin/python benchmarks/autograde.py --workers 1 --keep /tmp/autograde-bench

Builds, in a temporary directory, two nbgrader course directories holding the same instructor
notebook and the same N submitted notebooks (a mix of complete, partly solved and untouched
ones, made from the release and instructor notebooks): ours, made by ``tito.grading.course_dir``,
and a plain one with nbgrader's stock configuration. It then times, in the same run, nbgrader's
own ``nbgrader autograde tensor`` on the plain one (one process, stock Execute, no sandbox)
and ``tito nbgrader autograde tensor --workers W`` on ours (sandboxed, judged by pytest),
both as subprocesses, and prints both wall times, the times per submission and the ratio
ours/plain. It checks that both graded all N submissions and that ours scores the complete
ones 70 and the untouched ones 0. It only reports: it never asserts anything about timing,
and it exits 1 only when a check fails. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from table import print_table  # benchmarks/table.py: this script's folder is on sys.path

from tito.authoring.source import Role, read_source
from tito.files import write_atomic, write_notebook
from tito.grading.course_dir import CourseDir, gradebook_path
from tito.manifest import load_course
from tito.project import PROJECT_ROOT

# The checkout's tests package builds submissions the same way for the tests and for this run.
sys.path.insert(0, str(PROJECT_ROOT))
from tests.grading.submissions import submission

MODULE = "tensor"
TIMESTAMP = "2026-11-20 10:00:00.000000 UTC"
# The kinds of submission, repeated in this order: most students hand in complete work, some
# solve only part of it, a few hand in the untouched release. Each kind solves these
# exercises (grade ids of the module's solution cells; "*" is all of them).
TENSOR = ("tensor-init", "tensor-size", "tensor-item", "tensor-add", "tensor-sub", "tensor-mul",
          "tensor-div", "tensor-pow", "tensor-compare", "tensor-matmul", "tensor-sum-mean",
          "tensor-max", "tensor-reshape-transpose", "tensor-getitem", "tensor-exp-log")
MIX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("complete", ("*",)), ("complete", ("*",)), ("Tensor only", TENSOR),
    ("complete", ("*",)), ("untouched", ()), ("matmul only", ("matmul-loops",)),
    ("complete", ("*",)), ("Tensor only", TENSOR), ("complete", ("*",)),
    ("untouched", ()),
)
EXPECTED = {"complete": 70.0, "untouched": 0.0}  # our autograded points, checked
PLAIN_CONFIG = '''\
"""nbgrader's stock configuration: only where the course directory is."""
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
'''


@dataclass
class Timing:
    """One grading run: its wall time and when each submission finished."""

    wall: float = 0.0
    finished: list[float] = field(default_factory=list)  # seconds after the start
    returncode: int = 0
    log: str = ""

    def steady(self) -> float | None:
        """Seconds per submission from the first submission finishing to the last: the
        cost of a submission without the run's start-up."""
        if len(self.finished) < 2:
            return None
        return (self.finished[-1] - self.finished[0]) / (len(self.finished) - 1)


def hand_in(root: Path, student: str, notebook: NotebookNode) -> None:
    folder = root / "submitted" / student / MODULE
    write_notebook(folder / f"{MODULE}.ipynb", notebook)
    write_atomic(folder / "timestamp.txt", TIMESTAMP)


def scripts_env(**extra: str) -> dict[str, str]:
    """Our environment with its scripts first on PATH (nbgrader runs ``alembic`` by name),
    UTF-8 and unbuffered output, so lines arrive when they are printed."""
    path = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1",
            "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **extra}


def build(work: Path, count: int) -> tuple[CourseDir, Path, dict[str, str]]:
    """Our course directory and the plain one, with the same ``count`` submissions.
    Returns both and each student's kind of submission."""
    course = load_course(PROJECT_ROOT / "course" / "course.toml")
    modules_dir = PROJECT_ROOT / "course" / "modules"
    module = course.module(MODULE)
    ours = CourseDir(work / "ours", course, modules_dir)
    release = nbformat.read(ours.generate(module), as_version=4)
    instructor = nbformat.read(ours.source_notebook(module), as_version=4)
    exercises = {c.grade_id for c in read_source(module, modules_dir).cells
                 if c.role is Role.SOLUTION}
    plain = work / "plain"
    (plain / "source" / MODULE).mkdir(parents=True)
    shutil.copy2(ours.source_notebook(module), plain / "source" / MODULE / f"{MODULE}.ipynb")
    write_atomic(plain / "nbgrader_config.py", PLAIN_CONFIG.format(root=str(plain)))
    kinds = {}
    for index in range(count):
        kind, solved = MIX[index % len(MIX)]
        answers = exercises if "*" in solved else set(solved) & exercises
        notebook = submission(release, instructor, answers)
        student = f"student{index:03d}"
        kinds[student] = kind
        for root in (ours.root, plain):
            hand_in(root, student, notebook)
    # The plain gradebook gets the assignment from nbgrader's stock generate_assignment.
    made = subprocess.run(["nbgrader", "generate_assignment", MODULE, "--force"], cwd=plain,
                          env=scripts_env(), capture_output=True, text=True, encoding="utf-8",
                          errors="replace", check=False)
    if made.returncode != 0:
        raise SystemExit(f"plain nbgrader generate_assignment failed:\n{made.stderr[-2000:]}")
    return ours, plain, kinds


def timed(command: list[str], cwd: Path, env: dict[str, str],
          finished: Callable[[str], bool], log: Path) -> Timing:
    """Run ``command``, noting when each line that ``finished`` recognises arrives."""
    timing = Timing()
    start = time.perf_counter()
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                          errors="replace") as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if finished(line):
                timing.finished.append(time.perf_counter() - start)
        timing.returncode = process.wait()
    timing.wall = time.perf_counter() - start
    timing.log = "".join(lines)
    write_atomic(log, timing.log)
    return timing


def graded_count(root: Path, gradebook_file: Path) -> tuple[int, int]:
    """Autograded notebooks on disk, and the module's submissions in the gradebook."""
    from nbgrader.api import Gradebook

    notebooks = len(list((root / "autograded").glob(f"*/{MODULE}/{MODULE}.ipynb")))
    with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
        submissions = len(gradebook.assignment_submissions(MODULE))
    return notebooks, submissions


def auto_scores(gradebook_file: Path, students: list[str]) -> dict[str, float | None]:
    """Each student's autograded points (the manual ``systems-`` cells left out)."""
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, float | None] = {}
    with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
        for student in students:
            try:
                notebook = gradebook.find_submission_notebook(MODULE, MODULE, student)
            except MissingEntry:
                scores[student] = None
                continue
            scores[student] = round(sum(g.score for g in notebook.grades
                                        if not g.name.startswith("systems-")), 4)
    return scores


def score_summary(scores: dict[str, float | None], kinds: dict[str, str]) -> dict[str, str]:
    """Per kind of submission: the points it got (``a/b`` when they differ)."""
    seen: dict[str, list[str]] = {}
    for student, kind in kinds.items():
        score = scores.get(student)
        text = "-" if score is None else f"{score:g}"
        if text not in seen.setdefault(kind, []):
            seen[kind].append(text)
    return {kind: "/".join(values) for kind, values in seen.items()}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=None,
                        help="submissions graded by each side (default 50, 8 with --quick)")
    parser.add_argument("--workers", type=int, default=2,
                        help="our grading processes (tito --workers; default 2)")
    parser.add_argument("--quick", action="store_true", help="a few submissions (8)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build in DIR (must not exist) and keep it, logs included")
    parser.add_argument("--plain", action="store_true", help="plain-text output, no rich")
    args = parser.parse_args(argv)
    count = args.submissions if args.submissions is not None else (8 if args.quick else 50)
    count, workers = max(1, count), max(1, args.workers)
    if os.geteuid() != 0:
        print("note: not root: the sandbox runs as your uid (root gives each slot its own uid)")

    if args.keep is not None:
        if args.keep.exists():
            parser.error(f"{args.keep} exists: name a new directory")
        args.keep.mkdir(parents=True)
        work, cleanup = args.keep.resolve(), None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="tito-autograde-bench-")
        work = Path(cleanup.name)
    try:
        return run(work, count, workers, args.plain)
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def run(work: Path, count: int, workers: int, plain_text: bool) -> int:
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    print(f"building {count} submissions of {MODULE} in {work} ...", flush=True)
    ours, plain, kinds = build(work, count)
    students = sorted(kinds)

    print("grading with plain nbgrader (serial, no sandbox) ...", flush=True)
    plain_run = timed(["nbgrader", "autograde", MODULE, "--force", "--create"], plain,
                      scripts_env(),
                      lambda line: "Setting destination file permissions to 444" in line,
                      work / "plain.log")
    print(f"grading with tito (sandboxed, --workers {workers}) ...", flush=True)
    ours_run = timed([sys.executable, "-m", "tito", "nbgrader", "autograde", MODULE,
                      "--workers", str(workers)], work,
                     scripts_env(TITO_COURSE_DIR=str(ours.root),
                                 TITO_CACHE=str(work / "cache"),
                                 TITO_WORKSPACE=str(work / "workspace")),
                     lambda line: bool(re.match(r"\s*[✓✗] student\d+", line)),
                     work / "ours.log")
    load_after = os.getloadavg()[0]

    problems: list[str] = []
    summaries = {}
    for name, root, gradebook_file, timing in (
            ("plain", plain, plain / "gradebook.db", plain_run),
            ("ours", ours.root, gradebook_path(ours.root), ours_run)):
        notebooks, submissions = graded_count(root, gradebook_file)
        if timing.returncode != 0:
            problems.append(f"{name}: exit status {timing.returncode} (log: "
                            f"{work / (name + '.log')})")
        if notebooks != count or submissions != count:
            problems.append(f"{name}: {notebooks} autograded notebooks and {submissions} "
                            f"gradebook submissions, expected {count}")
        scores = auto_scores(gradebook_file, students)
        summaries[name] = (notebooks, submissions, score_summary(scores, kinds))
        if name == "ours":
            wrong = [f"{s} ({kinds[s]}): {scores[s]}" for s in students
                     if kinds[s] in EXPECTED and scores[s] != EXPECTED[kinds[s]]]
            if wrong:
                problems.append("ours scored " + ", ".join(wrong[:5])
                                + (" …" if len(wrong) > 5 else "")
                                + f"; expected {EXPECTED}")

    ratio = ours_run.wall / plain_run.wall if plain_run.wall else float("nan")
    kinds_order = list(dict.fromkeys(kinds.values()))
    header = ("grader", "wall", "per submission", "steady per submission", "graded",
              *[f"points: {k}" for k in kinds_order])
    rows = []
    for name, label, timing in (("plain", "plain nbgrader (serial, no sandbox)", plain_run),
                                ("ours", f"tito (sandboxed, --workers {workers})", ours_run)):
        notebooks, submissions, summary = summaries[name]
        rows.append((label, seconds(timing.wall), seconds(timing.wall / count),
                     seconds(timing.steady()), f"{min(notebooks, submissions)}/{count}",
                     *[summary.get(k, "-") for k in kinds_order]))
    mix = ", ".join(f"{sum(k == kind for k in kinds.values())} {kind}" for kind in kinds_order)
    title = (f"autograde {count} submissions of {MODULE} ({mix}); {cores} cores, "
             f"load average {load_before:.2f} before, {load_after:.2f} after (with ours)")
    verdict = "met" if ratio <= 0.75 else "NOT met"
    summary_line = (f"ours/plain = {ratio:.2f} (goal: at most 0.75, {verdict}); "
                    f"plain {plain_run.wall:.1f} s, ours {ours_run.wall:.1f} s")

    print_table(title, header, rows, plain_text)
    print(summary_line)
    print("per submission = wall / submissions; steady = from the first submission "
          "finished to the last, per submission (no start-up). Points: plain nbgrader "
          "scores a test cell all or nothing, ours by the share of its tests that pass.")
    if load_before >= cores / 2:
        print(f"note: the machine was busy before the run (load average {load_before:.1f} on "
              f"{cores} cores): times are noisy; the load after includes the run's own graders")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
