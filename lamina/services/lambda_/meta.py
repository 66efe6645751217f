"""The API-only records of the Lambda API: a function version's descriptive fields and a
layer version. Plain data, shared by the in-memory state and the store's records."""

from __future__ import annotations

import msgspec


class LayerRef(msgspec.Struct, frozen=True):
    """A function's Layers entry as FunctionConfiguration reports it."""

    arn: str
    code_size: int


class FunctionMeta(msgspec.Struct, frozen=True, kw_only=True):
    """The API-only fields of one function version's FunctionConfiguration."""

    role: str = ""
    description: str = ""
    code_sha256: str = ""
    code_size: int = 0
    last_modified: str = ""
    revision_id: str = ""
    layers: tuple[LayerRef, ...] = ()
    tracing_mode: str = "PassThrough"
    architectures: tuple[str, ...] = ("x86_64",)


class LayerVersion(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    version: int
    description: str
    created: str
    code_sha256: str
    code_size: int
    compatible_runtimes: tuple[str, ...]
    compatible_architectures: tuple[str, ...]
    license_info: str | None
    path: str
    """The unpacked content: what a function using this version sees merged at /opt."""
