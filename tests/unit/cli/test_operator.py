"""serving.json holds the token `/_lamina/deploy` requires: only its owner may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from lamina.cli.operator import SERVING_FILE, announce, find_serving, withdraw
from lamina.config.load import load_application
from tests.conftest import FIXTURES


def test_announce_serving_file_is_owner_only_even_over_a_stale_partial(tmp_path: Path) -> None:
    app = load_application(FIXTURES / "apps" / "proxy")
    stale = (tmp_path / SERVING_FILE).with_suffix(".tmp")
    stale.write_bytes(b"left by a crash")
    stale.chmod(0o644)
    serving = announce(tmp_path, url="http://127.0.0.1:3000", app=app)
    assert stat.S_IMODE((tmp_path / SERVING_FILE).stat().st_mode) == 0o600
    assert find_serving(tmp_path) == serving
    withdraw(tmp_path, serving)
    assert not (tmp_path / SERVING_FILE).exists()
