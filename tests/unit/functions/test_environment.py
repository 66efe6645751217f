"""The worker environment: Lambda's reserved variables over the function's own."""

import re

from lamina.functions import environment
from lamina.functions.model import FunctionConfig

CONFIG = FunctionConfig(
    name="orders",
    runtime="python3.12",
    handler="app.handler",
    code_path="/srv/code/orders",
    memory_mb=256,
    environment={"TABLE": "orders", "AWS_REGION": "mars-1", "TZ": "Europe/Paris"},
)


def build(host: dict[str, str] | None = None) -> dict[str, str]:
    return environment.worker_environment(
        CONFIG,
        region="eu-west-1",
        runtime_api="127.0.0.1:3000",
        log_stream="2024/01/02/[$LATEST]" + "a" * 32,
        host=host if host is not None else {"PATH": "/bin", "HOME": "/root", "SECRET": "x"},
    )


def test_worker_environment_has_every_reserved_variable() -> None:
    env = build()
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "orders"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/orders"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].startswith("2024/01/02/[$LATEST]")
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:3000"
    assert env["LAMBDA_TASK_ROOT"] == "/srv/code/orders"
    assert env["LAMBDA_RUNTIME_DIR"] == environment.BOOTSTRAP_DIR
    for name in (
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        assert env[name]


def test_worker_environment_reserved_variables_win_over_the_functions() -> None:
    assert build()["AWS_REGION"] == "eu-west-1"


def test_worker_environment_function_may_override_tz() -> None:
    env = build()
    assert env["TABLE"] == "orders"
    assert env["TZ"] == "Europe/Paris"


def test_worker_environment_does_not_leak_the_host_environment() -> None:
    env = build()
    assert env["PATH"] == "/bin"
    assert "HOME" not in env
    assert "SECRET" not in env


def test_worker_environment_defaults_path_and_lang_without_host() -> None:
    env = build(host={})
    assert env["PATH"]
    assert env["LANG"] == "en_US.UTF-8"


def test_log_stream_name_has_lambda_shape() -> None:
    name = environment.log_stream_name("$LATEST", now=0)
    assert re.fullmatch(r"1970/01/01/\[\$LATEST\][0-9a-f]{32}", name)


def test_function_arn_built_from_region_and_account() -> None:
    arn = environment.function_arn(CONFIG, region="eu-west-1", account_id="123456789012")
    assert arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders"


def test_function_arn_prefers_the_configured_one() -> None:
    config = FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:1:function:f")
    assert environment.function_arn(config, region="x", account_id="2") == config.arn


def test_worker_environment_points_sdks_at_lamina_unless_the_function_does() -> None:
    def env_for(variables: dict[str, str]) -> dict[str, str]:
        config = FunctionConfig(name="f", environment=variables)
        return environment.worker_environment(
            config,
            region="eu-west-1",
            runtime_api="",
            log_stream="s",
            host={},
            endpoint_url="http://127.0.0.1:3000",
        )

    assert env_for({})["AWS_ENDPOINT_URL"] == "http://127.0.0.1:3000"
    mine = env_for({"AWS_ENDPOINT_URL": "http://elsewhere"})
    assert mine["AWS_ENDPOINT_URL"] == "http://elsewhere"
