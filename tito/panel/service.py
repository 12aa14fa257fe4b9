"""The hub's grading service as the student's panel needs it: who the lab's owner is, the
due dates the instructors set, and telling a refusal from a service that is down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from nbgrader.exchange import ExchangeError

from grading_service.lab_exchange.client import GraderClient
from tito.errors import TitoError

# Hub group → the role the panel shows, highest first (hub_config.roles).
ROLES = (("instructor", "instructor"), ("ta", "teaching-assistant"))
RESTARTING = ("the grading service is restarting: try again in a minute (your notebook is "
              "saved in your lab)")


class ServiceUnavailable(TitoError):
    """The grading service does not answer (down, restarting); over HTTP it is a 503."""


class GradingService:
    """The grading service at ``url`` (``…/services/<name>/``), called with the lab's hub
    token ``token``, which alone says who the student is."""

    def __init__(self, url: str, token: str, hub_api_url: str, timeout: float = 15) -> None:
        self.client = GraderClient(url, token, timeout=timeout)
        self.hub_api_url = hub_api_url.rstrip("/")

    def is_up(self) -> bool:
        """Whether the service answers its health check (no login needed)."""
        try:
            return requests.get(f"{self.client.url}api/health", timeout=5).ok
        except requests.RequestException:
            return False

    @contextmanager
    def reached(self) -> Iterator[None]:
        """Around a call that goes to the service: when it fails and the service is down,
        a :class:`ServiceUnavailable`; else the service's own refusal as a
        :class:`TitoError`."""
        try:
            yield
        except (ExchangeError, TitoError) as error:
            if not self.is_up():
                raise ServiceUnavailable(RESTARTING) from None
            if isinstance(error, TitoError):
                raise
            raise TitoError(str(error)) from None

    def me(self) -> tuple[str, str]:
        """The token's owner and their role, from their hub groups (the lab's token holds
        none of its owner's grading scopes, so the service would see a student in every
        lab)."""
        try:
            answer = requests.get(f"{self.hub_api_url}/user", timeout=self.client.timeout,
                                  headers={"Authorization": f"token {self.client.token}"})
            answer.raise_for_status()
        except requests.RequestException as error:
            raise ServiceUnavailable(f"the hub does not answer ({error}): try again in a "
                                     "minute (your notebook is saved in your lab)") from None
        model = answer.json()
        groups = set(model.get("groups") or ())
        return model["name"], next((role for group, role in ROLES if group in groups),
                                   "student")

    def due_dates(self) -> dict[str, str | None]:
        """Each released module's due date as the service has it (instructors may have
        moved it in the dashboard since the lab's copy of course.toml was made)."""
        with self.reached():
            answer = self.client.assignments()
        return {item["module"]: item.get("due") for item in answer["assignments"]}
