"""What `lamina up` prints once it listens: every API with its URLs, custom domains,
how to trust Lamina's CA (with --tls), every function."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lamina.config.model import Application
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    AwsServiceIntegration,
    HttpApi,
    HttpIntegration,
    Integration,
    LambdaCustomIntegration,
    LambdaIntegration,
    Method,
    MockIntegration,
    RestApi,
    Route,
)
from lamina.http.certificate import KeyPair, covers


def url_host(host: str) -> str:
    """An IPv6 literal needs brackets in a URL."""
    return f"[{host}]" if ":" in host else host


def banner_lines(
    app: Application,
    deployment: Deployment,
    host: str,
    port: int,
    *,
    scheme: str = "http",
    ca_path: Path | None = None,
    own_cert: KeyPair | None = None,
) -> list[str]:
    in_url = url_host(host)
    lines = [f"Lamina: stack {app.stack_name} from {app.template_path}"]
    if app.rest_apis or app.http_apis:
        lines.append("APIs:")
    for rest in app.rest_apis:
        at_root = deployment.root_rest is not None and deployment.root_rest.api.id == rest.id
        if rest.private:
            lines += _api_lines(rest, "REST (PRIVATE)", _private_urls(rest, app, port, scheme))
            continue
        lines += _api_lines(rest, "REST", _public_urls(rest, in_url, port, at_root, scheme))
    for http in app.http_apis:
        at_root = deployment.root_http is not None and deployment.root_http.api.id == http.id
        lines += _api_lines(http, "HTTP", _public_urls(http, in_url, port, at_root, scheme))
    lines += _domain_lines(app, port, scheme)
    if own_cert is not None:
        lines += own_cert_lines(own_cert, host, bool(app.rest_apis or app.http_apis))
    if ca_path is not None:
        lines += trust_lines(ca_path)
    if app.functions:
        lines.append("Functions:")
    lines += [f"  {f.name}  {f.runtime}  {f.handler}" for f in app.functions]
    return lines


StageUrls = Callable[[str], list[str]]
"""A stage's name -> the URLs that reach it."""


def _api_lines(api: RestApi | HttpApi, kind: str, urls: StageUrls | None) -> list[str]:
    """The API's URLs, a line per stage, then its routes; `urls` None: it has none of its
    own (DisableExecuteApiEndpoint)."""
    head = f"  {api.logical_id}  id={api.id}  {kind}  "
    if not api.stages:
        return [head + "(no stage deployed: not reachable until a Deployment or Stage exists)"]
    if urls is None:
        lines = [head + "(DisableExecuteApiEndpoint: reached through its custom domains only)"]
    else:
        lines = [head + "  ".join(urls(stage.name)) for stage in api.stages]
    return lines + [f"      {route}" for route in _routes(api)]


def _public_urls(
    api: RestApi | HttpApi, host: str, port: int, at_root: bool, scheme: str
) -> StageUrls | None:
    if api.disable_execute_api_endpoint:  # its default endpoint answers 403
        return None

    def urls(stage: str) -> list[str]:
        prefix = "" if stage == "$default" else f"/{stage}"
        found = [f"{scheme}://{api.id}.execute-api.localhost:{port}{prefix}/"]
        return [f"{scheme}://{host}:{port}{prefix}/", *found] if at_root else found

    return urls


def _private_urls(api: RestApi, app: Application, port: int, scheme: str) -> StageUrls:
    """A private API is reached only through a VPC endpoint: the alias of each associated
    endpoint, and each endpoint's own name with the API id in x-apigw-api-id
    (gateway/private.py)."""

    def urls(stage: str) -> list[str]:
        aliases = [
            f"{scheme}://{api.id}-{endpoint_id}.execute-api.localhost:{port}/{stage}/"
            for endpoint_id in api.vpc_endpoint_ids
        ]
        return aliases + [
            f"{scheme}://{endpoint.id}.execute-api.vpce.localhost:{port}/{stage}/ "
            f"(header x-apigw-api-id: {api.id})"
            for endpoint in app.vpc_endpoints
        ]

    return urls


def _routes(api: RestApi | HttpApi) -> list[str]:
    """`GET /hello -> GreetingFunction`, one per method or route, followed by what guards
    it (`[TokenAuth]`, `[AWS_IAM]`, `[API key]`), so the banner shows which calls need a
    token, a signature or a key."""
    names = {authorizer.id: authorizer.name for authorizer in api.authorizers}
    if isinstance(api, HttpApi):
        rows = [(route.route_key, route.integration, _guards(route, names)) for route in api.routes]
    else:
        rows = [
            (f"{verb} {resource.path}", method.integration, _guards(method, names))
            for resource in api.resources
            for verb, method in resource.methods.items()
        ]
    return [
        f"{key} -> {_target(integration)}" + (f"  [{', '.join(guards)}]" if guards else "")
        for key, integration, guards in sorted(rows, key=_by_path)
    ]


def _guards(target: Method | Route, names: dict[str, str]) -> list[str]:
    guards = []
    if target.authorization_type == "AWS_IAM":
        guards.append("AWS_IAM")
    elif target.authorizer_id is not None:
        name = names.get(target.authorizer_id, target.authorizer_id)
        scopes = " ".join(target.authorization_scopes)
        guards.append(f"{name} {scopes}" if scopes else name)
    if isinstance(target, Method) and target.api_key_required:
        guards.append("API key")
    return guards


def _by_path(row: tuple[str, Integration | None, list[str]]) -> tuple[str, str]:
    method, _, path = row[0].partition(" ")
    return (path, method)


def _target(integration: Integration | None) -> str:
    if isinstance(integration, LambdaIntegration):
        qualifier = f":{integration.qualifier}" if integration.qualifier else ""
        return integration.function_name + qualifier
    if isinstance(integration, LambdaCustomIntegration):
        qualifier = f":{integration.qualifier}" if integration.qualifier else ""
        return f"{integration.function_name}{qualifier} (custom)"
    if integration is None:
        return "(no integration)"
    if isinstance(integration, MockIntegration):
        return "(mock)"
    if isinstance(integration, HttpIntegration):
        return f"{integration.uri} ({integration.type.lower()})"
    if isinstance(integration, AwsServiceIntegration):
        return f"{integration.uri} (aws)"
    return f"({integration.type} integration, not served yet)"


def _domain_lines(app: Application, port: int, scheme: str) -> list[str]:
    """`https://api.example.com:3000/v1/ -> RestApi Prod`, one per base path mapping."""
    if not app.domains:
        return []
    names = {api.id: api.logical_id for api in app.rest_apis}
    names |= {api.id: api.logical_id for api in app.http_apis}
    lines = [f"Custom domains (Host header; e.g. curl --resolve NAME:{port}:127.0.0.1):"]
    for domain in app.domains:
        mtls = domain.mutual_tls
        if mtls is not None:
            note = f"mutual TLS, truststore {mtls.truststore}"
            lines.append(f"  {domain.name}  ({note}{'' if scheme == 'https' else '; needs --tls'})")
        for mapping in domain.mappings:
            base = f"{mapping.base_path}/" if mapping.base_path else ""
            stage = mapping.stage or "{stage from the path}"
            target = f"{names.get(mapping.api_id, mapping.api_id)} {stage}"
            lines.append(f"  {scheme}://{domain.name}:{port}/{base} -> {target}")
    return lines


def own_cert_lines(cert: KeyPair, host: str, has_apis: bool) -> list[str]:
    """Which certificate is served by default (`--tls-cert`), and which of the URLs above
    it is not valid for: a client checking it would refuse them."""
    names = cert.names()
    lines = [f"TLS: your certificate {cert.cert_path}, for {', '.join(sorted(names)) or '-'}"]
    missing = [] if covers(names, host) else [host]
    if has_apis and not covers(names, "api.execute-api.localhost"):
        missing.append("*.execute-api.localhost")
    if missing:
        lines.append(
            f"  it does not name {', '.join(missing)}: clients that check it refuse those "
            "URLs (add the names to the certificate, or use the URLs it names)"
        )
    return lines


def trust_lines(ca_path: Path) -> list[str]:
    """How clients trust the certificates Lamina's local CA issued."""
    return [
        f"TLS: certificates issued by Lamina's local CA {ca_path}; trust it with",
        f"  curl --cacert {ca_path} ...",
        f"  SSL_CERT_FILE={ca_path}  (Python ssl, httpx)",
        f"  REQUESTS_CA_BUNDLE={ca_path}  (requests)",
        f"  AWS_CA_BUNDLE={ca_path}  (boto3, AWS CLI)",
        f"  NODE_EXTRA_CA_CERTS={ca_path}  (Node.js)",
    ]
