"""GET /items?tag=a&tag=b on the REST API: single- and multi-value query strings."""

from typing import Any

from response import json_response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # API Gateway sends null, not {}, when the request has no query string; in
    # queryStringParameters a repeated key keeps only its last value.
    single = event.get("queryStringParameters") or {}
    multi = event.get("multiValueQueryStringParameters") or {}
    return json_response({"tags": multi.get("tag", []), "last_tag": single.get("tag")})
