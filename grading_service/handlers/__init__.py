"""The service's web layer: thin async handlers over ``grading_service.core``."""

from __future__ import annotations

from grading_service.handlers.base import HealthHandler, WhoAmIHandler
from grading_service.handlers.dashboard import dashboard_routes
from grading_service.handlers.staff import staff_routes
from grading_service.handlers.student import student_routes


def routes() -> list[tuple]:
    """Every URL of the service (relative to its base URL)."""
    return [(r"/api/health", HealthHandler), (r"/api/me", WhoAmIHandler),
            *student_routes(), *staff_routes(), *dashboard_routes()]
