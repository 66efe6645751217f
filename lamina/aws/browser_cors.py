"""CORS for browser calls to the JSON-protocol endpoint (X-Amz-Target), as AWS answers them.

A page signs people up and in by POSTing Cognito's JSON API from its own origin (what the
AWS SDK for JavaScript and amazon-cognito-identity-js do in a browser): the browser first
sends a preflight OPTIONS naming the X-Amz-Target header, then the call; both need
Access-Control-Allow-* headers, or the browser never lets the page read the answer.
AWS's JSON endpoints (cognito-idp, cognito-identity ...) allow any origin without
credentials, and say so for 172800 s (two days) in the preflight's Max-Age.
https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/cors.html
https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS
S3 is not covered here: its CORS comes from each bucket's configuration
(services/s3/cors.py).
"""

from __future__ import annotations

from lamina.http.message import HttpRequest, HttpResponse

MAX_AGE_S = 172800
# What a page's script may read of an answer besides the CORS-safelisted headers: the
# request id and the error type the SDKs parse.
_EXPOSED = b"x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


def preflight(request: HttpRequest) -> HttpResponse | None:
    """The answer to a browser's preflight for a JSON-protocol call, else None."""
    if request.method != "OPTIONS" or request.path != "/":
        return None
    origin = request.header("origin")
    asked = request.header("access-control-request-headers") or ""
    named = {name.strip().lower() for name in asked.split(",")}
    if origin is None or "x-amz-target" not in named:
        return None
    headers = [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", b"POST"),
        (b"access-control-allow-headers", asked.encode()),
        (b"access-control-expose-headers", _EXPOSED),
        (b"access-control-max-age", str(MAX_AGE_S).encode()),
    ]
    return HttpResponse(200, headers, b"")


def allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A JSON-protocol call from a page (Origin, X-Amz-Target) answered readably by it."""
    if request.header("origin") is None or request.header("x-amz-target") is None:
        return response
    if any(name.lower() == b"access-control-allow-origin" for name, _ in response.headers):
        return response
    response.headers.append((b"access-control-allow-origin", b"*"))
    response.headers.append((b"access-control-expose-headers", _EXPOSED))
    return response
