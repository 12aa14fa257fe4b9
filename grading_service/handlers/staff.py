"""The instructors' and TAs' API: the course's pipeline, jobs, the class's grades.

Reading is for whoever may grade (TAs and instructors); starting work, previewing it,
the course's settings (due dates, late policy) and the "needs attention" view are for
instructors.
Everything slow (nbgrader's listings, the gradebook) runs in a thread, and the course
actions run in the job queue's worker processes, so the service keeps answering.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from grading_service.core import course_settings, dashboard, guards
from grading_service.core.attention import AttentionSignals
from grading_service.core.grades import GradeLog
from grading_service.core.jobs import JobQueue
from grading_service.handlers.base import GraderHandler
from tito.authoring.export import authored
from tito.grading.course_dir import CourseDir
from tito.grading.report import grade_rows, grades_text
from tito.manifest import Module


class StaffHandler(GraderHandler):
    """Base of the staff API: the course, its modules and the job queue."""

    @property
    def course_dir(self) -> CourseDir:
        return self.settings["grader_course_dir"]

    @property
    def jobs(self) -> JobQueue:
        return self.settings["grader_jobs"]

    @property
    def grade_log(self) -> GradeLog:
        return self.settings["grader_grade_log"]

    def require_manager(self, what: str) -> None:
        self.require(self.caller.can_manage, what)

    async def state(self, module: Module) -> guards.ModuleState:
        """``module``'s pipeline, student by student (:mod:`grading_service.core.guards`)."""
        changes = await asyncio.to_thread(self.grade_log.changes, module.id)
        return await asyncio.to_thread(guards.state_of, self.course_dir, module, changes)

    def queue(self, action: str, module: Module, options: dict) -> None:
        job = self.jobs.submit(action, module.id, self.caller.name, options)
        self.write_json(job.to_dict(), status=202)

    async def queue_feedback(self, module: Module, options: dict, choice: object) -> None:
        """Queue a feedback job, unless manual grading is pending for its students and the
        request did not choose to release anyway (409 saying what to do)."""
        if choice is not None and {"pending_manual": choice} != guards.RELEASE_ANYWAY:
            raise web.HTTPError(400, f"pending_manual must be "
                                     f"{guards.RELEASE_ANYWAY['pending_manual']!r}, not "
                                     f"{choice!r}")
        students = options.get("students") or []
        if options.get("release", True) and choice is None:  # a preview only makes pages
            refusal = guards.feedback_refusal(await self.state(module), students)
            if refusal:
                raise web.HTTPError(409, refusal)
        self.queue("feedback", module, options)

    def modules(self) -> list[Module]:
        return authored(self.course_dir.course, self.course_dir.modules_dir)

    def module(self, module_id: str) -> Module:
        found = [m for m in self.modules() if m.id == module_id]
        if not found:
            raise web.HTTPError(404, f"no module '{module_id}': the course's modules are "
                                     f"{', '.join(m.id for m in self.modules())}")
        return found[0]

    async def prepare(self) -> None:
        await super().prepare()
        if self.current_user is not None:
            self.require(self.caller.can_grade, "read the course's grading data")

    async def roster(self) -> list[str]:
        """The members of the hub's ``student`` group, asked with the service's token."""
        hub_auth = self.identity_provider.hub_auth
        answer = await AsyncHTTPClient().fetch(HTTPRequest(
            f"{hub_auth.api_url}/groups/student",
            headers={"Authorization": f"token {hub_auth.api_token}"}), raise_error=False)
        if answer.code != 200:
            self.log.warning("the hub did not list the student group (%s %s): the class "
                             "progress shows only students with work", answer.code,
                             answer.reason)
            return []
        return json.loads(answer.body)["users"]


class PipelineHandler(StaffHandler):
    """``GET api/course``: modules × pipeline state, and what the caller may do."""

    @web.authenticated
    async def get(self) -> None:
        manage = self.caller.can_manage
        changes = await asyncio.to_thread(self.grade_log.changes)
        rows = await asyncio.to_thread(dashboard.pipeline, self.course_dir, self.modules(),
                                       changes, manage)
        self.write_json({"modules": rows, "role": self.caller.role,
                         "late_policy": self.course_dir.course.late.describe(),
                         "actions": list(guards.GUARDED) if manage else []})


class ActionHandler(StaffHandler):
    """``POST api/modules/<module>/<action>``: queue a course action (instructors). A
    feedback job while manual grading is pending for its students is a 409, unless the
    body says ``"pending_manual": "release anyway"``."""

    @web.authenticated
    async def post(self, module_id: str, action: str) -> None:
        self.require_manager(f"{action} modules")
        module = self.module(module_id)
        options = self.body_json()
        if action == "feedback":
            await self.queue_feedback(module, options, options.pop("pending_manual", None))
        else:
            self.queue(action, module, options)


class FeedbackChangedHandler(StaffHandler):
    """``POST api/modules/<module>/feedback/changed``: release feedback again to the
    students whose grades changed since their feedback was released (instructors; the
    same pending-manual rule as feedback)."""

    @web.authenticated
    async def post(self, module_id: str) -> None:
        self.require_manager("release feedback")
        module = self.module(module_id)
        body = self.body_json()
        changed = sorted((await self.state(module)).out_of_date)
        if not changed:
            raise web.HTTPError(409, f"no released feedback on {module.id} is out of date: "
                                     "there is nothing to release again")
        await self.queue_feedback(module, {"students": changed}, body.get("pending_manual"))


class PreviewHandler(StaffHandler):
    """``GET api/modules/<module>/<action>/preview[?force=1]``: what the action would do
    now: whom it touches, what it replaces, any warning (instructors)."""

    @web.authenticated
    async def get(self, module_id: str, action: str) -> None:
        self.require_manager("preview course actions")
        module = self.module(module_id)
        if action not in guards.GUARDED:
            raise web.HTTPError(404, f"no action '{action}': the actions are "
                                     f"{', '.join(guards.GUARDED)}")
        state = await self.state(module)
        force = self.get_argument("force", "") in ("1", "true")
        self.write_json(guards.preview(state, action, force).to_dict())


class JobsHandler(StaffHandler):
    """``GET api/jobs``: the latest jobs, newest first."""

    @web.authenticated
    async def get(self) -> None:
        self.write_json({"jobs": [job.to_dict() for job in self.jobs.recent()]})


class JobHandler(StaffHandler):
    """``GET api/jobs/<id>``: one job with its progress and log."""

    @web.authenticated
    async def get(self, job_id: str) -> None:
        self.write_json(self.jobs.get(int(job_id)).to_dict())


class RetryHandler(StaffHandler):
    """``POST api/jobs/<id>/retry``: run a failed job again (instructors)."""

    @web.authenticated
    async def post(self, job_id: str) -> None:
        self.require(self.caller.can_manage, "retry jobs")
        self.write_json(self.jobs.retry(int(job_id), self.caller.name).to_dict(), status=202)


class ProgressHandler(StaffHandler):
    """``GET api/progress``: students × modules (score, submitted, late) and histograms."""

    @web.authenticated
    async def get(self) -> None:
        report = await asyncio.to_thread(dashboard.progress_report, self.course_dir,
                                         self.modules(), await self.roster())
        self.write_json(report)


class GradeChangesHandler(StaffHandler):
    """``GET api/grade-changes``: every score change made in formgrader, newest first: who,
    when, which cell of whose submission, before and after (``grading_service.core.grades``)."""

    @web.authenticated
    async def get(self) -> None:
        changes = await asyncio.to_thread(self.settings["grader_grade_log"].recent)
        self.write_json({"changes": changes})


class AttentionHandler(StaffHandler):
    """``GET api/attention``: students who may need help, each signal with its evidence
    (instructors; thresholds: ``c.AttentionSignals.*``)."""

    @web.authenticated
    async def get(self) -> None:
        self.require_manager("see the students who need attention")
        released = await asyncio.to_thread(self.course_dir.released)
        modules = [m for m in self.modules() if m.id in released]
        signals = AttentionSignals(parent=self.extensionapp)
        found = await asyncio.to_thread(signals.find, self.course_dir, modules,
                                        await self.roster(), datetime.now(UTC))
        self.write_json({"signals": [signal.to_dict() for signal in found]})


class CourseSettingsHandler(StaffHandler):
    """``GET api/course-settings``: due dates, the late policy and every change made to
    them (instructors)."""

    @web.authenticated
    async def get(self) -> None:
        self.require_manager("see the course's settings")
        self.write_json(await asyncio.to_thread(course_settings.settings, self.course_dir))


class DueDateHandler(StaffHandler):
    """``PUT api/due-dates/<module>`` ``{"due": "2026-12-20T23:59:00+00:00" | null}``:
    change a module's due date (instructors)."""

    @web.authenticated
    async def put(self, module_id: str) -> None:
        self.require_manager("change due dates")
        module = self.module(module_id)
        body = self.body_json()
        if "due" not in body:
            raise web.HTTPError(400, 'give the due date as {"due": "2026-12-20T23:59:00+00:00"}'
                                     ' (or null for none)')
        self.write_json(await asyncio.to_thread(course_settings.set_due, self.course_dir,
                                                module.id, body["due"], self.caller.name))


class LatePolicyHandler(StaffHandler):
    """``PUT api/late-policy`` ``{"kind": "none" | "zero" | "percent-per-day",
    "percent_per_day": 10}``: change the late policy (instructors)."""

    @web.authenticated
    async def put(self) -> None:
        self.require_manager("change the late policy")
        body = self.body_json()
        self.write_json(await asyncio.to_thread(
            course_settings.set_late_policy, self.course_dir, body.get("kind"),
            body.get("percent_per_day", 0), self.caller.name))


class GradesCsvHandler(StaffHandler):
    """``GET api/grades.csv``: one row per student × module with its status, for the
    registrar; ``?layout=wide``: one row per student, a status and total column per module."""

    @web.authenticated
    async def get(self) -> None:
        layout = self.get_query_argument("layout", "long")
        if layout not in ("long", "wide"):
            raise web.HTTPError(400, f"layout={layout!r}: use layout=long or layout=wide")
        rows = await asyncio.to_thread(grade_rows, self.course_dir, self.modules())
        self.set_header("Content-Disposition", 'attachment; filename="grades.csv"')
        self.finish(grades_text(rows, "csv", wide=layout == "wide"),
                    set_content_type="text/csv; charset=utf-8")


def staff_routes() -> list[tuple]:
    return [(r"/api/course", PipelineHandler),
            (r"/api/modules/([^/]+)/([a-z]+)", ActionHandler),
            (r"/api/modules/([^/]+)/feedback/changed", FeedbackChangedHandler),
            (r"/api/modules/([^/]+)/([a-z_]+)/preview", PreviewHandler),
            (r"/api/attention", AttentionHandler),
            (r"/api/course-settings", CourseSettingsHandler),
            (r"/api/due-dates/([^/]+)", DueDateHandler),
            (r"/api/late-policy", LatePolicyHandler),
            (r"/api/jobs", JobsHandler),
            (r"/api/jobs/(\d+)", JobHandler),
            (r"/api/jobs/(\d+)/retry", RetryHandler),
            (r"/api/progress", ProgressHandler),
            (r"/api/grades\.csv", GradesCsvHandler),
            (r"/api/grade-changes", GradeChangesHandler)]
