"""`lamina up` redeploys edits while it serves: a handler edit, a template edit adding a
route, and a broken template (reported, the previous version keeps serving), with a
client calling all along and never failing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import httpx

from tests.clients import until
from tests.conftest import ROOT, LaminaProcess

HELLO = ROOT / "examples" / "hello"


class Caller(threading.Thread):
    """GET `url` in a loop until stopped; counts answers that are not 200."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.calls = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set() and self.calls < 20_000:
                try:
                    response = client.get(self.url)
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.calls += 1


def test_edits_are_redeployed_without_dropping_requests(tmp_path: Path) -> None:
    app = tmp_path / "hello"
    shutil.copytree(HELLO, app, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(app)
    caller = Caller(f"{lamina.base}/Prod/hello/ann")
    try:
        assert httpx.get(f"{lamina.base}/Prod/hello/ann", timeout=30).json()["message"] == (
            "Hello, ann!"
        )
        caller.start()

        handler = app / "src" / "greeting.py"
        handler.write_text(handler.read_text().replace('f"{GREETING}, {name}!"', 'f"Hi {name}"'))
        assert until(
            lambda: (
                httpx.get(f"{lamina.base}/Prod/hello/ann", timeout=30).json()["message"] == "Hi ann"
            )
        ), lamina.output()[-3000:]
        assert until(lambda: "Reloaded in" in lamina.output())

        template = app / "template.yaml"
        original = template.read_text()
        template.write_text("Resources: [broken")
        assert until(lambda: "still serving the previous version" in lamina.output())
        assert httpx.get(f"{lamina.base}/Prod/hello/ann", timeout=30).status_code == 200

        added = original.replace(
            "        HelloName:\n",
            "        Greet:\n          Type: Api\n          Properties:\n"
            "            Path: /greet/{name}\n            Method: get\n        HelloName:\n",
            1,
        )
        assert added != original
        template.write_text(added)
        assert until(
            lambda: httpx.get(f"{lamina.base}/Prod/greet/bo", timeout=30).status_code == 200
        ), lamina.output()[-3000:]
    finally:
        caller.stop.set()
        caller.join(10)
        lamina.stop()
    assert caller.calls > 20
    assert caller.failures == [], caller.failures[:5]
