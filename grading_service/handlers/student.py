"""The students' API: released modules, their own submissions and feedback.

Who the student is comes only from the request's hub token or cookie (``self.caller``).
Staff (TAs and instructors) read a student's work with ``?student=<name>``; a student
asking for anyone else is refused (403, whether that student exists or not). A hand-in
names nobody: a body or query that tries to is refused, never quietly ignored.
Files travel as base64 in JSON, by their path relative to the module's folder.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tornado import web

from grading_service.core.submissions import Submission, SubmissionStore, too_large
from grading_service.handlers.base import GraderHandler
from tito.errors import TitoError

MODULE = r"(?P<module_id>[^/]+)"


def encode(paths: dict[str, Path]) -> dict[str, str]:
    return {name: base64.b64encode(path.read_bytes()).decode("ascii")
            for name, path in paths.items()}


def decode(files: object) -> dict[str, bytes]:
    """A request's ``files`` (relative name → base64) as bytes, or what is wrong with it."""
    if not isinstance(files, dict):
        raise TitoError('"files" must be an object mapping relative file names to their '
                        "base64-encoded content")
    decoded = {}
    for name, content in files.items():
        try:
            decoded[name] = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise TitoError(f"the content of {name!r} is not base64: encode each file's "
                            "bytes with base64") from None
    return decoded


class StudentHandler(GraderHandler):
    """Base of the students' endpoints: the store, and whose work a request is about."""

    @property
    def store(self) -> SubmissionStore:
        """The exchange, with the limits of the service's configuration."""
        return SubmissionStore(self.settings["grader_course_dir"], parent=self.extensionapp)

    def whose(self) -> str:
        """The student a read is about: the caller, or ``?student=`` for staff."""
        asked = self.get_query_argument("student", self.caller.name)
        if asked != self.caller.name:
            self.require(self.caller.can_grade, f"read {asked}'s work")
        return asked

    async def answer(self, view: Callable[[], Any], status: int = 200) -> None:
        """Compute ``view`` (file work) in a thread, so the service keeps answering, and
        send it as JSON."""
        self.write_json(await asyncio.to_thread(view), status)


class AssignmentsHandler(StudentHandler):
    """``GET api/assignments``: the released modules with the student's hand-ins."""

    @web.authenticated
    async def get(self) -> None:
        student = self.whose()
        await self.answer(lambda: {"student": student,
                                   "assignments": self.store.overview(student)})


class ReleaseHandler(StudentHandler):
    """``GET api/assignments/<module>/release``: the module's released files."""

    @web.authenticated
    async def get(self, module_id: str) -> None:
        await self.answer(lambda: {"module": module_id,
                                   "files": encode(self.store.release_paths(module_id))})


@web.stream_request_body
class SubmissionsHandler(StudentHandler):
    """``GET``: the student's hand-ins of a module; ``POST`` ``{"files": {...}}``: hand in.

    The body streams in (tornado reads it only after :meth:`prepare`): a hand-in too large
    for the store's limits is refused (413) from its headers, before any of it is read,
    and no body grows past that size in memory.
    """

    async def prepare(self) -> None:
        await super().prepare()
        self._chunks: list[bytes] = []
        store = self.store
        limit = store.max_request_bytes
        # Past this, tornado stops reading and closes the connection (a chunked body).
        self.request.connection.set_max_body_size(limit)
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large(self.path_kwargs["module_id"], int(declared), " as sent (base64 "
                            "in JSON)", store.max_bytes)

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    @web.authenticated
    async def get(self, module_id: str) -> None:
        student = self.whose()
        await self.answer(lambda: {
            "module": module_id, "student": student,
            "submissions": [self.store.describe(s)
                            for s in self.store.history(student, module_id)]})

    @web.authenticated
    async def post(self, module_id: str) -> None:
        files = decode(self.submitted_files())
        self.require(self.caller.can_manage or not self.caller.can_grade,
                     "hand in work (TAs read submissions and enter grades)")
        student = self.caller.name
        await self.answer(lambda: self.receipt(self.store.submit(student, module_id, files)),
                          status=201)

    def submitted_files(self) -> object:
        """The body's ``files``; a request that names a student or anything else is refused:
        the hub token alone says who hands in."""
        if "student" in self.request.arguments:
            raise TitoError("a submission takes no 'student' parameter: the service knows "
                            "who you are from your hub token; remove it")
        self.request.body = b"".join(self._chunks)
        body = self.body_json()
        extra = sorted(map(repr, set(body) - {"files"}))
        if extra:
            raise TitoError(f"a submission holds only \"files\", not {', '.join(extra)}: the "
                            "service knows who you are from your hub token; remove them")
        return body.get("files")

    @staticmethod
    def receipt(submission: Submission) -> dict[str, str]:
        return {"module": submission.module_id, "student": submission.student,
                "timestamp": submission.timestamp}


class SubmissionHandler(StudentHandler):
    """``GET api/assignments/<module>/submissions/<timestamp>``: one hand-in's files."""

    @web.authenticated
    async def get(self, module_id: str, timestamp: str) -> None:
        student = self.whose()
        await self.answer(lambda: {
            "module": module_id, "student": student, "timestamp": timestamp,
            "files": encode(self.store.submission(student, module_id, timestamp).paths())})


class FeedbackHandler(StudentHandler):
    """``GET api/assignments/<module>/feedback``: released feedback, per hand-in."""

    @web.authenticated
    async def get(self, module_id: str) -> None:
        student = self.whose()
        await self.answer(lambda: {
            "feedback": [{"timestamp": submission.timestamp, "files": encode(files)}
                         for submission, files in self.store.feedback(student, module_id)]})


def student_routes() -> list[tuple]:
    """The students' URLs (relative to the service's base URL)."""
    return [(r"/api/assignments", AssignmentsHandler),
            (rf"/api/assignments/{MODULE}/release", ReleaseHandler),
            (rf"/api/assignments/{MODULE}/submissions", SubmissionsHandler),
            (rf"/api/assignments/{MODULE}/submissions/(?P<timestamp>[^/]+)",
             SubmissionHandler),
            (rf"/api/assignments/{MODULE}/feedback", FeedbackHandler)]
