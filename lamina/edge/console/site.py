"""Serve the console's files, and tell its page how it gets credentials.

Local mode (`lamina up` on a loopback address, plain HTTP, SQLite state): the page is
told the account root's local key pair (`test`/`test`, which the banner and every
LocalStack-style client already use). Protected mode (`--tls`, a `--store` cluster, or a
non-loopback `--host`): the page carries no credentials and asks for an access key pair,
which it keeps in sessionStorage and checks with sts:GetCallerIdentity.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import PurePosixPath

import orjson

from lamina.http.message import HttpRequest, HttpResponse

CONSOLE_PATH = "/_lamina/console"
_STATIC = CONSOLE_PATH + "/static/"
_TYPES = {
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".svg": b"image/svg+xml",
    ".html": b"text/html; charset=utf-8",
}
# Only the page's own files and same-origin API calls; nothing inline runs.
_SECURITY = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    region: str
    account_id: str
    credential: tuple[str, str] | None
    """The local root key pair handed to the page; None: the page asks for a sign-in."""
    stack_name: str = ""


class Console:
    """Answers every path under `/_lamina/console`; the files are read once."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings
        self._files = _load_static()
        self._index = _index_page(self._files.pop("index.html"), settings)
        self._etags = {
            name: b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
            for name, body in self._files.items()
        }

    def serves(self, path: str) -> bool:
        return path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/")

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _plain(405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")])
        path = request.path
        if path in (CONSOLE_PATH, CONSOLE_PATH + "/"):
            # The page may carry the local credential: never cached.
            headers = [
                (b"content-type", _TYPES[".html"]),
                (b"cache-control", b"no-store"),
                *_SECURITY,
            ]
            return HttpResponse(200, headers, b"" if request.method == "HEAD" else self._index)
        if path.startswith(_STATIC):
            name = path[len(_STATIC) :]
            body = self._files.get(name)
            if body is not None:
                # Revalidated on each load (no-cache) and answered 304 while unchanged.
                etag = self._etags[name]
                kind = _TYPES.get(PurePosixPath(name).suffix, b"application/octet-stream")
                headers = [
                    (b"content-type", kind),
                    (b"cache-control", b"no-cache"),
                    (b"etag", etag),
                    *_SECURITY,
                ]
                if (request.header("if-none-match") or "").encode() == etag:
                    return HttpResponse(304, headers, b"")
                return HttpResponse(200, headers, b"" if request.method == "HEAD" else body)
        return _plain(404, b"Not Found")


def _plain(
    status: int, text: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> HttpResponse:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]
    return HttpResponse(status, headers, text)


def _load_static() -> dict[str, bytes]:
    """Every file under static/ by its relative path (`pages/functions.js`)."""
    files: dict[str, bytes] = {}
    root = resources.files(__package__).joinpath("static")

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif PurePosixPath(entry.name).suffix in _TYPES:
                files[prefix + entry.name] = entry.read_bytes()

    walk(root, "")
    return files


def _index_page(template: bytes, settings: ConsoleSettings) -> bytes:
    """index.html with the page's settings in a JSON data block (not a script that runs,
    so the CSP's script-src 'self' holds)."""
    config = {
        "region": settings.region,
        "accountId": settings.account_id,
        "stackName": settings.stack_name,
        "signIn": settings.credential is None,
    }
    if settings.credential is not None:
        config["accessKeyId"], config["secretAccessKey"] = settings.credential
    # `<` escaped so no value can close the script element.
    data = orjson.dumps(config).replace(b"<", b"\\u003c")
    title = html.escape(settings.stack_name or "Lamina").encode()
    return template.replace(b"{{config}}", data).replace(b"{{stack}}", title)
