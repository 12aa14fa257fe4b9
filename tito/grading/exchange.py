"""The instructor's side of the exchange: what the stock filesystem exchange lacks.

- :class:`ArchivingCollect`: every submission that reaches the exchange is kept in the
  course's ``archive/<student>/<module>/<timestamp>/`` (nbgrader's collect keeps only the
  latest in ``submitted/`` and replaces it when a newer one comes), and links are copied
  as links so that autograde refuses them instead of the grader following them.
- :class:`Release`: nbgrader's release, accepting an inbound the grading service owns.
- :class:`ReadingList`: nbgrader's list, on an exchange it may only read.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import datetime
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.utils import check_directory
from traitlets.config import Config

from tito.exchange import exchange_config, stamp_folder


def instructor_exchange_config(config: Config, exchange: Path) -> Config:
    """The exchange settings of the instructor's side: the shared ones, with the actions
    of this module in place of nbgrader's."""
    exchange_config(config, exchange)
    config.ExchangeFactory.collect = ArchivingCollect
    config.ExchangeFactory.list = ReadingList
    config.ExchangeFactory.release_assignment = Release
    return config


def archive_path(course_root: Path, student: str, module_id: str, timestamp: datetime) -> Path:
    """Where :class:`ArchivingCollect` keeps ``student``'s hand-in of ``module_id``."""
    return course_root / "archive" / student / module_id / stamp_folder(timestamp)


class ReadingList(ExchangeList):
    """nbgrader's list, which only reads the exchange: it asks for a readable exchange, not
    a writable one (the hub's grading service lists hand-ins it may not change)."""

    def ensure_root(self) -> None:
        if not check_directory(self.root, read=True, execute=True):
            self.fail(f"Unreadable directory, please contact your instructor: {self.root}")


class Release(ExchangeReleaseAssignment):
    """nbgrader's release, which also accepts an inbound that another account owns (the
    hub's grading service, which writes the hand-ins) when this account made it so.

    nbgrader insists that the releasing account own every folder of the course in the
    exchange, so that nobody can plant an inbound in a shared, world-writable exchange and
    read the hand-ins. Where the course's folder is this account's and nobody else may
    write in it, inbound's owner can only be whom this account gave it to."""

    def ensure_directory(self, path: str, mode: int) -> None:
        parent = os.stat(os.path.dirname(path))
        if (os.path.isdir(path) and parent.st_uid == os.geteuid()
                and not parent.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return
        super().ensure_directory(path, mode)


class ArchivingCollect(ExchangeCollect):
    """nbgrader's collect, which first archives every submission (not only the latest)."""

    def copy_files(self) -> None:
        # nbgrader's list finds every hand-in of the module (its collect only the latest).
        lister = ExchangeList(coursedir=self.coursedir, authenticator=self.authenticator,
                              parent=self, inbound=True)
        lister.init_dest()
        hand_ins = lister.assignments
        course_root = Path(self.coursedir.root)
        # nbgrader warns of a cheating attempt when a hand-in's owner is not the student it
        # names. Hand-ins owned by the account that owns inbound were written for the
        # students by the grading service, which knew them by their hub token: no owner to
        # check.
        service = os.stat(self.inbound_path).st_uid
        if hand_ins and all(os.stat(path).st_uid == service for path in hand_ins):
            self.check_owner = False
        for record in map(self._path_to_record, hand_ins):
            target = archive_path(course_root, record["username"], self.coursedir.assignment_id,
                                  record["timestamp"])
            if not target.exists():
                staging = target.with_name(f".{target.name}.partial")
                shutil.rmtree(staging, ignore_errors=True)
                shutil.copytree(os.path.join(self.inbound_path, record["filename"]), staging,
                                symlinks=True)
                staging.rename(target)  # atomic: an archive entry is complete or absent
                self.log.info("Archived %s's submission of %s", record["username"],
                              self.coursedir.assignment_id)
        super().copy_files()

    def do_copy(self, src: str, dest: str, log: object = None) -> None:
        # copytree would follow a student's link with the grader's rights (another
        # student's notebook, the gradebook); copied as a link, autograde refuses it.
        shutil.copytree(src, dest, symlinks=True,
                        ignore=shutil.ignore_patterns(*self.coursedir.ignore))
