"""When the console page is told the local root credential, and when it must sign in."""

from __future__ import annotations

import pytest

from lamina.cli.web_console import console_settings


@pytest.mark.parametrize(
    ("host", "tls", "store_url", "open_"),
    [
        ("127.0.0.1", False, None, True),
        ("localhost", False, None, True),
        ("::1", False, None, True),
        ("127.0.0.1", True, None, False),
        ("127.0.0.1", False, "postgresql://lamina@127.0.0.1/lamina", False),
        ("0.0.0.0", False, None, False),
        ("192.168.1.20", False, None, False),
        ("devbox.example.com", False, None, False),
    ],
)
def test_console_settings_hand_out_the_root_pair_only_on_local_plain_http(
    host: str, tls: bool, store_url: str | None, open_: bool
) -> None:
    settings = console_settings(
        host=host, tls=tls, store_url=store_url, region="us-east-1", account_id="1", stack_name="s"
    )
    assert (settings.credential == ("test", "test")) is open_
    assert (settings.credential is None) is not open_
