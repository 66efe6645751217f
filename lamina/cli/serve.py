"""`lamina up`: load the template, start the runtime and the one-port server, wait for a
signal, then shut everything down (no worker process outlives us).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

import click
import msgspec

from lamina.aws.credentials import CredentialStore
from lamina.aws.dispatch import AwsApi
from lamina.aws.execution import ExecutionRoles
from lamina.aws.forward import ForwardAccess
from lamina.aws.service import ServiceError
from lamina.cli.banner import banner_lines, url_host
from lamina.cli.console import ConsoleLog
from lamina.cli.control import ControlPlane
from lamina.cli.dynamic_refs import DynamicReferenceError, resolve_environments
from lamina.cli.operator import announce, deploy_route, rotate_key_route, withdraw
from lamina.cli.params import state_folder
from lamina.cli.provision import Services, provision, stack_context
from lamina.cli.publish import publish_releases
from lamina.cli.reload import Reloader
from lamina.cli.seed import run_start_step, start_step
from lamina.cli.stack import change_table, plan, record, stacks
from lamina.cli.sync_site import SiteWatcher, site_lines, upload_sites
from lamina.cli.test_invoke import TestInvoker
from lamina.cli.trace import start_tracing
from lamina.cli.transport import Transport, parse_domain_certs, s3_truststores
from lamina.cli.web_console import console_settings
from lamina.config.error import ConfigError
from lamina.config.iam import function_identity
from lamina.config.load import load_application
from lamina.config.model import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Application
from lamina.core.store import Store, StoreError
from lamina.core.store_open import open_store
from lamina.edge.app import Edge
from lamina.edge.cdn.site import SiteEdge
from lamina.edge.console.site import Console
from lamina.functions.service import FunctionService
from lamina.gateway.access_log_writer import AccessLogWriter
from lamina.gateway.app import Gateway
from lamina.gateway.auth.cache import open_authorizer_cache
from lamina.gateway.auth.jwks import IssuerDirectory
from lamina.gateway.cache import open_response_cache
from lamina.gateway.cache.flush import StageCacheFlusher
from lamina.gateway.deployment import Deployment
from lamina.gateway.integrations.aws_caller import AwsApiCaller
from lamina.gateway.integrations.lambda_custom import QueuedEvents
from lamina.gateway.integrations.lambda_role import InvokeRoles
from lamina.gateway.limits.limiter import LimiterUnavailable, open_limiter
from lamina.gateway.limits.model import Throttle
from lamina.gateway.limits.usage_reader import limiter_usage
from lamina.gateway.observe import default_observer
from lamina.gateway.waf.rate import open_rate_counter
from lamina.http.server import HttpServer
from lamina.http.tls import TlsConfigError
from lamina.services.apigateway.provider import ApiGatewayProvider
from lamina.services.apigatewayv2.provider import ApiGatewayV2Provider
from lamina.services.cloudfront.provider import CloudFrontProvider
from lamina.services.cloudwatch.alarms import ALARM_PRINCIPAL
from lamina.services.cloudwatch.provider import CloudWatchProvider
from lamina.services.cognito_idp.provider import CognitoIdpProvider
from lamina.services.cognito_idp.triggers import function_triggers
from lamina.services.dynamodb.backend import BackendError
from lamina.services.dynamodb.provider import DynamoDbProvider
from lamina.services.dynamodb.streams_provider import DynamoDbStreamsProvider
from lamina.services.kms.provider import KmsProvider
from lamina.services.lambda_.layers import adopt
from lamina.services.lambda_.permissions import grant
from lamina.services.lambda_.provider import LambdaProvider
from lamina.services.lambda_.targets import FunctionTargets
from lamina.services.logs.provider import LogsProvider
from lamina.services.s3.notification import LambdaDestinations
from lamina.services.s3.provider import S3Provider
from lamina.services.secretsmanager.provider import SecretsManagerProvider
from lamina.services.secretsmanager.rotation import function_rotator
from lamina.services.sts.provider import StsProvider

log = logging.getLogger("lamina.cli")

COGNITO_ISSUER_ENV = "LAMINA_COGNITO_ISSUER_URL"
"""Development override: user pools' tokens are issued (and their keys served) under this base
URL, `{base}/{poolId}`, instead of https://cognito-idp.{region}.amazonaws.com/{poolId}."""


class ServeOptions(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    host: str = "127.0.0.1"
    port: int = 3000
    parameter_overrides: dict[str, str] = msgspec.field(default_factory=dict)
    idle_timeout_s: float = 300.0
    max_workers: int = 32
    dynamodb_url: str | None = None
    """The DynamoDB tables' backend (services.dynamodb.backend); None: SQLite in .lamina/."""
    limits_url: str | None = None
    account_throttle: tuple[float, int] | None = None
    """--account-throttle: (rate, burst) instead of the Region's default account quota."""
    """Where throttling and quota state lives (redis://...); None: in this process."""
    tls: bool = False
    """HTTPS with certificates of Lamina's local CA (.lamina/tls/) or `tls_cert`/`tls_key`."""
    enforce_iam: bool = True
    """Authorize AWS API calls against the caller's IAM policies (--no-iam turns it off)."""
    xray_daemon_address: str = "127.0.0.1:2000"
    """host:port of the X-Ray daemon endpoint (UDP) functions send segments to."""
    otlp_endpoint: str | None = None
    """An OTLP/HTTP collector's base URL traces are exported to (else OTEL_EXPORTER_OTLP_*)."""
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_domain_certs: tuple[str, ...] = ()
    """`NAME=CERT,KEY`: the user's certificate for a custom domain (else the local CA's)."""
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    """What ARNs and AWS::Region / AWS::AccountId say (AWS docs' example account by default)."""
    stack_name: str | None = None
    """None: the template folder's name."""
    store_url: str | None = None
    """The control plane's store (postgresql://...); None: SQLite in the state folder."""
    watch: bool = True
    """Redeploy on edits to the template or the functions' code (cli/reload.py)."""
    state_dir: str | None = None
    """Where tables, secrets, keys, pools, objects and logs persist; None: `.lamina/` beside
    the template."""
    metrics_loopback_only: bool = False
    """Answer /_lamina/metrics to loopback clients only."""


def state_dir_for(app: Application, given: str | None = None) -> Path:
    """`given` (--state-dir), else `.lamina/` beside the template."""
    return state_folder(app.template_path, given)


async def serve(options: ServeOptions) -> int:
    started = time.perf_counter()
    app = load_application(
        options.path,
        parameter_overrides=options.parameter_overrides,
        region=options.region,
        account_id=options.account_id,
        stack_name=options.stack_name,
    )
    step = start_step(options.path, app)  # Metadata.Lamina: sample data, the page to open
    for warning in app.warnings:
        click.echo(f"warning: {warning}", err=True)
    state_dir = state_dir_for(app, options.state_dir)
    try:
        transport = Transport.create(
            app,
            state_dir,
            options.host,
            tls=options.tls,
            cert=options.tls_cert,
            key=options.tls_key,
            domain_certs=parse_domain_certs(options.tls_domain_certs),
        )
    except TlsConfigError as error:
        click.echo(f"error: --tls: {error}", err=True)
        return 2
    try:
        store = open_store(options.store_url, state_dir)
    except StoreError as error:  # a wrong --store URL, or PostgreSQL down
        click.echo(f"error: --store: {error}", err=True)
        return 2
    try:
        # In process, quota counters and usage outlive a restart in the state directory.
        limiter = await open_limiter(options.limits_url, state_dir / "limits" / "counters.json")
    except LimiterUnavailable as error:  # a wrong --limits URL, or Redis down
        store.close()
        click.echo(f"error: --limits: {error}", err=True)
        return 2
    console = ConsoleLog()
    # CloudWatch metrics: fed by the gateway, the runtime and EMF lines in function logs.
    cloudwatch = CloudWatchProvider(
        state_dir=state_dir, region=app.region, account_id=app.account_id
    )
    # The CloudWatch Logs API; functions' logs go there too (/aws/lambda/<name>).
    logs = LogsProvider(state_dir=state_dir, region=app.region, account_id=app.account_id)
    functions = FunctionService(
        app.functions,
        region=app.region,
        account_id=app.account_id,
        state_dir=state_dir,
        log_sink=cloudwatch.tap_logs(console),
        log_records=logs.record,
        max_workers_per_function=options.max_workers,
        idle_timeout_s=options.idle_timeout_s,
    )
    # X-Ray: the daemon endpoint functions send to, the X-Ray API, OTLP export (cli/trace.py).
    tracing = await start_tracing(
        functions,
        region=app.region,
        account_id=app.account_id,
        daemon_address=options.xray_daemon_address,
        otlp_endpoint=options.otlp_endpoint,
    )
    await functions.start()
    # The API Gateway management APIs' records; the gateway serves what they hold.
    apigateway = ApiGatewayProvider(
        store=store,
        region=app.region,
        account_id=app.account_id,
        on_change=lambda api_id: control.changed(api_id),
    )
    apigateway.usage = limiter_usage(limiter)  # GetUsage / UpdateUsage: the limiter's counters
    # TestInvokeMethod runs the current definition with the same functions.
    apigateway.test_invoker = TestInvoker(functions, region=app.region, account_id=app.account_id)
    apigatewayv2 = ApiGatewayV2Provider(
        store=store,
        region=app.region,
        account_id=app.account_id,
        on_change=lambda api_id: control.changed(api_id),
    )
    control = ControlPlane(app, apigateway, apigatewayv2)
    if options.account_throttle is not None:
        rate, burst = options.account_throttle
        control.account_throttle = Throttle(rate=rate, burst=burst)
    try:
        control.adopt(app)
        deployment = control.deployment()
    except ConfigError as error:
        await functions.close()
        store.close()
        click.echo(f"error: {error}", err=True)
        return 2
    issuers = IssuerDirectory(os.environ.get(COGNITO_ISSUER_ENV) or None)
    authorizer_cache = open_authorizer_cache(options.limits_url)  # the same Redis, if any
    response_cache = open_response_cache(options.limits_url)  # the stage cache (G7), too
    waf_rates = open_rate_counter(options.limits_url)  # WAF rate-based rules count there too
    # One store: the AWS endpoint, the gateway's AWS_IAM check and STS share keys.
    credentials = credential_store(app, strict=options.enforce_iam)
    gateway = Gateway(
        deployment,
        functions,
        limiter,
        issuers=issuers,
        credentials=credentials,
        authorizer_cache=authorizer_cache,
        response_cache=response_cache,
        waf_rates=waf_rates,
        observer=default_observer(
            AccessLogWriter(state_dir / "logs" / "access", sink=logs.access_lines)
        ),
    )
    transport.serve_domains(deployment.domains)  # TLS of domains made through the API
    control.serve_with(transport.deploying(gateway.deploy))
    apigateway.caches = StageCacheFlusher(
        response_cache, authorizer_cache, lambda: gateway.deployment
    )
    gateway.observer.feed_to(cloudwatch.feed)
    functions.metrics.feed_to(cloudwatch.feed)
    public = f"{options.host}:{options.port}"
    lambda_ = LambdaProvider(
        functions,
        region=app.region,
        account_id=app.account_id,
        state_dir=state_dir,
        store=store,  # what the Lambda API makes survives a restart
    )
    _grant(lambda_, app)
    _adopt_layers(lambda_, app)
    # Lambda custom integrations' Event invocations: Lambda's durable asynchronous queue.
    gateway.use_event_queue(QueuedEvents(functions, lambda_.state.async_invoker))
    try:
        dynamodb = DynamoDbProvider(
            state_dir=state_dir,
            region=app.region,
            account_id=app.account_id,
            url=options.dynamodb_url,
        )
    except BackendError as error:  # a wrong --dynamodb URL, or PostgreSQL down
        await functions.close()
        store.close()
        click.echo(f"error: {error}", err=True)
        return 2
    dynamodb.feed_to(cloudwatch.feed)  # AWS/DynamoDB metrics, as the gateway's and functions'
    kms = KmsProvider(state_dir=state_dir, region=app.region, account_id=app.account_id)
    secrets = SecretsManagerProvider(
        state_dir=state_dir,
        region=app.region,
        account_id=app.account_id,
        kms=kms,
        rotate=function_rotator(functions, app.account_id),
    )
    cognito = CognitoIdpProvider(
        state_dir=state_dir,
        region=app.region,
        account_id=app.account_id,
        kms=kms,
        triggers=function_triggers(functions, app.account_id),
    )
    s3 = S3Provider(state_dir=state_dir, account_id=app.account_id)
    # CreateDomainName's mutual-TLS truststores are read from Lamina's S3, as AWS reads S3.
    apigateway.truststores = apigatewayv2.truststores = s3_truststores(s3.state)
    s3.state.events = LambdaDestinations(lambda_.state, app.account_id)  # bucket notifications
    # Alarm actions that name functions (the function's policy must allow CloudWatch).
    cloudwatch.alarms.action = FunctionTargets(lambda_.state, app.account_id, ALARM_PRINCIPAL)
    # What the template's resources are provisioned through, at start and on each deploy
    # (a deploy keeps the region: cli/reload.py).
    cloudfront = CloudFrontProvider()  # the template's distributions and the edge cache
    services = Services(
        kms,
        secrets,
        cognito,
        s3,
        region=app.region,
        logs=logs,
        cloudfront=cloudfront,
        cloudwatch=cloudwatch,
        account_id=app.account_id,
    )
    sts = StsProvider(credentials=credentials, roles=app.roles, account_id=app.account_id)
    dynamodb_streams = DynamoDbStreamsProvider(dynamodb.database)
    lambda_.mappings.source = dynamodb_streams.streams
    lambda_.mappings.poller.feed = cloudwatch.feed  # IteratorAge, per function and mapping
    # The AWS APIs served on the same port.
    aws = AwsApi(
        [
            lambda_,
            apigateway,
            apigatewayv2,
            dynamodb,
            dynamodb_streams,
            kms,
            secrets,
            cognito,
            s3,
            sts,
            cloudwatch,
            logs,
            tracing.provider,
            cloudfront,
        ],
        region=app.region,
        account_id=app.account_id,
        credentials=credentials,
    )
    aws.enforce_iam = options.enforce_iam
    # Each execution environment gets its own session of its function's role.
    execution_roles = ExecutionRoles(credentials, app.roles, account_id=app.account_id)
    execution_roles.enforce = options.enforce_iam
    functions.credentials = execution_roles.credentials
    lambda_.state.execution_roles = execution_roles
    # Secrets Manager uses KMS keys with its callers' permissions (kms:ViaService).
    secrets.vault.check = ForwardAccess(
        credentials,
        lambda key_arn: kms.resource_policy("DescribeKey", {"KeyId": key_arn}),
        service="secretsmanager",
        region=app.region,
        account_id=app.account_id,
        enforced=lambda: aws.enforce_iam,
    ).check
    # AWS service integrations call the services through this endpoint, as their role.
    aws_caller = AwsApiCaller(
        aws, credentials, app.roles, region=app.region, account_id=app.account_id
    )
    gateway.use_aws_services(aws_caller)
    # Lambda integrations with credentials invoke as their role (or the caller).
    invoke_roles = InvokeRoles(app.roles, credentials)
    invoke_roles.enforce = options.enforce_iam
    gateway.use_invoke_roles(invoke_roles)

    async def release() -> None:
        lambda_.mappings.cancel()
        lambda_.unfollow()
        await lambda_.state.async_invoker.close()  # events still running stay queued
        await functions.close()
        dynamodb.close()
        secrets.close()
        cognito.close()
        kms.close()
        s3.close()
        cloudwatch.close()
        logs.close()  # after the functions: their last logs are written
        store.close()

    await _create_tables(dynamodb, app)
    _map_streams(lambda_, dynamodb_streams, app)
    try:
        provision(app, services)
        for line in await upload_sites(app, s3, cloudfront):  # buckets' Metadata Lamina.SiteContent
            click.echo(line)
        # Now that the template's secrets exist, {{resolve:secretsmanager:...}} in function
        # environments can be resolved (no worker has started yet).
        for resolved in resolve_environments(app.functions, secrets):
            functions.deploy(resolved)
        publish_releases(lambda_.state, app.releases)  # the template's Lambda versions
    except ServiceError as error:
        await release()
        click.echo(f"error: {error.code}: {error.message}", err=True)
        return 2
    except DynamicReferenceError as error:
        await release()
        click.echo(f"error: {error}", err=True)
        return 2

    async def provision_new(old: Application, new: Application) -> None:
        await _create_tables(dynamodb, new)
        provision(new, services)
        for line in await upload_sites(new, s3, cloudfront):
            click.echo(line)
        kept = set(old.permissions)
        added = tuple(permission for permission in new.permissions if permission not in kept)
        _grant(lambda_, msgspec.structs.replace(new, permissions=added))
        aws_caller.use_roles(new.roles)  # AWS service integrations may assume new roles
        invoke_roles.use_roles(new.roles)  # and Lambda integrations with credentials
        execution_roles.use_roles(new.roles)  # and functions run as them

    # Deploys a new version of the template: on edits (--watch) and for `lamina deploy`.
    reloader = Reloader(
        app,
        path=options.path,
        overrides=options.parameter_overrides,
        functions=functions,
        secrets=secrets,
        store=store,
        provision=provision_new,
        swap_apis=control.redeploy,
        publish=lambda new: publish_releases(lambda_.state, new.releases),
    )
    edge = Edge(gateway, public_host=public, aws=aws, identity=cognito)
    edge.sites = sites = SiteEdge(
        cloudfront,
        s3=s3,
        gateway=gateway,
        account_id=app.account_id,
        region=app.region,
        tls=transport.server_tls is not None,
        loopback=edge,  # custom origins on S3 website endpoints
    )
    tracing.connect(gateway, edge, region=app.region)
    edge.console = Console(
        console_settings(
            host=options.host,
            tls=transport.server_tls is not None,
            store_url=options.store_url,
            region=app.region,
            account_id=app.account_id,
            stack_name=app.stack_name,
        )
    )
    edge.metrics_loopback_only = options.metrics_loopback_only
    server = HttpServer(edge, transport.server_tls, streams_body=edge.streams_body)
    try:
        bound = await server.start(options.host, options.port)
    except OSError as error:
        await release()
        click.echo(
            f"error: cannot listen on {public}: {error.strerror or error}; "
            "choose another with --port (make run PORT=...)",
            err=True,
        )
        return 1
    port = bound[0][1]
    plain_url = f"http://{url_host(_reachable(options.host))}:{port}"
    functions.serve_aws_apis_at(await transport.function_endpoint(edge, plain_url))
    # Lamina's own user pools issue tokens as {base}/{poolId}; authorizers fetch their keys
    # from the same place.
    cognito.base_url = plain_url
    issuers.serve_local_pools(plain_url, lambda pool_id: cognito.jwks(pool_id) is not None)
    _print_banner(
        app, deployment, options.host, port, time.perf_counter() - started, transport, cloudfront
    )
    _record_stack(store, app, options.parameter_overrides)
    serving = announce(state_dir, url=plain_url, app=app)
    edge.serve_operator("/_lamina/deploy", deploy_route(reloader, serving))
    edge.serve_operator("/_lamina/cognito/rotate-key", rotate_key_route(cognito, serving))
    # Load the AWS service models off the event loop, after we listen.
    preload = asyncio.get_running_loop().run_in_executor(None, aws.preload)
    # Asynchronous (Event) invocations queued before a restart run again now.
    await lambda_.state.async_invoker.start()
    await dynamodb.start()  # the TTL sweeper
    await lambda_.mappings.start()  # event source mappings poll their streams
    await secrets.start()  # the rotation scheduler (secretsmanager/scheduler.py)
    cloudwatch.start()  # the metric feed's minute timer
    await control.follow()  # changes other nodes on the same store make (cli/control.py)
    await lambda_.follow()  # and those they make through the Lambda API
    await reloader.start(watch=options.watch)
    site_watcher = SiteWatcher(lambda: reloader.app, s3, cloudfront)  # SiteContent edits
    if options.watch:
        site_watcher.start()
    public_url = plain_url.replace("http://", f"{transport.scheme}://", 1)
    seeding = asyncio.create_task(run_start_step(step, functions, public_url, click.echo))
    try:
        await _wait_for_signal()
    finally:
        click.echo("Shutting down…", err=True)
        seeding.cancel()
        control.cancel()
        reloader.watcher.cancel()
        site_watcher.cancel()
        withdraw(state_dir, serving)
        preload.cancel()
        await server.stop()
        await sites.close()  # the CloudFront Functions' Node.js process, if started
        await transport.close()
        await release()
        console.flush()
        await limiter.close()
        await authorizer_cache.close()
        await response_cache.close()
        await waf_rates.close()
        await gateway.observer.close()  # the access log lines still pending
        tracing.close()  # the spans still pending for the OTLP collector
    return 0


def _record_stack(store: Store, app: Application, parameters: dict[str, str]) -> None:
    """The stack as this start deployed it; one line when it differs from the last one."""
    changes = plan(stacks(store).get(app.stack_name), app)
    stack = record(store, app, parameters)
    if changes and stack.status == "UPDATE_COMPLETE":
        # Which ones, so that "2 to modify" after a plain restart is not a riddle.
        named = ", ".join(f"{change.action} {change.logical_id}" for change in changes[:6])
        more = ", ..." if len(changes) > 6 else ""
        summary = next(change_table(app.stack_name, changes, len(stack.resources)))
        click.echo(f"{summary} ({named}{more})")


def _print_api_keys(app: Application) -> None:
    """Keys the template gives no Value: Lamina derived one, and the user needs it."""
    for key in app.limits.api_keys:
        if key.generated:
            click.echo(f"API key {key.name} ({key.id}): {key.value}")


async def _create_tables(dynamodb: DynamoDbProvider, app: Application) -> None:
    """The template's DynamoDB tables, created unless they already exist (their items
    persist under .lamina/ between runs). A definition DynamoDB would refuse is reported
    and skipped, as a failed stack resource would be."""
    create = dynamodb.handlers()["CreateTable"]
    for table in app.tables:
        ctx = stack_context("dynamodb", "CreateTable", region=app.region, account_id=app.account_id)
        try:
            await create(ctx, dict(table.properties))
        except ServiceError as error:
            if error.code != "ResourceInUseException":
                click.echo(f"error: table {table.logical_id}: {error.message}", err=True)
        except Exception:  # a bug of ours: say so loudly, keep serving the rest
            log.exception("creating table %s failed", table.logical_id)


def _map_streams(
    lambda_: LambdaProvider, streams: DynamoDbStreamsProvider, app: Application
) -> None:
    """The template's event source mappings, reading their tables' latest streams."""
    for mapping in app.event_source_mappings:
        arn = streams.streams.current(mapping.event_source_arn)
        if arn is None:
            click.echo(
                f"error: event source mapping {mapping.logical_id}: "
                f"{mapping.event_source_arn} is not an enabled stream",
                err=True,
            )
            continue
        lambda_.mappings.adopt(
            f"{app.stack_name}/{mapping.logical_id}",
            function_name=mapping.function_name,
            qualifier=mapping.qualifier,
            arn=arn,
            batch_size=mapping.batch_size,
            starting_position=mapping.starting_position,
            enabled=mapping.enabled,
        )


def _reachable(host: str) -> str:
    """Where functions reach the server: a wildcard bind is reached on loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _grant(lambda_: LambdaProvider, app: Application) -> None:
    """The template's AWS::Lambda::Permission statements, as AddPermission would add them."""
    for permission in app.permissions:
        params = {
            "StatementId": permission.statement_id,
            "Action": permission.action,
            "Principal": permission.principal,
            "SourceArn": permission.source_arn,
            "SourceAccount": permission.source_account,
        }
        grant(lambda_.state, permission.function_name, permission.qualifier, params)


def _adopt_layers(lambda_: LambdaProvider, app: Application) -> None:
    """The template's layers, listed by the Lambda API as if published (version 1)."""
    for layer in app.layers:
        adopt(
            lambda_.state,
            layer.name,
            layer.path,
            version=layer.version,
            description=layer.description,
            compatible_runtimes=layer.compatible_runtimes,
            compatible_architectures=layer.compatible_architectures,
            license_info=layer.license_info,
        )


def credential_store(app: Application, *, strict: bool = True) -> CredentialStore:
    """`test`/`test` (the account root), the functions' key (one assumed role) and the
    template's IAM users' access keys, each with its identity policies. `strict` (IAM
    enforced, the default): a key Lamina does not know is refused with the protocol's
    error (UnrecognizedClientException, InvalidAccessKeyId, InvalidClientTokenId), as AWS
    refuses it; `--no-iam` accepts any key as the account root, for quick prototyping.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"""
    identities = (function_identity(app.account_id), *app.identities)
    return CredentialStore.local(identities=identities, strict=strict)


async def _wait_for_signal() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def _print_banner(
    app: Application,
    deployment: Deployment,
    host: str,
    port: int,
    elapsed_s: float,
    transport: Transport | None = None,
    sites: CloudFrontProvider | None = None,
) -> None:
    scheme = transport.scheme if transport is not None else "http"
    ca_path = transport.ca_path if transport is not None else None
    # URLs to open name loopback, not a wildcard bind: https://0.0.0.0/ fails the certificate
    # check (it is issued for localhost / 127.0.0.1) and browsers on some systems refuse it.
    shown = _reachable(host)
    own_cert = transport.own_cert if transport is not None else None
    for line in banner_lines(
        app, deployment, shown, port, scheme=scheme, ca_path=ca_path, own_cert=own_cert
    ):
        click.echo(line)
    if sites is not None:
        for line in site_lines(sites, scheme, port):
            click.echo(line)
    users = [identity for identity in app.identities if ":user/" in identity.arn]
    if users:
        click.echo("IAM access keys (sign requests to AWS_IAM methods with them):")
    for identity in users:
        click.echo(f"  {identity.arn}  {identity.access_key}  {identity.secret_key}")
    _print_api_keys(app)  # after the APIs they open, beside the IAM keys
    click.echo(f"Console: {scheme}://{url_host(shown)}:{port}/_lamina/console")
    click.echo(
        f"Listening on {scheme}://{url_host(host)}:{port} "
        f"(ready in {elapsed_s * 1000:.0f} ms; Ctrl-C to stop)"
    )
    sys.stdout.flush()
