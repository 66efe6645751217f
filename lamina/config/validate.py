"""`validate_template`: what `lamina validate` prints, one "file:line: ..." line each.

Two passes. cfn-lint checks the template against CloudFormation's schemas; then the template
is loaded as `lamina up` loads it (load_application, no server started), so what `lamina up`
would refuse (a truststore file that is not there, a WAF rule Lamina cannot enforce, an
authorizer URI naming no function) and what it would warn about is reported too.

cfn-lint is imported only when validating; it is slow to import and `lamina up` skips it.
https://github.com/aws-cloudformation/cfn-lint
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lamina.config.document import find_template
from lamina.config.error import ConfigError
from lamina.config.load import load_application

# Properties CloudFormation has and the installed cfn-lint's schemas do not yet (its
# finding would be wrong): REST API JWT authorizers' JwtConfiguration.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html
_NEWER_THAN_CFN_LINT = frozenset(
    {("E3002", "Additional properties are not allowed ('JwtConfiguration' was unexpected)")}
)


def validate_template(
    path: str | os.PathLike[str], parameter_overrides: Mapping[str, str] | None = None
) -> list[str]:
    """cfn-lint's findings for the template at `path` (file or folder), then the error or
    the warnings of loading it as `lamina up` would (with `parameter_overrides`, as given
    to it: a parameter without a Default needs one); [] when clean. Raises ConfigError
    only when there is no template at `path`."""
    from cfnlint.api import lint_file

    template = find_template(path)
    matches = lint_file(template)
    findings = [
        f"{template}:{match.linenumber}:{match.columnnumber}: {match.rule.id} {match.message}"
        for match in sorted(matches, key=lambda m: (m.linenumber, m.columnnumber, m.rule.id))
        if (match.rule.id, str(match.message)) not in _NEWER_THAN_CFN_LINT
    ]
    return findings + load_findings(template, parameter_overrides)


def load_findings(
    template: str | os.PathLike[str], parameter_overrides: Mapping[str, str] | None = None
) -> list[str]:
    """The ConfigError `lamina up` would stop at ("file:line: resource X: detail"), or the
    warnings it would print ("file: warning: ..."); [] when it would start cleanly."""
    try:
        app = load_application(template, parameter_overrides=parameter_overrides)
    except ConfigError as error:
        return [str(error.located(file=str(template)))]
    return [f"{template}: warning: {warning}" for warning in app.warnings]
