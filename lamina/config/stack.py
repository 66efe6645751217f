"""One template being turned into an Application: its resources, resolver and place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lamina.config.code import LocalArtifacts
from lamina.config.document import TemplateDocument
from lamina.config.error import ConfigError
from lamina.config.intrinsic import NO_VALUE, Resolver
from lamina.config.reference import CfnResource, Resources


class Stack:
    """What the resource builders share while they read one template."""

    def __init__(
        self,
        *,
        document: TemplateDocument,
        resources: Resources,
        resolver: Resolver,
        artifacts: LocalArtifacts,
    ) -> None:
        self.document = document
        self.resources = resources
        self.resolver = resolver
        self.artifacts = artifacts
        self.warnings: list[str] = []

    def of_type(self, *types: str) -> list[CfnResource]:
        return [r for r in self.resources.by_id.values() if r.type in types]

    def of_api(self, kind: str, api_id: str, *, key: str) -> list[CfnResource]:
        """Resources of `kind` whose `key` property (RestApiId / ApiId) names the API."""
        found = []
        for resource in self.of_type(kind):
            with self.blame(resource.logical_id):
                if self.text(resource, key) == api_id:
                    found.append(resource)
        return found

    def line_of(self, logical_id: str) -> int | None:
        """The resource's line; for one SAM generated, the line of the SAM resource it came
        from (see `source_of`)."""
        lines = self.document.resource_lines
        if logical_id in lines:
            return lines[logical_id]
        source = self.source_of(logical_id)
        return lines[source] if source is not None else None

    def source_of(self, logical_id: str) -> str | None:
        """The template resource a SAM-generated one came from: the longest source logical
        id its own id starts with (`MyApiprodStage` → `MyApi`), or, for SAM's custom domain
        (`ApiGatewayDomainName<hash>`, named after no API), the API whose `Domain` has the
        same DomainName."""
        lines = self.document.resource_lines
        sources = [source for source in lines if logical_id.startswith(source)]
        if sources:
            return max(sources, key=len)
        generated = self.resources.by_id.get(logical_id)
        if generated is None or not logical_id.startswith("ApiGatewayDomainName"):
            return None
        wanted = generated.properties.get("DomainName")
        if wanted is None:
            return None
        originals = self.document.body.get("Resources")
        for source, definition in (originals if isinstance(originals, dict) else {}).items():
            properties = definition.get("Properties") if isinstance(definition, dict) else None
            domain = properties.get("Domain") if isinstance(properties, dict) else None
            if isinstance(domain, dict) and domain.get("DomainName") == wanted:
                return str(source)
        return None

    @contextmanager
    def blame(self, logical_id: str) -> Iterator[None]:
        """Errors raised inside name this resource, its file and line; a resource SAM made
        from another under a name of its own is named as `Source (Generated)`, since the
        generated name appears nowhere in the user's template."""
        try:
            yield
        except ConfigError as exc:
            source = self.source_of(logical_id)
            shown = logical_id
            if source is not None and not logical_id.startswith(source):
                shown = f"{source} ({logical_id})"
            raise exc.located(
                file=self.document.path, line=self.line_of(logical_id), logical_id=shown
            ) from exc

    def prop(self, resource: CfnResource, name: str, default: object = None) -> Any:
        """A property with its intrinsics resolved (`default` when absent, or when it
        resolves to AWS::NoValue, e.g. `!If [Cond, {...}, !Ref AWS::NoValue]`: CloudFormation
        then removes the property).
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html#cfn-pseudo-param-novalue"""
        if name not in resource.properties:
            return default
        value = self.resolver.resolve(resource.properties[name])
        return default if value is NO_VALUE else value

    def text(self, resource: CfnResource, name: str, default: str | None = None) -> str:
        """A property that must be a string; ConfigError naming it when missing (or
        AWS::NoValue)."""
        raw = resource.properties.get(name)
        if raw is None or self.resolver.resolve(raw) is NO_VALUE:
            if default is None:
                raise ConfigError(f"{name} is required")
            return default
        return self.resolver.resolve_string(raw, name)
