"""examples/releases/README.md, run: every `$ ` command of its console blocks goes, in
order, through one bash session (the AWS CLI and curl against `lamina up` on a copy of the
example), its output is compared with the README's, and at each `check:` comment the
outcome is asserted through boto3 and HTTP: the stage variable -> alias -> version chain,
dev ahead of prod, prod's canary split at random by half, and the promotion."""

from __future__ import annotations

import math
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import boto3
import httpx

from tests.conftest import ROOT, LaminaProcess

EXAMPLE = ROOT / "examples" / "releases"
REGION = "us-east-1"
CANARY_REQUESTS = 400
# A fair coin over n requests: n/2 ± 5 standard deviations (sqrt(n)/2) fails by chance
# about once in 1.7 million runs.
SIGMAS = 5.0


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Check:
    name: str


def readme_steps(text: str) -> list[Step | Check]:
    """The console blocks' commands (a trailing backslash continues one) with the lines
    shown after each, and the `<!-- check: NAME -->` markers between them."""
    steps: list[Step | Check] = []
    in_console = False
    lines = iter(text.splitlines())
    for line in lines:
        marker = re.fullmatch(r"<!-- check: (\S+) -->", line.strip())
        if marker:
            steps.append(Check(marker.group(1)))
        elif line.startswith("```"):
            in_console = line == "```console" and not in_console
        elif in_console and line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + next(lines)
            steps.append(Step(command))
        elif in_console and steps and isinstance(steps[-1], Step):
            steps[-1].expected.append(line)
    return steps


class Shell:
    """One bash process fed command after command, so variables carry over as in a
    terminal; each command's stdout is read up to a marker line carrying its exit code."""

    def __init__(self, cwd: Path, env: dict[str, str], errors: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=cwd,
            env=env,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._count = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def run(self, command: str, timeout_s: float = 120) -> tuple[int, list[str]]:
        assert self.process.stdin is not None
        self._count += 1
        marker = f"__releases_step_{self._count}__"
        self.process.stdin.write(f"{command}\nprintf '\\n%s %s\\n' {marker} \"$?\"\n")
        self.process.stdin.flush()
        output: list[str] = []
        end = time.monotonic() + timeout_s
        while True:
            line = self._lines.get(timeout=max(0.0, end - time.monotonic()))
            if line.startswith(f"{marker} "):
                while output and output[-1] == "":  # the marker's own leading newline
                    output.pop()
                return int(line.split()[1]), output
            output.append(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _words(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def _counted(lines: list[str]) -> Counter[str]:
    """`uniq -c` output: line -> count."""
    counts: Counter[str] = Counter()
    for line in lines:
        count, _, rest = line.strip().partition(" ")
        counts[rest.strip()] = int(count)
    return counts


def assert_output(step: Step, output: list[str]) -> None:
    if "uniq -c" not in step.command:
        assert _words(output) == _words(step.expected), (step.command, output)
        return
    # Counts of random picks: the same lines; a split of two lines near half each.
    got, shown = _counted(output), _counted(step.expected)
    assert set(got) == set(shown), (step.command, output)
    total = sum(got.values())
    assert total == sum(shown.values()), (step.command, output)
    if len(got) == 2:
        _assert_half(min(got.values()), total)


def _assert_half(hits: int, total: int) -> None:
    bound = SIGMAS * math.sqrt(total) / 2
    assert abs(hits - total / 2) <= bound, f"{hits} of {total} not within ±{bound:.0f} of half"


def _answer(base: str, stage: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/{stage}/release", timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _release(code: str, version: str, alias: str, stage: str) -> dict[str, str]:
    return {"code": code, "version": version, "alias": alias, "stage": stage}


class Checks:
    """What each `check:` marker asserts, through boto3 and HTTP rather than the README's
    own commands."""

    def __init__(self, base: str, shell: Shell) -> None:
        options: dict[str, Any] = {
            "endpoint_url": base,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        self.base = base
        self.shell = shell
        self.lambda_ = boto3.client("lambda", **options)
        self.apigateway = boto3.client("apigateway", **options)
        [api] = self.apigateway.get_rest_apis()["items"]
        self.api_id = api["id"]

    def aliases(self) -> dict[str, str]:
        listed = self.lambda_.list_aliases(FunctionName="releases")["Aliases"]
        return {alias["Name"]: alias["FunctionVersion"] for alias in listed}

    def variable(self, name: str) -> str:
        code, output = self.shell.run(f'echo "${name}"')
        assert code == 0 and len(output) == 1, output
        return output[0]

    def both_on_version_1(self) -> None:
        assert self.aliases() == {"dev": "1", "prod": "1"}
        for stage in ("dev", "prod"):
            record = self.apigateway.get_stage(restApiId=self.api_id, stageName=stage)
            assert record["variables"] == {"alias": stage}
            assert _answer(self.base, stage) == _release("first", "1", stage, stage)

    def dev_ahead_of_prod(self) -> None:
        assert self.aliases() == {"dev": "2", "prod": "1"}
        assert _answer(self.base, "dev") == _release("second", "2", "dev", "dev")
        assert _answer(self.base, "prod") == _release("first", "1", "prod", "prod")

    def canary_splits_prod(self) -> None:
        stage = self.apigateway.get_stage(restApiId=self.api_id, stageName="prod")
        assert stage["canarySettings"]["percentTraffic"] == 50.0
        assert stage["canarySettings"]["stageVariableOverrides"] == {"alias": "dev"}
        assert stage["variables"] == {"alias": "prod"}
        answers = Counter(
            tuple(sorted(_answer(self.base, "prod").items())) for _ in range(CANARY_REQUESTS)
        )
        base = tuple(sorted(_release("first", "1", "prod", "prod").items()))
        canary = tuple(sorted(_release("second", "2", "dev", "prod").items()))
        assert set(answers) == {base, canary}, answers
        _assert_half(answers[canary], CANARY_REQUESTS)

    def prod_promoted(self) -> None:
        assert self.aliases() == {"dev": "2", "prod": "2"}
        stage = self.apigateway.get_stage(restApiId=self.api_id, stageName="prod")
        assert stage["deploymentId"] == self.variable("CANARY")
        assert "canarySettings" not in stage and stage["variables"] == {"alias": "prod"}
        answers = {tuple(sorted(_answer(self.base, "prod").items())) for _ in range(50)}
        assert answers == {tuple(sorted(_release("second", "2", "prod", "prod").items()))}

    def each_alias_needs_its_permission(self) -> None:
        """Lambda checks the policy of the alias invoked: without the template's statement
        on releases:dev, API Gateway may not invoke it (500, as AWS answers), while prod,
        through releases:prod, still answers.
        https://repost.aws/knowledge-center/api-gateway-lambda-stage-variable-500
        """
        self.lambda_.remove_permission(
            FunctionName="releases", Qualifier="dev", StatementId="DevInvokePermission"
        )
        refused = httpx.get(f"{self.base}/dev/release", timeout=30)
        assert (refused.status_code, refused.json()) == (500, {"message": "Internal server error"})
        assert _answer(self.base, "prod") == _release("second", "2", "prod", "prod")


def test_the_releases_readme_runs_as_written(tmp_path: Path) -> None:
    steps = readme_steps((EXAMPLE / "README.md").read_text())
    checks = [step.name for step in steps if isinstance(step, Check)]
    assert checks == ["both-on-version-1", "dev-ahead-of-prod", "canary-splits-prod",
                      "prod-promoted"]  # fmt: skip
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "releases", ignore=_state)
    lamina = LaminaProcess(tmp_path / "examples" / "releases")
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    env.pop("AWS_PROFILE", None)
    errors = (tmp_path / "shell-stderr.log").open("wb")
    shell = Shell(tmp_path, env, errors)
    try:
        verify: Checks | None = None
        for step in steps:
            if isinstance(step, Check):
                verify = verify or Checks(lamina.base, shell)
                getattr(verify, step.name.replace("-", "_"))()
                continue
            # The README's port and scratch folder, moved to this test's.
            command = step.command.replace("127.0.0.1:3000", f"127.0.0.1:{lamina.port}")
            command = command.replace("/tmp/", f"{tmp_path}/")
            code, output = shell.run(command)
            errors.flush()
            assert code == 0, (
                f"{command}\n{(tmp_path / 'shell-stderr.log').read_text()[-2000:]}\n"
                f"{lamina.output()[-3000:]}"
            )
            assert_output(step, output)
        assert verify is not None
        verify.each_alias_needs_its_permission()
    finally:
        shell.close()
        errors.close()
        lamina.stop()


def _state(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == ".lamina"]
