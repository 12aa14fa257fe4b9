"""The course in a real browser (Debian's chromium driven by Playwright) on a real hub,
as its people use it: a student works through the tensor module from the lab's TinyTorch
panel (fetch, tests failing on the stub, her solution, export, submit); the instructor,
landing on the hub's home page, collects and autogrades on the grading dashboard, which
asks before releasing feedback while manual grading is pending; a TA grades the systems
questions in a formgrader without instructor controls; the instructor releases feedback
and the student sees her score in the panel. Every step leaves a screenshot (see
``tests/hub/browser.py`` for where).

The hub is shared with other tests, so counts are read from the service, never assumed.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.hub.browser import LAB_MS, authorize, logged_in, snap
from tests.hub.client import SERVICE, Hub
from tests.hub.course import feedback_score, module_row, submissions, worked

pytestmark = pytest.mark.slow

MODULE, MODULE_HEADING = "tensor", "01 Tensor"
JOB_MS = 120_000  # autograding: a sandboxed kernel and the module's tests
TESTS_MS = 120_000  # a module's tests in the student's lab


def pipeline_count(hub: Hub, stage: str) -> str:
    """How many students the service counts at ``stage`` of the module, as shown."""
    return str(module_row(hub, MODULE)[stage])


# ---- the student's lab and its TinyTorch panel ----

def panel_module(page: Page, module_id: str) -> Locator:
    return page.locator(f"#tinytorch-panel [data-module='{module_id}']")


def press(item: Locator, action: str) -> None:
    item.get_by_role("button", name=action, exact=True).click()


def expect_badge(item: Locator, text: str | re.Pattern, timeout: float = 30_000) -> None:
    expect(item.locator(".jp-TinyTorch-badge")).to_have_text(text, timeout=timeout)


def put_notebook(hub: Hub, user: str, path: str, notebook: nbformat.NotebookNode) -> None:
    """Save ``notebook`` at ``path`` of ``user``'s lab through its contents API, as
    JupyterLab saves what she typed."""
    answer = hub.call(hub.token(user), "PUT", f"/user/{user}/api/contents/{path}",
                      json={"type": "notebook", "format": "json", "content": notebook})
    answer.raise_for_status()


def solve(hub: Hub, user: str, module_id: str) -> None:
    """``user``'s fetched notebook of ``module_id`` with every exercise solved and every
    question answered in her own words."""
    path = f"modules/{hub_slug(hub, module_id)}/{module_id}.ipynb"
    answer = hub.call(hub.token(user), "GET", f"/user/{user}/api/contents/{path}")
    answer.raise_for_status()
    fetched = nbformat.from_dict(answer.json()["content"])
    put_notebook(hub, user, path, worked(hub, module_id, fetched, "all"))


def hub_slug(hub: Hub, module_id: str) -> str:
    row = module_row(hub, module_id)
    return f"{int(row['number']):02d}_{module_id}"


def close_tabs(page: Page) -> None:
    """Close the main area's documents (unchanged), so the panel saves none of them over a
    notebook written from outside."""
    for close in page.locator(".jp-mod-current .lm-TabBar-tabCloseIcon").all():
        close.click()
        asks = page.locator(".jp-Dialog", has_text="Save your work")
        if asks.is_visible():  # the lab may count opening as a change (new cell ids)
            asks.get_by_role("button", name="Discard").click()


def test_a_module_from_the_students_panel_to_her_score(hub: Hub, tmp_path: Path) -> None:
    before = len(submissions(hub, "alice", MODULE))
    with logged_in(hub, "alice", tmp_path / "alice", next_url=None) as page:
        # Students land in their lab, the panel open, every module listed in course order.
        panel = page.locator("#tinytorch-panel")
        expect(panel).to_be_visible(timeout=LAB_MS)
        setup, tensor = panel_module(page, "setup"), panel_module(page, MODULE)
        expect(tensor.locator(".jp-TinyTorch-name")).to_have_text("Tensor")
        expect(tensor).to_contain_text("export Setup first")  # locked, prerequisite named
        snap(page, "01-student-panel")

        press(setup, "Open")
        expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=LAB_MS)
        close_tabs(page)
        solve(hub, "alice", "setup")
        press(setup, "Export")
        expect_badge(setup, "Exported")

        press(tensor, "Open")  # fetches the released notebook, then opens it
        expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=LAB_MS)
        snap(page, "02-student-fetched-tensor")
        close_tabs(page)

        press(tensor, "Test")
        summary = tensor.locator(".jp-TinyTorch-summary")
        expect(summary).to_have_text(re.compile(r"^(\d+) of \1 tests fail; \d+ questions? "
                                                r"unanswered$"), timeout=TESTS_MS)
        expect(tensor.locator(".jp-TinyTorch-fail").first).to_be_visible()
        expect(tensor.locator(".jp-TinyTorch-report")).not_to_contain_text("Traceback")
        snap(page, "03-student-tests-fail-on-the-stub")

        solve(hub, "alice", MODULE)
        press(tensor, "Test")
        expect(summary).to_have_text(re.compile(r"^all \d+ tests pass; every question "
                                                r"answered$"), timeout=TESTS_MS)
        snap(page, "04-student-tests-pass")

        press(tensor, "Export")
        expect_badge(tensor, "Exported")
        press(tensor, "Submit")
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("Submit Tensor?")
        snap(page, "05-student-submit-confirmation")
        dialog.get_by_role("button", name="Submit").click()
        expect(page.get_by_text(re.compile(r"^Tensor submitted on "))).to_be_visible(
            timeout=JOB_MS)
        expect_badge(tensor, re.compile(r"^Submitted"))
        snap(page, "06-student-submitted")
    assert len(submissions(hub, "alice", MODULE)) == before + 1

    with logged_in(hub, "instructor", tmp_path / "instructor", next_url=None) as home:
        expect(home).to_have_url(f"{hub.url}/hub/home")  # staff land on the hub's home
        snap(home, "07-instructor-home")
        dashboard = open_dashboard(home)
        pipeline = dashboard.locator("#pipeline")
        expect_done(start_job(dashboard, f"Collect {MODULE}"))
        expect_done(start_job(dashboard, f"Autograde {MODULE}"))
        expect(table_cell(pipeline, MODULE_HEADING, "Autograded")).to_have_text(
            pipeline_count(hub, "autograded"))
        snap(dashboard, "08-dashboard-autograded")

        # The TA has not graded the systems questions yet: releasing feedback asks first.
        dashboard.get_by_role("button", name=f"Release feedback {MODULE}").click()
        confirm = dashboard.locator("dialog#confirm")
        expect(confirm.get_by_role("alert")).to_contain_text("alice")
        expect(confirm.get_by_role("button", name="Go ahead")).to_have_count(0)
        snap(dashboard, "09-dashboard-feedback-asks-first")
        confirm.get_by_role("button", name="Cancel").click()
        expect(confirm).to_have_count(0)

    with logged_in(hub, "ta", tmp_path / "ta", next_url=None) as home:
        with home.context.expect_page() as opened:
            home.get_by_role("button", name="Formgrader").click()
        formgrader = opened.value
        authorize(formgrader)
        expect(formgrader.locator("#main-table tr", has_text=MODULE)).to_be_visible()
        expect(formgrader.locator(".glyphicon-education, .glyphicon-cloud-upload, "
                                  ".glyphicon-envelope")).to_have_count(0)
        snap(formgrader, "10-formgrader-as-a-ta")
        [notebook] = [n for n in hub.grader("ta", "GET", "formgrader/api/submitted_notebooks/"
                                            f"{MODULE}/{MODULE}").json()
                      if n["student"] == "alice"]
        formgrader.goto(f"{hub.url}{SERVICE}/formgrader/submissions/{notebook['id']}/")
        manual = formgrader.locator("input.score:not([disabled])")
        expect(manual.first).to_be_visible()
        # Formgrader saves a score only once its grades have loaded (it binds the fields
        # then); a field filled before that is not sent.
        formgrader.wait_for_function("() => formgrader.grades.loaded")
        for field in manual.all():
            with formgrader.expect_response(lambda answer: answer.request.method == "PUT"):
                field.fill("5")
                field.press("Tab")
        snap(formgrader, "11-formgrader-ta-graded")

    with logged_in(hub, "instructor", tmp_path / "instructor-2", next_url=None) as home:
        dashboard = open_dashboard(home)
        expect_done(start_job(dashboard, f"Release feedback {MODULE}"))
        matrix = dashboard.locator("#matrix")
        expect(table_cell(matrix, "alice", MODULE_HEADING)).to_have_text(
            re.compile(r"^\d+(\.\d)? / 100"))
        expect(dashboard.get_by_role("img", name=f"Score histogram of {MODULE_HEADING}")
               ).to_be_visible()
        snap(dashboard, "12-dashboard-feedback-released")
        with dashboard.expect_download() as download:
            dashboard.get_by_role("link", name="Export grades (CSV)").click()
        grades = csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8")))
        assert ("alice", MODULE, "feedback released") in {
            (row["student"], row["module"], row["status"]) for row in grades}

    with logged_in(hub, "alice", tmp_path / "alice-2", next_url=None) as page:
        tensor = panel_module(page, MODULE)
        press(tensor, "Feedback")
        released = hub.grader("alice", "GET", f"api/assignments/{MODULE}/feedback").json()
        score = feedback_score(base64.b64decode(released["feedback"][-1]["files"][
            f"{MODULE}.html"]))
        points, maximum = (float(part) for part in score.split(" / "))
        expect_badge(tensor, f"Graded {points:g}/{maximum:g}")
        snap(page, "13-student-sees-her-score")


# ---- the dashboard ----

def open_dashboard(home: Page) -> Page:
    """Open the dashboard from the hub's home page (in a tab of its own), loaded."""
    with home.context.expect_page() as opened:
        home.get_by_role("button", name="Grading dashboard").click()
    dashboard = opened.value
    authorize(dashboard)
    expect(dashboard.locator("main")).to_have_attribute("aria-busy", "false")
    return dashboard


def table_cell(table: Locator, row: str, column: str) -> Locator:
    """The cell of ``table`` in the row headed ``row``, under the heading ``column``."""
    columns = table.locator("thead th").all_inner_texts()
    line = table.locator("tbody tr").filter(
        has=table.page.get_by_role("rowheader", name=row, exact=True))
    return line.locator("th, td").nth(columns.index(column))


def start_job(page: Page, button: str) -> Locator:
    """Click ``button``, say "Go ahead" to the confirmation it asks for (a retry does not
    ask), and return the job's entry in the job list. The preview is a GET: the first POST
    is the job's."""
    confirm = page.locator("dialog#confirm")
    with page.expect_response(lambda answer: answer.request.method == "POST") as started:
        page.get_by_role("button", name=button).click()
        if not button.startswith("Retry"):
            expect(confirm.locator(".confirm-text")).not_to_be_empty()
            confirm.get_by_role("button", name="Go ahead").click()
    assert started.value.status == 202, started.value.text()
    return page.locator(f"#job-{started.value.json()['id']}")


def expect_done(job: Locator) -> None:
    expect(job).to_have_attribute("data-state", "succeeded", timeout=JOB_MS)
    assert job.locator("progress").evaluate("bar => bar.value === bar.max")


def test_an_action_that_makes_no_sense_is_off_and_a_failed_job_can_be_retried(
        hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "instructor", tmp_path / "instructor") as home:
        dashboard = open_dashboard(home)
        release = dashboard.get_by_role("button", name=f"Release {MODULE}")
        expect(release).to_be_disabled()  # released already, and Redo is off
        expect(release).to_have_attribute("title", re.compile("released already: tick Redo"))
        # A job that fails all the same (started from elsewhere: the API, as tito does) shows
        # its error on the page, with a retry.
        started = hub.grader("instructor", "POST", f"api/modules/{MODULE}/release", json={})
        assert started.status_code == 202, started.text
        dashboard.reload()
        failed = dashboard.locator(f"#job-{started.json()['id']}")
        expect(failed).to_have_attribute("data-state", "failed", timeout=JOB_MS)
        expect(failed.locator(".job-error")).to_contain_text("already released")
        snap(dashboard, "14-dashboard-failed-job")
        again = start_job(dashboard, f"Retry job {started.json()['id']}")
        expect(again).to_have_attribute("data-state", "failed", timeout=JOB_MS)


def test_a_ta_reads_the_dashboard_without_actions(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "ta", tmp_path / "ta") as home:
        dashboard = open_dashboard(home)
        expect(dashboard.locator("#pipeline tbody tr")).not_to_have_count(0)
        expect(dashboard.locator("#pipeline thead")).not_to_contain_text("Actions")
        expect(dashboard.locator("main button")).to_have_count(0)
        expect(dashboard.get_by_role("link", name=re.compile("^Open formgrader"))
               ).to_have_attribute("target", "_blank")
        snap(dashboard, "15-dashboard-as-a-ta")


def test_a_student_may_not_open_the_dashboard(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "bob", tmp_path / "bob") as page:
        expect(page.get_by_role("button", name="Grading dashboard")).to_have_count(0)
        page.goto(f"{hub.url}{SERVICE}/dashboard")
        authorize(page)
        answer = page.reload()
        assert answer is not None and answer.status == 403
        expect(page.locator("body")).to_contain_text(
            "bob (student) may not open the grading dashboard")
        snap(page, "16-dashboard-refused-to-a-student")


def test_staff_find_their_grading_tools_in_their_lab(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "ta", tmp_path / "ta", next_url=None) as home:
        expect(home).to_have_url(f"{hub.url}/hub/home")
        home.get_by_role("button", name=re.compile(r"^(Start )?My Server$")).click()
        home.wait_for_url(re.compile(r"/user/ta/lab"), timeout=LAB_MS)
        card = home.locator(".jp-LauncherCard", has_text="Grading dashboard")
        expect(card).to_be_visible(timeout=LAB_MS)
        snap(home, "17-ta-lab-launcher")
        with home.context.expect_page() as opened:
            card.click()
        dashboard = opened.value
        authorize(dashboard)
        expect(dashboard).to_have_url(re.compile(rf"{SERVICE}/dashboard"))
        expect(dashboard.locator("main")).to_have_attribute("aria-busy", "false")
