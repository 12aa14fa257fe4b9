"""The facts the student's panel shows, read from the workspace and the exchange's listing;
the panel derives each module's state from them. Nothing here knows about HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tito.authoring.policy import is_changed
from tito.errors import TitoError
from tito.exchange import read_score
from tito.manifest import Course, Module
from tito.panel.listing import HandIn, Listing
from tito.student import milestones
from tito.student.workspace import Workspace

# How stamp_folder (tito.exchange) names a submission time.
_STAMP = "%Y-%m-%dT%H-%M-%S.%fZ"


def is_started(workspace: Workspace, module: Module) -> bool:
    """Whether the student's notebook differs from the release in an exercise or an answer
    (a notebook that no longer reads certainly does)."""
    if not workspace.notebook(module).exists():
        return False
    try:
        notebook = workspace.read_notebook(module)
    except TitoError:
        return True
    return any(is_changed(cell) for cell in notebook.cells
               if cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def feedback_files(workspace: Workspace, module: Module) -> list[Path]:
    """The feedback pages fetched into the workspace, oldest submission first."""
    folder = workspace.notebook(module).parent / "feedback"
    return sorted(folder.glob(f"*/{module.id}.html"))


def feedback_facts(workspace: Workspace, path: Path) -> dict:
    """A fetched feedback page: where (relative to the lab's root), on which submission,
    its score."""
    stamp = datetime.strptime(path.parent.name, _STAMP).replace(tzinfo=UTC)
    score = read_score(path.read_text(encoding="utf-8", errors="replace"))
    return {"path": path.relative_to(workspace.root).as_posix(), "timestamp": stamp.isoformat(),
            "score": score[0] if score else None, "max_score": score[1] if score else None}


def _hand_in(hand_in: HandIn) -> dict:
    return {"timestamp": hand_in.timestamp, "feedback_released": hand_in.feedback_released}


def module_facts(workspace: Workspace, module: Module, listing: Listing, due: str | None,
                 late_policy: str) -> dict:
    """One module's facts for the panel."""
    progress = workspace.progress().get(module.id, {})
    fetched = feedback_files(workspace, module)
    return {
        "id": module.id, "number": f"{module.number:02d}", "title": module.title,
        "notebook": workspace.notebook(module).relative_to(workspace.root).as_posix(),
        "requires": list(module.requires),
        "released": module.id in listing.released,
        "fetched": workspace.notebook(module).exists(),
        "started": is_started(workspace, module),
        "tests": progress.get("tests"),
        "exported": workspace.is_exported(module),
        "exported_at": progress.get("exported_at"),
        "submissions": [_hand_in(h) for h in listing.hand_ins.get(module.id, [])],
        "feedback": feedback_facts(workspace, fetched[-1]) if fetched else None,
        "due": due, "late_policy": late_policy,
    }


def milestone_facts(course: Course, workspace: Workspace) -> list[dict]:
    """Every milestone: what it needs, what is not exported yet, its last run here."""
    found = []
    for status in milestones.statuses(course, workspace.root):
        last = status.last
        found.append({
            "name": status.milestone.id, "title": status.milestone.title,
            "available": milestones.has_script(status.milestone),
            "requires": [m.id for m in milestones.required_modules(course, status.milestone)],
            "missing": [m.id for m in status.missing],
            "last": {"passed": bool(last.get("passed")), "at": last.get("at")} if last else None,
        })
    return found
