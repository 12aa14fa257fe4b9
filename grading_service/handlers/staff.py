"""The instructors' and TAs' API: the course's pipeline, jobs, the class's grades.

Reading is for whoever may grade (TAs and instructors); starting work is for instructors.
Everything slow (nbgrader's listings, the gradebook) runs in a thread, and the course
actions run in the job queue's worker processes, so the service keeps answering.
"""

from __future__ import annotations

import asyncio
import json

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from grading_service.core import dashboard
from grading_service.core.jobs import JobQueue
from grading_service.handlers.base import GraderHandler
from tito.authoring.export import authored
from tito.grading.actions import ACTIONS
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
        rows = await asyncio.to_thread(dashboard.pipeline, self.course_dir, self.modules())
        self.write_json({"modules": rows, "role": self.caller.role,
                         "actions": list(ACTIONS) if self.caller.can_manage else []})


class ActionHandler(StaffHandler):
    """``POST api/modules/<module>/<action>``: queue a course action (instructors)."""

    @web.authenticated
    async def post(self, module_id: str, action: str) -> None:
        self.require(self.caller.can_manage, f"{action} modules")
        module = self.module(module_id)
        job = self.jobs.submit(action, module.id, self.caller.name, self.body_json())
        self.write_json(job.to_dict(), status=202)


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
            (r"/api/jobs", JobsHandler),
            (r"/api/jobs/(\d+)", JobHandler),
            (r"/api/jobs/(\d+)/retry", RetryHandler),
            (r"/api/progress", ProgressHandler),
            (r"/api/grades\.csv", GradesCsvHandler),
            (r"/api/grade-changes", GradeChangesHandler)]
