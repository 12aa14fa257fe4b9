"""Feedback reads summary first, ``tito feedback`` prints the score, and the grades CSV says
where every student is with every module, on one real course directory and exchange
(module ``setup``, the smallest): the login user solved two exercises and answered one
question and got feedback; bob was graded, feedback not released; carol handed in, not
collected; dave did nothing."""

from __future__ import annotations

import csv
import getpass
import io
import os
import re
import subprocess
from dataclasses import dataclass
from html import escape
from pathlib import Path

import nbformat
import pytest

from tests.conftest import TITO
from tests.grading.submissions import answered, submission, submit
from tito.authoring.source import Role, read_source
from tito.exchange import read_score
from tito.files import write_notebook
from tito.grading.course_dir import CourseDir
from tito.grading.report import grade_rows, grades_text
from tito.manifest import Course
from tito.student.exchange import StudentExchange
from tito.student.workspace import Workspace

pytestmark = pytest.mark.slow
ME = getpass.getuser()


@dataclass
class Graded:
    course_dir: CourseDir
    workspace: Path
    asserts: list[list[str]]  # the assert lines of each test cell's regions

    def tito(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "TITO_WORKSPACE": str(self.workspace),
               "TITO_COURSE_DIR": str(self.course_dir.root),
               "TITO_EXCHANGE": str(self.course_dir.exchange)}
        return subprocess.run([*TITO, *args], env=env, capture_output=True, text=True,
                              check=False)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, course: Course,
           modules_dir: Path) -> Graded:
    root = tmp_path_factory.mktemp("feedback")
    setup = course.module("setup")
    course_dir = CourseDir(root / "instructor", course, modules_dir, exchange=root / "exchange")
    course_dir.init()
    release = nbformat.read(course_dir.generate(setup), as_version=4)
    course_dir.release(setup)
    course_dir.enroll([ME, "bob", "carol", "dave"], {})
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    cells = read_source(setup, modules_dir).cells
    exercises = [c.grade_id for c in cells if c.role is Role.SOLUTION]
    me = StudentExchange(Workspace(root / "workspace", course), course_dir.exchange, ME)
    me.fetch(setup)
    mine = answered(submission(release, instructor, set(exercises[:2])), {"systems-memory"})
    write_notebook(me.workspace.notebook(setup), mine)
    me.submit(setup)
    course_dir.collect(setup)
    submit(course_dir, "setup", "bob", release)
    for student in (ME, "bob"):
        course_dir.autograde(setup, student)
    course_dir.feedback(setup, ME)
    course_dir.feedback(setup, "bob", release=False)
    carol = StudentExchange(Workspace(root / "carol", course), course_dir.exchange, "carol")
    carol.fetch(setup)
    carol.submit(setup)  # after the collection: handed in, not collected
    sources = [c.cell.source for c in cells if c.role is Role.TEST]
    asserts = [[line.strip() for line in part.splitlines() if line.strip().startswith("assert ")]
               for text in sources for part in text.split("### BEGIN HIDDEN TESTS")]
    return Graded(course_dir, root / "workspace", asserts)


def test_feedback_starts_with_score_and_summary_then_each_test_cells_piece(
        graded: Graded) -> None:
    result = graded.tito("feedback", "setup")
    assert result.returncode == 0, result.stdout + result.stderr
    [page] = (graded.workspace / "modules" / "00_setup" / "feedback").glob("*/setup.html")
    html = page.read_text(encoding="utf-8")
    score, maximum = read_score(html)
    assert maximum == 100 and 0 < score < 70
    assert f"setup score {score:g}/100: " in result.stdout and str(page.name) in result.stdout

    head, body = html.split("</head>", 1)
    assert 'name="tinytorch-score"' in head
    summary = re.search(r'<p id="tinytorch-line"><strong>(.*?)</strong>', body)[1]
    assert summary == "5 of 7 test cells fail; 2 questions unanswered"
    positions = [body.index(mark) for mark in (
        f"Score: {score:g} / 100", summary, ">hello_tinytorch</a>", ">parse_version</a>",
        ">version_at_least</a>", 'id="notebook"')]
    assert positions == sorted(positions), positions
    failed = re.search(r'>version_at_least</a>.*?</li>\s*</ul>', body, re.S)[0]
    assert "✗" in failed and "<code>test_" in failed and "NotImplementedError" in failed
    top = body[:body.index('id="notebook"')]
    assert "Traceback" not in top and 'File "' not in body  # a runner's frames, anywhere
    assert "Grade cell:" not in body and ">Test cell<" not in body  # nbgrader's headings
    assert "Tests of hello_tinytorch" in body
    leaked = [line for lines in graded.asserts for line in lines if escape(line) in body]
    assert not leaked and sum(map(len, graded.asserts)) > 20, leaked[:3]
    assert "Content-Security-Policy" in head


def test_grades_csv_has_a_status_per_student_times_with_zone_and_one_number_format(
        graded: Graded, course: Course) -> None:
    rows = grade_rows(graded.course_dir, [course.module("setup")])
    table = list(csv.DictReader(io.StringIO(grades_text(rows, "csv"))))
    assert {row["student"]: row["status"] for row in table} == {
        ME: "feedback released", "bob": "graded", "carol": "submitted",
        "dave": "not submitted"}
    for row in table:
        for field in ("autograded", "manual", "late_penalty", "total", "max_total"):
            assert re.fullmatch(r"\d+\.\d\d", row[field]), (field, row[field])
        when = row["submitted_at"]
        assert (when == "") == (row["student"] == "dave")
        assert not when or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", when), when

    graded.tito("nbgrader", "report", "--module", "setup", "--wide")
    wide = list(csv.DictReader((graded.course_dir.root / "reports" / "grades.csv").open(
        encoding="utf-8")))
    assert list(wide[0]) == ["student", "setup status", "setup total"]
    assert {row["student"]: (row["setup status"], row["setup total"]) for row in wide} == {
        ME: ("feedback released", next(r["total"] for r in table if r["student"] == ME)),
        "bob": ("graded", "0.00"), "carol": ("submitted", ""), "dave": ("not submitted", "")}
