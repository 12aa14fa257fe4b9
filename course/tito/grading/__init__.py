"""Grading: the sandbox, the worker that runs student code, and the judge that runs tests."""

from __future__ import annotations

# The name of the map (test name → grade cell) in the pytest file made from a notebook: the
# judge stops calling into code that ran out of time once per cell, so one endless loop
# costs one exercise, not the whole submission.
GRADE_CELLS = "TITO_GRADE_CELLS"
