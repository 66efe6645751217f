"""CloudFront's path patterns and how a request picks its cache behavior.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
- `*` matches 0 or more characters (slashes included), `?` exactly one;
- patterns are case-sensitive; a leading `/` is optional (`images/*.jpg` = `/images/*.jpg`);
- the query string is not part of the match;
- behaviors are evaluated in the order listed, the first match wins, and the default
  behavior (`*`) answers what none matches.
"""

from __future__ import annotations

import functools
import re

from lamina.services.cloudfront.model import Behavior, Distribution


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    body = pattern if pattern.startswith("/") else "/" + pattern
    parts = []
    for char in body:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """Whether the URL path (no query string) matches a CloudFront path pattern."""
    if pattern == "*":
        return True
    return _compiled(pattern).fullmatch(path) is not None


def behavior_for(distribution: Distribution, path: str) -> Behavior:
    for behavior in distribution.behaviors:
        if matches(behavior.path_pattern, path):
            return behavior
    return distribution.default_behavior


def invalidation_matches(invalidation_path: str, path: str) -> bool:
    """An invalidation path names one object, or ends in `*` to name every object whose
    path starts with what precedes it (`/*` is all). `*` elsewhere is taken literally.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation_Requests.html#invalidation-specifying-objects
    """
    wanted = invalidation_path if invalidation_path.startswith("/") else "/" + invalidation_path
    wanted = wanted.partition("?")[0]
    if wanted.endswith("*"):
        return path.startswith(wanted[:-1])
    return path == wanted
