"""Every example's template would deploy to AWS unchanged: cfn-lint finds nothing in it and
the AWS SAM translator (what CloudFormation's AWS::Serverless transform runs) turns it into
a plain CloudFormation template without errors, once its local code folders are uploaded
(as `sam package` / `sam deploy` rewrite them into s3:// locations first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# examples/APP/template.yaml, and one per stack of an example made of several stacks.
TEMPLATES = sorted(
    path
    for path in EXAMPLES.glob("**/template.yaml")
    if not {".aws-sam", "node_modules"} & set(path.relative_to(EXAMPLES).parts)
)


def _name(template: Path) -> str:
    return str(template.parent.relative_to(EXAMPLES))


class _NoManagedPolicies:
    """The policy names → ARNs map the translator asks IAM for; the examples name AWS
    managed policies by ARN, so an empty map is enough offline."""

    def load(self) -> dict[str, str]:
        return {}


def test_every_example_has_a_template() -> None:
    assert {_name(path) for path in TEMPLATES} >= {"hello", "notes", "tickets"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: _name(path))
def test_cfn_lint_finds_nothing(template: Path) -> None:
    assert [str(match) for match in lint_file(template)] == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: _name(path))
def test_the_sam_translator_accepts_it(template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator's session region
    body: dict[str, Any] = yaml_parse(template.read_text())
    _package(body, template.parent)
    translated = transform(body, {}, _NoManagedPolicies())
    resources = translated["Resources"]
    assert not any(kind.startswith("AWS::Serverless::") for kind in _types(resources))


# The properties `sam package` uploads when they name a local path
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-package.html
LOCAL_ARTIFACTS = {
    "Function": "CodeUri",
    "LayerVersion": "ContentUri",
    "Api": "DefinitionUri",
    "HttpApi": "DefinitionUri",
    "StateMachine": "DefinitionUri",
}


def _package(body: dict[str, Any], folder: Path) -> None:
    """Each local artefact becomes an s3:// location, after checking it is there to upload."""
    places = list((body.get("Globals") or {}).items())
    for resource in body["Resources"].values():
        kind = str(resource["Type"]).removeprefix("AWS::Serverless::")
        places.append((kind, resource.setdefault("Properties", {})))
    for kind, props in places:
        key = LOCAL_ARTIFACTS.get(kind)
        local = props.get(key) if key else None
        if isinstance(local, str) and not local.startswith("s3://"):
            assert (folder / local).exists(), f"{kind} {key} {local} is not in {folder}"
            props[key] = (
                f"s3://lamina-examples/{_name(folder / 'template.yaml')}/{local.strip('/')}.zip"
            )


def _types(resources: dict[str, Any]) -> set[str]:
    return {str(resource["Type"]) for resource in resources.values()}
