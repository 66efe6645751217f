"""What `lamina up` prints once it listens: every API with its URLs, every function."""

from __future__ import annotations

from lamina.config.model import Application
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import HttpApi, Integration, LambdaIntegration, MockIntegration, RestApi


def url_host(host: str) -> str:
    """An IPv6 literal needs brackets in a URL."""
    return f"[{host}]" if ":" in host else host


def banner_lines(app: Application, deployment: Deployment, host: str, port: int) -> list[str]:
    host = url_host(host)
    lines = [f"Lamina: stack {app.stack_name} from {app.template_path}"]
    if app.rest_apis or app.http_apis:
        lines.append("APIs:")
    for rest in app.rest_apis:
        at_root = deployment.root_rest is not None and deployment.root_rest.api is rest
        lines += _api_lines(rest, "REST", host, port, at_root)
    for http in app.http_apis:
        at_root = deployment.root_http is not None and deployment.root_http.api is http
        lines += _api_lines(http, "HTTP", host, port, at_root)
    if app.functions:
        lines.append("Functions:")
    lines += [f"  {f.name}  {f.runtime}  {f.handler}" for f in app.functions]
    return lines


def _api_lines(api: RestApi | HttpApi, kind: str, host: str, port: int, at_root: bool) -> list[str]:
    head = f"  {api.logical_id}  id={api.id}  {kind}  "
    if not api.stages:
        return [head + "(no stage deployed: not reachable until a Deployment or Stage exists)"]
    lines = []
    for stage in api.stages:
        prefix = "" if stage.name == "$default" else f"/{stage.name}"
        urls = [f"http://{api.id}.execute-api.localhost:{port}{prefix}/"]
        if at_root:
            urls.insert(0, f"http://{host}:{port}{prefix}/")
        lines.append(head + "  ".join(urls))
    return lines + [f"      {route}" for route in _routes(api)]


def _routes(api: RestApi | HttpApi) -> list[str]:
    """`GET /hello -> GreetingFunction`, one per method or route."""
    if isinstance(api, HttpApi):
        pairs = [(route.route_key, route.integration) for route in api.routes]
    else:
        pairs = [
            (f"{method} {resource.path}", found.integration)
            for resource in api.resources
            for method, found in resource.methods.items()
        ]
    return [f"{key} -> {_target(integration)}" for key, integration in sorted(pairs, key=_by_path)]


def _by_path(pair: tuple[str, Integration | None]) -> tuple[str, str]:
    method, _, path = pair[0].partition(" ")
    return (path, method)


def _target(integration: Integration | None) -> str:
    if isinstance(integration, LambdaIntegration):
        qualifier = f":{integration.qualifier}" if integration.qualifier else ""
        return integration.function_name + qualifier
    if integration is None:
        return "(no integration)"
    if isinstance(integration, MockIntegration):
        return "(mock)"
    return f"({integration.type} integration, not served yet)"
