"""One reading of where x-amazon-apigateway-endpoint-configuration sits in a definition."""

from __future__ import annotations

from lamina.core.openapi import ENDPOINT_CONFIGURATION, endpoint_extension


def test_endpoint_extension_top_level_wins() -> None:
    document = {
        ENDPOINT_CONFIGURATION: {"disableExecuteApiEndpoint": True},
        "servers": [{ENDPOINT_CONFIGURATION: {"vpcEndpointIds": ["vpce-1"]}}],
    }
    assert endpoint_extension(document) == {"disableExecuteApiEndpoint": True}


def test_endpoint_extension_on_the_first_server_that_has_it() -> None:
    """OpenAPI 3.0 puts it on a Server object; servers without it are passed over."""
    document = {
        "servers": [
            {"url": "https://a.example"},
            {"url": "https://b.example", ENDPOINT_CONFIGURATION: {"vpcEndpointIds": ["vpce-2"]}},
            {ENDPOINT_CONFIGURATION: {"vpcEndpointIds": ["vpce-3"]}},
        ]
    }
    assert endpoint_extension(document) == {"vpcEndpointIds": ["vpce-2"]}


def test_endpoint_extension_absent_or_not_an_object() -> None:
    assert endpoint_extension({}) is None
    assert endpoint_extension({"servers": "nope"}) is None
    assert endpoint_extension({ENDPOINT_CONFIGURATION: ["not", "an", "object"]}) is None
