"""`lamina` — run a SAM application locally.

lamina up [PATH] [--host H] [--port P]     serve the template's APIs and functions
lamina invoke FUNCTION [--event FILE|-]     invoke one function once, print its result
lamina validate [PATH]                      cfn-lint + load as `up` would, file:line errors
lamina deploy [PATH] [--no-confirm]         apply the template's change set to `lamina up`
lamina stacks [PATH]                        the stacks deployed to a state
lamina delete [PATH] [--no-confirm]         delete a stack's resources
lamina logs FUNCTION [--tail]               what a function printed
lamina state export|import ARCHIVE [PATH]   back up, restore or move a state
lamina sync-site DIR BUCKET [--delete]      upload a built front end (like aws s3 sync)
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lamina import __version__
from lamina.cli.params import parse_overrides, state_folder
from lamina.cli.rotate_key import rotate_key_command
from lamina.cli.sdk import sdk as sdk_command
from lamina.cli.sync_site import sync_site as sync_site_command
from lamina.config.error import ConfigError
from lamina.config.model import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

if TYPE_CHECKING:
    from lamina.core.store import Store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lamina")
def main() -> None:
    """Lamina: API Gateway + Lambda from your SAM template, locally, without Docker."""
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


_overrides = click.option(
    "--parameter-overrides",
    "overrides",
    default="",
    help="Template parameters: 'Key=Value Key2=Value2' or 'ParameterKey=Key,ParameterValue=Value'.",
)


_state_dir = click.option(
    "--state-dir",
    default=None,
    envvar="LAMINA_STATE_DIR",
    type=click.Path(file_okay=False),
    help="Where tables, secrets, keys, user pools, objects, function state and access logs "
    "persist between runs (default: .lamina/ beside the template).",
)
_store = click.option(
    "--store",
    "store_url",
    default=None,
    envvar="LAMINA_STORE_URL",
    help="Where the control plane's records live: postgresql://user@host:port/db"
    "[?schema=NAME] (default: SQLite in the state folder).",
)


@main.command()
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535))
@_overrides
@click.option(
    "--idle-timeout",
    default=300.0,
    show_default=True,
    type=float,
    help="Seconds before an idle worker process is reaped.",
)
@click.option(
    "--max-workers",
    default=32,
    show_default=True,
    type=int,
    help="Concurrent worker processes per function.",
)
@click.option(
    "--dynamodb",
    "dynamodb_url",
    default=None,
    envvar="LAMINA_DYNAMODB_URL",
    help="Where DynamoDB tables live: postgresql://user@host:port/db[?schema=NAME] "
    "(default: SQLite under .lamina/).",
)
@click.option(
    "--limits",
    "limits_url",
    default=None,
    envvar="LAMINA_REDIS_URL",
    help="Where throttling buckets, quotas, API key usage and cached Lambda authorizer "
    "answers live, shared by every process using it: redis://host:port/db "
    "(default: in this process).",
)
@click.option(
    "--account-throttle",
    "account_throttle",
    default=None,
    metavar="RATE[,BURST]",
    help="API Gateway's account-level throttle (requests/s and bucket size), as a raised "
    "Service Quota would set it (default: the Region's, 10,000,5,000).",
)
@click.option(
    "--tls",
    is_flag=True,
    help="Serve HTTPS with certificates of a local CA kept under .lamina/tls/ (the banner "
    "says how to trust it); custom domains get their own, chosen by SNI.",
)
@click.option(
    "--tls-cert",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Your own certificate (PEM, chain after it) for the default name; implies --tls.",
)
@click.option(
    "--tls-key",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="The private key (PEM) of --tls-cert.",
)
@click.option(
    "--tls-domain-cert",
    "tls_domain_certs",
    multiple=True,
    metavar="NAME=CERT,KEY",
    help="Your own certificate and key (PEM) for a custom domain of the template, instead "
    "of one from the local CA (repeatable; implies --tls).",
)
@click.option(
    "--iam/--no-iam",
    "enforce_iam",
    default=True,
    show_default=True,
    help="Authorize every signed AWS API call (a function's calls under its execution role) "
    "against the caller's IAM policies, as AWS does; --no-iam lets any known key do "
    "anything, for quick prototypes.",
)
@click.option(
    "--xray-daemon-address",
    default="127.0.0.1:2000",
    show_default=True,
    envvar="LAMINA_XRAY_DAEMON_ADDRESS",
    help="Where the X-Ray daemon endpoint (UDP) listens; functions get it as "
    "AWS_XRAY_DAEMON_ADDRESS (port 0: any free port).",
)
@click.option(
    "--otlp-endpoint",
    default=None,
    help="Export traces over OTLP/HTTP (protobuf) to this collector base URL, e.g. "
    "http://127.0.0.1:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT, if set).",
)
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Redeploy when the template or a function's code changes, without dropping requests.",
)
@click.option(
    "--region",
    default=DEFAULT_REGION,
    show_default=True,
    envvar="LAMINA_REGION",
    help="The Region ARNs and AWS::Region name.",
)
@click.option(
    "--account-id",
    default=DEFAULT_ACCOUNT_ID,
    show_default=True,
    envvar="LAMINA_ACCOUNT_ID",
    help="The account ARNs and AWS::AccountId name.",
)
@click.option("--stack-name", default=None, help="The stack (default: the template's folder).")
@click.option(
    "--metrics-loopback-only",
    is_flag=True,
    help="Answer /_lamina/metrics (Prometheus) to clients on this machine only.",
)
@_state_dir
@_store
def up(
    path: str,
    host: str,
    port: int,
    overrides: str,
    idle_timeout: float,
    max_workers: int,
    dynamodb_url: str | None,
    limits_url: str | None,
    account_throttle: str | None = None,
    tls: bool = False,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    tls_domain_certs: tuple[str, ...] = (),
    enforce_iam: bool = True,
    xray_daemon_address: str = "127.0.0.1:2000",
    otlp_endpoint: str | None = None,
    watch: bool = True,
    state_dir: str | None = None,
    store_url: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str | None = None,
    metrics_loopback_only: bool = False,
) -> None:
    """Serve the template at PATH (a template file or a folder holding template.yaml)."""
    from lamina.cli.serve import ServeOptions, serve

    options = ServeOptions(
        path=path,
        host=host,
        port=port,
        parameter_overrides=parse_overrides(overrides),
        idle_timeout_s=idle_timeout,
        max_workers=max_workers,
        dynamodb_url=dynamodb_url,
        limits_url=limits_url,
        account_throttle=_account_throttle(account_throttle),
        tls=tls or tls_cert is not None or bool(tls_domain_certs),
        tls_cert=tls_cert,
        tls_key=tls_key,
        tls_domain_certs=tuple(tls_domain_certs),
        enforce_iam=enforce_iam,
        xray_daemon_address=xray_daemon_address,
        otlp_endpoint=otlp_endpoint,
        watch=watch,
        state_dir=state_dir,
        store_url=store_url,
        region=region,
        account_id=account_id,
        stack_name=stack_name,
        metrics_loopback_only=metrics_loopback_only,
    )
    sys.exit(_run(serve(options)))


def _account_throttle(value: str | None) -> tuple[float, int] | None:
    """`RATE[,BURST]`; BURST defaults to half the rate, as the Region's default quota is."""
    if value is None:
        return None
    rate_text, _, burst_text = value.partition(",")
    try:
        rate = float(rate_text)
        burst = int(burst_text) if burst_text else max(1, int(rate // 2))
    except ValueError:
        raise click.BadParameter(f"expected RATE[,BURST], got {value!r}") from None
    if rate <= 0 or burst <= 0:
        raise click.BadParameter("RATE and BURST must be positive")
    return rate, burst


@main.command()
@click.argument("function")
@click.option(
    "--template",
    "-t",
    "path",
    default=".",
    type=click.Path(exists=True),
    help="Template file, or a folder holding template.yaml.",
)
@click.option(
    "--event",
    "-e",
    default=None,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Event JSON file, or - for standard input (default: {}).",
)
@_overrides
def invoke(function: str, path: str, event: str | None, overrides: str) -> None:
    """Invoke FUNCTION (logical id or name) once and print what it returned."""
    from lamina.cli.invoke import invoke_once

    if event == "-":
        payload = sys.stdin.buffer.read()
    elif event:
        payload = Path(event).read_bytes()
    else:
        payload = b"{}"
    code = _run(invoke_once(path, function, payload, parse_overrides(overrides)))
    sys.exit(code)


@main.command()
@click.argument("path", default=".", type=click.Path(exists=True))
@_overrides
def validate(path: str, overrides: str) -> None:
    """Check the template with cfn-lint, then load it as `lamina up` would (no server
    starts); print findings as file:line and exit 1 when there are any."""
    from lamina.config.validate import validate_template

    try:
        findings = validate_template(path, parse_overrides(overrides))
    except ConfigError as error:  # no template there, or one that does not parse
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    for finding in findings:
        click.echo(finding)
    if findings:
        sys.exit(1)
    click.echo(f"{path}: valid")


@main.command()
@click.argument("function")
@click.option(
    "--template",
    "-t",
    "path",
    default=".",
    type=click.Path(exists=True),
    help="Template file, or a folder holding template.yaml.",
)
@_state_dir
@click.option("--tail", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--lines", "-n", default=100, show_default=True, help="How many last lines.")
def logs(function: str, path: str, state_dir: str | None, tail: bool, lines: int) -> None:
    """Print what FUNCTION (logical id or name) logged."""
    from lamina.cli.logs import follow, last_lines, log_files, logged_functions

    folder = state_folder(path, state_dir)
    name = function
    if not log_files(folder, name):
        from lamina.cli.invoke import physical_name
        from lamina.config.load import load_application

        try:
            name = physical_name(load_application(path).functions, function)
        except ConfigError:
            name = function  # no template at hand: the name is all we have
        if not log_files(folder, name) and not tail:
            known = ", ".join(logged_functions(folder)) or "none yet"
            click.echo(f"error: no logs for {function!r} in {folder} (logged: {known})", err=True)
            sys.exit(2)
    for line in last_lines(log_files(folder, name), lines):
        click.echo(line, nl=False)
    if tail:
        try:
            for line in follow(folder, name):
                click.echo(line, nl=False)
        except KeyboardInterrupt:
            return


main.add_command(sdk_command)  # lamina sdk: lamina/cli/sdk.py
main.add_command(sync_site_command)  # lamina sync-site: lamina/cli/sync_site.py
main.add_command(rotate_key_command)  # lamina rotate-key: lamina/cli/rotate_key.py


@main.command(name="deploy")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--stack-name", default=None, help="The stack (default: the one served).")
@_overrides
@click.option("--no-confirm", is_flag=True, help="Apply the change set without asking.")
@_state_dir
@_store
def deploy_command(
    path: str,
    stack_name: str | None,
    overrides: str,
    no_confirm: bool,
    state_dir: str | None,
    store_url: str | None,
) -> None:
    """Deploy the template at PATH to the `lamina up` serving its state: show the change
    set, then apply it (rolled back if a step fails)."""
    from lamina.cli.deploy import deploy

    with _opened_state(path, state_dir, store_url) as (folder, store):
        try:
            code = deploy(
                path,
                folder,
                store,
                stack_name=stack_name,
                parameters=parse_overrides(overrides) if overrides else None,
                confirm=not no_confirm,
            )
        except ConfigError as error:
            click.echo(f"error: {error}", err=True)
            code = 2
    sys.exit(code)


@main.command(name="stacks")
@click.argument("path", default=".", type=click.Path(exists=True))
@_state_dir
@_store
def stacks_command(path: str, state_dir: str | None, store_url: str | None) -> None:
    """List the stacks deployed to the state of the template at PATH."""
    from lamina.cli.deploy import list_stacks

    with _opened_state(path, state_dir, store_url) as (_, store):
        code = list_stacks(store)
    sys.exit(code)


@main.command(name="delete")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--stack-name", default=None, help="The stack (default: the template folder's).")
@click.option("--no-confirm", is_flag=True, help="Delete without asking.")
@_state_dir
@_store
@click.option(
    "--dynamodb", "dynamodb_url", default=None, envvar="LAMINA_DYNAMODB_URL",
    help="Where the DynamoDB tables live, as given to `lamina up`.",
)  # fmt: skip
def delete_command(
    path: str,
    stack_name: str | None,
    no_confirm: bool,
    state_dir: str | None,
    store_url: str | None,
    dynamodb_url: str | None,
) -> None:
    """Delete a stack's resources as CloudFormation's delete-stack does (stop `lamina up`
    first); DeletionPolicy: Retain keeps a resource."""
    from lamina.cli.delete import delete_stack

    with _opened_state(path, state_dir, store_url) as (folder, store):
        code = delete_stack(
            path,
            folder,
            store,
            stack_name=stack_name,
            confirm=not no_confirm,
            dynamodb_url=dynamodb_url,
        )
    sys.exit(code)


@main.group()
def state() -> None:
    """Back up, restore or move a state folder and its control-plane store."""


@state.command("export")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.argument("path", default=".", type=click.Path(exists=True))
@_state_dir
@_store
def state_export(archive: str, path: str, state_dir: str | None, store_url: str | None) -> None:
    """Write the state of the template at PATH to ARCHIVE (.tar.gz)."""
    from lamina.cli.state import export_state

    with _opened_state(path, state_dir, store_url) as (folder, store):
        counts = export_state(folder, store, Path(archive))
    click.echo(f"{archive}: {counts['files']} files, {counts['records']} records from {folder}")


@state.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.argument("path", default=".", type=click.Path(exists=True))
@_state_dir
@_store
@click.option("--force", is_flag=True, help="Replace the state already there.")
def state_import(
    archive: str, path: str, state_dir: str | None, store_url: str | None, force: bool
) -> None:
    """Restore ARCHIVE into the state of the template at PATH (stop `lamina up` first)."""
    from lamina.cli.state import StateArchiveError, import_state

    with _opened_state(path, state_dir, store_url) as (folder, store):
        try:
            counts = import_state(Path(archive), folder, store, force=force)
        except StateArchiveError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
    click.echo(f"{folder}: {counts['files']} files, {counts['records']} records from {archive}")


@contextmanager
def _opened_state(
    path: str, state_dir: str | None, store_url: str | None
) -> Iterator[tuple[Path, Store]]:
    """The state folder of the template at PATH and its control-plane store, closed after."""
    from lamina.core.store import StoreError
    from lamina.core.store_open import open_store

    folder = state_folder(path, state_dir)
    try:
        store = open_store(store_url, folder)
    except StoreError as error:
        click.echo(f"error: --store: {error}", err=True)
        sys.exit(2)
    try:
        yield folder, store
    finally:
        store.close()


def _run(coro: Coroutine[Any, Any, int | None]) -> int:
    """Run on uvloop when installed (the default), else on asyncio's own loop."""
    try:
        import uvloop

        runner: Callable[[Coroutine[Any, Any, int | None]], int | None] = uvloop.run
    except ImportError:
        runner = asyncio.run
    try:
        result = runner(coro)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        return 130
    return int(result or 0)
