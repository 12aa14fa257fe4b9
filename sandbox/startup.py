"""What every Python program of the platform does first, before its imports.

``skip_slow_imports()`` makes optional modules that are slow to import and that nothing we
run needs look absent:

- rfc3987_syntax: jsonschema (imported by nbformat, nbclient, nbgrader and Jupyter's
  servers) imports it when installed, for IRI format checks, and builds a parser on import
  (1.3 to 2.6 s per process); neither nbformat's schema (draft 4) nor nbgrader's cell
  metadata schema checks IRI formats;
- isoduration: the same for ISO 8601 durations (it imports arrow), about 30 ms.

Programs call it: the tito CLI, each grading process, the notebook execution in the
sandbox, the grading service, its job runner and workers, the hub's launcher. Importing a
module never does it: a student's kernel keeps every module it has.
"""

import sys

SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax", "isoduration")


def skip_slow_imports() -> None:
    """Make :data:`SLOW_OPTIONAL_IMPORTS` look absent in this process (call it first)."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
