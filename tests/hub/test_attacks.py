"""The attacks of issue 10, performed through a real hub with real tokens and a real
browser, each of which worked before the grading service was hardened:

1. ``GET formgrader/?path=DIR`` re-initialised formgrader on DIR and ran its
   ``nbgrader_config.py`` inside the service;
2. a submission's markdown and printed HTML ran script in the browser of the TA who opened
   it in formgrader (and in its feedback page);
3. ``formgrader/submissions/<id>/..%2F..%2F..%2Fgradebook.db`` served the gradebook (and
   the course's sources) to a student's token;
4. a TA could store any score (999 of 10) on any cell, autograded ones included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests
from playwright.sync_api import Dialog, Page, expect

from tests.hub.browser import authorize, logged_in
from tests.hub.client import SERVICE, Hub
from tests.hub.course import fetch, hand_in, run_job, start_job, wait_for_job, worked
from tito.grading.course_dir import CourseDir

pytestmark = pytest.mark.slow

MODULE = "setup"
MARKER = "STUDENT-ANSWER-MARKER"
# Each payload calls alert(): a dialog in the browser is code a student made run.
MARKDOWN_PAYLOADS = [
    '<img src=x onerror="alert(\'img-onerror\')">',
    "<script>alert('script-tag')</script>",
    "<svg onload=\"alert('svg-onload')\"><circle r=5 /></svg>",
    "[a javascript link](javascript:alert('javascript-link'))",
    '<a href="javascript:alert(\'javascript-href\')">click me</a>',
]
PRINTED_HTML = """from IPython.display import HTML, SVG, Javascript, display
display(HTML("<b>PRINTED-MARKER</b><script>alert('printed-script')</script>"
             "<img src=x onerror=\\"alert('printed-onerror')\\">"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\\'printed-svg\\')">'
            '<script>alert("printed-svg-script")</script></svg>'))
display(Javascript("alert('printed-javascript')"))
"""
JOB_LOG_PAYLOAD = "<img src=x onerror=\"alert('job-log')\">"


def hostile(hub: Hub) -> nbformat.NotebookNode:
    """Alice's hand-in: every exercise solved, every systems answer a payload, and a cell
    of her own whose outputs are HTML, SVG and JavaScript."""
    notebook = worked(hub, MODULE, fetch(hub, "alice", MODULE), "all")
    answers = [cell for cell in notebook.cells if cell.cell_type == "markdown"
               and cell.metadata.get("nbgrader", {}).get("solution")]
    assert answers, "the module has no written answers"
    for cell in answers:
        cell.source = f"{MARKER}\n\n" + "\n\n".join(MARKDOWN_PAYLOADS)
    notebook.cells.append(nbformat.v4.new_code_cell(PRINTED_HTML))
    return notebook


@pytest.fixture(scope="module")
def graded(hub: Hub) -> dict[str, str]:
    """Alice's hostile hand-in, collected, autograded and with feedback made (not
    released); the ids formgrader knows it by."""
    hand_in(hub, "alice", MODULE, hostile(hub))
    run_job(hub, MODULE, "collect")
    run_job(hub, MODULE, "autograde")
    run_job(hub, MODULE, "feedback", {"release": False})
    notebooks = hub.grader("instructor", "GET",
                           f"formgrader/api/submitted_notebooks/{MODULE}/{MODULE}").json()
    notebook = next(n["id"] for n in notebooks if n["student"] == "alice")
    grades = hub.grader("ta", "GET", f"formgrader/api/grades?submission_id={notebook}").json()
    manual = next(g for g in grades if g["auto_score"] is None)
    auto = next(g for g in grades if g["auto_score"] is not None and g["max_score"] >= 2)
    return {"notebook": notebook, "manual": manual["id"], "auto": auto["id"]}


# ---- 1. no request chooses formgrader's course or configuration ----

def test_a_path_argument_is_refused_and_its_config_never_runs(hub: Hub) -> None:
    # The folder and the marker are where the service could read and write them.
    folder = hub.state.grader / "elsewhere"
    folder.mkdir(mode=0o755, exist_ok=True)
    marker = hub.state.grader / "config-ran"
    (folder / "nbgrader_config.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nc = get_config()\n", "utf-8")
    (folder / "nbgrader_config.py").chmod(0o644)
    for user in ("ta", "instructor"):
        for page in ("formgrader", "formgrader/", "formgrader/manage_assignments",
                     "formgrader/api/assignments"):
            answer = hub.grader(user, "GET", f"{page}?path={folder}", allow_redirects=False)
            assert answer.status_code == 400, (user, page, answer.status_code)
            assert "fixed when it starts" in answer.text
    assert not marker.exists()
    listed = hub.grader("ta", "GET", "formgrader/api/assignments").json()
    assert MODULE in {assignment["name"] for assignment in listed}  # still the course
    assert "formgrader's course is fixed at start" in hub.log.read_text("utf-8")


def test_formgrader_ids_that_are_not_ids_are_refused(hub: Hub) -> None:
    """nbgrader's templates put URL arguments into inline scripts unescaped."""
    for page in ('formgrader/manage_submissions/x";alert(1);"',
                 "formgrader/gradebook/x%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                 "formgrader/manage_students/bob/a%22b"):
        answer = hub.grader("ta", "GET", page)
        assert answer.status_code == 400, (page, answer.status_code)
        assert answer.headers["Content-Type"].startswith("text/plain")  # not a page
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


# ---- 3. file routes resolve inside their own folder only ----

def traversals(course: Path, notebook_folder: Path) -> Iterator[str]:
    """Paths (after ``formgrader/submissions/<id>/``) that reach outside the submission's
    folder, in the encodings a server may decode."""
    up = "/".join([".."] * len(notebook_folder.relative_to(course).parts))
    for target in ("gradebook.db", "gradebook/gradebook.db",
                   f"source/{MODULE}/{MODULE}.ipynb", "nbgrader_config.py"):
        plain = f"{up}/{target}"
        yield plain.replace("/", "%2F")
        yield plain.replace(".", "%2e").replace("/", "%2f")
        yield plain.replace("/", "%252F")
        yield plain.replace("/", "%5C")
        yield "%2F" + str(course / target).lstrip("/").replace("/", "%2F")
        yield "/" + str(course / target)


def test_submission_files_stay_in_their_folder(hub: Hub, graded: dict[str, str]) -> None:
    course = CourseDir.from_env(hub.state.course).root
    folder = hub.state.course / "autograded" / "alice" / MODULE
    (folder / "link.db").symlink_to(next(course.rglob("gradebook.db")))
    base = f"formgrader/submissions/{graded['notebook']}/"
    own = hub.grader("ta", "GET", f"{base}{MODULE}.ipynb")
    assert own.status_code == 200 and json.loads(own.content)["cells"]  # the control
    for path in [*traversals(course, folder), "link.db"]:
        for user in ("alice", "ta"):
            answer = requests.get(f"{hub.url}{SERVICE}/{base}{path}", timeout=60,
                                  headers={"Authorization": f"token {hub.token(user)}"})
            assert answer.status_code in ((403,) if user == "alice" else (400, 404)), (
                user, path, answer.status_code)
            assert b"SQLite format 3" not in answer.content
            assert b"BEGIN SOLUTION" not in answer.content and b"get_config" not in answer.content


# ---- 4. scores in range and in role ----

def put_grade(hub: Hub, user: str, grade: str, body: dict) -> requests.Response:
    return hub.grader(user, "PUT", f"formgrader/api/grade/{grade}", json=body)


def stored(hub: Hub, grade: str) -> dict:
    return hub.grader("instructor", "GET", f"formgrader/api/grade/{grade}").json()


def test_scores_stay_between_zero_and_the_cells_points(hub: Hub,
                                                       graded: dict[str, str]) -> None:
    before = stored(hub, graded["manual"])
    for user in ("ta", "instructor"):
        for score in (999, -1, "NaN", "ten"):
            answer = put_grade(hub, user, graded["manual"], {"manual_score": score})
            assert answer.status_code == 400, (user, score, answer.text)
            assert "manual_score" in answer.json()["error"]
    assert stored(hub, graded["manual"]) == before
    answer = put_grade(hub, "ta", graded["manual"],
                       {"manual_score": "5", "extra_credit": None})  # as formgrader sends
    assert answer.status_code == 200, answer.text
    assert stored(hub, graded["manual"])["manual_score"] == 5


def test_only_an_instructor_overrides_the_autograder_or_gives_extra_credit(
        hub: Hub, graded: dict[str, str]) -> None:
    auto = stored(hub, graded["auto"])
    assert put_grade(hub, "ta", graded["auto"], {"manual_score": 999}).status_code == 400
    refused = put_grade(hub, "ta", graded["auto"], {"manual_score": 1})
    assert refused.status_code == 403
    assert "only an instructor" in refused.json()["error"]
    assert put_grade(hub, "ta", graded["manual"], {"extra_credit": 1}).status_code == 403
    assert stored(hub, graded["auto"]) == auto
    assert put_grade(hub, "instructor", graded["auto"], {"manual_score": 1}).status_code == 200
    assert put_grade(hub, "instructor", graded["manual"], {"extra_credit": 1}).status_code == 200
    assert stored(hub, graded["auto"])["manual_score"] == 1
    changes = hub.grader("ta", "GET", "api/grade-changes").json()["changes"]
    kinds = {(change["who"], change["kind"], change["student"]) for change in changes}
    assert {("instructor", "override", "alice"), ("instructor", "extra credit", "alice")} <= kinds
    override = next(change for change in changes if change["kind"] == "override")
    assert override["manual_after"] == 1 and override["auto_score"] == auto["auto_score"]
    assert re.match(r"\d{4}-\d\d-\d\dT", override["at"])


# ---- 2. student markup is inert wherever staff look at it ----

def watch_dialogs(page: Page) -> list[str]:
    """The messages of every dialog the page opens (dismissed at once)."""
    opened: list[str] = []

    def note(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", note)
    return opened


def test_a_hostile_submission_runs_nothing_in_formgrader(hub: Hub, tmp_path: Path,
                                                        graded: dict[str, str]) -> None:
    with logged_in(hub, "ta", tmp_path / "ta") as page:
        dialogs = watch_dialogs(page)
        page.goto(f"{hub.url}{SERVICE}/formgrader/submissions/{graded['notebook']}/")
        authorize(page)
        expect(page.locator("body")).to_contain_text(MARKER)
        expect(page.locator("body")).to_contain_text("PRINTED-MARKER")
        page.wait_for_load_state("networkidle")
        assert dialogs == []
        expect(page.locator("a[href^='javascript:' i]")).to_have_count(0)
        # formgrader's own scripts run: its inline settings and its static scripts
        assert page.evaluate("typeof submission_id") == "string"
        expect(page.locator("input.score").first).to_be_visible()
        answer = page.reload()
        assert answer is not None
        scripts = answer.headers["content-security-policy"].split("script-src")[1]
        assert "'unsafe-inline'" not in scripts.split(";")[0]
        expect(page.locator("body")).to_contain_text(MARKER)
        assert dialogs == []
        # nbgrader's Jinja pages run their inline scripts (hashed) and list submissions
        page.goto(f"{hub.url}{SERVICE}/formgrader/manage_submissions/{MODULE}")
        expect(page.locator("tbody tr", has_text="alice")).to_be_visible()


def test_a_hostile_feedback_page_runs_nothing(hub: Hub, tmp_path: Path,
                                             graded: dict[str, str]) -> None:
    [page_file] = (hub.state.course / "feedback" / "alice" / MODULE).glob("*.html")
    with logged_in(hub, "ta", tmp_path / "ta") as page:
        dialogs = watch_dialogs(page)
        page.goto(page_file.as_uri())
        expect(page.locator("body")).to_contain_text(MARKER)
        page.wait_for_load_state("load")
        assert dialogs == []
        expect(page.locator("a[href^='javascript:' i]")).to_have_count(0)


def test_the_dashboard_shows_job_logs_as_text(hub: Hub, tmp_path: Path) -> None:
    job = wait_for_job(hub, start_job(hub, MODULE, "autograde",
                                      {"students": [JOB_LOG_PAYLOAD]}))
    shown = "\n".join([*job["log"], job["error"] or ""])  # what the job's entry shows
    assert JOB_LOG_PAYLOAD in shown, job
    with logged_in(hub, "ta", tmp_path / "ta") as page:
        dialogs = watch_dialogs(page)
        page.goto(f"{hub.url}{SERVICE}/dashboard")
        authorize(page)
        dashboard = page
        expect(dashboard.locator("main")).to_have_attribute("aria-busy", "false")
        entry = dashboard.locator(f"#job-{job['id']}")
        entry.locator("summary").click()
        expect(entry).to_contain_text(JOB_LOG_PAYLOAD)
        assert dialogs == []


def test_service_cookies_are_same_site(hub: Hub) -> None:
    session = hub.login("ta")
    answer = session.get(f"{hub.url}{SERVICE}/dashboard", timeout=60)
    assert answer.status_code == 200
    set_cookies = [cookie for response in [*answer.history, answer]
                   for cookie in response.raw.headers.getlist("Set-Cookie")]
    # (a cookie set empty is one the service deletes)
    service = [cookie for cookie in set_cookies if f"Path={SERVICE}" in cookie
               and not re.match(r'[^=]+=(""|);', cookie)]
    names = {cookie.split("=", 1)[0] for cookie in service}
    assert {"_xsrf", "service-grader", "service-grader-oauth-state"} <= names, set_cookies
    for cookie in service:
        assert "SameSite=Lax" in cookie, cookie
        if not cookie.startswith("_xsrf="):
            assert "HttpOnly" in cookie, cookie
    assert "Content-Security-Policy" in answer.headers
