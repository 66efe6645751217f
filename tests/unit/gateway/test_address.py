from lamina.gateway.address import resolve_address
from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi, Deployment
from lamina.gateway.model import HttpApi, RestApi, Stage


def _deployment() -> Deployment:
    rest = RestApi(id="restid0001", logical_id="R", name="R", stages=(Stage(name="Prod"),))
    http = HttpApi(id="httpid0001", logical_id="H", name="H", stages=(Stage(name="$default"),))
    return Deployment((rest,), (http,), account_id="123456789012", region="us-east-1")


def test_address_root_stage_prefix_goes_to_rest_api() -> None:
    address = resolve_address(_deployment(), "127.0.0.1:3000", "/Prod/hello")
    assert address is not None and isinstance(address.api, CompiledRestApi)
    assert (address.path, address.stage_prefix) == ("/hello", "/Prod")


def test_address_root_other_path_goes_to_http_default_stage() -> None:
    address = resolve_address(_deployment(), "127.0.0.1:3000", "/v2/hello")
    assert address is not None and isinstance(address.api, CompiledHttpApi)
    assert address.stage is not None and address.stage.name == "$default"
    assert (address.path, address.stage_prefix) == ("/v2/hello", "")


def test_address_host_style_picks_api_by_id() -> None:
    address = resolve_address(_deployment(), "restid0001.execute-api.localhost:3000", "/Prod/x")
    assert address is not None and address.api.api.id == "restid0001"
    assert address.path == "/x"


def test_address_path_style_user_request() -> None:
    path = "/restapis/restid0001/Prod/_user_request_/hello/world"
    address = resolve_address(_deployment(), "localhost:3000", path)
    assert address is not None and address.api.api.id == "restid0001"
    assert address.stage is not None and address.stage.name == "Prod"
    assert address.path == "/hello/world"


def test_address_unknown_stage_on_rest_has_no_stage() -> None:
    address = resolve_address(_deployment(), "restid0001.execute-api.localhost", "/Dev/x")
    assert address is not None and address.stage is None


def test_address_unknown_api_id_is_none() -> None:
    assert resolve_address(_deployment(), "nope.execute-api.localhost", "/Prod/x") is None
