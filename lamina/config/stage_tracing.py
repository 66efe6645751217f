"""X-Ray tracing of REST API stages, from templates and from the management API's records,
into the gateway model's Stage.tracing_enabled (gateway/trace.py reads it).

Templates: AWS::ApiGateway::Stage `TracingEnabled` (SAM's AWS::Serverless::Api
`TracingEnabled` becomes it) and a Deployment's `StageDescription.TracingEnabled`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-stage.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
Records: GetStage's `tracingEnabled` (CreateStage, UpdateStage `/tracingEnabled`).
https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lamina.config.stack import Stack
from lamina.gateway.model import Stage


def with_stage_tracing(stack: Stack, stages: dict[str, Stage], api_id: str) -> dict[str, Stage]:
    """`stages` with TracingEnabled of their Stage resources (or the Deployment whose
    StageName made them)."""
    for resource in stack.of_api("AWS::ApiGateway::Deployment", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            description = stack.prop(resource, "StageDescription")
            named = stack.prop(resource, "StageName")
            if isinstance(description, dict) and isinstance(named, str) and named in stages:
                stages[named] = _traced(stages[named], description.get("TracingEnabled"))
    for resource in stack.of_api("AWS::ApiGateway::Stage", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "StageName")
            if name in stages:
                stages[name] = _traced(stages[name], stack.prop(resource, "TracingEnabled"))
    return stages


def _traced(stage: Stage, value: object) -> Stage:
    enabled = _flag(value)
    if enabled == stage.tracing_enabled:
        return stage
    return msgspec.structs.replace(stage, tracing_enabled=enabled)


def record_stage_tracing(record: Mapping[str, Any]) -> dict[str, Any]:
    """The Stage fields of a GetStage record."""
    return {"tracing_enabled": _flag(record.get("tracingEnabled"))}


def _flag(value: object) -> bool:
    return value is True or str(value).lower() == "true"
