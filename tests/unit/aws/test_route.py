"""RestRouter: the most specific requestUri template wins."""

from __future__ import annotations

from lamina.aws.route import RestRouter, Route

NONE: frozenset[str] = frozenset()
ROUTER = RestRouter(
    [
        Route("ListFunctions", "GET", "/2015-03-31/functions/"),
        Route("GetFunction", "GET", "/2015-03-31/functions/{FunctionName}"),
        Route("Invoke", "POST", "/2015-03-31/functions/{FunctionName}/invocations"),
        Route("GetPolicy", "GET", "/2015-03-31/functions/{FunctionName}/policy"),
        Route("GetObject", "GET", "/{Bucket}/{Key+}"),
        Route("GetObjectAcl", "GET", "/{Bucket}/{Key+}?acl"),
        Route("ListParts", "GET", "/{Bucket}/{Key+}", query=frozenset({"uploadId"})),
        Route("PutObject", "PUT", "/{Bucket}/{Key+}"),
        Route("CopyObject", "PUT", "/{Bucket}/{Key+}", headers=frozenset({"x-amz-copy-source"})),
        Route("TagsOf", "GET", "/tags/{Arn+}/list"),
        Route("Cancel", "POST", "/jobs/{JobId}:cancel"),
    ]
)


def _match(method: str, path: str, query: str = "", headers: frozenset[str] = NONE) -> object:
    found = ROUTER.match(method, path, query, headers)
    return None if found is None else (found.operation, found.labels)


def test_route_literal_segment_preferred_over_label() -> None:
    assert _match("GET", "/2015-03-31/functions/fn/policy") == ("GetPolicy", {"FunctionName": "fn"})


def test_route_label_percent_decoded() -> None:
    assert _match("GET", "/2015-03-31/functions/a%3Ab%2Fc") == (
        "GetFunction",
        {"FunctionName": "a:b/c"},
    )


def test_route_trailing_slash_optional_both_ways() -> None:
    assert _match("GET", "/2015-03-31/functions") == ("ListFunctions", {})
    assert _match("GET", "/2015-03-31/functions/") == ("ListFunctions", {})
    assert _match("GET", "/2015-03-31/functions/fn/") == ("GetFunction", {"FunctionName": "fn"})


def test_route_method_mismatch_none() -> None:
    assert _match("DELETE", "/2015-03-31/functions/fn/invocations") is None


def test_route_greedy_label_keeps_slashes_and_trailing_slash() -> None:
    assert _match("GET", "/b/a/b%20c/d/") == ("GetObject", {"Bucket": "b", "Key": "a/b c/d/"})


def test_route_query_qualified_template_preferred_when_key_present() -> None:
    assert _match("GET", "/b/k", "acl") == ("GetObjectAcl", {"Bucket": "b", "Key": "k"})
    assert _match("GET", "/b/k", "uploadId=1") == ("ListParts", {"Bucket": "b", "Key": "k"})
    assert _match("GET", "/b/k", "other=1") == ("GetObject", {"Bucket": "b", "Key": "k"})


def test_route_required_header_selects_operation() -> None:
    copy = frozenset({"x-amz-copy-source"})
    assert _match("PUT", "/b/k", headers=copy) == ("CopyObject", {"Bucket": "b", "Key": "k"})
    assert _match("PUT", "/b/k") == ("PutObject", {"Bucket": "b", "Key": "k"})


def test_route_greedy_label_in_the_middle_leaves_the_rest() -> None:
    assert _match("GET", "/tags/arn:x/y/list") == ("TagsOf", {"Arn": "arn:x/y"})


def test_route_label_inside_segment() -> None:
    assert _match("POST", "/jobs/j-1:cancel") == ("Cancel", {"JobId": "j-1"})
    assert _match("POST", "/jobs/j-1") is None


def test_route_labels_named_by_the_matched_template_not_the_first_sharing_the_node() -> None:
    # API Gateway: POST .../resources/{parent_id} and GET .../resources/{resource_id}.
    router = RestRouter(
        [
            Route("CreateResource", "POST", "/restapis/{restapi_id}/resources/{parent_id}"),
            Route("GetResource", "GET", "/restapis/{restapi_id}/resources/{resource_id}"),
            Route("GetProxy", "GET", "/p/{first+}"),
            Route("PutProxy", "PUT", "/p/{second+}"),
        ]
    )
    found = router.match("GET", "/restapis/a1/resources/r1", "", NONE)
    assert found is not None
    assert (found.operation, found.labels) == (
        "GetResource",
        {"restapi_id": "a1", "resource_id": "r1"},
    )
    created = router.match("POST", "/restapis/a1/resources/r1", "", NONE)
    assert created is not None and created.labels == {"restapi_id": "a1", "parent_id": "r1"}
    greedy = router.match("PUT", "/p/x/y", "", NONE)
    assert greedy is not None and greedy.labels == {"second": "x/y"}
