"""The exchange between instructor and students: released modules, submissions, feedback.

nbgrader's exchange is pluggable (one class per action, chosen by ``ExchangeFactory``).
This module holds what both sides share: the course's id, the settings that place the
exchange, and the folder name a submission time gets. Each side adds its own actions:
:mod:`tito.student.exchange` (``tito fetch``, ``submit``, ``feedback`` on a workspace) and
:mod:`tito.grading.exchange` (the instructor's release, collect and list).

The stock exchange knows students by their login name, which any local user can claim;
it suits one machine with trusted users. The hub identifies students by their hub token.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from nbgrader.utils import parse_utc
from traitlets.config import Config

COURSE_ID = "tinytorch"


def exchange_config(config: Config, exchange: Path) -> Config:
    """The exchange settings shared by instructor and students."""
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = str(exchange)
    config.Exchange.path_includes_course = False
    return config


def ensure_exchange(exchange: Path) -> None:
    """Create the exchange directory, writable by every local user as nbgrader expects
    (nbgrader gives each course's inbound and outbound their own narrower modes)."""
    if not exchange.is_dir():
        exchange.mkdir(parents=True)
        exchange.chmod(0o1777)


def stamp_folder(timestamp: datetime | str) -> str:
    """A submission time as a folder name that sorts in time order and needs no quoting:
    ``2026-11-20T10-00-00.000000Z``."""
    return parse_utc(timestamp).strftime("%Y-%m-%dT%H-%M-%S.%fZ")


# Released feedback is an HTML page; its score travels inside it, so that every exchange
# (the filesystem's, the hub's) hands it to the student with the page, and nothing else.
SCORE_META = "tinytorch-score"
_SCORE = re.compile(rf'<meta name="{SCORE_META}" content="([0-9.eE+-]+)/([0-9.eE+-]+)"\s*/?>')


def score_meta(score: float, max_score: float) -> str:
    """The ``<meta>`` tag that carries a feedback page's score."""
    return f'<meta name="{SCORE_META}" content="{float(score):g}/{float(max_score):g}">'


def read_score(html: str) -> tuple[float, float] | None:
    """(score, max score) from a feedback page's :func:`score_meta` tag, if it has one."""
    found = _SCORE.search(html)
    return (float(found[1]), float(found[2])) if found else None
