"""The hub's grading service as the student's panel needs it: who the lab's owner is, the
due dates the instructors set, and telling a refusal from a service that is down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from nbgrader.exchange import ExchangeError

from grading_service.lab_exchange.client import GraderClient
from tito.errors import TitoError

RESTARTING = ("the grading service is restarting: try again in a minute (your notebook is "
              "saved in your lab)")


class ServiceUnavailable(TitoError):
    """The grading service does not answer (down, restarting); over HTTP it is a 503."""


class GradingService:
    """The grading service at ``url`` (``…/services/<name>/``), called with the lab's hub
    token ``token``, which alone says who the student is."""

    def __init__(self, url: str, token: str, timeout: float = 15) -> None:
        self.client = GraderClient(url, token, timeout=timeout)

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

    def me(self) -> dict:
        """``{"name", "role", "scopes"}`` of the token's owner."""
        with self.reached():
            return self.client.request("GET", f"{self.client.url}api/me")

    def due_dates(self) -> dict[str, str | None]:
        """Each released module's due date as the service has it (instructors may have
        moved it in the dashboard since the lab's copy of course.toml was made)."""
        with self.reached():
            answer = self.client.assignments()
        return {item["module"]: item.get("due") for item in answer["assignments"]}
