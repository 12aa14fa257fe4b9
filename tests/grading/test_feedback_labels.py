"""Every test cell of every instructor notebook says what it tests: the pieces the exercise
before it defines (what formgrader and feedback show instead of a grade id)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tito.authoring.source import Role, instructor_notebook, read_source
from tito.authoring.test_cells import TINYTORCH_KEY, label_of
from tito.manifest import Course


def test_every_test_cell_is_labelled_with_the_exercise_before_it(
        course: Course, modules_dir: Path) -> None:
    checked = 0
    for module in course.modules:
        if not module.source_path(modules_dir).exists():
            continue
        source = read_source(module, modules_dir)
        notebook = instructor_notebook(source)
        exercise = ""
        for cell, built in zip(source.cells, notebook.cells, strict=True):
            if cell.role is Role.SOLUTION:
                exercise = cell.cell.source
            if cell.role is not Role.TEST:
                assert TINYTORCH_KEY not in built.metadata, (module.id, cell.grade_id)
                continue
            label = built.metadata[TINYTORCH_KEY]["tests"]
            assert label and label != cell.grade_id, (module.id, cell.grade_id)
            for piece in label.split(", "):
                owner, _, method = piece.rpartition(".")
                pattern = (rf"@extends\({owner}\)\s*\nclass \w+:[\s\S]*?\n    def {method}\("
                           if owner else rf"(?m)^(def|class) {method}\b")
                assert re.search(pattern, exercise), f"{module.id} {cell.grade_id}: {piece}"
            checked += 1
    assert checked > 100
    labels = {c.metadata.nbgrader.grade_id: label_of(c) for m in ("activations", "tensor")
              for c in instructor_notebook(read_source(course.module(m), modules_dir)).cells
              if TINYTORCH_KEY in c.metadata}
    assert labels["activations-relu-tests"] == "relu, ReLU"
    assert labels["tensor-add-tests"] == "Tensor.__add__, Tensor.__radd__"


def test_a_notebook_without_labels_falls_back_to_the_grade_id() -> None:
    cell = nbformat.v4.new_code_cell("def test_x(run): pass")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "old-tests", "points": 1}
    assert label_of(cell) == "old-tests"
    cell.metadata[TINYTORCH_KEY] = {"tests": "relu"}
    assert label_of(cell) == "relu"
