"""Template API keys against `lamina up` watching its template: what an operator changed
through the management API survives a reload that leaves the key's declaration alone, the
template's own change applies at the reload that makes it, and a template key whose value
an API-made key has rolls the reload back with AWS's conflict, naming both keys.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

QUOTA_KEY = "quota-key-0123456789abcdef"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The limits app copied where the test may edit its template."""
    copied = tmp_path / "limits"
    shutil.copytree(FIXTURES / "apps" / "limits", copied)
    return copied


@pytest.fixture
def lamina(app: Path) -> Iterator[LaminaProcess]:
    process = LaminaProcess(app)
    yield process
    process.stop()


def _apigw(lamina: LaminaProcess) -> Any:
    return aws_client(lamina.base, "apigateway")


def _edit(app: Path, lamina: LaminaProcess, old: str, new: str, outcome: str) -> str:
    """Replace `old` in the template and wait (at most 20 s) for the reload's `outcome` line
    ("Reloaded in", "still serving the previous version"); the output after the edit. An
    edit made before the watcher's first look is not a change to it: the file's time is
    moved on every 2 s until the reload is seen."""
    template = app / "template.yaml"
    text = template.read_text()
    assert old in text
    before = len(lamina.output())
    template.write_text(text.replace(old, new, 1))
    for attempt in range(200):
        tail = lamina.output()[before:]
        if outcome in tail:
            return tail
        if attempt % 20 == 19:
            later = template.stat().st_mtime + 1
            os.utime(template, (later, later))
        time.sleep(0.1)
    raise AssertionError(f"no {outcome!r} after the edit:\n{lamina.output()[before:]}")


def _status(lamina: LaminaProcess, value: str) -> int:
    with httpx.Client(base_url=lamina.base, timeout=20) as http:
        return http.get("/prod/keyed", headers={"x-api-key": value}).status_code


def _key_id(apigw: Any, name: str) -> str:
    (key,) = [k["id"] for k in apigw.get_api_keys(nameQuery=name)["items"] if k["name"] == name]
    return str(key)


def test_key_disabled_through_api_stays_disabled_until_the_template_changes_enabled(
    app: Path, lamina: LaminaProcess
) -> None:
    apigw = _apigw(lamina)
    key_id = _key_id(apigw, "quota-key")
    assert _status(lamina, QUOTA_KEY) == 200
    disable = [{"op": "replace", "path": "/enabled", "value": "false"}]
    apigw.update_api_key(apiKey=key_id, patchOperations=disable)
    assert _status(lamina, QUOTA_KEY) == 403
    # An edit beside the key (the other key's name): the reload leaves the revocation.
    _edit(app, lamina, "Name: disabled-key", "Name: disabled-key-2", "Reloaded in")
    assert apigw.get_api_key(apiKey=key_id)["enabled"] is False
    assert _key_id(apigw, "disabled-key-2")
    assert _status(lamina, QUOTA_KEY) == 403
    # The template's own Enabled changed (true -> false -> true): its value applies.
    quota_key = "Name: quota-key\n      Enabled: "
    _edit(app, lamina, quota_key + "true", quota_key + "false", "Reloaded in")
    _edit(app, lamina, quota_key + "false", quota_key + "true", "Reloaded in")
    assert apigw.get_api_key(apiKey=key_id)["enabled"] is True
    assert _status(lamina, QUOTA_KEY) == 200


def test_template_key_with_an_api_key_value_rolls_the_reload_back(
    app: Path, lamina: LaminaProcess
) -> None:
    apigw = _apigw(lamina)
    made = apigw.create_api_key(name="made", value="made-key-0123456789abcdef", enabled=True)
    tail = _edit(
        app,
        lamina,
        "Value: disabled-key-0123456789abcdef",
        "Value: made-key-0123456789abcdef",
        "still serving the previous version",
    )
    assert "ConflictException: API Key already exists" in tail
    assert f"'disabled-key' ({_key_id(apigw, 'disabled-key')})" in tail
    assert f"'made' ({made['id']})" in tail
    values = [k["value"] for k in apigw.get_api_keys(includeValues=True)["items"]]
    assert values.count("made-key-0123456789abcdef") == 1


def test_create_api_key_with_a_template_key_value_is_refused(lamina: LaminaProcess) -> None:
    apigw = _apigw(lamina)
    with pytest.raises(apigw.exceptions.ConflictException, match="API Key already exists"):
        apigw.create_api_key(name="copy", value=QUOTA_KEY)


def test_lamina_up_refuses_a_template_key_with_an_api_key_value(app: Path) -> None:
    first = LaminaProcess(app)
    try:
        made = _apigw(first).create_api_key(name="made", value="made-key-0123456789abcdef")
    finally:
        first.stop()
    template = app / "template.yaml"
    clash = template.read_text().replace(
        "Value: disabled-key-0123456789abcdef", "Value: made-key-0123456789abcdef"
    )
    template.write_text(clash)
    with pytest.raises(RuntimeError) as info:
        LaminaProcess(app)
    assert "error: ConflictException: API Key already exists" in str(info.value)
    assert f"'made' ({made['id']})" in str(info.value)


def test_template_plan_deleted_through_api_is_not_served_again(
    app: Path, lamina: LaminaProcess
) -> None:
    apigw = _apigw(lamina)
    (plan,) = [p for p in apigw.get_usage_plans()["items"] if p["name"] == "small-quota"]
    stage = plan["apiStages"][0]
    detach = [{"op": "remove", "path": "/apiStages", "value": f"{stage['apiId']}:prod"}]
    apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=detach)
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    assert _status(lamina, QUOTA_KEY) == 403  # its only plan is gone
    _edit(app, lamina, "Name: disabled-key", "Name: disabled-key-2", "Reloaded in")
    assert all(p["id"] != plan["id"] for p in apigw.get_usage_plans()["items"])
    assert _status(lamina, QUOTA_KEY) == 403
