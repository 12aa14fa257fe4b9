"""The grading service as a Jupyter Server extension, run by the hub as a managed service.

``python -m grading_service --state DIR`` starts a Jupyter Server with two extensions only:
JupyterHub's single-user extension (hub OAuth: every request carries a hub identity) and
this one. It runs no kernels or terminals for anyone and starts no processes: long work is
queued for the job runner (:mod:`grading_service.core.runner`), so the server always answers
and needs no rights beyond its own files (the hub runs it as an unprivileged user).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.extension.application import ExtensionApp, ExtensionAppJinjaMixin
from traitlets import Unicode

from grading_service.core.grades import GradeLog
from grading_service.core.jobs import JobQueue
from grading_service.core.submissions import SubmissionStore
from grading_service.handlers import routes
from grading_service.handlers.formgrader import formgrader_routes
from grading_service.web import harden
from tito.grading.course_dir import CourseDir

RESOURCES = files("grading_service")  # the dashboard's templates and static files


class NoCodeAuthorizer(Authorizer):
    """Nobody runs code or browses files in the grading service: Jupyter's kernels,
    sessions, contents and terminals APIs answer 403 to everyone."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return False


class GraderApp(ExtensionAppJinjaMixin, ExtensionApp):
    """The grading service: dashboard, job queue, student API, formgrader behind roles."""

    name = "grading_service"
    extension_url = "/dashboard"
    load_other_extensions = False
    serverapp_config = {  # noqa: RUF012 (ExtensionApp's API is a class attribute)
        "jpserver_extensions": {"jupyterhub": True},
        "terminals_enabled": False,
        "authorizer_class": NoCodeAuthorizer,
        "allow_root": os.geteuid() == 0,
    }
    aliases = {"state": "GraderApp.state_dir"}  # noqa: RUF012
    static_paths = [str(RESOURCES / "static")]  # noqa: RUF012 (the dashboard's script and styles)
    template_paths = [str(RESOURCES / "templates")]  # noqa: RUF012

    state_dir = Unicode(help="Folder for the service's own files: the job database."
                        ).tag(config=True)

    def initialize_settings(self) -> None:
        state = Path(self.state_dir or Path.cwd() / ".grader").resolve()
        state.mkdir(parents=True, exist_ok=True)
        course_dir = CourseDir.from_env()
        self.jobs = JobQueue(state / "jobs.sqlite", course_dir.course)
        for unfinished in SubmissionStore(course_dir).remove_unfinished():
            self.log.warning("removed %s: a hand-in a crash stopped midway", unfinished)
        self.settings.update(grader_course_dir=course_dir, grader_jobs=self.jobs,
                             grader_grade_log=GradeLog(state / "grade_changes.sqlite"))
        harden(self.serverapp)

    def initialize_handlers(self) -> None:
        self.handlers.extend([*routes(), *formgrader_routes(self.serverapp)])


main = GraderApp.launch_instance
