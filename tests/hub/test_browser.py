"""The course in a real browser (Debian's chromium driven by Playwright) on a real hub:
a student works on the tensor notebook in her lab and hands it in from nbgrader's
Assignments tab; the instructor collects and autogrades it on the grading dashboard; a TA
reads the dashboard; a student is refused. Every step leaves a screenshot (see
``tests/hub/browser.py`` for where).

The hub is shared with other tests, so counts are read from the service, never assumed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.hub.browser import authorize, logged_in, snap
from tests.hub.client import SERVICE, Hub
from tests.hub.course import module_row, submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

MODULE, MODULE_HEADING = "tensor", "01 Tensor"
LAB_MS = 90_000  # starting a lab: its sandbox, the workspace, JupyterLab
JOB_MS = 120_000  # autograding: a sandboxed kernel and the module's tests


def pipeline_count(hub: Hub, stage: str) -> str:
    """How many students the service counts at ``stage`` of the module, as shown."""
    return str(module_row(hub, MODULE)[stage])


# ---- the student's lab ----

def open_lab(page: Page, user: str) -> None:
    page.get_by_role("button", name=re.compile(r"^(Start )?My Server$")).click()
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=LAB_MS)


def open_notebook(page: Page, *path: str) -> Locator:
    """Open the notebook at ``path`` from the file browser; its panel, once its kernel is
    idle (the toolbar's indicator says idle before there is a kernel; the status bar
    waits for it)."""
    listing = page.locator(".jp-DirListing-content")
    for name in path:
        listing.get_by_text(name, exact=True).dblclick()
    expect(page.locator(".jp-StatusBar-Widget")).to_contain_text("| Idle", timeout=LAB_MS)
    return page.locator(".jp-NotebookPanel:visible")


def run_cell(notebook: Locator, code: str) -> Locator:
    """Run the first code cell that contains ``code``, and wait until it ran."""
    cell = notebook.locator(".jp-CodeCell", has_text=code).first
    cell.locator(".jp-InputArea-editor").click()
    notebook.page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"))
    return cell


def save(notebook: Locator) -> None:
    notebook.locator("[data-command='docmanager:save']").click()
    expect(notebook.page.locator(".jp-mod-dirty")).to_have_count(0)


def submit_from_assignments_tab(page: Page, module_id: str) -> None:
    """Hand in from nbgrader's Assignments tab, and wait until it lists one more hand-in."""
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    fetched = page.locator("#fetched_assignments_list > .list_item", has_text=module_id)
    expect(fetched).to_be_visible()
    handed_in = page.locator(f"#nbgrader-tinytorch-{module_id}-submissions .nested_list_item")
    before = handed_in.count()
    fetched.get_by_role("button", name="Submit").click()
    expect(handed_in).to_have_count(before + 1)


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
    """Click ``button`` (which starts a job); the job's entry in the job list."""
    with page.expect_response(lambda answer: answer.request.method == "POST") as started:
        page.get_by_role("button", name=button).click()
    assert started.value.status == 202, started.value.text()
    return page.locator(f"#job-{started.value.json()['id']}")


def expect_done(job: Locator) -> None:
    expect(job).to_have_attribute("data-state", "succeeded", timeout=JOB_MS)
    assert job.locator("progress").evaluate("bar => bar.value === bar.max")


def test_a_student_hands_in_and_the_instructor_grades_it_on_the_dashboard(
        hub: Hub, tmp_path: Path) -> None:
    before = len(submissions(hub, "alice", MODULE))
    with logged_in(hub, "alice", tmp_path / "alice") as page:
        snap(page, "01-student-home")
        open_lab(page, "alice")
        notebook = open_notebook(page, "modules", "01_tensor", "tensor.ipynb")
        snap(page, "02-student-notebook")
        run_cell(notebook, "import numpy as np")
        dtypes = run_cell(notebook, "bytes per element")
        expect(dtypes.locator(".jp-OutputArea-output")).to_contain_text(
            "float32: 4 bytes per element")
        snap(page, "03-student-ran-a-cell")
        save(notebook)
        submit_from_assignments_tab(page, MODULE)
        snap(page, "04-student-submitted")
    assert len(submissions(hub, "alice", MODULE)) == before + 1

    with logged_in(hub, "instructor", tmp_path / "instructor") as home:
        snap(home, "05-instructor-home")
        dashboard = open_dashboard(home)
        pipeline, matrix = dashboard.locator("#pipeline"), dashboard.locator("#matrix")
        expect(table_cell(pipeline, MODULE_HEADING, "Handed in")).to_have_text(
            pipeline_count(hub, "handed_in"))
        snap(dashboard, "06-dashboard-handed-in")

        expect_done(start_job(dashboard, f"Collect {MODULE}"))
        expect(table_cell(pipeline, MODULE_HEADING, "Collected")).to_have_text(
            pipeline_count(hub, "collected"))
        snap(dashboard, "07-dashboard-collected")

        autograde = start_job(dashboard, f"Autograde {MODULE}")
        expect(autograde.locator(".job-status")).to_contain_text(
            re.compile(r"running · \d+ of \d+"), timeout=JOB_MS)
        snap(dashboard, "08-dashboard-autograding")
        dashboard.reload()  # the job outlives the page: shown and followed again
        expect_done(autograde)
        expect(table_cell(pipeline, MODULE_HEADING, "Autograded")).to_have_text(
            pipeline_count(hub, "autograded"))
        expect(table_cell(matrix, "alice", MODULE_HEADING)).to_have_text(
            re.compile(r"^\d+(\.\d)? / 100"))
        expect(dashboard.get_by_role("img", name=f"Score histogram of {MODULE_HEADING}")
               ).to_be_visible()
        snap(dashboard, "09-dashboard-graded")

        with dashboard.expect_download() as download:
            dashboard.get_by_role("link", name="Export grades (CSV)").click()
        grades = csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8")))
        assert ("alice", MODULE) in {(row["student"], row["module"]) for row in grades}

        with dashboard.context.expect_page() as opened:
            table_cell(pipeline, MODULE_HEADING, "Formgrader").get_by_role("link").click()
        formgrader = opened.value
        expect(formgrader).to_have_url(
            re.compile(rf"{SERVICE}/formgrader/manage_submissions/{MODULE}"))
        expect(formgrader.locator("tbody tr", has_text="alice")).to_be_visible()
        snap(formgrader, "10-formgrader-from-the-dashboard")


def test_a_failed_job_shows_its_error_and_can_be_retried(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "instructor", tmp_path / "instructor") as home:
        dashboard = open_dashboard(home)
        release = start_job(dashboard, f"Release {MODULE}")  # released already; Redo is off
        expect(release).to_have_attribute("data-state", "failed", timeout=JOB_MS)
        expect(release.locator(".job-error")).to_contain_text("already released: tick Redo")
        snap(dashboard, "11-dashboard-failed-job")
        job_id = (release.get_attribute("id") or "").removeprefix("job-")
        again = start_job(dashboard, f"Retry job {job_id}")
        expect(again).to_have_attribute("data-state", "failed", timeout=JOB_MS)


def test_a_ta_reads_the_dashboard_without_actions(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "ta", tmp_path / "ta") as home:
        dashboard = open_dashboard(home)
        expect(dashboard.locator("#pipeline tbody tr")).not_to_have_count(0)
        expect(dashboard.locator("#pipeline thead")).not_to_contain_text("Actions")
        expect(dashboard.locator("main button")).to_have_count(0)
        expect(dashboard.get_by_role("link", name=re.compile("^Open formgrader"))
               ).to_have_attribute("target", "_blank")
        snap(dashboard, "12-dashboard-as-a-ta")


def test_a_student_may_not_open_the_dashboard(hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "bob", tmp_path / "bob") as page:
        expect(page.get_by_role("button", name="Grading dashboard")).to_have_count(0)
        page.goto(f"{hub.url}{SERVICE}/dashboard")
        authorize(page)
        answer = page.reload()
        assert answer is not None and answer.status == 403
        expect(page.locator("body")).to_contain_text(
            "bob (student) may not open the grading dashboard")
        snap(page, "13-dashboard-refused-to-a-student")
