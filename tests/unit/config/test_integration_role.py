"""`lamina up` (and `lamina validate`) warn about Lambda integrations whose credentials
cannot invoke their function (tests/fixtures/apps/lambda_credentials)."""

from __future__ import annotations

from lamina.config.load import load_application
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "lambda_credentials"


def _warnings() -> list[str]:
    return [w for w in load_application(APP).warnings if "answer 500" in w]


def test_integration_role_warnings_name_each_unusable_integration() -> None:
    assert sorted(w.split(":", 1)[0] for w in _warnings()) == [
        "GET /anonymous of Api",
        "GET /anonymous of HttpApi",
        "GET /other of Api",
        "GET /other of HttpApi",
        "GET /untrusted of Api",
        "POST /other-event of Api",
    ]


def test_integration_role_warnings_say_why() -> None:
    text = "\n".join(_warnings())
    assert "role/other-function is not allowed lambda:InvokeFunction on " in text
    assert "function:cred-fn" in text
    assert "role/untrusted does not trust apigateway.amazonaws.com" in text
    assert "arn:aws:iam::*:user/* pass the caller's through, but it is not AWS_IAM" in text
