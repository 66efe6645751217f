"""The CloudFront Functions runner's protocol with its process: JSON lines in and out, a
line that is not a reply skipped (the runner keeps answering), a call out of time reported
by TestFunction."""

from __future__ import annotations

import sys
from pathlib import Path

from lamina.aws.service import AwsRequestContext
from lamina.edge.cdn.function import TIMEOUT_S, FunctionRunner
from lamina.services.cloudfront.model import ViewerFunction
from lamina.services.cloudfront.provider import CloudFrontProvider, function_etag

# Stands in for `node -e RUNNER`: writes a stray line first, then answers each call with
# its event's `n` doubled.
_PROCESS = """
import json, sys
print("not a reply", flush=True)
for line in sys.stdin:
    message = json.loads(line)
    print(json.dumps({"id": message["id"], "result": message["event"]["n"] * 2}), flush=True)
"""
FUNCTION = ViewerFunction(name="f", arn="arn:aws:cloudfront::123456789012:function/f", code="")


async def test_a_stray_line_does_not_stop_the_replies(tmp_path: Path) -> None:
    script = tmp_path / "runner.py"
    script.write_text(_PROCESS)
    launcher = tmp_path / "node"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {script}\n")  # ignores `-e RUNNER`
    launcher.chmod(0o755)
    runner = FunctionRunner(node=str(launcher))
    try:
        assert await runner.run(FUNCTION, {"n": 2}) == 4
        assert await runner.run(FUNCTION, {"n": 5}) == 10
    finally:
        await runner.close()


async def test_test_function_reports_a_function_out_of_time(tmp_path: Path) -> None:
    # The process never answers: the call runs out of time, and TestFunction's result
    # carries that as its error instead of failing the API call.
    launcher = tmp_path / "node"
    launcher.write_text("#!/bin/sh\nexec sleep 30\n")
    launcher.chmod(0o755)
    provider = CloudFrontProvider()
    provider.functions[FUNCTION.arn] = FUNCTION
    runner = FunctionRunner(node=str(launcher))
    provider.tester = runner
    context = AwsRequestContext(
        service="cloudfront",
        operation="TestFunction",
        region="us-east-1",
        account_id="123456789012",
        request_id="r",
        access_key="test",
    )
    params = {"Name": "f", "IfMatch": function_etag(FUNCTION), "EventObject": b"{}"}
    try:
        result = (await provider.handlers()["TestFunction"](context, params))["TestResult"]
    finally:
        await runner.close()
    assert result["FunctionErrorMessage"] == f"f took over {TIMEOUT_S} s"
    assert result["FunctionOutput"] == ""
