"""`lamina sync-site DIR BUCKET [--delete]`, and a template bucket's site content uploaded
on deploy.

Like `aws s3 sync DIR s3://BUCKET [--delete]`: every file under DIR becomes the object
named by its relative path (`/` separators), with the Content-Type its extension implies;
files whose bytes the object already holds (its ETag is their MD5) are skipped, and with
--delete objects no file stands for are removed.
https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html

Template design (a Lamina extension, ignored by CloudFormation):

    SiteBucket:
      Type: AWS::S3::Bucket
      Metadata:
        Lamina:
          SiteContent: ./site          # a folder beside the template
          # or: SiteContent: {Path: ./frontend/dist, Delete: true}

`lamina up` and each deploy (reload, `lamina deploy`) upload the folder to the bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from lamina.aws.service import AwsRequestContext
from lamina.cli.client import local_client
from lamina.cli.operator import find_serving
from lamina.cli.watch import Snapshot, snapshot
from lamina.config.document import load_document
from lamina.config.error import ConfigError
from lamina.config.model import Application
from lamina.config.service_resources import BUCKET
from lamina.core.ids import new_request_id
from lamina.services.cloudfront.provider import CloudFrontProvider
from lamina.services.s3.provider import S3Provider

log = logging.getLogger("lamina.cli")

# Web types the platform's table may lack or name otherwise (Python 3.11 says
# application/javascript; browsers and `aws s3 sync` on current systems text/javascript).
_TYPES = mimetypes.MimeTypes()
for _type, _extension in (
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("application/json", ".map"),
    ("application/manifest+json", ".webmanifest"),
    ("application/wasm", ".wasm"),
    ("image/svg+xml", ".svg"),
    ("image/webp", ".webp"),
    ("font/woff", ".woff"),
    ("font/woff2", ".woff2"),
):
    _TYPES.add_type(_type, _extension)


class LocalFile:
    __slots__ = ("content_type", "etag", "path")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.etag = '"' + hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest() + '"'
        self.content_type = content_type(path.name)


def content_type(name: str) -> str | None:
    """What `aws s3 sync` sends: the extension's type (None: S3's binary/octet-stream)."""
    guessed, _ = _TYPES.guess_type(name, strict=False)
    return guessed


def local_files(folder: Path) -> dict[str, LocalFile]:
    return {key: LocalFile(path) for key, path in _walk(folder)}


def _walk(folder: Path) -> Iterator[tuple[str, Path]]:
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            path = Path(root) / name
            yield path.relative_to(folder).as_posix(), path


def changes(
    files: dict[str, LocalFile], objects: dict[str, str], *, delete: bool
) -> tuple[list[str], list[str]]:
    """(keys to upload, keys to remove) for `objects` (key -> ETag) to mirror `files`."""
    uploads = [key for key, file in sorted(files.items()) if objects.get(key) != file.etag]
    removals = sorted(set(objects) - set(files)) if delete else []
    return uploads, removals


# -- in process (lamina up, deploys)


def declared_sites(app: Application) -> list[tuple[str, Path, bool]]:
    """(bucket name, folder, delete) of each template bucket with Metadata.Lamina.SiteContent."""
    template = Path(app.template_path)
    body = load_document(template).body
    resources = body.get("Resources") or {}
    names = {r.logical_id: r.physical_id for r in app.service_resources if r.type == BUCKET}
    found = []
    for logical_id, definition in resources.items():
        if logical_id not in names or not isinstance(definition, dict):
            continue
        lamina = (definition.get("Metadata") or {}).get("Lamina") or {}
        content = lamina.get("SiteContent") if isinstance(lamina, dict) else None
        if content is None:
            continue
        folder, delete = (
            (content.get("Path"), bool(content.get("Delete", False)))
            if isinstance(content, dict)
            else (content, False)
        )
        found.append((names[logical_id], (template.parent / str(folder)).resolve(), delete))
    return found


async def upload_sites(
    app: Application, s3: S3Provider, cloudfront: CloudFrontProvider | None = None
) -> list[str]:
    """Upload each declared site folder to its bucket; a line per site for the console.
    Objects a deploy changed are dropped from the edge cache of the distributions reading
    that bucket (what a deploy script's CreateInvalidation would do), so a reload shows them."""
    lines = []
    for bucket, folder, delete in declared_sites(app):
        if not folder.is_dir():
            lines.append(f"warning: site content {folder} for bucket {bucket} is not a folder")
            continue
        uploaded, removed = await sync_in_process(s3, folder, bucket, delete=delete, app=app)
        if cloudfront is not None:
            forget(cloudfront, bucket, uploaded + removed)
        lines.append(
            f"Site {folder} -> s3://{bucket}: {len(uploaded)} uploaded, {len(removed)} removed"
        )
    return lines


def forget(cloudfront: CloudFrontProvider, bucket: str, keys: list[str]) -> None:
    """Drop the edge's copies of `keys` of `bucket` from every distribution with an S3
    origin on it (under that origin's OriginPath)."""
    if not keys:
        return
    for distribution in cloudfront.distributions():
        paths = []
        for origin in distribution.origins.values():
            if origin.kind != "s3" or origin.bucket != bucket:
                continue
            prefix = origin.origin_path.lstrip("/")
            prefix = f"{prefix}/" if prefix else ""
            paths += ["/" + key[len(prefix) :] for key in keys if key.startswith(prefix)]
        if paths:
            cloudfront.cache.invalidate(distribution.id, paths)


async def sync_in_process(
    s3: S3Provider, folder: Path, bucket: str, *, delete: bool, app: Application
) -> tuple[list[str], list[str]]:
    handlers = s3.handlers()

    def context(operation: str) -> AwsRequestContext:
        return AwsRequestContext(
            service="s3",
            operation=operation,
            region=app.region,
            account_id=app.account_id,
            request_id=new_request_id(),
            access_key=None,
        )

    objects: dict[str, str] = {}
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Bucket": bucket}
        if token:
            params["ContinuationToken"] = token
        page = await handlers["ListObjectsV2"](context("ListObjectsV2"), params)
        objects.update({item["Key"]: item["ETag"] for item in page.get("Contents") or []})
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            break
    # Hashing and reading the files happen off the event loop: `lamina up --watch` keeps
    # serving while a large build folder is uploaded.
    files = await asyncio.to_thread(local_files, folder)
    uploads, removals = changes(files, objects, delete=delete)
    for key in uploads:
        file = files[key]
        body = await asyncio.to_thread(file.path.read_bytes)
        put: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body}
        if file.content_type:
            put["ContentType"] = file.content_type
        await handlers["PutObject"](context("PutObject"), put)
    for key in removals:
        await handlers["DeleteObject"](context("DeleteObject"), {"Bucket": bucket, "Key": key})
    return uploads, removals


# -- the command (through the S3 API of a running `lamina up`)


@click.command(name="sync-site")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("bucket")
@click.option("--delete", is_flag=True, help="Remove objects no file under FOLDER stands for.")
@click.option(
    "--endpoint-url",
    default=None,
    envvar="AWS_ENDPOINT_URL",
    help="Lamina's address (default: the `lamina up` serving ./.lamina, else "
    "http://127.0.0.1:3000).",
)
def sync_site(folder: Path, bucket: str, delete: bool, endpoint_url: str | None) -> None:
    """Upload a built front end (FOLDER) to BUCKET, as `aws s3 sync` would."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    if endpoint_url is None:
        serving = find_serving(Path(".lamina"))
        endpoint_url = serving.url if serving is not None else "http://127.0.0.1:3000"
    client = local_client("s3", endpoint_url)
    bucket = bucket.removeprefix("s3://").rstrip("/")
    try:
        objects: dict[str, str] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects.update({item["Key"]: item["ETag"] for item in page.get("Contents") or []})
        files = local_files(folder)
        uploads, removals = changes(files, objects, delete=delete)
        for key in uploads:
            file = files[key]
            extra = {"ContentType": file.content_type} if file.content_type else {}
            with file.path.open("rb") as body:
                client.put_object(Bucket=bucket, Key=key, Body=body, **extra)
            click.echo(f"upload: {file.path} to s3://{bucket}/{key}")
        for key in removals:
            client.delete_object(Bucket=bucket, Key=key)
            click.echo(f"delete: s3://{bucket}/{key}")
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(str(error)) from error


def site_lines(cloudfront: CloudFrontProvider, scheme: str, port: int) -> list[str]:
    """The banner's lines for the template's distributions, like its APIs'."""
    lines = []
    for distribution in cloudfront.distributions():
        stem = distribution.domain_name.partition(".")[0]
        name = distribution.logical_id or distribution.id
        lines.append(f"Distribution {name} ({distribution.id}, {distribution.domain_name}):")
        lines.append(f"  {scheme}://{stem}.cloudfront.localhost:{port}/")
        lines.extend(f"  {scheme}://{alias}:{port}/" for alias in distribution.aliases)
    return lines


class SiteWatcher:
    """`lamina up --watch`: an edit under a bucket's SiteContent folder is uploaded (and the
    edge forgets the changed objects) once the edits settle — two polls that agree — without
    a redeploy of the template (the template watcher ignores non-code files)."""

    def __init__(
        self,
        current: Callable[[], Application],
        s3: S3Provider,
        cloudfront: CloudFrontProvider | None,
        *,
        interval_s: float = 0.5,
        echo: Callable[[str], None] = click.echo,
    ) -> None:
        self._current = current
        self._s3 = s3
        self._cloudfront = cloudfront
        self._interval_s = interval_s
        self._echo = echo
        self._task: asyncio.Task[None] | None = None
        self._app: Application | None = None
        self._folders: list[Path] = []

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = await loop.run_in_executor(None, self._snapshot)
        pending: Snapshot | None = None
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                now = await loop.run_in_executor(None, self._snapshot)
                if now == last:
                    pending = None
                    continue
                if now != pending:  # still changing: wait for the next poll to agree
                    pending = now
                    continue
                last, pending = now, None
                for line in await upload_sites(self._current(), self._s3, self._cloudfront):
                    self._echo(line)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad folder or template: keep watching
                log.exception("site content upload failed")

    def _snapshot(self) -> Snapshot:
        app = self._current()
        if app is not self._app:
            self._app = app
            try:
                self._folders = [folder for _, folder, _ in declared_sites(app)]
            except ConfigError:
                self._folders = []
        return snapshot(folder for folder in self._folders if folder.is_dir())
