"""Who may do what in the grading service: JupyterHub RBAC scopes, checked per request.

The hub's roles grant these custom scopes (``hub_config/roles.py``); the service reads
the caller's scopes from the hub with their token and never trusts anything else the
caller says about themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_NAME = "grader"
ACCESS = f"access:services!service={SERVICE_NAME}"
MANAGE = "custom:grader:manage"
GRADE = "custom:grader:grade"

CUSTOM_SCOPES = {
    MANAGE: {"description": "Generate, release, collect, autograde and release feedback "
                            "in the grading service."},
    GRADE: {"description": "Read every submission and grade in the grading service (the "
                           "grades CSV included), and enter manual grades and comments."},
}


@dataclass(frozen=True)
class Caller:
    """The person behind a request, as the hub vouches for them."""

    name: str
    scopes: frozenset[str]

    @classmethod
    def from_hub_model(cls, model: dict) -> Caller:
        """From the hub's answer to ``GET /hub/api/user`` for the caller's token."""
        return cls(name=model["name"], scopes=frozenset(model.get("scopes", ())))

    @property
    def can_manage(self) -> bool:
        return MANAGE in self.scopes

    @property
    def can_grade(self) -> bool:
        return GRADE in self.scopes or self.can_manage

    @property
    def role(self) -> str:
        """``instructor``, ``ta`` or ``student``, for pages that adapt to the reader."""
        return "instructor" if self.can_manage else "ta" if self.can_grade else "student"
