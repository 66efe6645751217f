"""Stores written when each management API kept its own domain names (apigw/domainnames,
apigw/basepathmappings, apigatewayv2/domains, apigatewayv2/mappings) are converted to the
shared records when a provider is built, and the old kinds emptied."""

from __future__ import annotations

from typing import Any

import boto3
import msgspec
import pytest

from lamina.core.store import Collection, Store
from lamina.services.apigateway.deploy_records import (
    BasePathMapping,
    DomainName,
    EndpointConfiguration,
    Records,
)
from lamina.services.apigateway.domain_store import DOMAINS, MAPPINGS, domain_table
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from tests.loopback import ACCOUNT, REGION, LoopbackServer

OLD_KINDS = (
    "apigw/domainnames",
    "apigw/basepathmappings",
    "apigatewayv2/domains",
    "apigatewayv2/mappings",
)


class _OldHttpRecord(msgspec.Struct):
    data: dict[str, Any]


def _write_old_records(store: Store) -> None:
    records = Records(store)
    with store.transaction() as tx:
        records.domains.put(
            "rest.example.test",
            DomainName(
                domain_name="rest.example.test",
                endpoint_configuration=EndpointConfiguration(types=["REGIONAL"]),
                domain_name_arn="arn:aws:apigateway:us-east-1::/domainnames/rest.example.test",
                regional_certificate_arn="arn:cert",
                regional_domain_name="d-old0000001.execute-api.us-east-1.amazonaws.com",
                regional_hosted_zone_id="Z1UJRXOUMOOFQ8",
            ),
            tx,
        )
        records.mappings.put(
            "rest.example.test/(none)",
            BasePathMapping(
                domain_name="rest.example.test", base_path="(none)", rest_api_id="restapi001"
            ),
            tx,
        )
        names = Collection(store, "apigatewayv2/domains", _OldHttpRecord)
        mappings = Collection(store, "apigatewayv2/mappings", _OldHttpRecord)
        for name in ("http.example.test", "rest.example.test"):
            names.put(
                name,
                _OldHttpRecord(
                    {
                        "DomainName": name,
                        "DomainNameArn": f"arn:aws:apigateway:us-east-1::/domainnames/{name}",
                        "DomainNameConfigurations": [
                            {
                                "ApiGatewayDomainName": "d-old0000002.execute-api.us-east-1"
                                ".amazonaws.com",
                                "EndpointType": "REGIONAL",
                                "SecurityPolicy": "TLS_1_2",
                            }
                        ],
                        "Tags": {"k": "v"},
                    }
                ),
                tx,
            )
        mappings.put(
            "http.example.test/m1",
            _OldHttpRecord(
                {"ApiId": "httpapi001", "ApiMappingId": "m1", "ApiMappingKey": "a/b", "Stage": "s"}
            ),
            tx,
        )
        # The same base path as the REST mapping: the REST one is kept.
        mappings.put(
            "rest.example.test/m2",
            _OldHttpRecord(
                {"ApiId": "httpapi001", "ApiMappingId": "m2", "ApiMappingKey": "", "Stage": "s"}
            ),
            tx,
        )


@pytest.mark.parametrize("provider", ["apigateway", "apigatewayv2"])
def test_old_domain_records_are_converted_once(store: Store, provider: str) -> None:
    _write_old_records(store)
    if provider == "apigateway":
        ApiGatewayProvider(store=store, region=REGION, account_id=ACCOUNT)
    else:
        ApiGatewayV2Provider(store, REGION, ACCOUNT)
    assert all(store.scan(kind) == [] for kind in OLD_KINDS)
    table = {domain.domain_name: (domain, mappings) for domain, mappings in domain_table(store)}
    assert set(table) == {"rest.example.test", "http.example.test"}
    rest, rest_mappings = table["rest.example.test"]
    assert rest.regional_certificate_arn == "arn:cert"  # the REST record won
    assert [(m.base_path, m.api_id, m.api_type) for m in rest_mappings] == [
        ("", "restapi001", "REST")
    ]
    http, http_mappings = table["http.example.test"]
    assert http.tags == {"k": "v"}
    assert [(m.id, m.base_path, m.api_id, m.api_type, m.stage) for m in http_mappings] == [
        ("m1", "a/b", "httpapi001", "HTTP", "s")
    ]
    before = (store.scan(DOMAINS), store.scan(MAPPINGS))
    ApiGatewayV2Provider(store, REGION, ACCOUNT)  # a second start changes nothing
    assert (store.scan(DOMAINS), store.scan(MAPPINGS)) == before


def test_converted_domains_answer_both_apis(store: Store) -> None:
    _write_old_records(store)
    server = LoopbackServer()
    server.serve(
        ApiGatewayProvider(store=store, region=REGION, account_id=ACCOUNT),
        ApiGatewayV2Provider(store, REGION, ACCOUNT),
    )
    try:
        apigw = boto3.client("apigateway", **server.client_options())
        v2 = boto3.client("apigatewayv2", **server.client_options())
        rest = apigw.get_domain_name(domainName="rest.example.test")
        assert rest["regionalDomainName"] == "d-old0000001.execute-api.us-east-1.amazonaws.com"
        assert apigw.get_base_path_mappings(domainName="rest.example.test")["items"] == [
            {"basePath": "(none)", "restApiId": "restapi001"}
        ]
        [mapping] = v2.get_api_mappings(DomainName="http.example.test")["Items"]
        assert (mapping["ApiMappingId"], mapping["ApiMappingKey"]) == ("m1", "a/b")
    finally:
        server.close()
