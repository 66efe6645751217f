"""The `lamina` command as a user runs it: up (and its shutdown), invoke, validate."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess
from tests.processes import descendants, wait_all_gone

PROXY_APP = FIXTURES / "apps" / "proxy"


def _warm_workers(lamina: LaminaProcess) -> set[int]:
    with httpx.Client(base_url=lamina.base, timeout=20) as client:
        assert client.get("/Prod/echo/a").status_code == 200
        assert client.get("/shape/plain").status_code == 200
    workers = descendants(lamina.process.pid)
    assert len(workers) >= 3  # a zygote and two workers at least
    return workers


def test_up_prints_apis_and_functions() -> None:
    lamina = LaminaProcess(PROXY_APP)
    try:
        time.sleep(0.2)
        out = lamina.output()
    finally:
        lamina.stop()
    assert "REST" in out and "HTTP" in out
    assert f"http://127.0.0.1:{lamina.port}/Prod/" in out
    assert "EchoFunction  python3.11  behaviours.echo" in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_up_signal_stops_cleanly_without_orphans(sig: int) -> None:
    lamina = LaminaProcess(PROXY_APP)
    workers = _warm_workers(lamina)
    assert lamina.stop(sig) == 0
    assert wait_all_gone(workers) == set()


def test_up_killed_hard_leaves_no_workers() -> None:
    lamina = LaminaProcess(PROXY_APP)
    workers = _warm_workers(lamina)
    lamina.process.kill()
    lamina.process.wait(5)
    assert wait_all_gone(workers) == set()
    lamina.stop()


def _lamina(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lamina.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def _validate_reports(template: Path) -> bytes:
    """What `lamina validate` prints for a template it finds fault with (exit status 1)."""
    result = _lamina("validate", str(template))
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def test_invoke_prints_function_result() -> None:
    event = json.dumps({"pathParameters": {"kind": "plain"}}).encode()
    result = _lamina("invoke", "ShapesFunction", "-t", str(PROXY_APP), "--event", "-", stdin=event)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"hello": "world"}
    assert b"REPORT RequestId:" in result.stderr


def test_invoke_function_error_exits_1_with_aws_error_shape() -> None:
    event = json.dumps({"pathParameters": {"kind": "raise"}}).encode()
    result = _lamina("invoke", "ShapesFunction", "-t", str(PROXY_APP), "-e", "-", stdin=event)
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "boom")


def test_invoke_chatty_function_output_is_capped_with_a_marker() -> None:
    event = json.dumps({"pathParameters": {"kind": "chatty"}}).encode()
    result = _lamina("invoke", "ShapesFunction", "-t", str(PROXY_APP), "-e", "-", stdin=event)
    assert result.returncode == 0
    assert b"bytes of output omitted]" in result.stderr
    assert len(result.stderr) < 1_200_000  # 3 MB printed, about 1 MiB kept


def test_invoke_unknown_function_names_the_known_ones() -> None:
    result = _lamina("invoke", "Nope", "-t", str(PROXY_APP))
    assert result.returncode != 0
    assert b"EchoFunction" in result.stderr


def test_validate_clean_template_exits_0() -> None:
    result = _lamina("validate", str(PROXY_APP / "template.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_broken_template_reports_file_and_line(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      CodeUri: .\n"
        "      Timeout: ten\n"
    )
    result = _lamina("validate", str(template))
    assert result.returncode == 1
    assert f"{template}:".encode() in result.stdout or b"template.yaml:" in result.stdout


def test_validate_a_folder_without_a_template_says_so_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = _lamina("validate", str(tmp_path))
    assert result.returncode == 2
    assert b"no template.yaml" in result.stderr
    assert b"Traceback" not in result.stderr


_FUNCTION_WITH_API = (
    "Transform: AWS::Serverless-2016-10-31\n"
    "Resources:\n"
    "  Fn:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      Runtime: python3.12\n"
    "      Handler: app.handler\n"
    "      InlineCode: 'def handler(event, context): return {}'\n"
    "      Events:\n"
    "        Get:\n"
    "          Type: Api\n"
    "          Properties: {Path: /, Method: get}\n"
)


def test_validate_a_template_up_refuses_reports_its_file_and_line(tmp_path: Path) -> None:
    """cfn-lint accepts a WAF GeoMatchStatement; `lamina up` refuses it, so validate must."""
    template = tmp_path / "template.yaml"
    template.write_text(
        _FUNCTION_WITH_API + "  Acl:\n"
        "    Type: AWS::WAFv2::WebACL\n"
        "    Properties:\n"
        "      Scope: REGIONAL\n"
        "      DefaultAction: {Allow: {}}\n"
        "      VisibilityConfig:\n"
        "        {SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: a}\n"
        "      Rules:\n"
        "        - Name: geo\n"
        "          Priority: 0\n"
        "          Action: {Block: {}}\n"
        "          VisibilityConfig:\n"
        "            {SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false,\n"
        "             MetricName: g}\n"
        "          Statement: {GeoMatchStatement: {CountryCodes: [FR]}}\n"
        "  Association:\n"
        "    Type: AWS::WAFv2::WebACLAssociation\n"
        "    Properties:\n"
        "      ResourceArn: !Sub 'arn:aws:apigateway:${AWS::Region}::/restapis/"
        "${ServerlessRestApi}/stages/Prod'\n"
        "      WebACLArn: !GetAtt Acl.Arn\n"
    )
    report = _validate_reports(template)
    assert f"{template}:13: resource Acl:".encode() in report
    assert b"GeoMatchStatement" in report
    assert not report.endswith(b": valid\n")


def test_validate_a_missing_truststore_is_an_error(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        _FUNCTION_WITH_API + "  Domain:\n"
        "    Type: AWS::ApiGateway::DomainName\n"
        "    Properties:\n"
        "      DomainName: api.example.com\n"
        "      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n"
        "      EndpointConfiguration: {Types: [REGIONAL]}\n"
        "      SecurityPolicy: TLS_1_2\n"
        "      MutualTlsAuthentication: {TruststoreUri: s3://bucket/truststore.pem}\n"
    )
    report = _validate_reports(template)
    assert f"{template}:".encode() in report
    assert b"truststore" in report.lower()


def test_validate_prints_what_up_would_warn_about_and_exits_1(tmp_path: Path) -> None:
    """An authorizer no AWS::Lambda::Permission lets API Gateway invoke: `lamina up` starts
    but warns (every guarded request would answer 500)."""
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      Role: arn:aws:iam::123456789012:role/r\n"
        "      Code: {ZipFile: 'def handler(event, context): return {}'}\n"
        "  Api:\n"
        "    Type: AWS::ApiGatewayV2::Api\n"
        "    Properties: {Name: a, ProtocolType: HTTP}\n"
        "  Auth:\n"
        "    Type: AWS::ApiGatewayV2::Authorizer\n"
        "    Properties:\n"
        "      ApiId: !Ref Api\n"
        "      Name: auth\n"
        "      AuthorizerType: REQUEST\n"
        "      AuthorizerPayloadFormatVersion: '2.0'\n"
        "      EnableSimpleResponses: true\n"
        "      IdentitySource: [$request.header.Authorization]\n"
        "      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/"
        "2015-03-31/functions/${Fn.Arn}/invocations'\n"
    )
    report = _validate_reports(template)
    assert f"{template}: warning: ".encode() in report
    assert b"Permission" in report


def test_validate_a_typo_in_an_authorizer_arn_names_the_closest_function(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        _FUNCTION_WITH_API.replace("          Properties: {Path: /, Method: get}\n", "")
        + "          Properties:\n"
        "            Path: /\n"
        "            Method: get\n"
        "            RestApiId: !Ref Api\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: prod\n"
        "      Auth:\n"
        "        DefaultAuthorizer: Token\n"
        "        Authorizers:\n"
        "          Token:\n"
        "            FunctionArn: !Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}"
        ":function:Fnn'\n"
    )
    report = _validate_reports(template)
    assert f"{template}:".encode() in report
    assert b"Fnn" in report


def test_validate_takes_parameter_overrides_as_up_does(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    parameter = "Parameters:\n  Stage: {Type: String}\nResources:\n"
    template.write_text(_FUNCTION_WITH_API.replace("Resources:\n", parameter))
    missing = _lamina("validate", str(template))
    assert missing.returncode == 1
    assert b"parameter Stage: has no Default" in missing.stdout
    given = _lamina("validate", str(template), "--parameter-overrides", "Stage=prod")
    assert given.returncode == 0, given.stdout + given.stderr


def test_up_broken_template_names_file_and_resource(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Broken:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      CodeUri: .\n"
    )
    result = _lamina("up", str(template), "--port", "0")
    assert result.returncode == 2
    assert b"template.yaml" in result.stderr and b"Broken" in result.stderr


def test_up_port_in_use_exits_1_with_a_hint(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _lamina("up", str(PROXY_APP), "--port", str(port))
    assert result.returncode == 1
    assert b"cannot listen" in result.stderr and b"--port" in result.stderr


def test_up_port_out_of_range_is_refused() -> None:
    result = _lamina("up", str(PROXY_APP), "--port", "99999")
    assert result.returncode == 2
    assert b"99999" in result.stderr


def test_invoke_missing_event_file_is_a_clean_usage_error() -> None:
    result = _lamina("invoke", "EchoFunction", "-t", str(PROXY_APP), "-e", "/nonexistent.json")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"does not exist" in result.stderr


def test_up_takes_the_region_and_account_arns_name(tmp_path: Path) -> None:
    lamina = LaminaProcess(
        PROXY_APP, "--region", "eu-west-1", "--account-id", "000000000000", "--stack-name", "demo"
    )
    try:
        client = boto3.client(
            "lambda",
            endpoint_url=lamina.base,
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        arn = client.get_function(FunctionName="EchoFunction")["Configuration"]["FunctionArn"]
        assert arn == "arn:aws:lambda:eu-west-1:000000000000:function:EchoFunction"
        event = httpx.get(f"{lamina.base}/Prod/echo/ann", timeout=30).json()["event"]
        assert event["requestContext"]["accountId"] == "000000000000"
        assert "Lamina: stack demo from" in lamina.output()
    finally:
        lamina.stop()


def test_account_throttle_option_sets_the_account_quota() -> None:
    """`--account-throttle RATE,BURST` replaces the Region's account-level quota (as a
    raised Service Quota does): past the burst, API Gateway's 429.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
    """
    lamina = LaminaProcess(PROXY_APP, "--account-throttle", "0.5,2")
    try:
        statuses = [httpx.get(f"{lamina.base}/Prod/", timeout=30).status_code for _ in range(4)]
        assert statuses[:2] == [200, 200]
        assert statuses[2:] == [429, 429]
    finally:
        lamina.stop()
