"""Handler loading errors carry the Python runtime's Runtime.* error types."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamina.functions.bootstrap.fault import Fault
from lamina.functions.bootstrap.loader import load_handler


@pytest.fixture
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("lamina_loader_ok", "lamina_loader_bad", "lamina_loader_syntax"):
        sys.modules.pop(name, None)


def test_load_handler_returns_the_function(code: Path) -> None:
    (code / "lamina_loader_ok.py").write_text("def handler(e, c):\n    return 1\n")
    assert load_handler("lamina_loader_ok.handler")(None, None) == 1


def test_load_handler_missing_module_is_import_module_error(code: Path) -> None:
    (code / "lamina_loader_bad.py").write_text("import no_such_module_xyz\n")
    with pytest.raises(Fault) as caught:
        load_handler("lamina_loader_bad.handler")
    assert caught.value.error_type == "Runtime.ImportModuleError"
    assert caught.value.message == (
        "Unable to import module 'lamina_loader_bad': No module named 'no_such_module_xyz'"
    )


def test_load_handler_missing_attribute_is_handler_not_found(code: Path) -> None:
    (code / "lamina_loader_ok.py").write_text("x = 1\n")
    with pytest.raises(Fault) as caught:
        load_handler("lamina_loader_ok.nope")
    assert caught.value.error_type == "Runtime.HandlerNotFound"
    assert caught.value.message == "Handler 'nope' missing on module 'lamina_loader_ok'"


def test_load_handler_syntax_error_is_user_code_syntax_error(code: Path) -> None:
    (code / "lamina_loader_syntax.py").write_text("def (:\n")
    with pytest.raises(Fault) as caught:
        load_handler("lamina_loader_syntax.handler")
    assert caught.value.error_type == "Runtime.UserCodeSyntaxError"


def test_load_handler_without_dot_is_malformed_handler_name() -> None:
    with pytest.raises(Fault) as caught:
        load_handler("handler")
    assert caught.value.error_type == "Runtime.MalformedHandlerName"


def test_load_handler_builtin_module_conflict() -> None:
    with pytest.raises(Fault) as caught:
        load_handler("sys.exit")
    assert caught.value.error_type == "Runtime.BuiltInModuleConflict"
