"""The template's AWS::Lambda::Version resources, published at `lamina up` and each deploy.

CloudFormation publishes a Version resource when the stack is created or updated, and
SAM's AutoPublishAlias publishes a new version only when the function's code or
configuration changed, then points the alias at it. Lamina does the same against the
Lambda API's own store: when a published version already has the folder's CodeSha256
and the function's configuration, that version is the template's (a restart with the
same code publishes nothing, whatever versions the API published since); otherwise
PublishVersion zips the folder as version N+1.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-autopublishalias
"""

from __future__ import annotations

import logging

import msgspec

from lamina.config.model import TemplateRelease
from lamina.functions.error import FunctionError
from lamina.functions.model import AliasConfig
from lamina.services.lambda_ import persist, versions
from lamina.services.lambda_.state import LambdaState

log = logging.getLogger("lamina.cli.publish")


def publish_releases(state: LambdaState, releases: tuple[TemplateRelease, ...]) -> None:
    """Publish each function a template Version names and point its aliases.

    An alias the Lambda API moved since (it carries a RevisionId) keeps its target
    until a new version is published: on AWS, only a stack update that changes the
    alias's FunctionVersion moves it."""
    by_function: dict[str, list[TemplateRelease]] = {}
    for release in releases:
        by_function.setdefault(release.function_name, []).append(release)
    for name, wanted in by_function.items():
        if name not in state.functions.function_names():
            log.warning("function %s of a template version or alias is not deployed", name)
            continue
        published, new = None, False
        made = [release for release in wanted if release.version == ""]
        if made:
            found = versions.matching_version(state, name)
            new = found is None
            description = next((r.description for r in made if r.description), "")
            published = (found or versions.publish(state, name, description)).version
        current = {alias.name: alias for alias in state.functions.aliases(name)}
        for release in wanted:
            if not release.alias:
                continue
            held = current.get(release.alias)
            if held is not None and held.revision_id and not new:
                continue
            weights = {(v or published or ""): w for v, w in release.weights.items()}
            _point(state, name, release.alias, release.version or published or "", weights)
        persist.save(state, name)


def _point(
    state: LambdaState, name: str, alias: str, version: str, weights: dict[str, float]
) -> None:
    # An alias a reloaded template added is made here (a redeploy keeps the old set).
    held = {a.name: a for a in state.functions.aliases(name)}.get(alias)
    held = held or AliasConfig(name=alias, function_version=version)
    # The template's alias, with its RoutingConfig (RevisionId cleared: it is the
    # template's again, so it is not stored as the API's). A weighted version must be a
    # published one other than `version`, as UpdateAlias requires.
    # https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
    invalid = len(weights) > 1 or any(not 0.0 <= w <= 1.0 for w in weights.values())
    if invalid or any(v == version or not v.isdigit() or not version.isdigit() for v in weights):
        log.warning("alias %s:%s: RoutingConfig %s left out (%s)", name, alias, weights, version)
        weights = {}
    moved = msgspec.structs.replace(
        held, function_version=version, additional_version_weights=weights, revision_id=""
    )
    try:
        state.functions.set_alias(name, moved)
    except FunctionError as error:
        log.warning("alias %s:%s cannot point at version %s: %s", name, alias, version, error)
