"""Grading: the sandbox, the worker that runs student code, and the judge that runs tests."""
