"""``tito milestone``: each milestone's gate passes on the reference package and fails on a
copy of it with one backward rule, the optimizer step or the layer broken (the sabotage
tests); prerequisites, ``--reference`` and ``status``. Every run is the real ``tito`` in a
subprocess, on a workspace holding a copy of the package, run from the checkout (whose
own tinytorch must not be the one the milestone imports)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TITO, Tito
from tito.manifest import Course
from tito.project import PROJECT_ROOT
from tito.student import milestones
from tito.student.workspace import PLACEHOLDER, Workspace, placeholder

pytestmark = pytest.mark.slow


def reference_workspace(root: Path, course: Course) -> Path:
    """A workspace whose package is a copy of the reference package (every module it has
    exported), with tito's placeholders for the rest."""
    shutil.copytree(PROJECT_ROOT / "tinytorch", root / "tinytorch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    Workspace(root, course).init({})
    return root


def sabotage(workspace: Path, module_file: str, right: str, wrong: str) -> None:
    """Replace the one occurrence of ``right`` in ``tinytorch/<module_file>`` of the
    workspace's package by ``wrong``."""
    path = workspace / "tinytorch" / module_file
    text = path.read_text(encoding="utf-8")
    assert text.count(right) == 1, (f"the sabotage no longer applies: {right!r} is not once "
                                    f"in {module_file}; update this test to the new code")
    path.write_text(text.replace(right, wrong), encoding="utf-8")


def run_milestone(course: Course, name: str, workspace: Path, args: tuple[str, ...],
                  capfd: pytest.CaptureFixture) -> tuple[milestones.Outcome, str, str]:
    """Run through the library, as ``tito milestone run`` does, without starting tito."""
    outcome = milestones.run(course.milestones[name], workspace, args)
    out, err = capfd.readouterr()
    assert outcome.milestone == name
    return outcome, out, err


def assert_passed(outcome: milestones.Outcome, out: str, err: str) -> None:
    assert outcome.passed and outcome.returncode == 0, out + err
    assert "\nPASSED: " in out and " ✗ " not in out


def assert_failed_at_gate(outcome: milestones.Outcome, out: str, err: str) -> None:
    assert not outcome.passed and outcome.returncode == 1, out + err
    assert "\nFAILED: " in out and "\n  ✗ " in out, out  # at its gate, not by crashing
    assert "Traceback" not in err, err


def unexport(workspace: Path, course: Course, *modules: str) -> None:
    for ref in modules:
        module = course.module(ref)
        (workspace / module.target_path).write_text(placeholder(module), encoding="utf-8")


# (file, right line, broken line): each a mistake a student could make.
DROPPED_BIAS = ("core/layers.py", "return out + self.bias if self.bias is not None else out",
                "return out")
RELU_PASSES_EVERYTHING = ("core/autograd.py", "return (grad * (out > 0),)", "return (grad,)")
MATMUL_SIGN = ("core/autograd.py", "grad_a = grad2 @ np.swapaxes(b2, -1, -2)",
               "grad_a = -(grad2 @ np.swapaxes(b2, -1, -2))")
SGD_ASCENT = ("core/optimizers.py", 'param.data -= group["lr"] * grad',
              'param.data += group["lr"] * grad')
ADAM_ASCENT = ("core/optimizers.py", "param.data -= step_size * m / denom",
               "param.data += step_size * m / denom")

CASES = {
    "perceptron": ("perceptron", None),
    "perceptron, Linear drops its bias": ("perceptron", DROPPED_BIAS),
    "xor": ("xor", None),
    "xor, relu's rule lets every gradient through": ("xor", RELU_PASSES_EVERYTHING),
    "xor, matmul's rule flips the input's gradient": ("xor", MATMUL_SIGN),
    "xor, SGD climbs the loss": ("xor", SGD_ASCENT),
    "mlp": ("mlp", None),
    "mlp, matmul's rule flips the input's gradient": ("mlp", MATMUL_SIGN),
    "mlp, Adam climbs the loss": ("mlp", ADAM_ASCENT),
}


@pytest.mark.parametrize("case", CASES)
def test_each_gate_passes_on_the_reference_and_fails_when_sabotaged(
        case: str, tmp_path: Path, course: Course, capfd: pytest.CaptureFixture) -> None:
    """The smallest runs that separate right from wrong are the full gates (a few seconds
    each; mlp's default is the 8x8 digits, Fashion-MNIST is the benchmark's). Run through
    the library, as ``tito milestone run`` does, without starting tito each time."""
    name, broken = CASES[case]
    workspace = reference_workspace(tmp_path / "ws", course)
    if broken:
        sabotage(workspace, *broken)
    outcome, out, err = run_milestone(course, name, workspace, (), capfd)
    if broken is None:
        assert_passed(outcome, out, err)
    else:
        assert_failed_at_gate(outcome, out, err)
    assert outcome.summary == out.rstrip().splitlines()[-1].split(": ", 1)[1]


def test_a_milestone_names_the_modules_to_finish_before_running(
        tito: Tito, tmp_path: Path, course: Course) -> None:
    workspace = reference_workspace(tmp_path / "ws", course)
    unexport(workspace, course, "training")
    result = tito("milestone", "run", "xor", workspace=workspace)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("error: milestone xor needs module 08 'training': complete it and "
                             "run `tito module export training`\n")

    unexport(workspace, course, "autograd")
    (workspace / course.module("optimizers").target_path).unlink()  # never made at all
    result = tito("milestone", "run", "mlp", workspace=workspace)
    assert result.returncode == 1
    assert result.stderr == (
        "error: milestone mlp needs modules 06 'autograd', 07 'optimizers' and 08 'training': "
        "complete them and run `tito module export autograd`, `tito module export "
        "optimizers` and `tito module export training`\n")

    status = tito("milestone", "status", workspace=workspace)
    assert re.search(r"│ perceptron\s+│ 03 layers\s+│ ready\s+│ run 'tito milestone run "
                     r"perceptron'", status.stdout), status.stdout
    assert re.search(r"│ xor\s+│ 08 training\s+│ locked\s+│ needs 06 autograd, 07 optimizers, "
                     r"08 training", status.stdout), status.stdout
    assert re.search(r"│ mlperf\s+│ 19 benchmarking\s+│ not yet available", status.stdout)


def test_reference_runs_the_installed_package_and_records_nothing(
        tito: Tito, tmp_path: Path, course: Course) -> None:
    workspace = reference_workspace(tmp_path / "ws", course)
    sabotage(workspace, *MATMUL_SIGN)
    mine = tito("milestone", "run", "xor", workspace=workspace)
    assert mine.returncode == 1, mine.stdout + mine.stderr
    assert f"running on your tinytorch in {workspace}" in mine.stdout

    reference = tito("milestone", "run", "xor", "--reference", workspace=workspace)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    assert "running on the reference tinytorch" in reference.stdout
    kept = milestones.records(workspace)["xor"]
    assert not kept["last"]["passed"] and "passed" not in kept  # the student's run only

    # An empty workspace: nothing exported, nothing checked, nothing written.
    empty = tmp_path / "empty"
    assert tito("milestone", "run", "perceptron", "--reference", workspace=empty
                ).returncode == 0
    assert not empty.exists()


def test_reference_where_it_is_not_installed_says_to_run_without_it(
        course: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    """A student's lab sees only the student's package: --reference is one line, no
    traceback. The system's Python (no tinytorch installed) stands in for the lab's."""
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    assert system_python, "the system's python3 is what `make` set-up runs with"
    monkeypatch.setattr(milestones.sys, "executable", system_python)
    with pytest.raises(milestones.TitoError, match="run `tito milestone run xor` without"):
        milestones.check_ready(course, course.milestones["xor"], None)


def test_status_keeps_each_result_with_its_date(tito: Tito, tmp_path: Path,
                                                course: Course) -> None:
    workspace = reference_workspace(tmp_path / "ws", course)
    today = datetime.now(UTC).date().isoformat()
    assert tito("milestone", "run", "perceptron", workspace=workspace).returncode == 0
    status = tito("milestone", "status", workspace=workspace)
    passed = re.search(rf"│ perceptron\s+│ 03 layers\s+│ ✓ passed\s+│ {today}: held-out "
                       rf"accuracy (\d+\.\d)% after \d+ epochs", status.stdout)
    assert passed and float(passed.group(1)) >= 99, status.stdout

    refused = tito("milestone", "run", "perceptron", "--epochs", "many", workspace=workspace)
    assert refused.returncode == 2  # argparse's: no run, nothing recorded
    assert "--epochs: invalid int value: 'many'" in refused.stderr
    assert milestones.records(workspace)["perceptron"]["last"]["passed"]

    sabotage(workspace, *DROPPED_BIAS)
    assert tito("milestone", "run", "perceptron", workspace=workspace).returncode == 1
    status = tito("milestone", "status", workspace=workspace)
    assert re.search(rf"│ perceptron\s+│ 03 layers\s+│ ✗ failed\s+│ {today}: held-out "
                     rf"accuracy \d+\.\d% after 30 epochs \(passed on {today}: ",
                     status.stdout), status.stdout


def test_list_names_each_milestone_and_the_module_that_unlocks_it(tito: Tito) -> None:
    result = tito("milestone", "list")
    assert result.returncode == 0, result.stderr
    for name, after, script in (("perceptron", "03 layers", "✓"), ("xor", "08 training", "✓"),
                                ("mlp", "08 training", "✓"), ("cnn", "09 spatial", "✓"),
                                ("mlperf", "19 benchmarking", "not yet")):
        assert re.search(rf"│ {name}\s+│ .+│ {after}\s+│ {script}\s+│", result.stdout), name


def test_an_unknown_milestone_is_one_line_naming_the_known_ones(tito: Tito) -> None:
    result = tito("milestone", "run", "perceptrn")
    assert result.returncode == 1
    assert result.stderr == ("error: unknown milestone 'perceptrn': the milestones are "
                             "perceptron, xor, mlp, cnn, cifar10, attention, tinygpt, mlperf "
                             "('tito milestone list')\n")


def test_a_milestone_without_a_script_says_so(tito: Tito) -> None:
    result = tito("milestone", "run", "mlperf", "--reference")
    assert result.returncode == 1
    assert result.stderr == ("error: milestone mlperf has no script yet: it comes with the "
                             "course's module 'benchmarking'\n")


def test_the_output_streams_while_the_milestone_runs(tmp_path: Path, course: Course) -> None:
    """A student watches the loss go down: each epoch's line arrives as it is printed, not
    when the run ends (also when tito's output is a pipe, as in a notebook's ``!tito``)."""
    workspace = reference_workspace(tmp_path / "ws", course)
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
           "TITO_WORKSPACE": str(workspace)}
    arrived = {}
    with subprocess.Popen([*TITO, "milestone", "run", "mlp"], stdout=subprocess.PIPE,
                          text=True, encoding="utf-8", env=env) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("  epoch "):
                arrived[line.split(":")[0].strip()] = time.monotonic()
    assert process.returncode == 0
    assert list(arrived) == [f"epoch {n:2d}/30" for n in range(1, 31)]
    # 29 epochs of training lie between the first line and the last: buffered output
    # would bring them in the same instant.
    assert arrived["epoch 30/30"] - arrived["epoch  1/30"] > 0.2


def test_a_placeholder_is_what_tito_writes() -> None:
    """The milestones tell an unexported module by its first line, without importing
    tito.student.workspace (which imports nbformat) in a milestone's process."""
    assert milestones.PLACEHOLDER == PLACEHOLDER
