"""Hostile submissions through the whole autograde: each earns exactly what its honest part
deserves, and nothing outside the sandbox changes (other grades, course files, canaries)."""

from __future__ import annotations

import copy
import hashlib
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from sandbox.bubblewrap import Sandbox
from tests.grading.submissions import submission, submit
from tito.authoring.source import Role, read_source
from tito.errors import TitoError
from tito.grading.course_dir import CONFIG_FILE, CourseDir, gradebook_path
from tito.manifest import Course

# A duplicated-cells submission carries duplicate cell ids on purpose; nbformat says so.
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")]


# An instructor's own time limits, shorter than the defaults (30 s a cell, 10 s a call into
# student code, 60 s a submission): an endless loop is stopped the same way, only sooner.
TIME_LIMITS = ("c.SandboxedExecute.cell_timeout = 10\n"
               "c.PytestGrades.call_timeout = 4\n"
               "c.Sandbox.wall_time_limit = 20\n")


class Course00:
    """Module setup generated in a real course directory, with a graded honest student."""

    def __init__(self, root: Path, course: Course, modules_dir: Path) -> None:
        self.setup = course.module("setup")
        self.dir = CourseDir(root / "course", course, modules_dir)
        self.release = nbformat.read(self.dir.generate(self.setup), as_version=4)
        with (self.dir.root / CONFIG_FILE).open("a", encoding="utf-8") as config:
            config.write(TIME_LIMITS)
        self.instructor = nbformat.read(self.dir.source_notebook(self.setup), as_version=4)
        self.exercises = {c.grade_id for c in read_source(self.setup, modules_dir).cells
                          if c.role is Role.SOLUTION}
        self.canary = root / "canary.txt"
        self.canary.write_text("canary", encoding="utf-8")
        submit(self.dir, "setup", "honest", self.correct())
        self.dir.autograde(self.setup, "honest")
        self.honest = self.dir.scores(self.setup, "honest")
        self.course_files = self.fingerprint()

    def correct(self) -> NotebookNode:
        return submission(self.release, self.instructor, self.exercises)

    def stub(self) -> NotebookNode:
        return copy.deepcopy(self.release)

    def fingerprint(self) -> dict[str, str]:
        files = [*(self.dir.root / "source").rglob("*"), *(self.dir.root / "release").rglob("*"),
                 self.dir.root / "nbgrader_config.py", self.canary]
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}

    def auto_total(self, student: str) -> float:
        return sum(score for name, score in self.dir.scores(self.setup, student).items()
                   if not name.startswith("systems-"))

    def secrets(self) -> list[str]:
        return [str(gradebook_path(self.dir.root)), str(self.dir.source_notebook(self.setup)),
                str(self.dir.root / "submitted" / "honest" / "setup" / "setup.ipynb"),
                str(self.canary)]


@pytest.fixture(scope="module")
def course00(tmp_path_factory: pytest.TempPathFactory, course: Course,
             modules_dir: Path) -> Course00:
    return Course00(tmp_path_factory.mktemp("hostile"), course, modules_dir)


def with_cell(notebook: NotebookNode, code: str, last: bool = False) -> NotebookNode:
    """``notebook`` with an extra code cell right after its import cell, or at its end."""
    notebook = copy.deepcopy(notebook)
    imports = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells.insert(len(notebook.cells) if last else imports + 1,
                          nbformat.v4.new_code_cell(code))
    return notebook


def outputs(path: Path) -> str:
    """All the text a graded notebook shows as cell outputs."""
    notebook = nbformat.read(path, as_version=4)
    return "".join(str(output.get("text", "")) + str(output.get("evalue", ""))
                   for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []))


def nbgrader_metadata(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_metadata(cell).get("grade"))


def is_answer_cell(cell: NotebookNode) -> bool:
    """A systems question's answer box: a markdown grade cell graded by hand."""
    return str(nbgrader_metadata(cell).get("grade_id", "")).startswith("systems-")


def is_exercise_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_metadata(cell).get("solution"))


def every_cell(cell: NotebookNode) -> bool:
    return True


def with_changed_cells(notebook: NotebookNode, select: Callable[[NotebookNode], bool],
                       change: Callable[[NotebookNode], NotebookNode]) -> NotebookNode:
    """``notebook`` with ``change`` applied to every cell that ``select`` picks."""
    notebook = copy.deepcopy(notebook)
    notebook.cells = [change(cell) if select(cell) else cell for cell in notebook.cells]
    return notebook


def retyped(cell_type: str) -> Callable[[NotebookNode], NotebookNode]:
    """A change that makes a cell of ``cell_type``, keeping its source, metadata and id (what
    a student gets from JupyterLab's cell-type menu)."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}[cell_type]
    return lambda cell: make(cell.source, metadata=cell.metadata, id=cell.id)


def with_nbgrader(**changes: object) -> Callable[[NotebookNode], NotebookNode]:
    """A change that sets the cell's nbgrader metadata ``changes``."""
    def change(cell: NotebookNode) -> NotebookNode:
        cell.metadata.nbgrader.update(changes)
        return cell
    return change


def with_renamed_grade_id(cell: NotebookNode) -> NotebookNode:
    return with_nbgrader(grade_id=cell.metadata.nbgrader.grade_id + "-mine")(cell)


def without_nbgrader(cell: NotebookNode) -> NotebookNode:
    cell.metadata.pop("nbgrader", None)
    return cell


def without_module_mark(notebook: NotebookNode) -> NotebookNode:
    notebook = copy.deepcopy(notebook)
    del notebook.metadata["tinytorch"]["module"]
    return notebook


def without_test_cells(notebook: NotebookNode) -> NotebookNode:
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells if not is_test_cell(c)]
    return notebook


def with_edited_test_cells(notebook: NotebookNode) -> NotebookNode:
    def edit(cell: NotebookNode) -> NotebookNode:
        cell.source = "pass"
        cell.metadata.nbgrader["points"] = 1000
        return cell
    return with_changed_cells(notebook, is_test_cell, edit)


def with_duplicated_test_cells(notebook: NotebookNode) -> NotebookNode:
    notebook = copy.deepcopy(notebook)
    notebook.cells.extend(copy.deepcopy([c for c in notebook.cells if is_test_cell(c)]))
    return notebook


PATCHES = """
import builtins, numpy, numpy.testing
builtins.isinstance = lambda *args: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.array_equal = lambda *args, **kwargs: True
try:
    import pytest
    pytest.raises = lambda *a, **k: __import__("contextlib").nullcontext()
    import tito.testing
    tito.testing.assert_array = lambda *args, **kwargs: None
except ImportError:
    pass
"""

FAKE_RESULTS = """
import json, os
fake = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
open("/scratch/executed.ipynb", "w").write(json.dumps(fake))
open("/scratch/results.xml", "w").write('<testsuite tests="41" failures="0"/>')
os._exit(0)
"""

ALWAYS_EQUAL = """#| export
class Anything(str):
    def __eq__(self, other):
        return True
    def __hash__(self):
        return 0
    def startswith(self, *args):
        return True
    def __contains__(self, item):
        return True


def hello_tinytorch(name="student"):
    return Anything("Hello")
"""

ENDLESS_LOOP = "while True:\n    pass\n"

ENDLESS_GREETING = """#| export
def hello_tinytorch(name="student"):
    while True:
        pass
"""

# Grows past the sandbox's 2 GiB address space, touching every page it gets.
MEMORY_HOARD = """hoard = []
while True:
    hoard.append(b"x" * 64 * 1024**2)
"""

# name → (the submission, given the course; its exact autograded points)
CASES: dict[str, tuple[Callable[[Course00], NotebookNode], float]] = {
    "os-exit-mid-notebook": (lambda c: with_cell(c.correct(), "import os\nos._exit(0)"), 70),
    "sys-exit-mid-notebook": (lambda c: with_cell(c.correct(), "import sys\nsys.exit(3)"), 70),
    "patches-from-the-notebook": (lambda c: with_cell(c.correct(), PATCHES), 70),
    "patches-at-import-from-an-exported-cell": (
        lambda c: with_cell(c.stub(), "#| export\n" + PATCHES), 0),
    "exits-at-import-from-an-exported-cell": (
        lambda c: with_cell(c.correct(), "#| export\nimport sys\nsys.exit(0)"), 0),
    "fake-result-files-then-exit": (lambda c: with_cell(c.stub(), FAKE_RESULTS), 0),
    "always-equal-answers": (lambda c: with_cell(c.correct(), ALWAYS_EQUAL, last=True), 70 - 8),
    "huge-output": (lambda c: with_cell(c.correct(), "print('x' * 50_000_000)"), 70),
    "deleted-test-cells": (lambda c: without_test_cells(c.correct()), 70),
    "edited-test-cells-and-points": (lambda c: with_edited_test_cells(c.correct()), 70),
    "duplicated-test-cells": (lambda c: with_duplicated_test_cells(c.correct()), 70),
    "untouched-stub-with-edited-test-cells": (lambda c: with_edited_test_cells(c.stub()), 0),
    # Endless loops. In the notebook, the cell times out and grading goes on: the judge
    # scores the exported code, which does not loop. A function that never returns loses
    # only its own exercise's tests; a package whose import never ends loses everything.
    "endless-loop-in-a-notebook-cell": (lambda c: with_cell(c.correct(), ENDLESS_LOOP), 70),
    "exported-function-that-never-returns": (
        lambda c: with_cell(c.correct(), ENDLESS_GREETING, last=True), 70 - 8),
    "endless-loop-at-import-from-an-exported-cell": (
        lambda c: with_cell(c.correct(), "#| export\n" + ENDLESS_LOOP), 0),
    # Memory bombs hit the address-space limit: a MemoryError in the notebook costs nothing,
    # at import it fails the package.
    "huge-allocation-in-a-notebook-cell": (
        lambda c: with_cell(c.correct(), "hoard = bytearray(8 * 1024**3)"), 70),
    "growing-list-in-a-notebook-cell": (lambda c: with_cell(c.correct(), MEMORY_HOARD), 70),
    "growing-list-at-import-from-an-exported-cell": (
        lambda c: with_cell(c.correct(), "#| export\n" + MEMORY_HOARD), 0),
    # Re-typed cells: OverwriteCells gives every grade and solution cell back the
    # instructor's type (and a test cell its source), so the exercises export as code again.
    "test-cells-retyped-as-markdown": (
        lambda c: with_changed_cells(c.correct(), is_test_cell, retyped("markdown")), 70),
    "answer-cells-retyped-as-code": (
        lambda c: with_changed_cells(c.correct(), is_answer_cell, retyped("code")), 70),
    "exercise-cells-retyped-as-raw": (
        lambda c: with_changed_cells(c.correct(), is_exercise_cell, retyped("raw")), 70),
    # Edited metadata: the instructor's notebook decides what is graded and for how much.
    "test-cells-with-renamed-grade-ids": (
        lambda c: with_changed_cells(c.correct(), is_test_cell, with_renamed_grade_id), 70),
    "test-cells-marked-not-graded": (
        lambda c: with_changed_cells(c.correct(), is_test_cell, with_nbgrader(grade=False)), 70),
    "test-cells-marked-as-solutions": (
        lambda c: with_changed_cells(c.correct(), is_test_cell, with_nbgrader(solution=True)),
        70),
    "test-cells-unlocked": (
        lambda c: with_changed_cells(c.correct(), is_test_cell, with_nbgrader(locked=False)),
        70),
    "answer-cells-worth-more-points": (
        lambda c: with_changed_cells(c.correct(), is_answer_cell, with_nbgrader(points=1000)),
        70),
    "nbgrader-metadata-removed-from-every-cell": (
        lambda c: with_changed_cells(c.correct(), every_cell, without_nbgrader), 70),
    "stub-without-nbgrader-metadata": (
        lambda c: with_changed_cells(c.stub(), every_cell, without_nbgrader), 0),
    "module-mark-removed": (lambda c: without_module_mark(c.correct()), 70),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_submission_earns_exactly_its_honest_part(course00: Course00,
                                                            case: str) -> None:
    build, points = CASES[case]
    submit(course00.dir, "setup", case, build(course00))
    course00.dir.autograde(course00.setup, case)
    assert course00.auto_total(case) == points
    scores = course00.dir.scores(course00.setup, case)
    assert scores.keys() == course00.honest.keys()  # the instructor's grade cells, no others
    assert not any(score for name, score in scores.items() if name.startswith("systems-"))
    assert course00.dir.scores(course00.setup, "honest") == course00.honest
    assert course00.fingerprint() == course00.course_files
    with course00.dir.gradebook() as gradebook:
        assert gradebook.find_assignment("setup").max_score == 100


def test_reading_and_writing_outside_the_sandbox_fails_and_shows_nothing(
        course00: Course00) -> None:
    code = (f"for path in {course00.secrets()!r}:\n"
            "    for mode in ('r', 'a'):\n"
            "        try:\n"
            "            handle = open(path, mode)\n"
            "            print('LEAKED', path, handle.read() if mode == 'r' else 'write')\n"
            "        except OSError as error:\n"
            "            print('blocked', type(error).__name__)\n")
    submit(course00.dir, "setup", "snoop", with_cell(course00.correct(), code))
    course00.dir.autograde(course00.setup, "snoop")
    assert course00.auto_total("snoop") == 70
    shown = outputs(course00.dir.root / "autograded" / "snoop" / "setup" / "setup.ipynb")
    assert "LEAKED" not in shown
    assert shown.count("blocked FileNotFoundError") == 2 * len(course00.secrets())
    assert course00.fingerprint() == course00.course_files
    assert course00.dir.scores(course00.setup, "honest") == course00.honest


def writes_outside_the_scratch_directory(course00: Course00, student: str) -> list[str]:
    """New files a submission tries to write: everywhere but /scratch, which is its own."""
    name = f"tito-hostile-{student}.txt"
    folder = course00.dir.submitted_notebook(course00.setup, student).parent
    return [f"/tmp/{name}", f"/{name}", f"/etc/{name}", f"/submission/{name}",
            str(Path.home() / name), str(course00.dir.root / name), str(folder / name)]


@pytest.mark.parametrize("export", [False, True], ids=["notebook-cell", "exported-cell"])
def test_writing_outside_the_scratch_directory_fails_everywhere(course00: Course00,
                                                                export: bool) -> None:
    student = "scribbler-" + ("exported" if export else "notebook")
    targets = writes_outside_the_scratch_directory(course00, student)
    # A function, so the package's public names stay the exercises' (an exported cell runs
    # at import in the judge's worker, and in the notebook like any other cell).
    code = ("#| export\n" if export else "") + (
        "def _write_everywhere():\n"
        f"    for path in {targets!r}:\n"
        "        try:\n"
        "            with open(path, 'w') as handle:\n"
        "                handle.write('written by a submission')\n"
        "            print('WROTE', path)\n"
        "        except OSError as error:\n"
        "            print('blocked', type(error).__name__)\n"
        "\n\n"
        "_write_everywhere()\n")
    submit(course00.dir, "setup", student, with_cell(course00.correct(), code))
    course00.dir.autograde(course00.setup, student)
    assert course00.auto_total(student) == 70
    shown = outputs(course00.dir.root / "autograded" / student / "setup" / "setup.ipynb")
    assert "WROTE" not in shown
    assert shown.count("blocked") == len(targets)
    assert not [path for path in targets if Path(path).exists()]  # not on this machine either
    assert course00.fingerprint() == course00.course_files
    assert course00.dir.scores(course00.setup, "honest") == course00.honest


# Children that would outlive the grading by far unless the sandbox ends them. Bounded, so
# that even a sandbox without a process limit could not take the machine down.
FORK_BOMB = """import os, time
children = 0
for _ in range(1000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    children += 1
print("forked", children)
"""
# Each variant has its own sandbox slot, hence its own uid and process limit: other graders
# on this machine (parallel test workers run both variants at once, other slots) may run
# sandboxes at the same time, and their processes are not leftovers.
FORK_SLOTS = {False: 97, True: 98}


def processes_of(uid: int) -> list[str]:
    """The command lines of the processes whose real uid is ``uid``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text(encoding="utf-8").splitlines()
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").strip()
        except OSError:  # it ended while we looked
            continue
        if any(line.split()[:2] == ["Uid:", str(uid)] for line in lines):
            found.append(command.decode(errors="replace") or status.parent.name)
    return found


def leftovers(uid: int) -> list[str]:
    """``uid``'s processes that are still there a few seconds on: the kernel kills a PID
    namespace's processes when its init ends, but not instantly."""
    for _ in range(50):
        found = processes_of(uid)
        if not found:
            break
        time.sleep(0.2)
    return found


@pytest.mark.parametrize("export", [False, True], ids=["notebook-cell", "exported-cell"])
def test_a_fork_bomb_is_capped_and_leaves_no_process_behind(
        course00: Course00, monkeypatch: pytest.MonkeyPatch, export: bool) -> None:
    student = "forker-" + ("exported" if export else "notebook")
    monkeypatch.setenv("TITO_SLOT", str(FORK_SLOTS[export]))
    code = ("#| export\n" if export else "") + FORK_BOMB
    submit(course00.dir, "setup", student, with_cell(course00.correct(), code))
    course00.dir.autograde(course00.setup, student)
    # The forks stop at the sandbox's process limit; the parent carries on, and so does the
    # grading: the honest work earns everything.
    assert course00.auto_total(student) == 70
    shown = outputs(course00.dir.root / "autograded" / student / "setup" / "setup.ipynb")
    forked = re.search(r"forked (\d+)", shown)
    assert forked and int(forked.group(1)) < Sandbox().process_limit
    assert leftovers(Sandbox().uid_base + FORK_SLOTS[export]) == []
    assert course00.fingerprint() == course00.course_files
    assert course00.dir.scores(course00.setup, "honest") == course00.honest


def test_a_connection_to_a_loopback_listener_never_arrives(course00: Course00) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        code = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), 2)\n"
                "    print('CONNECTED')\nexcept OSError as error:\n    print('refused')\n")
        submit(course00.dir, "setup", "caller", with_cell(course00.correct(), code))
        course00.dir.autograde(course00.setup, "caller")
        with pytest.raises(TimeoutError):
            listener.accept()
    assert course00.auto_total("caller") == 70
    shown = outputs(course00.dir.root / "autograded" / "caller" / "setup" / "setup.ipynb")
    assert "refused" in shown and "CONNECTED" not in shown


def test_huge_output_is_cut_in_the_graded_notebook(course00: Course00) -> None:
    graded = course00.dir.root / "autograded" / "huge-output" / "setup" / "setup.ipynb"
    if not graded.exists():
        submit(course00.dir, "setup", "huge-output", CASES["huge-output"][0](course00))
        course00.dir.autograde(course00.setup, "huge-output")
    assert graded.stat().st_size < 2_000_000
    assert "[output truncated by the grader]" in graded.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "content"), [
    ("invalid-json", b'{"cells": ['), ("not-utf8", b'{"cells": [], "x": "\xff\xfe"}')])
def test_an_unreadable_notebook_fails_clearly_and_loses_nothing(
        course00: Course00, name: str, content: bytes) -> None:
    folder = course00.dir.root / "submitted" / name / "setup"
    folder.mkdir(parents=True)
    (folder / "setup.ipynb").write_bytes(content)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC", encoding="utf-8")
    with pytest.raises(TitoError, match=f"autograding {name}'s setup failed: "):
        course00.dir.autograde(course00.setup, name)
    assert (folder / "setup.ipynb").read_bytes() == content
    assert course00.dir.needs_grading(course00.setup, name)
    assert course00.dir.scores(course00.setup, "honest") == course00.honest


def test_a_symlink_in_a_submission_is_refused(course00: Course00) -> None:
    folder = course00.dir.root / "submitted" / "linker" / "setup"
    folder.mkdir(parents=True)
    (folder / "setup.ipynb").symlink_to(
        course00.dir.root / "submitted" / "honest" / "setup" / "setup.ipynb")
    with pytest.raises(TitoError, match=r"setup\.ipynb is a symbolic link: a submission holds "
                                        r"only files; nothing was graded"):
        course00.dir.autograde(course00.setup, "linker")
    assert course00.dir.scores(course00.setup, "honest") == course00.honest


def test_another_modules_notebook_is_refused(course00: Course00, course: Course) -> None:
    tensor = course.module("tensor")
    course00.dir.generate(tensor)
    notebook = nbformat.read(course00.dir.release_notebook(tensor), as_version=4)
    submit(course00.dir, "setup", "mixup", notebook)
    with pytest.raises(TitoError, match="is the notebook of module 'tensor', not 'setup'"):
        course00.dir.autograde(course00.setup, "mixup")
