"""Looking at processes and files from tests: what a process started, what is left."""

from __future__ import annotations

import time
from pathlib import Path


def process_table() -> dict[int, tuple[int, int, str]]:
    """Every process: pid → (parent pid, start time, name)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_bytes()
        except OSError:
            continue  # ended while we looked
        name, rest = text.split(b" (", 1)[1].rsplit(b")", 1)
        fields = rest.split()
        table[int(stat.parent.name)] = (int(fields[1]), int(fields[19]), name.decode())
    return table


def family(root: int) -> dict[int, tuple[int, str]]:
    """``root`` and every process below it: pid → (start time, name)."""
    table = process_table()
    found = {root}
    while grown := {pid for pid, (parent, _, _) in table.items()
                    if parent in found and pid not in found}:
        found |= grown
    return {pid: table[pid][1:] for pid in found if pid in table}


def still_running(processes: dict[int, tuple[int, str]]) -> list[str]:
    """The names of ``processes`` still there a few seconds on."""
    for _ in range(50):
        table = process_table()
        left = [name for pid, (started, name) in processes.items()
                if pid in table and table[pid][1] == started]
        if not left:
            break
        time.sleep(0.1)
    return left


def files_under(*folders: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for folder in folders for path in folder.rglob("*")
            if path.is_file()}
