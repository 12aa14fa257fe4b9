"""tito: the TinyTorch course tooling (authoring pipeline, student workflow, grading CLI)."""

import sys

__version__ = "0.1.0"

# Optional modules that are slow to import and that nothing tito runs needs. Made to look
# absent in every process that imports tito, before anything imports nbformat:
# - rfc3987_syntax: jsonschema (imported by nbformat and nbgrader) imports it when
#   installed, for IRI format checks, and builds a parser on import (1.3 to 1.8 s per
#   process); neither nbformat's schema (draft 4) nor nbgrader's cell metadata schema
#   checks IRI formats;
# - isoduration: the same for ISO 8601 durations (it imports arrow), about 30 ms.
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax", "isoduration")
for _name in SLOW_OPTIONAL_IMPORTS:
    sys.modules.setdefault(_name, None)  # type: ignore[arg-type]
