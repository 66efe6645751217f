"""GetTraceSummaries' FilterExpression subset: keywords, service(), http.*, annotations,
AND / OR / !; anything else is refused by name.
https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.services.xray.filter import compile_filter


def _summary(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "HasFault": False, "HasError": False, "HasThrottle": False, "IsPartial": False,
        "Duration": 0.25, "ResponseTime": 0.2, "_services": {"api/prod", "Hello"},
        "Http": {"HttpStatus": 200, "HttpMethod": "GET", "HttpURL": "http://h/prod/hello"},
        "Annotations": {"tier": [{"AnnotationValue": {"StringValue": "gold"}}]},
    }  # fmt: skip
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("expression", "matches"),
    [
        ("", True),
        ('service("Hello")', True),
        ('service("Other")', False),
        ('id(name: "api/prod")', True),
        ("http.status = 200", True),
        ("http.status >= 500", False),
        ('http.method = "GET" AND http.url CONTAINS "/hello"', True),
        ('http.url BEGINSWITH "http://h/" AND duration > 1', False),
        ("duration > 1 OR responsetime < 0.5", True),
        ('annotation.tier = "gold AND silver" OR http.status = 500', False),  # quoted AND
        ('annotation.tier != "a || b" && ok', True),
        ("ok", True),
        ("!ok", False),
        ("fault || error", False),
        ('annotation.tier = "gold"', True),
        ('annotation.missing = "x"', False),
    ],
)
def test_filter_matches_as_x_ray_would(expression: str, matches: bool) -> None:
    assert compile_filter(expression)(_summary()) is matches


def test_fault_keyword_matches_a_faulted_trace() -> None:
    assert compile_filter("fault AND http.status = 502")(
        _summary(HasFault=True, Http={"HttpStatus": 502})
    )


@pytest.mark.parametrize("expression", ['edge("a", "b")', "rootcause.fault.service", "(ok)"])
def test_unsupported_filter_is_refused_naming_it(expression: str) -> None:
    with pytest.raises(ServiceError) as refused:
        compile_filter(expression)
    assert refused.value.code == "InvalidRequestException"
    assert "does not support" in refused.value.message
