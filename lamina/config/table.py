"""AWS::DynamoDB::Table resources (SAM's SimpleTable becomes one): created at `lamina up`.

The properties are CreateTable's parameters under the same names, so they pass through
as they are; a table without TableName gets its logical id (what `!Ref Table` gives in
Lamina, as function names do).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html
"""

from __future__ import annotations

from typing import Any

from lamina.config.model import TemplateTable
from lamina.config.stack import Stack

DYNAMODB_TABLE = "AWS::DynamoDB::Table"
# CreateTable's parameters; CloudFormation-only properties (TimeToLiveSpecification,
# PointInTimeRecoverySpecification, Tags ...) are left for later issues.
_CREATE_TABLE_KEYS = (
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
)


def build_tables(stack: Stack) -> list[TemplateTable]:
    tables = []
    for resource in stack.of_type(DYNAMODB_TABLE):
        with stack.blame(resource.logical_id):
            properties: dict[str, Any] = {
                key: stack.prop(resource, key)
                for key in _CREATE_TABLE_KEYS
                if key in resource.properties
            }
            properties.setdefault("TableName", resource.logical_id)
            tables.append(TemplateTable(logical_id=resource.logical_id, properties=properties))
    return tables
