"""Parallel autograde from the CLI: --workers, and a run killed with SIGKILL then resumed."""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import TITO, Tito
from tests.grading.submissions import submission, submit
from tito.authoring.source import Role, read_source
from tito.grading.batch import SLOT_VARIABLE, current_slot, grade_many
from tito.grading.course_dir import CourseDir
from tito.manifest import Course

pytestmark = pytest.mark.slow

EXPECTED = {"ada": 70, "bob": 20, "cy": 0, "dee": 70}


def auto_totals(course_dir: CourseDir) -> dict[str, float]:
    setup = course_dir.course.module("setup")
    return {student: sum(score for name, score in course_dir.scores(setup, student).items()
                         if not name.startswith("systems-"))
            for student in EXPECTED}


@pytest.fixture
def course_dir(tmp_path: Path, course: Course, modules_dir: Path) -> CourseDir:
    setup = course.module("setup")
    target = CourseDir(tmp_path / "course", course, modules_dir)
    release = nbformat.read(target.generate(setup), as_version=4)
    instructor = nbformat.read(target.source_notebook(setup), as_version=4)
    exercises = [c.grade_id for c in read_source(setup, modules_dir).cells
                 if c.role is Role.SOLUTION]
    solved = {"ada": exercises, "bob": exercises[:2], "cy": [], "dee": exercises}
    for student, answers in solved.items():
        submit(target, "setup", student, submission(release, instructor, set(answers)))
    return target


def test_parallel_workers_grade_everyone_exactly(tito: Tito, course_dir: CourseDir) -> None:
    result = tito("nbgrader", "autograde", "setup", "--workers", "2", "--course-dir",
                  str(course_dir.root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database is locked" not in result.stdout + result.stderr
    assert auto_totals(course_dir) == EXPECTED
    again = tito("nbgrader", "autograde", "setup", "--course-dir", str(course_dir.root))
    assert "4 already graded" in again.stdout

    with course_dir.gradebook() as gradebook:
        gradebook.add_student("eve")  # enrolled, never submitted
    report = tito("nbgrader", "report", "--course-dir", str(course_dir.root))
    assert report.returncode == 0, report.stderr
    assert re.search(r"│ eve\s+│ missing", report.stdout)
    grades = list(csv.DictReader((course_dir.root / "reports" / "grades.csv").open()))
    assert [(g["student"], g["module"], float(g["autograded"]), float(g["manual"]),
             float(g["total"]), float(g["max_total"])) for g in grades] == [
        (student, "setup", points, 0.0, points, 100.0)
        for student, points in sorted({**EXPECTED, "eve": 0}.items())]
    stamps = {g["student"]: g["submitted_at"] for g in grades}
    assert stamps["eve"] == "" and stamps["ada"].startswith("2026-11-20T10:00:00")
    progress = (course_dir.root / "reports" / "progress.csv").read_text(encoding="utf-8")
    assert progress.splitlines() == ["student,setup", "ada,70.00", "bob,20.00", "cy,0.00",
                                     "dee,70.00", "eve,"]
    as_json = tito("nbgrader", "report", "--format", "json", "--module", "setup",
                   "--course-dir", str(course_dir.root))
    assert as_json.returncode == 0, as_json.stderr
    matrix = json.loads((course_dir.root / "reports" / "progress.json").read_text())
    assert matrix == {"ada": {"setup": 70.0}, "bob": {"setup": 20.0}, "cy": {"setup": 0.0},
                      "dee": {"setup": 70.0}, "eve": {"setup": None}}


def test_a_killed_run_leaves_a_consistent_gradebook_and_a_rerun_finishes(
        tito: Tito, course_dir: CourseDir, tmp_path: Path) -> None:
    env = {**os.environ, "TITO_CACHE": str(tmp_path / "cache"), "COLUMNS": "200"}
    run = subprocess.Popen([*TITO, "nbgrader", "autograde", "setup", "--workers", "2",
                            "--course-dir", str(course_dir.root)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    assert run.stdout is not None
    deadline = time.monotonic() + 300
    for line in run.stdout:
        if line.startswith("✓ "):
            break
        assert time.monotonic() < deadline, "no submission was graded in 300 s"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()

    graded_before = [s for s in EXPECTED
                     if not course_dir.needs_grading(course_dir.course.module("setup"), s)]
    assert 1 <= len(graded_before) < len(EXPECTED)

    resumed = tito("nbgrader", "autograde", "setup", "--workers", "2", "--course-dir",
                   str(course_dir.root))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{len(graded_before)} already graded" in resumed.stdout
    assert auto_totals(course_dir) == EXPECTED
    with course_dir.gradebook() as gradebook:
        assert sorted(s.student.id for s in gradebook.assignment_submissions("setup")) == sorted(
            EXPECTED)


def record_slot(folder: Path, student: str) -> None:
    time.sleep(0.2)  # long enough that both workers take students
    (folder / student).write_text(f"{os.getpid()} {current_slot()}", encoding="utf-8")


def no_setup() -> None:
    """Nothing to do before grading."""


def test_workers_take_the_programs_slots_from_its_first_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOT_VARIABLE, "40")
    students = [f"student{number}" for number in range(6)]
    outcomes = list(grade_many(functools.partial(record_slot, tmp_path), students, 2,
                               no_setup))
    assert sorted(outcome.student for outcome in outcomes if outcome.error is None) == students
    seen = {tuple(map(int, (tmp_path / student).read_text(encoding="utf-8").split()))
            for student in students}
    slots = dict(seen)  # worker pid → its slot
    assert len(slots) == len(seen), "a worker keeps one slot for its life"
    assert len(set(slots.values())) == len(slots), "no two workers share a slot"
    assert set(slots.values()) <= {40, 41}, "two workers, from slot 40 on"
