"""Wire values against botocore shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lamina.aws.model import ModelLibrary
from lamina.aws.serialize import serialize_rest_json
from lamina.aws.service import ServiceError
from lamina.aws.shape import ShapeMismatch, format_timestamp, from_json, from_text, to_json
from lamina.aws.validate import check_required

LAMBDA = ModelLibrary().spec("lambda")


def _input(operation: str) -> object:
    operation_model = LAMBDA.operation(operation)
    assert operation_model is not None
    return operation_model.input_shape


def test_shape_json_blob_base64_decoded_and_encoded() -> None:
    shape = _input("CreateFunction")
    parsed = from_json(shape, {"Code": {"ZipFile": "AAH/"}})
    assert parsed == {"Code": {"ZipFile": b"\x00\x01\xff"}}
    assert to_json(shape, parsed) == {"Code": {"ZipFile": "AAH/"}}


def test_shape_json_wrong_type_names_member_path() -> None:
    with pytest.raises(ShapeMismatch) as excinfo:
        from_json(_input("CreateFunction"), {"Environment": {"Variables": {"A": 1}}})
    assert excinfo.value.path == "Environment.Variables.A"


def test_shape_json_boolean_is_not_an_integer() -> None:
    with pytest.raises(ShapeMismatch):
        from_json(_input("CreateFunction"), {"Timeout": True})


def test_shape_timestamp_formats() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert format_timestamp(moment, "unixTimestamp") == 1704164645.678
    assert format_timestamp(moment, "iso8601") == "2024-01-02T03:04:05.678Z"
    assert format_timestamp(moment.replace(microsecond=0), "rfc822") == (
        "Tue, 02 Jan 2024 03:04:05 GMT"
    )


def test_shape_text_integer_rejects_garbage() -> None:
    shape = _input("ListVersionsByFunction")
    assert from_text(shape.members["MaxItems"], "7", "MaxItems") == 7  # type: ignore[attr-defined]
    with pytest.raises(ShapeMismatch):
        from_text(shape.members["MaxItems"], "seven", "MaxItems")  # type: ignore[attr-defined]


def test_validate_nested_required_member_named_in_camel_case() -> None:
    shape = _input("CreateFunction")
    base = {"FunctionName": "f", "Role": "r", "Code": {}}
    with pytest.raises(ServiceError) as excinfo:
        check_required(shape, {**base, "FileSystemConfigs": [{"Arn": "a"}]})
    assert excinfo.value.code == "ValidationException"
    assert excinfo.value.message == (
        "1 validation error detected: Value null at 'fileSystemConfigs.1.member.localMountPath' "
        "failed to satisfy constraint: Member must not be null"
    )
    with pytest.raises(ServiceError) as excinfo:
        check_required(shape, {})
    assert "Value null at 'functionName'" in excinfo.value.message


APIGATEWAY = ModelLibrary().spec("apigateway")


def test_shape_json_body_member_travels_under_its_location_name() -> None:
    operation = APIGATEWAY.operation("PutIntegration")
    assert operation is not None
    parsed = from_json(operation.input_shape, {"type": "HTTP", "httpMethod": "POST"})
    assert parsed == {"type": "HTTP", "integrationHttpMethod": "POST"}
    listing = APIGATEWAY.operation("GetRestApis")
    assert listing is not None
    wire = to_json(listing.output_shape, {"items": [{"id": "a1b2c3d4e5"}], "position": "1"})
    assert wire == {"item": [{"id": "a1b2c3d4e5"}], "position": "1"}


def test_rest_json_content_type_member_replaces_the_default_header() -> None:
    operation = APIGATEWAY.operation("GetExport")
    assert operation is not None
    output = {"contentType": "application/yaml", "body": b"openapi: 3.0.1\n"}
    response = serialize_rest_json(operation, output, "request-1")
    content_types = [value for name, value in response.headers if name.lower() == b"content-type"]
    assert content_types == [b"application/yaml"]
    assert response.body == b"openapi: 3.0.1\n"
