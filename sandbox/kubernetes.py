"""The sandbox on a Kubernetes cluster: one Job per sandboxed run, driven with ``kubectl``.

:class:`KubernetesSandbox` keeps :class:`~sandbox.bubblewrap.Sandbox`'s limits and turns
each run (a notebook's execution, a judge's worker) into a Job whose one pod has no network
(the label the course's NetworkPolicy denies all traffic to and from, and no service account
token), CPU and memory limits, its slot's unprivileged uid, a read-only root file system, no
capabilities, no privilege escalation, the runtime's default seccomp profile, and a deadline.
It sees only its scratch folder (writable) and the student's package (read-only), both
sub-paths of the volume claim the job runner keeps its work on, in an image that holds no
solutions (no reference ``tinytorch``, no course module sources, no hidden tests).

Its :meth:`~KubernetesSandbox.command` is ``python -m sandbox.kubernetes run ...``
(:func:`run`): it creates the Job, waits for its pod, attaches to the container's stdin and
stdout (``kubectl attach -i``), so the caller talks to the program inside exactly as to a
bubblewrap sandbox's, exits with the container's status and deletes the Job, also when it
is stopped: a watchdog in a session of its own deletes the Job if the command is killed.
"""
# ruff: noqa: E402 (the start-up call below comes before the imports)

from __future__ import annotations

from sandbox.startup import skip_slow_imports

skip_slow_imports()  # ``python -m sandbox.kubernetes`` is a program too

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from traitlets import Bool, Float, Int, Unicode

from sandbox.bubblewrap import SCRATCH, SUBMISSION, Sandbox, environment, prlimit
from sandbox.errors import SandboxError

# The label the NetworkPolicy in docker/k8s/grader.yaml selects: pods with it get no
# traffic in or out, not even DNS.
NETWORK_LABEL = "tinytorch.org/network"
NETWORK_NONE = "none"
# The label of one run's pod, by which the command finds it (the Job's name).
RUN_LABEL = "tinytorch.org/sandbox-run"
# The label of the job runner's pod, next to which each Job runs (same node) when the work
# volume can be mounted on one node only.
RUNNER_LABEL = {"app.kubernetes.io/name": "tinytorch", "app.kubernetes.io/component": "grader"}
CONTAINER = "sandbox"
TMP = "/tmp"
# The container waits for one line on stdin before it starts the command: the line is sent
# once ``kubectl attach`` is connected, so no output is written before anyone listens.
GATE = ["/bin/sh", "-c", 'read -r _ && exec "$@"', "sandbox-gate"]
# The command's own failures (kubectl, the cluster), as docker run's: not the program's.
FAILED = 125
POLL_SECONDS = 0.5


class KubernetesSandbox(Sandbox):
    """:class:`Sandbox` as a Kubernetes Job per run (``c.SandboxBackend.sandbox_class =
    "sandbox.kubernetes.KubernetesSandbox"``); settings are ``c.KubernetesSandbox.*``,
    limits ``c.Sandbox.*`` as for bubblewrap. ``bwrap`` and ``cgroup_parent`` are unused."""

    kubectl = Unicode("kubectl", help="The kubectl executable. In the job runner's pod it "
                      "uses the pod's service account (docker/k8s/grader.yaml).").tag(config=True)
    namespace = Unicode("", help="Namespace of the Jobs; empty: kubectl's own (in a pod, "
                        "the pod's namespace).").tag(config=True)
    image = Unicode("tinytorch/sandbox:0.1.0", help="The sandbox image: Python, NumPy and "
                    "the course tooling, no solutions (docker/).").tag(config=True)
    image_pull_policy = Unicode("IfNotPresent", help="The Jobs' imagePullPolicy.").tag(
        config=True)
    python = Unicode("python3", help="The Python of the sandbox image; replaces the "
                     "caller's own interpreter at the start of a command.").tag(config=True)
    volume_claim = Unicode("tinytorch-grader", help="The PersistentVolumeClaim the job "
                           "runner keeps its work on; scratch folders and packages are "
                           "mounted from it by sub-path.").tag(config=True)
    volume_mount = Unicode("/srv/tinytorch", help="Where the job runner mounts "
                           "volume_claim: every scratch folder and package must be under it "
                           "(set TMPDIR to a folder there).").tag(config=True)
    same_node = Bool(True, help="Run each Job on the job runner's node, where a "
                     "ReadWriteOnce volume can be mounted; False with a ReadWriteMany "
                     "storage class, to spread Jobs over the nodes.").tag(config=True)
    cpu_limit = Float(1.0, help="CPUs of a Job's container (request and limit).").tag(
        config=True)
    ephemeral_storage = Int(1024**3, help="Node disk a Job may use (its logs), in bytes."
                            ).tag(config=True)
    start_timeout = Float(120.0, help="Seconds a Job's pod may take to start (scheduling, "
                          "image pull); added to its deadline.").tag(config=True)
    ttl_seconds = Int(300, help="Seconds a finished Job is kept if its command could not "
                      "delete it (ttlSecondsAfterFinished).").tag(config=True)

    def check(self) -> str:
        """The path of kubectl, or a :class:`SandboxError` saying how to get it."""
        found = shutil.which(self.kubectl)
        if not found:
            raise SandboxError(f"kubectl ({self.kubectl}) is not installed, and student code "
                               "must run in a Kubernetes Job: install it in the grader image "
                               "or set c.KubernetesSandbox.kubectl")
        return found

    def _sub_path(self, folder: Path) -> str:
        root = Path(self.volume_mount).resolve()
        try:
            return str(folder.resolve().relative_to(root))
        except ValueError:
            raise SandboxError(f"{folder} is not on the volume {self.volume_claim} mounted at "
                               f"{root}: set TMPDIR to a folder under it") from None

    def manifest(self, argv: list[str], scratch: Path, package: Path | None = None,
                 slot: int = 0, env: dict[str, str] | None = None) -> dict:
        """The Job that runs ``argv`` with ``scratch`` writable at /scratch and ``package``
        (if any) read-only at /submission, first on PYTHONPATH."""
        uid = self.uid_base + slot
        name = f"tinytorch-sandbox-{slot}-{secrets.token_hex(5)}"
        if argv and argv[0] == sys.executable:
            argv = [self.python, *argv[1:]]
        limits = prlimit(memory=self.memory_limit, processes=self.process_limit,
                         file_size=self.file_size_limit, cpu_time=self.cpu_time_limit)
        mounts = [{"name": "work", "mountPath": SCRATCH, "subPath": self._sub_path(scratch)},
                  {"name": "tmp", "mountPath": TMP}]
        python_path = []
        if package is not None:
            mounts.append({"name": "work", "mountPath": SUBMISSION, "readOnly": True,
                           "subPath": self._sub_path(package)})
            python_path.append(SUBMISSION)
        variables = environment(python_path, {"HOME": SCRATCH, "MPLBACKEND": "Agg",
                                              **(env or {})})
        resources = {"cpu": f"{round(self.cpu_limit * 1000)}m", "memory": str(self.memory_limit),
                     "ephemeral-storage": str(self.ephemeral_storage)}
        labels = {"app.kubernetes.io/name": "tinytorch", "app.kubernetes.io/component": "sandbox",
                  NETWORK_LABEL: NETWORK_NONE, RUN_LABEL: name}
        pod: dict = {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,  # no environment variables naming the services
            "terminationGracePeriodSeconds": 1,
            "securityContext": {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": CONTAINER, "image": self.image,
                "imagePullPolicy": self.image_pull_policy,
                "command": [*GATE, *limits, *argv],
                "workingDir": SCRATCH,
                "stdin": True, "stdinOnce": True, "tty": False,
                "env": [{"name": key, "value": value} for key, value in variables.items()],
                "resources": {"limits": resources, "requests": dict(resources)},
                "securityContext": {
                    "runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid,
                    "privileged": False, "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"}},
                "volumeMounts": mounts,
            }],
            "volumes": [
                {"name": "work", "persistentVolumeClaim": {"claimName": self.volume_claim}},
                {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": str(self.tmp_size)}},
            ],
        }
        if self.same_node:
            pod["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": dict(RUNNER_LABEL)},
                 "topologyKey": "kubernetes.io/hostname"}]}}
        metadata: dict = {"name": name, "labels": labels}
        if self.namespace:
            metadata["namespace"] = self.namespace
        return {
            "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
            "spec": {
                "backoffLimit": 0, "completions": 1, "parallelism": 1,
                "activeDeadlineSeconds": math.ceil(self.wall_time_limit + self.start_timeout),
                "ttlSecondsAfterFinished": self.ttl_seconds,
                "template": {"metadata": {"labels": labels}, "spec": pod},
            },
        }

    def command(self, argv: list[str], scratch: Path, package: Path | None = None,
                slot: int = 0, env: dict[str, str] | None = None,
                packages: Sequence[str] = ()) -> list[str]:
        """``python -m sandbox.kubernetes run``: ``argv`` in a Job of its own (see
        :meth:`manifest`), its stdin and stdout the command's. ``packages`` are the sandbox
        image's own."""
        kubectl = self.check()
        uid = self.uid_base + slot
        if os.geteuid() == 0:
            os.chown(scratch, uid, uid)  # the pod runs as the slot's uid
        manifest = self.manifest(argv, scratch, package, slot, env)
        namespace = ["--namespace", self.namespace] if self.namespace else []
        return [sys.executable, "-m", "sandbox.kubernetes", "run", "--kubectl", kubectl,
                *namespace, "--start-timeout", str(self.start_timeout),
                "--manifest", json.dumps(manifest, separators=(",", ":"))]


class Kubectl:
    """kubectl, in one namespace (or its own)."""

    def __init__(self, path: str, namespace: str | None) -> None:
        self.path = path
        self.namespace = ["--namespace", namespace] if namespace else []

    def run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([self.path, *self.namespace, *args], input=stdin, text=True,
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise SandboxError(f"kubectl {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def command(self, *args: str) -> list[str]:
        return [self.path, *self.namespace, *args]

    def delete(self, job: str) -> None:
        subprocess.run(self.command("delete", "job", job, "--ignore-not-found",
                                    "--wait=false"),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


# Waiting reasons of a container that will not start by itself.
STUCK = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
         "CreateContainerError")


def _container(pod: dict) -> dict:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    return next((status for status in statuses if status.get("name") == CONTAINER), {})


def wait_for_pod(kubectl: Kubectl, job: str, timeout: float) -> str:
    """The name of ``job``'s pod once it runs; a :class:`SandboxError` if it does not
    within ``timeout`` seconds or cannot."""
    deadline = time.monotonic() + timeout
    while True:
        pods = json.loads(kubectl.run("get", "pods", "--selector", f"{RUN_LABEL}={job}",
                                      "--output", "json"))["items"]
        for pod in pods:
            phase = pod.get("status", {}).get("phase")
            waiting = _container(pod).get("state", {}).get("waiting", {})
            if phase == "Running":
                return pod["metadata"]["name"]
            if phase in ("Succeeded", "Failed") or waiting.get("reason") in STUCK:
                reason = waiting.get("reason") or phase
                raise SandboxError(f"the sandbox pod of {job} did not start ({reason}: "
                                   f"{waiting.get('message', '')}): check the sandbox image")
        if time.monotonic() > deadline:
            raise SandboxError(f"the sandbox pod of {job} did not start within {timeout:g} s: "
                               "see kubectl describe job " + job)
        time.sleep(POLL_SECONDS)


def exit_status(kubectl: Kubectl, pod: str, timeout: float = 30.0) -> int:
    """The container's exit status once it ended (as a shell's: 128 + signal when killed,
    137 for the memory limit); FAILED if it does not end within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = _container(json.loads(kubectl.run("get", "pod", pod, "--output", "json")))
        terminated = ended.get("state", {}).get("terminated")
        if terminated is not None:
            return int(terminated.get("exitCode", FAILED))
        time.sleep(POLL_SECONDS)
    return FAILED


def _relay(source: int, sink) -> None:
    """Copy ``source`` (this command's stdin) to ``sink`` (the attached container's),
    then close it: the container's stdin ends where ours does."""
    try:
        while chunk := os.read(source, 1 << 16):
            sink.write(chunk)
            sink.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            sink.close()


def start_watchdog(kubectl: Kubectl, job: str) -> subprocess.Popen:
    """A process in a session of its own that deletes ``job`` unless told "done" before
    this process ends (killed with its group by the caller, say)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox.kubernetes", "watchdog", "--kubectl", kubectl.path,
         *kubectl.namespace, "--job", job],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def run(kubectl: Kubectl, manifest: dict, start_timeout: float) -> int:
    """Create the Job of ``manifest``, wait for its pod, attach this process's stdin and
    stdout to its container, and delete the Job; the container's exit status."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _stop)
    job = manifest["metadata"]["name"]
    watchdog = start_watchdog(kubectl, job)
    attach: subprocess.Popen | None = None
    try:
        kubectl.run("create", "--filename", "-", "--output", "name", stdin=json.dumps(manifest))
        pod = wait_for_pod(kubectl, job, start_timeout)
        attach = subprocess.Popen(kubectl.command("attach", "--stdin", "--quiet", f"pod/{pod}",
                                                  "--container", CONTAINER),
                                  stdin=subprocess.PIPE)
        assert attach.stdin is not None
        attach.stdin.write(b"start\n")  # opens the gate (see GATE)
        attach.stdin.flush()
        threading.Thread(target=_relay, args=(sys.stdin.fileno(), attach.stdin),
                         daemon=True).start()
        attach.wait()
        return exit_status(kubectl, pod)
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    finally:
        if attach is not None and attach.poll() is None:
            attach.kill()
            attach.wait()
        kubectl.delete(job)
        with contextlib.suppress(subprocess.TimeoutExpired, BrokenPipeError, OSError):
            watchdog.communicate(b"done", timeout=10)


def watchdog(kubectl: Kubectl, job: str) -> None:
    """Delete ``job`` unless stdin says "done" before it ends."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    said = b""
    while chunk := os.read(0, 64):
        said += chunk
    if said != b"done":
        kubectl.delete(job)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.kubernetes",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="action", required=True)
    for action in ("run", "watchdog"):
        command = commands.add_parser(action)
        command.add_argument("--kubectl", default="kubectl")
        command.add_argument("--namespace")
    commands.choices["run"].add_argument("--manifest", required=True, help="the Job (JSON)")
    commands.choices["run"].add_argument("--start-timeout", type=float, default=120.0)
    commands.choices["watchdog"].add_argument("--job", required=True)
    options = parser.parse_args(argv)
    kubectl = Kubectl(options.kubectl, options.namespace)
    if options.action == "watchdog":
        watchdog(kubectl, options.job)
        return
    status = run(kubectl, json.loads(options.manifest), options.start_timeout)
    if status == 128 + signal.SIGKILL:
        # Killed (the memory limit's OOM kill, prlimit's hard CPU limit): so is this
        # command, as a bubblewrap sandbox's would be; the judge says "signal 9".
        os.kill(os.getpid(), signal.SIGKILL)
    sys.exit(status)


if __name__ == "__main__":
    main()
