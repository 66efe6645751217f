"""CloudFront's path patterns, behavior order and invalidation paths.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation_Requests.html
"""

from __future__ import annotations

import pytest

from lamina.services.cloudfront.model import Behavior, Distribution
from lamina.services.cloudfront.pattern import behavior_for, invalidation_matches, matches


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/api/*", "/api/items", True),
        ("/api/*", "/api/", True),
        ("/api/*", "/api", False),  # the slash before * is part of the pattern
        ("/api/*", "/apiary/x", False),
        ("api/*", "/api/items", True),  # the leading slash is optional
        ("*.jpg", "/images/cat.jpg", True),  # * crosses slashes
        ("/images/*.jpg", "/images/a/b.jpg", True),
        ("/images/*.jpg", "/images/a.png", False),
        ("/file?.txt", "/file1.txt", True),  # ? is exactly one character
        ("/file?.txt", "/file12.txt", False),
        ("/file?.txt", "/file.txt", False),
        ("/Images/*", "/images/a", False),  # case-sensitive
        ("/a+b/*", "/a+b/c", True),  # other characters are literal
        ("/a.b", "/aXb", False),
        ("*", "/anything/at/all", True),
    ],
)
def test_matches_follows_cloudfront_pattern_rules(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def _distribution(*patterns: str) -> Distribution:
    return Distribution(
        id="E1",
        arn="arn",
        domain_name="d1.cloudfront.net",
        default_behavior=Behavior(target_origin_id="default"),
        behaviors=tuple(Behavior(path_pattern=p, target_origin_id=p) for p in patterns),
    )


def test_behavior_for_takes_the_first_match_in_order() -> None:
    distribution = _distribution("/api/public/*", "/api/*")
    assert behavior_for(distribution, "/api/public/x").target_origin_id == "/api/public/*"
    assert behavior_for(distribution, "/api/x").target_origin_id == "/api/*"
    reversed_order = _distribution("/api/*", "/api/public/*")
    assert behavior_for(reversed_order, "/api/public/x").target_origin_id == "/api/*"


def test_behavior_for_falls_back_to_the_default_behavior() -> None:
    assert behavior_for(_distribution("/api/*"), "/index.html").target_origin_id == "default"


@pytest.mark.parametrize(
    ("invalidation", "path", "expected"),
    [
        ("/*", "/index.html", True),
        ("/images/*", "/images/a/b.png", True),
        ("/images/*", "/img/a.png", False),
        ("/index.html", "/index.html", True),
        ("/index.html", "/index.html5", False),
        ("index.html", "/index.html", True),
        ("/a*b", "/aXb", False),  # only a trailing * is a wildcard
        ("/a*b", "/a*b", True),
    ],
)
def test_invalidation_paths_match_exact_or_trailing_wildcard(
    invalidation: str, path: str, expected: bool
) -> None:
    assert invalidation_matches(invalidation, path) is expected
