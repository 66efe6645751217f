"""The microservices example (examples/microservices, architecture A4) as its README runs
it: three stacks, each its own `lamina up` with its own port and state; `make clients`
generates the orders service's clients (GetSdk through `lamina sdk`) from the running
users and notifications APIs into its layer; then one call to the orders API goes
through both: the users service names the buyer, the notifications service keeps the
confirmation. The caller uses generated clients too (`make orders-client`)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, LaminaProcess

APP = ROOT / "examples" / "microservices"
LAMINA = f"{shlex.quote(sys.executable)} -m lamina.cli"

# What a caller does with the three generated clients: create a user (users client),
# place orders (orders client), read what the user was told (notifications client).
CALLER = """
import json, sys
import notifications_client, orders_client, users_client

def api(package):
    return package.DefaultApi(package.ApiClient(package.Configuration()))

user = api(users_client).create_user({"name": "Grace", "email": "grace@example.com"})
orders = api(orders_client)
placed = orders.place_order({"userId": user["id"], "item": "tea", "quantity": 3})
fetched = orders.get_order(placed["id"])
told = api(notifications_client).list_notifications(user["id"])
try:
    orders.place_order({"userId": "nobody", "item": "tea"})
    refused = None
except orders_client.ApiException as error:
    refused = [error.status, json.loads(error.body)]
json.dump({"user": user, "placed": placed, "fetched": fetched, "told": told,
           "refused": refused}, sys.stdout)
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the example (generated code stays out of the repository) with its three
    stacks served and the clients generated; yields (folder, the three URLs)."""
    folder = tmp_path_factory.mktemp("microservices") / "microservices"
    shutil.copytree(APP, folder, ignore=shutil.ignore_patterns(".lamina", "build", "python"))
    running: list[LaminaProcess] = []
    try:
        for name in ("users", "notifications"):
            running.append(LaminaProcess(folder / name))
        urls = {"USERS_URL": running[0].base, "NOTIFICATIONS_URL": running[1].base}
        _make(folder, "clients", urls)
        running.append(LaminaProcess(folder / "orders"))
        urls["ORDERS_URL"] = running[2].base
        _make(folder, "orders-client", urls)
        yield folder, urls
    finally:
        for served in running:
            served.stop()


def _make(folder: Path, target: str, urls: dict[str, str]) -> None:
    settings = [f"{name}={value}" for name, value in urls.items()]
    done = subprocess.run(
        ["make", "-C", str(folder), target, f"LAMINA={LAMINA}", *settings],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_clients_are_generated_into_the_orders_layer(
    deployed: tuple[Path, dict[str, str]],
) -> None:
    folder, _ = deployed
    layer = folder / "orders" / "clients" / "python"
    assert sorted(p.name for p in layer.iterdir()) == ["notifications_client", "users_client"]
    configuration = (layer / "users_client" / "configuration.py").read_text()
    assert "/restapis/" in configuration and "/Prod/_user_request_" in configuration


@pytest.mark.slow
def test_an_order_goes_through_users_and_notifications(
    deployed: tuple[Path, dict[str, str]],
) -> None:
    folder, _ = deployed
    build = folder / "build"
    sdks = [build / f"{name}-sdk" for name in ("users", "orders", "notifications")]
    ran = subprocess.run(
        [sys.executable, "-c", CALLER],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": ":".join(str(s) for s in sdks), "PATH": "/usr/bin:/bin"},
    )
    assert ran.returncode == 0, ran.stderr
    seen: dict[str, Any] = json.loads(ran.stdout)
    user, placed = seen["user"], seen["placed"]
    assert placed["userId"] == user["id"] and placed["quantity"] == 3
    assert seen["fetched"] == {k: v for k, v in placed.items() if k != "notificationId"}
    # The name is only in the users service: the orders service asked it for the buyer.
    (told,) = seen["told"]
    assert told == {
        "userId": user["id"],
        "id": placed["notificationId"],
        "message": "Hello Grace, your order of 3 x tea is placed.",
    }
    assert seen["refused"] == [422, {"message": "the users service knows no user nobody"}]


@pytest.mark.slow
def test_each_service_is_its_own_stack(deployed: tuple[Path, dict[str, str]]) -> None:
    folder, _ = deployed
    for name in ("users", "orders", "notifications"):
        listed = subprocess.run(
            [sys.executable, "-m", "lamina.cli", "stacks", str(folder / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        # One stack in each state: the one its `lamina up` deployed, nothing of the others.
        (line,) = [row for row in listed.stdout.splitlines() if not row.startswith(" ")]
        stack, status = line.split()[:2]
        assert (stack, status) == (name, "CREATE_COMPLETE")
