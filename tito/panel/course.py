"""The student's course as their lab's panel sees it and acts on it: the facts, and each
module's fetch, test, export, submit and feedback. Plain Python over tito's student side;
every method blocks (the web layer runs them in threads)."""

from __future__ import annotations

import getpass
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from tito.authoring.export import authored
from tito.errors import NotFound
from tito.lab import student_releases
from tito.manifest import Module
from tito.panel.facts import (
    feedback_facts,
    milestone_facts,
    module_facts,
)
from tito.panel.listing import Listing, ListingExchange
from tito.panel.service import GradingService
from tito.project import Paths
from tito.student.validation import validate
from tito.student.workspace import Workspace, now


@dataclass(frozen=True)
class Who:
    """The lab's owner and their role in the course."""

    name: str
    role: str  # student | teaching-assistant | instructor


class StudentCourse:
    """One student's course in their lab.

    ``service`` is the hub's grading service (None on a laptop, where the exchange is
    nbgrader's filesystem one in ``paths.exchange``, or none at all: then every module of
    the course's sources is released, built locally as ``tito lab`` does).
    ``staff_links`` are the dashboard's and formgrader's addresses, shown to staff.
    """

    def __init__(self, workspace: Workspace, paths: Paths, service: GradingService | None,
                 staff_links: dict[str, str]) -> None:
        self.workspace = workspace
        self.course = workspace.course
        self.paths = paths
        self.service = service
        self.staff_links = staff_links
        self.exchange = ListingExchange(workspace, paths.exchange)
        self._who: Who | None = None

    # --- who, what is released, when it is due

    @property
    def has_exchange(self) -> bool:
        """Whether modules come through an exchange (the hub's, or a laptop's course
        exchange folder) rather than straight from the course's sources."""
        return self.service is not None or self.paths.exchange.is_dir()

    @property
    def exchange_kind(self) -> str:
        """``hub`` (the grading service) or ``local`` (a laptop)."""
        return "hub" if self.service is not None else "local"

    def _reached(self) -> AbstractContextManager[None]:
        return self.service.reached() if self.service is not None else nullcontext()

    def who(self) -> Who:
        """The hub's answer, asked once; on a laptop, the login name, a student."""
        if self._who is None:
            if self.service is None:
                self._who = Who(getpass.getuser(), "student")
            else:
                self._who = Who(*self.service.me())
        return self._who

    def listing(self) -> Listing:
        if not self.has_exchange:
            return Listing(frozenset(m.id for m in authored(self.course, self.paths.modules_dir)))
        with self._reached():
            return self.exchange.listing()

    def due_dates(self) -> dict[str, str | None]:
        """Module id → due date: the service's on the hub (instructors may have moved
        them), course.toml's on a laptop."""
        if self.service is not None:
            return self.service.due_dates()
        return {m.id: m.due.isoformat() if m.due else None for m in self.course.modules}

    def module(self, module_id: str) -> Module:
        """The module ``module_id`` names exactly (the panel sends ids)."""
        for module in self.course.modules:
            if module.id == module_id:
                return module
        raise NotFound(f"unknown module '{module_id}': the modules are "
                       f"{', '.join(m.id for m in self.course.modules)}")

    # --- the facts

    def facts(self) -> dict:
        """Everything the panel shows (see the contract of ``GET tinytorch/api/course``)."""
        # The service's own quick answers first: when it is down, the panel hears so
        # before the exchange's slower listing would time out.
        who = self.who()
        due = self.due_dates()
        listing = self.listing()
        policy = self.course.late.describe()
        return {
            "title": self.course.name, "student": who.name, "now": now(), "role": who.role,
            "staff_links": self.staff_links if who.role != "student" else None,
            "exchange": self.exchange_kind,
            "modules": [module_facts(self.workspace, m, listing, due.get(m.id), policy)
                        for m in self.course.modules],
            "milestones": milestone_facts(self.course, self.workspace),
        }

    # --- the actions

    def fetch(self, module: Module) -> dict:
        """The released notebook into the workspace, unless the student has one."""
        if self.has_exchange:
            with self._reached():
                status = self.exchange.fetch(module)
        else:
            releases = student_releases(self.course, self.paths, [module])
            status = self.workspace.init(releases)[module.id]
        return {"status": status, "notebook": self._relative(self.workspace.notebook(module))}

    def test(self, module: Module) -> dict:
        """The module's validation report (also kept as its last test result)."""
        return validate(self.workspace, module).as_json()

    def export(self, module: Module) -> dict:
        """The notebook's export cells into the student's package."""
        target = self.workspace.export(module)
        return {"path": self._relative(target),
                "exported_at": self.workspace.progress()[module.id]["exported_at"]}

    def submit(self, module: Module) -> dict:
        """Hand in the notebook; the receipt carries the time the exchange gave it."""
        with self._reached():
            self.exchange.submit(module)
            newest = self.exchange.listing().hand_ins[module.id][-1]
        return {"module": module.id, "timestamp": newest.timestamp}

    def feedback(self, module: Module) -> dict:
        """Fetch the released feedback; the newest page, with its score."""
        with self._reached():
            pages = self.exchange.feedback(module)
        return feedback_facts(self.workspace, pages[-1])

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.workspace.root).as_posix()

