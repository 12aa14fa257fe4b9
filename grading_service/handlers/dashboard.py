"""The grading dashboard: one HTML page for instructors and TAs.

The page is a skeleton; its script (``static/dashboard.js``) fills it from the staff API
(``handlers/staff.py``) and starts actions there, so this handler only checks who may see
it.
"""

from __future__ import annotations

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerJinjaMixin, ExtensionHandlerMixin
from tornado import web

from grading_service.handlers.base import CallerMixin


class DashboardHandler(CallerMixin, ExtensionHandlerJinjaMixin, ExtensionHandlerMixin,
                       JupyterHandler):
    """``GET dashboard``: the page, for whoever may grade (students get 403)."""

    @web.authenticated
    async def get(self) -> None:
        self.require(self.caller.can_grade, "open the grading dashboard")
        self.finish(self.render_template("dashboard.html", caller=self.caller))


def dashboard_routes() -> list[tuple]:
    return [(r"/dashboard/?", DashboardHandler)]
