"""Deploy, update, publish, alias and throttle through a real FunctionService."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import msgspec
import pytest

from lamina.functions.error import FunctionNotFoundError, FunctionThrottledError
from lamina.functions.model import AliasConfig, FunctionConfig
from lamina.functions.service import FunctionService

from .conftest import ServiceFactory, function

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:v"


def _code(root: Path, revision: str) -> FunctionConfig:
    folder = root / revision
    folder.mkdir()
    source = f"import os\nREVISION = {revision!r}\n" + (
        "def handler(event, context):\n"
        "    return {'revision': REVISION, 'version': context.function_version,\n"
        "            'arn': context.invoked_function_arn, 'pid': os.getpid()}\n"
    )
    (folder / "app.py").write_text(source)
    return FunctionConfig(name="v", handler="app.handler", code_path=str(folder))


async def _call(service: FunctionService, qualifier: str | None = None) -> dict[str, str]:
    result = await service.invoke("v", b"{}", qualifier=qualifier)
    assert result.function_error is None, result.payload
    return {**json.loads(result.payload), "executed": result.executed_version}


async def test_deploy_update_serves_new_code_and_retires_old_workers(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([])
    service.deploy(_code(tmp_path, "one"))
    first = await _call(service)
    service.deploy(_code(tmp_path, "two"))
    second = await _call(service)
    assert (first["revision"], second["revision"]) == ("one", "two")
    assert first["pid"] != second["pid"]
    assert service.worker_count("v") == 1


async def test_update_lets_in_flight_invocation_finish(make_service: ServiceFactory) -> None:
    service = make_service([function("s", "basic.sleep")])
    slow = asyncio.ensure_future(service.invoke("s", b'{"seconds": 0.4}'))
    await asyncio.sleep(0.2)
    service.deploy(function("s", "basic.echo"))
    echoed = await service.invoke("s", b'{"x": 1}')
    result = await slow
    assert result.function_error is None
    assert json.loads(echoed.payload)["event"] == {"x": 1}


async def test_published_version_keeps_its_code_after_update(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([])
    service.deploy(_code(tmp_path, "one"))
    assert service.publish_version("v").version == "1"
    service.deploy(_code(tmp_path, "two"))
    pinned = await _call(service, "1")
    latest = await _call(service, "$LATEST")
    assert (pinned["revision"], pinned["version"], pinned["executed"]) == ("one", "1", "1")
    assert pinned["arn"] == f"{ARN}:1"
    assert (latest["revision"], latest["executed"], latest["arn"]) == (
        "two",
        "$LATEST",
        f"{ARN}:$LATEST",
    )


async def test_alias_invocation_reports_alias_arn_and_version_run(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([])
    service.deploy(_code(tmp_path, "one"))
    service.publish_version("v")
    service.set_alias("v", AliasConfig(name="live", function_version="1"))
    answer = await _call(service, "live")
    assert (answer["arn"], answer["executed"], answer["version"]) == (f"{ARN}:live", "1", "1")


async def test_weighted_alias_splits_invocations_within_bounds(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([], rng=random.Random(7))
    service.deploy(_code(tmp_path, "one"))
    service.publish_version("v")
    service.deploy(_code(tmp_path, "two"))
    service.publish_version("v")
    weights = {"2": 0.3}
    service.set_alias(
        "v", AliasConfig(name="canary", function_version="1", additional_version_weights=weights)
    )
    runs = 1000
    executed = [
        (await service.invoke("v", b"{}", qualifier="canary")).executed_version for _ in range(runs)
    ]
    # Binomial(1000, 0.3): mean 300, standard deviation ~14.5; 5 deviations either side.
    assert 227 <= executed.count("2") <= 373
    assert set(executed) == {"1", "2"}


async def test_remove_deletes_function_and_its_versions(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service([])
    service.deploy(_code(tmp_path, "one"))
    service.publish_version("v")
    await _call(service, "1")
    service.remove("v")
    with pytest.raises(FunctionNotFoundError):
        await service.invoke("v", b"{}")
    assert service.worker_count("v") == 0


async def test_reserved_zero_throttles_every_invocation(make_service: ServiceFactory) -> None:
    service = make_service([function("echo", "basic.echo")])
    service.set_reserved_concurrency("echo", 0)
    with pytest.raises(FunctionThrottledError) as raised:
        await service.invoke("echo", b"{}")
    assert raised.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"


async def test_reserved_one_throttles_the_second_concurrent_call(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("s", "basic.sleep")])
    service.set_reserved_concurrency("s", 1)
    outcomes = await asyncio.gather(
        service.invoke("s", b'{"seconds": 0.3}'),
        service.invoke("s", b'{"seconds": 0.3}'),
        return_exceptions=True,
    )
    assert sum(isinstance(o, FunctionThrottledError) for o in outcomes) == 1
    assert service.running("s") == 0
    await service.invoke("s", b'{"seconds": 0}')  # the slot is free again


async def test_account_limit_throttles_unreserved_functions(make_service: ServiceFactory) -> None:
    service = make_service([function("s", "basic.sleep")], account_concurrency=1)
    outcomes = await asyncio.gather(
        service.invoke("s", b'{"seconds": 0.3}'),
        service.invoke("s", b'{"seconds": 0.3}'),
        return_exceptions=True,
    )
    throttled = [o for o in outcomes if isinstance(o, FunctionThrottledError)]
    assert [t.reason for t in throttled] == ["ConcurrentInvocationLimitExceeded"]


async def test_cancelled_caller_holds_its_concurrency_until_the_call_ends(
    make_service: ServiceFactory,
) -> None:
    service = make_service([function("s", "basic.sleep")])
    service.set_reserved_concurrency("s", 1)
    slow = asyncio.ensure_future(service.invoke("s", b'{"seconds": 0.4}'))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(FunctionThrottledError):
        await service.invoke("s", b"{}")
    await asyncio.sleep(0.4)
    assert (await service.invoke("s", b'{"seconds": 0}')).function_error is None


def test_get_with_alias_returns_the_aliased_version(make_service: ServiceFactory) -> None:
    service = make_service([function("echo", "basic.echo")])
    service.publish_version("echo")
    service.deploy(msgspec.structs.replace(service.get("echo"), memory_mb=256))
    service.set_alias("echo", AliasConfig(name="a", function_version="1"))
    assert service.get("echo", "a").memory_mb == 128
    assert service.get("echo").memory_mb == 256
