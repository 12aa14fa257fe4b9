"""Formgrader in a real browser (chromium): the staff script runs under the page's
Content-Security-Policy, a TA's rows carry no instructor control, "Preview" opens the
module's student version, and a refused request shows the server's reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.hub.browser import authorize, logged_in, snap
from tests.hub.client import SERVICE, Hub

pytestmark = pytest.mark.slow

MODULE = "setup"


def test_a_tas_formgrader_has_no_instructor_control_and_says_why_it_refuses(
        hub: Hub, tmp_path: Path) -> None:
    with logged_in(hub, "ta", tmp_path / "ta") as page:
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" else None)
        page.goto(f"{hub.url}{SERVICE}/formgrader/manage_assignments")
        authorize(page)
        row = page.locator("#main-table tr", has_text=MODULE)
        expect(row).to_be_visible()
        expect(row.locator("td")).to_have_count(5)  # name, due, status, preview, submissions
        expect(page.locator(".glyphicon-education, .glyphicon-cloud-upload, "
                            ".glyphicon-pencil, .glyphicon-envelope")).to_have_count(0)
        snap(page, "formgrader-ta-assignments")
        preview = row.locator("td.preview a")
        expect(preview).to_have_attribute(
            "href", f"{SERVICE}/formgrader/tinytorch/notebook/release/{MODULE}")
        with page.context.expect_page() as opened:
            preview.click()
        student_version = opened.value
        student_version.wait_for_load_state()
        expect(student_version.locator("body")).to_contain_text("YOUR ANSWER HERE")

        release = f"/formgrader/api/assignment/{MODULE}/release"
        page.evaluate(f"() => {{ $.post(base_url + '{release}'); }}")  # as nbgrader's button
        expect(page.locator("#error-modal")).to_contain_text(
            "releasing modules needs the role of instructor: ta is a teaching assistant; "
            "ask the instructor to do it")
        snap(page, "formgrader-ta-refused")
        assert not [e for e in errors if "Content Security Policy" in e], errors
