"""Versions, aliases and qualifier resolution of one function (no processes)."""

from __future__ import annotations

import random

import msgspec
import pytest

from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import AliasConfig, FunctionConfig
from lamina.functions.registry import DeployedFunction, pick_version


def _function(**fields: object) -> DeployedFunction:
    return DeployedFunction(FunctionConfig(name="f", handler="app.v1", **fields))  # type: ignore[arg-type]


def test_publish_snapshots_latest_and_numbers_from_one() -> None:
    function = _function()
    first = function.publish()
    function.update(msgspec.structs.replace(function.latest, handler="app.v2"))
    second = function.publish()
    assert (first.version, first.handler) == ("1", "app.v1")
    assert (second.version, second.handler) == ("2", "app.v2")
    assert function.latest.version == "$LATEST"
    assert function.latest.handler == "app.v2"


def test_publish_after_deleting_a_version_does_not_reuse_its_number() -> None:
    function = _function()
    function.publish()
    function.publish()
    function.delete_version("2")
    assert function.publish().version == "3"


def test_resolve_latest_version_and_alias_pick_their_configs() -> None:
    function = _function()
    function.publish()
    function.update(msgspec.structs.replace(function.latest, handler="app.v2"))
    function.set_alias(AliasConfig(name="live", function_version="1"))
    rng = random.Random(1)
    assert function.resolve(None, rng).handler == "app.v2"
    assert function.resolve("$LATEST", rng).handler == "app.v2"
    assert function.resolve("1", rng).handler == "app.v1"
    assert function.resolve("live", rng).version == "1"


def test_resolve_unknown_version_or_alias_raises_not_found() -> None:
    function = _function()
    with pytest.raises(FunctionNotFoundError):
        function.resolve("7", random.Random())
    with pytest.raises(FunctionNotFoundError):
        function.resolve("prod", random.Random())


def test_template_aliases_point_to_latest() -> None:
    function = _function(aliases=("live",))
    assert function.resolve("live", random.Random()).version == "$LATEST"
    assert function.alias("live").function_version == "$LATEST"


def test_set_alias_to_missing_version_raises_not_found() -> None:
    function = _function()
    function.publish()
    with pytest.raises(FunctionNotFoundError):
        function.set_alias(AliasConfig(name="a", function_version="2"))
    weighted = AliasConfig(name="a", function_version="1", additional_version_weights={"5": 0.1})
    with pytest.raises(FunctionNotFoundError):
        function.set_alias(weighted)


def test_aliases_of_lists_primary_and_weighted_references() -> None:
    function = _function()
    function.publish()
    function.publish()
    function.set_alias(AliasConfig(name="a", function_version="1"))
    function.set_alias(
        AliasConfig(name="b", function_version="2", additional_version_weights={"1": 0.5})
    )
    assert function.aliases_of("1") == ["a", "b"]
    assert function.aliases_of("2") == ["b"]


def test_pick_version_splits_draws_by_weight() -> None:
    alias = AliasConfig(name="a", function_version="1", additional_version_weights={"2": 0.25})
    assert pick_version(alias, 0.0) == "2"
    assert pick_version(alias, 0.2499) == "2"
    assert pick_version(alias, 0.25) == "1"
    assert pick_version(alias, 0.99) == "1"
