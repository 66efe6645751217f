"""A clock tests set by hand: services take a `clock` callable returning epoch seconds."""

from __future__ import annotations

import time


class ManualClock:
    def __init__(self, now: float | None = None) -> None:
        # Real time by default: tokens and signatures some clients check against their own
        # clock must not look expired or from the future.
        self.now = float(int(time.time())) if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
