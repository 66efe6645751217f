"""`lamina rotate-key POOL_ID`: a user pool of the running `lamina up` signs its tokens
with a new key from now on. The old key stays in the pool's JWKS, and its tokens stay
valid, until they expire; apps that pick the JWKS key by the token's `kid`, as AWS says
to, keep working. (Cognito rotates its keys itself; this lets an app be tested against a
rotation.)
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

import sys

import click
import httpx

from lamina.cli.operator import find_serving
from lamina.cli.params import state_folder


@click.command(name="rotate-key")
@click.argument("pool_id")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option(
    "--state-dir",
    default=None,
    envvar="LAMINA_STATE_DIR",
    type=click.Path(file_okay=False),
    help="The state folder of the `lamina up` to talk to (default: .lamina/ beside PATH).",
)
def rotate_key_command(pool_id: str, path: str, state_dir: str | None) -> None:
    """Rotate the token signing key of user pool POOL_ID, served from the template at PATH."""
    folder = state_folder(path, state_dir)
    serving = find_serving(folder)
    if serving is None:
        click.echo(f"error: no Lamina serves {folder}: start one with `lamina up`", err=True)
        sys.exit(2)
    try:
        answer = httpx.post(
            f"{serving.url}/_lamina/cognito/rotate-key",
            json={"UserPoolId": pool_id},
            headers={"authorization": f"Bearer {serving.token}"},
            timeout=30,
        )
    except httpx.HTTPError as error:
        click.echo(f"error: cannot reach the Lamina at {serving.url}: {error}", err=True)
        sys.exit(2)
    body = answer.json()
    if answer.status_code != 200:
        click.echo(f"error: {body.get('message', answer.text)}", err=True)
        sys.exit(2)
    click.echo(f"{pool_id}: signing with key {body['kid']} (retired {body['retired']})")
