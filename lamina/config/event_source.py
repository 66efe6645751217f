"""AWS::Lambda::EventSourceMapping resources reading DynamoDB streams (SAM writes one for
every `Type: DynamoDB` function event), created at `lamina up`.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-dynamodb.html
"""

from __future__ import annotations

from lamina.config.error import ConfigError
from lamina.config.model import TemplateEventSourceMapping
from lamina.config.stack import Stack

LAMBDA_EVENT_SOURCE_MAPPING = "AWS::Lambda::EventSourceMapping"


def build_event_source_mappings(stack: Stack) -> list[TemplateEventSourceMapping]:
    mappings = []
    for resource in stack.of_type(LAMBDA_EVENT_SOURCE_MAPPING):
        with stack.blame(resource.logical_id):
            source = stack.text(resource, "EventSourceArn")
            if ":dynamodb:" not in source or "/stream/" not in source:
                raise ConfigError(
                    f"EventSourceArn {source!r}: Lamina's event source mappings read "
                    "DynamoDB streams only"
                )
            tail = stack.text(resource, "FunctionName").rsplit(":function:", 1)[-1]
            name, _, qualifier = tail.partition(":")
            mappings.append(
                TemplateEventSourceMapping(
                    logical_id=resource.logical_id,
                    function_name=name,
                    qualifier=qualifier or None,
                    event_source_arn=source,
                    starting_position=stack.text(resource, "StartingPosition", "LATEST"),
                    batch_size=int(stack.prop(resource, "BatchSize", 100)),
                    enabled=bool(stack.prop(resource, "Enabled", True)),
                )
            )
    return mappings
