"""Authorizing AWS API calls: IAM action names, the resources a call names, and IAM's
denial texts per service."""

from __future__ import annotations

import pytest

from lamina.aws.authorize import action_of, authorize, resources_from_params
from lamina.aws.credentials import Identity
from lamina.aws.service import ServiceError

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes"


def _role(*statements: dict[str, object]) -> Identity:
    return Identity(
        access_key="ASIAEXAMPLE",
        secret_key="s",
        arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/app/fn",
        account_id=ACCOUNT,
        principal_id="AROAEXAMPLE:fn",
        statements=tuple(statements),
    )


def test_action_names_follow_iam_not_the_operation() -> None:
    assert action_of("dynamodb", "PutItem") == "dynamodb:PutItem"
    assert action_of("lambda", "Invoke") == "lambda:InvokeFunction"
    assert action_of("s3", "ListObjectsV2") == "s3:ListBucket"
    assert action_of("s3", "HeadObject") == "s3:GetObject"
    assert action_of("kms", "ReEncrypt") == "kms:ReEncryptFrom"


def test_resources_named_by_the_parameters() -> None:
    def named(service: str, operation: str, **params: object) -> list[str]:
        return resources_from_params(service, "us-east-1", ACCOUNT, operation, params)

    assert named("dynamodb", "PutItem", TableName="Notes") == [TABLE]
    assert named("dynamodb", "Query", TableName="Notes", IndexName="byDate") == [
        f"{TABLE}/index/byDate"
    ]
    assert named("dynamodb", "BatchWriteItem", RequestItems={"Notes": [], "Tags": []}) == [
        TABLE,
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Tags",
    ]
    assert named("dynamodb", "ListTables") == ["*"]
    assert named("lambda", "Invoke", FunctionName="fn", Qualifier="live") == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:live"
    ]
    assert named("s3", "GetObject", Bucket="b", Key="k/1") == ["arn:aws:s3:::b/k/1"]
    assert named("cognito-idp", "AdminGetUser", UserPoolId="us-east-1_abc") == [
        f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_abc"
    ]
    pool = f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_abc"
    for tagging in ("TagResource", "UntagResource", "ListTagsForResource"):
        assert named("cognito-idp", tagging, ResourceArn=pool) == [pool]


def test_allowed_and_implicitly_denied() -> None:
    reader = _role({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    authorize(reader, "dynamodb", "GetItem", [TABLE], source_ip="127.0.0.1")
    with pytest.raises(ServiceError) as error:
        authorize(reader, "dynamodb", "PutItem", [TABLE], source_ip="127.0.0.1")
    assert (error.value.code, error.value.status) == ("AccessDeniedException", 400)
    assert error.value.message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/fn is not authorized to perform: "
        f"dynamodb:PutItem on resource: {TABLE} because no identity-based policy allows the "
        "dynamodb:PutItem action"
    )


def test_explicit_deny_and_per_service_codes() -> None:
    role = _role(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    )
    with pytest.raises(ServiceError) as error:
        authorize(role, "s3", "DeleteObjects", ["arn:aws:s3:::b"], source_ip="127.0.0.1")
    assert (error.value.code, error.value.status) == ("AccessDenied", 403)
    assert error.value.message.endswith("with an explicit deny in an identity-based policy")
    nothing = _role()
    with pytest.raises(ServiceError) as error:
        authorize(nothing, "lambda", "Invoke", ["*"], source_ip="127.0.0.1")
    assert (error.value.code, error.value.status) == ("AccessDeniedException", 403)
    authorize(nothing, "sts", "GetCallerIdentity", ["*"], source_ip="127.0.0.1")
