"""SAM templates through aws-sam-translator into Lamina's Application."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.ids import physical_id
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.gateway.model import HttpApi, LambdaIntegration, RestApi

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"


def only_rest_api(app: Application) -> RestApi:
    assert len(app.rest_apis) == 1
    return app.rest_apis[0]


def only_http_api(app: Application) -> HttpApi:
    assert len(app.http_apis) == 1
    return app.http_apis[0]


def write(folder: Path, text: str) -> Path:
    path = folder / "template.yaml"
    path.write_text(text)
    return path


SAM_HEADER = "Transform: AWS::Serverless-2016-10-31\nResources:\n"


def test_implicit_rest_api_has_path_params_proxy_and_ancestors() -> None:
    api = only_rest_api(load_application(TEMPLATES / "sam_implicit_rest"))
    paths = {resource.path: resource for resource in api.resources}
    assert sorted(paths) == ["/", "/files", "/files/{proxy+}", "/users", "/users/{id}"]
    assert list(paths["/users/{id}"].methods) == ["GET"]
    assert list(paths["/files/{proxy+}"].methods) == ["ANY"]
    assert paths["/users"].methods == {}
    get_user = paths["/users/{id}"].methods["GET"].integration
    assert get_user == LambdaIntegration(
        function_name="HelloFunction", payload_format="1.0", timeout_ms=29_000
    )
    root = paths["/"].methods["POST"].integration
    assert isinstance(root, LambdaIntegration)
    assert root.function_name == "RootFunction"


def test_implicit_rest_api_stages_are_prod_and_stage() -> None:
    # SAM's implicit API has a Prod Stage resource, and its Deployment's StageName "Stage"
    # makes API Gateway create a second stage named "Stage".
    api = only_rest_api(load_application(TEMPLATES / "sam_implicit_rest"))
    assert [stage.name for stage in api.stages] == ["Prod", "Stage"]
    assert api.logical_id == "ServerlessRestApi"
    assert api.name == "sam-implicit-rest"


def test_implicit_rest_api_id_is_deterministic_from_stack_and_logical_id() -> None:
    app = load_application(TEMPLATES / "sam_implicit_rest")
    api = only_rest_api(app)
    assert api.id == physical_id("sam-implicit-rest", "ServerlessRestApi")
    assert len(api.id) == 10 and api.id.isalnum() and api.id == api.id.lower()
    other = load_application(TEMPLATES / "sam_implicit_rest", stack_name="other")
    assert only_rest_api(other).id != api.id


def test_code_uri_maps_to_absolute_local_folder() -> None:
    app = load_application(TEMPLATES / "sam_implicit_rest")
    paths = {f.logical_id: f.code_path for f in app.functions}
    assert paths["HelloFunction"] == str(TEMPLATES / "sam_implicit_rest" / "src")
    # Without CodeUri the code is the template's folder, as with SAM CLI.
    assert paths["RootFunction"] == str(TEMPLATES / "sam_implicit_rest")


def test_function_defaults_and_arn() -> None:
    app = load_application(TEMPLATES / "sam_implicit_rest", region="eu-west-1", account_id="1")
    hello = next(f for f in app.functions if f.logical_id == "HelloFunction")
    assert (hello.name, hello.runtime, hello.handler) == (
        "HelloFunction",
        "python3.12",
        "app.handler",
    )
    assert (hello.timeout_s, hello.memory_mb) == (3.0, 128)
    assert hello.arn == "arn:aws:lambda:eu-west-1:1:function:HelloFunction"
    assert app.warnings == ()


def test_implicit_http_api_routes_and_default_stage() -> None:
    api = only_http_api(load_application(TEMPLATES / "sam_implicit_http"))
    routes = {route.route_key: route.integration for route in api.routes}
    assert set(routes) == {"GET /items", "GET /items/{id}", "$default"}
    assert routes["GET /items"] == LambdaIntegration(
        function_name="ItemsFunction", payload_format="2.0", timeout_ms=30_000
    )
    assert routes["GET /items/{id}"] == LambdaIntegration(
        function_name="ItemsFunction", payload_format="1.0", timeout_ms=5_000
    )
    assert [stage.name for stage in api.stages] == ["$default"]


def test_explicit_apis_with_globals_parameters_and_conditions() -> None:
    app = load_application(TEMPLATES / "sam_explicit_apis")
    assert [f.logical_id for f in app.functions] == ["UsersFunction"]  # ProdOnly skipped
    users = app.functions[0]
    assert users.name == "sam-explicit-apis-users"
    assert (users.runtime, users.timeout_s, users.memory_mb) == ("python3.12", 15.0, 256)
    assert users.code_path == str(TEMPLATES / "sam_explicit_apis" / "functions" / "users")
    rest = only_rest_api(app)
    assert users.environment == {
        "STAGE": "dev",
        "TABLE": "users",
        "API_URL": f"https://{rest.id}.execute-api.us-east-1.amazonaws.com/dev",
        "VERBOSE": "true",
    }
    assert rest.name == "users-dev"
    assert rest.binary_media_types == ("image/png", "application/octet-stream")
    stages = {stage.name: stage.variables for stage in rest.stages}
    assert stages == {"dev": {"table": "users"}, "Stage": {}}
    http = only_http_api(app)
    assert [route.route_key for route in http.routes] == ["GET /users"]
    assert {stage.name: stage.variables for stage in http.stages} == {"v1": {"mode": "fast"}}


def test_explicit_apis_parameter_override_flips_condition() -> None:
    app = load_application(TEMPLATES / "sam_explicit_apis", parameter_overrides={"Stage": "prod"})
    assert sorted(f.logical_id for f in app.functions) == ["ProdOnlyFunction", "UsersFunction"]
    users = next(f for f in app.functions if f.logical_id == "UsersFunction")
    assert users.environment["VERBOSE"] == "false"
    assert [stage.name for stage in only_rest_api(app).stages] == ["Stage", "prod"]


def test_inline_code_is_written_to_lamina_inline_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        SAM_HEADER + "  Inline:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: index.handler\n"
        "      InlineCode: |\n        def handler(event, context):\n            return 1\n",
    )
    app = load_application(tmp_path)
    folder = tmp_path / ".lamina" / "inline" / "Inline"
    assert app.functions[0].code_path == str(folder)
    assert (folder / "index.py").read_text() == "def handler(event, context):\n    return 1\n"


def test_definition_uri_local_file_becomes_api_body(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "swagger: '2.0'\ninfo: {title: from-file}\npaths:\n  /ping:\n    get:\n"
        "      x-amazon-apigateway-integration:\n        type: aws_proxy\n"
        "        httpMethod: POST\n        uri: arn:aws:apigateway:us-east-1:lambda:path/"
        "2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Ping/invocations\n"
    )
    write(
        tmp_path,
        SAM_HEADER + "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n"
        "      StageName: live\n      DefinitionUri: api.yaml\n"
        "  Ping:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      FunctionName: Ping\n      Runtime: python3.12\n      Handler: app.handler\n",
    )
    api = only_rest_api(load_application(tmp_path))
    ping = next(r for r in api.resources if r.path == "/ping")
    assert ping.methods["GET"].integration == LambdaIntegration(function_name="Ping")
    assert "live" in [stage.name for stage in api.stages]


def test_layer_content_uri_translates_to_a_local_layer(tmp_path: Path) -> None:
    (tmp_path / "layer").mkdir()
    write(
        tmp_path,
        SAM_HEADER + "  Deps:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n"
        "      ContentUri: layer/\n",
    )
    app = load_application(tmp_path)
    (layer,) = app.layers
    # SAM suffixes a layer's logical id with a hash of its content.
    assert re.fullmatch(r"Deps[0-9a-f]{10}", layer.logical_id)
    assert layer.path == str((tmp_path / "layer").resolve())
    assert app.warnings == ()


def test_translation_error_lists_messages_with_file_line_and_resource(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SAM_HEADER + "  Good:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n"
        "  Broken:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n"
        "      Events:\n        E:\n          Type: Api\n          Properties:\n"
        "            Method: get\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid SAM template:\n  {path}:8: resource Broken: ")
    assert "Path" in message


def test_missing_handler_names_file_line_and_resource(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Code: .\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_application(path)
    assert str(caught.value) == f"{path}:2: resource Fn: Handler is required"


def test_open_api_version_drops_extra_stage_and_alias_sets_qualifier(tmp_path: Path) -> None:
    # With Globals.Api.OpenApiVersion set, SAM's Deployment has no StageName, so the only
    # stage is Prod; AutoPublishAlias makes the integration URI name the alias.
    write(
        tmp_path,
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Api:\n    OpenApiVersion: 3.0.1\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      AutoPublishAlias: live\n"
        "      Events:\n        A:\n          Type: Api\n          Properties:\n"
        "            Path: /a\n            Method: get\n",
    )
    api = only_rest_api(load_application(tmp_path))
    assert [stage.name for stage in api.stages] == ["Prod"]
    route = next(r for r in api.resources if r.path == "/a")
    assert route.methods["GET"].integration == LambdaIntegration(
        function_name="Fn", qualifier="live"
    )


def test_sam_auto_publish_alias_is_declared_on_the_function() -> None:
    app = load_application(TEMPLATES / "sam_alias")
    [function] = app.functions
    assert function.aliases == ("live",)
    resource = next(r for r in only_rest_api(app).resources if r.path == "/hello")
    integration = resource.methods["GET"].integration
    assert isinstance(integration, LambdaIntegration)
    assert integration.qualifier == "live"


def test_sam_type_typo_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Funtion\n"
        "    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}\n",
    )
    with pytest.raises(
        ConfigError, match=r"template.yaml:3: .*Fn.*did you mean AWS::Serverless::Function"
    ):
        load_application(tmp_path)


def test_sam_event_permissions_are_loaded_with_their_source_arn() -> None:
    app = load_application(TEMPLATES / "sam_alias")
    [permission] = app.permissions
    assert (permission.function_name, permission.qualifier) == ("Hello", "live")
    assert permission.principal == "apigateway.amazonaws.com"
    assert permission.source_arn is not None and permission.source_arn.endswith("/*/GET/hello")


def test_sam_tables_become_create_table_parameters() -> None:
    app = load_application(TEMPLATES.parent / "apps" / "tables")
    tables = {table.logical_id: table.properties for table in app.tables}
    assert tables["Notes"]["TableName"] == "Notes"
    assert tables["Notes"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert tables["Orders"]["TableName"] == "orders"
    assert tables["Orders"]["BillingMode"] == "PAY_PER_REQUEST"
    [function] = app.functions
    assert function.environment["NOTES_TABLE"] == "Notes"
    assert function.environment["ORDERS_TABLE"] == "orders"
    assert not any("AWS::DynamoDB::Table" in warning for warning in app.warnings)
