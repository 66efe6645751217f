"""Parameter values, overrides and the checks CloudFormation applies to them."""

from __future__ import annotations

import pytest

from lamina.config.error import ConfigError
from lamina.config.parameter import Environment, parameter_values


def values(declared: object, **overrides: str) -> dict[str, object]:
    return parameter_values(declared, overrides, "template.yaml")[0]


def test_parameter_default_used_without_override() -> None:
    assert values({"Env": {"Type": "String", "Default": "dev"}}) == {"Env": "dev"}


def test_parameter_override_wins_over_default() -> None:
    assert values({"Env": {"Type": "String", "Default": "dev"}}, Env="prod") == {"Env": "prod"}


def test_parameter_number_default_becomes_text() -> None:
    assert values({"Size": {"Type": "Number", "Default": 10}}) == {"Size": "10"}


def test_parameter_comma_delimited_list_becomes_list() -> None:
    declared = {"Zones": {"Type": "CommaDelimitedList", "Default": "a, b,c"}}
    assert values(declared) == {"Zones": ["a", "b", "c"]}


def test_parameter_without_default_or_override_is_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        values({"Secret": {"Type": "String"}})
    assert str(caught.value) == (
        "template.yaml: parameter Secret: has no Default; give a value with parameter overrides"
    )


def test_parameter_value_outside_allowed_values_is_config_error() -> None:
    declared = {"Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}
    with pytest.raises(ConfigError, match=r"value 'qa' is not one of AllowedValues"):
        values(declared, Env="qa")


def test_parameter_allowed_pattern_checked() -> None:
    declared = {"Name": {"Type": "String", "Default": "ok", "AllowedPattern": "[a-z]+"}}
    with pytest.raises(ConfigError, match="does not match AllowedPattern"):
        values(declared, Name="Not-OK")


def test_parameter_number_bounds_checked() -> None:
    declared = {"Size": {"Type": "Number", "Default": 5, "MaxValue": 10}}
    assert values(declared) == {"Size": "5"}
    with pytest.raises(ConfigError, match="breaks MaxValue 10"):
        values(declared, Size="11")
    with pytest.raises(ConfigError, match="is not a Number"):
        values(declared, Size="many")


def test_parameter_override_not_declared_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"parameter overrides \['Typo'\] are not declared"):
        values({"Env": {"Type": "String", "Default": "dev"}}, Typo="x")


def test_parameter_ssm_type_warns() -> None:
    declared = {"Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/ami/latest"}}
    found, warnings = parameter_values(declared, {}, "template.yaml")
    assert found == {"Ami": "/ami/latest"}
    assert warnings == [
        "parameter Ami: SSM parameter '/ami/latest' is not looked up; its name is used"
    ]


def test_environment_pseudo_parameters() -> None:
    pseudo = Environment(region="eu-west-1", account_id="111122223333", stack_name="shop")
    found = pseudo.pseudo_parameters()
    assert found["AWS::Region"] == "eu-west-1"
    assert found["AWS::AccountId"] == "111122223333"
    assert found["AWS::StackName"] == "shop"
    assert found["AWS::Partition"] == "aws"
    assert found["AWS::URLSuffix"] == "amazonaws.com"
    assert str(found["AWS::StackId"]).startswith(
        "arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/"
    )


def test_environment_stack_id_is_stable() -> None:
    first = Environment(region="us-east-1", account_id="1", stack_name="s").stack_id
    assert first == Environment(region="us-east-1", account_id="1", stack_name="s").stack_id


def test_environment_china_region_partition() -> None:
    pseudo = Environment(region="cn-north-1", account_id="1", stack_name="s")
    assert (pseudo.partition, pseudo.url_suffix) == ("aws-cn", "amazonaws.com.cn")
