from lamina.aws.claim import has_aws_marks
from lamina.http.message import HttpRequest


def _request(
    method: str = "GET", path: str = "/Prod/hello", query: str = "", **headers: str
) -> HttpRequest:
    return HttpRequest(
        method=method,
        path=path,
        query_string=query,
        headers=[("Host", "h"), *((k.replace("_", "-"), v) for k, v in headers.items())],
        body=b"",
        client="127.0.0.1",
        http_version="1.1",
    )


def test_has_aws_marks_plain_gateway_request_is_false() -> None:
    assert not has_aws_marks(_request(Accept="*/*", Content_Type="application/json"))


def test_has_aws_marks_each_mark_is_true() -> None:
    assert has_aws_marks(_request(Authorization="AWS4-HMAC-SHA256 Credential=x"))
    assert has_aws_marks(_request(X_Amz_Target="DynamoDB_20120810.GetItem"))
    assert has_aws_marks(_request(query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a"))
    assert has_aws_marks(_request(method="POST", path="/"))
