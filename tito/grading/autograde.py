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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import (
    ClearHiddenTests,
    DeduplicateIds,
    Execute,
    NbGraderPreprocessor,
    OverwriteCells,
    SaveAutoGrades,
)
from traitlets import Float, Int, Unicode, default
from traitlets.config import Config, LoggingConfigurable

from sandbox import CALL_TIMEOUT
from sandbox.backends import make_sandbox, spec
from sandbox.bubblewrap import make_readable
from tito.authoring.export import module_code
from tito.authoring.test_cells import AutogradedCell, autograded_cells, pytest_module
from tito.errors import USER_ERRORS, TitoError
from tito.files import write_atomic
from tito.grading.batch import current_slot
from tito.manifest import Course, Module, load_course
from tito.module_tests import TestRun, run_module_tests, wait_ended
from tito.project import CONTENT_PACKAGE, PROJECT_ROOT
from tito.student.workspace import Workspace

MAX_OUTPUT_CHARS = 20_000


class GradedCourse(LoggingConfigurable):
    """The course being graded (``c.GradedCourse.course_toml``), for the autograde steps
    that need its modules or its late policy. Each step reads the manifest once."""

    course_toml = Unicode(help="The course's manifest (course.toml): its modules, their "
                          "prerequisites and the late policy. tito's course directory sets "
                          "it to its course's; default: the installed course's.").tag(
        config=True)

    @default("course_toml")
    def _course_toml_default(self) -> str:
        return str(PROJECT_ROOT / CONTENT_PACKAGE / "course.toml")

    @cached_property
    def course(self) -> Course:
        """The course of :attr:`course_toml`, read at first use."""
        return load_course(Path(self.course_toml))


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
        except USER_ERRORS as error:
            code = _compile_failure(item, error)
        write_atomic(space.package_file(item), code)
    make_readable(root)  # write_atomic's files are private (0600); the sandbox reads them
    return root


class SandboxedExecute(NbGraderPreprocessor, GradedCourse):
    """Run the notebook's cells in the sandbox; keep the outputs for formgrader."""

    cell_timeout = Int(30, help="Seconds one cell may run.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = self.course
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
        argv = [sys.executable, "-m", "sandbox.execute", "notebook.ipynb",
                "executed.ipynb", str(self.cell_timeout)]
        sandbox = make_sandbox(self.config)
        if sandbox.enabled:
            command = sandbox.command(argv, scratch, package=package, slot=current_slot(),
                                      packages=["tito"])
            cwd, env = None, None
        else:
            command, cwd = argv, scratch
            env = {**os.environ, "PYTHONPATH": str(package)}
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if not wait_ended(process.pid, sandbox.wall_time_limit):
            process.kill()
            self.log.warning("notebook of %s ran out of time", info["student"])
        process.wait()
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
    # Each output is measured alone in a notebook, as nbformat writes it, after nbformat's
    # check that it is a valid output (ValidationError otherwise). The whole notebook is
    # checked, which nbformat does with its fast validator: cells alone take the slow one.
    cell = nbformat.v4.new_code_cell()
    alone = nbformat.v4.new_notebook(cells=[cell])
    for output in outputs:
        cell.outputs = [output]
        nbformat.validate(alone)
        size = len(nbformat.v4.writes_json(alone))
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


@dataclass(frozen=True)
class InstructorTests:
    """What grading needs of the instructor's notebook: it, its pytest file and its test
    cells."""

    notebook: NotebookNode
    test_code: str
    cells: tuple[AutogradedCell, ...]


_instructor_tests: dict[tuple, InstructorTests] = {}


def instructor_tests(path: Path, module: Module) -> InstructorTests:
    """The instructor's notebook at ``path`` made into tests once per grading process (it
    grades many submissions of one module), and again when the file changes."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino, module)
    if key not in _instructor_tests:
        notebook = nbformat.read(path, as_version=4)
        _instructor_tests.clear()
        _instructor_tests[key] = InstructorTests(
            notebook, pytest_module(notebook, module, f"{module.id} tests"),
            tuple(autograded_cells(notebook)))
    return _instructor_tests[key]


class PytestGrades(NbGraderPreprocessor, GradedCourse):
    """Score each autograded test cell from the module's tests, run by the judge."""

    call_timeout = Float(CALL_TIMEOUT, help="Seconds one call into student code may take.").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        course = self.course
        module = course.module(info["assignment"])
        coursedir = CourseDirectory(config=self.config)
        # The tests come from the instructor's notebook (hidden ones included), never from
        # the student's copy.
        source_dir = Path(coursedir.format_path(coursedir.source_directory, ".", module.id))
        tests = instructor_tests(source_dir / f"{info['notebook']}.ipynb", module)
        sandbox = make_sandbox(self.config)
        # pytest runs in a fork of this process (trusted like it), which has pytest and the
        # judge imported already.
        run = run_module_tests(
            tests.notebook, module, course, Path(resources["tinytorch_package"]),
            f"{module.id} tests", test_code=tests.test_code, fork=True,
            sandbox=spec(sandbox) if sandbox.enabled else None,
            call_timeout=self.call_timeout, budget=sandbox.wall_time_limit, slot=current_slot())
        passed = {result.name for result in run.results if result.outcome == "passed"}
        reports = {}
        with Gradebook(info["db_url"], coursedir.course_id) as gradebook:
            # Every test cell of the instructor's notebook is scored, whatever the student
            # deleted, duplicated or edited in their copy.
            for cell in tests.cells:
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


class RestoreGradeCells(OverwriteCells):
    """nbgrader's OverwriteCells restores a grade cell's source, type, points and lock, but
    not its role: a student who flips ``grade``/``solution`` or renames ``grade_id`` made
    nbgrader refuse the whole submission. Here the instructor's notebook decides every role,
    and a cell the gradebook does not know stops being an nbgrader cell (the judge scores
    every instructor test cell anyway)."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict,
                        cell_index: int) -> tuple[NotebookNode, dict]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta or meta.get("grade_id") is None:
            return super().preprocess_cell(cell, resources, cell_index)
        name = meta["grade_id"]
        try:
            self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
        except MissingEntry:
            del cell.metadata["nbgrader"]
            return cell, resources
        roles = {"grade": self.gradebook.find_grade_cell, "task": self.gradebook.find_task_cell,
                 "solution": self.gradebook.find_solution_cell}
        found = {role: self._find(find, name) for role, find in roles.items()}
        meta.pop("points", None)
        for role, entry in found.items():
            meta[role] = entry is not None
            if role != "solution" and entry is not None:
                meta["points"] = entry.max_score
        return super().preprocess_cell(cell, resources, cell_index)

    def _find(self, find: Callable, name: str) -> object | None:
        try:
            return find(name, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None


class CourseLatePolicy(LateSubmissionPlugin, GradedCourse):
    """The late policy of course.toml (nbgrader stores the penalty with each submission)."""

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float:
        return self.course.late.penalty(score, total_seconds_late)


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
    replaced = {DeduplicateIds: DropDuplicateIds, OverwriteCells: RestoreGradeCells}
    config.Autograde.sanitize_preprocessors = [
        replaced.get(step, step)
        for step in Autograde.class_traits()["sanitize_preprocessors"].default()]
    config.AssignLatePenalties.plugin_class = CourseLatePolicy
    return config
