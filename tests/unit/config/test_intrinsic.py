"""Intrinsic functions and conditions, one behaviour per test."""

from __future__ import annotations

import pytest

from lamina.config.error import ConfigError
from lamina.config.intrinsic import NO_VALUE, Resolver


class FakeResources:
    """Ref gives "ref:<id>", GetAtt gives "<id>.<attribute>" for the ids it holds."""

    def __init__(self, *logical_ids: str) -> None:
        self.logical_ids = set(logical_ids)

    def has(self, logical_id: str) -> bool:
        return logical_id in self.logical_ids

    def ref(self, logical_id: str, resolver: Resolver) -> object:
        return f"ref:{logical_id}"

    def get_att(self, logical_id: str, attribute: str, resolver: Resolver) -> object:
        return f"{logical_id}.{attribute}"


def resolver(**conditions: object) -> Resolver:
    return Resolver(
        parameters={
            "Env": "prod",
            "Zones": ["a", "b", "c"],
            "AWS::Region": "eu-west-1",
            "AWS::StackName": "shop",
        },
        resources=FakeResources("Fn", "Api"),
        conditions=conditions,
        mappings={"Sizes": {"eu-west-1": {"Memory": 512}, "prod": {"Tier": "big"}}},
    )


def test_ref_parameter_gives_its_value() -> None:
    assert resolver().resolve({"Ref": "Env"}) == "prod"


def test_ref_list_parameter_gives_list() -> None:
    assert resolver().resolve({"Ref": "Zones"}) == ["a", "b", "c"]


def test_ref_resource_asks_the_lookup() -> None:
    assert resolver().resolve({"Ref": "Fn"}) == "ref:Fn"


def test_ref_unknown_name_is_config_error() -> None:
    with pytest.raises(ConfigError, match="Ref to 'Nope', which is neither"):
        resolver().resolve({"Ref": "Nope"})


def test_ref_no_value_removes_mapping_key_and_list_item() -> None:
    value = {"keep": 1, "drop": {"Ref": "AWS::NoValue"}, "items": [1, {"Ref": "AWS::NoValue"}]}
    assert resolver().resolve(value) == {"keep": 1, "items": [1]}


def test_ref_no_value_at_top_is_the_no_value_marker() -> None:
    assert resolver().resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_get_att_list_and_dotted_string_forms() -> None:
    assert resolver().resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == "Fn.Arn"
    assert resolver().resolve({"Fn::GetAtt": "Fn.Arn"}) == "Fn.Arn"


def test_get_att_attribute_may_be_a_ref() -> None:
    assert resolver().resolve({"Fn::GetAtt": ["Api", {"Ref": "Env"}]}) == "Api.prod"


def test_get_att_unknown_resource_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"Fn::GetAtt Ghost\.Arn: no resource Ghost"):
        resolver().resolve({"Fn::GetAtt": ["Ghost", "Arn"]})


def test_sub_string_form_replaces_parameters_pseudo_and_attributes() -> None:
    text = "${AWS::StackName}-${Env}-${Fn}-${Fn.Arn}"
    assert resolver().resolve({"Fn::Sub": text}) == "shop-prod-ref:Fn-Fn.Arn"


def test_sub_list_form_variables_win_over_parameters() -> None:
    value = {"Fn::Sub": ["${Env}/${Extra}", {"Env": "dev", "Extra": {"Ref": "Fn"}}]}
    assert resolver().resolve(value) == "dev/ref:Fn"


def test_sub_bang_literal_is_kept_verbatim() -> None:
    assert resolver().resolve({"Fn::Sub": "${!Literal}-${Env}"}) == "${Literal}-prod"


def test_sub_list_value_is_config_error() -> None:
    with pytest.raises(ConfigError, match="must be a string"):
        resolver().resolve({"Fn::Sub": "${Zones}"})


def test_join_joins_resolved_items() -> None:
    value = {"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}
    assert resolver().resolve(value) == "a-prod-3"


def test_join_over_list_parameter() -> None:
    assert resolver().resolve({"Fn::Join": [",", {"Ref": "Zones"}]}) == "a,b,c"


def test_select_picks_index_given_as_string() -> None:
    assert resolver().resolve({"Fn::Select": ["1", {"Ref": "Zones"}]}) == "b"


def test_select_out_of_range_is_config_error() -> None:
    with pytest.raises(ConfigError, match="index 5 is outside a list of 3"):
        resolver().resolve({"Fn::Select": [5, {"Ref": "Zones"}]})


def test_split_gives_list() -> None:
    assert resolver().resolve({"Fn::Split": ["|", "a|b||c"]}) == ["a", "b", "", "c"]


def test_find_in_map_with_ref_keys() -> None:
    value = {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::Region"}, "Memory"]}
    assert resolver().resolve(value) == 512


def test_find_in_map_missing_key_is_config_error() -> None:
    with pytest.raises(ConfigError, match="no Sizes/us-east-1/Memory in Mappings"):
        resolver().resolve({"Fn::FindInMap": ["Sizes", "us-east-1", "Memory"]})


def test_find_in_map_default_value_used_when_missing() -> None:
    value = {"Fn::FindInMap": ["Sizes", "nowhere", "Memory", {"DefaultValue": 128}]}
    assert resolver().resolve(value) == 128


def test_base64_encodes_text() -> None:
    assert resolver().resolve({"Fn::Base64": {"Fn::Sub": "${Env}"}}) == "cHJvZA=="


def test_if_picks_branch_by_condition() -> None:
    r = resolver(IsProd={"Fn::Equals": [{"Ref": "Env"}, "prod"]})
    assert r.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"


def test_if_false_branch_no_value_removes_key() -> None:
    r = resolver(IsDev={"Fn::Equals": [{"Ref": "Env"}, "dev"]})
    assert r.resolve({"k": {"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]}}) == {}


def test_condition_and_or_not_and_condition_references() -> None:
    r = resolver(
        IsProd={"Fn::Equals": ["prod", {"Ref": "Env"}]},
        InEu={
            "Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}, "eu"]
        },
        ProdInEu={"Fn::And": [{"Condition": "IsProd"}, {"Condition": "InEu"}]},
        NotProd={"Fn::Not": [{"Condition": "IsProd"}]},
        Either={"Fn::Or": [{"Condition": "NotProd"}, {"Fn::Equals": ["a", "a"]}]},
    )
    assert r.condition("ProdInEu") is True
    assert r.condition("NotProd") is False
    assert r.condition("Either") is True


def test_equals_compares_numbers_as_text() -> None:
    assert resolver(Same={"Fn::Equals": [1, "1"]}).condition("Same") is True


def test_condition_undefined_is_config_error() -> None:
    with pytest.raises(ConfigError, match="condition 'Missing' is not defined"):
        resolver().resolve({"Fn::If": ["Missing", 1, 2]})


def test_condition_cycle_is_config_error() -> None:
    r = resolver(A={"Fn::Not": [{"Condition": "B"}]}, B={"Fn::Not": [{"Condition": "A"}]})
    with pytest.raises(ConfigError, match="refers to itself"):
        r.condition("A")


def test_and_with_one_condition_is_config_error() -> None:
    with pytest.raises(ConfigError, match="Fn::And takes a list of 2 to 10 conditions"):
        resolver(A={"Fn::And": [{"Fn::Equals": ["a", "a"]}]}).condition("A")


def test_unsupported_function_is_config_error() -> None:
    with pytest.raises(ConfigError, match="Fn::ImportValue is not supported"):
        resolver().resolve({"Fn::ImportValue": "Shared"})


def test_to_json_string_and_length() -> None:
    assert (
        resolver().resolve({"Fn::ToJsonString": {"a": [1, {"Ref": "Env"}]}}) == '{"a":[1,"prod"]}'
    )
    assert resolver().resolve({"Fn::Length": {"Ref": "Zones"}}) == 3


def test_multi_key_mapping_with_condition_key_is_plain_data() -> None:
    statement = {"Effect": "Allow", "Condition": {"StringEquals": {"k": {"Ref": "Env"}}}}
    assert resolver().resolve(statement) == {
        "Effect": "Allow",
        "Condition": {"StringEquals": {"k": "prod"}},
    }


def test_wrong_argument_count_is_config_error() -> None:
    with pytest.raises(ConfigError, match="Fn::If takes a list of 3 values"):
        resolver().resolve({"Fn::If": ["A", 1]})
