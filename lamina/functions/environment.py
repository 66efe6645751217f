"""The environment a worker sees: the function's variables plus Lambda's reserved ones.

Nothing of the server's own environment leaks in except PATH and the locale (a worker
on Lambda also starts from a clean environment).
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from lamina.functions.model import FunctionConfig

BOOTSTRAP_DIR = str(Path(__file__).parent / "bootstrap")
"""LAMBDA_RUNTIME_DIR: where the runtime's own code lives (/var/runtime on Lambda)."""
_LOAD_RUNTIME = """\
import importlib.util, json, os, sys
root = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "lamina_runtime", os.path.join(root, "__init__.py"), submodule_search_locations=[root])
package = importlib.util.module_from_spec(spec)
sys.modules["lamina_runtime"] = package
spec.loader.exec_module(package)
"""


def bootstrap_script(body: str) -> str:
    """A `python -I -c` program that loads bootstrap/ as the package `lamina_runtime`
    (argv[1] is its folder), so no handler module can shadow it, then runs `body`."""
    return _LOAD_RUNTIME + body


NODEJS_DIR = str(Path(__file__).parent / "nodejs")
"""LAMBDA_RUNTIME_DIR of the Node.js runtimes (Lamina's own Runtime API client)."""

# Credentials handed to functions; Lamina's own AWS endpoint accepts them.
LOCAL_ACCESS_KEY_ID = "ASIALAMINALOCAL00000"
LOCAL_SECRET_ACCESS_KEY = "lamina/local/secret/access/key/000000000"
LOCAL_SESSION_TOKEN = "lamina-local-session-token"


ENVIRONMENT_MAX_AGE_S = 12 * 3600 - 15 * 60 - 60
"""How long an execution environment serves invocations: its credentials (valid 12 hours,
lamina.aws.execution.SESSION_S) must outlast the longest invocation (15 minutes) it may
start. Lambda too replaces environments "every few hours", even busy ones.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"""


_SESSION_SEED = secrets.token_bytes(32)
"""Per Lamina process: function sessions last as long as the process, as temporary
credentials do."""


def function_credentials(function_name: str) -> tuple[str, str, str]:
    """The (access key id, secret access key, session token) one function's workers get.

    Each function has its own temporary key, as each Lambda function signs with its own
    execution role's session; Lamina's credential store maps the key back to that role
    (lamina.config.iam), so AWS_IAM gateway methods see which function calls them.
    The key id is derived from the name; the secret and token also from this process's
    seed, so they change with each `lamina up`, as temporary credentials expire."""
    digest = hashlib.sha256(f"lamina-function-key\x00{function_name}".encode()).digest()
    key_id = "ASIA" + base64.b32encode(digest[:10]).decode()[:16]
    # The secret and token are keyed by this process's seed: knowing a function's name is
    # not enough to sign as its role (workers get theirs in their environment).
    keyed = hmac.new(_SESSION_SEED, digest, hashlib.sha256).digest()
    secret = base64.b64encode(keyed).decode()[:40]
    token = (
        "lamina-session-" + hmac.new(_SESSION_SEED, digest + b"token", "sha256").hexdigest()[:32]
    )
    return key_id, secret, token


_DEFAULT_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE")


def log_stream_name(version: str, now: float | None = None) -> str:
    """``YYYY/MM/DD/[$LATEST]<32 hex>``, one per execution environment."""
    day = time.strftime("%Y/%m/%d", time.gmtime(now if now is not None else time.time()))
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def function_arn(config: FunctionConfig, *, region: str, account_id: str) -> str:
    if config.arn:
        return config.arn
    return f"arn:aws:lambda:{region}:{account_id}:function:{config.name}"


def reserved_variables(
    config: FunctionConfig,
    *,
    region: str,
    runtime_api: str,
    log_stream: str,
    credentials: tuple[str, str, str] | None = None,
) -> dict[str, str]:
    """Lambda's reserved variables; a function cannot override them. `credentials`: the
    environment's own session of its execution role (aws/execution.py); without them, the
    function's fixed key (function_credentials)."""
    key_id, secret, token = credentials or function_credentials(config.name)
    return {
        "_HANDLER": config.handler,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": config.logging.group(config.name),
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_ACCESS_KEY": key_id,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": token,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": config.code_path,
        "LAMBDA_RUNTIME_DIR": runtime_dir(config.runtime),
        **_log_variables(config),
    }


def _log_variables(config: FunctionConfig) -> dict[str, str]:
    """Under the JSON log format, the runtimes read the format and application log level
    from AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL (as AWS's runtime interface
    clients and Powertools do), so the standard logging methods write JSON and leave out
    records below the level.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html"""
    logging = config.logging
    if logging.log_format != "JSON":
        return {}
    return {
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": logging.application_log_level or "INFO",
    }


def runtime_dir(runtime: str) -> str:
    return NODEJS_DIR if runtime.startswith("nodejs") else BOOTSTRAP_DIR


def worker_environment(
    config: FunctionConfig,
    *,
    region: str,
    runtime_api: str,
    log_stream: str,
    host: Mapping[str, str],
    endpoint_url: str = "",
    xray_daemon: str = "",
    credentials: tuple[str, str, str] | None = None,
) -> dict[str, str]:
    """Host essentials, then the function's variables, then the reserved ones on top.

    TZ, PATH and LANG are Lambda defaults a function may override. AWS_ENDPOINT_URL points
    the AWS SDKs inside the function at Lamina (boto3 and the other SDKs read it), so
    `boto3.client("dynamodb")` in a handler works unchanged; a function may override it.
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    """
    env = {name: host[name] for name in _PASSED_THROUGH if name in host}
    env.setdefault("PATH", _DEFAULT_PATH)
    env.setdefault("LANG", "en_US.UTF-8")
    env["TZ"] = ":UTC"
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    env.update(config.environment)
    env.update(
        reserved_variables(
            config,
            region=region,
            runtime_api=runtime_api,
            log_stream=log_stream,
            credentials=credentials,
        )
    )
    if xray_daemon:
        # Where the X-Ray SDK sends segments, and what it does outside a traced call.
        # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon
        env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
    return env
