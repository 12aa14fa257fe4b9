"""What the exchange holds for the student: the released modules and each of their
hand-ins, through nbgrader's ``ExchangeList`` configured as ``tito fetch`` is (the hub's
exchange in a hub lab, the filesystem's on a laptop)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.utils import parse_utc

from tito.errors import TitoError
from tito.student.exchange import StudentExchange

_QUIET = logging.getLogger(__name__)
_QUIET.setLevel(logging.WARNING)


def iso(timestamp: str) -> str:
    """An exchange's time (nbgrader's ``2026-12-06 15:40:00.000000 UTC`` or ISO) as ISO 8601
    in UTC."""
    return parse_utc(timestamp).replace(tzinfo=UTC).isoformat()


@dataclass(frozen=True)
class HandIn:
    """One submission: when, and whether feedback on it is released."""

    timestamp: str
    feedback_released: bool


@dataclass(frozen=True)
class Listing:
    """The released modules' ids and the student's hand-ins per module, oldest first."""

    released: frozenset[str]
    hand_ins: dict[str, list[HandIn]] = field(default_factory=dict)


class ListingExchange(StudentExchange):
    """A :class:`StudentExchange` that also lists what the exchange holds."""

    def _list(self, cached: bool) -> list[dict]:
        # Every module: the configuration of any one, with no module named.
        config = self._config(self.workspace.course.modules[0], self.workspace.root)
        config.CourseDirectory.assignment_id = ""
        config.ExchangeList.cached = cached
        lister = ExchangeFactory(config=config).List(
            coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
            config=config)
        lister.log = _QUIET  # nbgrader logs each module listed: once per look at the panel
        try:
            return lister.start()
        except ExchangeError as error:
            raise TitoError(f"could not list the course's exchange: {error}") from None

    def listing(self) -> Listing:
        """The released modules and the student's hand-ins (from the exchange's record of
        them on this side: nbgrader's cache on a laptop, the service in the hub)."""
        released = frozenset(item["assignment_id"] for item in self._list(cached=False))
        hand_ins = {item["assignment_id"]: [HandIn(iso(each["timestamp"]),
                                                   bool(each["has_exchange_feedback"]))
                                            for each in item["submissions"]]
                    for item in self._list(cached=True)}
        return Listing(released, hand_ins)
