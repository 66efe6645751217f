"""A cache of SAM translations, so a restart skips aws-sam-translator (~0.35 s) entirely.

Entries live in `<template folder>/.lamina/cache/sam/<key>.json`. The key hashes everything
the translation reads: the staged template, the parameter values (pseudo parameters
included) and the translator's version; so an edit to the template, an override or an
upgrade misses the cache. Failing to read or write the cache only costs a translation.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

# Bump when what Lamina stores changes shape.
_FORMAT = "1"
_KEPT_ENTRIES = 8


class TranslationCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def key(template: object, parameters: object, translator_version: str) -> str | None:
        """The entry's name, or None when the inputs are not plain JSON data."""
        try:
            encoded = orjson.dumps(
                [_FORMAT, translator_version, template, parameters],
                option=orjson.OPT_SORT_KEYS,
            )
        except TypeError:  # orjson.JSONEncodeError derives from TypeError
            return None
        return hashlib.sha256(encoded).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            found = orjson.loads((self.folder / f"{key}.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        return found if isinstance(found, dict) else None

    def put(self, key: str, translated: dict[str, Any]) -> None:
        target = self.folder / f"{key}.json"
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # orjson, not msgspec: the translator's output holds str subclasses.
            partial.write_bytes(orjson.dumps(translated))
            os.replace(partial, target)
            self._prune()
        except (OSError, TypeError):
            partial.unlink(missing_ok=True)

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[_KEPT_ENTRIES:]:
            stale.unlink(missing_ok=True)
