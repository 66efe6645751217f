"""PublishVersion, ListVersionsByFunction, and deleting a version.

A version is an immutable snapshot of $LATEST's code and configuration; publishing when
nothing changed since the last version returns that version.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.functions.model import FunctionConfig
from lamina.services.lambda_ import code, names, persist, shape
from lamina.services.lambda_.error import (
    check_revision,
    conflict,
    function_not_found,
    invalid,
)
from lamina.services.lambda_.meta import FunctionMeta
from lamina.services.lambda_.paging import listing
from lamina.services.lambda_.state import LambdaState, Operation, new_revision

LATEST = "$LATEST"


def publish(state: LambdaState, name: str, description: str | None) -> FunctionConfig:
    """Publish $LATEST as a new version, unless the newest version already equals it.

    A template's function runs from its folder, which the user keeps editing: its
    version gets a zip of that folder, so it stays what was published."""
    latest = state.functions.get(name)
    in_folder = Path(latest.code_path).parent != state.code.root
    latest_meta = _folder_meta(state, latest) if in_folder else state.meta_of(name, LATEST)
    published = state.functions.versions(name)
    if published and _same(state, latest, latest_meta, published[-1]):
        return published[-1]
    snapshot = None
    if in_folder:
        zipped = code.zip_folder(Path(latest.code_path))
        snapshot = state.code.put_zip(zipped, "PublishVersion").path
    version = state.functions.publish_version(name)
    if snapshot is not None:
        version = msgspec.structs.replace(version, code_path=snapshot)
        state.functions.restore_versions(name, [version], int(version.version))
    state.meta[(name, version.version)] = msgspec.structs.replace(
        latest_meta,
        description=latest_meta.description if description is None else description,
        revision_id=new_revision(),
    )
    return version


def matching_version(state: LambdaState, name: str) -> FunctionConfig | None:
    """The newest published version whose code (CodeSha256) and configuration equal
    $LATEST's as it is now, if any."""
    latest = state.functions.get(name)
    in_folder = Path(latest.code_path).parent != state.code.root
    meta = _folder_meta(state, latest) if in_folder else state.meta_of(name, LATEST)
    for version in reversed(state.functions.versions(name)):
        if _same(state, latest, meta, version):
            return version
    return None


def _folder_meta(state: LambdaState, latest: FunctionConfig) -> FunctionMeta:
    """$LATEST's fields with the CodeSha256 of its folder as it is now (the user may have
    edited it since the fields were first described)."""
    meta = state.meta_of(latest.name, LATEST)
    sha, size = code.describe_folder(Path(latest.code_path))
    if sha != meta.code_sha256:
        meta = msgspec.structs.replace(meta, code_sha256=sha, code_size=size)
        state.meta[(latest.name, LATEST)] = meta
    return meta


def _same(
    state: LambdaState, latest: FunctionConfig, meta: FunctionMeta, version: FunctionConfig
) -> bool:
    # The code is compared by CodeSha256 (a template function's version runs a copy).
    if msgspec.structs.replace(latest, version=version.version, code_path=version.code_path) != (
        version
    ):
        return False
    theirs = state.meta_of(version.name, version.version)
    return (meta.code_sha256, meta.role, meta.layers, meta.tracing_mode) == (
        theirs.code_sha256,
        theirs.role,
        theirs.layers,
        theirs.tracing_mode,
    )


async def publish_version(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    meta = state.meta_of(name, LATEST)
    check_revision(params.get("RevisionId"), meta.revision_id, "GetFunction")
    expected = params.get("CodeSha256")
    if expected and expected != meta.code_sha256:
        raise invalid(
            f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
            f"({meta.code_sha256}). Please try again with the CodeSHA256 in $LATEST."
        )
    version = publish(state, name, params.get("Description"))
    persist.save(state, name)  # the version and the function's version counter together
    return shape.configuration(state, version)


async def list_versions_by_function(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    configs = [state.config(name), *state.functions.versions(name)]
    return listing(
        "Versions", configs, params, lambda c: shape.configuration(state, c, qualified=True)
    )


def delete(state: LambdaState, name: str, qualifier: str) -> None:
    """DeleteFunction with a Qualifier: one published version."""
    if qualifier == LATEST:
        raise invalid("$LATEST version cannot be deleted without deleting the function.")
    if not qualifier.isdigit():
        raise invalid(f"Deletion of aliases through DeleteFunction is not supported: {qualifier}")
    if qualifier not in {config.version for config in state.functions.versions(name)}:
        raise function_not_found(state.function_arn(name, qualifier))
    aliases = state.functions.aliases_of(name, qualifier)
    if aliases:
        raise conflict(
            "Unable to delete version because the following aliases reference it: "
            f"[{', '.join(aliases)}]"
        )
    state.functions.delete_version(name, qualifier)
    state.forget(name, qualifier)


OPERATIONS: dict[str, Operation] = {
    "PublishVersion": publish_version,
    "ListVersionsByFunction": list_versions_by_function,
}
