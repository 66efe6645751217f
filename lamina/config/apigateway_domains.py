"""Custom domain names held by the API Gateway management APIs (one resource for REST and
HTTP APIs, services/apigateway/domain_store.py) compiled into the data plane's
`CustomDomain`s: every mapping of a domain, whichever API made it and whichever kind of API
it points at, routed on Host and the longest matching base path.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html

Mutual TLS truststores are not fetched (a truststore URI names S3), so a domain with one is
compiled without client certificate checks; the template's domains (config/domain.py) are
where a local truststore is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lamina.gateway.domain import ApiMapping, CustomDomain
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
        )
        for domain, mappings in table
    ]
