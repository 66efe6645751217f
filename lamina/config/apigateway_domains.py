"""Custom domain names held by the API Gateway management APIs (one resource for REST and
HTTP APIs, services/apigateway/domain_store.py) compiled into the data plane's
`CustomDomain`s: every mapping of a domain, whichever API made it and whichever kind of API
it points at, routed on Host and the longest matching base path.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html

Mutual TLS: the truststore the management API read from Lamina's S3 (and checked) when the
domain was created or updated is compiled in; a domain whose record holds none (written
before truststores were read) asks for client certificates that none can pass, so its
requests are denied with 403 rather than served without the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lamina.gateway.domain import ApiMapping, CustomDomain, MutualTls
from lamina.services.apigateway.domain_store import DomainRecord, MappingRecord


def compile_custom_domains(
    table: Iterable[tuple[DomainRecord, Sequence[MappingRecord]]],
) -> list[CustomDomain]:
    """`domain_store.domain_table(store)` as CustomDomains. A REST mapping without a stage
    takes the stage from the path segment after its base path."""
    return [
        CustomDomain(
            name=domain.domain_name.lower(),
            mappings=tuple(
                ApiMapping(
                    api_id=mapping.api_id,
                    base_path=mapping.base_path.strip("/"),
                    stage=mapping.stage or None,
                )
                for mapping in mappings
            ),
            security_policy=domain.security_policy,
            endpoint_access_mode=domain.endpoint_access_mode,
            mutual_tls=_mutual_tls(domain),
        )
        for domain, mappings in table
    ]


def _mutual_tls(domain: DomainRecord) -> MutualTls | None:
    if domain.mutual_tls is None:
        return None
    return MutualTls(
        truststore_uri=domain.mutual_tls.truststore_uri,
        truststore_version=domain.mutual_tls.truststore_version,
        truststore_pem=domain.mutual_tls.truststore_pem,
    )
