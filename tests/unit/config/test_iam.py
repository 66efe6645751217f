"""Template IAM users and access keys into identities, and REST resource policies with
their short `execute-api:/` resources expanded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamina.aws.credentials import ALLOW_ALL
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.functions.environment import function_credentials

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "iam"

USERS = """
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Path: /team/
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement:
              Effect: Allow
              Action: execute-api:Invoke
              Resource: arn:aws:execute-api:*:*:*/*/GET/a
      ManagedPolicyArns:
        - !Ref Custom
        - arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess
  Custom:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{Effect: Deny, Action: "*", Resource: "*/DELETE/*"}]
  Attached:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: attached
      Users: [!Ref Alice]
      PolicyDocument: '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
  Admin:
    Type: AWS::IAM::User
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/Nope]
  AliceKey:
    Type: AWS::IAM::AccessKey
    Properties: {UserName: !Ref Alice}
  AdminKey:
    Type: AWS::IAM::AccessKey
    Properties: {UserName: !Ref Admin}
  OldKey:
    Type: AWS::IAM::AccessKey
    Properties: {UserName: !Ref Admin, Status: Inactive}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: .
      Environment:
        Variables:
          KEY_ID: !Ref AliceKey
          SECRET: !GetAtt AliceKey.SecretAccessKey
          ARN: !GetAtt Alice.Arn
"""


def _load(folder: Path, resources: str) -> Application:
    (folder / "template.yaml").write_text("Resources:" + resources)
    return load_application(folder, stack_name="teststack")


def test_users_and_keys_become_identities(tmp_path: Path) -> None:
    loaded = _load(tmp_path, USERS)
    identities = {identity.arn: identity for identity in loaded.identities}
    alice = identities["arn:aws:iam::123456789012:user/team/alice"]
    assert alice.access_key.startswith("AKIA") and len(alice.access_key) == 20
    assert len(alice.secret_key) == 40
    assert alice.principal_id.startswith("AIDA") and len(alice.principal_id) == 21
    assert alice.account_id == "123456789012"
    assert alice.statements == (
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:*/*/GET/a",
        },
        {"Effect": "Deny", "Action": "*", "Resource": "*/DELETE/*"},
        {
            "Effect": "Allow",
            "Action": ["execute-api:Invoke", "execute-api:ManageConnections"],
            "Resource": "arn:aws:execute-api:*:*:*",
        },
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    )
    # An Inactive key is not known at all; the generated user name follows CloudFormation.
    users = [identity for identity in loaded.identities if ":user/" in identity.arn]
    assert len(users) == 2
    admin = next(i for i in users if i is not alice)
    assert admin.arn.startswith("arn:aws:iam::123456789012:user/teststack-Admin-")
    assert admin.statements == ALLOW_ALL
    assert any("arn:aws:iam::aws:policy/Nope" in w for w in loaded.warnings)
    assert not any("unsupported resource type AWS::IAM" in w for w in loaded.warnings)


def test_ref_and_getatt_give_the_key_id_secret_and_user_arn(tmp_path: Path) -> None:
    loaded = _load(tmp_path, USERS)
    variables = loaded.functions[0].environment
    alice = next(i for i in loaded.identities if i.arn.endswith("/alice"))
    assert variables["KEY_ID"] == alice.access_key
    assert variables["SECRET"] == alice.secret_key
    assert variables["ARN"] == alice.arn


def test_keys_are_the_same_on_every_load(tmp_path: Path) -> None:
    first = _load(tmp_path, USERS).identities
    second = _load(tmp_path, USERS).identities
    assert [i.access_key for i in first] == [i.access_key for i in second]
    assert [i.secret_key for i in first] == [i.secret_key for i in second]


def test_access_key_of_an_unknown_user_is_an_error(tmp_path: Path) -> None:
    resources = "\n  Key:\n    Type: AWS::IAM::AccessKey\n    Properties: {UserName: ghost}\n"
    with pytest.raises(ConfigError, match="ghost"):
        _load(tmp_path, resources)


REST = """
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: a
      Policy: POLICY
"""


def test_policy_json_text_with_short_resources_is_expanded(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": ["execute-api:/*", "arn:aws:execute-api:*:*:*/x"],
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "NotResource": "execute-api:/prod/GET/open",
            },
        ],
    }
    loaded = _load(tmp_path, REST.replace("POLICY", json.dumps(json.dumps(policy))))
    api = loaded.rest_apis[0]
    prefix = f"arn:aws:execute-api:us-east-1:123456789012:{api.id}"
    assert api.policy["Statement"][0]["Resource"] == [f"{prefix}/*", "arn:aws:execute-api:*:*:*/x"]
    assert api.policy["Statement"][1]["NotResource"] == f"{prefix}/prod/GET/open"


def test_invalid_policy_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="resource policy"):
        _load(tmp_path, REST.replace("POLICY", "'{not json'"))


def test_sam_resource_policy_arrives_from_the_body() -> None:
    loaded = load_application(FIXTURE)
    guarded = next(api for api in loaded.rest_apis if api.logical_id == "GuardedRestApi")
    resources = [s["Resource"] for s in guarded.policy["Statement"]]  # type: ignore[index]
    prefix = f"arn:aws:execute-api:us-east-1:123456789012:{guarded.id}"
    assert [f"{prefix}/prod/GET/secret"] in resources
    assert f"{prefix}/prod/GET/secret" in resources  # the custom statement, a plain string
    conditions = [s.get("Condition") for s in guarded.policy["Statement"]]  # type: ignore[index]
    assert {"NotIpAddress": {"aws:SourceIp": ["127.0.0.1/8"]}} in conditions
    plain = next(api for api in loaded.rest_apis if api.logical_id == "IamRestApi")
    assert plain.policy is None


ROLES = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: worker
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Statement: [{Effect: Allow, Action: execute-api:Invoke, Resource: "*/GET/a"}]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Role]
      PolicyDocument:
        Statement: [{Effect: Deny, Action: execute-api:Invoke, Resource: "*/GET/b"}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders
      Runtime: python3.12
      Handler: app.handler
      Code: .
      Role: !GetAtt Role.Arn
  Loose:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Code: .}
"""


def test_each_function_signs_as_its_role_session(tmp_path: Path) -> None:
    loaded = _load(tmp_path, ROLES)
    found = {identity.arn: identity for identity in loaded.identities}
    orders = found["arn:aws:sts::123456789012:assumed-role/worker/orders"]
    key_id, secret, token = function_credentials("orders")
    assert (orders.access_key, orders.secret_key, orders.session_token) == (key_id, secret, token)
    assert orders.principal_id.startswith("AROA") and orders.principal_id.endswith(":orders")
    assert orders.statements == (
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*/GET/a"},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
        {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*/GET/b"},
    )
    # A function without a template role: its policies are unknown, so it may do anything.
    loose = found["arn:aws:sts::123456789012:assumed-role/lamina-function/Loose"]
    assert loose.statements == ALLOW_ALL


def test_a_role_lambda_cannot_assume_is_warned_about(tmp_path: Path) -> None:
    """CloudFormation would refuse the function: "The role defined for the function cannot
    be assumed by Lambda." https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"""
    loaded = _load(tmp_path, ROLES)
    assert any(
        warning.startswith("Fn: the trust policy of its role") and "cannot be assumed" in warning
        for warning in loaded.warnings
    )
    trusting = ROLES.replace(
        "AssumeRolePolicyDocument: {}",
        "AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Action: sts:AssumeRole, "
        "Principal: {Service: lambda.amazonaws.com}}]}",
    )
    trusted = _load(tmp_path, trusting)
    assert not any("trust policy" in warning for warning in trusted.warnings)


def test_role_and_user_tags_are_kept(tmp_path: Path) -> None:
    tagged = ROLES.replace(
        "      RoleName: worker\n",
        "      RoleName: worker\n      Tags: [{Key: team, Value: blue}]\n",
    )
    loaded = _load(tmp_path, tagged)
    role = next(role for role in loaded.roles if role.arn.endswith(":role/worker"))
    assert role.tags == {"team": "blue"}
