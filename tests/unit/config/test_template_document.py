"""Reading template files: short-form tags, line numbers, syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.document import find_template, load_document, parse_text
from lamina.config.error import ConfigError


def test_parse_text_short_form_tags_become_long_form() -> None:
    text = """
a: !Ref Param
b: !GetAtt Fn.Arn
c: !GetAtt [Fn, Arn]
d: !Sub "x-${AWS::Region}"
e: !Sub ["${A}", {A: !Ref B}]
f: !Join [",", [a, b]]
g: !Select [0, !Split [",", "x,y"]]
h: !If [Cond, 1, !Ref AWS::NoValue]
i: !Equals [a, b]
j: !And [!Condition C1, !Or [!Condition C2, !Not [!Condition C3]]]
k: !FindInMap [M, K1, K2]
l: !Base64 text
m: !Cidr [10.0.0.0/16, 4, 8]
n: !GetAZs ""
o: !ImportValue Exported
p: !Transform {Name: AWS::Include, Parameters: {Location: x.yaml}}
"""
    body = parse_text(text, "t.yaml")
    assert body == {
        "a": {"Ref": "Param"},
        "b": {"Fn::GetAtt": ["Fn", "Arn"]},
        "c": {"Fn::GetAtt": ["Fn", "Arn"]},
        "d": {"Fn::Sub": "x-${AWS::Region}"},
        "e": {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]},
        "f": {"Fn::Join": [",", ["a", "b"]]},
        "g": {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]},
        "h": {"Fn::If": ["Cond", 1, {"Ref": "AWS::NoValue"}]},
        "i": {"Fn::Equals": ["a", "b"]},
        "j": {
            "Fn::And": [
                {"Condition": "C1"},
                {"Fn::Or": [{"Condition": "C2"}, {"Fn::Not": [{"Condition": "C3"}]}]},
            ]
        },
        "k": {"Fn::FindInMap": ["M", "K1", "K2"]},
        "l": {"Fn::Base64": "text"},
        "m": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
        "n": {"Fn::GetAZs": ""},
        "o": {"Fn::ImportValue": "Exported"},
        "p": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "x.yaml"}}},
    }


def test_parse_text_getatt_with_dotted_attribute_splits_once() -> None:
    assert parse_text("a: !GetAtt Db.Endpoint.Address", "t.yaml") == {
        "a": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}
    }


def test_parse_text_dates_stay_strings() -> None:
    body = parse_text("AWSTemplateFormatVersion: 2010-09-09\n", "t.yaml")
    assert body == {"AWSTemplateFormatVersion": "2010-09-09"}


def test_parse_text_unknown_tag_is_config_error_with_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_text("a: 1\nb: !Bogus x\n", "t.yaml")
    assert str(caught.value) == "t.yaml:2: YAML syntax error: unknown tag !Bogus"


def test_load_document_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Fn:\n    Type: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_document(path)
    assert caught.value.file == str(path)
    assert caught.value.line == 4
    assert str(caught.value).startswith(f"{path}:4: YAML syntax error")


def test_load_document_yaml_keeps_resource_lines(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  First:\n    Type: A\n\n  Second:\n    Type: B\n")
    assert load_document(path).resource_lines == {"First": 2, "Second": 5}


def test_load_document_json_keeps_resource_lines(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text('{\n "Resources": {\n  "First": {"Type": "A"},\n  "Second": {\n"Type": "B"}}}')
    document = load_document(path)
    assert document.body["Resources"]["Second"] == {"Type": "B"}
    assert document.resource_lines == {"First": 3, "Second": 4}


def test_load_document_json_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text('{\n "Resources": {\n  "First": \n}}')
    with pytest.raises(ConfigError) as caught:
        load_document(path)
    assert caught.value.line == 4
    assert "JSON syntax error" in str(caught.value)


def test_load_document_non_mapping_is_config_error(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping at the top level"):
        load_document(path)


def test_find_template_folder_prefers_template_yaml(tmp_path: Path) -> None:
    (tmp_path / "template.json").write_text("{}")
    (tmp_path / "template.yaml").write_text("{}")
    assert find_template(tmp_path) == tmp_path / "template.yaml"


def test_find_template_folder_without_template_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no template\.yaml / template\.yml / template\.json"):
        find_template(tmp_path)


def test_find_template_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="template file not found"):
        find_template(tmp_path / "nope.yaml")
