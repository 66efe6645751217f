"""How `lamina up` serves the web console (edge/console): open with the local root
credential, or behind a sign-in.

The page is told the account root's local pair (`test`/`test`) only when nothing but this
machine can reach it over plain HTTP with a local store: a loopback `--host`, no `--tls`,
no `--store` cluster. Otherwise it carries no credential and asks for an access key pair.
"""

from __future__ import annotations

import ipaddress

from lamina.aws.credentials import TEST_CREDENTIALS
from lamina.edge.console.site import ConsoleSettings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def console_settings(
    *,
    host: str,
    tls: bool,
    store_url: str | None,
    region: str,
    account_id: str,
    stack_name: str,
) -> ConsoleSettings:
    local = is_loopback(host) and not tls and store_url is None
    return ConsoleSettings(
        region=region,
        account_id=account_id,
        credential=TEST_CREDENTIALS if local else None,
        stack_name=stack_name,
    )
