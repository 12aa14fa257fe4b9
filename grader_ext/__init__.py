"""The grading service: a Jupyter Server extension wrapping nbgrader for the course hub.

``grader_ext.core`` is plain Python (no tornado): the job queue, the course actions and
the submission store. ``grader_ext.handlers`` is the thin web layer on top of it;
``grader_ext.exchange`` is nbgrader's exchange, student side, talking to this service.
"""

import tito  # noqa: F401  (first: it keeps slow optional modules out of every import below)


def _jupyter_server_extension_points() -> list[dict]:
    from grader_ext.app import GraderApp

    return [{"module": "grader_ext", "app": GraderApp}]
