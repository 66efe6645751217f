"""API Gateway mapping templates: Velocity (VTL) as API Gateway runs it.

airspeed parses and evaluates the Velocity language; this package supplies what API Gateway
puts around it (`$input`, `$context`, `$stageVariables`, `$util`), Java's view of the values
(how a map, a list, a boolean or null prints), and fixes airspeed where it differs from
API Gateway's engine (velocity.py lists each one; tests name them). Each template is then
translated once into a Python function that keeps those fixes (compiler.py, calling
runtime.py), so a request runs no interpreter.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html

It may import the standard library, airspeed, jsonpath-ng, orjson and, from the gateway,
only the request (`gateway.request`) and the event clock (`gateway.events.clock`), so any
integration (MOCK now; Lambda custom, HTTP and AWS service integrations later) can use it
without a cycle.
"""

from lamina.gateway.mapping.engine import (
    MappingError,
    MappingInput,
    Rendered,
    RequestFacts,
    compile_template,
    render_error_template,
    render_request_template,
    render_response_template,
)

__all__ = [
    "MappingError",
    "MappingInput",
    "Rendered",
    "RequestFacts",
    "compile_template",
    "render_error_template",
    "render_request_template",
    "render_response_template",
]
