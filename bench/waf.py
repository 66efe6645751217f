"""What a WAF web ACL costs and catches.

    .venv/bin/python bench/waf.py [--calls N]

1. Through HTTP: the hello function of tests/fixtures/apps/waf on its unprotected stage
   (/Stage/hello) and on the stage with the fixture's web ACL (/prod/hello: IP set, rate
   rule, size constraint, counted header match, the SQLi managed group, an XSS match, a
   regex pattern set), alternating request by request on one `lamina up`, one client.
2. In process: the Firewall stage alone on the same ACL (benign GET, benign JSON POST, an
   attack), and on a stage without one.
3. Detection: the corpora of tests/fixtures/waf through each candidate engine: the OWASP
   CRS under ModSecurity at paranoia levels 1 and 2 (what Lamina runs), and libinjection
   on its own when its Python binding is installed (libinjection-python; not a dependency).

Writes bench/results/waf.json and prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
CORPUS = REPO / "tests" / "fixtures" / "waf"
APP = REPO / "tests" / "fixtures" / "apps" / "waf"
sys.path.insert(0, str(REPO))

from lamina.config.load import load_application  # noqa: E402 (after the path)
from lamina.gateway.context import RequestContext  # noqa: E402
from lamina.gateway.deployment import Deployment  # noqa: E402
from lamina.gateway.error import GatewayError  # noqa: E402
from lamina.gateway.request import GatewayRequest  # noqa: E402
from lamina.gateway.stages.firewall import Firewall  # noqa: E402
from lamina.gateway.waf.detect import Attack, CrsDetector  # noqa: E402
from lamina.gateway.waf.model import TextTransformation  # noqa: E402
from lamina.gateway.waf.transform import pipeline  # noqa: E402

BLOCK = 1
"""Requests per route before switching: alternating one by one, both routes see the same
machine (this one is shared and its load swings)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    figures = {
        # The figures scale with what else the machine runs; this says how busy it was.
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "http": _http(args.calls),
        "in_process_us": _in_process(),
        "detection": _detection(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "waf.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50": round(statistics.median(samples), 1),
        "p99": round(samples[max(0, int(len(samples) * 0.99) - 1)], 1),
        "mean": round(statistics.fmean(samples), 1),
    }


def _http(calls: int) -> dict[str, object]:
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", str(APP), "--port", str(port)]
    plain: list[float] = []
    guarded: list[float] = []
    with Server(command, port, RESULTS / "waf.log.tmp", cwd=REPO) as server:
        server.wait_listening(20)
        with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
            for path in ("/Stage/hello", "/prod/hello"):
                for _ in range(50):
                    assert client.get(path).status_code == 200  # warm worker and ACL
            while len(plain) < calls:
                for path, samples in (("/Stage/hello", plain), ("/prod/hello", guarded)):
                    for _ in range(BLOCK):
                        start = time.perf_counter()
                        response = client.get(path, params={"q": "red shoes"})
                        samples.append((time.perf_counter() - start) * 1e6)
                        assert response.status_code == 200
    without, with_acl = _stats(plain), _stats(guarded)
    return {
        "calls_per_route": len(plain),
        "no_acl_us": without,
        "web_acl_us": with_acl,
        "added_p50_us": round(with_acl["p50"] - without["p50"], 1),
    }


def _context(deployment: Deployment, stage: str, request: GatewayRequest) -> RequestContext:
    request.path = f"/{stage}/hello"
    return RequestContext(request, deployment, "127.0.0.1")


def _request(method: str, query: str, body: bytes) -> GatewayRequest:
    return GatewayRequest(
        method=method,
        path="/hello",
        query_string=query,
        headers=[("User-Agent", "bench"), ("Content-Type", "application/json")],
        body=body,
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="127.0.0.1",
        request_id="r",
        extended_request_id="e",
        time_epoch_ms=0,
    )


def _in_process() -> dict[str, object]:
    app = load_application(APP)
    deployment = Deployment(
        rest_apis=app.rest_apis, http_apis=(), region=app.region, account_id=app.account_id
    )
    firewall = Firewall()
    body = json.dumps({"name": "Conan O'Brien", "items": [{"id": 1, "qty": 2}]}).encode()
    cases: dict[str, tuple[str, Callable[[int], GatewayRequest]]] = {
        "no_acl_get": ("Stage", lambda i: _request("GET", "q=red%20shoes", b"")),
        # The same request again and again: the detectors' verdict cache answers.
        "acl_benign_get_repeated": ("prod", lambda i: _request("GET", "q=red%20shoes", b"")),
        # A query never seen before, each time: one ModSecurity transaction per detection.
        "acl_benign_get_unique_query": (
            "prod",
            lambda i: _request("GET", f"q=red%20shoes%20size%20{i}", b""),
        ),
        "acl_benign_json_post_unique": (
            "prod",
            lambda i: _request("POST", "", body.replace(b'"qty": 2', b'"qty": %d' % i)),
        ),
        "acl_sqli_get_blocked": (
            "prod",
            lambda i: _request("GET", f"id={i}%27%20OR%20%271%27%3D%271", b""),
        ),
    }
    figures: dict[str, object] = {}
    for name, (stage, make) in cases.items():
        samples = []
        for i in range(1050):
            ctx = _context(deployment, stage, make(i))
            start = time.perf_counter()
            with contextlib.suppress(GatewayError):  # the attack case is blocked
                _run(firewall, ctx)
            if i >= 50:
                samples.append((time.perf_counter() - start) * 1e6)
        figures[name] = _stats(samples)
    return figures


def _run(firewall: Firewall, ctx: RequestContext) -> None:
    """Drive the stage's coroutine without an event loop (it never awaits)."""
    coroutine = firewall(ctx)
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the firewall stage awaited")


def _lines(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def _rates(detect: Callable[[str], bool]) -> dict[str, object]:
    """Each engine sees every string as a rule with URL_DECODE and HTML_ENTITY_DECODE
    transformations hands it (as the corpus test does)."""
    decode = pipeline(
        [
            TextTransformation(priority=0, type="URL_DECODE"),
            TextTransformation(priority=1, type="HTML_ENTITY_DECODE"),
        ]
    )
    assert decode is not None

    def decoded(name: str) -> list[str]:
        # libinjection's list is URL-encoded already; the others are literal: either way
        # one URL decoding, as the rule applies it.
        return [decode(v.encode()).decode("utf-8", "replace") for v in _lines(name)]

    corpora = {
        "sqli": decoded("sqli.txt"),
        "xss": decoded("xss.txt"),
        "benign": decoded("benign.txt"),
        "benign_libinjection_fp": decoded("benign-libinjection-false-positives.txt"),
    }
    out: dict[str, object] = {}
    spent, checks = 0.0, 0
    for name, values in corpora.items():
        start = time.perf_counter()
        hits = sum(detect(value) for value in values)
        spent += time.perf_counter() - start
        checks += len(values)
        out[name] = round(hits / len(values), 4)
    out["us_per_check"] = round(spent / checks * 1e6, 1)
    return out


def _detection() -> dict[str, object]:
    def crs(attack: Attack, paranoia: int) -> Callable[[str], bool]:
        # A fresh detector per engine row: its verdict cache must not answer for another row.
        detector = CrsDetector(attack, paranoia)
        return lambda value: detector.detect([value.encode()]) is not None

    def either(*checks: Callable[[str], bool]) -> Callable[[str], bool]:
        return lambda value: any(check(value) for check in checks)

    engines: dict[str, Callable[[str], bool]] = {
        "crs_pl1_sqli (SqliMatch LOW)": crs(Attack.SQLI, 1),
        "crs_pl2_sqli (SqliMatch HIGH)": crs(Attack.SQLI, 2),
        "crs_pl1_xss (XssMatch)": crs(Attack.XSS, 1),
        "crs_pl1_sqli_or_xss": either(crs(Attack.SQLI, 1), crs(Attack.XSS, 1)),
        "crs_pl2_sqli_or_xss": either(crs(Attack.SQLI, 2), crs(Attack.XSS, 2)),
    }
    try:
        import libinjection  # type: ignore[import-not-found]  # optional

        def li_sqli(value: str) -> bool:
            return bool(libinjection.is_sql_injection(value)["is_sqli"])

        def li_xss(value: str) -> bool:
            return bool(libinjection.is_xss(value)["is_xss"])

        engines["libinjection_sqli"] = li_sqli
        engines["libinjection_xss"] = li_xss
        engines["libinjection_sqli_or_xss"] = either(li_sqli, li_xss)
    except ImportError:
        print("libinjection-python is not installed: no libinjection rows", file=sys.stderr)
    return {
        "corpus_sizes": {
            "sqli": len(_lines("sqli.txt")),
            "xss": len(_lines("xss.txt")),
            "benign": len(_lines("benign.txt")),
            "benign_libinjection_fp": len(_lines("benign-libinjection-false-positives.txt")),
        },
        "note": "share of each corpus flagged; each string is one query argument value",
        **{name: _rates(check) for name, check in engines.items()},
    }


if __name__ == "__main__":
    raise SystemExit(main())
