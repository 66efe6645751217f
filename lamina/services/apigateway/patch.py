"""PATCH operations, the way API Gateway's Update* operations read them: a list of
`{op, path, value, from}` where `path` is a JSON pointer into the resource (`~1` is `/`,
`~0` is `~`: `/requestModels/application~1json`).

https://docs.aws.amazon.com/apigateway/latest/api/API_PatchOperation.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html

Each resource type accepts its own paths and ops; its module checks them with the helpers
here so the errors read as API Gateway's do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lamina.aws.service import OperationInput, ServiceError
from lamina.services.apigateway.error import bad_request

OPS = ["add", "remove", "move", "test", "replace", "copy"]


class PatchOp:
    __slots__ = ("op", "path", "segments", "value")

    def __init__(self, op: str, path: str, value: str | None) -> None:
        self.op = op
        self.path = path
        self.value = value
        self.segments = [unescape(part) for part in path.split("/")[1:]] if path else []
        """The pointer's reference tokens, unescaped: `/a/b~1c` -> ["a", "b/c"]."""


def escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def read_ops(params: OperationInput, input_name: str) -> list[PatchOp]:
    """The request's patch operations; an op outside the enum fails request validation
    (every such op named), as AWS's validator answers."""
    raw = params.get("patchOperations") or []
    check_ops(raw, input_name)
    return [PatchOp(item["op"], item.get("path") or "", item.get("value")) for item in raw]


def check_ops(raw: Sequence[dict[str, Any]], input_name: str | None) -> None:
    """ValidationException naming every op outside PatchOperation's enum, as AWS's request
    validator answers any Update* (`input_name`: "updateStageInput" ...)."""
    where = f"{input_name}.patchOperations" if input_name else "patchOperations"
    wrong = [
        f"Value '{item.get('op')}' at '{where}.{index}.member.op' failed "
        f"to satisfy constraint: Member must satisfy enum value set: [{', '.join(OPS)}]"
        for index, item in enumerate(raw, start=1)
        if item.get("op") not in OPS
    ]
    if wrong:
        noun = "error" if len(wrong) == 1 else "errors"
        message = f"{len(wrong)} validation {noun} detected: {'; '.join(wrong)}"
        raise ServiceError("ValidationException", message, status=400)


def invalid_path(path: str | None) -> ServiceError:
    return bad_request(f"Invalid patch path {path or 'null'}")


def unsupported(op: PatchOp) -> ServiceError:
    return bad_request(
        f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
        "Please choose supported operations"
    )


def must_be_one_of(op: PatchOp, paths: Sequence[str]) -> ServiceError:
    return bad_request(
        f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
        f"Must be one of: [{', '.join(paths)}]"
    )


def op_must_be(ops: Iterable[str]) -> ServiceError:
    return bad_request(f"Invalid patch operation specified. Must be one of: [{', '.join(ops)}]")


def as_bool(op: PatchOp) -> bool:
    return (op.value or "").strip().lower() == "true"


def patch_map(
    document: dict[str, Any],
    member: str,
    op: PatchOp,
    convert: Callable[[str | None], Any] = lambda value: value or "",
) -> None:
    """add/replace/remove one entry of a map member (`/requestParameters/<name>`)."""
    if len(op.segments) != 2:
        raise invalid_path(op.path)
    key = op.segments[1]
    entries = dict(document.get(member) or {})
    if op.op in ("add", "replace"):
        entries[key] = convert(op.value)
    elif op.op == "remove":
        entries.pop(key, None)
    else:
        raise op_must_be(["add", "remove", "replace"])
    document[member] = entries


def set_scalar(document: dict[str, Any], member: str, op: PatchOp, value: Any) -> None:
    """replace (or add) a scalar member; remove unsets it."""
    if op.op == "remove":
        document.pop(member, None)
    elif op.op in ("add", "replace"):
        document[member] = value
    else:
        raise op_must_be(["replace"])
