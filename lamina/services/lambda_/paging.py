"""Marker / MaxItems pagination of the List operations.

The marker is the position of the next item, as text; Lambda's markers are opaque too.
https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from lamina.services.lambda_.error import invalid

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 50


def page(
    items: Sequence[T], params: dict[str, Any], *, limit: int = DEFAULT_MAX_ITEMS
) -> tuple[Sequence[T], str | None]:
    """The items after ``Marker``, at most ``MaxItems`` (capped at ``limit``), and the
    marker of the next page (None on the last one)."""
    marker = params.get("Marker")
    try:
        start = int(marker) if marker else 0
    except ValueError as error:
        raise invalid(f"Invalid marker: {marker}") from error
    count = min(int(params.get("MaxItems") or limit), limit)
    chunk = items[start : start + count]
    end = start + len(chunk)
    return chunk, (str(end) if end < len(items) else None)


def listing(
    key: str,
    items: Sequence[T],
    params: dict[str, Any],
    shape: Callable[[T], Any] | None = None,
) -> dict[str, Any]:
    """A List operation's answer: one page of ``items`` under ``key`` (each passed
    through ``shape``), and ``NextMarker`` when more follow."""
    chunk, marker = page(items, params)
    answer: dict[str, Any] = {key: [item if shape is None else shape(item) for item in chunk]}
    if marker is not None:
        answer["NextMarker"] = marker
    return answer
