"""The management APIs' shared domain records compiled into the data plane's CustomDomains:
REST and HTTP mappings of one domain together, `(none)` as "", a REST mapping without a
stage left to take it from the path."""

from __future__ import annotations

from lamina.config.apigateway_domains import compile_custom_domains
from lamina.gateway.domain import ApiMapping, CompiledDomain
from lamina.services.apigateway.domain_store import DomainRecord, MappingRecord


def _domain(name: str, policy: str = "TLS_1_2") -> DomainRecord:
    return DomainRecord(
        domain_name=name,
        domain_name_arn=f"arn:aws:apigateway:us-east-1::/domainnames/{name}",
        endpoint_type="REGIONAL",
        target_domain_name="d-abc.execute-api.us-east-1.amazonaws.com",
        security_policy=policy,
    )


def _mapping(base_path: str, api_id: str, api_type: str, stage: str | None) -> MappingRecord:
    return MappingRecord(
        id=api_id,
        domain_name="api.example.com",
        base_path=base_path,
        api_id=api_id,
        api_type="REST" if api_type == "REST" else "HTTP",
        stage=stage,
    )


def test_rest_and_http_mappings_of_one_domain_compile_together() -> None:
    mappings = [
        _mapping("v1", "rest000001", "REST", "prod"),
        _mapping("api/v2", "http000001", "HTTP", "$default"),
        _mapping("", "rest000002", "REST", None),
    ]
    [compiled] = compile_custom_domains([(_domain("api.example.com", "TLS_1_0"), mappings)])
    assert compiled.name == "api.example.com"
    assert compiled.security_policy == "TLS_1_0"
    assert compiled.mutual_tls is None
    assert compiled.mappings == (
        ApiMapping(api_id="rest000001", base_path="v1", stage="prod"),
        ApiMapping(api_id="http000001", base_path="api/v2", stage="$default"),
        ApiMapping(api_id="rest000002", base_path="", stage=None),
    )
    table = CompiledDomain(compiled)
    found = table.match("/api/v2/items")
    assert found is not None and found[0].api_id == "http000001" and found[1] == "/items"
    found = table.match("/other")
    assert found is not None and found[0].api_id == "rest000002"


def test_a_domain_without_mappings_compiles_empty() -> None:
    assert compile_custom_domains([(_domain("x.example.com"), [])])[0].mappings == ()
