"""CreateInvalidation's checks and idempotency, on the provider's handlers.
https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.services.cloudfront.model import Behavior, Distribution
from lamina.services.cloudfront.provider import CloudFrontProvider

CTX = AwsRequestContext(
    service="cloudfront",
    operation="CreateInvalidation",
    region="us-east-1",
    account_id="123456789012",
    request_id="r",
    access_key="test",
)


def _provider() -> CloudFrontProvider:
    provider = CloudFrontProvider(clock=lambda: 1_700_000_000.0)
    provider.put_distribution(
        Distribution(
            id="EDFDVBD6EXAMPL",
            arn="arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPL",
            domain_name="d111111abcdef8.cloudfront.net",
            default_behavior=Behavior(target_origin_id="o"),
        )
    )
    return provider


async def _invalidate(provider: CloudFrontProvider, paths: list[str], reference: str) -> Any:
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference}
    handler = provider.handlers()["CreateInvalidation"]
    return await handler(CTX, {"DistributionId": "EDFDVBD6EXAMPL", "InvalidationBatch": batch})


async def test_caller_reference_makes_create_idempotent() -> None:
    provider = _provider()
    first = await _invalidate(provider, ["/a"], "ref")
    assert first["Invalidation"]["Status"] == "Completed"
    assert first["Location"].endswith(
        f"/distribution/EDFDVBD6EXAMPL/invalidation/{first['Invalidation']['Id']}"
    )
    again = await _invalidate(provider, ["/a"], "ref")
    assert again["Invalidation"]["Id"] == first["Invalidation"]["Id"]
    with pytest.raises(ServiceError) as raised:
        await _invalidate(provider, ["/b"], "ref")
    assert raised.value.code == "InvalidationBatchAlreadyExists"


async def test_quantity_must_match_and_batches_are_bounded() -> None:
    provider = _provider()
    handler = provider.handlers()["CreateInvalidation"]
    batch = {"Paths": {"Quantity": 2, "Items": ["/a"]}, "CallerReference": "x"}
    with pytest.raises(ServiceError) as raised:
        await handler(CTX, {"DistributionId": "EDFDVBD6EXAMPL", "InvalidationBatch": batch})
    assert raised.value.code == "InconsistentQuantities"
    with pytest.raises(ServiceError) as raised:
        await _invalidate(provider, [f"/{n}" for n in range(3001)], "big")
    assert (raised.value.code, raised.value.status) == ("BatchTooLarge", 413)


async def test_unknown_distribution_and_invalidation() -> None:
    provider = _provider()
    get = provider.handlers()["GetInvalidation"]
    with pytest.raises(ServiceError) as raised:
        await get(CTX, {"DistributionId": "ENOSUCHDIST123", "Id": "I1"})
    assert (raised.value.code, raised.value.status) == ("NoSuchDistribution", 404)
    with pytest.raises(ServiceError) as raised:
        await get(CTX, {"DistributionId": "EDFDVBD6EXAMPL", "Id": "INOSUCH"})
    assert raised.value.code == "NoSuchInvalidation"


async def test_list_invalidations_pages_newest_first() -> None:
    provider = _provider()
    ids = [(await _invalidate(provider, ["/a"], str(n)))["Invalidation"]["Id"] for n in range(3)]
    listing = provider.handlers()["ListInvalidations"]
    page = (await listing(CTX, {"DistributionId": "EDFDVBD6EXAMPL", "MaxItems": "2"}))[
        "InvalidationList"
    ]
    assert [item["Id"] for item in page["Items"]] == [ids[2], ids[1]]
    assert page["IsTruncated"] is True and page["NextMarker"] == ids[1]
    rest = (
        await listing(CTX, {"DistributionId": "EDFDVBD6EXAMPL", "MaxItems": "2", "Marker": ids[1]})
    )["InvalidationList"]
    assert [item["Id"] for item in rest["Items"]] == [ids[0]]
    assert rest["IsTruncated"] is False
