"""A real browser for the hub tests: Debian's chromium driven by Playwright, people logging
in through the hub's form, and screenshots kept after the run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, sync_playwright

from tests.hub.client import Hub
from tito.project import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download is unreachable here; Debian's chromium runs as root
# only without its sandbox, and must not phone home.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--no-first-run"]
TIMEOUT_MS = 30_000
LAB_MS = 90_000  # starting a lab: its sandbox, the workspace, JupyterLab


def screenshot_dir() -> Path:
    """``$TINYTORCH_ARTIFACTS/screenshots``, else ``build/artifacts/screenshots`` in the
    checkout: outside the tests' temporary folders, so screenshots outlive the run."""
    artifacts = os.environ.get("TINYTORCH_ARTIFACTS") or PROJECT_ROOT / "build" / "artifacts"
    folder = Path(artifacts) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``<name>.png`` and print where it is."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")
    return path


@contextmanager
def logged_in(hub: Hub, user: str, profile: Path, next_url: str | None = "/hub/home"
              ) -> Iterator[Page]:
    """A fresh chromium (its profile in ``profile``) in which ``user`` logged in through
    the hub's login form; the page is at ``next_url``, or with ``None`` where the hub
    lands them (staff: its home page; students: their lab). If the test fails inside,
    every open page is saved as a screenshot ``failed-<user>-<n>``."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield log_in(context.new_page(), hub, user, next_url)
        except Exception:
            for number, page in enumerate(context.pages):
                snap(page, f"failed-{user}-{number}")
            raise
        finally:
            context.close()


def log_in(page: Page, hub: Hub, user: str, next_url: str | None = "/hub/home") -> Page:
    page.goto(f"{hub.url}/hub/login" + (f"?next={quote(next_url, safe='')}" if next_url
                                        else ""))
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(hub.passwords[user])
    page.get_by_role("button", name="Sign in").click()
    landing = re.escape(next_url) if next_url else rf"(/hub/home|/user/{user}/lab)"
    page.wait_for_url(re.compile(rf"^{re.escape(hub.url)}{landing}"), timeout=LAB_MS)
    return page


def authorize(page: Page) -> None:
    """Accept the hub's "Authorize access" page if it is shown (the first time a person
    opens a service that asks who they are), and wait for the page it leads to."""
    page.wait_for_load_state()
    if page.get_by_role("heading", name="Authorize access").is_visible():
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(r"^(?!.*/hub/api/oauth2/)"))
