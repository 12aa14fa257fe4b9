"""What every handler of the service shares: the caller, permission checks, JSON."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from grading_service.auth import Caller
from tito.errors import NotFound, TitoError, TooLarge


class CallerMixin:
    """Who is calling (as the hub vouches for them), and may they."""

    @property
    def caller(self) -> Caller:
        return Caller.from_hub_model(self.current_user.hub_user)

    def require(self, allowed: bool, what: str) -> None:
        """403 unless ``allowed``, saying what was refused."""
        if not allowed:
            raise web.HTTPError(403, f"{self.caller.name} ({self.caller.role}) may not {what}")


class GraderHandler(CallerMixin, ExtensionHandlerMixin, APIHandler):
    """Base of the service's API handlers."""

    def write_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value))

    def body_json(self) -> dict:
        """The request's JSON body (an object), or a 400 saying what is wrong with it."""
        try:
            value = json.loads(self.request.body or b"{}")
        except ValueError as error:
            raise web.HTTPError(400, f"the request body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return value

    def log_exception(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        """The caller's mistakes are one warning line; only the service's own faults get
        a traceback in the log."""
        if isinstance(error, TitoError):
            self.log.warning("%s %s: %s", self.request.method, self.request.path, error)
        else:
            super().log_exception(kind, error, trace)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors as JSON ``{"error": message}``; a :class:`TitoError` is the caller's
        mistake (400, 404 for something that does not exist, 413 for too much) with its
        fix in the message."""
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, TitoError):
            status_code = (404 if isinstance(error, NotFound)
                           else 413 if isinstance(error, TooLarge) else 400)
        message = (str(error) if isinstance(error, TitoError)
                   else getattr(error, "log_message", None) or self._reason)
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": message}))


class WhoAmIHandler(GraderHandler):
    """``GET api/me``: the caller's name and role in the course."""

    @web.authenticated
    async def get(self) -> None:
        self.write_json({"name": self.caller.name, "role": self.caller.role,
                         "scopes": sorted(self.caller.scopes)})


class HealthHandler(GraderHandler):
    """``GET api/health``: 200 once the service is up (no login: for readiness checks)."""

    @allow_unauthenticated
    async def get(self) -> None:
        self.write_json({"ok": True})
