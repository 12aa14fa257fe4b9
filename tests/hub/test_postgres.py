"""The hub on PostgreSQL: JupyterHub's database and the course's gradebook on a real
PostgreSQL server (TITO_HUB_DB_URL, TITO_GRADEBOOK_URL), and a module's whole run over
HTTP (tests/hub/test_course_flow.py's) passing there as on SQLite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.hub import test_course_flow as course_flow
from tests.hub.client import Hub, running_hub
from tests.postgres import PostgresServer
from tito.grading.course_dir import gradebook_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> Iterator[Hub]:
    """A course hub whose two databases are on the test's PostgreSQL server."""
    root = tmp_path_factory.mktemp("hub")
    env = {**os.environ, "TITO_HUB_DB_URL": postgres.create_database("hub"),
           "TITO_GRADEBOOK_URL": postgres.create_database("hub_gradebook")}
    with running_hub(root / "state", env, root / "hub.log") as running:
        yield running


def test_a_module_from_fetch_to_grades_on_postgresql(hub: Hub,
                                                     postgres: PostgresServer) -> None:
    course_flow.test_a_module_from_fetch_to_grades_over_http(hub)
    users = postgres.psql("SELECT name FROM users ORDER BY name", "hub").split()
    assert {"alice", "bob", "instructor", "ta"} <= set(users), "the hub's users are there"
    assert hub.state.database.stat().st_size == 0, "the hub's SQLite file stayed empty"
    graded = postgres.psql(
        "SELECT sa.student_id, sum(g.auto_score), sum(g.manual_score) FROM grade g "
        "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
        "GROUP BY sa.student_id ORDER BY sa.student_id", "hub_gradebook").split()
    assert [row.split("|")[0] for row in graded] == ["alice", "bob"]
    assert not gradebook_path(hub.state.course).exists(), "no SQLite gradebook"
