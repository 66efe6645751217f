"""Stage access log settings from a template: REST `AccessLogSetting` (AWS::ApiGateway::Stage,
a Deployment's StageDescription, SAM Api `AccessLogSetting`) and HTTP API
`AccessLogSettings` (AWS::ApiGatewayV2::Stage, SAM HttpApi `AccessLogSettings`).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-accesslogsetting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-stage-accesslogsettings.html

The DestinationArn names a CloudWatch Logs group, `arn:aws:logs:{region}:{account}:
log-group:{name}` (a trailing `:*` allowed); Lamina writes the lines to
`.lamina/logs/access/{name}.log`. `!GetAtt Group.Arn` and `!Ref Group` of an
AWS::Logs::LogGroup in the same template resolve to that group's LogGroupName.
"""

from __future__ import annotations

import re

import msgspec

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.gateway.access_log import AccessLogFormat
from lamina.gateway.model import AccessLogSetting, Stage

_LOG_GROUP_ARN = re.compile(r"arn:[^:]+:logs:[^:]*:[^:]*:log-group:(?P<name>[^:]+)(?::\*)?")
_LOG_GROUP = "AWS::Logs::LogGroup"


def with_access_logs(
    stack: Stack,
    stages: dict[str, Stage],
    resource_type: str,
    api_id: str,
    *,
    key: str,
    setting: str,
) -> dict[str, Stage]:
    """``stages`` with the access log setting of their stage resources attached."""
    for resource in stack.of_api(resource_type, api_id, key=key):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "StageName")
            found = access_log_setting(stack, resource, setting)
            if found is not None and name in stages:
                stages[name] = msgspec.structs.replace(stages[name], access_log=found)
    return stages


def deployment_access_log(stack: Stack, description: dict[str, object]) -> AccessLogSetting | None:
    """A REST Deployment's `StageDescription.AccessLogSetting`."""
    return _setting(stack, description.get("AccessLogSetting"))


def access_log_setting(stack: Stack, resource: CfnResource, prop: str) -> AccessLogSetting | None:
    return _setting(stack, stack.prop(resource, prop))


def _setting(stack: Stack, spec: object) -> AccessLogSetting | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ConfigError("AccessLogSetting must be an object with DestinationArn and Format")
    arn = spec.get("DestinationArn")
    log_format = spec.get("Format")
    if not arn or not log_format:
        # Either alone does not turn access logging on.
        return None
    if not isinstance(arn, str) or not isinstance(log_format, str):
        raise ConfigError("AccessLogSetting DestinationArn and Format must be strings")
    compiled = AccessLogFormat(log_format)
    for unknown in compiled.unknown:
        stack.warnings.append(f"access log format: $context.{unknown} is not a variable (logs -)")
    return AccessLogSetting(
        destination_arn=arn, log_group=_log_group(stack, arn), format=log_format
    )


def _log_group(stack: Stack, arn: str) -> str:
    """The log group name an ARN names; a LogGroup of the template by its logical id."""
    name, is_group = log_group_name(arn)
    group = stack.resources.by_id.get(name)
    if group is not None and group.type == _LOG_GROUP:
        # `!GetAtt Group.Arn` stands for arn:...:{logicalId}, `!Ref Group` for the logical
        # id: both mean the group's LogGroupName.
        return str(stack.prop(group, "LogGroupName") or name)
    if not is_group:
        stack.warnings.append(
            f"access logs to {arn}: only CloudWatch Logs groups are written "
            f"(lines go to the log group {name!r})"
        )
    return name


def log_group_name(arn: str) -> tuple[str, bool]:
    """(the log group an access log destination ARN names, whether the ARN is a CloudWatch
    Logs group ARN); another ARN's last `:` or `/` part is taken as the group's name."""
    match = _LOG_GROUP_ARN.fullmatch(arn)
    if match is not None:
        return match.group("name"), True
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1], False
