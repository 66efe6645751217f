"""The SAM translation cache in <template folder>/.lamina/cache/sam/."""

from __future__ import annotations

from pathlib import Path

import orjson

from lamina.config.cache import TranslationCache
from lamina.config.load import load_application

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: {handler}
"""


def cache_entries(folder: Path) -> list[Path]:
    return sorted((folder / ".lamina" / "cache" / "sam").glob("*.json"))


def test_load_application_second_load_reads_the_cached_translation(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.handler"))
    assert load_application(tmp_path).functions[0].handler == "app.handler"
    (entry,) = cache_entries(tmp_path)
    translated = orjson.loads(entry.read_bytes())
    translated["Resources"]["Fn"]["Properties"]["Handler"] = "from.cache"
    entry.write_bytes(orjson.dumps(translated))
    assert load_application(tmp_path).functions[0].handler == "from.cache"


def test_load_application_edited_template_misses_the_cache(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.one"))
    load_application(tmp_path)
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.two"))
    assert load_application(tmp_path).functions[0].handler == "app.two"
    assert len(cache_entries(tmp_path)) == 2


def test_load_application_other_parameters_miss_the_cache(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.handler"))
    load_application(tmp_path, region="us-east-1")
    load_application(tmp_path, region="eu-west-1")
    assert len(cache_entries(tmp_path)) == 2


def test_load_application_corrupt_cache_entry_is_translated_again(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.handler"))
    load_application(tmp_path)
    (entry,) = cache_entries(tmp_path)
    entry.write_text("{not json")
    assert load_application(tmp_path).functions[0].handler == "app.handler"


def test_translation_cache_key_none_for_non_json_input() -> None:
    assert TranslationCache.key({"blob": b"\x00"}, {}, "1.0") is None
    assert TranslationCache.key({"a": 1}, {}, "1.0") == TranslationCache.key({"a": 1}, {}, "1.0")
    assert TranslationCache.key({"a": 1}, {}, "1.0") != TranslationCache.key({"a": 1}, {}, "2.0")
