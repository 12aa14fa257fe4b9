"""A student's lab is a sandbox: from code running in alice's kernel, nothing of the
course's secrets, the grading service or other students exists, and the grading
service refuses her token when she claims to be someone else."""

from __future__ import annotations

import json

import pytest

from tests.hub.client import Hub
from tito.grading.course_dir import gradebook_path
from tito.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

PROBE = """
import json, os
outcomes = {}
for path in PATHS:
    try:
        with open(path, "rb") as stream:
            stream.read(1)
        outcomes[path] = "read"
    except IsADirectoryError:
        outcomes[path] = "listed: " + ",".join(sorted(os.listdir(path))[:5])
    except OSError as error:
        outcomes[path] = type(error).__name__
print(json.dumps(outcomes))
"""


@pytest.fixture(scope="module")
def alice_kernel(hub: Hub) -> str:
    hub.start_lab("bob")  # bob's home exists and holds his work
    hub.start_lab("alice")
    return hub.start_kernel("alice")


def probe(hub: Hub, kernel: str, paths: list[str]) -> dict[str, str]:
    code = f"PATHS = {paths!r}\n{PROBE}"
    return json.loads(hub.execute("alice", kernel, code))


def test_a_kernel_sees_no_secret_of_the_course_or_anyone_else(hub: Hub,
                                                             alice_kernel: str) -> None:
    state = hub.state
    secrets = {
        "bob's home": str(state.homes / "bob" / "modules"),
        "bob's home, where labs see it": "/home/bob",
        "every home": str(state.homes),
        "the course directory": str(state.course),
        "the instructor notebook (solutions, hidden tests)":
            str(state.course / "source" / "tensor" / "tensor.ipynb"),
        "the gradebook": str(gradebook_path(state.course)),
        "submissions in the exchange": str(state.exchange / "tinytorch" / "inbound"),
        "the hub's secrets": str(state.secrets / "cookie_secret"),
        "the hub's database": str(state.root / "jupyterhub.sqlite"),
        "the grading service's jobs": str(state.grader / "jobs.sqlite"),
        "the module sources with solutions": str(PROJECT_ROOT / "course" / "modules" /
                                                  "tensor" / "tensor.py"),
        "the reference package": str(PROJECT_ROOT / "tinytorch" / "core" / "tensor.py"),
        "the checkout's hub configuration": str(PROJECT_ROOT / "hub_config" / "runtime"),
    }
    outcomes = probe(hub, alice_kernel, list(secrets.values()))
    assert {name: outcomes[path] for name, path in secrets.items()} == {
        name: "FileNotFoundError" for name in secrets}


def test_a_kernel_has_its_own_home_and_nothing_else_writable(hub: Hub,
                                                           alice_kernel: str) -> None:
    code = """
import os, json, tinytorch, ipykernel
facts = {"home": os.environ["HOME"], "cwd": os.getcwd(), "uid": os.getuid(),
         "kernel": {key: value for key, value in
                    ipykernel.get_connection_info(unpack=True).items()
                    if key in ("transport", "ip")},
         "tinytorch": os.path.dirname(tinytorch.__file__),
         "capabilities": [l.split()[1] for l in open("/proc/self/status")
                          if l.startswith("CapEff")][0],
         "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
for place in ("/home/alice/note.txt", "/tmp/note.txt", "/usr/note.txt",
              os.path.dirname(os.__file__) + "/note.txt", "/srv/releases/note.txt"):
    try:
        open(place, "w").write("x")
        facts[place] = "written"
    except OSError as error:
        facts[place] = type(error).__name__
print(json.dumps(facts))
"""
    facts = json.loads(hub.execute("alice", alice_kernel, code))
    assert facts["home"] == facts["cwd"] == "/home/alice"
    assert facts["tinytorch"] == "/home/alice/tinytorch"  # her own package, not the solutions
    assert facts["uid"] >= 61000
    assert facts["capabilities"] == "0000000000000000"
    # her kernel's sockets are files in her lab's private /tmp, not ports other labs share
    assert facts["kernel"]["transport"] == "ipc"
    assert facts["kernel"]["ip"].startswith("/tmp/")
    assert max(facts["processes"]) < 100  # her own PID namespace: no hub, no other labs
    assert facts["/home/alice/note.txt"] == facts["/tmp/note.txt"] == "written"
    others = {place: outcome for place, outcome in facts.items() if place.endswith("note.txt")
              and not place.startswith(("/home/alice", "/tmp"))}
    assert set(others.values()) <= {"PermissionError", "OSError"}, others
    assert (hub.state.homes / "alice" / "note.txt").read_text(encoding="utf-8") == "x"


def test_the_grading_service_refuses_a_student_token_claiming_another_student(
        hub: Hub, alice_kernel: str) -> None:
    code = """
import json, os, urllib.request, urllib.error
base = os.environ["TINYTORCH_GRADER_URL"]
token = os.environ["JUPYTERHUB_API_TOKEN"]
def status(path, method="GET", body=None):
    request = urllib.request.Request(base + path, method=method, headers={
        "Authorization": "token " + token, "Content-Type": "application/json"},
        data=None if body is None else json.dumps(body).encode())
    try:
        return urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code
print(json.dumps({
    "own assignments": status("api/assignments"),
    "bob's submissions": status("api/assignments/tensor/submissions?student=bob"),
    "bob's feedback": status("api/assignments/tensor/feedback?student=bob"),
    "submit as bob": status("api/assignments/tensor/submissions", "POST",
                            {"student": "bob", "files": {}}),
    "the class's grades": status("api/progress"),
    "start autograde": status("api/modules/tensor/autograde", "POST", {}),
    "formgrader": status("formgrader/api/students"),
}))
"""
    assert json.loads(hub.execute("alice", alice_kernel, code)) == {
        "own assignments": 200, "bob's submissions": 403, "bob's feedback": 403,
        "submit as bob": 400, "the class's grades": 403, "start autograde": 403,
        "formgrader": 403}
