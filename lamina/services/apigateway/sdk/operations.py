"""GetSdk, GetSdkTypes and GetSdkType.

GetSdk generates from what the stage serves: the snapshot of its deployment, exported as
OpenAPI 3.0 without API Gateway's extensions (as GetExport with exportType oas30).
https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdk.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdkTypes.html
https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdkType.html
"""

from __future__ import annotations

import re
from collections import OrderedDict

from lamina.aws.service import Operation, OperationInput, OperationOutput
from lamina.services.apigateway.deploy_records import Records
from lamina.services.apigateway.error import bad_request, not_found
from lamina.services.apigateway.listing import page
from lamina.services.apigateway.openapi_export import Exporter
from lamina.services.apigateway.sdk.catalog import AWS_TYPES, KINDS, SdkKind
from lamina.services.apigateway.sdk.document import sdk_document
from lamina.services.apigateway.sdk.generator import GeneratorError, generate
from lamina.services.apigateway.stages import stage_record
from lamina.services.apigateway.state import ApiGatewayState, timestamp

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
_PACKAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_CACHE_SIZE = 16
# A deployment's snapshot never changes: the same type and parameters give the same zip.
_cache: OrderedDict[tuple[str, ...], bytes] = OrderedDict()


def _kind(sdk_type: str) -> SdkKind:
    kind = KINDS.get(sdk_type)
    if kind is not None:
        return kind
    generated = ", ".join(sorted(KINDS))
    if sdk_type in AWS_TYPES:
        raise bad_request(
            f"Lamina does not generate the {sdk_type} SDK type yet; it generates: {generated}"
        )
    # AWS documents no wording for an unknown type; this one follows GetExport's
    # "Invalid export type specified".
    raise bad_request(f"Invalid SDK type specified: {sdk_type}")


async def _get_sdk(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    api_id, stage_name = params["restApiId"], params["stageName"]
    kind = _kind(params["sdkType"])
    options = dict(params.get("parameters") or {})
    unknown = set(options) - {p.name for p in kind.properties}
    if unknown:
        raise bad_request(f"Invalid SDK parameters for {kind.id}: {', '.join(sorted(unknown))}")
    api = state.rest_api(api_id)
    records = Records(state.store)
    stage = stage_record(records, api_id, stage_name)
    frozen = records.snapshot(api_id, stage.deployment_id) if stage.deployment_id else None
    if frozen is None:
        raise not_found("Invalid Deployment identifier specified")
    version = frozen["restApi"].get("version") or _iso(api.created_date)
    exporter = Exporter(frozen, swagger=False, extensions=set(), region=state.region)
    document = sdk_document(exporter.document(stage_name, version))
    base_url = options.pop("baseUrl", None)
    if base_url is not None:
        if not base_url.startswith(("http://", "https://")):
            raise bad_request(f"Invalid baseUrl specified: {base_url}")
        document["servers"] = [{"url": base_url.rstrip("/")}]
    generator_options = _names(kind, frozen["restApi"]["name"], options)
    key = (api_id, str(stage.deployment_id), kind.id, base_url or "", *sorted(options.items()))
    key = tuple(str(part) for part in key)
    body = _cache.get(key)
    if body is None:
        folder = f"{generator_options['projectName']}-{kind.id}-sdk"
        try:
            body = await generate(kind, document, generator_options, folder)
        except GeneratorError as error:
            raise bad_request(f"Could not generate the {kind.id} SDK: {error}") from None
        _cache[key] = body
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    # A zip named for the type and the version, as GetExport names its documents.
    return {
        "contentType": "application/zip",
        "contentDisposition": f'attachment; filename="{kind.id}_{version}.zip"',
        "body": body,
    }


def _names(kind: SdkKind, api_name: str, options: dict[str, str]) -> dict[str, str]:
    """The generator's naming properties: the caller's, else from the API's name."""
    project = options.get("projectName") or _slug(api_name)
    if not _NAME.match(project):
        raise bad_request(f"Invalid projectName specified: {project}")
    out = {"projectName": project}
    if kind.id == "python":
        package = options.get("packageName") or project.replace("-", "_").replace(".", "_")
        if "packageName" not in options:
            package += "_client"
        if not _PACKAGE.match(package):
            raise bad_request(f"Invalid packageName specified: {package}")
        out["packageName"] = package
    elif kind.id == "typescript":
        out["npmName"] = project
    return out


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug if slug and slug[0].isalpha() else f"api-{slug}".rstrip("-")


def _iso(epoch_s: float) -> str:
    return timestamp(epoch_s).strftime("%Y-%m-%dT%H:%M:%SZ")


def _get_sdk_types(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    return page([KINDS[name].wire() for name in sorted(KINDS)], params)


def _get_sdk_type(state: ApiGatewayState, params: OperationInput) -> OperationOutput:
    kind = KINDS.get(params["id"])
    if kind is None:
        raise not_found(f"Invalid SDK type specified: {params['id']}")
    return kind.wire()


OPERATIONS: dict[str, Operation[ApiGatewayState]] = {
    "GetSdk": _get_sdk,
    "GetSdkTypes": _get_sdk_types,
    "GetSdkType": _get_sdk_type,
}
