"""The edge cache: origin answers kept in memory under their cache key, each until its TTL,
emptied by path for invalidations, least recently used first out when over its byte budget.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime

from lamina.services.cloudfront.model import CachePolicy
from lamina.services.cloudfront.pattern import invalidation_matches

Headers = list[tuple[bytes, bytes]]
DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024


class CacheKey(tuple[str, str, str]):
    """(distribution id, URL path, the rest of the key: query strings, headers and
    cookies the policy includes, normalized Accept-Encoding)."""

    __slots__ = ()

    @property
    def distribution_id(self) -> str:
        return self[0]

    @property
    def path(self) -> str:
        return self[1]


class Entry:
    """One origin answer as cached: status, headers and the (uncompressed) body, when it
    was stored and for how long; compressed copies are kept beside it as made."""

    __slots__ = (
        "_by_name", "body", "compressible", "encoded", "error", "headers", "status",
        "stored_at", "ttl",
    )  # fmt: skip

    def __init__(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        stored_at: float,
        ttl: float,
        *,
        error: bool = False,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.stored_at = stored_at
        self.ttl = ttl
        self.error = error
        """An error answer (the origin's, or a custom error response standing for one):
        viewers see `X-Cache: Error from cloudfront`."""
        self.encoded: dict[str, bytes] = {}
        self.compressible: bool | None = None
        """Whether CloudFront may compress this answer for viewers that accept it, as
        the edge worked it out on first delivery (it depends on the entry alone)."""
        # Lowercased name -> first value, built once: every hit reads several headers.
        self._by_name = {key.lower(): value for key, value in reversed(headers)}

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    def age(self, now: float) -> int:
        return max(0, int(now - self.stored_at))

    def header(self, name: bytes) -> bytes | None:
        return self._by_name.get(name.lower())

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(body) for body in self.encoded.values())


class EdgeCache:
    def __init__(
        self,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.clock = clock
        self._entries: OrderedDict[CacheKey, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> Entry | None:
        """The entry, fresh or stale (the caller revalidates a stale one)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: CacheKey, entry: Entry) -> None:
        """Keep `entry` under `key`; one larger than an eighth of the budget is not kept (it
        would push out everything else), so each request for it goes to the origin."""
        if entry.size > self.budget_bytes // 8:
            self.drop(key)
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            self._trim()

    def grew(self, key: CacheKey, added: int) -> None:
        """A compressed copy was added to the entry under `key`."""
        with self._lock:
            if key in self._entries:
                self._bytes += added
                self._trim()

    def drop(self, key: CacheKey) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size

    def invalidate(self, distribution_id: str, paths: Iterable[str]) -> int:
        """Remove every entry of the distribution whose path an invalidation path names;
        how many were removed."""
        wanted = list(paths)
        with self._lock:
            doomed = [
                key
                for key in self._entries
                if key.distribution_id == distribution_id
                and any(invalidation_matches(path, key.path) for path in wanted)
            ]
            for key in doomed:
                self._bytes -= self._entries.pop(key).size
        return len(doomed)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def _trim(self) -> None:
        while self._bytes > self.budget_bytes and self._entries:
            _, entry = self._entries.popitem(last=False)
            self._bytes -= entry.size


def ttl_of(headers: list[tuple[bytes, bytes]], policy: CachePolicy, now: float) -> float:
    """How long the edge keeps an object: the origin's Cache-Control s-maxage / max-age or
    Expires within the policy's minimum and maximum TTLs, else the default TTL; no-cache,
    no-store and private keep it only for a minimum TTL above 0.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html#ExpirationDownloadDist
    """
    control = ""
    expires = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"cache-control":
            control += "," + value.decode("latin-1").lower()
        elif lowered == b"expires":
            expires = value
    directives: dict[str, str] = {}
    for part in control.split(","):
        directive, _, argument = part.strip().partition("=")
        if directive:
            directives[directive] = argument.strip('"')
    if {"no-cache", "no-store", "private"} & directives.keys():
        return float(policy.min_ttl)
    for directive in ("s-maxage", "max-age"):
        if directives.get(directive, "").isdigit():
            seconds = int(directives[directive])
            return float(min(max(seconds, policy.min_ttl), policy.max_ttl))
    if expires is not None:
        try:
            left = parsedate_to_datetime(expires.decode("latin-1")).timestamp() - now
        except (TypeError, ValueError):
            left = 0.0
        return float(min(max(left, policy.min_ttl), policy.max_ttl))
    return float(policy.default_ttl)
