"""The Kubernetes sandbox (one Job per run) against a fake ``kubectl`` first on PATH.

The fake records every call and the manifests it is given; it answers ``get`` as a cluster
whose pods start at once, and for ``attach`` it runs the container's command here, with the
Job's sub-path mounts mapped onto the volume's folder, its stdin and stdout the attach's.
So a real judge conversation with the real worker, and a real notebook execution, go
through :class:`KubernetesSandbox`'s command line end to end; what only a cluster enforces
(uid, network policy, read-only root) is asserted on the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from traitlets.config import Config

from sandbox import plain
from sandbox.backends import make_sandbox, spec
from sandbox.errors import SandboxError
from sandbox.judge import Worker, WorkerSpec, request
from sandbox.kubernetes import (
    CONTAINER,
    FAILED,
    NETWORK_LABEL,
    NETWORK_NONE,
    RUN_LABEL,
    KubernetesSandbox,
)

FAKE_KUBECTL = r'''#!{python}
"""A fake kubectl: records its calls; runs an attached container's command locally."""
import json, os, subprocess, sys, tempfile
from pathlib import Path

state = Path(os.environ["FAKE_KUBECTL_STATE"])
volume = Path(os.environ["FAKE_KUBECTL_VOLUME"])
args = sys.argv[1:]
stdin = sys.stdin.read() if "-" in args and "--filename" in args else None
with open(state / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"argv": args, "stdin": stdin}}) + "\n")
if "--namespace" in args:
    at = args.index("--namespace")
    del args[at:at + 2]
jobs = state / "jobs"
jobs.mkdir(exist_ok=True)


def pod(job, exit_code=None):
    status = {{"name": "sandbox", "state": {{"running": {{}}}}}}
    if exit_code is not None:
        status["state"] = {{"terminated": {{"exitCode": exit_code}}}}
    return {{"metadata": {{"name": job + "-pod"}},
            "status": {{"phase": "Running" if exit_code is None else "Succeeded",
                       "containerStatuses": [status]}}}}


def exit_code(job):
    path = state / f"{{job}}.exit"
    return int(path.read_text()) if path.exists() else None


if args[:1] == ["create"]:
    manifest = json.loads(stdin)
    assert manifest["kind"] == "Job", manifest
    name = manifest["metadata"]["name"]
    (jobs / f"{{name}}.json").write_text(stdin)
    print(f"job.batch/{{name}}")
elif args[:2] == ["get", "pods"]:
    job = args[args.index("--selector") + 1].split("=", 1)[1]
    items = [pod(job, exit_code(job))] if (jobs / f"{{job}}.json").exists() else []
    print(json.dumps({{"items": items}}))
elif args[:2] == ["get", "pod"]:
    job = args[2].removesuffix("-pod")
    print(json.dumps(pod(job, exit_code(job))))
elif args[:1] == ["attach"]:
    job = next(a for a in args if a.startswith("pod/"))[4:].removesuffix("-pod")
    spec = json.loads((jobs / f"{{job}}.json").read_text())["spec"]["template"]["spec"]
    container = spec["containers"][0]
    tmp = tempfile.mkdtemp()
    places = {{m["mountPath"]: str(volume / m["subPath"]) if "subPath" in m else tmp
              for m in container["volumeMounts"]}}

    def local(text):
        for inside, outside in places.items():
            if text == inside or text.startswith(inside + "/"):
                return outside + text[len(inside):]
        return text

    env = {{"PATH": os.environ["PATH"]}}
    env.update({{e["name"]: local(e["value"]) for e in container["env"]}})
    done = subprocess.run([local(a) for a in container["command"]], env=env,
                          cwd=local(container["workingDir"]), check=False)
    code = done.returncode if done.returncode >= 0 else 128 - done.returncode
    (state / f"{{job}}.exit").write_text(str(code))
elif args[:2] == ["delete", "job"]:
    (jobs / f"{{args[2]}}.json").unlink(missing_ok=True)
else:
    sys.exit(f"fake kubectl: unexpected {{args}}")
'''

CORRECT = '''
import numpy as np

def double(x):
    if np.any(np.asarray(x) < 0):
        raise ValueError("double: negative input")
    return np.asarray(x) * 2
'''


class FakeCluster:
    """The fake kubectl's calls and Jobs."""

    def __init__(self, state: Path, volume: Path) -> None:
        self.state = state
        self.volume = volume

    def calls(self) -> list[dict]:
        path = self.state / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def verbs(self) -> list[str]:
        return [" ".join(call["argv"][:2]) for call in self.calls()]

    def created(self) -> list[dict]:
        return [json.loads(call["stdin"]) for call in self.calls() if call["stdin"]]

    def jobs(self) -> list[str]:
        return sorted(path.stem for path in (self.state / "jobs").glob("*.json"))


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL.format(python=sys.executable))
    fake.chmod(0o755)
    state, volume = tmp_path / "kubectl-state", tmp_path / "volume"
    state.mkdir()
    volume.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBECTL_STATE", str(state))
    monkeypatch.setenv("FAKE_KUBECTL_VOLUME", str(volume))
    return FakeCluster(state, volume)


def sandbox(cluster: FakeCluster, **settings: object) -> KubernetesSandbox:
    return KubernetesSandbox(volume_mount=str(cluster.volume), python=sys.executable,
                             namespace="course", **settings)


def work(cluster: FakeCluster, code: str = CORRECT) -> tuple[Path, Path]:
    """A scratch folder and a student package on the volume, as the runner makes them."""
    root = cluster.volume / "tmp" / "tito-worker-1"
    scratch = root / "scratch"
    target = root / "submission" / "tinytorch" / "core"
    scratch.mkdir(parents=True)
    target.mkdir(parents=True)
    (target.parent / "__init__.py").write_text("")
    (target / "__init__.py").write_text("")
    (target / "toy.py").write_text(textwrap.dedent(code))
    return scratch, root / "submission"


def test_a_job_has_no_network_no_privileges_limits_and_a_deadline(cluster: FakeCluster) -> None:
    scratch, package = work(cluster)
    box = KubernetesSandbox(volume_mount=str(cluster.volume), memory_limit=1024**3,
                            cpu_limit=0.5, wall_time_limit=90, cpu_time_limit=30,
                            process_limit=64, tmp_size=32 * 1024**2, uid_base=60000,
                            image="registry.example/tinytorch-sandbox:1.2.3")
    job = box.manifest([sys.executable, "-m", "sandbox.worker", "tinytorch.core.toy"],
                       scratch, package, slot=3)
    assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
    spec = job["spec"]
    assert spec["backoffLimit"] == 0 and spec["completions"] == 1
    assert spec["activeDeadlineSeconds"] == 90 + 120  # the wall time, plus the pod's start
    assert spec["ttlSecondsAfterFinished"] == 300
    labels = spec["template"]["metadata"]["labels"]
    assert labels[NETWORK_LABEL] == NETWORK_NONE and labels[RUN_LABEL] == job["metadata"]["name"]
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert "hostNetwork" not in pod and "hostPID" not in pod and "hostIPC" not in pod
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 60003,
                                      "runAsGroup": 60003,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    [container] = pod["containers"]
    assert container["name"] == CONTAINER
    assert container["image"] == "registry.example/tinytorch-sandbox:1.2.3"
    assert container["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 60003, "runAsGroup": 60003, "privileged": False,
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}
    limits = {"cpu": "500m", "memory": str(1024**3), "ephemeral-storage": str(1024**3)}
    assert container["resources"] == {"limits": limits, "requests": limits}
    assert container["stdin"] and container["stdinOnce"] and not container["tty"]
    # The image's Python, after the gate and prlimit (per process: memory, CPU time, files).
    command = container["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    assert command[-4:] == ["python3", "-m", "sandbox.worker", "tinytorch.core.toy"]
    assert {f"--as={1024**3}", "--cpu=30", "--nproc=64", "--core=0"} <= set(command)
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    assert mounts["/scratch"] == {"name": "work", "mountPath": "/scratch",
                                  "subPath": "tmp/tito-worker-1/scratch"}
    assert mounts["/submission"] == {"name": "work", "mountPath": "/submission",
                                     "readOnly": True, "subPath": "tmp/tito-worker-1/submission"}
    assert mounts["/tmp"] == {"name": "tmp", "mountPath": "/tmp"}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["work"]["persistentVolumeClaim"] == {"claimName": "tinytorch-grader"}
    assert volumes["tmp"]["emptyDir"] == {"medium": "Memory", "sizeLimit": str(32 * 1024**2)}
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["PYTHONPATH"] == "/submission" and env["HOME"] == "/scratch"
    # Next to the runner, where its ReadWriteOnce volume is mounted.
    [term] = pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "grader"


def test_without_same_node_a_job_may_run_anywhere(cluster: FakeCluster) -> None:
    scratch, _ = work(cluster)
    box = KubernetesSandbox(volume_mount=str(cluster.volume), same_node=False)
    assert "affinity" not in box.manifest(["true"], scratch)["spec"]["template"]["spec"]


def test_a_scratch_folder_off_the_volume_is_refused(cluster: FakeCluster, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(SandboxError, match="set TMPDIR to a folder under"):
        sandbox(cluster).command(["true"], elsewhere)


def test_without_kubectl_the_error_says_how_to_fix_it() -> None:
    with pytest.raises(SandboxError, match="install it in the grader image"):
        KubernetesSandbox(kubectl="/nonexistent/kubectl").check()


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            start_new_session=True)


def ask(process: subprocess.Popen, fn: str, *args: object) -> dict:
    """One call of the judge's protocol: a request line, an answer line."""
    assert process.stdin and process.stdout
    process.stdin.write((json.dumps(request(fn, args)) + "\n").encode())
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def test_a_judge_conversation_goes_through_the_job(cluster: FakeCluster) -> None:
    scratch, package = work(cluster)
    command = sandbox(cluster).command(
        [sys.executable, "-m", "sandbox.worker", "tinytorch.core.toy"], scratch, package)
    worker = start(command)
    assert worker.stdout
    worker.stdout.readline()  # the worker's "ready" line, after its imports
    answer = ask(worker, "double", np.array([1, 2]))
    assert plain.load(answer["value"]).tolist() == [2, 4]
    answer = ask(worker, "double", -1)
    assert answer["error"]["type"] == "ValueError" and "negative" in answer["error"]["message"]
    worker.stdin.close()  # type: ignore[union-attr]
    assert worker.wait(timeout=30) == 0
    [job] = cluster.created()
    name = job["metadata"]["name"]
    assert cluster.verbs()[:2] == ["--namespace course", "--namespace course"]
    calls = [call["argv"][2:] for call in cluster.calls()]
    assert calls[0] == ["create", "--filename", "-", "--output", "name"]
    assert ["attach", "--stdin", "--quiet", f"pod/{name}-pod", "--container", "sandbox"] in calls
    assert ["delete", "job", name, "--ignore-not-found", "--wait=false"] in calls
    assert cluster.jobs() == []


def test_the_containers_exit_status_is_the_commands(cluster: FakeCluster) -> None:
    scratch, _ = work(cluster)
    box = sandbox(cluster)
    exits = subprocess.run(box.command([sys.executable, "-c", "raise SystemExit(3)"], scratch),
                           stdin=subprocess.DEVNULL, check=False, timeout=60)
    assert exits.returncode == 3
    # Killed inside (the memory limit's OOM kill looks the same: 137): killed outside too,
    # so the judge says "signal 9" as with bubblewrap.
    killed = subprocess.run(box.command(
        [sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"], scratch),
        stdin=subprocess.DEVNULL, check=False, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert cluster.jobs() == []


def test_a_killed_command_still_deletes_its_job(cluster: FakeCluster) -> None:
    scratch, _ = work(cluster)
    command = sandbox(cluster).command([sys.executable, "-c", "import time; time.sleep(60)"],
                                       scratch)
    process = start(command)
    deadline = time.monotonic() + 30
    while not any(call["argv"][2:3] == ["attach"] for call in cluster.calls()):
        assert time.monotonic() < deadline, cluster.calls()
        time.sleep(0.1)
    [job] = cluster.jobs()
    os.killpg(process.pid, signal.SIGKILL)  # as the judge stops a worker
    process.wait()
    while cluster.jobs():
        assert time.monotonic() < deadline, "the watchdog did not delete the Job"
        time.sleep(0.1)
    assert ["delete", "job", job, "--ignore-not-found", "--wait=false"] in [
        call["argv"][2:] for call in cluster.calls()]


def test_a_pod_that_cannot_start_fails_the_command(cluster: FakeCluster) -> None:
    scratch, _ = work(cluster)
    box = sandbox(cluster, start_timeout=1.0)
    # A fake whose pods never appear: a cluster with no room for the Job.
    broken = Path(os.environ["PATH"].split(":")[0]) / "kubectl"
    broken.write_text(broken.read_text().replace('if (jobs / f"{job}.json").exists()',
                                                 "if False"))
    done = subprocess.run(box.command(["true"], scratch), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == FAILED
    assert "did not start within 1 s" in done.stderr
    assert cluster.jobs() == []


def test_a_notebook_executes_in_the_job(cluster: FakeCluster) -> None:
    scratch, package = work(cluster)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from tinytorch.core.toy import double\nprint(double(21))")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, scratch / "notebook.ipynb")
    command = sandbox(cluster).command(
        [sys.executable, "-m", "sandbox.execute", "notebook.ipynb", "executed.ipynb", "30"],
        scratch, package, packages=["tito"])
    done = subprocess.run(command, stdin=subprocess.DEVNULL, check=False, timeout=120)
    assert done.returncode == 0
    executed = nbformat.read(scratch / "executed.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "42"


def test_the_judge_reaches_the_job_through_the_configured_backend(
        cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(cluster.volume))  # the runner's TMPDIR
    config = Config()
    config.SandboxBackend.sandbox_class = "sandbox.kubernetes.KubernetesSandbox"
    config.KubernetesSandbox.volume_mount = str(cluster.volume)
    config.KubernetesSandbox.python = sys.executable
    package = tmp_path / "student"
    shutil.copytree(work(cluster)[1], package)
    worker = Worker(WorkerSpec(str(package), ["tinytorch.core.toy"],
                               sandbox=spec(make_sandbox(config)), slot=2))
    try:
        assert worker.call("double", 21) == 42
        with pytest.raises(ValueError, match="negative"):
            worker.call("double", -1)
    finally:
        worker.stop()
    [job] = cluster.created()
    assert job["spec"]["template"]["metadata"]["labels"]["tinytorch.org/network"] == "none"
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 60002
