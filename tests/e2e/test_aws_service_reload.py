"""AWS service integrations after `lamina deploy`: a role the new template adds can be
assumed by an integration the same deploy adds, and a role whose policy the deploy changes
acts with the new policy at once (IAM evaluates a role's policies per request).
https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from lamina.config.load import load_application
from tests.clients import aws_client, lamina_cli
from tests.conftest import FIXTURES, LaminaProcess

LATE_ROLE = """
  LateRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: s3-proxy-late
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: s3:GetObject, Resource: arn:aws:s3:::s3-proxy-files/*}

  ProxyApi:"""

LATE_METHOD = """          /late/{key}:
            get:
              parameters:
                - {name: key, in: path, required: true, schema: {type: string}}
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: GET
                uri: !Sub arn:aws:apigateway:${AWS::Region}:s3:path/s3-proxy-files/{key}
                credentials: !GetAtt LateRole.Arn
                requestParameters:
                  integration.request.path.key: method.request.path.key
                responses:
                  default:
                    statusCode: "200"
                  "4\\\\d{2}":
                    statusCode: "403"
          /items:"""


def _get(lamina: LaminaProcess, host: str, path: str) -> httpx.Response:
    with httpx.Client(timeout=30) as client:
        return client.get(f"{lamina.base}{path}", headers={"Host": host})


def test_roles_added_or_changed_by_a_deploy_reach_aws_service_integrations(
    tmp_path: Path,
) -> None:
    app = tmp_path / "s3_proxy"
    shutil.copytree(FIXTURES / "apps" / "s3_proxy", app)
    template = app / "template.yaml"
    lamina = LaminaProcess(template, "--no-watch")
    try:
        api_id = {api.logical_id: api.id for api in load_application(template).rest_apis}
        host = f"{api_id['ProxyApi']}.execute-api.localhost:{lamina.port}"
        aws_client(lamina.base, "s3").put_object(
            Bucket="s3-proxy-files", Key="late.txt", Body=b"late"
        )
        assert _get(lamina, host, "/dev/denied/late.txt").status_code == 403  # items only
        text = template.read_text()
        text = text.replace("\n  ProxyApi:", LATE_ROLE, 1)
        text = text.replace("          /items:", LATE_METHOD, 1)
        # ItemsOnlyRole may now read the files too.
        items_only = "Resource: !GetAtt Items.Arn}"
        text = text.replace(
            items_only,
            items_only + "\n              - {Effect: Allow, Action: s3:GetObject, "
            "Resource: arn:aws:s3:::s3-proxy-files/*}",
            1,
        )
        template.write_text(text)
        deployed = lamina_cli("deploy", str(template), "--no-confirm")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        late = _get(lamina, host, "/dev/late/late.txt")
        assert (late.status_code, late.content) == (200, b"late")
        denied = _get(lamina, host, "/dev/denied/late.txt")
        assert (denied.status_code, denied.content) == (200, b"late")
    finally:
        lamina.stop()
