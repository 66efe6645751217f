"""`lamina up` publishes a template's Lambda versions and points its aliases at them, as
CloudFormation does at stack creation (SAM AutoPublishAlias, or an explicit
AWS::Lambda::Version with AWS::Lambda::Alias): version 1 at the first start, nothing new
at a restart with the same code, version 2 once the handler changed."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.clients import aws_client, lamina_cli
from tests.conftest import LaminaProcess

HANDLER = (
    "def handler(event, context):\n    return {'code': %r, 'version': context.function_version}\n"
)

FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
"""

AUTO_PUBLISH = FUNCTION + "      AutoPublishAlias: live\n"

LIVE_ALIAS = """\
  HelloVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Hello
  LiveAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Hello
      FunctionVersion: !GetAtt HelloVersion.Version
      Name: live
"""

EXPLICIT = (
    FUNCTION
    + LIVE_ALIAS
    + """\
  PinnedAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Hello
      FunctionVersion: "$LATEST"
      Name: pinned
"""
)


def _app(tmp_path: Path, template: str) -> Path:
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "template.yaml").write_text(template)
    (app / "src" / "app.py").write_text(HANDLER % "first")
    return app


def _state(base: str) -> tuple[list[str], str, dict[str, Any]]:
    """Published versions, the alias live's version, and what invoking live returns."""
    lambda_ = aws_client(base, "lambda")
    listed = lambda_.list_versions_by_function(FunctionName="hello")["Versions"]
    alias = lambda_.get_alias(FunctionName="hello", Name="live")
    invoked = lambda_.invoke(FunctionName="hello", Qualifier="live")
    assert invoked["ExecutedVersion"] == alias["FunctionVersion"]
    body = json.loads(invoked["Payload"].read())
    return [v["Version"] for v in listed], alias["FunctionVersion"], body


def _run(app: Path, state: Path) -> tuple[list[str], str, dict[str, Any]]:
    lamina = LaminaProcess(app, state_dir=state)
    try:
        return _state(lamina.base)
    finally:
        lamina.stop()


@pytest.mark.parametrize("template", [AUTO_PUBLISH, EXPLICIT], ids=["auto_publish", "explicit"])
def test_versions_published_once_per_code_change(tmp_path: Path, template: str) -> None:
    app = _app(tmp_path, template)
    state = tmp_path / "state"

    assert _run(app, state) == (
        ["$LATEST", "1"],
        "1",
        {"code": "first", "version": "1"},
    )
    # Unchanged code and configuration: the restart publishes nothing.
    assert _run(app, state) == (
        ["$LATEST", "1"],
        "1",
        {"code": "first", "version": "1"},
    )
    (app / "src" / "app.py").write_text(HANDLER % "second")
    assert _run(app, state) == (
        ["$LATEST", "1", "2"],
        "2",
        {"code": "second", "version": "2"},
    )


def test_version_keeps_the_code_it_was_published_with(tmp_path: Path) -> None:
    """Version 1 runs the code of the first start after the folder changed, and an alias
    naming $LATEST is left on $LATEST."""
    app = _app(tmp_path, EXPLICIT)
    state = tmp_path / "state"
    _run(app, state)
    (app / "src" / "app.py").write_text(HANDLER % "second")
    lamina = LaminaProcess(app, state_dir=state)
    try:
        lambda_ = aws_client(lamina.base, "lambda")
        first = lambda_.invoke(FunctionName="hello", Qualifier="1")
        assert json.loads(first["Payload"].read()) == {"code": "first", "version": "1"}
        pinned = lambda_.get_alias(FunctionName="hello", Name="pinned")
        assert pinned["FunctionVersion"] == "$LATEST"
    finally:
        lamina.stop()


def test_alias_moved_through_the_api_stays_until_a_new_version(tmp_path: Path) -> None:
    """On AWS a stack that did not change leaves an alias where UpdateAlias put it."""
    app = _app(tmp_path, AUTO_PUBLISH)
    state = tmp_path / "state"
    _run(app, state)
    (app / "src" / "app.py").write_text(HANDLER % "second")
    lamina = LaminaProcess(app, state_dir=state)
    try:
        lambda_ = aws_client(lamina.base, "lambda")
        lambda_.update_alias(FunctionName="hello", Name="live", FunctionVersion="1")
    finally:
        lamina.stop()
    assert _run(app, state)[1] == "1"
    (app / "src" / "app.py").write_text(HANDLER % "third")
    assert _run(app, state)[1:] == ("3", {"code": "third", "version": "3"})


def test_deploy_publishes_the_changed_code(tmp_path: Path) -> None:
    """`lamina deploy` of an edited handler publishes version 2 and moves the alias."""
    app = _app(tmp_path, AUTO_PUBLISH)
    lamina = LaminaProcess(app, "--no-watch")
    try:
        assert _state(lamina.base)[:2] == (["$LATEST", "1"], "1")
        (app / "src" / "app.py").write_text(HANDLER % "second")
        deployed = lamina_cli("deploy", str(app), "--no-confirm")
        assert deployed.returncode == 0, deployed.stderr
        assert _state(lamina.base) == (
            ["$LATEST", "1", "2"],
            "2",
            {"code": "second", "version": "2"},
        )
    finally:
        lamina.stop()


def test_watched_edit_publishes_the_changed_code(tmp_path: Path) -> None:
    """An edit `lamina up` sees (it watches by default) publishes the next version."""
    app = _app(tmp_path, AUTO_PUBLISH)
    lamina = LaminaProcess(app)
    try:
        assert _state(lamina.base)[1] == "1"
        (app / "src" / "app.py").write_text(HANDLER % "second")
        deadline = time.monotonic() + 20
        alias = aws_client(lamina.base, "lambda").get_alias
        while alias(FunctionName="hello", Name="live")["FunctionVersion"] != "2":
            # Read the alias alone: it moves while the reload publishes (a full _state
            # could see the alias and the invocation on either side of the move).
            assert time.monotonic() < deadline, lamina.output()[-3000:]
            time.sleep(0.2)
        assert _state(lamina.base) == (
            ["$LATEST", "1", "2"],
            "2",
            {"code": "second", "version": "2"},
        )
    finally:
        lamina.stop()


def test_restart_after_api_releases_publishes_nothing(tmp_path: Path) -> None:
    """The API published other code as version 2 and moved the alias to it; a restart
    with the template's folder unchanged finds that folder's version (1) already there,
    publishes nothing and leaves the alias where the API put it."""
    app = _app(tmp_path, AUTO_PUBLISH.replace("AutoPublishAlias: live", _DESCRIBED))
    state = tmp_path / "state"
    _run(app, state)
    lamina = LaminaProcess(app, state_dir=state)
    try:
        lambda_ = aws_client(lamina.base, "lambda")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("app.py", HANDLER % "second")
        lambda_.update_function_code(FunctionName="hello", ZipFile=buffer.getvalue())
        lambda_.get_waiter("function_updated").wait(FunctionName="hello")
        assert lambda_.publish_version(FunctionName="hello")["Version"] == "2"
        lambda_.update_alias(FunctionName="hello", Name="live", FunctionVersion="2")
    finally:
        lamina.stop()
    lamina = LaminaProcess(app, state_dir=state)
    try:
        assert _state(lamina.base) == (
            ["$LATEST", "1", "2"],
            "2",
            {"code": "second", "version": "2"},
        )
        one = aws_client(lamina.base, "lambda").get_function_configuration(
            FunctionName="hello", Qualifier="1"
        )
        assert one["Description"] == "from the template"
    finally:
        lamina.stop()


_DESCRIBED = "AutoPublishAlias: live\n      VersionDescription: from the template"


ROUTED = (
    FUNCTION
    + LIVE_ALIAS
    + """\
      RoutingConfig:
        AdditionalVersionWeights:
          - FunctionVersion: "1"
            FunctionWeight: 0.25
"""
)


def test_alias_routing_config(tmp_path: Path) -> None:
    """RoutingConfig sends a share to version 1 once the alias's own version is another;
    while both are version 1 it cannot apply (UpdateAlias would refuse it) and is left out."""
    app = _app(tmp_path, ROUTED)
    state = tmp_path / "state"
    lamina = LaminaProcess(app, state_dir=state)
    try:
        alias = aws_client(lamina.base, "lambda").get_alias(FunctionName="hello", Name="live")
        assert (alias["FunctionVersion"], alias.get("RoutingConfig")) == ("1", None)
    finally:
        lamina.stop()
    (app / "src" / "app.py").write_text(HANDLER % "second")
    lamina = LaminaProcess(app, state_dir=state)
    try:
        alias = aws_client(lamina.base, "lambda").get_alias(FunctionName="hello", Name="live")
        assert alias["FunctionVersion"] == "2"
        assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.25}}
    finally:
        lamina.stop()


def test_alias_added_by_a_deploy_points_at_the_version(tmp_path: Path) -> None:
    """An AutoPublishAlias added to a running app by `lamina deploy` is made and points at
    the version published."""
    app = _app(tmp_path, FUNCTION)
    lamina = LaminaProcess(app, "--no-watch")
    try:
        (app / "template.yaml").write_text(AUTO_PUBLISH)
        deployed = lamina_cli("deploy", str(app), "--no-confirm")
        assert deployed.returncode == 0, deployed.stderr
        assert _state(lamina.base) == (["$LATEST", "1"], "1", {"code": "first", "version": "1"})
    finally:
        lamina.stop()
