"""`lamina rotate-key POOL_ID`: the running `lamina up` signs the pool's tokens with a new
key, and its JWKS lists both (verifiers find each token's key by its `kid`; the gateway's
authorizers fetch the key set again when a token names a kid they have not seen)."""

from __future__ import annotations

import subprocess
import sys

import httpx

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "hosted"


def test_rotate_key_through_the_cli() -> None:
    app = load_application(APP)
    pool_id = next(
        r.physical_id for r in app.service_resources if r.type == "AWS::Cognito::UserPool"
    )
    lamina = LaminaProcess(APP)
    try:
        jwks = f"{lamina.base}/{pool_id}/.well-known/jwks.json"
        (before,) = httpx.get(jwks, timeout=10).json()["keys"]
        rotated = subprocess.run(
            [sys.executable, "-m", "lamina.cli", "rotate-key", pool_id, str(APP),
             "--state-dir", str(lamina.state_dir)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert rotated.returncode == 0, rotated.stderr
        assert f"(retired {before['kid']})" in rotated.stdout
        kids = [key["kid"] for key in httpx.get(jwks, timeout=10).json()["keys"]]
        assert len(kids) == 2 and kids[1] == before["kid"] and kids[0] in rotated.stdout
        unknown = subprocess.run(
            [sys.executable, "-m", "lamina.cli", "rotate-key", "us-east-1_NoSuchOne", str(APP),
             "--state-dir", str(lamina.state_dir)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert unknown.returncode == 2 and "does not exist" in unknown.stderr
    finally:
        lamina.stop()
