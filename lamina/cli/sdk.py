"""`lamina sdk`: generate a client for a REST API served by a running Lamina.

Calls API Gateway's GetSdk on `lamina up` (the management API at --endpoint-url) and
unpacks the zip into --output. The client's default base URL is the stage's path-style
address on that Lamina (`/restapis/{id}/{stage}/_user_request_`), so it works as
generated; pass --base-url for another address.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import click

from lamina.cli.client import local_client

LANGUAGES = ("javascript", "python", "typescript")
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"


@click.command("sdk")
@click.option("--language", "-l", required=True, type=click.Choice(LANGUAGES))
@click.option("--rest-api-id", default=None, help="The REST API's id.")
@click.option(
    "--api", "logical_id", default=None, help="The REST API's logical id in the template."
)
@click.option("--stage", default=None, help="The stage (default: the API's only stage).")
@click.option(
    "--output",
    "-o",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder to write the client to (default: ./<api>-<language>-sdk).",
)
@click.option("--endpoint-url", default="http://127.0.0.1:3000", show_default=True)
@click.option("--base-url", default=None, help="The client's default base URL.")
def sdk(
    language: str,
    rest_api_id: str | None,
    logical_id: str | None,
    stage: str | None,
    output: str | None,
    endpoint_url: str,
    base_url: str | None,
) -> None:
    """Generate a LANGUAGE client for a REST API (GetSdk) and write it to a folder.

    Without --rest-api-id or --api, the one REST API Lamina serves.
    """
    from botocore.exceptions import (  # type: ignore[import-untyped]
        BotoCoreError,
        ClientError,
    )

    client = local_client("apigateway", endpoint_url)
    try:
        api = _pick_api(client, rest_api_id, logical_id)
        stage = stage or _only_stage(client, api["id"])
        base = base_url or f"{endpoint_url.rstrip('/')}/restapis/{api['id']}/{stage}/_user_request_"
        answer = client.get_sdk(
            restApiId=api["id"], stageName=stage, sdkType=language, parameters={"baseUrl": base}
        )
    except (ClientError, BotoCoreError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    target = Path(output or f"{api['name']}-{language}-sdk")
    count = unpack(answer["body"].read(), target)
    click.echo(f"{target}: {count} files, {language} client of {api['name']} ({api['id']}/{stage})")


def _pick_api(client: Any, rest_api_id: str | None, logical_id: str | None) -> dict[str, Any]:
    if rest_api_id:
        api: dict[str, Any] = client.get_rest_api(restApiId=rest_api_id)
        return api
    apis = [a for page in client.get_paginator("get_rest_apis").paginate() for a in page["items"]]
    if logical_id:
        apis = [a for a in apis if (a.get("tags") or {}).get(LOGICAL_ID_TAG) == logical_id]
    if len(apis) != 1:
        names = ", ".join(
            f"{a['id']} ({(a.get('tags') or {}).get(LOGICAL_ID_TAG) or a['name']})" for a in apis
        )
        wanted = f"with logical id {logical_id}" if logical_id else "to pick"
        raise click.UsageError(
            f"{len(apis)} REST APIs {wanted}: {names or 'none'}; pass --rest-api-id or --api"
        )
    chosen: dict[str, Any] = apis[0]
    return chosen


def _only_stage(client: Any, api_id: str) -> str:
    stages = [s["stageName"] for s in client.get_stages(restApiId=api_id)["item"]]
    if len(stages) != 1:
        raise click.UsageError(f"API {api_id} has stages {stages or 'none'}: pass --stage")
    name: str = stages[0]
    return name


def unpack(body: bytes, target: Path) -> int:
    """Write the zip's files into `target`, without the zip's one top folder."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        tops = {PurePosixPath(n).parts[0] for n in names}
        strip = 1 if len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in names) else 0
        root = target.resolve()
        for name in names:
            parts = PurePosixPath(name).parts[strip:]
            path = root.joinpath(*parts).resolve()
            if ".." in parts or not path.is_relative_to(root):
                raise click.ClickException(f"refusing to write {name} outside {target}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(name))
    return len(names)
