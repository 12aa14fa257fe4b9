"""The Compose deployment without an engine: docker/compose.yaml against the Compose
specification's schema and the deployment's rules (who holds the Docker socket, limits,
named volumes, one published port), the hub's DockerSpawner settings, the entrypoints of
the hub and the grader, the PostgreSQL init script on a real server, and the secrets file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

from hub_config.docker import configure
from sandbox.backends import make_sandbox
from sandbox.docker import DockerSandbox
from tests.postgres import BIN, postgres_server
from tito.project import PROJECT_ROOT

DOCKER = PROJECT_ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
SOCKET = "/var/run/docker.sock"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def run(argv: list[str], **options: object) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **options)


def test_the_compose_file_validates_against_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = run([str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)])
    assert done.returncode == 0, done.stdout + done.stderr


def sources(service: dict) -> list[str]:
    """Each volume's source (a name or a host path), short or long syntax."""
    return [volume.split(":")[0] if isinstance(volume, str) else volume["source"]
            for volume in service.get("volumes", [])]


def test_only_the_hub_and_the_runner_reach_the_docker_socket(compose: dict) -> None:
    holders = {name for name, service in compose["services"].items()
               if SOCKET in sources(service)}
    # DockerSpawner needs the engine to start labs; of the grading service's two parts
    # only the runner does, to start each submission's container.
    assert holders == {"hub", "grader-runner"}
    assert compose["services"]["grader-runner"].get("ports") is None
    assert not compose["services"]["grader"].get("user"), "the web service keeps uid 59999"


def test_volumes_are_named_and_only_the_proxy_is_published(compose: dict) -> None:
    declared = compose["volumes"]
    for name, service in compose["services"].items():
        for source in sources(service):
            assert source in declared or source == SOCKET or source.startswith("./"), \
                f"{name}: {source} is neither a named volume nor the socket"
    assert all(volume.get("name", "").startswith("tinytorch-") for volume in declared.values())
    published = {name: service["ports"] for name, service in compose["services"].items()
                 if service.get("ports")}
    assert published == {"hub": ["${TITO_HTTP_PORT:-80}:8000"]}, "only the proxy's port"


def test_the_web_service_sees_only_what_it_serves(compose: dict) -> None:
    web = compose["services"]["grader"]
    writable = sorted(v["target"] for v in web["volumes"] if not v.get("read_only"))
    assert writable == ["/srv/tinytorch/course/gradebook",
                        "/srv/tinytorch/exchange/tinytorch/inbound", "/srv/tinytorch/grader"]
    assert all(v.get("volume", {}).get("subpath") != "secrets" for v in web["volumes"])
    assert web["read_only"] is True and web["cap_drop"] == ["ALL"]


def test_databases_come_from_postgres_with_a_healthcheck(compose: dict) -> None:
    services = compose["services"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "/jupyterhub" in services["hub"]["environment"]["TITO_HUB_DB_URL"]
    for name in ("hub", "grader", "grader-runner"):
        assert services[name]["environment"]["TITO_GRADEBOOK_URL"].endswith(
            "@postgres:5432/gradebook"), name
    assert services["hub"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_runner_grades_in_sandbox_containers_through_its_scratch_volume(
        compose: dict) -> None:
    runner = compose["services"]["grader-runner"]
    env = runner["environment"]
    assert env["TMPDIR"] == env["TITO_SCRATCH"] == "/var/lib/tito/scratch"
    assert f"grading-scratch:{env['TITO_SCRATCH']}" in runner["volumes"]
    assert compose["volumes"]["grading-scratch"]["name"] == env["TITO_SCRATCH_VOLUME"]


def test_every_student_container_has_limits_and_a_volume_of_its_own() -> None:
    c = Config()
    configure(c, lab_image="tinytorch/lab:test", network="tinytorch", hub_host="hub",
              grader_url="http://grader:8090", grader_token="t0ken",
              releases_volume="tinytorch-releases", mem_limit="1G", cpu_limit=0.5)
    spawner = c.DockerSpawner
    assert c.JupyterHub.spawner_class == "dockerspawner.DockerSpawner"
    assert spawner.mem_limit == "1G" and spawner.cpu_limit == 0.5
    host = spawner.extra_host_config
    assert host["pids_limit"] > 0 and host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["no-new-privileges"] and host["read_only"] is True
    assert spawner.volumes["tinytorch-home-{username}"] == "/home/student"
    assert spawner.volumes["tinytorch-releases"] == {"bind": "/srv/releases", "mode": "ro"}
    [service] = c.JupyterHub.services
    assert service["url"] == "http://grader:8090" and "command" not in service
    assert spawner.environment["TINYTORCH_GRADER_URL"] == "http://grader:8090/services/grader/"
    # Each setting is one of the installed DockerSpawner's (a misspelt one is ignored).
    from dockerspawner import DockerSpawner

    known = set(DockerSpawner.class_trait_names(config=True))
    assert set(spawner) <= known, set(spawner) - known


def recording_python(tmp_path: Path, fail_on: str = "") -> tuple[Path, Path]:
    """A stand-in for the image's Python that records its arguments (and fails on a call
    holding ``fail_on``): the entrypoints' order of calls, checked without the images."""
    log = tmp_path / "python.log"
    stub = tmp_path / "python"
    stub.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
                    f"sys.exit(1 if {fail_on!r} and {fail_on!r} in sys.argv else 0)\n",
                    encoding="utf-8")
    stub.chmod(0o755)
    return stub, log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_the_hub_entrypoint_prepares_migrates_then_runs(tmp_path: Path) -> None:
    stub, log = recording_python(tmp_path)
    env = {**os.environ, "TITO_PYTHON": str(stub), "TITO_HUB_STATE": str(tmp_path / "state")}
    done = run(["sh", str(DOCKER / "hub" / "entrypoint.sh"), "--roster", "class.toml"], env=env)
    assert done.returncode == 0, done.stderr
    prepare, migrate, hub = calls(log)
    assert prepare[:2] == ["-m", "hub_config"] and prepare[-1] == "--prepare-only"
    assert prepare[:-1] == hub
    assert hub[hub.index("--ip"):hub.index("--ip") + 2] == ["--ip", "0.0.0.0"]
    assert hub[hub.index("--config") + 1] == "/opt/tinytorch/hub/compose_config.py"
    assert hub[-2:] == ["--roster", "class.toml"]
    assert migrate == ["-m", "tito", "nbgrader", "db-upgrade", "--course-dir",
                       str(tmp_path / "state" / "course")]
    (tmp_path / "failing").mkdir()
    stub, log = recording_python(tmp_path / "failing", fail_on="db-upgrade")
    failed = run(["sh", str(DOCKER / "hub" / "entrypoint.sh")],
                 env={**env, "TITO_PYTHON": str(stub)})
    assert failed.returncode == 1 and len(calls(log)) == 2, "no hub on an old schema"


def test_the_grader_entrypoint_runs_the_web_service_or_the_runner(tmp_path: Path) -> None:
    stub, log = recording_python(tmp_path)
    token = tmp_path / "grader_token"
    token.write_text("s3cret\n", encoding="utf-8")
    course = tmp_path / "state" / "course"
    course.mkdir(parents=True)
    env = {**os.environ, "TITO_PYTHON": str(stub), "TITO_HUB_STATE": str(tmp_path / "state"),
           "TITO_GRADER_TOKEN_FILE": str(token), "TITO_COURSE_DIR": str(course)}
    entry = str(DOCKER / "grader" / "entrypoint.sh")
    # The web service: its hub token from the secret, in its environment only.
    probe = tmp_path / "probe"
    probe.write_text(f"#!/bin/sh\necho \"$JUPYTERHUB_API_TOKEN\" > {tmp_path}/seen\n"
                     f"exec {stub} \"$@\"\n", encoding="utf-8")
    probe.chmod(0o755)
    assert run(["sh", entry, "web"], env={**env, "TITO_PYTHON": str(probe)}).returncode == 0
    assert (tmp_path / "seen").read_text(encoding="utf-8") == "s3cret\n"
    assert calls(log)[-1] == ["-m", "grading_service", "--state",
                              str(tmp_path / "state" / "grader")]
    no_token = run(["sh", entry, "web"], env={**env, "TITO_GRADER_TOKEN_FILE": "/nonexistent"})
    assert no_token.returncode == 1 and "TITO_GRADER_TOKEN" in no_token.stderr
    # The runner: refuses before the hub made the course, then adds the sandbox settings once.
    early = run(["sh", entry, "runner"], env=env)
    assert early.returncode == 1 and "start the hub first" in early.stderr
    (course / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    env["TITO_SANDBOX_CONFIG"] = str(DOCKER / "grader" / "nbgrader_docker.py")
    for _ in range(2):
        assert run(["sh", entry, "runner"], env=env).returncode == 0
    assert calls(log)[-1] == ["-m", "grading_service.core.runner", "--jobs",
                              str(tmp_path / "state" / "grader" / "jobs.sqlite"), "--logs",
                              str(tmp_path / "state" / "runner" / "logs")]
    text = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    assert text.count("load_subconfig(") == 1
    assert run(["sh", entry, "nonsense"], env=env).returncode == 2


def test_the_courses_config_then_grades_in_containers(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from traitlets.config.loader import PyFileConfigLoader

    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Sandbox.memory_limit = 3 * 1024**3\n"
        f"load_subconfig({str(DOCKER / 'grader' / 'nbgrader_docker.py')!r})\n",
        encoding="utf-8")
    monkeypatch.setenv("TITO_SANDBOX_IMAGE", "tinytorch/sandbox:9.9")
    monkeypatch.setenv("TITO_SANDBOX_CPUS", "0.5")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    box = make_sandbox(config)
    assert isinstance(box, DockerSandbox) and box.image == "tinytorch/sandbox:9.9"
    assert box.memory_limit == 3 * 1024**3 and box.cpu_limit == 0.5
    assert box.volumes == {"/var/lib/tito/scratch": "tinytorch-grading-scratch"}


def test_the_postgres_init_script_makes_both_databases_once() -> None:
    if not (BIN / "postgres").exists():
        pytest.skip(f"no PostgreSQL in {BIN} (make test installs Debian's postgresql)")
    script = str(DOCKER / "postgres" / "init-databases.sh")
    with postgres_server() as server:
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
               "PGHOST": server.host, "PGPORT": str(server.port),
               "PGPASSWORD": server.password, "POSTGRES_USER": server.user}
        for _ in range(2):  # a second run (an init that was cut short) changes nothing
            done = run(["sh", script], env=env)
            assert done.returncode == 0, done.stderr
            assert done.stdout.split("\n")[:2] == ["database jupyterhub ready",
                                                   "database gradebook ready"]
        names = server.psql("SELECT datname FROM pg_database ORDER BY datname").split()
        assert {"jupyterhub", "gradebook"} <= set(names)
        owners = server.psql("SELECT pg_get_userbyid(datdba) FROM pg_database "
                             "WHERE datname IN ('jupyterhub', 'gradebook')").split()
        assert owners == [server.user, server.user]


def test_make_env_writes_the_secrets_once_and_private(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    done = run(["sh", str(DOCKER / "make-env.sh"), str(target)])
    assert done.returncode == 0 and target.stat().st_mode & 0o077 == 0
    values = dict(line.split("=", 1) for line in target.read_text().splitlines())
    assert set(values) == {"TITO_GRADER_TOKEN", "POSTGRES_PASSWORD"}
    assert all(len(value) == 64 and int(value, 16) for value in values.values())
    before = target.read_text()
    assert "kept" in run(["sh", str(DOCKER / "make-env.sh"), str(target)]).stdout
    assert target.read_text() == before
