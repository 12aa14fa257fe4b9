"""N students on the course hub at once, on loopback: log in, start a lab, fetch the
tensor module, start a kernel; then, once everyone has a lab, all run cells and hand in.

    .venv/bin/python benchmarks/hub_load.py                # 30 students
    .venv/bin/python benchmarks/hub_load.py --students 5 --cells 3
    .venv/bin/python benchmarks/hub_load.py --logins --students 100   # the login burst only

Starts a real hub (``python -m hub_config``, its labs sandboxed with bubblewrap) in a
temporary directory with a roster of N students, then runs every student's session in
its own thread, all at once: password login and a hub token, the lab's spawn (until the
hub's progress events say it is ready, as the spawn page waits), the released notebook
fetched from the grading service and a kernel started in the lab; when the whole class
is in, every student executes CELLS cells over the kernel's websocket (a NumPy
computation, like a tensor exercise), each after THINK seconds on average (uniformly 0
to 2 THINK, seeded per student; --think 0 fires everyone's cells at once); once everyone
has run them, the memory of every lab server and kernel is measured (PSS), and each
hands the notebook in. Prints how many students got through, the p50/p95 latency of each
step ("in lab": login and spawn, from the class's start), the memory and the hub
process's CPU. Goals (issue 16): 100 students on a 2-core machine, all succeeding, p95
cell execution under 2 s; 30 labs ready p95 within 15 s, 100 within 60 s.

``--logins`` runs the login burst instead: every student logs in through the login form
at the same instant while one prober calls the hub over and over, one request at a time
(the hub API with a token, a user's model from the database, the login page), as the
rest of a class does meanwhile. Prints the login p50/p95 against the CPU bound
(students × one bcrypt check ÷ cores, the check timed here on the hub's own hashes) and
the probes' p50/p95/max. It only reports; it exits 1 when a student's session (or a
login or probe) failed. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TypeVar

import bcrypt
import psutil
import requests
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
STEPS = ("login", "spawn", "in lab", "fetch", "kernel", "connect", "cell", "submit")


def session(hub: Hub, student: str, cells: int, think: float,
            class_starts: threading.Barrier, cells_done: threading.Barrier
            ) -> dict[str, list[float]]:
    """One student's visit; the seconds each step took. Everyone gets to work together
    once the whole class has a lab (``class_starts``), as in a lab session, and hands in
    once everyone has run their cells (``cells_done``, when memory is measured). A student
    whose step failed still meets the others there, so the rest of the class goes on."""
    times: dict[str, list[float]] = defaultdict(list)

    def timed(step: str, action: Callable[[], T]) -> T:
        start = time.perf_counter()
        try:
            result = action()
        except Exception as error:
            raise RuntimeError(f"{step} failed after {time.perf_counter() - start:.1f} s: "
                               f"{error}") from error
        times[step].append(time.perf_counter() - start)
        return result

    def arrive() -> tuple[dict, str]:
        # As long as a browser waits: the class's first minutes are what is measured.
        timed("login", lambda: hub.token(student, timeout=600))
        timed("spawn", lambda: hub.start_lab(student, timeout=600))
        times["in lab"].append(times["login"][0] + times["spawn"][0])  # from the start
        return (timed("fetch", lambda: fetch(hub, student, MODULE)),
                timed("kernel", lambda: hub.start_kernel(student)))

    def work(kernel_id: str) -> None:
        # The websocket opens now: a client that waits without reading misses its pings.
        kernel = timed("connect", lambda: hub.connect_kernel(student, kernel_id, timeout=120))
        pause = random.Random(student)
        for _ in range(cells):
            time.sleep(pause.uniform(0, 2 * think))  # reading and typing before the next cell
            timed("cell", lambda: kernel.execute(CELL, timeout=120))
        kernel.close()

    failure: Exception | None = None
    try:
        notebook, kernel_id = arrive()
    except Exception as error:
        failure = error
    class_starts.wait()
    if failure is None:
        try:
            work(kernel_id)
        except Exception as error:
            failure = error
    cells_done.wait()
    if failure is not None:
        raise failure
    timed("submit", lambda: hand_in(hub, student, MODULE, notebook))
    return times


def lab_memory() -> dict[str, list[int]]:
    """The proportional set size (PSS: private memory plus a share of what is mapped with
    others, the venv's libraries, NumPy) of every lab server (``tito lab --singleuser`` in
    its sandbox) and every kernel running on the machine now."""
    sizes: dict[str, list[int]] = {"lab": [], "kernel": []}
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or [""]
        if not Path(command[0]).name.startswith("python"):
            continue  # bubblewrap's own command line names the lab's
        kind = ("kernel" if "ipykernel_launcher" in command else
                "lab" if "--singleuser" in command else None)
        if kind:
            with suppress(psutil.Error):  # gone meanwhile
                sizes[kind].append(process.memory_full_info().pss)
    return sizes


class ClassMemory:
    """The labs' and kernels' memory, measured once (:meth:`measure`) while the whole class
    has its lab and kernel, and the machine's available memory then."""

    def __init__(self) -> None:
        self.sizes: dict[str, list[int]] = {"lab": [], "kernel": []}
        self.available = psutil.virtual_memory().available

    def measure(self) -> None:
        self.sizes, self.available = lab_memory(), psutil.virtual_memory().available

    def report(self) -> str:
        def summary(kind: str) -> str:
            values = self.sizes[kind]
            if not values:
                return f"no {kind}s"
            return (f"{len(values)} {kind}s, each p50 {statistics.median(values) / MIB:.0f} MiB "
                    f"/ max {max(values) / MIB:.0f} MiB, together {sum(values) / MIB:.0f} MiB")
        return (f"memory with every lab and kernel running (PSS): {summary('lab')}; "
                f"{summary('kernel')}; the machine had {self.available / MIB:.0f} MiB of "
                f"{psutil.virtual_memory().total / MIB:.0f} MiB available")


MIB = 1024**2


def cpu_seconds(pid: int) -> float:
    """User and system CPU time process ``pid`` has used so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


PROBES = ("/hub/api/", "/hub/api/users/instructor", "/hub/login")


def hash_seconds(hub: Hub, user: str, checks: int = 5) -> float:
    """Median seconds of one bcrypt check of ``user``'s password against the hub's own
    stored hash (its cost is the hub's), in this process."""
    with sqlite3.connect(hub.state.root / "jupyterhub.sqlite") as database:
        (stored,) = database.execute("SELECT password FROM users_info WHERE username = ?",
                                     (user,)).fetchone()
    password = hub.passwords[user].encode("utf-8")
    times = []
    for _ in range(checks):
        start = time.perf_counter()
        assert bcrypt.checkpw(password, stored)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def login_burst(hub: Hub, students: list[str], plain: bool) -> int:
    """Everyone logs in at once while a prober calls the hub; prints the table, returns
    the exit code."""
    token = hub.token("instructor")  # before the burst: the prober's own login is not timed
    per_check = hash_seconds(hub, students[0])
    cores = len(os.sched_getaffinity(0))
    bound = len(students) * per_check / cores
    load = os.getloadavg()[0]  # other work on the machine, before the burst
    go, stop = threading.Event(), threading.Event()
    probes: dict[str, list[float]] = defaultdict(list)
    probe_failures: list[str] = []

    def probe() -> None:
        go.wait()
        while not stop.is_set():  # bounded: one request at a time, for the burst's length
            for path in PROBES:
                start = time.perf_counter()
                try:
                    answer = requests.get(f"{hub.url}{path}", timeout=120,
                                          headers={"Authorization": f"token {token}"})
                    answer.raise_for_status()
                except requests.RequestException as error:
                    probe_failures.append(f"{path}: {error}")
                probes[path].append(time.perf_counter() - start)
            time.sleep(0.05)

    def login(student: str) -> float:
        """The login form, waiting as long as the burst takes."""
        go.wait()
        start = time.perf_counter()
        hub.login(student, timeout=600)
        return time.perf_counter() - start

    prober = threading.Thread(target=probe)
    prober.start()
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        futures = {s: pool.submit(login, s) for s in students}
        time.sleep(0.5)  # every thread waiting at the start line
        started = time.perf_counter()
        go.set()
        logins, failures = [], []
        for student, future in futures.items():
            try:
                logins.append(future.result())
            except Exception as error:  # a failed login is a result to report
                failures.append(f"{student}: {error}")
    wall = time.perf_counter() - started
    stop.set()
    prober.join()
    for failure in failures + probe_failures:
        print(f"failed: {failure}")
    print(f"{len(logins)}/{len(students)} logins in {wall:.1f} s on {cores} cores; one bcrypt "
          f"check {per_check:.3f} s, so the CPU bound is {bound:.1f} s; load average before "
          f"{load:.1f}")
    rows = [("login", str(len(logins)), f"{statistics.median(logins):.2f}",
             f"{percentile(logins, 0.95):.2f}", f"{max(logins):.2f}")] if logins else []
    everything = [v for values in probes.values() for v in values]
    rows += [(f"GET {path}", str(len(values)), f"{statistics.median(values):.3f}",
              f"{percentile(values, 0.95):.3f}", f"{max(values):.3f}")
             for path, values in [*probes.items(), ("(all probes)", everything)] if values]
    print_table("seconds per request during the login burst", ("request", "n", "p50", "p95",
                "max"), rows, plain)
    if logins:
        print(f"login p95 / CPU bound = {percentile(logins, 0.95) / bound:.2f}")
    print(json.dumps({"students": len(students), "hash_s": round(per_check, 4),
                      "bound_s": round(bound, 2), "login_p50": round(statistics.median(logins), 2)
                      if logins else None, "login_p95": round(percentile(logins, 0.95), 2)
                      if logins else None, "probe_p95": round(percentile(everything, 0.95), 3)
                      if everything else None, "probe_max": round(max(everything), 3)
                      if everything else None}))
    return 1 if failures or probe_failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--cells", type=int, default=5, help="cells each student runs")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a student spends before each cell (0: all at once)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="run in the new folder DIR and keep it (the hub's log, homes)")
    parser.add_argument("--plain", action="store_true", help="plain-text table")
    parser.add_argument("--logins", action="store_true",
                        help="only the login burst: everyone logs in at once while the hub "
                        "is probed")
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
            if args.logins:
                return login_burst(hub, students, args.plain)
            started, hub_cpu = time.perf_counter(), cpu_seconds(hub.process.pid)
            memory = ClassMemory()
            class_starts = threading.Barrier(len(students), timeout=900)
            # Measured after everyone's cells, not sampled meanwhile: reading 200 processes'
            # smaps takes CPU and their memory maps' locks, and would slow the cells timed.
            cells_done = threading.Barrier(len(students), action=memory.measure, timeout=900)
            with ThreadPoolExecutor(max_workers=len(students)) as pool:
                futures = {s: pool.submit(session, hub, s, args.cells, args.think,
                                          class_starts, cells_done) for s in students}
            wall = time.perf_counter() - started
            hub_cpu = cpu_seconds(hub.process.pid) - hub_cpu
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
    print(memory.report())
    print(f"the hub's process used {hub_cpu:.0f} s of CPU meanwhile")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
