"""Marker / MaxItems pagination of the List operations.

The marker is the position of the next item, as text; Lambda's markers are opaque too.
https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from lamina.aws.paging import offset_page
from lamina.services.lambda_.error import invalid

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 50


def page(
    items: Sequence[T], params: dict[str, Any], *, limit: int = DEFAULT_MAX_ITEMS
) -> tuple[Sequence[T], str | None]:
    """The items after ``Marker``, at most ``MaxItems`` (capped at ``limit``), and the
    marker of the next page (None on the last one)."""
    marker = params.get("Marker")
    if marker and not str(marker).isdigit():
        raise invalid(f"Invalid marker: {marker}")
    return offset_page(items, marker, min(int(params.get("MaxItems") or limit), limit))


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
