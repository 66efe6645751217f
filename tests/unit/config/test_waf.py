"""AWS::WAFv2 resources in templates: web ACLs attached to REST API stages, and the
errors that name what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.gateway.waf.model import (
    ByteMatchStatement,
    CustomResponse,
    IpSetReferenceStatement,
    LabelMatchStatement,
    ManagedRuleGroupStatement,
    RateBasedStatement,
    RegexMatchStatement,
    SizeConstraintStatement,
    SqliMatchStatement,
    WebAcl,
    XssMatchStatement,
)

NONE = [{"Priority": 0, "Type": "NONE"}]


def rule(
    name: str, priority: int, statement: dict[str, Any], action: str = "Block"
) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Action": {action: {}},
        "Statement": statement,
        "VisibilityConfig": {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
        },
    }


def template(
    rules: list[dict[str, Any]], *, resource_arn: Any = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Runtime": "python3.12", "Handler": "app.handler", "Code": "."},
        },
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "Method": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                "Integration": {"Type": "MOCK"},
            },
        },
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "Prod": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "DeploymentId": {"Ref": "Deployment"},
                "StageName": "prod",
            },
        },
        "Blocked": {
            "Type": "AWS::WAFv2::IPSet",
            "Properties": {
                "Name": "blocked",
                "Scope": "REGIONAL",
                "IPAddressVersion": "IPV4",
                "Addresses": ["192.0.2.0/24"],
            },
        },
        "Paths": {
            "Type": "AWS::WAFv2::RegexPatternSet",
            "Properties": {
                "Name": "paths",
                "Scope": "REGIONAL",
                "RegularExpressionList": ["^/admin"],
            },
        },
        "Acl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": "acl",
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "Rules": rules,
                "VisibilityConfig": {
                    "SampledRequestsEnabled": True,
                    "CloudWatchMetricsEnabled": True,
                    "MetricName": "acl",
                },
            },
        },
        "Association": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                "ResourceArn": resource_arn
                or {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod"},
                "WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]},
            },
        },
    }
    resources.update(extra or {})
    return {"Resources": resources}


def load(tmp_path: Path, body: dict[str, Any]) -> WebAcl:
    (tmp_path / "template.json").write_text(json.dumps(body))
    app = load_application(tmp_path)
    (api,) = app.rest_apis
    (stage,) = api.stages
    assert stage.web_acl is not None
    assert not [w for w in app.warnings if "WAFv2" in w]
    return stage.web_acl


def test_web_acl_is_attached_to_the_associated_stage(tmp_path: Path) -> None:
    acl = load(
        tmp_path,
        template(
            [
                rule(
                    "ips",
                    5,
                    {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}}},
                ),
                rule(
                    "bytes",
                    1,
                    {
                        "ByteMatchStatement": {
                            "FieldToMatch": {"SingleHeader": {"Name": "User-Agent"}},
                            "PositionalConstraint": "CONTAINS_WORD",
                            "SearchString": "badbot",
                            "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
                        }
                    },
                    "Count",
                ),
                rule(
                    "paths",
                    2,
                    {
                        "RegexPatternSetReferenceStatement": {
                            "Arn": {"Fn::GetAtt": ["Paths", "Arn"]},
                            "FieldToMatch": {"UriPath": {}},
                            "TextTransformations": NONE,
                        }
                    },
                ),
                rule(
                    "size",
                    3,
                    {
                        "SizeConstraintStatement": {
                            "FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
                            "ComparisonOperator": "GT",
                            "Size": 4096,
                            "TextTransformations": NONE,
                        }
                    },
                ),
                rule(
                    "sqli",
                    4,
                    {
                        "SqliMatchStatement": {
                            "FieldToMatch": {
                                "JsonBody": {
                                    "MatchPattern": {"IncludedPaths": ["/query"]},
                                    "MatchScope": "VALUE",
                                    "InvalidFallbackBehavior": "EVALUATE_AS_STRING",
                                }
                            },
                            "SensitivityLevel": "HIGH",
                            "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}],
                        }
                    },
                ),
                rule(
                    "xss",
                    6,
                    {
                        "XssMatchStatement": {
                            "FieldToMatch": {
                                "Headers": {
                                    "MatchPattern": {"ExcludedHeaders": ["cookie"]},
                                    "MatchScope": "ALL",
                                    "OversizeHandling": "CONTINUE",
                                }
                            },
                            "TextTransformations": [{"Priority": 0, "Type": "HTML_ENTITY_DECODE"}],
                        }
                    },
                ),
                rule(
                    "rate",
                    0,
                    {
                        "RateBasedStatement": {
                            "Limit": 100,
                            "AggregateKeyType": "IP",
                            "ScopeDownStatement": {
                                "NotStatement": {
                                    "Statement": {
                                        "IPSetReferenceStatement": {
                                            "Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}
                                        }
                                    }
                                }
                            },
                        }
                    },
                ),
                {
                    "Name": "managed",
                    "Priority": 7,
                    "OverrideAction": {"None": {}},
                    "Statement": {
                        "ManagedRuleGroupStatement": {
                            "VendorName": "AWS",
                            "Name": "AWSManagedRulesSQLiRuleSet",
                            "RuleActionOverrides": [
                                {"Name": "SQLi_BODY", "ActionToUse": {"Count": {}}}
                            ],
                            "ExcludedRules": [{"Name": "SQLi_COOKIE"}],
                        }
                    },
                    "VisibilityConfig": {
                        "SampledRequestsEnabled": True,
                        "CloudWatchMetricsEnabled": True,
                        "MetricName": "m",
                    },
                },
            ]
        ),
    )
    assert acl.name == "acl"
    assert acl.arn.startswith("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/")
    assert [r.name for r in acl.rules] == [
        "rate",
        "bytes",
        "paths",
        "size",
        "sqli",
        "ips",
        "xss",
        "managed",
    ]
    by_name = {r.name: r for r in acl.rules}
    rate = by_name["rate"].statement
    assert isinstance(rate, RateBasedStatement)
    assert (rate.limit, rate.window_seconds, rate.aggregate) == (100, 300, "IP")  # 300 s default
    ips = by_name["ips"].statement
    assert isinstance(ips, IpSetReferenceStatement) and ips.ip_set.addresses == ("192.0.2.0/24",)
    byte = by_name["bytes"].statement
    assert isinstance(byte, ByteMatchStatement)
    assert (byte.field.kind, byte.field.name, byte.search, byte.positional) == (
        "SingleHeader",
        "user-agent",
        b"badbot",
        "CONTAINS_WORD",
    )
    assert by_name["bytes"].action == "Count"
    paths = by_name["paths"].statement
    assert isinstance(paths, RegexMatchStatement) and paths.patterns == ("^/admin",)
    assert paths.pattern_set == "paths"
    size = by_name["size"].statement
    assert isinstance(size, SizeConstraintStatement) and size.field.oversize == "MATCH"
    sqli = by_name["sqli"].statement
    assert isinstance(sqli, SqliMatchStatement) and sqli.sensitivity == "HIGH"
    assert (
        sqli.field.included == ("/query",) and sqli.field.invalid_fallback == "EVALUATE_AS_STRING"
    )
    xss = by_name["xss"].statement
    assert isinstance(xss, XssMatchStatement) and xss.field.excluded == ("cookie",)
    managed = by_name["managed"].statement
    assert isinstance(managed, ManagedRuleGroupStatement)
    assert managed.action_overrides == {"SQLi_BODY": "Count"}
    assert managed.excluded_rules == ("SQLi_COOKIE",)
    assert by_name["managed"].override_action == "None"


def test_body_inspection_limit_and_evaluation_window(tmp_path: Path) -> None:
    body = template(
        [
            rule(
                "rate",
                0,
                {
                    "RateBasedStatement": {
                        "Limit": 10,
                        "EvaluationWindowSec": 60,
                        "AggregateKeyType": "IP",
                    }
                },
            )
        ]
    )
    body["Resources"]["Acl"]["Properties"]["AssociationConfig"] = {
        "RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_64"}}
    }
    acl = load(tmp_path, body)
    assert acl.body_limit == 64 * 1024
    statement = acl.rules[0].statement
    assert isinstance(statement, RateBasedStatement) and statement.window_seconds == 60


def _error(tmp_path: Path, body: dict[str, Any]) -> str:
    (tmp_path / "template.json").write_text(json.dumps(body))
    with pytest.raises(ConfigError) as caught:
        load_application(tmp_path)
    return str(caught.value)


def test_http_api_association_is_refused(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        template(
            [],
            resource_arn={
                "Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/apis/abc123/stages/$default"
            },
        ),
    )
    assert "resource Association" in message
    assert "AWS WAF cannot be associated with HTTP APIs" in message


def test_association_to_unknown_stage_is_refused(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        template(
            [],
            resource_arn={
                "Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/beta"
            },
        ),
    )
    assert "resource Association" in message and "no stage beta" in message


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"GeoMatchStatement": {"CountryCodes": ["US"]}}, "GeoMatchStatement is not supported"),
        (
            {
                "ByteMatchStatement": {
                    "FieldToMatch": {"UriPath": {}},
                    "PositionalConstraint": "LIKE",
                    "SearchString": "x",
                    "TextTransformations": NONE,
                }
            },
            "PositionalConstraint must be one of",
        ),
        (
            {
                "RegexMatchStatement": {
                    "FieldToMatch": {"UriPath": {}},
                    "RegexString": "(",
                    "TextTransformations": NONE,
                }
            },
            "is not a valid regular expression",
        ),
        (
            {
                "XssMatchStatement": {
                    "FieldToMatch": {"UriPath": {}},
                    "TextTransformations": [{"Priority": 0, "Type": "ROT13"}],
                }
            },
            "text transformation ROT13 is not supported",
        ),
        (
            {
                "XssMatchStatement": {
                    "FieldToMatch": {"JA3Fingerprint": {}},
                    "TextTransformations": NONE,
                }
            },
            "JA3Fingerprint is not supported",
        ),
        (
            {"RateBasedStatement": {"Limit": 5, "AggregateKeyType": "IP"}},
            "Limit must be from 10 to 2,000,000,000",
        ),
        (
            {"RateBasedStatement": {"Limit": 2_000_000_001, "AggregateKeyType": "IP"}},
            "Limit must be from 10 to 2,000,000,000",
        ),
        (
            {
                "RateBasedStatement": {
                    "Limit": 50,
                    "EvaluationWindowSec": 30,
                    "AggregateKeyType": "IP",
                }
            },
            "EvaluationWindowSec must be 60, 120, 300 or 600",
        ),
        (
            {
                "NotStatement": {
                    "Statement": {"RateBasedStatement": {"Limit": 50, "AggregateKeyType": "IP"}}
                }
            },
            "can only be a rule's top-level statement",
        ),
        (
            {
                "AndStatement": {
                    "Statements": [
                        {
                            "IPSetReferenceStatement": {
                                "Arn": "arn:aws:wafv2:us-east-1:1:regional/ipset/x/y"
                            }
                        }
                    ]
                }
            },
            "needs at least two statements",
        ),
    ],
)
def test_unsupported_or_invalid_statements_are_named(
    tmp_path: Path, statement: dict[str, Any], expected: str
) -> None:
    message = _error(tmp_path, template([rule("bad", 0, statement)]))
    assert expected in message
    assert "resource Acl" in message


def test_unknown_managed_group_lists_the_supported_ones(tmp_path: Path) -> None:
    managed = {
        "Name": "m",
        "Priority": 0,
        "OverrideAction": {"None": {}},
        "Statement": {
            "ManagedRuleGroupStatement": {
                "VendorName": "AWS",
                "Name": "AWSManagedRulesBotControlRuleSet",
            }
        },
    }
    message = _error(tmp_path, template([managed]))
    assert "AWSManagedRulesBotControlRuleSet is not supported" in message
    assert "AWSManagedRulesSQLiRuleSet" in message


def test_ip_set_addresses_are_checked(tmp_path: Path) -> None:
    body = template(
        [rule("ips", 0, {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}}})]
    )
    body["Resources"]["Blocked"]["Properties"]["Addresses"] = ["2001:db8::/32"]
    message = _error(tmp_path, body)
    assert "resource Blocked" in message and "is not an IPV4 block" in message


def _blocking(custom: dict[str, Any]) -> dict[str, Any]:
    blocked = rule(
        "ips", 0, {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}}}
    )
    blocked["Action"] = {"Block": {"CustomResponse": custom}}
    body = template([blocked])
    body["Resources"]["Acl"]["Properties"]["CustomResponseBodies"] = {
        "too-many": {"ContentType": "APPLICATION_JSON", "Content": '{"error":"slow down"}'}
    }
    return body


def test_custom_responses_of_block_actions_are_read(tmp_path: Path) -> None:
    body = _blocking(
        {
            "ResponseCode": 429,
            "CustomResponseBodyKey": "too-many",
            "ResponseHeaders": [{"Name": "Retry-After", "Value": "30"}],
        }
    )
    body["Resources"]["Acl"]["Properties"]["DefaultAction"] = {
        "Block": {
            "CustomResponse": {
                "ResponseCode": 302,
                "ResponseHeaders": [{"Name": "Location", "Value": "https://example.com/"}],
            }
        }
    }
    acl = load(tmp_path, body)
    assert acl.rules[0].custom_response == CustomResponse(
        status=429,
        headers=(("Retry-After", "30"),),
        body=b'{"error":"slow down"}',
        content_type="application/json",
    )
    assert acl.default_response == CustomResponse(
        status=302, headers=(("Location", "https://example.com/"),)
    )


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ({"ResponseCode": 199}, "ResponseCode must be a status code from 200 to 599"),
        ({"ResponseCode": 403, "CustomResponseBodyKey": "nope"}, "'nope' is not in"),
        (
            {"ResponseCode": 403, "ResponseHeaders": [{"Name": "Content-Type", "Value": "x"}]},
            "content-type cannot be set",
        ),
        (
            {
                "ResponseCode": 403,
                "ResponseHeaders": [{"Name": "X-A", "Value": "1"}, {"Name": "x-a", "Value": "2"}],
            },
            "duplicate header name x-a",
        ),
        (
            {
                "ResponseCode": 403,
                "ResponseHeaders": [{"Name": "X-A", "Value": "1\r\nSet-Cookie: a=b"}],
            },
            "Value must be 1-255 characters on one line",
        ),
        (
            {"ResponseCode": 403, "ResponseHeaders": [{"Name": "X A", "Value": "1"}]},
            "header Name 'X A' must be 1-64 letters",
        ),
        (
            {"ResponseCode": 403, "ResponseHeaders": [{"Name": "x" * 65, "Value": "1"}]},
            "must be 1-64 letters",
        ),
        (
            {"ResponseCode": 403, "ResponseHeaders": [{"Name": "X-A", "Value": "v" * 256}]},
            "Value must be 1-255 characters",
        ),
    ],
)
def test_invalid_custom_responses_are_refused(
    tmp_path: Path, custom: dict[str, Any], message: str
) -> None:
    error = _error(tmp_path, _blocking(custom))
    assert "Rules[0].Action.Block.CustomResponse" in error and message in error


def test_custom_request_handling_of_allow_and_count_is_read(tmp_path: Path) -> None:
    counted = rule(
        "ips", 0, {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}}}
    )
    counted["Action"] = {
        "Count": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "seen", "Value": "1"}]}}
    }
    body = template([counted])
    body["Resources"]["Acl"]["Properties"]["DefaultAction"] = {
        "Allow": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "x", "Value": "y"}]}}
    }
    acl = load(tmp_path, body)
    assert acl.rules[0].insert_headers == (("seen", "1"),)
    assert acl.default_insert_headers == (("x", "y"),)


def test_custom_request_handling_needs_insert_headers(tmp_path: Path) -> None:
    body = template([])
    body["Resources"]["Acl"]["Properties"]["DefaultAction"] = {
        "Allow": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "x"}]}}
    }
    message = _error(tmp_path, body)
    assert "DefaultAction.Allow.CustomRequestHandling.InsertHeaders[0] needs a Name" in message


def test_one_web_acl_per_stage(tmp_path: Path) -> None:
    body = template([])
    body["Resources"]["Again"] = body["Resources"]["Association"]
    message = _error(tmp_path, body)
    assert "already has a web ACL" in message


def test_rule_labels_and_label_match(tmp_path: Path) -> None:
    labelled = rule(
        "ips", 0, {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["Blocked", "Arn"]}}}
    )
    labelled["Action"] = {"Count": {}}
    labelled["RuleLabels"] = [{"Name": "bad:ip"}]
    follow = rule("follow", 1, {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "bad:"}})
    acl = load(tmp_path, template([labelled, follow]))
    assert acl.rules[0].labels == ("bad:ip",)
    statement = acl.rules[1].statement
    assert isinstance(statement, LabelMatchStatement)
    assert (statement.scope, statement.key) == ("NAMESPACE", "bad:")


def test_label_keys_are_checked(tmp_path: Path) -> None:
    bad = rule("m", 0, {"LabelMatchStatement": {"Scope": "LABEL", "Key": "has space"}})
    assert "must be letters, digits" in _error(tmp_path, template([bad]))


def test_inserted_request_headers_cannot_break_the_request_line(tmp_path: Path) -> None:
    """A line break in an inserted header would forge headers in the integration request."""
    body = template([])
    body["Resources"]["Acl"]["Properties"]["DefaultAction"] = {
        "Allow": {
            "CustomRequestHandling": {"InsertHeaders": [{"Name": "x", "Value": "y\nHost: evil"}]}
        }
    }
    message = _error(tmp_path, body)
    assert "InsertHeaders[0]: header Value must be 1-255 characters on one line" in message
