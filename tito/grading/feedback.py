"""What a feedback page says first: the score, one summary line, then each test cell with
the piece it tests and, when it failed, its tests' messages.

Read from the graded notebook as nbgrader's ``GenerateFeedback`` hands it to the exporter
(``GetGrades`` has put each graded cell's score and points into its metadata, and the
submission's score and late penalty into the resources); the template
``tinytorch-feedback`` (:mod:`tito.grading.inert`) renders it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode

from tito.authoring.policy import is_unanswered
from tito.authoring.test_cells import is_test_cell, label_of, results_summary

# The marks of PytestGrades' report in a test cell's output: "✓ test_x" or
# "✗ test_x: <the assertion's message>", one line per test.
PASSED, FAILED = "✓ ", "✗ "


def points(value: object) -> str:
    """A score as people read it: ``61.5``, ``70``, ``6.67``."""
    return f"{round(float(value), 2):g}" if isinstance(value, int | float) else "–"


@dataclass(frozen=True)
class Failure:
    """A failed test of a test cell and its message (never a traceback or test source)."""

    test: str
    message: str


@dataclass(frozen=True)
class TestCellResult:
    """One autograded test cell: what it tests, its score and the tests that failed."""

    grade_id: str
    label: str
    score: float
    points: float
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return self.score >= self.points and not self.failures


@dataclass(frozen=True)
class Question:
    """A manually graded answer: its id, score (None until graded) and whether the student
    wrote anything."""

    grade_id: str
    score: float | None
    points: float
    answered: bool


@dataclass(frozen=True)
class FeedbackSummary:
    """The top of a feedback page."""

    score: float
    max_score: float
    late_penalty: float
    tests: tuple[TestCellResult, ...]
    questions: tuple[Question, ...]

    @property
    def line(self) -> str:
        """``6 of 8 test cells fail; 2 questions unanswered; late penalty 7 points``."""
        failing = sum(not test.passed for test in self.tests)
        unanswered = sum(not question.answered for question in self.questions)
        line = results_summary(failing, len(self.tests), unanswered, len(self.questions),
                               unit="test cell")
        if self.late_penalty > 0:
            line += f"; late penalty {points(self.late_penalty)} points"
        return line


def _failures(cell: NotebookNode) -> tuple[Failure, ...]:
    text = "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream")
    failures = []
    for line in text.splitlines():
        if line.startswith(FAILED):
            test, _, message = line[len(FAILED):].partition(": ")
            failures.append(Failure(test.strip(), message.strip()))
    return tuple(failures)


def _number(value: object, default: float = 0.0) -> float:
    return float(value) if isinstance(value, int | float) else default


def feedback_summary(nb: NotebookNode, resources: dict) -> FeedbackSummary:
    """The summary of the graded notebook ``nb`` (see the module's doc)."""
    tests, questions = [], []
    for cell in nb.cells:
        grading = cell.get("metadata", {}).get("nbgrader")
        if not isinstance(grading, dict) or not grading.get("grade"):
            continue
        score = grading.get("score")
        if is_test_cell(cell):
            tests.append(TestCellResult(grading["grade_id"], label_of(cell), _number(score),
                                        _number(grading.get("points")), _failures(cell)))
        elif grading.get("solution"):
            questions.append(Question(grading["grade_id"],
                                      score if isinstance(score, int | float) else None,
                                      _number(grading.get("points")),
                                      not is_unanswered(cell)))
    info = resources.get("nbgrader", {})
    return FeedbackSummary(_number(info.get("score")), _number(info.get("max_score")),
                           _number(info.get("late_penalty")), tuple(tests), tuple(questions))
