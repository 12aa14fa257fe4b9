"""The student panel's API (``tito.panel``) in real hub labs: who the lab's owner is and
their role come from the grading service, so do the released modules, hand-ins and due
dates; when the service does not answer, the panel says so (503)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.hub.client import SERVICE, WEB, Hub, running_hub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub")
    with running_hub(root / "state", dict(os.environ), root / "hub.log") as running:
        yield running


def panel(hub: Hub, user: str, path: str, method: str = "GET") -> tuple[int, dict]:
    """``method`` on the panel's API in ``user``'s lab (started if need be)."""
    lab = hub.start_lab(user)
    answer = hub.call(hub.token(user), method, f"{lab}tinytorch/api/{path}", timeout=120)
    return answer.status_code, answer.json()


def test_a_students_panel_reads_the_course_from_the_service(hub: Hub) -> None:
    status, facts = panel(hub, "alice", "course")
    assert status == 200, facts
    assert (facts["student"], facts["role"], facts["exchange"], facts["staff_links"]) == (
        "alice", "student", "hub", None)
    service = {item["module"]: item for item in
               hub.grader("alice", "GET", "api/assignments").json()["assignments"]}
    modules = {module["id"]: module for module in facts["modules"]}
    assert {m for m, module in modules.items() if module["released"]} == set(service)
    assert all(modules[m]["due"] == service[m]["due"] for m in service)
    assert modules["setup"]["fetched"], "a hub lab starts with the released notebooks"

    before = len(modules["setup"]["submissions"])
    status, receipt = panel(hub, "alice", "modules/setup/submit", "POST")
    assert status == 200, receipt
    _, facts = panel(hub, "alice", "course")
    [setup] = [m for m in facts["modules"] if m["id"] == "setup"]
    assert len(setup["submissions"]) == before + 1
    assert setup["submissions"][-1] == {"timestamp": receipt["timestamp"],
                                        "feedback_released": False}


def test_staff_get_their_role_and_links(hub: Hub) -> None:
    for user, role in (("instructor", "instructor"), ("ta", "teaching-assistant")):
        status, facts = panel(hub, user, "course")
        assert status == 200, facts
        assert facts["role"] == role
        assert facts["staff_links"] == {"dashboard": f"{SERVICE}/dashboard",
                                        "formgrader": f"{SERVICE}/formgrader"}


def test_the_panel_says_when_the_grading_service_does_not_answer(hub: Hub) -> None:
    hub.start_lab("bob")
    web = hub.service_process(WEB)
    os.kill(web, signal.SIGSTOP)
    try:
        status, answer = panel(hub, "bob", "course")
    finally:
        os.kill(web, signal.SIGCONT)
    assert status == 503
    assert answer["message"] == ("the grading service is restarting: try again in a minute "
                                 "(your notebook is saved in your lab)")
    status, _ = panel(hub, "bob", "course")
    assert status == 200
