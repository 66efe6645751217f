"""What a user migrating from AWS meets first with the gateway's security features: the
URLs `lamina up` prints are ones that work, and a template mistake names the user's own
resource and line (not a name SAM made up)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import LaminaProcess

_HANDLER = """\
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""

_PLAIN = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties: {Path: /hello, Method: GET}
"""

# SAM's `Domain` becomes AWS::ApiGateway::DomainName `ApiGatewayDomainName<hash>`, a name the
# user never wrote.
_MTLS_DOMAIN = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
  PartnerApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain:
        DomainName: partners.example.com
        CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/1111
        EndpointConfiguration: REGIONAL
        MutualTlsAuthentication:
          TruststoreUri: s3://partner-truststore/truststore.pem
"""


def _app(root: Path, template: str) -> Path:
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(_HANDLER)
    (root / "template.yaml").write_text(template)
    return root / "template.yaml"


def _wait_for_banner(lamina: LaminaProcess) -> str:
    deadline = time.monotonic() + 10
    while "Listening on" not in lamina.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    return lamina.output()


@contextmanager
def _up(template: Path, *extra: str) -> Iterator[tuple[LaminaProcess, str]]:
    """`lamina up --no-watch` on `template` and the banner it printed; stopped on leaving."""
    lamina = LaminaProcess(template, "--no-watch", *extra)
    try:
        yield lamina, _wait_for_banner(lamina)
    finally:
        lamina.stop()


def _up_refused(template: Path) -> str:
    """What `lamina up` prints on stderr when it refuses the template (exit status 2)."""
    result = subprocess.run(
        [sys.executable, "-m", "lamina.cli", "up", str(template), "--no-watch", "--port", "1"],
        capture_output=True,
        timeout=120,
    )
    err = result.stderr.decode()
    assert result.returncode == 2, err
    return err


def test_up_tls_on_a_wildcard_host_prints_urls_its_certificate_covers(tmp_path: Path) -> None:
    template = _app(tmp_path, _PLAIN)
    with _up(template, "--tls", "--host", "0.0.0.0") as (lamina, banner):
        ca = tmp_path / ".lamina" / "tls" / "ca.pem"
        urls = re.findall(rf"https://[^/\s]+:{lamina.port}/Prod/", banner)
        assert urls, banner
        for url in urls:  # copied from the banner, checked against the trusted CA
            if ".execute-api.localhost" in url:
                continue  # Python's resolver does not resolve *.localhost (curl does)
            response = httpx.get(f"{url}hello", verify=str(ca), timeout=20)
            assert (response.status_code, response.text) == (200, "ok")
        console = re.search(r"Console: (\S+)", banner)
        assert console is not None
        page = httpx.get(console.group(1), verify=str(ca), timeout=20)
        assert page.status_code == 200


def test_a_sam_domain_truststore_error_names_the_users_api_and_line(tmp_path: Path) -> None:
    template = _app(tmp_path, _MTLS_DOMAIN)
    err = _up_refused(template)
    line = _MTLS_DOMAIN.splitlines().index("  PartnerApi:") + 1
    assert f"template.yaml:{line}: resource PartnerApi (ApiGatewayDomainName" in err
    assert "s3://partner-truststore/truststore.pem" in err
    assert str(tmp_path / "truststore.pem") in err  # where to put it


# An authorizer ARN written by hand, with a typo in the function's name.
_TYPO_AUTHORIZER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Token
        Authorizers:
          Token:
            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:token-authorizr
  Authorizer:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: token-authorizer
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /hello, Method: GET}
"""


def test_an_authorizer_naming_an_unknown_function_suggests_the_close_one(tmp_path: Path) -> None:
    template = _app(tmp_path, _TYPO_AUTHORIZER)
    err = _up_refused(template)
    line = _TYPO_AUTHORIZER.splitlines().index("  Api:") + 1
    assert f"template.yaml:{line}: resource Api: " in err
    assert "(token-authorizr; did you mean token-authorizer?)" in err
    assert "Lamina invokes only the template's own functions" in err


_THROTTLE_TYPO = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MethodSettings:
        - ResourcePath: /throttle
          HttpMethod: GET
          ThrottlingRateLimit: 1
          ThrottlingBurstLimit: 1
        - ResourcePath: /~1throttled
          HttpMethod: GET
          ThrottlingRateLimit: 1
          ThrottlingBurstLimit: 1
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /throttled, Method: GET}
"""


def test_method_settings_for_a_path_the_api_lacks_are_warned_about(tmp_path: Path) -> None:
    template = _app(tmp_path, _THROTTLE_TYPO)
    with _up(template) as (lamina, banner):
        warned = [line for line in banner.splitlines() if "MethodSettings" in line]
        assert len(warned) == 1, banner  # /~1throttled is /throttled: no warning for it
        assert warned[0].startswith("warning: MethodSettings /throttle GET of Api stage prod ")
        assert "(the API's paths: /throttled;" in warned[0]
        codes = [
            httpx.get(f"{lamina.base}/prod/throttled", timeout=20).status_code for _ in range(3)
        ]
        assert codes[0] == 200 and 429 in codes[1:]


def test_a_restart_after_an_edit_names_the_changed_resources(tmp_path: Path) -> None:
    template = _app(tmp_path, _PLAIN)
    first = LaminaProcess(template, "--no-watch")
    first.stop()
    template.write_text(_PLAIN.replace("Path: /hello", "Path: /hello2"))
    with _up(template) as (_, banner):
        line = next(line for line in banner.splitlines() if line.startswith("Changes to stack"))
        assert "2 to modify" in line  # the API and the permission naming its path
        assert line.endswith("(Modify ServerlessRestApi, Modify EchoGetPermissionProd)")


# SAM writes no permission for an HTTP API's Lambda authorizer unless asked to.
_HTTP_AUTHORIZER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Simple
        Authorizers:
          Simple:
            FunctionArn: !GetAtt Authorizer.Arn
            AuthorizerPayloadFormatVersion: '2.0'
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
  Authorizer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /hello, Method: GET}
"""


def test_an_http_api_authorizer_without_permission_is_warned_with_the_sam_fix(
    tmp_path: Path,
) -> None:
    template = _app(tmp_path, _HTTP_AUTHORIZER)
    with _up(template) as (lamina, banner):
        warned = [line for line in banner.splitlines() if line.startswith("warning: authorizer")]
        assert len(warned) == 1, banner
        assert "authorizer Simple of Http: no AWS::Lambda::Permission" in warned[0]
        assert "EnableFunctionDefaultPermissions: true" in warned[0]
        # what the warning announces: API Gateway may not call it, as on AWS
        answer = httpx.get(f"{lamina.base}/hello", headers={"Authorization": "x"}, timeout=20)
        assert answer.status_code == 500
    simple = "            EnableSimpleResponses: true\n"
    fixed = _HTTP_AUTHORIZER.replace(
        simple, simple + "            EnableFunctionDefaultPermissions: true\n"
    )
    template.write_text(fixed)
    with _up(template) as (_, banner):
        assert "warning: authorizer" not in banner
