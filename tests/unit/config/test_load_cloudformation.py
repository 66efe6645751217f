"""Plain CloudFormation templates (no SAM transform) into Lamina's Application."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import default_stack_name, load_application
from lamina.gateway.model import (
    HttpIntegration,
    LambdaIntegration,
    MockIntegration,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"


def write(folder: Path, resources: str, name: str = "template.yaml") -> Path:
    path = folder / name
    path.write_text("Resources:\n" + resources)
    return path


FUNCTION = (
    "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
    "      Runtime: python3.12\n      Handler: app.handler\n      Code: .\n"
)


HTTP_ROUTE = (
    "  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
    "      Name: a\n      ProtocolType: HTTP\n"
    "  Integration:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties:\n"
    "      ApiId: !Ref Api\n      IntegrationType: AWS_PROXY\n"
    "      IntegrationUri: !GetAtt Fn.Arn\n      PayloadFormatVersion: '2.0'\n"
    "      TimeoutInMillis: TIMEOUT\n"
    "  Route:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n"
    "      ApiId: !Ref Api\n      RouteKey: GET /x\n"
    "      Target: !Sub integrations/${Integration}\n"
)


def test_rest_api_from_resource_and_method_resources() -> None:
    app = load_application(TEMPLATES / "cfn_rest_resources")
    (api,) = app.rest_apis
    assert (api.logical_id, api.name) == ("PetsApi", "pets-api")
    paths = {resource.path: resource.methods for resource in api.resources}
    assert sorted(paths) == ["/", "/pets", "/pets/{petId}"]
    assert paths["/"]["GET"].integration == MockIntegration()  # no templates, no responses
    pets_any = paths["/pets"]["ANY"]
    assert pets_any.api_key_required is True
    assert pets_any.integration == LambdaIntegration(function_name="pets", timeout_ms=10_000)
    assert paths["/pets/{petId}"]["GET"].integration == LambdaIntegration(
        function_name="pets", qualifier="live"
    )


def test_rest_api_stage_binary_types_and_conditions() -> None:
    (api,) = load_application(TEMPLATES / "cfn_rest_resources").rest_apis
    # The Deployment has no StageName, so the Stage resource is the only stage.
    assert [(s.name, s.variables) for s in api.stages] == [("v1", {"color": "blue"})]
    assert api.binary_media_types == ("image/gif",)
    debug = load_application(
        TEMPLATES / "cfn_rest_resources", parameter_overrides={"EnableDebug": "yes"}
    )
    assert debug.rest_apis[0].stages[0].variables == {"color": "red"}
    assert debug.functions[0].environment["DEBUG"] == "1"


def test_function_properties_mappings_and_list_parameters() -> None:
    app = load_application(TEMPLATES / "cfn_rest_resources")
    (pets,) = app.functions
    assert pets.name == "pets"
    assert (pets.timeout_s, pets.memory_mb) == (20.0, 512)
    assert pets.code_path == str(TEMPLATES / "cfn_rest_resources" / "src")
    assert pets.environment == {
        "TABLE_ARN": "arn:aws:dynamodb:us-east-1:123456789012:table/pets",
        "FIRST_SUBNET": "subnet-a",
    }


def test_unsupported_resource_types_are_warnings_and_skipped_by_condition() -> None:
    app = load_application(TEMPLATES / "cfn_rest_resources")
    assert app.warnings == ()
    assert [table.properties["TableName"] for table in app.tables] == ["pets"]
    debug = load_application(
        TEMPLATES / "cfn_rest_resources", parameter_overrides={"EnableDebug": "yes"}
    )
    assert "unsupported resource type AWS::SNS::Topic (DebugOnlyTopic) — ignored" in debug.warnings


def test_http_api_from_route_integration_and_stage_resources() -> None:
    app = load_application(TEMPLATES / "cfn_http_routes")
    (api,) = app.http_apis
    assert (api.logical_id, api.name) == ("OrdersApi", "orders")
    routes = {route.route_key: route.integration for route in api.routes}
    assert routes == {
        "GET /orders": LambdaIntegration(
            function_name="OrdersFunction", payload_format="1.0", timeout_ms=12_000
        ),
        "$default": HttpIntegration(
            uri="https://example.com/legacy", http_method="GET", timeout_ms=30_000
        ),
    }
    assert [(s.name, s.variables) for s in api.stages] == [("$default", {"flavour": "plain"})]


def test_json_template_intrinsics_and_api_endpoint() -> None:
    app = load_application(TEMPLATES / "cfn_http_routes" / "template.json", region="eu-west-1")
    (orders,) = app.functions
    api_id = app.http_apis[0].id
    assert orders.environment == {
        "ENDPOINT": f"https://{api_id}.execute-api.eu-west-1.amazonaws.com",
        "ENCODED": "b3JkZXJz",
        "PARTS": "a|b|c",
    }
    assert app.warnings == ()


def test_http_api_quick_create_target(tmp_path: Path) -> None:
    write(
        tmp_path,
        FUNCTION + "  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
        "      Name: quick\n      ProtocolType: HTTP\n      Target: !GetAtt Fn.Arn\n",
    )
    (api,) = load_application(tmp_path).http_apis
    assert [(r.route_key, r.integration) for r in api.routes] == [
        ("$default", LambdaIntegration(function_name="Fn", payload_format="2.0", timeout_ms=30_000))
    ]
    assert [stage.name for stage in api.stages] == ["$default"]


def test_a_bucket_is_created_so_it_is_no_unsupported_type(tmp_path: Path) -> None:
    write(tmp_path, FUNCTION + "  Files:\n    Type: AWS::S3::Bucket\n")
    app = load_application(tmp_path)
    assert app.warnings == ()
    assert [r.logical_id for r in app.service_resources if r.type == "AWS::S3::Bucket"] == ["Files"]


def test_websocket_api_is_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "  Ws:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
        "      Name: ws\n      ProtocolType: WEBSOCKET\n",
    )
    app = load_application(tmp_path)
    assert app.http_apis == ()
    assert app.warnings == ("WEBSOCKET API Ws is not supported yet — ignored",)


def test_retired_runtime_goes_through_with_warning(tmp_path: Path) -> None:
    write(tmp_path, FUNCTION.replace("python3.12", "python2.7"))
    app = load_application(tmp_path)
    assert app.functions[0].runtime == "python2.7"
    assert app.warnings == (
        "runtime python2.7 (Fn) is not a current Lambda Python runtime; "
        "it runs on the interpreter at hand",
    )


def test_runtime_lamina_cannot_run_warns(tmp_path: Path) -> None:
    write(tmp_path, FUNCTION.replace("python3.12", "java21"))
    app = load_application(tmp_path)
    assert app.warnings == (
        "runtime java21 (Fn) does not run in Lamina yet (Python, Node.js and provided "
        "runtimes do), so its invocations will fail",
    )


@pytest.mark.parametrize("runtime", ["nodejs20.x", "provided.al2023"])
def test_runtime_api_runtimes_load_without_warning(tmp_path: Path, runtime: str) -> None:
    write(tmp_path, FUNCTION.replace("python3.12", runtime))
    assert load_application(tmp_path).warnings == ()


@pytest.mark.parametrize("timeout", ["10", "30001"])
def test_http_integration_timeout_outside_api_gateway_limits_is_an_error(
    tmp_path: Path, timeout: str
) -> None:
    write(tmp_path, FUNCTION + HTTP_ROUTE.replace("TIMEOUT", timeout))
    with pytest.raises(ConfigError, match="integration timeout"):
        load_application(tmp_path)


def test_inline_zip_file_code(tmp_path: Path) -> None:
    write(
        tmp_path,
        FUNCTION.replace("Code: .", "Code:\n        ZipFile: 'def handler(e, c): return 2'"),
    )
    (fn,) = load_application(tmp_path).functions
    assert (Path(fn.code_path) / "index.py").read_text() == "def handler(e, c): return 2"


def test_s3_code_is_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, FUNCTION.replace("Code: .", "Code: {S3Bucket: b, S3Key: k.zip}"))
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value).startswith(f"{path}:2: resource Fn: code in s3://b/k.zip cannot")


def test_bad_reference_names_file_line_and_resource(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        FUNCTION + "      Environment:\n        Variables:\n          X: !Ref Missing\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value) == (
        f"{path}:2: resource Fn: Ref to 'Missing', which is neither a parameter nor a resource"
    )


def test_integration_to_unknown_function_is_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        FUNCTION + "  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
        "      Name: a\n      ProtocolType: HTTP\n"
        "  Integ:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties:\n"
        "      ApiId: !Ref Api\n      IntegrationType: AWS_PROXY\n"
        "      PayloadFormatVersion: '2.0'\n"
        "      IntegrationUri: arn:aws:lambda:us-east-1:123456789012:function:Elsewhere\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value).startswith(f"{path}:13: resource Integ: integration URI")
    assert "names no function of this template" in str(caught.value)


def test_get_att_unknown_attribute_of_supported_type_is_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        FUNCTION + "      Environment:\n        Variables:\n          X: !GetAtt Fn.Nope\n",
    )
    with pytest.raises(ConfigError, match=r"Fn::GetAtt Fn\.Nope: AWS::Lambda::Function has no"):
        load_application(path)


def test_method_on_unknown_resource_id_is_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Name: a\n"
        "  M:\n    Type: AWS::ApiGateway::Method\n    Properties:\n"
        "      RestApiId: !Ref Api\n      ResourceId: abc123\n      HttpMethod: GET\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value) == (
        f"{path}:6: resource M: ResourceId 'abc123' is no resource of this API"
    )


def test_resource_without_type_is_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "  Thing:\n    Properties: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value) == f"{path}:2: resource Thing: a resource needs a Type"


def test_template_without_resources_is_config_error(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Description: empty\n")
    with pytest.raises(ConfigError, match="the template has no Resources"):
        load_application(path)


def test_stack_name_defaults_to_sanitized_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "my_app v2"
    folder.mkdir()
    write(folder, FUNCTION)
    assert load_application(folder).stack_name == "my-app-v2"
    assert load_application(folder, stack_name="given").stack_name == "given"


def test_default_stack_name_starts_with_a_letter(tmp_path: Path) -> None:
    assert default_stack_name(tmp_path / "2024_app" / "template.yaml") == "lamina-2024-app"


def test_an_http_api_route_requiring_an_api_key_is_warned_not_enforced(tmp_path: Path) -> None:
    """ApiKeyRequired is "supported only for WebSocket APIs": loaded, and the user told
    that the HTTP API route checks no key."""
    route = HTTP_ROUTE.replace("TIMEOUT", "3000") + "      ApiKeyRequired: true\n"
    write(tmp_path, FUNCTION + route)
    app = load_application(tmp_path)
    (warning,) = [w for w in app.warnings if "ApiKeyRequired" in w]
    assert warning.startswith("Route: ApiKeyRequired is supported only for WebSocket APIs")


def test_a_rest_api_security_policy_is_warned_as_not_applied(tmp_path: Path) -> None:
    """The default endpoint shares lamina up's TLS listener: its SecurityPolicy and
    EndpointAccessMode (property or OpenAPI extension) are named as not enforced."""
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n"
        "      Name: a\n      SecurityPolicy: SecurityPolicy_TLS13_1_3_2025_09\n"
        "      Body:\n        swagger: '2.0'\n        info: {title: a}\n        paths: {}\n"
        "        x-amazon-apigateway-endpoint-access-mode: STRICT\n"
    )
    app = load_application(tmp_path)
    warnings = [w for w in app.warnings if "default execute-api endpoint" in w]
    assert [w.split(" is not applied")[0] for w in warnings] == [
        "Api: SecurityPolicy 'SecurityPolicy_TLS13_1_3_2025_09'",
        "Api: EndpointAccessMode 'STRICT'",
    ]
