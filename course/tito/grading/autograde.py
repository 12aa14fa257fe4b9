"""Autograde steps, as nbgrader preprocessors (configured in the course's nbgrader config).

nbgrader's ``Autograde`` keeps doing what it does well (copying the submission, restoring
tampered grade cells with ``OverwriteCells``, the gradebook records); two steps change:

- :class:`SandboxedExecute` replaces ``Execute``: the notebook runs in the sandbox, without
  its hidden tests, and only the outputs come back (its cells and metadata are not trusted).
- :class:`PytestGrades` follows ``SaveAutoGrades``: the module's visible and hidden tests run
  with pytest in a trusted process against the student's exported code (through the judge);
  each test cell scores its points times the share of its tests that passed, and its output
  becomes the list of tests with pass/fail and message (never the hidden tests' source).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import (
    ClearHiddenTests,
    DeduplicateIds,
    Execute,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Float, Int
from traitlets.config import Config

from tito.authoring.export import module_code
from tito.authoring.tests import autograded_cells
from tito.errors import TitoError
from tito.files import write_atomic
from tito.grading.sandbox import Sandbox
from tito.manifest import Course, Module, load_course
from tito.project import Paths
from tito.runner import TestRun, run_module_tests
from tito.workspace import Workspace

MAX_OUTPUT_CHARS = 20_000


def _slot() -> int:
    """This grading process's sandbox slot (parallel graders each get their own uid)."""
    return int(os.environ.get("TITO_SLOT", "0"))


def _course() -> Course:
    return load_course(Paths.from_env().course_toml)


def _sandbox_settings(sandbox: Sandbox) -> dict:
    return {name: getattr(sandbox, name) for name in sandbox.class_trait_names(config=True)
            if name != "enabled"}


def _compile_failure(module: Module, error: TitoError) -> str:
    message = f"your exported code of module {module.id} does not compile: {error}"
    return f"raise ImportError({message!r})\n"


def student_package(root: Path, course: Course, module: Module, notebook: NotebookNode,
                    submitted: Path, student: str) -> Path:
    """The student's own package for grading ``module``: this notebook's exports, and each
    prerequisite's from the student's latest submission of it (a placeholder if none)."""
    space = Workspace(root, course)
    space.init({})
    sources = {module.id: notebook}
    for prerequisite in course.prerequisites(module):
        path = submitted / student / prerequisite.id / f"{prerequisite.id}.ipynb"
        if path.exists():
            try:
                sources[prerequisite.id] = nbformat.read(path, as_version=4)
            except Exception:  # an unreadable old submission: its module stays a placeholder
                continue
    for module_id, source in sources.items():
        item = course.module(module_id)
        try:
            code = module_code(source, item, f"# Module {item.id} as submitted, for grading.")
        except TitoError as error:
            code = _compile_failure(item, error)
        write_atomic(space.package_file(item), code)
    return root


class SandboxedExecute(NbGraderPreprocessor):
    """Run the notebook's cells in the sandbox; keep the outputs for formgrader."""

    cell_timeout = Int(30, help="Seconds one cell may run.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = _course()
        module = course.module(info["assignment"])
        coursedir = CourseDirectory(config=self.config)
        work = tempfile.TemporaryDirectory(prefix="tito-grade-")
        resources["tinytorch_work"] = work  # removed with the resources after PytestGrades
        root = Path(work.name)
        submitted = Path(coursedir.root) / coursedir.submitted_directory
        package = student_package(root / "package", course, module, nb, submitted,
                                  info["student"])
        resources["tinytorch_package"] = str(package)
        scratch = root / "scratch"
        scratch.mkdir()
        public, _ = ClearHiddenTests().preprocess(copy.deepcopy(nb), {})
        nbformat.write(public, scratch / "notebook.ipynb")
        argv = [sys.executable, "-m", "tito.grading.execute", "notebook.ipynb",
                "executed.ipynb", str(self.cell_timeout)]
        sandbox = Sandbox(config=self.config)
        if sandbox.enabled:
            command = sandbox.command(argv, scratch, package=package, slot=_slot())
            cwd, env = None, None
        else:
            command, cwd = argv, scratch
            env = {**os.environ, "PYTHONPATH": str(package)}
        try:
            subprocess.run(command, cwd=cwd, env=env, timeout=sandbox.wall_time_limit,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            self.log.warning("notebook of %s ran out of time", info["student"])
        self._merge_outputs(nb, scratch / "executed.ipynb")
        return nb, resources

    def _merge_outputs(self, nb: NotebookNode, executed_path: Path) -> None:
        """Copy outputs from the sandbox's notebook onto the trusted cells, by position."""
        try:
            if executed_path.stat().st_size > 64 * 1024**2:
                raise ValueError("executed notebook too large")
            executed = nbformat.read(executed_path, as_version=4)
        except Exception as error:  # the sandbox wrote nothing usable: keep no outputs
            self.log.warning("no executed notebook: %s", error)
            return
        theirs = [cell for cell in executed.cells if cell.cell_type == "code"]
        ours = [cell for cell in nb.cells if cell.cell_type == "code"]
        if len(theirs) != len(ours):
            return
        for mine, their in zip(ours, theirs, strict=True):
            mine.outputs = _limited(their.get("outputs", []))
            mine.execution_count = their.get("execution_count")


def _limited(outputs: list) -> list:
    """Outputs capped in size, so a flood of prints cannot bloat the gradebook's notebook."""
    kept, budget = [], MAX_OUTPUT_CHARS
    for output in outputs:
        size = len(nbformat.writes(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(outputs=[output])])))
        if size > budget:
            kept.append(nbformat.v4.new_output("stream", name="stderr",
                                               text="[output truncated by the grader]\n"))
            break
        kept.append(output)
        budget -= size
    return kept


def _report(run: TestRun, tests: tuple[str, ...]) -> str:
    outcomes = {result.name: result for result in run.results}
    lines = []
    for name in tests:
        result = outcomes.get(name)
        if result is not None and result.outcome == "passed":
            lines.append(f"✓ {name}")
        else:
            message = result.message if result else "did not run"
            lines.append(f"✗ {name}: {message[:500]}")
    return "\n".join(lines) + "\n"


class PytestGrades(NbGraderPreprocessor):
    """Score each autograded test cell from the module's tests, run by the judge."""

    call_timeout = Float(10.0, help="Seconds one call into student code may take.").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = _course()
        module = course.module(info["assignment"])
        coursedir = CourseDirectory(config=self.config)
        # The tests come from the instructor's notebook (hidden ones included), never from
        # the student's copy.
        source_dir = Path(coursedir.format_path(coursedir.source_directory, ".", module.id))
        source = nbformat.read(source_dir / f"{info['notebook']}.ipynb", as_version=4)
        sandbox = Sandbox(config=self.config)
        run = run_module_tests(
            source, module, course, Path(resources["tinytorch_package"]), f"{module.id} tests",
            sandbox=_sandbox_settings(sandbox) if sandbox.enabled else None,
            call_timeout=self.call_timeout, budget=sandbox.wall_time_limit, slot=_slot())
        passed = {result.name for result in run.results if result.outcome == "passed"}
        reports = {}
        with Gradebook(info["db_url"], coursedir.course_id) as gradebook:
            # Every test cell of the instructor's notebook is scored, whatever the student
            # deleted, duplicated or edited in their copy.
            for cell in autograded_cells(source):
                share = (sum(name in passed for name in cell.tests) / len(cell.tests)
                         if cell.tests else 0.0)
                grade = gradebook.find_grade(cell.grade_id, info["notebook"],
                                             info["assignment"], info["student"])
                grade.auto_score = round(cell.points * share, 4)
                reports[cell.grade_id] = _report(run, cell.tests)
            gradebook.db.commit()
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in reports and cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                       text=reports[grade_id])]
        resources.pop("tinytorch_work").cleanup()
        return nb, resources


class DropDuplicateIds(DeduplicateIds):
    """nbgrader's DeduplicateIds leaves a duplicated grade cell with empty nbgrader metadata,
    which its own schema check then rejects, failing the whole submission. Here the copy
    simply stops being a grade cell (the gradebook and the judge score the original)."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict,
                        cell_index: int) -> tuple[NotebookNode, dict]:
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.get("metadata", {}).get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


class CourseLatePolicy(LateSubmissionPlugin):
    """The late policy of course.toml (nbgrader stores the penalty with each submission)."""

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float:
        return _course().late.penalty(score, total_seconds_late)


def configure(config: Config) -> Config:
    """nbgrader's Autograde with the sandboxed execution, the judge's scores and the
    course's late policy."""
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    steps: list = []
    for step in default:
        steps.append(SandboxedExecute if step is Execute else step)
        if step is SaveAutoGrades:
            steps.append(PytestGrades)
    config.Autograde.autograde_preprocessors = steps
    config.Autograde.sanitize_preprocessors = [
        DropDuplicateIds if step is DeduplicateIds else step
        for step in Autograde.class_traits()["sanitize_preprocessors"].default()]
    config.AssignLatePenalties.plugin_class = CourseLatePolicy
    return config
