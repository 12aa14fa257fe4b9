"""nbgrader's formgrader inside the grading service, behind the course's roles.

Formgrader itself trusts anyone who reaches it. Here every one of its routes, static
files included, goes through :class:`RoleGate`: reading and entering manual grades
(grades, comments, flags) need the grade scope (TAs, instructors), everything else it
changes needs the manage scope (instructors), and students reach none of it. Three of its
handlers are replaced: its home page (nbgrader's re-initialises formgrader on any folder
named by ``?path=``, running that folder's ``nbgrader_config.py``), its submission files
(a ``StaticFileHandler`` on the whole course directory) and its grade writes (unbounded,
any cell, anyone). Submissions render through :class:`~tito.grading.inert.InertHTMLExporter`.
Its long actions (generate, release, collect, autograde, feedback), synchronous in
nbgrader, become jobs in the service's queue: formgrader's buttons keep working, and the
service keeps answering while they run.

Every page gets the service's staff script (``tito/grading/templates/formgrader/staff.js``):
formgrader's notebook links go to :class:`NotebookPage` (the instructor's and the students'
version of a module, rendered inert) and its error dialogs show the server's message. A
teaching assistant's pages have no control for what only instructors do: their own
templates drop those columns, the script drops them from each row, and the submission
page shows autograded scores read-only. A refusal says which role may and who to ask.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.serverapp import ServerApp
from nbgrader.api import Grade, MissingEntry
from nbgrader.server_extensions.formgrader import apihandlers, handlers
from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
from tornado import web

from grading_service.core import grades, guards
from grading_service.core.files import INLINE_TYPES, confined
from grading_service.core.jobs import JobQueue
from grading_service.handlers.base import CallerMixin
from tito.errors import NotFound, TitoError
from tito.grading.inert import (
    TEMPLATES,
    InertHTMLExporter,
    InlineCode,
    content_security_policy,
    is_safe_id,
)

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

# tito's formgrader pages: the staff script, and a TA's versions of nbgrader's pages
# (``teaching-assistant/<page>.tpl``, each extending nbgrader's).
FORMGRADER_TEMPLATES = TEMPLATES / "formgrader"
STAFF_SCRIPT = (FORMGRADER_TEMPLATES / "staff.js").read_text(encoding="utf-8")
TA_PAGES = frozenset(page.name for page in (FORMGRADER_TEMPLATES / "teaching-assistant").glob(
    "*.tpl"))
INSTRUCTOR = "instructor"
NOTEBOOK_PAGES = "/formgrader/tinytorch/notebook/"  # + source|release/<module>


REFUSED_ARGUMENTS = ("path",)  # nbgrader re-initialises formgrader on another course
# Query arguments formgrader reads; their values are ids like its path arguments.
ID_ARGUMENTS = ("submission_id", "index")


class RoleGate(CallerMixin):
    """Mixed into every formgrader handler: staff only, writes by role, ids checked, no
    request choosing formgrader's course, and a Content-Security-Policy that allows the
    page's own inline scripts only."""

    check_ids = True  # off for routes whose argument is a file path

    async def prepare(self) -> None:
        refused = [name for name in REFUSED_ARGUMENTS if name in self.request.arguments]
        if refused:
            self.log.warning("refused %s %s from %s: formgrader's course is fixed at start",
                             self.request.method, self.request.uri, self.request.remote_ip)
            self._refuse(f"formgrader takes no {refused[0]!r} argument: its course and "
                         "configuration are fixed when it starts")
            return
        await super().prepare()
        if self.current_user is None:
            return  # formgrader's @web.authenticated sends them to log in
        self.require_role(self.caller.can_grade, "formgrader",
                          "a teaching assistant or instructor")
        if self.request.method not in ("GET", "HEAD") and (
                (self._formgrader_class, self.request.method) not in GRADING_WRITES):
            self.require_role(self.caller.can_manage, _doing(self._formgrader_class),
                              INSTRUCTOR)
        ids = [self.get_query_argument(name) for name in ID_ARGUMENTS
               if name in self.request.query_arguments]
        if self.check_ids:
            ids += [*self.path_args, *self.path_kwargs.values()]
        bad = [value for value in ids if value is not None and not is_safe_id(value)]
        if bad:
            self._refuse(f"{bad[0]!r} is not an id: ids are letters, digits, '.', '_' and '-'")

    def require_role(self, allowed: bool, what: str, role: str) -> None:
        """403 unless ``allowed``: ``what`` needs ``role``; says the caller's role and, for
        an instructor's action, to ask the instructor."""
        if not allowed:
            theirs = {"ta": "a teaching assistant", "student": "a student"}.get(
                self.caller.role, self.caller.role)
            ask = "; ask the instructor to do it" if role == INSTRUCTOR else ""
            raise web.HTTPError(403, f"{what} needs the role of {role}: {self.caller.name} "
                                f"is {theirs}{ask}")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A refusal or a bad request says why, in one line (formgrader's pages and its
        error dialogs show it): JSON ``{"message"}`` to its API, text to its pages.
        Other errors keep formgrader's pages."""
        error = kwargs.get("exc_info", (None, None))[1]
        if status_code not in (400, 403) or not isinstance(error, web.HTTPError):
            super().write_error(status_code, **kwargs)
            return
        message = error.log_message or self._reason
        if "/formgrader/api/" in self.request.path:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"message": message}))
        else:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(message)

    def _refuse(self, message: str) -> None:
        """Answer 400 with ``message`` as plain text (nbgrader's error pages need a page
        context this request does not get to), ending the request."""
        self.set_status(400)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message)

    def allow_inline(self, inline: InlineCode) -> None:
        """Let this page run ``inline``, its template's own inline code (and nothing
        else inline)."""
        self.set_header("Content-Security-Policy", content_security_policy(inline))

    def staff_script(self) -> str:
        """The staff script for this caller's role, as an inline ``<script>``."""
        settings = {"role": self.caller.role,
                    "notebooks": f"{self.base_url.rstrip('/')}{NOTEBOOK_PAGES}"}
        # json.dumps escapes no "</": the values are the role and the service's own URL.
        return (f"<script>\nvar tinytorch_staff = {json.dumps(settings)};\n"
                f"{STAFF_SCRIPT}</script>")

    def render(self, name: str, **namespace: Any) -> str:
        """nbgrader's page ``name`` (a TA's version of it when there is one), with the
        staff script. Its templates hold no student content (their arguments are checked
        ids and the server's settings; students' data reaches these pages through the JSON
        API), so their inline scripts are the template's and the service's."""
        if not self.caller.can_manage and name in TA_PAGES:
            name = f"teaching-assistant/{name}"
        html = super().render(name, **namespace).replace(
            "</head>", f"{self.staff_script()}\n</head>", 1)
        self.allow_inline(InlineCode.of(html))
        return html


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
            if self.kind == "feedback" and options.get("release", True):
                await asyncio.to_thread(self.check_no_manual_pending, assignment_id,
                                        [student_id] if student_id else [])
            job = self.jobs.submit(self.kind, assignment_id, self.caller.name, options)
        except TitoError as error:
            self.finish(json.dumps({"success": False, "log": "", "error": str(error)}))
            return
        while not job.finished:
            await asyncio.sleep(JOB_POLL_SECONDS)
            job = self.jobs.get(job.id)
        self.finish(json.dumps({"success": job.state == "succeeded",
                                "log": "\n".join(job.log), "error": job.error or ""}))


    def check_no_manual_pending(self, module_id: str, students: list[str]) -> None:
        """Refuse feedback while manual grading is pending for its students: formgrader's
        buttons cannot offer the dashboard's explicit "release anyway"."""
        course_dir = self.settings["grader_course_dir"]
        module = course_dir.course.module(module_id)
        refusal = guards.feedback_refusal(guards.state_of(course_dir, module, ()), students,
                                          fix=guards.FROM_THE_DASHBOARD)
        if refusal:
            raise TitoError(refusal)


class FormgraderHome(RoleGate, handlers.BaseHandler):
    """``GET formgrader``: to the assignments page, and nothing else (nbgrader's handler
    here re-initialises formgrader from ``?path=``)."""

    @web.authenticated
    def get(self) -> None:
        self.redirect(f"{self.base_url}/formgrader/manage_assignments")


class _InlineRecorder:
    """Formgrader's exporter as its submission page calls it, handing the page's own inline
    code (found by :class:`InertHTMLExporter`) to the page's policy."""

    def __init__(self, exporter: InertHTMLExporter, page: RoleGate) -> None:
        self.exporter, self.page = exporter, page

    def from_filename(self, filename: str, resources: dict | None = None,
                      **kw: Any) -> tuple[str, dict]:
        resources = {**(resources or {}), "staff_role": self.page.caller.role,
                     "staff_script": self.page.staff_script()}
        html, resources = self.exporter.from_filename(filename, resources=resources, **kw)
        self.page.allow_inline(resources["inline_code"])
        return html, resources


class SubmissionPage(RoleGate, handlers.SubmissionHandler):
    """``GET formgrader/submissions/<id>/``: a submission to grade, rendered inert."""

    @property
    def exporter(self) -> _InlineRecorder:
        return _InlineRecorder(self.settings["nbgrader_exporter"], self)


class NotebookPage(RoleGate, handlers.BaseHandler):
    """``GET formgrader/tinytorch/notebook/<source|release>/<module>``: the instructor's
    notebook of a module or the version students get, rendered inert (where formgrader's
    assignment names and "Preview" link)."""

    @web.authenticated
    def get(self, version: str, module_id: str) -> None:
        folder = {"source": self.coursedir.source_directory,
                  "release": self.coursedir.release_directory}[version]
        path = Path(self.coursedir.format_path(folder, ".", module_id)) / f"{module_id}.ipynb"
        if not path.is_file():
            what = "instructor notebook" if version == "source" else "student version"
            raise web.HTTPError(404, f"{module_id} has no {what} yet: generate it from the "
                                "dashboard")
        html, resources = self.settings["tinytorch_notebook_exporter"].from_filename(str(path))
        self.allow_inline(resources["inline_code"])
        self.finish(html)


# A file of a hand-in is never a page of the service: no script, no plugin, no form, in a
# sandbox of its own origin even when opened directly.
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


class SubmissionFiles(RoleGate, handlers.BaseHandler):
    """``GET formgrader/submissions/<id>/<path>``: a file of that submission's graded folder
    (a notebook's figures), never a file outside it."""

    check_ids = False

    @web.authenticated
    def get(self, url_path: str) -> None:
        submission_id, _, relative = url_path.partition("/")
        if not is_safe_id(submission_id):
            raise web.HTTPError(400, f"{submission_id!r} is not a submission id")
        try:
            submission = self.gradebook.find_submission_notebook_by_id(submission_id)
        except MissingEntry:
            raise web.HTTPError(404, f"no submission {submission_id}") from None
        folder = Path(self.coursedir.format_path(self.coursedir.autograded_directory,
                                                 submission.student.id,
                                                 submission.assignment.assignment.name))
        try:
            path = confined(folder, relative)
        except NotFound as error:
            raise web.HTTPError(404, str(error)) from None
        self.set_header("Content-Security-Policy", FILE_POLICY)
        media = INLINE_TYPES.get(path.suffix.lower())
        if media is None:
            self.set_header("Content-Disposition", f'attachment; filename="{path.name}"')
        self.set_header("Content-Type", media or "application/octet-stream")
        self.finish(path.read_bytes())


class StaffAsset(RoleGate, JupyterHandler, web.StaticFileHandler):
    """Formgrader's own scripts, styles and fonts, for staff like the rest of formgrader
    (students have no page that uses them)."""

    check_ids = False

    @web.authenticated
    async def get(self, path: str, include_body: bool = True) -> None:
        await super().get(path, include_body)


class GradeUpdate(RoleGate, apihandlers.GradeHandler):
    """``PUT formgrader/api/grade/<id>``: a cell's manual score and extra credit, within
    the cell's points and the caller's role, recorded (``grading_service.core.grades``)."""

    @web.authenticated
    def put(self, grade_id: str) -> None:
        try:
            grade = self.gradebook.find_grade_by_id(grade_id)
        except MissingEntry:
            raise web.HTTPError(404, f"no grade {grade_id}") from None
        body = self.get_json_body() or {}
        try:
            if not isinstance(body, dict):
                raise TitoError("a grade is a JSON object: manual_score, extra_credit")
            change = grades.review(_cell_grade(grade), body,
                                   may_override=self.caller.can_manage)
        except TitoError as error:
            self.set_status(403 if isinstance(error, grades.NotYours) else 400)
            self.finish(json.dumps({"error": str(error)}))
            return
        self.settings["grader_grade_log"].record(change, self.caller.name)
        grade.manual_score, grade.extra_credit = change.manual_score, change.extra_credit
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        self.gradebook.db.commit()
        self.finish(json.dumps(grade.to_dict()))


# What each job does, as a refusal names it.
JOB_NAMES = {"generate": "generating a module's student version",
             "release": "releasing modules", "collect": "collecting submissions",
             "autograde": "autograding", "feedback": "generating and releasing feedback"}


def _doing(handler: type) -> str:
    """What a formgrader write does, as a refusal names it."""
    if handler in JOB_ACTIONS:
        return JOB_NAMES[JOB_ACTIONS[handler][0]]
    if handler is apihandlers.GradeHandler:
        return "changing an autograded score"
    return "changing the course (assignments, students)"


def _cell_grade(grade: Grade) -> grades.CellGrade:
    return grades.CellGrade(
        id=grade.id, student=grade.student.id, module=grade.assignment.name,
        notebook=grade.notebook.name, cell=grade.name, max_score=grade.max_score,
        auto_score=grade.auto_score, manual_score=grade.manual_score,
        extra_credit=grade.extra_credit)


# nbgrader's handlers that are replaced, not only gated.
REPLACED: dict[type, type] = {
    handlers.FormgraderHandler: FormgraderHome, handlers.SubmissionHandler: SubmissionPage,
    handlers.SubmissionFilesHandler: SubmissionFiles, apihandlers.GradeHandler: GradeUpdate,
    web.StaticFileHandler: StaffAsset}


def _gated(handler: type) -> type:
    """``handler`` behind :class:`RoleGate`: a job, a replacement, or the handler gated."""
    if handler in JOB_ACTIONS:
        kind, options = JOB_ACTIONS[handler]
        return type(handler.__name__, (JobAction,),
                    {"kind": kind, "options": options, "_formgrader_class": handler})
    gated = REPLACED.get(handler) or (
        handler if issubclass(handler, RoleGate)  # the service's own formgrader pages
        else type(handler.__name__, (RoleGate, handler), {}))
    # Checked here so that the service does not start with a route that slipped through.
    if not issubclass(gated, RoleGate):
        raise TypeError(f"{handler.__name__} replaces a formgrader handler without its gate")
    if issubclass(gated, web.StaticFileHandler) and gated is not StaffAsset:
        raise TypeError(f"{handler.__name__} serves files with no confinement: replace it")
    return type(handler.__name__, (gated,), {"_formgrader_class": handler})


def formgrader_routes(serverapp: ServerApp) -> list[tuple]:
    """Formgrader's routes with every handler gated, its settings installed on the
    server (the course directory is the server's root and working directory)."""
    formgrader = FormgradeExtension(parent=serverapp)
    formgrader.root_dir = serverapp.root_dir
    formgrader.log = serverapp.log
    formgrader.debug = False  # its page would show TAs the whole configuration
    formgrader.initialize([])
    formgrader.init_tornado_settings(serverapp.web_app)
    settings = serverapp.web_app.settings
    settings["nbgrader_exporter"] = InertHTMLExporter(config=formgrader.config)
    settings["tinytorch_notebook_exporter"] = InertHTMLExporter()
    environment: Environment = settings["nbgrader_jinja2_env"]
    # nbgrader's pages put their arguments into HTML and scripts: escape what they print.
    environment.autoescape = True
    environment.loader = ChoiceLoader([environment.loader,
                                       FileSystemLoader(str(FORMGRADER_TEMPLATES))])
    routes = [*handlers.default_handlers, *apihandlers.default_handlers,
              (rf"{NOTEBOOK_PAGES}(source|release)/([^/]+)", NotebookPage),
              (r"/formgrader/static/(.*)", web.StaticFileHandler,
               {"path": handlers.static_path}),
              (r"/formgrader/.*", handlers.Template404)]
    return [(pattern, _gated(handler), *rest) for pattern, handler, *rest in routes]
