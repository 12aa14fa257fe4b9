"""Grading: the sandbox, the worker that runs student code, and the judge that runs tests."""

from __future__ import annotations

import sys

# The name of the map (test name → grade cell) in the pytest file made from a notebook: the
# judge stops calling into code that ran out of time once per cell, so one endless loop
# costs one exercise, not the whole submission.
GRADE_CELLS = "TITO_GRADE_CELLS"

# Optional modules that are slow to import and that grading never uses.
SLOW_OPTIONAL_IMPORTS = (
    # jsonschema (imported by nbformat and nbgrader) imports it when installed, for its IRI
    # format checks, and it builds a parser on import: about 1.3 s per process. Neither
    # nbformat's schema (draft 4) nor nbgrader's cell metadata schema checks IRI formats.
    "rfc3987_syntax",
    # The same for ISO 8601 durations (it imports arrow): about 30 ms.
    "isoduration",
)


def skip_slow_imports() -> None:
    """Make the modules in :data:`SLOW_OPTIONAL_IMPORTS` look absent to this process (call
    it before importing nbformat); their importers skip what needs them."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
