"""The AWS API endpoint: claim a request, authenticate it, bind it to an operation, call
the provider's handler, serialize the answer (or the error) as the service would.

    claim(request)          — identify (signature scope / X-Amz-Target / Action) → registered?
    handle(request, claim)  — authenticate → route → parse → handler → serialize
                       any ServiceError → the protocol's error response
                       any other exception → logged, 500 with the request id
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from lamina.aws.auth import auth_error, authenticate, requires_auth
from lamina.aws.authorize import (
    PUBLIC_RESOURCE_POLICIES,
    ROOT_NEVER_DENIED,
    authorize,
    authorize_anonymous,
    resources_from_params,
)
from lamina.aws.binding import find_operation, parse_input
from lamina.aws.chunked import is_chunked, unchunk
from lamina.aws.claim import POST_UPLOAD, Catalog, Claim, has_aws_marks, identify
from lamina.aws.compression import decompressed
from lamina.aws.credentials import CredentialStore, root_identity
from lamina.aws.fault import error_status, render_error
from lamina.aws.model import ModelLibrary, ServiceSpec
from lamina.aws.payload import bind_payload, streams_input
from lamina.aws.query import serialize_query
from lamina.aws.rest_xml import (
    XmlOptions,
    check_payload_hash,
    path_style,
    render_rest_xml_error,
    resource_of,
    serialize_rest_xml,
)
from lamina.aws.serialize import serialize_json_rpc, serialize_rest_json
from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
    ServiceProvider,
)
from lamina.aws.sigv2 import authenticate_query_v2
from lamina.core.ids import new_request_id
from lamina.http.message import HttpRequest, HttpResponse

log = logging.getLogger("lamina.aws")

# Error shapes services define for their own internal failures, most specific first.
_INTERNAL_CODES = ("ServiceException", "InternalServerError", "InternalServerException")


class AwsApi:
    def __init__(
        self,
        providers: Iterable[ServiceProvider],
        *,
        region: str,
        account_id: str,
        credentials: CredentialStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        library: ModelLibrary | None = None,
        enforce_iam: bool = False,
    ) -> None:
        """`enforce_iam`: authorize each signed call against the caller's identity policies
        (aws/authorize.py); the account root (`test`/`test`) may do anything."""
        self._handlers: dict[str, Mapping[str, Handler]] = {}
        self._resource_namers: dict[str, ResourceNamer] = {}
        self._resource_policies: dict[str, ResourcePolicy] = {}
        self._cors: dict[str, CorsProvider] = {}
        self._surfaces: dict[str, SurfaceProvider] = {}
        self.enforce_iam = enforce_iam
        self._namespaces: dict[str, str | None] = {}
        self._xml: dict[str, XmlOptions] = {}
        for provider in providers:
            self._handlers[provider.service_name] = dict(provider.handlers())
            self._namespaces[provider.service_name] = getattr(provider, "error_namespace", None)
            namer = getattr(provider, "resource_arns", None)
            if namer is not None:
                self._resource_namers[provider.service_name] = namer
            resource_policy = getattr(provider, "resource_policy", None)
            if resource_policy is not None:
                self._resource_policies[provider.service_name] = resource_policy
            if hasattr(provider, "preflight") and hasattr(provider, "cors_headers"):
                self._cors[provider.service_name] = provider  # type: ignore[assignment]
            if hasattr(provider, "serve_surface"):
                self._surfaces[provider.service_name] = provider  # type: ignore[assignment]
            options = getattr(provider, "xml_options", None)
            if isinstance(options, XmlOptions):
                self._xml[provider.service_name] = options
        self._catalog = Catalog(self._handlers, library or ModelLibrary())
        self._region = region
        self._account_id = account_id
        self._credentials = credentials
        self._clock = clock

    def preload(self) -> None:
        """Load every registered service's model now (blocking; run it in a thread after
        the server listens), so the first AWS request does not pay for it."""
        self._catalog.preload()

    def claim(self, request: HttpRequest) -> Claim | None:
        """Which AWS API we serve is this request for, if any? Every gateway request asks,
        so the common answer (no AWS marks at all) is found in one cheap pass. Pass the
        claim on to handle() so the request is identified once."""
        return identify(request, self._catalog) if has_aws_marks(request) else None

    def streams_body(self, head: HttpRequest) -> bool:
        """Whether a request's body should reach its handler as it arrives (the HTTP
        server's `streams_body`, asked with the request's head): the streaming payloads of
        S3 uploads (PutObject, UploadPart), which may be gigabytes."""
        claim = self.claim(head)
        if claim is None or claim.surface is not None or claim.specs[0].protocol != "rest-xml":
            return False  # S3's website and browser uploads read whole (small) bodies
        try:
            _, operation, _ = find_operation(claim, path_style(head))
        except ServiceError:
            return False
        return streams_input(operation)

    async def handle(self, request: HttpRequest, claim: Claim | None = None) -> HttpResponse:
        request_id = new_request_id()
        if claim is None:
            claim = identify(request, self._catalog)
        if claim is None:
            return _unclaimed(request_id)
        spec = claim.specs[0]
        cors = self._cors.get(spec.name) if spec.protocol == "rest-xml" else None
        if claim.surface is not None:
            response = await self._surface(spec, claim.surface, request, request_id)
            if claim.surface == POST_UPLOAD and cors is not None and request.header("Origin"):
                # A browser's upload reads its answer under the bucket's CORS rules.
                response.headers.extend(cors.cors_headers(path_style(request)))
            return response
        if cors is not None and request.method == "OPTIONS":
            try:
                headers = cors.preflight(path_style(request))
            except ServiceError as error:
                return self._error(spec, error, request_id, request)
            return HttpResponse(200, [(b"x-amz-request-id", request_id.encode()), *headers], b"")
        try:
            spec, output, operation = await self._answer(claim, request, request_id)
        except ServiceError as error:
            response = self._error(spec, error, request_id, request)
            if cors is not None and request.header("Origin") is not None:
                # S3 adds a matching CORS rule's headers to its error answers too, so the
                # page can read why its request failed.
                # https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
                response.headers.extend(cors.cors_headers(path_style(request)))
            return response
        except Exception:
            log.exception("%s request %s failed", spec.name, request_id)
            return self._error(spec, _internal(spec, request_id), request_id, request)
        if spec.protocol == "rest-xml":
            options = self._xml.get(spec.name) or XmlOptions({}, spec.namespace)
            head = request.method == "HEAD"
            response = serialize_rest_xml(operation, output, request_id, options, head=head)
            if cors is not None and request.header("Origin") is not None:
                response.headers.extend(cors.cors_headers(path_style(request)))
            return response
        if spec.protocol == "json":
            return serialize_json_rpc(operation, output, request_id, spec.json_version)
        if spec.protocol == "query":
            return serialize_query(spec, operation, output, request_id)
        return serialize_rest_json(operation, output, request_id)

    async def _surface(
        self, spec: ServiceSpec, surface: str, request: HttpRequest, request_id: str
    ) -> HttpResponse:
        """A provider's own surface (S3's website endpoint, POST-policy uploads): the
        provider answers; an error it raises is the protocol's error document."""
        provider = self._surfaces.get(spec.name)
        if provider is None:
            return _unclaimed(request_id)
        call = SurfaceCall(
            request_id=request_id,
            region=self._region,
            account_id=self._account_id,
            credentials=self._credentials,
            now=self._clock(),
            check_access=lambda access_key, operation, params: self._check_access(
                spec.name, operation, params, access_key, request.client
            ),
        )
        try:
            return await provider.serve_surface(surface, request, call)
        except ServiceError as error:
            return self._error(spec, error, request_id, request)
        except Exception:
            log.exception("%s request %s failed", spec.name, request_id)
            return self._error(spec, _internal(spec, request_id), request_id, request)

    def _check_access(
        self,
        service: str,
        operation: str,
        params: OperationInput,
        access_key: str | None,
        client: str,
    ) -> None:
        """The checks a call would pass through `handle`: an anonymous caller against the
        resource policy alone, a signed one as `_authorize` decides."""
        if access_key is not None:
            self._authorize(service, operation, params, access_key, client)
            return
        resource_policy = self._resource_policies.get(service)
        authorize_anonymous(
            service,
            operation,
            self._resources(service, operation, params),
            resource_policy(operation, params) if resource_policy else (),
            source_ip=client,
        )

    def _error(
        self, spec: ServiceSpec, error: ServiceError, request_id: str, request: HttpRequest
    ) -> HttpResponse:
        if spec.protocol == "rest-xml":
            status = error_status(spec, error)
            options = self._xml.get(spec.name)
            return render_rest_xml_error(error, status, request_id, resource_of(request), options)
        return render_error(spec, error, request_id, self._namespaces.get(spec.name))

    async def _answer(
        self, claim: Claim, request: HttpRequest, request_id: str
    ) -> tuple[ServiceSpec, OperationOutput, Any]:
        spec = claim.specs[0]
        if request.body_too_large:
            # The server dropped the body, so the signature cannot be checked either.
            raise _too_large(spec)
        streamed = request.stream is not None  # its payload is checked as it is read
        if spec.protocol == "rest-xml" and claim.signature is not None and not streamed:
            check_payload_hash(request)
        access_key = authenticate(
            claim.signature,
            request,
            self._credentials,
            protocol=spec.protocol,
            service=spec.name,
            now=self._clock(),
        )
        if spec.protocol == "rest-xml":
            request = path_style(request)  # S3's {bucket}.s3.localhost, once signed as sent
            if is_chunked(request) and request.stream is None:
                signature = claim.signature
                secret = self._credentials.secret(signature.access_key) if signature else None
                request = unchunk(request, signature, secret)
        else:
            request = decompressed(request)  # S3 keeps Content-Encoding as object metadata
        if claim.legacy is not None:
            access_key = authenticate_query_v2(
                claim.legacy,
                request,
                self._credentials,
                resource_path=request.path,
                now=self._clock(),
            )
        spec, operation, labels = find_operation(claim, request)
        anonymous = access_key is None and requires_auth(operation)
        resource_policy = self._resource_policies.get(spec.name)
        if spec.name not in PUBLIC_RESOURCE_POLICIES:
            resource_policy_for_anonymous = None  # only S3's policies can admit the unsigned
        else:
            resource_policy_for_anonymous = resource_policy
        if anonymous and self._credentials.strict and resource_policy_for_anonymous is None:
            raise auth_error(spec.protocol, spec.name, "missing", "Missing Authentication Token")
        handler = self._handlers[spec.name].get(operation.name)
        if handler is None:
            raise ServiceError(
                "NotImplemented",
                f"Lamina does not implement {spec.name}:{operation.name} yet",
                status=501,
            )
        parsed = parse_input(spec, operation, request, labels)
        if request.stream is not None:
            signature = claim.signature
            secret = self._credentials.secret(signature.access_key) if signature else None
            bind_payload(operation, parsed, request, signature, secret)
        if anonymous and resource_policy_for_anonymous is not None:
            # An unsigned call to a service with resource policies (S3's public objects).
            authorize_anonymous(
                spec.name,
                operation.name,
                self._resources(spec.name, operation.name, parsed),
                resource_policy_for_anonymous(operation.name, parsed),
                source_ip=request.client,
            )
        if access_key is not None:
            self._authorize(
                spec.name,
                operation.name,
                parsed,
                access_key,
                request.client,
                secure=request.tls is not None,
            )
        context = AwsRequestContext(
            service=spec.name,
            operation=operation.name,
            region=self._region,
            account_id=self._account_id,
            request_id=request_id,
            access_key=access_key,
            source_ip=request.client,
        )
        return spec, await handler(context, parsed), operation

    def _authorize(
        self,
        service: str,
        operation: str,
        params: OperationInput,
        access_key: str,
        client: str,
        *,
        secure: bool = False,
    ) -> None:
        identity = self._credentials.known_identity(access_key)
        resource_policy = self._resource_policies.get(service)
        if identity is None:
            # The account root (or a key accepted without a declared identity) may do
            # anything, unless a resource policy (a bucket policy) explicitly denies it,
            # which applies whether or not IAM is enforced (aws.authorize.ROOT_NEVER_DENIED).
            if resource_policy is None or (service, operation) in ROOT_NEVER_DENIED:
                return
            statements = resource_policy(operation, params)
            if not statements:
                return  # no policy on what the call acts on: nothing can deny the root
            # A key the store accepts without knowing it (--no-iam) is the root too, so
            # the policy's explicit Deny stops it as it stops `test`.
            identity = self._credentials.identity(access_key, self._account_id) or root_identity(
                access_key, "", self._account_id
            )
        elif not self.enforce_iam:
            return
        else:
            statements = resource_policy(operation, params) if resource_policy else []
        authorize(
            identity,
            service,
            operation,
            self._resources(service, operation, params),
            source_ip=client,
            resource_statements=statements,
            params=params,
            region=self._region,
            secure=secure,
        )

    def _resources(self, service: str, operation: str, params: OperationInput) -> list[str]:
        namer = self._resource_namers.get(service)
        resources = namer(operation, params) if namer is not None else None
        if not resources:
            resources = resources_from_params(
                service, self._region, self._account_id, operation, params
            )
        return resources


ResourceNamer = Callable[[str, OperationInput], list[str] | None]
"""A provider's `resource_arns(operation, params)`: the ARNs a call acts on, where only the
provider can tell (a KMS alias names a key; a secret's ARN has a random suffix)."""


ResourcePolicy = Callable[[str, OperationInput], list[Mapping[str, Any]]]
"""A provider's `resource_policy(operation, params)`: the statements of the resource-based
policy on what the call acts on (an S3 bucket policy), [] when there is none."""


class CorsProvider(Protocol):
    """A rest-xml provider answering browsers' CORS requests from its own rules (S3)."""

    def preflight(self, request: HttpRequest) -> list[tuple[bytes, bytes]]: ...

    def cors_headers(self, request: HttpRequest) -> list[tuple[bytes, bytes]]: ...


AccessCheck = Callable[[str | None, str, OperationInput], None]
"""(access key or None, operation, params): raise the service's AccessDenied unless the
caller may make that call (SurfaceCall.check_access)."""


class SurfaceCall:
    """What the endpoint hands a provider answering one of its own surfaces."""

    __slots__ = ("account_id", "check_access", "credentials", "now", "region", "request_id")

    def __init__(
        self,
        *,
        request_id: str,
        region: str,
        account_id: str,
        credentials: CredentialStore,
        now: datetime,
        check_access: AccessCheck,
    ) -> None:
        self.request_id = request_id
        self.region = region
        self.account_id = account_id
        self.credentials = credentials
        """Whose secret signs a browser upload's policy."""
        self.now = now
        self.check_access = check_access


class SurfaceProvider(Protocol):
    """A provider that answers requests beside its API (Claim.surface): S3's website
    endpoint and browser uploads."""

    async def serve_surface(
        self, surface: str, request: HttpRequest, call: SurfaceCall
    ) -> HttpResponse: ...


def _internal(spec: ServiceSpec, request_id: str) -> ServiceError:
    if spec.protocol == "rest-xml":
        # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
        message = "We encountered an internal error. Please try again."
        return ServiceError("InternalError", message, status=500, sender_fault=False)
    code = next((c for c in _INTERNAL_CODES if c in spec.error_shapes), "InternalFailure")
    message = f"An internal error occurred (request id {request_id})"
    return ServiceError(code, message, status=500, sender_fault=False)


def _too_large(spec: ServiceSpec) -> ServiceError:
    # Lambda: RequestTooLargeException, HTTP 413, for payloads over its limits.
    # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    if spec.protocol == "rest-xml":
        # S3: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
        # (Lamina's limit is its HTTP server's body cap, not S3's 5 GB.)
        message = "Your proposed upload exceeds the maximum allowed object size."
        return ServiceError("EntityTooLarge", message, status=400)
    code = "RequestTooLargeException"
    if code not in spec.error_shapes:
        code = "RequestEntityTooLarge"
    return ServiceError(code, "The request body is larger than Lamina accepts.", status=413)


def _unclaimed(request_id: str) -> HttpResponse:
    headers = [(b"x-amzn-RequestId", request_id.encode()), (b"Content-Type", b"application/json")]
    body = b'{"message":"The request names no AWS service Lamina serves."}'
    return HttpResponse(404, headers, body)
