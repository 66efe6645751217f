"""Offset pagination for List operations: the token handed back is the position of the
next item as text (AWS's tokens are opaque, so any form is faithful). Each service names
its own parameters (Marker / NextToken / PaginationToken, Limit / MaxResults / MaxItems).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def offset_page(items: Sequence[T], token: object, size: int) -> tuple[Sequence[T], str | None]:
    """At most `size` items from the position `token` names (the start when it names none),
    and the token of the next page (None on the last one)."""
    text = str(token) if token is not None else ""
    start = int(text) if text.isdigit() else 0
    chunk = items[start : start + size]
    end = start + len(chunk)
    return chunk, (str(end) if end < len(items) else None)
