"""The CloudFront Functions runner's protocol with its process: JSON lines in and out, a
line that is not a reply skipped (the runner keeps answering)."""

from __future__ import annotations

import sys
from pathlib import Path

from lamina.edge.cdn.function import FunctionRunner
from lamina.services.cloudfront.model import ViewerFunction

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
