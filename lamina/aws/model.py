"""botocore service models, loaded lazily and once, with what dispatch needs from them.

Importing botocore costs ~80 ms and a model ~5-70 ms (Lambda's is one of the largest), so
nothing here touches botocore until a request (or `ModelLibrary.preload`) asks for a
service: `lamina up` listens first.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from lamina.aws.error import UnknownServiceModel
from lamina.aws.route import RestRouter

if TYPE_CHECKING:
    from botocore.loaders import Loader  # type: ignore[import-untyped]
    from botocore.model import (  # type: ignore[import-untyped]
        OperationModel,
        ServiceModel,
        StructureShape,
    )


class ServiceSpec:
    """One service's model and the lookups derived from it, computed on first use."""

    def __init__(self, name: str, model: ServiceModel) -> None:
        self.name = name
        self.model = model
        self.protocol: str = model.resolved_protocol
        self.signing_name: str = model.signing_name or model.endpoint_prefix
        self.target_prefix: str | None = model.metadata.get("targetPrefix")
        self.json_version: str = model.metadata.get("jsonVersion", "1.0")
        self.namespace: str | None = model.metadata.get("xmlNamespace")
        self._operations: dict[str, OperationModel] = {}

    def operation(self, name: str) -> OperationModel | None:
        found = self._operations.get(name)
        if found is None and name in self.operation_names:
            found = self._operations[name] = self.model.operation_model(name)
        return found

    @cached_property
    def operation_names(self) -> frozenset[str]:
        return frozenset(self.model.operation_names)

    @cached_property
    def router(self) -> RestRouter:
        return RestRouter.from_model(self.model)

    @cached_property
    def error_shapes(self) -> dict[str, StructureShape]:
        """Error code (the shape's `error.code` when it has one, else its name) -> shape."""
        found: dict[str, StructureShape] = {}
        for shape in self.model.error_shapes:
            code = shape.metadata.get("error", {}).get("code", shape.name)
            found[code] = shape
            found.setdefault(shape.name, shape)
        return found

    def wire_code(self, code: str) -> str:
        """The code a query-protocol error carries: the shape's `error.code` (IAM's
        NoSuchEntityException shape answers `NoSuchEntity`)."""
        shape = self.error_shapes.get(code)
        if shape is None:
            return code
        return str(shape.metadata.get("error", {}).get("code", code))

    def error_status(self, code: str) -> int | None:
        shape = self.error_shapes.get(code)
        if shape is None:
            return None
        status = shape.metadata.get("error", {}).get("httpStatusCode")
        return int(status) if status is not None else None


class ModelLibrary:
    """Service name -> `ServiceSpec`, each model loaded at most once (thread-safe, so a
    background thread may preload while the event loop serves)."""

    def __init__(self) -> None:
        self._specs: dict[str, ServiceSpec] = {}
        self._lock = threading.Lock()
        self._loader: Loader | None = None

    def spec(self, service: str) -> ServiceSpec:
        found = self._specs.get(service)
        if found is not None:
            return found
        with self._lock:
            found = self._specs.get(service)
            if found is None:
                found = self._specs[service] = self._load(service)
        return found

    def preload(self, services: list[str]) -> None:
        for service in services:
            self.spec(service)

    def _load(self, service: str) -> ServiceSpec:
        from botocore.exceptions import DataNotFoundError  # type: ignore[import-untyped]
        from botocore.loaders import Loader
        from botocore.model import ServiceModel

        if self._loader is None:
            self._loader = Loader()
        try:
            data = self._loader.load_service_model(service, "service-2")
        except DataNotFoundError as exc:
            raise UnknownServiceModel(f"botocore has no model for service {service!r}") from exc
        return ServiceSpec(service, ServiceModel(data, service_name=service))
