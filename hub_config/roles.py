"""The course's JupyterHub roles, one group each: instructors, TAs and students.

The grading service checks the custom scopes (``grading_service.auth``); the hub's own scopes
give instructors the admin pages (users, servers) and everyone access to the service,
where students reach only their own work.
"""

from __future__ import annotations

from grading_service.auth import ACCESS, GRADE, MANAGE, SERVICE_NAME

GROUPS = ("instructor", "ta", "student")


def roles() -> list[dict]:
    """``c.JupyterHub.load_roles``."""
    return [
        {"name": "instructor", "groups": ["instructor"],
         "description": "Runs the course: grading service, users, servers.",
         "scopes": [MANAGE, GRADE, ACCESS, "admin-ui", "admin:users", "admin:servers",
                    "admin:groups", "tokens"]},
        {"name": "teaching-assistant", "groups": ["ta"],
         "description": "Grades the manually graded questions.",
         "scopes": [GRADE, ACCESS, "list:users", "read:users"]},
        {"name": "student", "groups": ["student"],
         "description": "Works in their own lab and hands in through the grading service.",
         "scopes": ["self", ACCESS]},
        {"name": "user", "description": "Everyone who logs in: their own lab.",
         "scopes": ["self", ACCESS]},
        {"name": "grader-service", "services": [SERVICE_NAME],
         "description": "The grading service: who is in which group.",
         "scopes": ["list:users", "read:users:name", "read:users:groups", "list:groups",
                    "read:groups"]},
    ]


def groups(roster: dict[str, list[str]]) -> dict[str, dict]:
    """``c.JupyterHub.load_groups`` from a roster (group → user names)."""
    return {name: {"users": list(roster.get(name, []))} for name in GROUPS}


def server_token_scopes() -> list[str]:
    """What a lab's own token may do: the defaults, plus handing in through the service."""
    return ["access:servers!user", "users:activity!user", "read:users:name!user",
            "read:users:groups!user", ACCESS]


STAFF_GROUPS = ("instructor", "ta")


def landing_url(handler: object) -> str | None:
    """``c.JupyterHub.default_url``: where a person lands after logging in. Staff land on
    the hub's home page, which holds the grading dashboard and formgrader (the
    ``home.html`` template); everyone else (``None``) goes on to their lab."""
    user = handler.current_user  # type: ignore[attr-defined]
    if user is not None and any(group.name in STAFF_GROUPS for group in user.groups):
        return f"{handler.hub.base_url}home"  # type: ignore[attr-defined]
    return None
