"""{{resolve:secretsmanager:...}} in function environments, as CloudFormation resolves it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lamina.cli.dynamic_refs import DynamicReferenceError, resolve_environments
from lamina.functions.model import FunctionConfig
from lamina.services.kms.provider import KmsProvider
from lamina.services.secretsmanager.operations import create_secret
from lamina.services.secretsmanager.provider import SecretsManagerProvider
from lamina.services.secretsmanager.service import CURRENT


@pytest.fixture
def secrets(tmp_path: Path) -> Iterator[SecretsManagerProvider]:
    kms = KmsProvider(state_dir=tmp_path, region="us-east-1", account_id="123456789012")
    provider = SecretsManagerProvider(
        state_dir=tmp_path, region="us-east-1", account_id="123456789012", kms=kms
    )
    yield provider
    provider.close()
    kms.close()


def _function(**environment: str) -> FunctionConfig:
    return FunctionConfig(
        name="fn",
        runtime="python3.11",
        handler="app.handler",
        code_path="/tmp",
        environment=environment,
    )


def test_references_are_resolved(secrets: SecretsManagerProvider) -> None:
    arn = create_secret(secrets, {"Name": "db", "SecretString": '{"user": "app", "pw": "s3"}'})[
        "ARN"
    ]
    secret = secrets.find("db")
    secrets.add_version(secret, b"plain-new", binary=False, version_id=None, stages=[CURRENT])
    secrets.store.put(secret)
    (resolved,) = resolve_environments(
        (
            _function(
                CURRENT_PLAIN="{{resolve:secretsmanager:db}}",
                OLD_PW="{{resolve:secretsmanager:db:SecretString:pw:AWSPREVIOUS}}",
                BY_ARN=f"x-{{{{resolve:secretsmanager:{arn}:SecretString:user:AWSPREVIOUS}}}}-y",
                PLAIN="no reference",
            ),
        ),
        secrets,
    )
    assert resolved.environment == {
        "CURRENT_PLAIN": "plain-new",
        "OLD_PW": "s3",
        "BY_ARN": "x-app-y",
        "PLAIN": "no reference",
    }
    assert resolve_environments((_function(PLAIN="x"),), secrets) == []


@pytest.mark.parametrize(
    "reference",
    [
        "{{resolve:ssm:/app/param}}",
        "{{resolve:secretsmanager:missing}}",
        "{{resolve:secretsmanager:db:SecretString:nokey}}",
    ],
)
def test_unresolvable_references_are_errors(
    secrets: SecretsManagerProvider, reference: str
) -> None:
    create_secret(secrets, {"Name": "db", "SecretString": '{"user": "app"}'})
    with pytest.raises(DynamicReferenceError):
        resolve_environments((_function(VALUE=reference),), secrets)
