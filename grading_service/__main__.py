"""``python -m grading_service``: the grading service."""

from sandbox.startup import skip_slow_imports

skip_slow_imports()  # first: the service's imports below bring in nbgrader and Jupyter

from grading_service.app import main  # noqa: E402

main()
