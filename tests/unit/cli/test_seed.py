"""The template's Lamina-only start step (lamina/cli/seed.py): which functions seed sample
data, the page to open, and what is printed for a seed's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.cli.seed import StartStep, _said, start_step
from lamina.config.cloudfront import cloudfront_id, distribution_domain
from lamina.config.error import ConfigError
from lamina.config.load import load_application

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Metadata:
  Lamina:
    Seed: [{seed}]
    Open: /welcome
Resources:
  SeedFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: tickets-seed
      Runtime: python3.11
      Handler: seed.handler
      CodeUri: .
"""


def _step(tmp_path: Path, seed: str = "SeedFunction") -> StartStep:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(seed=seed))
    return start_step(str(tmp_path), load_application(tmp_path))


def test_start_step_names_seed_functions_by_their_physical_name(tmp_path: Path) -> None:
    assert _step(tmp_path) == StartStep(seed=("tickets-seed",), open_path="/welcome")


def test_start_step_refuses_a_seed_that_is_no_function(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Metadata\.Lamina\.Seed names no function"):
        _step(tmp_path, seed="Missing")


def test_start_step_takes_one_name_without_a_list_and_refuses_other_shapes(
    tmp_path: Path,
) -> None:
    one = TEMPLATE.replace("Seed: [{seed}]", "Seed: SeedFunction")
    (tmp_path / "template.yaml").write_text(one)
    assert start_step(str(tmp_path), load_application(tmp_path)).seed == ("tickets-seed",)
    (tmp_path / "template.yaml").write_text(one.replace("Seed: SeedFunction", "Seed: {A: B}"))
    with pytest.raises(ConfigError, match=r"Metadata\.Lamina\.Seed is a list"):
        start_step(str(tmp_path), load_application(tmp_path))


def test_start_step_without_metadata_does_nothing(tmp_path: Path) -> None:
    plain = TEMPLATE.replace("Metadata:\n  Lamina:\n    Seed: [{seed}]\n    Open: /welcome\n", "")
    (tmp_path / "template.yaml").write_text(plain)
    assert start_step(str(tmp_path), load_application(tmp_path)) == StartStep()


def test_a_seeds_message_is_printed_and_a_failure_names_its_error() -> None:
    assert _said(b'{"message": "4 shows"}', failed=False) == "4 shows"
    assert _said(b'"done"', failed=False) == '"done"'
    failed = b'{"errorType": "KeyError", "errorMessage": "\'SHOWS_TABLE\'"}'
    assert _said(failed, failed=True) == "failed: KeyError: 'SHOWS_TABLE'"


DISTRIBUTION = """
Transform: AWS::Serverless-2016-10-31
Metadata:
  Lamina:
    Open: {opened}
Resources:
  Site:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins: [{{Id: web, DomainName: example.com, CustomOriginConfig: {{}}}}]
        DefaultCacheBehavior: {{TargetOriginId: web, ViewerProtocolPolicy: allow-all}}
"""


def test_open_naming_a_distribution_is_its_local_host(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(DISTRIBUTION.format(opened="Site"))
    app = load_application(tmp_path, stack_name="shop")
    domain = distribution_domain(cloudfront_id("shop", "Site"))
    host = domain.replace(".cloudfront.net", ".cloudfront.localhost")
    assert start_step(str(tmp_path), app) == StartStep(open_host=host)


def test_open_naming_something_else_is_refused(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(DISTRIBUTION.format(opened="Elsewhere"))
    with pytest.raises(ConfigError, match="neither a path nor a distribution"):
        start_step(str(tmp_path), load_application(tmp_path))
