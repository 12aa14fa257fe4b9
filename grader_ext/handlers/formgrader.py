"""nbgrader's formgrader inside the grading service, behind the course's roles.

Formgrader itself trusts anyone who reaches it. Here each of its handlers is gated:
reading and entering manual grades (grades, comments, flags) need the grade scope
(TAs, instructors), everything else it changes needs the manage scope (instructors),
and students reach none of it. Its long actions (generate, release, collect, autograde,
feedback), synchronous in nbgrader, become jobs in the service's queue: formgrader's
buttons keep working, and the service keeps answering while they run.
"""

from __future__ import annotations

import asyncio
import json

from jupyter_server.serverapp import ServerApp
from nbgrader.server_extensions.formgrader import apihandlers, handlers
from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
from tornado import web

from grader_ext.core.jobs import JobQueue
from grader_ext.handlers.base import CallerMixin
from tito.errors import TitoError

# Formgrader writes that are manual grading, which TAs may do.
GRADING_WRITES = {(apihandlers.GradeHandler, "PUT"), (apihandlers.CommentHandler, "PUT"),
                  (apihandlers.FlagSubmissionHandler, "POST")}
# Formgrader's long actions → the job (kind, options) that does the same work: its
# autograde button grades again what is graded; its "generate feedback" is a preview
# that students do not get until "release feedback".
JOB_ACTIONS: dict[type, tuple[str, dict[str, object]]] = {
    apihandlers.AssignHandler: ("generate", {}), apihandlers.ReleaseHandler: ("release", {}),
    apihandlers.CollectHandler: ("collect", {}),
    apihandlers.AutogradeHandler: ("autograde", {"force": True}),
    apihandlers.GenerateAllFeedbackHandler: ("feedback", {"release": False}),
    apihandlers.GenerateFeedbackHandler: ("feedback", {"release": False}),
    apihandlers.ReleaseAllFeedbackHandler: ("feedback", {}),
    apihandlers.ReleaseFeedbackHandler: ("feedback", {})}
JOB_POLL_SECONDS = 0.5


class RoleGate(CallerMixin):
    """Mixed into every formgrader handler: staff only, writes by role."""

    async def prepare(self) -> None:
        await super().prepare()
        if self.current_user is None:
            return  # formgrader's @web.authenticated sends them to log in
        self.require(self.caller.can_grade, "use formgrader")
        if self.request.method not in ("GET", "HEAD") and (
                (self._formgrader_class, self.request.method) not in GRADING_WRITES):
            self.require(self.caller.can_manage, "change the course in formgrader")


class JobAction(RoleGate, apihandlers.BaseApiHandler):
    """A formgrader action run as a job; answers as formgrader expects
    (``{success, log, error}``) once the job is done."""

    kind = ""
    options: dict[str, object] = {}  # noqa: RUF012 (set per formgrader handler by _gated)

    @property
    def jobs(self) -> JobQueue:
        return self.settings["grader_jobs"]

    @web.authenticated
    async def post(self, assignment_id: str, student_id: str | None = None) -> None:
        options = {**self.options, **({"students": [student_id]} if student_id else {})}
        try:
            job = self.jobs.submit(self.kind, assignment_id, self.caller.name, options)
        except TitoError as error:
            self.finish(json.dumps({"success": False, "log": "", "error": str(error)}))
            return
        while not job.finished:
            await asyncio.sleep(JOB_POLL_SECONDS)
            job = self.jobs.get(job.id)
        self.finish(json.dumps({"success": job.state == "succeeded",
                                "log": "\n".join(job.log), "error": job.error or ""}))


def _gated(handler: type) -> type:
    if handler in JOB_ACTIONS:
        kind, options = JOB_ACTIONS[handler]
        return type(handler.__name__, (JobAction,),
                    {"kind": kind, "options": options, "_formgrader_class": handler})
    if issubclass(handler, web.StaticFileHandler):
        return handler  # formgrader's own scripts, styles and fonts
    return type(handler.__name__, (RoleGate, handler), {"_formgrader_class": handler})


def formgrader_routes(serverapp: ServerApp) -> list[tuple]:
    """Formgrader's routes with every handler gated, its settings installed on the
    server (the course directory is the server's root and working directory)."""
    formgrader = FormgradeExtension(parent=serverapp)
    formgrader.root_dir = serverapp.root_dir
    formgrader.log = serverapp.log
    formgrader.initialize([])
    formgrader.init_tornado_settings(serverapp.web_app)
    routes = [*handlers.default_handlers, *apihandlers.default_handlers,
              (r"/formgrader/static/(.*)", web.StaticFileHandler,
               {"path": handlers.static_path}),
              (r"/formgrader/.*", handlers.Template404)]
    return [(pattern, _gated(handler), *rest) for pattern, handler, *rest in routes]
