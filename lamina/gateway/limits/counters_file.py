"""The in-process limiter's quota counters and daily usage, kept in a file across restarts.

API Gateway keeps a key's quota and its usage history whatever happens to the machines
that serve it (GetUsage reads up to 90 days back,
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html). With Redis the
counters live in Redis; in process they would vanish with `lamina up`, while the keys and
plans they belong to survive in the state directory. So the in-process limiter writes them
there when it closes (and every few seconds while it counts, and after UpdateUsage, so a
killed process loses little) and reads them back when it opens. Token buckets are not
kept: a bucket left alone refills within seconds anyway.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import msgspec

from lamina.core.files import write_atomically

log = logging.getLogger("lamina.gateway.limits")

Client = tuple[str, str]
"""(usage plan id, API key id)."""


class _Count(msgspec.Struct, frozen=True, array_like=True):
    plan_id: str
    key_id: str
    day: date
    count: int


class _Counters(msgspec.Struct, frozen=True):
    periods: list[_Count] = []
    """The quota period's first day, and the requests counted in it."""
    days: list[_Count] = []
    adjusted: list[_Count] = []


class Counters:
    """What InProcessLimiter counts beside its buckets."""

    __slots__ = ("adjusted", "days", "periods")

    def __init__(self) -> None:
        self.periods: dict[Client, tuple[date, int]] = {}
        """(plan, key) -> (start of the current quota period, requests counted in it)."""
        self.days: dict[Client, dict[date, int]] = {}
        """(plan, key) -> day -> requests counted that day."""
        self.adjusted: dict[Client, dict[date, int]] = {}
        """(plan, key) -> day -> what UpdateUsage added to the quota counter that day."""


def load_counters(path: Path) -> Counters:
    """The counters saved at `path`; none when there is no file yet, or an unreadable one
    (said on the console: the limits start again from zero)."""
    counters = Counters()
    try:
        saved = msgspec.json.decode(path.read_bytes(), type=_Counters)
    except FileNotFoundError:
        return counters
    except (OSError, msgspec.DecodeError) as error:
        log.warning("quota counters in %s not read, starting from zero: %s", path, error)
        return counters
    for count in saved.periods:
        counters.periods[(count.plan_id, count.key_id)] = (count.day, count.count)
    for target, counts in ((counters.days, saved.days), (counters.adjusted, saved.adjusted)):
        for count in counts:
            target.setdefault((count.plan_id, count.key_id), {})[count.day] = count.count
    return counters


def save_counters(path: Path, counters: Counters) -> None:
    """Write the counters to `path` at once (core.files: a crash mid-write leaves the
    previous file whole). A file that cannot be written is said on the console, never
    raised: it is saved from a request being counted, UpdateUsage
    and shutdown, none of which should fail for it (the counters stay in memory)."""
    saved = _Counters(
        periods=[
            _Count(plan, key, start, used)
            for (plan, key), (start, used) in counters.periods.items()
        ],
        days=_flat(counters.days),
        adjusted=_flat(counters.adjusted),
    )
    try:
        write_atomically(path, msgspec.json.encode(saved))
    except OSError as error:
        log.warning("quota counters not saved to %s: %s", path, error)


def _flat(by_client: dict[Client, dict[date, int]]) -> list[_Count]:
    return [
        _Count(plan, key, day, count)
        for (plan, key), days in by_client.items()
        for day, count in days.items()
    ]
