"""GetRestApis, GetResources, GetModels ...: `position` / `limit` paging.

`limit` is 1-500, 25 by default; `position` is where the previous page stopped (opaque).
https://docs.aws.amazon.com/apigateway/latest/api/API_GetRestApis.html
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamina.aws.paging import offset_page
from lamina.aws.service import OperationInput, OperationOutput
from lamina.services.apigateway.error import bad_request

DEFAULT_LIMIT = 25
MAX_LIMIT = 500


def page(items: Sequence[dict[str, Any]], params: OperationInput) -> OperationOutput:
    limit = params.get("limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"Invalid limit specified. Must be between 1 and {MAX_LIMIT}")
    chunk, position = offset_page(items, params.get("position"), limit)
    output: OperationOutput = {"items": list(chunk)}
    if position is not None:
        output["position"] = position
    return output
