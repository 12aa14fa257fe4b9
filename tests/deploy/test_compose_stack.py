"""The Compose deployment's processes, run here as its containers run them: the hub's and the
grader's entrypoints with the environment docker/compose.yaml gives each service (its host
names and paths mapped onto this machine), both databases on a real PostgreSQL server, and
the runner grading every submission through ``docker run`` (a fake docker CLI that runs the
container's command here). A module's whole run over HTTP then passes as on ``make hub``:
the grading service is a real external service of the hub, with the hub's OAuth."""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from hub_config.state import HubState
from tests.deploy import fake_docker
from tests.hub import test_course_flow as course_flow
from tests.hub.client import PRIVILEGED, SERVICE, Hub, answers, unmount_under
from tests.postgres import PostgresServer
from tests.servers import free_port, running
from tito.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

DOCKER = PROJECT_ROOT / "docker"
STATE = "/srv/tinytorch"  # the state volume in the hub's and the grader's containers
SCRATCH_VOLUME = "tinytorch-grading-scratch"


def service_environment(service: str, places: dict[str, str]) -> dict[str, str]:
    """The environment compose.yaml gives ``service``: ``${VAR:-default}`` as its default,
    then every container host, port and path of ``places`` as it is on this machine."""
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    env = {}
    for name, value in compose["services"][service]["environment"].items():
        value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
        for there, here in places.items():
            value = value.replace(there, here)
        env[name] = value
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          postgres: PostgresServer) -> Iterator[tuple[Hub, Path]]:
    """The hub, the grading service and its runner, started by their entrypoints; the
    runner's docker CLI is the fake (its log is returned beside the hub)."""
    root = tmp_path_factory.mktemp("compose")
    state, scratch = root / "state", root / "scratch"
    scratch.mkdir()
    token = root / "grader_token"
    token.write_text(secrets.token_hex(32), encoding="utf-8")
    port, hub_port, grader_port = (free_port(PRIVILEGED) for _ in range(3))
    places = {"http://hub:8081": f"http://127.0.0.1:{hub_port}",
              "http://grader:8090": f"http://127.0.0.1:{grader_port}",
              "http://0.0.0.0:8090": f"http://127.0.0.1:{grader_port}",
              "/run/secrets/grader_token": str(token), "/var/lib/tito/scratch": str(scratch),
              STATE: str(state)}
    databases = {"TITO_HUB_DB_URL": postgres.create_database("compose_hub"),
                 "TITO_GRADEBOOK_URL": postgres.create_database("compose_gradebook")}
    docker_log = root / "docker.log"
    fake_docker.install(root / "bin")
    base = {**os.environ, "PATH": f"{root / 'bin'}:{os.environ['PATH']}",
            "TITO_PYTHON": sys.executable, "FAKE_DOCKER_LOG": str(docker_log),
            "FAKE_DOCKER_VOLUMES": json.dumps({SCRATCH_VOLUME: str(scratch)}),
            # The grader image's own environment (docker/Dockerfile, target grader).
            "TITO_HUB_STATE": str(state), "TITO_COURSE_DIR": str(state / "course"),
            "TITO_EXCHANGE": str(state / "exchange")}
    hub_env = {**base, **service_environment("hub", places), **databases,
               "TITO_HUB_CONFIG": str(DOCKER / "hub" / "compose_config.py"),
               "TITO_HUB_HOST": "127.0.0.1", "TITO_PORT": str(port)}
    url = f"http://127.0.0.1:{port}"

    entry = DOCKER / "grader" / "entrypoint.sh"
    with ExitStack() as stack:
        stack.callback(unmount_under, state)
        hub = stack.enter_context(running(
            ["sh", str(DOCKER / "hub" / "entrypoint.sh"), "--hub-port", str(hub_port),
             "--proxy-api-port", str(free_port(PRIVILEGED)), "--grader-port", str(grader_port)],
            hub_env, root / "hub.log", lambda: answers(url, "/hub/api/"), timeout=300))
        stack.enter_context(running(
            ["sh", str(entry), "web"],
            {**base, **service_environment("grader", places), **databases},
            root / "grader.log", lambda: answers(url, f"{SERVICE}/api/health"), timeout=120))
        runner_env = {**base, **service_environment("grader-runner", places), **databases,
                      "TITO_SANDBOX_CONFIG": str(DOCKER / "grader" / "nbgrader_docker.py")}
        stack.enter_context(running(["sh", str(entry), "runner"], runner_env,
                                    root / "runner.log", lambda: None))
        hub_state = HubState(state)
        passwords = json.loads(hub_state.passwords_file.read_text("utf-8"))
        yield Hub(url=url, state=hub_state, passwords=passwords, process=hub,
                  log=root / "hub.log"), docker_log


def test_the_hub_prints_the_first_accounts_and_keeps_its_users_in_postgresql(
        stack: tuple[Hub, Path], postgres: PostgresServer) -> None:
    hub, _ = stack
    log = hub.log.read_text(encoding="utf-8")
    assert "instructor" in log and hub.passwords["instructor"] in log
    users = postgres.psql("SELECT name FROM users ORDER BY name", "compose_hub").split()
    assert {"alice", "bob", "carol", "instructor", "ta"} <= set(users)
    assert not hub.state.database.exists() or hub.state.database.stat().st_size == 0


def test_staff_reach_the_external_grading_service_through_the_hubs_oauth(
        stack: tuple[Hub, Path]) -> None:
    hub, _ = stack
    instructor = hub.login("instructor")
    dashboard = instructor.get(f"{hub.url}{SERVICE}/dashboard", timeout=60)
    assert dashboard.status_code == 200 and "Grading dashboard" in dashboard.text
    me = instructor.get(f"{hub.url}{SERVICE}/api/me", timeout=60).json()
    assert (me["name"], me["role"]) == ("instructor", "instructor")
    course = instructor.get(f"{hub.url}{SERVICE}/api/course", timeout=60)
    assert course.status_code == 200 and "tensor" in course.text
    student = hub.login("alice")
    assert student.get(f"{hub.url}{SERVICE}/dashboard", timeout=60).status_code == 403
    assert student.get(f"{hub.url}{SERVICE}/api/course", timeout=60).status_code == 403


def test_a_module_runs_from_hand_in_to_grades_with_each_run_in_a_container(
        stack: tuple[Hub, Path], postgres: PostgresServer) -> None:
    hub, docker_log = stack
    course_flow.test_a_module_from_fetch_to_grades_over_http(hub)
    runs = [json.loads(line) for line in docker_log.read_text(encoding="utf-8").splitlines()]
    runs = [args for args in runs if args[0] == "run"]
    # Each autograde runs the notebook and the judge's worker in containers of their own.
    assert len(runs) >= 2 * len(course_flow.SOLVED)
    for args in runs:
        options, image, _ = fake_docker.parse_run(args[1:])
        assert image == "tinytorch/sandbox:0.1.0" and ("--network", "none") in options
        assert ("--read-only", "") in options and ("--cap-drop", "ALL") in options
    graded = postgres.psql("SELECT DISTINCT sa.student_id FROM submitted_assignment sa "
                           "ORDER BY sa.student_id", "compose_gradebook").split()
    assert graded == ["alice", "bob"]
