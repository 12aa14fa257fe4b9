"""The panel's settings (``c.CoursePanel.*``) and its loading into a Jupyter server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traitlets import Unicode
from traitlets.config import LoggingConfigurable

from tito.manifest import load_course
from tito.panel.course import StudentCourse
from tito.panel.handlers import routes
from tito.panel.runs import MilestoneRuns
from tito.panel.service import GradingService
from tito.project import Paths
from tito.student.workspace import Workspace


class CoursePanel(LoggingConfigurable):
    """Settings of the student's panel. In a hub lab, ``hub_config/student/`` sets them
    from the lab's environment; on a laptop the grading service's are empty (no hub) and
    the course's places come from tito's (``TITO_WORKSPACE``, ``TITO_EXCHANGE``, ...)."""

    grader_url = Unicode("", help="The hub's grading service as the lab reaches it, ending "
                         "in /services/<name>/; empty: no hub (a laptop), the exchange is "
                         "the filesystem's.").tag(config=True)
    api_token = Unicode("", help="The lab's hub token, which says to the grading service "
                        "who the student is.").tag(config=True)
    hub_api_url = Unicode("", help="The hub's API as the lab reaches it (JupyterHub gives "
                          "labs JUPYTERHUB_API_URL): who the lab's owner is, in which "
                          "groups.").tag(config=True)
    dashboard_url = Unicode("", help="The grading dashboard's address, linked for "
                            "instructors and TAs.").tag(config=True)
    formgrader_url = Unicode("", help="Formgrader's address, linked for instructors and "
                             "TAs.").tag(config=True)
    workspace = Unicode("", help="The student's tito workspace (the lab's root); empty: "
                        "tito's (TITO_WORKSPACE).").tag(config=True)

    def student_course(self, paths: Paths) -> StudentCourse:
        """The course this lab's panel serves, for the workspace and course of ``paths``
        unless set here."""
        workspace = Workspace(Path(self.workspace) if self.workspace else paths.workspace,
                              load_course(paths.course_toml))
        service = (GradingService(self.grader_url, self.api_token, self.hub_api_url)
                   if self.grader_url else None)
        links = {"dashboard": self.dashboard_url, "formgrader": self.formgrader_url}
        return StudentCourse(workspace, paths, service, links)


def load(serverapp: Any) -> None:
    """Add the panel's API to ``serverapp``. The lab's environment is read here, once: a
    server extension's loading is the lab's entry point."""
    course = CoursePanel(parent=serverapp).student_course(Paths.from_env())
    serverapp.web_app.settings.update({"tinytorch_course": course,
                                       "tinytorch_runs": MilestoneRuns(course.workspace)})
    serverapp.web_app.add_handlers(".*$", routes(serverapp.base_url))
    serverapp.log.info("TinyTorch panel: %s, workspace %s", course.exchange_kind,
                       course.workspace.root)
