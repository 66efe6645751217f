from lamina.gateway.model import HttpApi, Method, Resource, RestApi, Route
from lamina.gateway.routing.http import HttpRouter
from lamina.gateway.routing.rest import RestRouter


def _rest(*paths_methods: tuple[str, tuple[str, ...]]) -> RestRouter:
    resources = tuple(
        Resource(
            id=f"r{i}",
            path=path,
            methods={m: Method(http_method=m) for m in methods},
        )
        for i, (path, methods) in enumerate(paths_methods)
    )
    return RestRouter(RestApi(id="a", logical_id="A", name="A", resources=resources))


def test_rest_route_literal_beats_param_and_greedy() -> None:
    router = _rest(
        ("/users/me", ("GET",)), ("/users/{id}", ("GET",)), ("/users/{proxy+}", ("GET",))
    )
    match = router.route("GET", "/users/me")
    assert match is not None and match.resource.path == "/users/me"
    match = router.route("GET", "/users/42")
    assert match is not None
    assert (match.resource.path, match.path_params) == ("/users/{id}", {"id": "42"})
    match = router.route("GET", "/users/42/orders/7")
    assert match is not None
    assert match.path_params == {"proxy": "42/orders/7"}


def test_rest_route_commits_to_literal_sibling_without_backtracking() -> None:
    # "/{proxy+}" covers everything "except for the /parent[/*] resources":
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
    router = _rest(("/a/b/c", ("GET",)), ("/a/{x}/d", ("GET",)), ("/{proxy+}", ("GET",)))
    assert router.route("GET", "/a/b/d") is None
    match = router.route("GET", "/other/x")
    assert match is not None and match.path_params == {"proxy": "other/x"}


def test_rest_route_trailing_slash_routes_like_without() -> None:
    router = _rest(("/hello", ("GET",)))
    match = router.route("GET", "/hello/")
    assert match is not None and match.resource.path == "/hello"


def test_rest_route_explicit_method_beats_any() -> None:
    router = _rest(("/items", ("ANY", "POST")))
    post = router.route("POST", "/items")
    other = router.route("DELETE", "/items")
    assert post is not None and post.method.http_method == "POST"
    assert other is not None and other.method.http_method == "ANY"


def test_rest_route_missing_method_or_path_is_none() -> None:
    router = _rest(("/items", ("GET",)))
    assert router.route("POST", "/items") is None
    assert router.route("GET", "/nope") is None


def test_rest_route_greedy_does_not_match_its_parent() -> None:
    router = _rest(("/files/{proxy+}", ("GET",)))
    assert router.route("GET", "/files") is None
    match = router.route("GET", "/files/a")
    assert match is not None and match.path_params == {"proxy": "a"}


def test_rest_route_root_resource() -> None:
    router = _rest(("/", ("GET",)))
    match = router.route("GET", "/")
    assert match is not None and match.resource.path == "/"


def _http(*keys: str) -> HttpRouter:
    return HttpRouter(
        HttpApi(id="h", logical_id="H", name="H", routes=tuple(Route(route_key=k) for k in keys))
    )


def test_http_route_full_match_beats_greedy_and_default() -> None:
    router = _http("GET /pets/{id}", "ANY /{proxy+}", "$default")
    match = router.route("GET", "/pets/1")
    assert match is not None and match.route.route_key == "GET /pets/{id}"
    match = router.route("POST", "/pets/1")
    assert match is not None and match.route.route_key == "ANY /{proxy+}"
    assert match.path_params == {"proxy": "pets/1"}
    match = router.route("GET", "/")
    assert match is not None and match.route.route_key == "$default"


def test_http_route_backtracks_to_greedy_when_literal_branch_dead_ends() -> None:
    router = _http("GET /pets/dog/{id}", "GET /pets/{proxy+}")
    match = router.route("GET", "/pets/dog/1")
    assert match is not None and match.route.route_key == "GET /pets/dog/{id}"
    match = router.route("GET", "/pets/cat/1")
    assert match is not None and match.route.route_key == "GET /pets/{proxy+}"


def test_http_route_no_match_without_default_is_none() -> None:
    router = _http("GET /pets")
    assert router.route("POST", "/pets") is None
    assert router.route("GET", "/cats") is None
