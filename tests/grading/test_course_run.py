"""A module's whole run on a real course directory and exchange, as the instructor and the
students live it: generate → release → three students fetch, work and submit → collect →
autograde → a TA's manual scores through nbgrader's gradebook API → feedback, which the
students fetch → the CSV report. Instructor steps run the real ``tito`` CLI."""

from __future__ import annotations

import csv
import os
import re
import sysconfig
import time
from html import escape as html_escape
from pathlib import Path

import nbformat
import pytest

from tests.conftest import TITO, Tito
from tests.grading.submissions import answered, submission, submit
from tests.servers import free_port, request_json, running
from tito.authoring.source import Role, instructor_notebook, read_source
from tito.authoring.test_cells import BEGIN_HIDDEN, END_HIDDEN, autograded_cells
from tito.errors import TitoError
from tito.files import write_notebook
from tito.grading.course_dir import CourseDir
from tito.manifest import Course
from tito.student.exchange import StudentExchange
from tito.student.workspace import Workspace

pytestmark = pytest.mark.slow

MANUAL = {"alice": {"systems-memory": 10, "systems-vectorize": 8, "systems-environments": 6},
          "bob": {"systems-memory": 5}}


class Classroom:
    """The instructor's course directory and three students' workspaces, sharing an
    exchange under ``root``; instructor commands go through the CLI."""

    def __init__(self, root: Path, tito: Tito, course: Course, modules_dir: Path) -> None:
        self.root = root
        self.setup = course.module("setup")
        self.course_dir = CourseDir(root / "instructor", course, modules_dir,
                                    exchange=root / "exchange")
        self._tito = tito
        self.course = course
        cells = read_source(self.setup, modules_dir).cells
        self.exercises = [c.grade_id for c in cells if c.role is Role.SOLUTION]
        hidden = [c.cell.source.split(BEGIN_HIDDEN)[1].split(END_HIDDEN)[0] for c in cells
                  if c.role is Role.TEST and BEGIN_HIDDEN in c.cell.source]
        self.hidden_asserts = [line.strip() for text in hidden for line in text.splitlines()
                               if line.strip().startswith("assert")]
        assert len(self.hidden_asserts) > 10
        self.test_count = sum(len(c.tests) for c in autograded_cells(
            instructor_notebook(read_source(self.setup, modules_dir))))
        self.prose = "".join(c.cell.source for c in cells if c.role is Role.PROSE)

    def tito(self, *args: str) -> str:
        result = self._tito(*args, env={"TITO_COURSE_DIR": str(self.course_dir.root),
                                        "TITO_EXCHANGE": str(self.course_dir.exchange)})
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def student(self, name: str) -> StudentExchange:
        return StudentExchange(Workspace(self.root / name, self.course), self.course_dir.exchange,
                               student=name)

    def work(self, name: str, solved: list[str]) -> None:
        """``name`` solves the ``solved`` exercises in their fetched notebook."""
        space = self.student(name).workspace
        instructor = nbformat.read(self.course_dir.source_notebook(self.setup), as_version=4)
        notebook = submission(space.read_notebook(self.setup), instructor, set(solved))
        write_notebook(space.notebook(self.setup), answered(notebook, set(MANUAL.get(name, {}))))


def test_a_module_from_release_to_grades(tmp_path: Path, tito: Tito, course: Course,
                                         modules_dir: Path) -> None:
    room = Classroom(tmp_path, tito, course, modules_dir)
    room.tito("nbgrader", "init")
    room.tito("nbgrader", "generate", "setup")
    assert "released 00 setup" in room.tito("nbgrader", "release", "setup")

    plan = {"alice": room.exercises, "bob": room.exercises[:2], "carol": []}
    for name, solved in plan.items():
        assert room.student(name).fetch(room.setup) == "created"
        room.work(name, solved)
        if name == "bob":  # bob hands in his untouched notebook first, then his work
            room.student(name).submit(room.setup)
            time.sleep(0.01)
        room.student(name).submit(room.setup)

    status = room.tito("nbgrader", "status")
    assert re.search(r"00 setup\s*│ ✓\s*│ ✓\s*│ 3\s*│ 0\s*│ 0\s*│ 0\s*│ 0", status), status

    collected = room.tito("nbgrader", "collect", "setup")
    assert "3 new or newer submissions; 3 students have submitted setup" in collected
    assert [len(room.course_dir.archived(room.setup, s)) for s in plan] == [1, 2, 1]
    bob_latest = room.course_dir.archived(room.setup, "bob")[-1] / "setup.ipynb"
    assert (room.course_dir.submitted_notebook(room.setup, "bob").read_bytes()
            == bob_latest.read_bytes())

    graded = room.tito("nbgrader", "autograde", "setup", "--workers", "2")
    assert {line.split(":")[0].strip("✓ ") for line in graded.splitlines()
            if line.startswith("✓")} == set(plan)

    status = room.tito("nbgrader", "status")
    assert re.search(r"00 setup\s*│ ✓\s*│ ✓\s*│ 3\s*│ 3\s*│ 3\s*│ 2\s*│ 0", status), status

    with room.course_dir.gradebook() as gradebook:  # the TA's marks, as formgrader saves them
        for name, marks in MANUAL.items():
            for grade_id, score in marks.items():
                grade = gradebook.find_grade(grade_id, "setup", "setup", name)
                grade.manual_score, grade.needs_manual_grade = score, False
        gradebook.db.commit()

    released = room.tito("nbgrader", "feedback", "setup")
    assert "released feedback to 3 students" in released
    for name in plan:
        [html] = room.student(name).feedback(room.setup)
        text = html.read_text(encoding="utf-8")
        passed, failed = (text.count(mark) - room.prose.count(mark) for mark in ("✓ test_",
                                                                                "✗ test_"))
        assert passed + failed == room.test_count, name
        if name == "bob":
            assert 0 < passed < room.test_count
        else:
            assert passed == (room.test_count if name == "alice" else 0), name
        leaked = [line for line in room.hidden_asserts if html_escape(line) in text]
        assert not leaked, f"hidden test source in {name}'s feedback: {leaked[:3]}"

    room.tito("nbgrader", "report", "--module", "setup")
    grades = list(csv.DictReader((room.course_dir.root / "reports" / "grades.csv").open(
        encoding="utf-8")))
    assert [(g["student"], float(g["autograded"]), float(g["manual"]),
             float(g["late_penalty"]), float(g["total"])) for g in grades] == [
        ("alice", 70.0, 24.0, 0.0, 94.0), ("bob", 20.0, 5.0, 0.0, 25.0),
        ("carol", 0.0, 0.0, 0.0, 0.0)]
    status = room.tito("nbgrader", "status")
    assert re.search(r"00 setup\s*│ ✓\s*│ ✓\s*│ 3\s*│ 3\s*│ 3\s*│ 0\s*│ 3", status), status


def test_the_students_commands_from_the_cli(tmp_path: Path, tito: Tito, course: Course,
                                            modules_dir: Path) -> None:
    """``tito fetch``, ``submit`` and ``feedback`` as the logged-in user, with clear errors
    before the instructor has done their part."""
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path / "instructor", course, modules_dir,
                           exchange=tmp_path / "exchange")
    workspace = tmp_path / "workspace"

    def student(*args: str) -> tuple[int, str]:
        result = tito(*args, env={"TITO_EXCHANGE": str(course_dir.exchange)})
        return result.returncode, result.stdout + result.stderr

    code, said = student("fetch", "setup")
    assert code == 1 and "there is no course exchange at" in said
    course_dir.generate(setup)
    course_dir.init()
    code, said = student("fetch", "setup")
    assert code == 1 and "has the instructor released it?" in said
    course_dir.release(setup)
    assert student("fetch", "setup") == (0, "00 setup Setup: "
                                            f"{workspace}/modules/00_setup/setup.ipynb "
                                            "(ready)\n")
    notebook = workspace / "modules" / "00_setup" / "setup.ipynb"
    mine = notebook.read_bytes() + b"\n"
    notebook.write_bytes(mine)
    code, said = student("fetch", "setup")
    assert code == 0 and "kept yours as it is" in said and notebook.read_bytes() == mine

    code, said = student("submit", "setup")
    assert code == 0 and "submitted" in said
    code, said = student("feedback", "setup")
    assert code == 1 and "no feedback on your submissions of setup yet" in said

    [me] = course_dir.collect(setup)
    course_dir.autograde(setup, me)
    course_dir.feedback(setup, me)
    code, said = student("feedback", "setup")
    assert code == 0, said
    [html] = (workspace / "modules" / "00_setup" / "feedback").glob("*/setup.html")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{6}Z", html.parent.name)

    notebook.write_text("{ not json", encoding="utf-8")
    code, said = student("submit", "setup")
    assert code == 1 and "is not a valid notebook" in said
    assert len(course_dir.handed_in(setup)[me]) == 1, "nothing broken reaches the exchange"
    assert notebook.read_text(encoding="utf-8") == "{ not json"


def test_collect_keeps_links_as_links_and_autograde_refuses_them(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    """A link in a hand-in (to another student's notebook, to the gradebook) is never
    followed with the grader's rights: it arrives as a link and grading refuses it."""
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path / "instructor", course, modules_dir,
                           exchange=tmp_path / "exchange")
    course_dir.generate(setup)
    course_dir.release(setup)
    honest = StudentExchange(Workspace(tmp_path / "honest", course), course_dir.exchange,
                             student="honest")
    honest.fetch(setup)
    honest.submit(setup)
    [handed_in] = (course_dir.exchange / "tinytorch" / "inbound").glob("honest+setup+*")
    forged = handed_in.with_name(handed_in.name.replace("honest+", "copycat+"))
    forged.mkdir()
    (forged / "setup.ipynb").symlink_to(handed_in / "setup.ipynb")
    (forged / "timestamp.txt").write_text((handed_in / "timestamp.txt").read_text())

    assert course_dir.collect(setup).keys() == {"honest", "copycat"}
    copied = course_dir.submitted_notebook(setup, "copycat")
    assert copied.is_symlink()
    assert (course_dir.archived(setup, "copycat")[0] / "setup.ipynb").is_symlink()
    with pytest.raises(TitoError, match="is a symbolic link: a submission holds only files"):
        course_dir.autograde(setup, "copycat")


def test_release_twice_needs_force_and_collect_of_nothing_says_so(tmp_path: Path,
                                                                  tito: Tito) -> None:
    env = {"TITO_COURSE_DIR": str(tmp_path / "instructor"),
           "TITO_EXCHANGE": str(tmp_path / "exchange")}
    unreleased = tito("nbgrader", "release", "setup", env=env)
    assert unreleased.returncode == 1
    assert "has no student version" in unreleased.stderr
    assert "run 'tito nbgrader generate setup' first" in unreleased.stderr
    assert tito("nbgrader", "generate", "setup", env=env).returncode == 0
    assert tito("nbgrader", "release", "setup", env=env).returncode == 0
    again = tito("nbgrader", "release", "setup", env=env)
    assert again.returncode == 1 and "setup is already released: pass --force" in again.stderr
    assert tito("nbgrader", "release", "setup", "--force", env=env).returncode == 0
    empty = tito("nbgrader", "collect", "setup", env=env)
    assert empty.returncode == 0
    assert "0 new or newer submissions; 0 students have submitted setup" in empty.stdout


def test_formgrader_shows_the_systems_questions_and_saves_a_tas_grade(
        tmp_path: Path, course: Course, modules_dir: Path) -> None:
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path / "instructor", course, modules_dir,
                           exchange=tmp_path / "exchange")
    release = nbformat.read(course_dir.generate(setup), as_version=4)
    questions = {"systems-memory", "systems-vectorize", "systems-environments"}
    submit(course_dir, "setup", "ada", answered(release, questions))
    course_dir.autograde(setup, "ada")
    with course_dir.gradebook() as gradebook:
        notebook_id = gradebook.find_submission_notebook("setup", "setup", "ada").id

    port, log = free_port(), tmp_path / "formgrader.log"
    env = {**os.environ, "TITO_COURSE_DIR": str(course_dir.root),
           "TITO_EXCHANGE": str(course_dir.exchange),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "PATH": os.pathsep.join([sysconfig.get_path("scripts"), os.environ["PATH"]])}

    def api(path: str, method: str = "GET", body: dict | None = None) -> object:
        printed = re.search(r"formgrader: (http://127\.0\.0\.1:\d+/formgrader\?token=\S+)",
                            log.read_text(encoding="utf-8"))
        if not printed:
            raise OSError("no URL printed yet")
        token = printed[1].rsplit("=", 1)[1]
        return request_json(port, path, token, method, body)

    with running([*TITO, "nbgrader", "formgrader", "--port", str(port)], env, log,
                 ready=lambda: api("/formgrader/api/status")):
        [assignment] = api("/formgrader/api/assignments")
        assert (assignment["name"], assignment["max_written_score"],
                assignment["num_submissions"]) == ("setup", 30, 1)
        grades = {g["name"]: g for g in api(f"/formgrader/api/grades?submission_id={notebook_id}")}
        assert {name: (g["max_score"], g["needs_manual_grade"]) for name, g in grades.items()
                if name in questions} == {name: (10, True) for name in questions}
        saved = api(f"/formgrader/api/grade/{grades['systems-memory']['id']}", "PUT",
                    {"manual_score": 7})
        assert saved["manual_score"] == 7
    assert course_dir.scores(setup, "ada")["systems-memory"] == 7
