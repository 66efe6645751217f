from lamina.cli.banner import banner_lines
from lamina.config.model import Application
from lamina.functions.model import FunctionConfig
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import HttpApi, LambdaIntegration, Method, Resource, RestApi, Stage


def _app(*, rest_stages: tuple[Stage, ...]) -> Application:
    return Application(
        template_path="/t/template.yaml",
        stack_name="t",
        functions=(FunctionConfig(name="Fn", runtime="python3.12", handler="app.handler"),),
        rest_apis=(
            RestApi(
                id="r1",
                logical_id="Rest",
                name="Rest",
                stages=rest_stages,
                resources=(
                    Resource(
                        id="x",
                        path="/hello",
                        methods={
                            "GET": Method(
                                http_method="GET",
                                integration=LambdaIntegration(function_name="Fn"),
                            )
                        },
                    ),
                ),
            ),
        ),
        http_apis=(
            HttpApi(id="h1", logical_id="Http", name="Http", stages=(Stage(name="$default"),)),
        ),
    )


def _lines(app: Application) -> list[str]:
    deployment = Deployment(app.rest_apis, app.http_apis, account_id="1", region="us-east-1")
    return banner_lines(app, deployment, "127.0.0.1", 3000)


def test_banner_lists_each_stage_url_and_function() -> None:
    lines = _lines(_app(rest_stages=(Stage(name="Prod"),)))
    assert (
        "  Rest  id=r1  REST  http://127.0.0.1:3000/Prod/  http://r1.execute-api.localhost:3000/Prod/"
        in lines
    )
    assert (
        "  Http  id=h1  HTTP  http://127.0.0.1:3000/  http://h1.execute-api.localhost:3000/"
        in lines
    )
    assert "      GET /hello -> Fn" in lines
    assert lines[-1] == "  Fn  python3.12  app.handler"


def test_banner_names_an_api_without_stage_as_unreachable() -> None:
    lines = _lines(_app(rest_stages=()))
    assert any(line.startswith("  Rest  id=r1  REST  (no stage deployed") for line in lines)
