"""`lamina deploy` against a running `lamina up --no-watch`: the change set shown, applied
after confirmation, code edits found, a broken template rolled back while the previous
version keeps serving, and `lamina stacks` telling what happened."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from tests.clients import lamina_cli
from tests.conftest import ROOT, LaminaProcess

HELLO = ROOT / "examples" / "hello"


def test_deploy_shows_the_change_set_and_applies_it(tmp_path: Path) -> None:
    app = tmp_path / "hello"
    shutil.copytree(HELLO, app, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(app, "--no-watch")
    try:
        url = f"{lamina.base}/Prod/hello/ann"
        assert httpx.get(url, timeout=30).json()["message"] == "Hello, ann!"
        listed = lamina_cli("stacks", str(app))
        assert listed.returncode == 0 and "hello  CREATE_COMPLETE" in listed.stdout, listed

        nothing = lamina_cli("deploy", str(app), "--no-confirm")
        assert nothing.returncode == 0, nothing.stderr
        assert "0 to add, 0 to modify, 0 to delete" in nothing.stdout
        assert "NO_CHANGES" in nothing.stdout

        # A parameter: every function's environment changes; refused at the prompt first.
        refused = lamina_cli(
            "deploy", str(app), "--parameter-overrides", "Greeting=Hi", answer="n\n"
        )
        assert refused.returncode == 1 and "Nothing deployed" in refused.stdout, refused
        assert "* Modify" in refused.stdout and "GreetingFunction" in refused.stdout
        assert httpx.get(url, timeout=30).json()["message"] == "Hello, ann!"
        applied = lamina_cli(
            "deploy", str(app), "--parameter-overrides", "Greeting=Hi", answer="y\n"
        )
        assert applied.returncode == 0, applied.stderr
        assert "UPDATE_COMPLETE" in applied.stdout
        assert httpx.get(url, timeout=30).json()["message"] == "Hi, ann!"

        # A code edit (no watcher): found by the server, though the template is unchanged.
        handler = app / "src" / "greeting.py"
        handler.write_text(handler.read_text().replace('f"{GREETING}, {name}!"', 'f"{name}!"'))
        edited = lamina_cli("deploy", str(app), "--no-confirm")
        assert edited.returncode == 0 and "UPDATE_COMPLETE" in edited.stdout, edited
        assert httpx.get(url, timeout=30).json()["message"] == "ann!"

        # A broken template: rolled back, the previous version still serves.
        template = app / "template.yaml"
        template.write_text(template.read_text().replace("Handler: greeting.handler", "Handler:"))
        broken = lamina_cli("deploy", str(app), "--no-confirm")
        assert broken.returncode != 0
        assert httpx.get(url, timeout=30).json()["message"] == "ann!"
    finally:
        lamina.stop()
    stopped = lamina_cli("deploy", str(app), "--no-confirm")
    assert stopped.returncode == 2 and "no Lamina serves" in stopped.stderr


def test_deploy_refuses_another_stack_than_the_one_served(tmp_path: Path) -> None:
    app = tmp_path / "hello"
    shutil.copytree(HELLO, app, ignore=shutil.ignore_patterns(".lamina"))
    lamina = LaminaProcess(app, "--no-watch")
    try:
        other = lamina_cli("deploy", str(app), "--stack-name", "other", "--no-confirm")
        assert other.returncode == 2
        assert "this Lamina serves stack hello" in other.stderr
    finally:
        lamina.stop()
