"""The Docker images without an engine: hadolint on the Dockerfile, `make images` against a
fake docker CLI, and every script an image runs, run here (the solution pruning, the
released notebooks' builder, the health check, the lab's start, the entrypoints)."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from tests.deploy.fake_docker import install
from tito.project import PROJECT_ROOT

DOCKER = PROJECT_ROOT / "docker"
SCRIPTS = DOCKER / "scripts"
HADOLINT = Path(sys.executable).parent / "hadolint"
DOCKERFILES = sorted(DOCKER.rglob("Dockerfile*"))


def run(argv: list[str], **options: object) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **options)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes_and_every_ignore_says_why(dockerfile: Path) -> None:
    done = run([str(HADOLINT), "--no-color", str(dockerfile)])
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dockerfile.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore" in line:
            assert lines[number - 1].startswith("#") and "hadolint" not in lines[number - 1], \
                f"line {number + 1}: an ignore needs a comment above it saying why"


def test_the_dockerfile_pins_its_bases_runs_as_non_root_and_checks_health() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    for base in re.findall(r"^ARG \w+_IMAGE=(\S+)$", text, re.MULTILINE):
        assert re.search(r":v?\d+\.\d+\.\d+(-|$)", base), f"{base}: pin the base by version"
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    final = {stage.split()[2]: stage for stage in stages if " AS " in stage.split("\n")[0]
             and stage.split()[2] in ("hub", "lab", "grader", "sandbox")}
    assert set(final) == {"hub", "lab", "grader", "sandbox"}
    for name, stage in final.items():
        assert "HEALTHCHECK" in stage, name
        user = re.findall(r"^USER (\S+)", stage, re.MULTILINE)
        assert user, f"{name} names its user"
        if name != "hub":  # the hub is root, as `make hub` (the comment says why)
            assert user[-1] not in ("0", "root"), name
    for line in re.findall(r"pip install[^&]*", text):
        assert "-c /tmp/constraints.txt" in line or "==" in line, line
    # The student's and the sandbox's Python come from the pruned environment only.
    assert "COPY --from=course-env" in final["sandbox"]
    assert "COPY --from=lab-env" in final["lab"] and "lab-env" in text
    assert "prune_solutions.py" in text.split("AS course-env")[1].split("FROM")[0]
    assert not re.search(r"COPY (course|tinytorch)/", final["lab"] + final["sandbox"])


def test_make_images_builds_each_target_with_the_data_sets(tmp_path: Path) -> None:
    install(tmp_path / "bin")
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    (datasets / "tinyshakespeare.txt").write_text("First Citizen:\n", encoding="utf-8")
    log = tmp_path / "docker.log"
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "FAKE_DOCKER_LOG": str(log)}
    done = run(["make", "--no-print-directory", "-C", str(PROJECT_ROOT), "images",
                f"DATASETS={datasets}"], env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [call[call.index("--target") + 1] for call in calls] == [
        "hub", "lab", "grader", "sandbox"]
    for call in calls:
        target = call[call.index("--target") + 1]
        assert call[0] == "build" and call[-1] == "."
        assert call[call.index("-f") + 1] == "docker/Dockerfile"
        assert call[call.index("--build-context") + 1] == f"datasets={datasets}"
        assert call[call.index("-t") + 1] == f"tinytorch/{target}:0.1.0"
    missing = run(["make", "--no-print-directory", "-C", str(PROJECT_ROOT), "images",
                   f"DATASETS={tmp_path / 'none'}"], env=env)
    assert missing.returncode != 0 and "error: no " in missing.stdout


def test_the_dockerignore_keeps_secrets_state_and_builds_out() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", "hub_config/runtime", "docker/.env", "workspace", "instructor",
                  "labextension/node_modules", "tests"):
        assert entry in ignored, entry


def site_copy(tmp_path: Path) -> Path:
    """An installed environment's site-packages as the wheel lays it out."""
    site = tmp_path / "site-packages"
    shutil.copytree(PROJECT_ROOT / "course", site / "course",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "tinytorch", site / "tinytorch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "tito", site / "tito",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return site


def test_the_pruning_step_removes_every_solution_and_keeps_the_manifest(
        tmp_path: Path) -> None:
    site = site_copy(tmp_path)
    done = run([sys.executable, str(SCRIPTS / "prune_solutions.py"), str(site)])
    assert done.returncode == 0, done.stderr
    assert not (site / "tinytorch").exists() and (site / "tito").is_dir()
    assert sorted(p.name for p in (site / "course").iterdir()) == ["__init__.py", "course.toml"]
    assert f"removed {site / 'tinytorch'}" in done.stdout
    # The tooling still finds the course there, and no module source.
    probe = run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                 "from tito.project import installed_root; print(installed_root())", str(site)])
    assert probe.stdout.strip() == str(site), probe.stderr
    again = run([sys.executable, str(SCRIPTS / "prune_solutions.py"), str(site)])
    assert again.returncode == 0 and again.stdout == ""
    empty = run([sys.executable, str(SCRIPTS / "prune_solutions.py"), str(tmp_path)])
    assert empty.returncode == 1 and empty.stderr.startswith("error: ")


@pytest.mark.slow
def test_the_released_notebooks_builder_strips_solutions_and_hidden_tests(
        tmp_path: Path) -> None:
    out = tmp_path / "releases"
    done = run([sys.executable, str(SCRIPTS / "build_releases.py"), str(out), "setup"],
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    notebook = out / "setup" / "setup.ipynb"
    assert done.stdout.strip() == f"released {notebook}"
    text = notebook.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "raise NotImplementedError" in text
    assert nbformat.read(notebook, as_version=4).cells


@pytest.fixture
def web_server() -> str:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = {"/ok": 200, "/login": 302, "/broken": 503}[self.path]
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_health_check_passes_a_live_server_and_fails_a_broken_or_absent_one(
        web_server: str) -> None:
    check = [sys.executable, str(SCRIPTS / "healthcheck.py")]
    assert run([*check, f"{web_server}/ok"]).returncode == 0
    assert run([*check, f"{web_server}/login"]).returncode == 0, "a redirect is an answer"
    broken = run([*check, f"{web_server}/broken"])
    assert broken.returncode == 1 and "answered 503" in broken.stderr
    absent = run([*check, "http://127.0.0.1:9/", "1"])
    assert absent.returncode == 1 and absent.stderr.startswith("unhealthy: ")


@pytest.mark.slow
def test_the_labs_start_prepares_the_home_as_a_workspace(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    assert run([sys.executable, str(SCRIPTS / "build_releases.py"), str(releases),
                "setup"]).returncode == 0
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TITO_RELEASES": str(releases),
           "TITO_PYTHON": sys.executable, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    done = run(["sh", str(DOCKER / "lab" / "start-lab.sh"), "--prepare-only"], env=env,
               cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    notebooks = list(home.glob("modules/*/setup.ipynb"))
    assert len(notebooks) == 1, sorted(p.relative_to(home) for p in home.rglob("*"))
    assert (home / "tinytorch").is_dir(), "the student's own package"
    assert (tmp_path / "runtime").is_dir()
    # A student's work survives the next start.
    notebooks[0].write_text(notebooks[0].read_text(encoding="utf-8").replace(
        "raise NotImplementedError", "return 42", 1), encoding="utf-8")
    kept = notebooks[0].read_text(encoding="utf-8")
    assert run(["sh", str(DOCKER / "lab" / "start-lab.sh"), "--prepare-only"], env=env,
               cwd=tmp_path).returncode == 0
    assert notebooks[0].read_text(encoding="utf-8") == kept
    no_home = run(["sh", str(DOCKER / "lab" / "start-lab.sh")],
                  env={**env, "HOME": str(tmp_path / "nowhere")})
    assert no_home.returncode == 1 and "is not a folder uid" in no_home.stderr
    no_releases = run(["sh", str(DOCKER / "lab" / "start-lab.sh")],
                      env={**env, "TITO_RELEASES": str(tmp_path / "none")})
    assert no_releases.returncode == 1 and "no released notebooks" in no_releases.stderr
