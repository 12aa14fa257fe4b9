"""Milestone runs started from the panel: ``tito milestone run NAME`` in a process of its
own (which checks, runs and records it as on the command line), its output kept for the
panel to poll. The lab's server only reads pipes; it never runs the student's code."""

from __future__ import annotations

import codecs
import itertools
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from tito.errors import NotFound, TitoError
from tito.student import milestones
from tito.student.workspace import Workspace


class Busy(TitoError):
    """What was asked is already under way; over HTTP it is a 409."""


@dataclass
class Run:
    """One run: its id, its output so far, and how it ended (``passed`` None until then)."""

    id: str
    process: subprocess.Popen
    chunks: list[str] = field(default_factory=list)
    done: bool = False
    passed: bool | None = None


class MilestoneRuns:
    """The milestone runs of one workspace, the latest run of each milestone kept."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def start(self, name: str) -> str:
        """Start milestone ``name`` unless it is running; its run id. A milestone that
        cannot run yet (no script, modules not exported) is a :class:`TitoError` naming
        what to do, before anything starts."""
        course = self.workspace.course
        milestone = milestones.find(course, name)
        milestones.check_ready(course, milestone, self.workspace.root)
        with self._lock:
            running = self._runs.get(milestone.id)
            if running is not None and not running.done:
                raise Busy(f"milestone {milestone.id} is already running: wait for it to "
                           "finish")
            env = {**os.environ, "TITO_WORKSPACE": str(self.workspace.root),
                   "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
            process = subprocess.Popen(
                [sys.executable, "-m", "tito", "milestone", "run", milestone.id],
                cwd=self.workspace.root, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            run = Run(f"{milestone.id}-{next(self._ids)}", process)
            self._runs[milestone.id] = run
        threading.Thread(target=self._follow, args=(run,), daemon=True).start()
        return run.id

    def _follow(self, run: Run) -> None:
        assert run.process.stdout is not None
        # os.read returns what has come, a line or less (a progress bar's "\r" updates),
        # rather than waiting for a newline or a full buffer.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = run.process.stdout.fileno()
        while data := os.read(fd, 4096):
            with self._lock:
                run.chunks.append(decoder.decode(data))
        run.process.stdout.close()
        returncode = run.process.wait()
        with self._lock:
            run.done, run.passed = True, returncode == 0

    def output(self, name: str, since: int = 0) -> dict:
        """The latest run of ``name``: its output after character ``since``, the offset to
        ask from next, whether it is done and passed."""
        milestone = milestones.find(self.workspace.course, name)
        with self._lock:
            run = self._runs.get(milestone.id)
            if run is None:
                raise NotFound(f"milestone {milestone.id} has not been run in this lab "
                               "session: start it first")
            text = "".join(run.chunks)
            return {"run": run.id, "output": text[max(0, since):], "offset": len(text),
                    "done": run.done, "passed": run.passed}
