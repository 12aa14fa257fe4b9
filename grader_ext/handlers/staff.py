"""The instructors' and TAs' API: the course's pipeline, jobs, grades."""

from __future__ import annotations


def staff_routes() -> list[tuple]:
    return []
