"""Milestones in a student's hub lab: alice finishes modules 00-08 (their solved notebooks
in her workspace, exported with ``tito module export`` in her terminal, as she would),
then runs milestones from her terminal (``tito milestone run perceptron``) and from a
notebook (``!tito milestone run xor``), on her own package in her home; bob, who has
finished nothing, is told which modules to finish."""

from __future__ import annotations

import json

import pytest

from tests.hub.client import Hub
from tests.hub.test_terminal import open_terminal
from tests.terminal import CONTROL
from tito.authoring.source import instructor_notebook, read_source
from tito.manifest import load_course
from tito.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

FINISHED = ("setup", "tensor", "activations", "layers", "losses", "dataloader", "autograd",
            "optimizers", "training")


def put_solved_notebooks(hub: Hub, user: str) -> None:
    """``user``'s notebooks of the FINISHED modules become the solved ones, through their
    lab's contents API (as if they had done the work in JupyterLab)."""
    course = load_course(PROJECT_ROOT / "course" / "course.toml")
    for ref in FINISHED:
        module = course.module(ref)
        notebook = instructor_notebook(read_source(module, PROJECT_ROOT / "course" / "modules"))
        folder = f"modules/{module.slug}"
        hub.call(hub.token(user), "PUT", f"/user/{user}/api/contents/{folder}",
                 json={"type": "directory"}).raise_for_status()
        answer = hub.call(hub.token(user), "PUT",
                          f"/user/{user}/api/contents/{folder}/{module.id}.ipynb",
                          json={"type": "notebook", "format": "json", "content": notebook})
        answer.raise_for_status()


def run_in_notebook(hub: Hub, user: str, kernel: str, line: str) -> str:
    """What a notebook cell holding ``line`` shows (``!`` runs it in a terminal of its own,
    so rich colours it: the colours are left out)."""
    return CONTROL.sub("", hub.execute(user, kernel, line, timeout=120))


def test_a_student_runs_the_milestones_of_the_modules_they_finished(hub: Hub) -> None:
    hub.start_lab("alice")
    put_solved_notebooks(hub, "alice")
    with open_terminal(hub, "alice") as terminal:
        for ref in FINISHED:
            exported = terminal.run(f"tito module export {ref}; echo status $?")
            assert exported.endswith("status 0"), exported
        ran = terminal.run("tito milestone run perceptron; echo status $?", timeout=120)
        assert "running on your tinytorch in /home/alice" in ran, ran
        assert "epoch   1:" in ran and "\nPASSED: held-out accuracy" in ran, ran
        assert "milestone perceptron ✓ passed" in ran and ran.endswith("status 0"), ran

    kernel = hub.start_kernel("alice")
    printed = run_in_notebook(hub, "alice", kernel, "!tito milestone run xor")
    assert "running on your tinytorch in /home/alice" in printed, printed
    assert "2. Two layers: Linear(2, 8) → ReLU → Linear(8, 1)" in printed, printed
    assert "milestone xor ✓ passed: one layer " in printed, printed

    status = run_in_notebook(hub, "alice", kernel, "!COLUMNS=200 tito milestone status")
    rows = {line.split("│")[1].strip(): line for line in status.splitlines()
            if line.startswith("│")}
    for name in ("perceptron", "xor"):
        assert "✓ passed" in rows[name], status
    assert "ready" in rows["mlp"] and "needs 09 spatial" in rows["cnn"], status
    assert "needs 10 tokenization, 11 embeddings" in rows["tinygpt"], status
    assert "not yet available" in rows["mlperf"], status
    # The results are kept in alice's home, where her lab wrote them.
    kept = hub.state.homes / "alice" / ".tito" / "milestones.json"
    assert {"perceptron", "xor"} <= set(json.loads(kept.read_text(encoding="utf-8")))

    hub.start_lab("bob")
    locked = run_in_notebook(hub, "bob", hub.start_kernel("bob"),
                             "!tito milestone run perceptron")
    assert locked.strip() == (
        "error: milestone perceptron needs modules 00 'setup', 01 'tensor', 02 'activations' "
        "and 03 'layers': complete them and run `tito module export setup`, `tito module "
        "export tensor`, `tito module export activations` and `tito module export layers`")
