"""tito: the TinyTorch course tooling (authoring pipeline, student workflow, grading CLI)."""

__version__ = "0.1.0"
