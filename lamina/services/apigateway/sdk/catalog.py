"""The SDK types Lamina generates (what GetSdkTypes lists) and how each is generated.

AWS's own types are javascript, java, android, objectivec, swift and ruby
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetSdk.html); Lamina generates
javascript, and adds python and typescript. The other AWS types are refused with a
message saying so, not with the unknown-type error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AWS_TYPES = ("javascript", "java", "android", "objectivec", "swift", "ruby")


@dataclass(frozen=True)
class Property:
    """An SdkConfigurationProperty: a `parameters` key GetSdk reads for this type."""

    name: str
    friendly_name: str
    description: str
    required: bool = False
    default: str | None = None

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "friendlyName": self.friendly_name,
            "description": self.description,
            "required": self.required,
        }
        if self.default is not None:
            out["defaultValue"] = self.default
        return out


@dataclass(frozen=True)
class SdkKind:
    """One generated SDK type: its SdkType members and the OpenAPI Generator run."""

    id: str
    friendly_name: str
    description: str
    generator: str
    """OpenAPI Generator's generator name (`-g`)."""
    options: tuple[tuple[str, str], ...]
    """Fixed additional properties of the generator."""
    properties: tuple[Property, ...]

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "friendlyName": self.friendly_name,
            "description": self.description,
            "configurationProperties": [p.wire() for p in self.properties],
        }


_BASE_URL = Property(
    "baseUrl",
    "Base URL",
    "Where the client sends requests by default (Lamina's extension), e.g. "
    "http://127.0.0.1:3000/restapis/{restapi_id}/{stage}/_user_request_; "
    "the API's execute-api URL for the stage when not given.",
)
_PROJECT = Property(
    "projectName",
    "Project name",
    "The package's name (npm or Python distribution); the API's name when not given.",
)

KINDS: dict[str, SdkKind] = {
    kind.id: kind
    for kind in (
        SdkKind(
            id="javascript",
            friendly_name="JavaScript",
            description="JavaScript client: ES6 modules over superagent, one method a "
            "resource method, returning promises (OpenAPI Generator's javascript).",
            generator="javascript",
            options=(("usePromises", "true"),),
            properties=(_PROJECT, _BASE_URL),
        ),
        SdkKind(
            id="typescript",
            friendly_name="TypeScript",
            description="TypeScript client over fetch, one method a resource method "
            "(OpenAPI Generator's typescript-fetch).",
            generator="typescript-fetch",
            options=(),
            properties=(_PROJECT, _BASE_URL),
        ),
        SdkKind(
            id="python",
            friendly_name="Python",
            description="Python client over urllib3 with pydantic models, one method a "
            "resource method (OpenAPI Generator's python).",
            generator="python",
            options=(),
            properties=(
                _PROJECT,
                Property(
                    "packageName",
                    "Package name",
                    "The Python package to import; the API's name, snake_case, "
                    "followed by _client when not given.",
                ),
                _BASE_URL,
            ),
        ),
    )
}
