"""The grading service: a Jupyter Server extension wrapping nbgrader for the course hub.

``grading_service.core`` is plain Python (no tornado): the job queue, the course actions and
the submission store. ``grading_service.handlers`` is the thin web layer on top of it;
``grading_service.lab_exchange`` is nbgrader's exchange, student side, talking to this service.
"""


def _jupyter_server_extension_points() -> list[dict]:
    from grading_service.app import GraderApp

    return [{"module": "grading_service", "app": GraderApp}]
