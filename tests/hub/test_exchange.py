"""The authenticated exchange on a real hub: the students' API with real hub tokens, the
attempts to read or hand in as someone else, nbgrader's exchange classes and tito's
commands configured as in a lab, and nbgrader's Assignments tab in a running lab.

Feedback is made on the instructor's side as the grading service's workers make it:
collect, autograde and release with ``CourseDir`` on the hub's course directory. The hub
is shared with other tests, so counts are taken before and after, never assumed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from traitlets.config import PyFileConfigLoader

from grading_service.lab_exchange.client import TOKEN_VARIABLE, URL_VARIABLE
from hub_config.state import HUB_CONFIG
from tests.hub.client import SERVICE, Hub
from tests.hub.course import edited, feedback_score, hand_in, submissions
from tito.errors import TitoError
from tito.exchange import COURSE_ID, stamp_folder
from tito.grading.course_dir import CourseDir
from tito.manifest import Course
from tito.student.exchange import StudentExchange
from tito.student.workspace import Workspace

pytestmark = pytest.mark.slow


def released(hub: Hub, module_id: str = "setup") -> bytes:
    return (hub.state.exchange / COURSE_ID / "outbound" / module_id /
            f"{module_id}.ipynb").read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def stored(hub: Hub, student: str, timestamp: str) -> bytes:
    [folder] = (hub.state.exchange / COURSE_ID / "inbound").glob(
        f"{student}+setup+{timestamp}+*")
    return (folder / "setup.ipynb").read_bytes()


def grade(hub: Hub, course: Course, modules_dir: Path, student: str) -> None:
    """The instructor's side: collect ``student``'s latest setup, autograde it, release
    the feedback."""
    course_dir = CourseDir(hub.state.course, course, modules_dir, hub.state.exchange)
    setup = course.module("setup")
    course_dir.collect(setup, (student,))
    course_dir.autograde(setup, student)
    course_dir.feedback(setup, student)


def test_a_student_hands_in_twice_and_gets_feedback(hub: Hub, course: Course,
                                                    modules_dir: Path) -> None:
    overview = hub.grader("alice", "GET", "api/assignments").json()
    assert overview["student"] == "alice"
    assert {(a["module"], a["title"], tuple(a["notebooks"])) for a in overview["assignments"]
            } >= {("setup", "Setup", ("setup",)), ("tensor", "Tensor", ("tensor",))}
    release = hub.grader("alice", "GET", "api/assignments/setup/release").json()
    assert base64.b64decode(release["files"]["setup.ipynb"]) == released(hub)
    unreleased = hub.grader("alice", "GET", "api/assignments/nope/release")
    assert unreleased.status_code == 404
    assert "module 'nope' is not released" in unreleased.json()["error"]

    before = submissions(hub, "alice", "setup")
    first, second = (edited(released(hub), note) for note in ("first try", "second try"))
    stamps = [hand_in(hub, "alice", "setup", first), hand_in(hub, "alice", "setup", second)]
    after = submissions(hub, "alice", "setup")
    assert len(after) == len(before) + 2
    assert [s["timestamp"] for s in after[-2:]] == stamps
    one = hub.grader("alice", "GET", f"api/assignments/setup/submissions/{quote(stamps[0])}")
    assert base64.b64decode(one.json()["files"]["setup.ipynb"]) == first

    def feedback() -> dict[str, dict]:
        answer = hub.grader("alice", "GET", "api/assignments/setup/feedback").json()
        return {item["timestamp"]: item["files"] for item in answer["feedback"]}

    assert stamps[1] not in feedback()
    grade(hub, course, modules_dir, "alice")
    html = base64.b64decode(feedback()[stamps[1]]["setup.html"])
    assert feedback_score(html) == "0.0 / 100.0"
    [latest] = [s for s in submissions(hub, "alice", "setup") if s["timestamp"] == stamps[1]]
    assert latest["feedback"] == {"setup": hashlib.sha256(html).hexdigest()}


def test_nobody_reads_or_hands_in_as_someone_else(hub: Hub) -> None:
    bobs = hand_in(hub, "bob", "setup", released(hub))
    counts = {name: len(submissions(hub, name, "setup")) for name in ("alice", "bob")}
    for path in ("api/assignments?student=bob", "api/assignments/setup/submissions?student=bob",
                 "api/assignments/setup/feedback?student=bob",
                 "api/assignments/setup/submissions?student=nobody-at-all"):
        refused = hub.grader("alice", "GET", path)
        assert refused.status_code == 403, path
        assert "alice (student) may not read" in refused.json()["error"]
    theirs = hub.grader("alice", "GET", f"api/assignments/setup/submissions/{quote(bobs)}")
    assert theirs.status_code == 404 and "files" not in theirs.json()
    assert theirs.json()["error"].startswith("alice has no submission of setup at")

    spoofed = hub.grader("alice", "POST", "api/assignments/setup/submissions",
                         json={"files": {"setup.ipynb": b64(released(hub))}, "student": "bob"})
    assert spoofed.status_code == 400
    assert "not 'student'" in spoofed.json()["error"]
    assert "from your hub token" in spoofed.json()["error"]
    by_query = hub.grader("alice", "POST", "api/assignments/setup/submissions?student=bob",
                          json={"files": {"setup.ipynb": b64(released(hub))}})
    assert by_query.status_code == 400 and "takes no 'student'" in by_query.json()["error"]
    assert {name: len(submissions(hub, name, "setup")) for name in counts} == counts

    for staff in ("ta", "instructor"):
        seen = hub.grader(staff, "GET", "api/assignments/setup/submissions?student=bob")
        assert bobs in [s["timestamp"] for s in seen.json()["submissions"]], staff
    ta_hands_in = hub.grader("ta", "POST", "api/assignments/setup/submissions",
                             json={"files": {"setup.ipynb": b64(released(hub))}})
    assert ta_hands_in.status_code == 403
    assert hub.call("no-such-token", "GET", f"{SERVICE}/api/assignments").status_code == 403


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"files": {"setup.ipynb": "not base64!"}}, 400, "'setup.ipynb' is not base64"),
    ({"files": ["setup.ipynb"]}, 400, '"files" must be an object'),
    ({"files": {"setup.ipynb": b64(b"{ not json")}}, 400, "setup.ipynb is not valid JSON"),
    ({"files": {"../setup.ipynb": b64(b"{}")}}, 400, "contains '..'"),
], ids=["base64", "files", "notebook", "path"])
def test_a_malformed_hand_in_is_refused_with_its_fix(hub: Hub, body: dict, status: int,
                                                    message: str) -> None:
    before = len(submissions(hub, "carol", "setup"))
    answer = hub.grader("carol", "POST", "api/assignments/setup/submissions", json=body)
    assert answer.status_code == status and message in answer.json()["error"]
    assert len(submissions(hub, "carol", "setup")) == before


@pytest.fixture
def lab_environment(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's environment as a lab's: the service's URL and the Jupyter
    configuration path with the hub's read-only ``nbgrader_config.py``."""
    monkeypatch.setenv(URL_VARIABLE, f"{hub.url}{SERVICE}/")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(HUB_CONFIG / "student"))


def run(action: str, assignment_dir: Path, **traits: object) -> object:
    """nbgrader's ``action`` (``List``, ``Submit``, ...) on module setup, configured as a
    lab configures it."""
    config = PyFileConfigLoader("nbgrader_config.py", str(HUB_CONFIG / "student")).load_config()
    config.CourseDirectory.assignment_id = "setup"
    config.Exchange.assignment_dir = str(assignment_dir)
    for name, value in traits.items():
        setattr(config[f"Exchange{action}"], name, value)
    app = getattr(ExchangeFactory(config=config), action)(
        coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
        config=config)
    return app.start()


def test_nbgrader_exchange_classes_act_for_the_tokens_owner(
        hub: Hub, course: Course, modules_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, lab_environment: None) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    with pytest.raises(ExchangeError, match=f"{TOKEN_VARIABLE} is not set"):
        run("List", tmp_path)
    monkeypatch.setenv(TOKEN_VARIABLE, hub.token("bob"))

    [listed] = run("List", tmp_path)
    assert (listed["assignment_id"], listed["status"]) == ("setup", "released")
    run("FetchAssignment", tmp_path)
    notebook = tmp_path / "setup" / "setup.ipynb"
    assert notebook.read_bytes() == released(hub)
    [listed] = run("List", tmp_path)
    assert (listed["status"], listed["path"]) == ("fetched", str(tmp_path / "setup"))
    assert listed["notebooks"] == [{"notebook_id": "setup", "path": str(notebook)}]

    mine = edited(released(hub), "bob's work")
    notebook.write_bytes(mine)
    with pytest.raises(ExchangeError, match="already have a copy"):
        run("FetchAssignment", tmp_path)
    assert notebook.read_bytes() == mine
    run("Submit", tmp_path)
    timestamp = submissions(hub, "bob", "setup")[-1]["timestamp"]
    assert stored(hub, "bob", timestamp) == mine

    def submission() -> dict:
        [listed] = run("List", tmp_path, cached=True)
        assert (listed["student_id"], listed["status"]) == ("bob", "submitted")
        return listed["submissions"][-1]

    assert (submission()["timestamp"], submission()["has_exchange_feedback"]) == (timestamp,
                                                                                  False)
    grade(hub, course, modules_dir, "bob")
    assert (submission()["has_exchange_feedback"], submission()["has_local_feedback"]) == (
        True, False)
    run("FetchFeedback", tmp_path)
    fetched = tmp_path / "setup" / "feedback" / timestamp
    assert feedback_score((fetched / "setup.html").read_bytes()) == "0.0 / 100.0"
    assert submission()["has_local_feedback"] and not submission()["feedback_updated"]
    assert submission()["local_feedback_path"] == str(fetched)

    for action in ("ReleaseAssignment", "ReleaseFeedback", "Collect"):
        with pytest.raises(ExchangeError, match="is for instructors"):
            run(action, tmp_path)


def test_tito_commands_use_the_hub_exchange_in_a_lab(
        hub: Hub, course: Course, modules_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, lab_environment: None) -> None:
    """``tito fetch``, ``submit`` and ``feedback`` read the hub's nbgrader configuration;
    no filesystem exchange exists, and the student id a student sets changes nothing."""
    monkeypatch.setenv(TOKEN_VARIABLE, hub.token("carol"))
    workspace = Workspace(tmp_path / "carol", course)
    setup = course.module("setup")
    bobs = len(submissions(hub, "bob", "setup"))
    tito = StudentExchange(workspace, tmp_path / "no-exchange-here", student="bob")

    assert tito.fetch(setup) == "created"
    assert workspace.notebook(setup).read_bytes() == released(hub)
    mine = edited(released(hub), "carol's work")
    workspace.notebook(setup).write_bytes(mine)
    assert tito.fetch(setup) == "kept"
    tito.submit(setup)
    timestamp = submissions(hub, "carol", "setup")[-1]["timestamp"]
    assert stored(hub, "carol", timestamp) == mine
    assert len(submissions(hub, "bob", "setup")) == bobs

    with pytest.raises(TitoError, match="no feedback on your submissions of setup yet"):
        tito.feedback(setup)
    grade(hub, course, modules_dir, "carol")
    html = tito.feedback(setup)[-1]
    assert html.parent == workspace.notebook(setup).parent / "feedback" / stamp_folder(timestamp)
    assert feedback_score(html.read_bytes()) == "0.0 / 100.0"


def test_the_assignments_tab_in_a_students_lab(hub: Hub, course: Course,
                                               modules_dir: Path) -> None:
    """nbgrader's Assignments tab, through its server extension in alice's running lab:
    the modules are where alice works on them, and her hand-in lands under her name."""
    lab = hub.start_lab("alice")
    token = hub.token("alice")
    home = hub.state.homes / "alice"

    def tab(method: str, action: str = "", **data: str) -> list[dict]:
        path = f"{lab}assignments{'/' + action if action else ''}?course_id={COURSE_ID}"
        answer = hub.call(token, method, path, data=data or None)
        assert answer.status_code == 200 and answer.json()["success"], answer.text
        return answer.json()["value"]

    listed = {(a["assignment_id"], a["status"]): a for a in tab("GET")}
    assert listed["setup", "fetched"]["path"] == "modules/00_setup"
    mine = edited(released(hub), "alice's work in her lab")
    (home / "modules" / "00_setup" / "setup.ipynb").write_bytes(mine)

    value = tab("POST", "submit", assignment_id="setup", course_id=COURSE_ID)
    [submitted] = [a for a in value if a["status"] == "submitted" and
                   a["assignment_id"] == "setup"]
    timestamp = submitted["submissions"][-1]["timestamp"]
    assert submitted["student_id"] == "alice"
    assert stored(hub, "alice", timestamp) == mine

    grade(hub, course, modules_dir, "alice")
    value = tab("POST", "fetch_feedback", assignment_id="setup", course_id=COURSE_ID)
    [submitted] = [a for a in value if a["status"] == "submitted" and
                   a["assignment_id"] == "setup"]
    [latest] = [s for s in submitted["submissions"] if s["timestamp"] == timestamp]
    assert latest["has_local_feedback"] and latest["local_feedback_path"].startswith(
        "modules/00_setup/feedback/")
    assert (home / latest["local_feedback_path"] / "setup.html").is_file()

    tensor = home / "modules" / "01_tensor" / "tensor.ipynb"
    shutil.rmtree(tensor.parent)
    tab("POST", "fetch", assignment_id="tensor", course_id=COURSE_ID)
    assert tensor.read_bytes() == released(hub, "tensor")
    assert os.stat(tensor).st_uid == os.stat(home).st_uid


def test_tito_in_a_students_lab_hands_in_through_the_service(hub: Hub) -> None:
    """``tito submit`` in a terminal of alice's lab: the lab's read-only nbgrader
    configuration sends it to the service, which files it under alice's name."""
    hub.start_lab("alice")
    before = len(submissions(hub, "alice", "setup"))
    printed = hub.execute("alice", hub.start_kernel("alice"), (
        "import subprocess\n"
        "done = subprocess.run(['tito', 'submit', 'setup'], capture_output=True, text=True)\n"
        "print(done.returncode, done.stdout, done.stderr)"))
    assert printed.startswith("0 ") and "submitted modules/00_setup/setup.ipynb" in printed
    after = submissions(hub, "alice", "setup")
    assert len(after) == before + 1
    home_notebook = hub.state.homes / "alice" / "modules" / "00_setup" / "setup.ipynb"
    assert stored(hub, "alice", after[-1]["timestamp"]) == home_notebook.read_bytes()
