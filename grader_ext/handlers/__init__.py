"""The service's web layer: thin async handlers over ``grader_ext.core``."""

from __future__ import annotations

from grader_ext.handlers.base import HealthHandler, WhoAmIHandler
from grader_ext.handlers.dashboard import dashboard_routes
from grader_ext.handlers.staff import staff_routes
from grader_ext.handlers.student import student_routes


def routes() -> list[tuple]:
    """Every URL of the service (relative to its base URL)."""
    return [(r"/api/health", HealthHandler), (r"/api/me", WhoAmIHandler),
            *student_routes(), *staff_routes(), *dashboard_routes()]
