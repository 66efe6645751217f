"""Stack change sets: what deploying a template changes against the recorded stack."""

from __future__ import annotations

import msgspec

from lamina.cli.stack import StackRecord, change_table, inventory, plan
from lamina.config.load import load_application
from tests.conftest import ROOT

HELLO = ROOT / "examples" / "hello"


def _deployed(app: object) -> StackRecord:
    return StackRecord(name="hello", template_path="t", resources=inventory(app))  # type: ignore[arg-type]


def test_a_first_deployment_adds_everything() -> None:
    app = load_application(HELLO)
    changes = plan(None, app)
    assert {c.action for c in changes} == {"Add"}
    assert {c.logical_id for c in changes} >= {"GreetingFunction", "ServerlessRestApi"}


def test_the_same_template_changes_nothing() -> None:
    app = load_application(HELLO)
    assert plan(_deployed(app), app) == []


def test_modified_added_and_deleted_resources() -> None:
    app = load_application(HELLO)
    first, *rest = app.functions
    changed = msgspec.structs.replace(first, memory_mb=first.memory_mb * 2)
    dropped = rest[0]
    new = msgspec.structs.replace(app, functions=(changed, *rest[1:]))
    changes = {(c.action, c.logical_id) for c in plan(_deployed(app), new)}
    assert ("Modify", first.logical_id) in changes
    assert ("Delete", dropped.logical_id) in changes
    lines = list(change_table("hello", plan(_deployed(app), new), len(inventory(new))))
    assert lines[0].startswith("Changes to stack hello: 0 to add, 1 to modify, 1 to delete")
    # Of the deployed stack's resources, all but the modified and the deleted one.
    assert lines[0].endswith(f", {len(inventory(app)) - 2} unchanged")
    assert any(line.startswith("* Modify") and first.logical_id in line for line in lines)
