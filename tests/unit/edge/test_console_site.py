"""The console's files and its page's settings (edge/console/site.py), and the metrics
endpoint's loopback restriction on the edge."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from lamina.edge.console.site import Console, ConsoleSettings
from lamina.http.message import HttpRequest
from tests.unit.edge.test_edge import _edge


def _request(path: str, method: str = "GET", client: str = "127.0.0.1") -> HttpRequest:
    return HttpRequest(
        method=method,
        path=path,
        query_string="",
        headers=[("Host", "127.0.0.1:3000")],
        body=b"",
        client=client,
        http_version="1.1",
        server_port=3000,
    )


def _config(body: bytes) -> dict[str, object]:
    found = re.search(rb'id="console-config">(.*?)</script>', body)
    assert found is not None
    return dict(json.loads(found.group(1)))


def _console(credential: tuple[str, str] | None) -> Console:
    return Console(
        ConsoleSettings(
            region="eu-west-1", account_id="111122223333", credential=credential, stack_name="s"
        )
    )


async def test_console_local_page_carries_the_credential_and_is_not_cached() -> None:
    response = await _console(("test", "test"))(_request("/_lamina/console"))
    assert response.status == 200
    headers = dict(response.headers)
    assert headers[b"cache-control"] == b"no-store"
    assert b"script-src 'self'" in headers[b"content-security-policy"]
    assert _config(response.body) == {
        "region": "eu-west-1",
        "accountId": "111122223333",
        "stackName": "s",
        "signIn": False,
        "accessKeyId": "test",
        "secretAccessKey": "test",
    }


async def test_console_protected_page_asks_for_a_sign_in_and_embeds_no_key() -> None:
    response = await _console(None)(_request("/_lamina/console/"))
    config = _config(response.body)
    assert config["signIn"] is True
    assert "accessKeyId" not in config and b"secretAccessKey" not in response.body


async def test_console_stack_name_cannot_close_the_data_block() -> None:
    console = Console(
        ConsoleSettings(
            region="r", account_id="a", credential=None, stack_name="</script><script>x"
        )
    )
    body = (await console(_request("/_lamina/console"))).body
    assert body.count(b"</script>") == 2  # the data block's and the module's own
    assert _config(body)["stackName"] == "</script><script>x"


async def test_console_serves_its_modules_with_their_types() -> None:
    console = _console(None)
    script = await console(_request("/_lamina/console/static/pages/tables.js"))
    assert script.status == 200
    assert dict(script.headers)[b"content-type"] == b"text/javascript; charset=utf-8"
    style = await console(_request("/_lamina/console/static/console.css"))
    assert dict(style.headers)[b"content-type"] == b"text/css; charset=utf-8"


async def test_console_files_are_revalidated_by_etag() -> None:
    console = _console(None)
    first = await console(_request("/_lamina/console/static/app.js"))
    etag = dict(first.headers)[b"etag"].decode()
    again = _request("/_lamina/console/static/app.js")
    again.headers.append(("If-None-Match", etag))
    unchanged = await console(again)
    assert (unchanged.status, unchanged.body) == (304, b"")
    other = _request("/_lamina/console/static/app.js")
    other.headers.append(("If-None-Match", '"something-else"'))
    assert (await console(other)).body == first.body


async def test_console_unknown_file_and_other_methods_are_refused() -> None:
    console = _console(None)
    assert (await console(_request("/_lamina/console/static/../site.py"))).status == 404
    assert (await console(_request("/_lamina/console/static/index.html"))).status == 404
    assert (await console(_request("/_lamina/console", method="POST"))).status == 405


async def test_edge_routes_console_paths_to_the_console() -> None:
    edge = _edge()
    assert (await edge(_request("/_lamina/console"))).status == 404  # none attached
    edge.console = _console(None)
    assert (await edge(_request("/_lamina/console"))).status == 200
    assert (await edge(_request("/_lamina/consoles"))).status == 404


async def test_edge_metrics_loopback_only_refuses_other_clients() -> None:
    edge = _edge()
    assert (await edge(_request("/_lamina/metrics", client="10.1.2.3"))).status == 200
    edge.metrics_loopback_only = True
    assert (await edge(_request("/_lamina/metrics", client="10.1.2.3"))).status == 403
    assert (await edge(_request("/_lamina/metrics", client="::1"))).status == 200
    assert (await edge(_request("/_lamina/metrics", client="127.0.0.1"))).status == 200


def test_console_every_module_import_resolves_to_a_shipped_file() -> None:
    """A module the page imports but the package lacks would break the page at runtime;
    and nothing is fetched from another origin (no CDN)."""
    root = Path(__file__).resolve().parents[3] / "lamina" / "edge" / "console" / "static"
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    imports = re.compile(r"""(?:from\s+|import\(\s*)["']([^"']+)["']""")
    checked = 0
    for name in sorted(f for f in files if f.endswith(".js")):
        for target in imports.findall((root / name).read_text()):
            assert target.startswith("./") or target.startswith("../"), (name, target)
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            assert resolved in files, f"{name} imports {target}, which is not shipped"
            checked += 1
    assert checked > 20
    page = (root / "index.html").read_text()
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", page)
