"""CloudWatch dashboards: PutDashboard, GetDashboard, ListDashboards, DeleteDashboards.

A dashboard is its name and its body (JSON with a `widgets` array), kept as given so
dashboards written for AWS round-trip unchanged; the book is one JSON document under the
state folder, written atomically on every change.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import orjson

from lamina.aws.service import ServiceError
from lamina.core.files import write_atomically

_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
"""https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html"""


class Dashboard(msgspec.Struct, kw_only=True):
    name: str
    body: str
    modified: float


class DashboardBook:
    def __init__(
        self,
        *,
        path: Path | None,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._region = region
        self._account = account_id
        self._clock = clock
        self.dashboards: dict[str, Dashboard] = {}
        if path is not None and path.exists():
            found = msgspec.json.decode(path.read_bytes(), type=list[Dashboard])
            self.dashboards = {d.name: d for d in found}

    def arn(self, name: str) -> str:
        # Dashboards are global: no region in their ARN.
        return f"arn:aws:cloudwatch::{self._account}:dashboard/{name}"

    def put(self, name: str, body: str) -> list[dict[str, str]]:
        """Store the dashboard; the validation messages of an acceptable body (none)."""
        if not _NAME.fullmatch(name):
            raise ServiceError(
                "InvalidParameterValue",
                "The value for field DashboardName contains invalid characters. It can only "
                "contain alphanumerics, dash (-) and underscore (_).",
            )
        problems = validate_body(body)
        if problems:
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
            raise ServiceError(
                "InvalidParameterInput",
                "The input for the dashboard is not valid: "
                + "; ".join(f"{p['DataPath']}: {p['Message']}" for p in problems),
            )
        self.dashboards[name] = Dashboard(name=name, body=body, modified=self._clock())
        self._save()
        return []

    def get(self, name: str) -> dict[str, Any]:
        dashboard = self.dashboards.get(name)
        if dashboard is None:
            raise ServiceError(
                "ResourceNotFound", "Dashboard " + name + " does not exist", status=404
            )
        return {
            "DashboardArn": self.arn(name),
            "DashboardBody": dashboard.body,
            "DashboardName": name,
        }

    def entries(self, prefix: str) -> list[dict[str, Any]]:
        return [
            {
                "DashboardName": d.name,
                "DashboardArn": self.arn(d.name),
                "LastModified": datetime.fromtimestamp(d.modified, UTC),
                "Size": len(d.body.encode()),
            }
            for d in sorted(self.dashboards.values(), key=lambda d: d.name)
            if d.name.startswith(prefix)
        ]

    def delete(self, names: list[str]) -> None:
        missing = [name for name in names if name not in self.dashboards]
        if missing:
            raise ServiceError(
                "ResourceNotFound",
                "Dashboard " + ", ".join(missing) + " does not exist",
                status=404,
            )
        for name in names:
            del self.dashboards[name]
        self._save()

    def _save(self) -> None:
        if self._path is not None:
            write_atomically(self._path, msgspec.json.encode(list(self.dashboards.values())))


def validate_body(body: str) -> list[dict[str, str]]:
    """The body's problems as DashboardValidationMessages (DataPath, Message)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return [{"DataPath": "/", "Message": "Should be a valid JSON object"}]
    if not isinstance(document, dict):
        return [{"DataPath": "/", "Message": "Should be an object"}]
    widgets = document.get("widgets")
    if not isinstance(widgets, list):
        return [{"DataPath": "/widgets", "Message": "Should be an array of widgets"}]
    problems = []
    for index, widget in enumerate(widgets):
        path = f"/widgets/{index}"
        if not isinstance(widget, dict):
            problems.append({"DataPath": path, "Message": "Should be an object"})
            continue
        kind = widget.get("type")
        if kind not in WIDGET_TYPES:
            problems.append(
                {"DataPath": f"{path}/type", "Message": f"Should be one of {list(WIDGET_TYPES)}"}
            )
        if kind in ("metric", "log", "alarm", "text") and not isinstance(
            widget.get("properties"), dict
        ):
            problems.append({"DataPath": f"{path}/properties", "Message": "Should be an object"})
    return problems
