"""nbgrader's exchange, student side, over the grading service's API: fetch, submit, list
and feedback identify the student by the lab's hub token (:mod:`grading_service.lab_exchange.hub`).

Every lab in the hub loads it through its read-only ``nbgrader_config.py``
(``hub_config/student/``), which nbgrader's Assignments tab and ``tito`` both read.
"""

from pathlib import Path

from traitlets.config import Config

from grading_service.lab_exchange.hub import (
    HubCollect,
    HubFetchAssignment,
    HubFetchFeedback,
    HubList,
    HubReleaseAssignment,
    HubReleaseFeedback,
    HubSubmit,
)
from tito.exchange import COURSE_ID


def hub_exchange_config(config: Config, grader_url: str, api_token: str,
                        workspace: Path | None, course_toml: Path) -> Config:
    """nbgrader settings of a student's lab: the course, and every exchange action done by
    the grading service at ``grader_url`` as the owner of the lab's ``api_token``
    (releasing and collecting are refused: instructors do those); modules live in the
    student's ``workspace`` as the manifest ``course_toml`` names their folders."""
    config.CourseDirectory.course_id = COURSE_ID
    config.HubExchange.grader_url = grader_url
    config.HubExchange.api_token = api_token
    config.HubExchange.workspace = str(workspace or "")
    config.HubExchange.course_toml = str(course_toml)
    factory = config.ExchangeFactory
    factory.fetch_assignment = HubFetchAssignment
    factory.submit = HubSubmit
    factory.list = HubList
    factory.fetch_feedback = HubFetchFeedback
    factory.release_assignment = HubReleaseAssignment
    factory.release_feedback = HubReleaseFeedback
    factory.collect = HubCollect
    return config
