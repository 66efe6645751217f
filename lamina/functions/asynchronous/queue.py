"""The seam between the asynchronous invoker and where its events wait.

Embedded mode stores them in sqlite (``sqlite.SqliteInvocationQueue``); cluster mode will
put a NATS JetStream stream behind the same Protocol (DESIGN.md, cluster mode).

An event is *ready* until a consumer claims it; a claimed event is either acknowledged
(gone for good) or handed back for a retry at a later due time. Claims left by a consumer
that stopped without answering are made ready again by ``recover`` (at-least-once: Lambda
too may run an event more than once).
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from lamina.functions.asynchronous.model import QueuedEvent
from lamina.functions.error import FunctionError


class QueueError(FunctionError):
    """The queue's storage failed (disk full, corrupt file, duplicate event id)."""


class InvocationQueue(Protocol):
    async def put(self, event: QueuedEvent, *, due_at: float) -> None:
        """Store a new event durably; it is ready from ``due_at`` (epoch seconds)."""
        ...

    async def claim(self, now: float, *, exclude: Collection[str] = ()) -> QueuedEvent | None:
        """The ready event due first (at or before ``now``), marked claimed, or None.

        Events of the functions in ``exclude`` are skipped (they are at their cap).
        """
        ...

    async def next_due(self, *, exclude: Collection[str] = ()) -> float | None:
        """When the earliest ready event (outside ``exclude``) becomes due, or None."""
        ...

    async def ack(self, event_id: str) -> None:
        """Forget a claimed event: its outcome is final."""
        ...

    async def retry(self, event: QueuedEvent, *, due_at: float) -> None:
        """Replace a claimed event with its updated state and make it ready at ``due_at``."""
        ...

    async def recover(self) -> int:
        """Make every claimed event ready again (after a restart); how many there were."""
        ...

    async def pending(self) -> int:
        """Events not acknowledged yet, claimed or not."""
        ...

    async def close(self) -> None: ...
