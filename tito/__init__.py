"""tito: the TinyTorch course tooling (authoring pipeline, student workflow, grading CLI)."""

import sys

__version__ = "0.1.0"

# Optional modules that are slow to import and that nothing tito runs needs:
# - rfc3987_syntax: jsonschema (imported by nbformat, nbgrader and Jupyter's servers)
#   imports it when installed, for IRI format checks, and builds a parser on import (1.3 to
#   2.6 s per process); neither nbformat's schema (draft 4) nor nbgrader's cell metadata
#   schema checks IRI formats;
# - isoduration: the same for ISO 8601 durations (it imports arrow), about 30 ms.
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax", "isoduration")


def skip_slow_imports() -> None:
    """Make :data:`SLOW_OPTIONAL_IMPORTS` look absent in this process. Programs call it
    first thing, before anything imports nbformat: the tito CLI, the grading service, its
    job runner and workers, the hub's launcher. Importing tito does not do it: a student's
    kernel that imports tito keeps every module it has."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
