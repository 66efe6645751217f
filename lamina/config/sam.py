"""SAM to CloudFormation, with aws-sam-translator, imported only when a template needs it.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from lamina.config.cache import TranslationCache
from lamina.config.code import LocalArtifacts
from lamina.config.document import TemplateDocument
from lamina.config.error import ConfigError

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
CACHE_FOLDER = Path(".lamina") / "cache" / "sam"

_RESOURCE_IN_MESSAGE = re.compile(r"Resource with id \[([^\]]+)\]")


class _RegionOnlySession:
    """Stands in for the boto3 Session the translator reads the region from (no AWS calls)."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


def uses_serverless_transform(body: Mapping[str, Any]) -> bool:
    """Whether the template declares `Transform: AWS::Serverless-2016-10-31`."""
    transform = body.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SERVERLESS_TRANSFORM in names


def translate_sam(
    document: TemplateDocument,
    parameters: Mapping[str, object],
    artifacts: LocalArtifacts,
) -> dict[str, Any]:
    """The CloudFormation template for a SAM template (local code paths staged)."""
    from samtranslator import __version__ as translator_version

    template = copy.deepcopy(document.body)
    artifacts.stage_sam_template(template)
    cache = TranslationCache(Path(document.folder) / CACHE_FOLDER)
    key = cache.key(template, parameters, translator_version)
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    translated = _translate(document, template, parameters)
    # The translator's mappings (samtranslator's Py27Dict) iterate in another order than
    # they serialize; through JSON, a fresh translation reads exactly as a cached one, so
    # a restart or a reload compiles the same APIs (routes in the same order).
    translated = dict(orjson.loads(orjson.dumps(translated)))
    if key:
        cache.put(key, translated)
    return translated


def _translate(
    document: TemplateDocument, template: dict[str, Any], parameters: Mapping[str, object]
) -> dict[str, Any]:
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # The translator logs internal notes (feature toggles) at WARNING; users act on errors only.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    region = str(parameters["AWS::Region"])
    translator = Translator(None, Parser(), boto_session=_RegionOnlySession(region))
    try:
        translated: dict[str, Any] = translator.translate(
            template, dict(parameters), get_managed_policy_map=dict
        )
    except InvalidDocumentException as exc:
        raise _document_error(document, [cause.message for cause in exc.causes]) from exc
    except ExceptionWithMessage as exc:
        raise _document_error(document, [exc.message]) from exc
    finally:
        # Its metrics go to a no-op publisher; publishing stops the "unpublished metrics"
        # message the translator prints when it is garbage collected.
        translator.metrics.publish()
    return translated


def _document_error(document: TemplateDocument, messages: list[str]) -> ConfigError:
    """One ConfigError listing every translator message, each with its resource's line."""
    lines = []
    for message in messages:
        found = _RESOURCE_IN_MESSAGE.search(message)
        logical_id = found.group(1) if found else None
        line = document.resource_lines.get(logical_id) if logical_id else None
        lines.append(
            str(ConfigError(message, file=document.path, line=line, logical_id=logical_id))
        )
    return ConfigError("invalid SAM template:\n  " + "\n  ".join(lines), file=document.path)
