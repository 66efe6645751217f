"""A template's DistributionConfig (CloudFormation's shape: plain lists) in the API's shape
(`{Quantity, Items}` wrappers, AllowedMethods holding CachedMethods, CustomHeaders), read
off botocore's model so every member the template sets comes back from
GetDistributionConfig.
https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-distributionconfig.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.aws.model import ModelLibrary

_BEHAVIOR_SHAPES = frozenset({"DefaultCacheBehavior", "CacheBehavior"})


class ConfigShapes:
    def __init__(self, library: ModelLibrary | None = None) -> None:
        self._library = library or ModelLibrary()

    def api_config(self, config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
        """DistributionConfig as GetDistributionConfig answers it."""
        shape = self._library.spec("cloudfront").model.shape_for("DistributionConfig")
        value = dict(config)
        value.setdefault("CallerReference", caller_reference)
        value.setdefault("Comment", "")
        value.setdefault("Aliases", [])
        value.setdefault("CacheBehaviors", [])
        value.setdefault("CustomErrorResponses", [])
        value.setdefault("DefaultRootObject", "")
        value.setdefault("PriceClass", "PriceClass_All")
        value.setdefault("HttpVersion", "http1.1")
        value.setdefault("IsIPV6Enabled", True)
        value.setdefault("WebACLId", "")
        value.setdefault("ViewerCertificate", {"CloudFrontDefaultCertificate": True})
        value.setdefault(
            "Restrictions", {"GeoRestriction": {"RestrictionType": "none", "Locations": []}}
        )
        converted = _convert(shape, value)
        return converted if isinstance(converted, dict) else {}

    def summary(self, config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
        """The members of a DistributionSummary that a DistributionConfig carries."""
        api = self.api_config(config, caller_reference)
        keys = (
            "Aliases", "Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors",
            "CustomErrorResponses", "Comment", "PriceClass", "Enabled", "ViewerCertificate",
            "Restrictions", "WebACLId", "HttpVersion", "IsIPV6Enabled", "Staging",
        )  # fmt: skip
        found = {key: api[key] for key in keys if key in api}
        found.setdefault("OriginGroups", {"Quantity": 0})
        found.setdefault("Staging", False)
        return found


def _convert(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, value)
    if kind == "list":
        return [_convert(shape.member, item) for item in value] if isinstance(value, list) else None
    if kind == "boolean":
        return value is True or str(value).lower() == "true"
    if kind in ("integer", "long"):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    if kind in ("structure", "map", "blob", "timestamp"):
        return None
    return str(value)


def _structure(shape: Any, value: Any) -> dict[str, Any] | None:
    members = shape.members
    if "Quantity" in members and isinstance(value, list):
        items = _convert(members["Items"], value) if "Items" in members else None
        return {"Quantity": len(value), **({"Items": items} if value else {})}
    if not isinstance(value, Mapping):
        return None
    value = dict(value)
    if shape.name in _BEHAVIOR_SHAPES and isinstance(value.get("AllowedMethods"), list):
        # CloudFormation lists CachedMethods beside AllowedMethods; the API nests it.
        cached = value.pop("CachedMethods", ["GET", "HEAD"])
        value["AllowedMethods"] = {
            "Quantity": len(value["AllowedMethods"]),
            "Items": value["AllowedMethods"],
            "CachedMethods": {"Quantity": len(cached), "Items": cached},
        }
    if shape.name == "Origin" and "OriginCustomHeaders" in value:
        value["CustomHeaders"] = value.pop("OriginCustomHeaders")
    if shape.name == "GeoRestriction" and isinstance(value.get("Locations"), list):
        locations = value.pop("Locations")
        value["Quantity"] = len(locations)
        if locations:
            value["Items"] = locations
    out: dict[str, Any] = {}
    for name, member in members.items():
        if name in value and value[name] is not None:
            converted = _convert(member, value[name])
            if converted is not None:
                out[name] = converted
    return out
