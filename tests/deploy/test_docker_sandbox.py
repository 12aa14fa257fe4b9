"""The Docker grading sandbox (``sandbox.docker.DockerSandbox``) through the backend seam,
against a fake ``docker`` CLI first on PATH (no engine runs here): the command line it
asks for (no network, limits, read-only root and mounts but the scratch, its uid, no
capabilities, no new privileges), and a real judge and a real autograde through it, the
fake running each container's command on this machine."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from sandbox.backends import SandboxBackend, from_spec, make_sandbox, spec
from sandbox.bubblewrap import Sandbox
from sandbox.docker import DockerSandbox
from sandbox.errors import SandboxError
from sandbox.judge import Worker, WorkerSpec
from tests.deploy.fake_docker import install, parse_run
from tests.grading.submissions import submission, submit
from tests.grading.test_judge import CORRECT, package
from tito.authoring.source import Role, read_source
from tito.grading.course_dir import CourseDir
from tito.manifest import Course

VOLUME = "tinytorch-grading-scratch"


class FakeDocker:
    """The fake CLI on PATH, its log, and the folder standing for the scratch volume."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin = install(root / "bin").parent
        self.log = root / "docker.log"
        self.volume = root / "volume"
        self.volume.mkdir()
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_DOCKER_LOG", str(self.log))
        monkeypatch.setenv("FAKE_DOCKER_VOLUMES", json.dumps({VOLUME: str(self.volume)}))
        # The runner's scratch folders live in the volume (TMPDIR in the grader image).
        monkeypatch.setenv("TMPDIR", str(self.volume))
        monkeypatch.setattr(tempfile, "tempdir", str(self.volume))

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def runs(self) -> list[tuple[dict[str, list[str]], str, list[str]]]:
        """Each ``docker run``: its options (name → values), image and command."""
        found = []
        for call in self.calls():
            if call[0] == "run":
                options, image, command = parse_run(call[1:])
                named: dict[str, list[str]] = {}
                for name, value in options:
                    named.setdefault(name, []).append(value)
                found.append((named, image, command))
        return found


@pytest.fixture
def docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDocker:
    return FakeDocker(tmp_path, monkeypatch)


def sandbox(docker: FakeDocker, **settings: object) -> DockerSandbox:
    return DockerSandbox(volumes={str(docker.volume): VOLUME}, **settings)


def test_the_docker_run_command_isolates_and_limits_the_run(docker: FakeDocker) -> None:
    scratch = docker.volume / "tito-worker-x" / "scratch"
    student = docker.volume / "tito-worker-x" / "submission"
    scratch.mkdir(parents=True)
    student.mkdir()
    box = sandbox(docker, memory_limit=512 * 1024**2, process_limit=64, cpu_limit=0.5,
                  cpu_time_limit=20, wall_time_limit=30, file_size_limit=1024**2,
                  tmp_size=8 * 1024**2, image="tinytorch/sandbox:test")
    argv = [sys.executable, "-m", "sandbox.worker", "tinytorch.core.toy"]
    command = box.command(argv, scratch, package=student, slot=3)
    assert command[:2] == [str(docker.bin / "docker"), "run"]
    options, image, inside = parse_run(command[2:])
    named: dict[str, list[str]] = {}
    for name, value in options:
        named.setdefault(name, []).append(value)
    assert image == "tinytorch/sandbox:test"
    assert inside == ["timeout", "--signal=KILL", "60", *argv]
    assert named["--network"] == ["none"]
    assert named["--memory"] == named["--memory-swap"] == [str(512 * 1024**2)]
    assert named["--cpus"] == ["0.5"] and named["--pids-limit"] == ["64"]
    assert set(named["--ulimit"]) == {"cpu=20", f"fsize={1024**2}", "core=0"}
    assert named["--tmpfs"] == [f"/tmp:rw,nosuid,nodev,size={8 * 1024**2}"]
    assert "--read-only" in named and "--rm" in named and "-i" in named
    assert named["--user"] == [f"{60000 + 3}:{60000 + 3}"]
    assert named["--cap-drop"] == ["ALL"] and "--cap-add" not in named
    assert named["--security-opt"] == ["no-new-privileges"]
    assert "--privileged" not in named and named["--ipc"] == ["private"]
    assert named["--log-driver"] == ["none"]  # the student's output stays out of the logs
    # The only writable mount is the scratch; each is the volume's subfolder (volume-subpath).
    assert sorted(named["--mount"]) == sorted([
        f"type=volume,src={VOLUME},volume-subpath=tito-worker-x/scratch,dst=/scratch",
        f"type=volume,src={VOLUME},volume-subpath=tito-worker-x/submission,dst=/submission,"
        "readonly"])
    env = dict(item.partition("=")[::2] for item in named["--env"])
    assert env["PYTHONPATH"] == "/submission" and env["HOME"] == "/scratch"
    assert named["--workdir"] == ["/scratch"]
    if os.geteuid() == 0:
        assert scratch.stat().st_uid == 60003, "the container's uid owns its scratch"


def test_a_folder_outside_the_volumes_is_bind_mounted_and_the_images_python_is_used(
        docker: FakeDocker, tmp_path: Path) -> None:
    scratch = tmp_path / "elsewhere"
    scratch.mkdir()
    box = DockerSandbox(python="/opt/tinytorch/venv/bin/python")
    command = box.command([sys.executable, "-m", "sandbox.execute", "a", "b"], scratch)
    options, _, inside = parse_run(command[2:])
    assert ("--mount", f"type=bind,src={scratch},dst=/scratch") in options
    assert inside[3:] == ["/opt/tinytorch/venv/bin/python", "-m", "sandbox.execute", "a", "b"]


def test_without_the_docker_cli_the_error_says_how_to_fix_it() -> None:
    with pytest.raises(SandboxError, match=r"^the docker CLI \(no-such-docker\) is not "
                       "installed.*install docker-ce-cli"):
        DockerSandbox(docker="no-such-docker").check()


def test_the_backend_is_chosen_by_configuration_and_travels_as_plain_data() -> None:
    assert type(make_sandbox(Config())) is Sandbox, "bubblewrap stays the default"
    config = Config()
    config.SandboxBackend.sandbox_class = "sandbox.docker.DockerSandbox"
    config.Sandbox.memory_limit = 123 * 1024**2  # the limits of every backend
    config.DockerSandbox.image = "registry.example/sandbox:1"
    box = make_sandbox(config)
    assert isinstance(box, DockerSandbox)
    assert box.memory_limit == 123 * 1024**2 and box.image == "registry.example/sandbox:1"
    data = json.loads(json.dumps(spec(box)))
    assert data["class"] == "sandbox.docker.DockerSandbox"
    again = from_spec(data)
    assert isinstance(again, DockerSandbox) and again.image == box.image
    assert again.memory_limit == box.memory_limit
    assert type(from_spec(spec(make_sandbox()))) is Sandbox  # bubblewrap, the default
    with pytest.raises(TypeError, match="is not a sandbox class"):
        from_spec({"class": "pathlib.Path", "settings": {}})
    config.SandboxBackend.sandbox_class = "pathlib.Path"
    with pytest.raises(Exception, match="Path"):
        SandboxBackend(config=config)


def test_the_judge_runs_the_students_code_through_docker(docker: FakeDocker,
                                                         tmp_path: Path) -> None:
    root = package(tmp_path / "student", CORRECT)
    worker = Worker(WorkerSpec(str(root), ["tinytorch.core.toy"],
                               sandbox=spec(sandbox(docker)), slot=1))
    try:
        assert worker.call("double", 21) == 42
        with pytest.raises(ValueError, match="negative"):
            worker.call("double", -1)
    finally:
        worker.stop()
    [(options, image, command)] = docker.runs()
    assert image == DockerSandbox().image and options["--network"] == ["none"]
    assert command[-3:] == ["-m", "sandbox.worker", "tinytorch.core.toy"]
    assert options["--user"] == ["60001:60001"]


@pytest.mark.slow
def test_a_real_autograde_grades_in_containers(docker: FakeDocker, tmp_path: Path,
                                               course: Course, modules_dir: Path) -> None:
    setup = course.module("setup")
    course_dir = CourseDir(tmp_path / "course", course, modules_dir)
    release = nbformat.read(course_dir.generate(setup), as_version=4)
    with (course_dir.root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write('c.SandboxBackend.sandbox_class = "sandbox.docker.DockerSandbox"\n'
                     f"c.DockerSandbox.volumes = {{{str(docker.volume)!r}: {VOLUME!r}}}\n")
    instructor = nbformat.read(course_dir.source_notebook(setup), as_version=4)
    exercises = [c.grade_id for c in read_source(setup, modules_dir).cells
                 if c.role is Role.SOLUTION]
    submit(course_dir, "setup", "bob", submission(release, instructor, set(exercises[:2])))
    course_dir.autograde(setup, "bob")
    scores = course_dir.scores(setup, "bob")
    assert sum(v for k, v in scores.items() if not k.startswith("systems-")) == 20, \
        "the same scores as with bubblewrap (tests/grading/test_autograde.py)"
    runs = docker.runs()
    commands = [" ".join(command) for _, _, command in runs]
    assert any("-m sandbox.execute notebook.ipynb" in c for c in commands), commands
    assert any("-m sandbox.worker" in c for c in commands), commands
    for options, _, _ in runs:
        assert options["--network"] == ["none"] and "--read-only" in options
        writable = [m for m in options["--mount"] if not m.endswith(",readonly")]
        assert len(writable) == 1 and writable[0].endswith(",dst=/scratch")
    autograded = course_dir.root / "autograded" / "bob" / "setup" / "setup.ipynb"
    executed = [c for c in nbformat.read(autograded, as_version=4).cells
                if c.cell_type == "code" and c.get("outputs")]
    assert executed, "the notebook ran in its container and its outputs came back"
