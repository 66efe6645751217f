"""A SAM AutoPublishAlias integration (function:name:live) is served."""

from __future__ import annotations

import httpx

from tests.conftest import FIXTURES, LaminaProcess


def test_alias_qualified_integration_invokes_function() -> None:
    lamina = LaminaProcess(FIXTURES / "templates" / "sam_alias")
    try:
        response = httpx.get(f"{lamina.base}/Prod/hello", timeout=20)
    finally:
        lamina.stop()
    assert response.status_code == 200, lamina.output()
    assert response.text.endswith(":function:Hello:live")
