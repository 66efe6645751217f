"""A process tree read from /proc: who descends from whom, and how much memory each holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcessMemory:
    pid: int
    parent: int
    name: str
    rss_mb: float
    pss_mb: float | None
    """Proportional set size: shared pages (e.g. inherited from a zygote) split between sharers."""


def parents() -> dict[int, int]:
    """pid -> ppid for every process we can see."""
    table: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we walked
        # The command name (field 2) may hold spaces and parentheses: split after the last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = int(fields[1])
    return table


def descendants(root: int) -> dict[int, int]:
    """pid -> ppid for every process below root (children, grandchildren, ...)."""
    table = parents()
    found: dict[int, int] = {}
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for pid, ppid in table.items():
            if ppid == current and pid not in found:
                found[pid] = ppid
                frontier.append(pid)
    return found


def leaves(tree: dict[int, int]) -> list[int]:
    """The processes of a tree that have no children: the workers, not their zygote."""
    with_children = set(tree.values())
    return sorted(pid for pid in tree if pid not in with_children)


def read_memory(pid: int, parent: int) -> ProcessMemory | None:
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return ProcessMemory(
        pid=pid,
        parent=parent,
        name=values.get("Name", "?").strip(),
        rss_mb=kilobytes(values.get("VmRSS", "0 kB")) / 1024,
        pss_mb=read_pss_mb(pid),
    )


def read_pss_mb(pid: int) -> float | None:
    try:
        rollup = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return None
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return kilobytes(line.split(":", 1)[1]) / 1024
    return None


def kilobytes(field: str) -> int:
    return int(field.split()[0]) if field.split() else 0
