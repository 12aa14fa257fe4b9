"""The grading service as a Jupyter Server extension, run by the hub as a managed service.

``python -m grader_ext --state DIR`` starts a Jupyter Server with two extensions only:
JupyterHub's single-user extension (hub OAuth: every request carries a hub identity) and
this one. It runs no kernels or terminals for anyone; long work goes to the job queue's
worker processes, so the server always answers.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.extension.application import ExtensionApp, ExtensionAppJinjaMixin
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Unicode

from grader_ext.core.jobs import JobQueue
from grader_ext.core.submissions import SubmissionStore
from grader_ext.handlers import routes
from grader_ext.handlers.formgrader import formgrader_routes
from tito.course_dir import CourseDir

HERE = Path(__file__).resolve().parent


class NoCodeAuthorizer(Authorizer):
    """Nobody runs code or browses files in the grading service: Jupyter's kernels,
    sessions, contents and terminals APIs answer 403 to everyone."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return False


class GraderApp(ExtensionAppJinjaMixin, ExtensionApp):
    """The grading service: dashboard, job queue, student API, formgrader behind roles."""

    name = "grader_ext"
    extension_url = "/dashboard"
    load_other_extensions = False
    serverapp_config = {  # noqa: RUF012 (ExtensionApp's API is a class attribute)
        "jpserver_extensions": {"jupyterhub": True},
        "terminals_enabled": False,
        "authorizer_class": NoCodeAuthorizer,
        "allow_root": os.geteuid() == 0,
    }
    aliases = {"state": "GraderApp.state_dir"}  # noqa: RUF012
    static_paths = [str(HERE / "static")]  # noqa: RUF012 (the dashboard's script and styles)
    template_paths = [str(HERE / "templates")]  # noqa: RUF012

    state_dir = Unicode(help="Folder for the service's own files: the job database and "
                        "job logs.").tag(config=True)
    tick_interval = Float(0.5, help="Seconds between looks at the job queue.").tag(
        config=True)

    def initialize_settings(self) -> None:
        state = Path(self.state_dir or Path.cwd() / ".grader").resolve()
        state.mkdir(parents=True, exist_ok=True)
        course_dir = CourseDir.from_env()
        course_dir.init()
        self.jobs = JobQueue(state / "jobs.sqlite")
        self.jobs.recover()
        for unfinished in SubmissionStore(course_dir).remove_unfinished():
            self.log.warning("removed %s: a hand-in a crash stopped midway", unfinished)
        self.settings.update(grader_course_dir=course_dir, grader_jobs=self.jobs)

    def initialize_handlers(self) -> None:
        self.handlers.extend([*routes(), *formgrader_routes(self.serverapp)])

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        self._hub = os.getppid()
        self._ticker = PeriodicCallback(self._tick, self.tick_interval * 1000)
        self._ticker.start()

    def _tick(self) -> None:
        if os.getppid() != self._hub:  # the hub that manages this service is gone
            self.log.warning("the hub stopped; stopping the grading service")
            self._ticker.stop()
            self.serverapp.stop()
            return
        self.jobs.tick()

    async def stop_extension(self) -> None:
        self._ticker.stop()


main = GraderApp.launch_instance
