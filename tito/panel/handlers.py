"""The panel's HTTP API under ``<base_url>tinytorch/api/``: thin handlers that run the
plain-Python work of :mod:`tito.panel.course` and :mod:`tito.panel.runs` in threads, so
the lab keeps answering during a test run or a milestone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from tito.errors import NotFound, TitoError
from tito.panel.course import StudentCourse
from tito.panel.runs import Busy, MilestoneRuns
from tito.panel.service import ServiceUnavailable

ACTIONS = ("fetch", "test", "export", "submit", "feedback")


def status_of(error: TitoError) -> int:
    """The HTTP status of a refusal: 404 unknown, 409 busy, 503 service down, else 400."""
    for kind, status in ((NotFound, 404), (Busy, 409), (ServiceUnavailable, 503)):
        if isinstance(error, kind):
            return status
    return 400


class PanelHandler(APIHandler):
    """Base of the panel's handlers: JSON answers, refusals as ``{"message": ...}``."""

    @property
    def course(self) -> StudentCourse:
        return self.settings["tinytorch_course"]

    @property
    def runs(self) -> MilestoneRuns:
        return self.settings["tinytorch_runs"]

    async def answer(self, work: Callable[[], Any]) -> None:
        """Do ``work`` in a thread and send its result; a :class:`TitoError` is the
        caller's to fix (or the service's state), sent as its one-line message."""
        try:
            result = await asyncio.to_thread(work)
        except TitoError as error:
            self.log.warning("%s %s: %s", self.request.method, self.request.path, error)
            self.reply({"message": str(error)}, status_of(error))
        else:
            self.reply(result)

    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value))


class CourseHandler(PanelHandler):
    """``GET course``: the facts the panel shows."""

    @web.authenticated
    async def get(self) -> None:
        await self.answer(self.course.facts)


class ModuleActionHandler(PanelHandler):
    """``POST modules/<id>/<action>``: fetch, test, export, submit or feedback."""

    @web.authenticated
    async def post(self, module_id: str, action: str) -> None:
        course = self.course
        await self.answer(lambda: getattr(course, action)(course.module(module_id)))


class MilestoneRunHandler(PanelHandler):
    """``POST milestones/<name>/run``: start it; ``GET ...?since=N``: its output after
    character N, and whether it is done and passed."""

    @web.authenticated
    async def post(self, name: str) -> None:
        await self.answer(lambda: {"run": self.runs.start(name)})

    @web.authenticated
    async def get(self, name: str) -> None:
        since = self.get_query_argument("since", "0")
        if not since.isdigit():
            self.reply({"message": "since must be a character offset (0 or more): send the "
                                   "offset of the previous answer"}, 400)
            return
        await self.answer(lambda: self.runs.output(name, int(since)))


def routes(base_url: str) -> list[tuple[str, type[PanelHandler]]]:
    """The panel's URLs under the server's ``base_url``."""
    api = url_path_join(base_url, "tinytorch", "api")
    return [(url_path_join(api, "course"), CourseHandler),
            (url_path_join(api, "modules", r"(?P<module_id>[^/]+)",
                           rf"(?P<action>{'|'.join(ACTIONS)})"), ModuleActionHandler),
            (url_path_join(api, "milestones", r"(?P<name>[^/]+)", "run"), MilestoneRunHandler)]
