"""examples/secure-api as its README walks through it: the same curl, AWS CLI and
signed_get.py commands against `lamina up`, with the statuses and bodies the README shows."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import LaminaProcess

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "secure-api"
AWS_CLI = Path(sys.executable).parent / "aws"


@dataclass
class Site:
    lamina: LaminaProcess
    folder: Path
    api: str  # SecureApi's stage URL
    internal: str  # InternalApi's stage URL
    key: str  # the API key's value
    reader: tuple[str, str]  # ReportsReader's access key pair

    def curl(self, *args: str) -> str:
        done = subprocess.run(["curl", "-s", *args], capture_output=True, timeout=60, check=True)
        return done.stdout.decode()

    def aws(self, *args: str) -> str:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": self.lamina.base,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        done = subprocess.run(
            [str(AWS_CLI), *args], capture_output=True, timeout=120, env=env, check=True
        )
        return done.stdout.decode().strip()

    def signed_get(self, url: str, key_id: str, secret: str) -> str:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
        env.pop("AWS_SESSION_TOKEN", None)
        script = self.folder / "signed_get.py"
        done = subprocess.run(
            [sys.executable, str(script), url], capture_output=True, timeout=60, env=env
        )
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode().strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("example") / "secure-api"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".lamina", "__pycache__"))
    lamina = LaminaProcess(folder / "template.yaml", "--no-watch")
    try:
        banner = lamina.output()
        port = lamina.port
        api = re.search(rf"SecureApi  id=\w+  REST  (http://\S+:{port}/v1/)", banner)
        internal = re.search(rf"InternalApi  id=\w+  REST  (http://\S+:{port}/v1/)", banner)
        key = re.search(r"API key SecureApiApiKey \(\w+\): (\S+)", banner)
        reader = re.search(r"user/secure-api-ReportsReader-\S+  (AKIA\w+)  (\S+)", banner)
        assert api and internal and key and reader, banner
        yield Site(
            lamina=lamina,
            folder=folder,
            api=api.group(1).rstrip("/"),
            internal=internal.group(1).rstrip("/"),
            key=key.group(1),
            reader=(reader.group(1), reader.group(2)),
        )
    finally:
        lamina.stop()


def test_token_authorizer_refuses_denies_and_passes_its_context(site: Site) -> None:
    refused = site.curl("-i", f"{site.api}/token")
    assert refused.startswith("HTTP/1.1 401 Unauthorized")
    assert "x-amzn-errortype: UnauthorizedException" in refused
    assert refused.endswith('{"message":"Unauthorized"}')
    denied = site.curl("-H", "Authorization: Bearer deny", f"{site.api}/token")
    assert denied == (
        '{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    allowed = json.loads(site.curl("-H", "Authorization: Bearer allow-ada", f"{site.api}/token"))
    assert allowed["authorizer"]["name"] == "ada" and allowed["authorizer"]["plan"] == "gold"
    assert allowed["authorizer"]["principalId"] == "ada"


def test_request_authorizer_needs_its_identity_source(site: Site) -> None:
    assert site.curl(f"{site.api}/tenant") == '{"message":"Unauthorized"}'
    denied = site.curl("-H", "X-Tenant: initech", f"{site.api}/tenant")
    assert "explicit deny" in denied
    allowed = json.loads(site.curl("-H", "X-Tenant: acme", f"{site.api}/tenant"))
    assert allowed["authorizer"]["tenant"] == "acme"


def test_user_pool_token_opens_the_rest_and_the_http_api(site: Site) -> None:
    pools = "UserPools[?Name==`secure-api-users`].Id"
    pool = site.aws("cognito-idp", "list-user-pools", "--max-results", "10", "--query", pools)
    pool = json.loads(pool)[0]
    client = site.aws(
        "cognito-idp", "list-user-pool-clients", "--user-pool-id", pool,
        "--query", "UserPoolClients[0].ClientId", "--output", "text",
    )  # fmt: skip
    site.aws(
        "cognito-idp", "admin-create-user", "--user-pool-id", pool,
        "--username", "ada@example.com", "--message-action", "SUPPRESS",
    )  # fmt: skip
    site.aws(
        "cognito-idp", "admin-set-user-password", "--user-pool-id", pool,
        "--username", "ada@example.com", "--password", "Correct-Horse-9", "--permanent",
    )  # fmt: skip
    token = site.aws(
        "cognito-idp", "initiate-auth", "--client-id", client,
        "--auth-flow", "USER_PASSWORD_AUTH",
        "--auth-parameters", "USERNAME=ada@example.com,PASSWORD=Correct-Horse-9",
        "--query", "AuthenticationResult.IdToken", "--output", "text",
    )  # fmt: skip
    assert site.curl(f"{site.api}/profile") == '{"message":"Unauthorized"}'
    profile = json.loads(site.curl("-H", f"Authorization: {token}", f"{site.api}/profile"))
    assert profile["authorizer"]["claims"]["email"] == "ada@example.com"
    assert profile["authorizer"]["claims"]["token_use"] == "id"
    me = json.loads(site.curl("-H", f"Authorization: {token}", f"{site.lamina.base}/me"))
    assert me["authorizer"]["jwt"]["claims"]["email"] == "ada@example.com"


def test_iam_methods_check_the_signature_and_the_callers_policy(site: Site) -> None:
    assert site.curl(f"{site.api}/reports") == '{"message":"Missing Authentication Token"}'
    key_id, secret = site.reader
    status, body = site.signed_get(f"{site.api}/reports", key_id, secret).split(" ", 1)
    assert status == "200"
    assert "user/secure-api-ReportsReader-" in json.loads(body)["caller"]
    status, body = site.signed_get(f"{site.api}/admin", key_id, secret).split(" ", 1)
    assert status == "403"
    assert "is not authorized to perform: execute-api:Invoke on resource:" in body
    assert body.endswith('/v1/GET/admin"}')
    status, body = site.signed_get(f"{site.api}/reports", key_id, "wrong").split(" ", 1)
    assert status == "403" and "signature we calculated does not match" in body


def test_api_key_quota_then_limit_exceeded_and_usage_readable(site: Site) -> None:
    assert site.curl(f"{site.api}/partner") == '{"message":"Forbidden"}'
    with_key = ["-H", f"x-api-key: {site.key}", f"{site.api}/partner"]
    first = json.loads(site.curl(*with_key))
    key_id = first["apiKeyId"]
    assert key_id
    codes = [site.curl("-o", "/dev/null", "-w", "%{http_code}", *with_key) for _ in range(2)]
    assert codes == ["200", "200"]
    assert site.curl(*with_key) == '{"message":"Limit Exceeded"}'
    plan = site.aws("apigateway", "get-usage-plans", "--query", "items[0].id", "--output", "text")
    today = datetime.now(UTC).date().isoformat()
    usage = site.aws(
        "apigateway", "get-usage", "--usage-plan-id", plan,
        "--start-date", today, "--end-date", today, "--query", "items", "--output", "json",
    )  # fmt: skip
    assert json.loads(usage) == {key_id: [[3, 0]]}


def test_method_settings_throttle_limited(site: Site) -> None:
    codes = [
        site.curl("-o", "/dev/null", "-w", "%{http_code}", f"{site.api}/limited") for _ in range(4)
    ]
    assert codes[:2] == ["200", "200"] and "429" in codes[2:]
    assert site.curl(f"{site.api}/limited") == '{"message":"Too Many Requests"}'


def test_cors_preflights_rest_mock_and_http_api(site: Site) -> None:
    origin = ["-H", "Origin: https://app.example.com", "-H", "Access-Control-Request-Method: GET"]
    rest = site.curl("-i", "-X", "OPTIONS", *origin, f"{site.api}/token")
    assert rest.startswith("HTTP/1.1 200 OK")
    assert "access-control-allow-origin: https://app.example.com" in rest
    assert "access-control-allow-headers: Authorization,Content-Type,X-Api-Key,X-Tenant" in rest
    headers = ["-H", "Access-Control-Request-Headers: authorization"]
    http = site.curl("-i", "-X", "OPTIONS", *origin, *headers, f"{site.lamina.base}/me")
    assert http.startswith("HTTP/1.1 204 No Content")
    assert "access-control-allow-credentials: true" in http
    assert "access-control-max-age: 600" in http


def test_waf_blocks_its_ip_set_and_sql_injection_not_a_benign_quote(site: Site) -> None:
    forbidden = '{"message":"Forbidden"}'
    assert site.curl("--interface", "127.0.0.2", f"{site.api}/public") == forbidden
    assert site.curl(f"{site.api}/public?id=1%27%20OR%20%271%27=%271") == forbidden
    benign = json.loads(site.curl(f"{site.api}/public?name=O%27Brien"))
    assert benign["route"] == "/public"


def test_resource_policy_admits_only_loopback_one(site: Site) -> None:
    assert json.loads(site.curl(f"{site.internal}/status"))["route"] == "/status"
    refused = site.curl("--interface", "127.0.0.3", f"{site.internal}/status")
    assert refused.startswith('{"Message":"User: anonymous is not authorized to perform: ')
    assert refused.endswith('/v1/GET/status with an explicit deny"}')


def test_banner_says_what_guards_each_route(site: Site) -> None:
    banner = site.lamina.output().splitlines()
    for line in (
        "      GET /token -> ApiFunction  [TokenAuthorizer]",
        "      GET /tenant -> ApiFunction  [TenantAuthorizer]",
        "      GET /profile -> ApiFunction  [UserPoolAuthorizer]",
        "      GET /reports -> ApiFunction  [AWS_IAM]",
        "      GET /partner -> ApiFunction  [API key]",
        "      GET /public -> ApiFunction",
        "      GET /me -> ApiFunction  [UserPoolJwt]",
    ):
        assert line in banner, line


def test_banner_gives_the_api_key_beside_the_iam_keys_after_the_apis(site: Site) -> None:
    banner = site.lamina.output().splitlines()
    key_line = next(i for i, line in enumerate(banner) if line.startswith("API key "))
    iam_line = banner.index("IAM access keys (sign requests to AWS_IAM methods with them):")
    assert banner.index("APIs:") < iam_line < key_line
