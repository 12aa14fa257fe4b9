"""The gradebook on a real PostgreSQL server (Debian's, started by the tests' set-up): the
whole course run as on SQLite, four autograde workers at once, a server restart in the
middle of an autograde, and a course moved from SQLite to PostgreSQL by export/import."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import TITO, Tito
from tests.grading import test_course_run as course_run
from tests.grading.submissions import submission, submit
from tests.postgres import PostgresServer
from tito.authoring.source import Role, read_source
from tito.grading.course_dir import CourseDir, gradebook_path
from tito.manifest import Course

pytestmark = pytest.mark.slow

SCORES = {"setup-all": 70, "setup-two": 20, "setup-none": 0}


def _plan(count: int) -> dict[str, str]:
    """``count`` students, each solving all, two or none of the exercises."""
    kinds = list(SCORES)
    return {f"s{index:02d}": kinds[index % len(kinds)] for index in range(count)}


def _submissions(course_dir: CourseDir, plan: dict[str, str], modules_dir: Path) -> None:
    setup = course_dir.course.module("setup")
    release = nbformat.read(course_dir.generate(setup), as_version=4)
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    exercises = [c.grade_id for c in read_source(setup, modules_dir).cells
                 if c.role is Role.SOLUTION]
    solved = {"setup-all": exercises, "setup-two": exercises[:2], "setup-none": []}
    for student, kind in plan.items():
        submit(course_dir, "setup", student, submission(release, instructor, set(solved[kind])))


def _auto_totals(course_dir: CourseDir, students) -> dict[str, float]:
    setup = course_dir.course.module("setup")
    return {student: sum(score for name, score in course_dir.scores(setup, student).items()
                         if not name.startswith("systems-")) for student in students}


def _grade_rows(server: PostgresServer, database: str) -> dict[str, tuple[int, int]]:
    """Student → (grade rows, distinct cells graded) of their setup submission."""
    out = server.psql(
        "SELECT sa.student_id, count(*), count(DISTINCT g.cell_id) FROM grade g "
        "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id GROUP BY sa.student_id",
        database)
    return {student: (int(rows), int(cells)) for student, rows, cells in
            (line.split("|") for line in out.split())}


def test_the_course_run_on_postgresql(tmp_path: Path, tito: Tito, course: Course,
                                      modules_dir: Path, postgres: PostgresServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole run of tests/grading/test_course_run.py (release → hand-ins → collect →
    autograde with 2 workers → manual grades → feedback → CSV), with the gradebook on
    PostgreSQL: TITO_GRADEBOOK_URL reaches the CLI and, through the course directory's
    nbgrader_config.py, every reader in this process."""
    url = postgres.create_database("course_run")
    monkeypatch.setenv("TITO_GRADEBOOK_URL", url)
    course_run.test_a_module_from_release_to_grades(tmp_path, tito, course, modules_dir)
    instructor = tmp_path / "instructor"
    assert not gradebook_path(instructor).exists(), "nothing went to SQLite"
    assert CourseDir(instructor, course, modules_dir).db_url == url
    assert _grade_rows(postgres, "course_run").keys() == {"alice", "bob", "carol"}
    manual = postgres.psql("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL",
                           "course_run")
    assert int(manual) == 4  # the TA's four marks, in PostgreSQL


def test_four_workers_write_every_grade_once(tmp_path: Path, tito: Tito, course: Course,
                                             modules_dir: Path,
                                             postgres: PostgresServer) -> None:
    url = postgres.create_database("four_workers")
    course_dir = CourseDir(tmp_path / "course", course, modules_dir, gradebook=url)
    plan = _plan(8)
    _submissions(course_dir, plan, modules_dir)
    started = time.monotonic()
    result = tito("nbgrader", "autograde", "setup", "--workers", "4", "--course-dir",
                  str(course_dir.root), env={"TITO_GRADEBOOK_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"8 submissions, 4 workers, PostgreSQL: {time.monotonic() - started:.1f} s")
    assert _auto_totals(course_dir, plan) == {s: SCORES[kind] for s, kind in plan.items()}
    rows = _grade_rows(postgres, "four_workers")
    cells = len(course_dir.scores(course.module("setup"), "s00"))
    assert rows == dict.fromkeys(plan, (cells, cells)), "one grade per student and cell"
    assert int(postgres.psql("SELECT count(*) FROM submitted_assignment",
                             "four_workers")) == len(plan)
    assert not gradebook_path(course_dir.root).exists()


def test_a_restart_mid_autograde_loses_nothing(tmp_path: Path, course: Course,
                                               modules_dir: Path,
                                               postgres: PostgresServer) -> None:
    """The server goes down (every connection dropped) while two workers grade: the work
    it interrupted is done again once it answers, and every score is exact, once."""
    url = postgres.create_database("restart")
    course_dir = CourseDir(tmp_path / "course", course, modules_dir, gradebook=url)
    plan = _plan(6)
    _submissions(course_dir, plan, modules_dir)
    history = course_dir.root / ".tito" / "autograded"
    log = tmp_path / "autograde.log"
    with log.open("w", encoding="utf-8") as output:
        run = subprocess.Popen(
            [*TITO, "nbgrader", "autograde", "setup", "--workers", "2", "--course-dir",
             str(course_dir.root)], stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "TITO_GRADEBOOK_URL": url, "COLUMNS": "200"})
        try:
            deadline = time.monotonic() + 300
            while not list(history.glob("*/setup.jsonl")):  # the first student is graded
                assert run.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
                time.sleep(0.1)
            postgres.stop()  # the others are mid-way: every connection drops
            time.sleep(6)
            postgres.start()
            assert run.wait(timeout=600) == 0, log.read_text(encoding="utf-8")
        finally:
            if run.poll() is None:
                run.kill()
    said = log.read_text(encoding="utf-8")
    assert "connection dropped" in said or "does not answer yet" in said, said
    assert _auto_totals(course_dir, plan) == {s: SCORES[kind] for s, kind in plan.items()}
    cells = len(course_dir.scores(course.module("setup"), "s00"))
    assert _grade_rows(postgres, "restart") == dict.fromkeys(plan, (cells, cells))
    setup = course.module("setup")
    for student, kind in plan.items():  # one autograde recorded per student: none doubled
        [entry] = course_dir.autograde_history(setup, student)
        assert entry["points"] == SCORES[kind]


def _gradebook_facts(course_dir: CourseDir) -> dict:
    """Every grade, comment and submission (with its timestamp) of the gradebook."""
    with course_dir.gradebook() as gradebook:
        facts = {"students": sorted((s.id, s.first_name, s.last_name)
                                    for s in gradebook.students)}
        for assignment in gradebook.assignments:
            facts[assignment.name] = {"duedate": str(assignment.duedate)}
            for sub in assignment.submissions:
                notebook = sub.notebooks[0]
                facts[assignment.name][sub.student_id] = {
                    "timestamp": str(sub.timestamp),
                    "grades": sorted((g.name, g.auto_score, g.manual_score,
                                      g.needs_manual_grade) for g in notebook.grades),
                    "comments": sorted((c.name, c.auto_comment, c.manual_comment)
                                       for c in notebook.comments),
                    "late_penalty": notebook.late_submission_penalty}
    return facts


def test_a_course_moves_from_sqlite_to_postgresql(tmp_path: Path, tito: Tito, course: Course,
                                                  modules_dir: Path,
                                                  postgres: PostgresServer) -> None:
    setup = course.module("setup")
    room = course_run.Classroom(tmp_path / "small", tito, course, modules_dir)
    small = room.course_dir
    small.generate(setup)
    small.release(setup)
    plan = {"alice": room.exercises, "bob": room.exercises[:2]}
    for name, solved in plan.items():
        room.student(name).fetch(setup)
        room.work(name, solved)
        room.student(name).submit(setup)
    small.collect(setup)
    small.enroll(["alice", "bob", "eve"], {"alice": ["Alice", "Liddell"]})
    for student in plan:
        small.autograde(setup, student)
    with small.gradebook() as gradebook:  # a TA's grade and comment, as formgrader saves
        grade = gradebook.find_grade("systems-memory", "setup", "setup", "alice")
        grade.manual_score, grade.needs_manual_grade = 9.5, False
        comment = gradebook.find_comment("systems-memory", "setup", "setup", "alice")
        comment.manual_comment = "Good: you measured it. (TA)"
        gradebook.db.commit()
    small.feedback(setup, "alice")
    before = _gradebook_facts(small)
    assert before["setup"]["alice"]["grades"] and before["setup"]["alice"]["comments"]
    assert (small.root / "gradebook" / "gradebook.db").exists()

    archive = tmp_path / "course.tar.gz"
    exported = tito("nbgrader", "export", str(archive), "--course-dir", str(small.root))
    assert exported.returncode == 0, exported.stdout + exported.stderr

    url = postgres.create_database("moved")
    env = {"TITO_GRADEBOOK_URL": url, "TITO_EXCHANGE": str(tmp_path / "large" / "exchange")}
    large_root = tmp_path / "large" / "instructor"
    large_root.mkdir(parents=True)
    imported = tito("nbgrader", "import", str(archive), "--course-dir", str(large_root),
                    env=env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "imported" in imported.stdout
    large = CourseDir(large_root, course, modules_dir, gradebook=url)
    assert large.exchange == tmp_path / "large" / "exchange"
    assert not gradebook_path(large_root).exists()
    assert _gradebook_facts(large) == before
    for student in plan:
        assert large.scores(setup, student) == small.scores(setup, student)
        assert large.autograde_history(setup, student) == small.autograde_history(setup,
                                                                                   student)
        assert large.archived(setup, student)  # the archive of hand-ins came along
    assert (large.feedback_released_at(setup, "alice")
            == small.feedback_released_at(setup, "alice"))
    assert large.released() == {"setup"}
    assert (sorted(p.relative_to(large.exchange) for p in large.exchange.rglob("*"))
            == sorted(p.relative_to(small.exchange) for p in small.exchange.rglob("*")))
    status = tito("nbgrader", "status", "--course-dir", str(large_root), env=env)
    assert status.returncode == 0, status.stderr

    again = tito("nbgrader", "import", str(archive), "--course-dir", str(large_root), env=env)
    assert again.returncode == 1
    [line] = again.stderr.strip().splitlines()
    assert "is not empty" in line and "import into a fresh course directory" in line
    assert _gradebook_facts(large) == before


def test_an_unreachable_gradebook_is_one_line(tmp_path: Path, tito: Tito) -> None:
    result = tito("nbgrader", "init", env={
        "TITO_GRADEBOOK_URL": "postgresql+psycopg://tito:secret@127.0.0.1:9/none"})
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "the gradebook's database postgresql+psycopg://tito:***@127.0.0.1:9/none" in line
    assert "secret" not in line and "TITO_GRADEBOOK_URL" in line


def test_db_upgrade_makes_both_databases_current(tmp_path: Path, tito: Tito,
                                                 postgres: PostgresServer) -> None:
    gradebook = postgres.create_database("upgrade_gradebook")
    hub = postgres.create_database("upgrade_hub")
    result = tito("nbgrader", "db-upgrade", "--course-dir", str(tmp_path / "course"),
                  env={"TITO_GRADEBOOK_URL": gradebook, "TITO_HUB_DB_URL": hub})
    assert result.returncode == 0, result.stdout + result.stderr
    assert postgres.psql("SELECT version_num FROM alembic_version", "upgrade_gradebook")
    assert postgres.psql("SELECT version_num FROM alembic_version", "upgrade_hub")
    assert "secret" not in result.stdout and postgres.password not in result.stdout
    again = tito("nbgrader", "db-upgrade", "--course-dir", str(tmp_path / "course"),
                 env={"TITO_GRADEBOOK_URL": gradebook, "TITO_HUB_DB_URL": hub})
    assert again.returncode == 0, again.stdout + again.stderr

