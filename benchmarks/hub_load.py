"""N students on the course hub at once, on loopback: log in, start a lab, fetch the
tensor module, start a kernel; then, once everyone has a lab, all run cells and hand in.

    .venv/bin/python benchmarks/hub_load.py                # 30 students
    .venv/bin/python benchmarks/hub_load.py --students 5 --cells 3

Starts a real hub (``python -m hub_config``, its labs sandboxed with bubblewrap) in a
temporary directory with a roster of N students, then runs every student's session in
its own thread, all at once: password login and a hub token, the lab's spawn (until the
hub reports it ready), the released notebook fetched from the grading service and a
kernel started in the lab; when the whole class is in, every student executes CELLS
cells over the kernel's websocket (a NumPy computation, like a tensor exercise), each
after THINK seconds on average (uniformly 0 to 2 THINK, seeded per student; --think 0
fires everyone's cells at once), and hands the notebook in. Prints how many students got
through, the spawn times and the p50/p95 latency of each step. The goal is 30 students
on a 2-core machine, all succeeding, with p95 cell execution under 2 s. It only
reports; it exits 1 when a student's session failed. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import TypeVar

from table import print_table  # benchmarks/table.py: this script's folder is on sys.path

from tito.project import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))
from tests.hub.client import Hub, running_hub
from tests.hub.course import fetch, hand_in

MODULE = "tensor"
CELL = ("import numpy as np\n"
        "x = np.random.default_rng(0).standard_normal((256, 256))\n"
        "print(float((x @ x.T).trace()))")
T = TypeVar("T")
STEPS = ("login", "spawn", "fetch", "kernel", "connect", "cell", "submit")


def session(hub: Hub, student: str, cells: int, think: float,
            class_starts: threading.Barrier) -> dict[str, list[float]]:
    """One student's visit; the seconds each step took. Everyone gets to work together
    once the whole class has a lab (``class_starts``), as in a lab session."""
    times: dict[str, list[float]] = defaultdict(list)

    def timed(step: str, action: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = action()
        times[step].append(time.perf_counter() - start)
        return result

    try:
        timed("login", lambda: hub.token(student))
        timed("spawn", lambda: hub.start_lab(student, timeout=600))
        notebook = timed("fetch", lambda: fetch(hub, student, MODULE))
        kernel_id = timed("kernel", lambda: hub.start_kernel(student))
    except BaseException:
        class_starts.abort()  # the class cannot start together: tell the others now
        raise
    class_starts.wait()
    # The websocket opens now: a client that waits without reading misses the server's pings.
    kernel = timed("connect", lambda: hub.connect_kernel(student, kernel_id, timeout=120))
    pause = random.Random(student)
    for _ in range(cells):
        time.sleep(pause.uniform(0, 2 * think))  # reading and typing before the next cell
        timed("cell", lambda: kernel.execute(CELL, timeout=120))
    kernel.close()
    timed("submit", lambda: hand_in(hub, student, MODULE, notebook))
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--cells", type=int, default=5, help="cells each student runs")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a student spends before each cell (0: all at once)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="run in the new folder DIR and keep it (the hub's log, homes)")
    parser.add_argument("--plain", action="store_true", help="plain-text table")
    args = parser.parse_args()
    students = [f"student{i:02d}" for i in range(1, args.students + 1)]
    with (nullcontext(str(args.keep)) if args.keep
          else tempfile.TemporaryDirectory(prefix="hub-load-")) as folder:
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        roster = root / "class.toml"
        names = ", ".join(f'"{student}"' for student in students)
        roster.write_text(f'instructor = ["instructor"]\nstudent = [{names}]\n', encoding="utf-8")
        print(f"starting a hub for {len(students)} students in {root} ...", flush=True)
        with running_hub(root / "state", dict(os.environ), root / "hub.log", roster) as hub:
            started = time.perf_counter()
            class_starts = threading.Barrier(len(students), timeout=900)
            with ThreadPoolExecutor(max_workers=len(students)) as pool:
                futures = {s: pool.submit(session, hub, s, args.cells, args.think,
                                          class_starts) for s in students}
            wall = time.perf_counter() - started
            results, failures = {}, {}
            for student, future in futures.items():
                try:
                    results[student] = future.result()
                except Exception:  # a student's failure is a result to report
                    failures[student] = traceback.format_exc(limit=3)
    for student, error in failures.items():
        print(f"{student} failed:\n{error}")
    rows = []
    for step in STEPS:
        values = [v for times in results.values() for v in times.get(step, [])]
        if values:
            rows.append((step, str(len(values)), f"{statistics.median(values):.2f}",
                         f"{percentile(values, 0.95):.2f}", f"{max(values):.2f}"))
    print(f"{len(results)}/{len(students)} students succeeded in {wall:.0f} s on "
          f"{os.cpu_count()} cores; {args.cells} cells each, {args.think:g} s apart on "
          "average")
    print_table("seconds per step", ("step", "n", "p50", "p95", "max"), rows, args.plain)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
