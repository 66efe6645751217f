"""What the runtime needs to know about a function, and what an invocation returns."""

from __future__ import annotations

import msgspec

# Lambda's defaults when a template sets nothing.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_MEMORY_MB = 128


class LoggingConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how a function's logs go (Lambda's advanced logging controls).

    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
    """

    log_format: str = "Text"
    """"Text" or "JSON"; JSON applies to system logs and, for Python and Node.js, to the
    logs the standard logging methods write."""
    application_log_level: str = ""
    """TRACE, DEBUG, INFO, WARN, ERROR or FATAL; JSON format only ("" under Text)."""
    system_log_level: str = ""
    """DEBUG, INFO or WARN; JSON format only ("" under Text)."""
    log_group: str = ""
    """The destination group; "" means Lambda's default, /aws/lambda/<function name>."""

    def group(self, function_name: str) -> str:
        return self.log_group or f"/aws/lambda/{function_name}"


class FunctionConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One deployable function ($LATEST), resolved from a template or the Lambda API."""

    name: str
    """The physical FunctionName (the logical id when the template sets none)."""
    logical_id: str = ""
    runtime: str = "python3.12"
    handler: str = "app.handler"
    code_path: str = "."
    """Absolute path of the unpacked code folder (LAMBDA_TASK_ROOT)."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    environment: dict[str, str] = msgspec.field(default_factory=dict)
    arn: str = ""
    version: str = "$LATEST"
    aliases: tuple[str, ...] = ()
    """Alias names a template declares (e.g. SAM's AutoPublishAlias). They start on the
    function's current code; `lamina up` then publishes the template's version and points
    them at it (lamina/cli/publish.py)."""
    layers: tuple[str, ...] = ()
    """Local folders of unpacked layers, in the function's order; shown merged at /opt.
    https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html"""
    ephemeral_storage_mb: int = 512
    """The size of /tmp (EphemeralStorage), 512 to 10240 MB.
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html"""
    logging: LoggingConfig = msgspec.field(default_factory=LoggingConfig)
    role: str = ""
    """The execution role's ARN: each environment gets temporary credentials of it
    (lamina/aws/execution.py); "" when none is declared."""
    tracing_mode: str = "PassThrough"
    """TracingConfig.Mode: "Active" samples invocations no upstream decided for
    (functions/trace.py); "PassThrough" traces only those an upstream sampled.
    https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"""


class InvokeResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one synchronous invocation, as Lambda's Invoke API reports it."""

    payload: bytes
    """The JSON the handler returned, or Lambda's error object when it failed."""
    function_error: str | None = None
    """None on success, "Unhandled" when the function raised, timed out or crashed."""
    log: str = ""
    """What the invocation printed, framed by START / END / REPORT lines."""
    request_id: str = ""
    duration_ms: float = 0.0
    executed_version: str = "$LATEST"
    init_ms: float | None = None
    """A cold start's Init Duration (the REPORT line's); None on a warm invocation."""


class AliasConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A named pointer to a version, optionally splitting traffic with a second version.

    https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
    """

    name: str
    function_version: str
    """"$LATEST" or a published version number."""
    additional_version_weights: dict[str, float] = msgspec.field(default_factory=dict)
    """Version -> share of invocations (0..1) routed to it instead of function_version."""
    description: str = ""
    revision_id: str = ""
