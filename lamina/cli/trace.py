"""What `lamina up` wires for X-Ray tracing: one Tracer shared by the gateway, the runtime
and the AWS endpoint, the daemon UDP endpoint functions send to, the X-Ray API over the
kept traces, and the OTLP export when a collector is configured.

    start_tracing(...)  Tracer + TraceDaemon (AWS_XRAY_DAEMON_ADDRESS) + OTLP sink;
                        the runtime traces invocations from here on
    connect(gateway, edge)  REST stages with tracingEnabled, AWS calls in a sampled trace
    close()             stop listening, send the spans still pending
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import click

from lamina.aws.trace import AwsCallTracing
from lamina.core.trace import Tracer
from lamina.core.trace_daemon import DEFAULT_ADDRESS, TraceDaemon
from lamina.edge.app import Edge
from lamina.functions.service import FunctionService
from lamina.functions.trace import FunctionTracing
from lamina.gateway.app import Gateway
from lamina.gateway.trace import GatewayTracing
from lamina.services.xray.provider import XRayProvider

if TYPE_CHECKING:  # opentelemetry is imported only when a collector is configured
    from lamina.core.trace_otlp import OtlpExport

log = logging.getLogger("lamina.cli")


class Tracing:
    def __init__(
        self, tracer: Tracer, daemon: TraceDaemon, export: OtlpExport | None, account_id: str
    ) -> None:
        self.tracer = tracer
        self.daemon = daemon
        self.export = export
        self.provider = XRayProvider(tracer, account_id=account_id)
        """The X-Ray API (botocore `xray`) over the kept traces."""

    def connect(self, gateway: Gateway, edge: Edge, *, region: str) -> None:
        gateway.tracing = GatewayTracing(self.tracer)
        edge.aws_tracing = AwsCallTracing(self.tracer, region=region)

    def close(self) -> None:
        self.daemon.close()
        if self.export is not None:
            self.export.close()


def otlp_traces_url(option: str | None, environ: dict[str, str] | os._Environ[str]) -> str | None:
    """`--otlp-endpoint`, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL), else
    OTEL_EXPORTER_OTLP_ENDPOINT (a base URL): the OpenTelemetry SDK's variables.
    https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options"""
    if option:
        return _traces_endpoint(option)
    if environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return _traces_endpoint(environ["OTEL_EXPORTER_OTLP_ENDPOINT"])
    return None


def _traces_endpoint(base: str) -> str:
    """A base URL's traces path, `<base>/v1/traces`.
    https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp"""
    return base.rstrip("/") + "/v1/traces"


async def start_tracing(
    functions: FunctionService,
    *,
    region: str,
    account_id: str,
    daemon_address: str = DEFAULT_ADDRESS,
    otlp_endpoint: str | None = None,
) -> Tracing:
    """The tracer, listening for functions' segments; the default daemon port taken (by a
    real X-Ray daemon or another `lamina up`) falls back to a free port, which functions
    are told."""
    tracer = Tracer()
    daemon = TraceDaemon(tracer)
    try:
        await daemon.start(daemon_address)
    except OSError as error:
        if daemon_address != DEFAULT_ADDRESS:
            raise
        bound = await daemon.start("127.0.0.1:0")
        click.echo(f"X-Ray daemon endpoint: {daemon_address} is taken ({error}); using {bound}")
    url = otlp_traces_url(otlp_endpoint, os.environ)
    export = None
    if url:
        from lamina.core.trace_otlp import OtlpExport

        export = OtlpExport(url)
    if export is not None:
        tracer.add_sink(export)
        click.echo(f"Traces exported over OTLP to {url}")
    functions.tracing = FunctionTracing(tracer, region=region, account_id=account_id)
    return Tracing(tracer, daemon, export, account_id)
