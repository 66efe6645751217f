"""botocore clients of a running Lamina, for commands that talk to it over HTTP
(`lamina sdk`, `lamina sync-site`).

AWS_REGION / AWS_DEFAULT_REGION choose the region (us-east-1 without them); the keys are
always `test`/`test`, the pair every Lamina knows (any other key, a real AWS one included,
is refused while IAM is enforced, as AWS refuses a key it does not know).
"""

from __future__ import annotations

import os
from typing import Any

from lamina.aws.credentials import TEST_CREDENTIALS


def local_client(service: str, endpoint_url: str) -> Any:
    import botocore.session  # type: ignore[import-untyped]  # only the commands need it

    key, secret = TEST_CREDENTIALS
    return botocore.session.get_session().create_client(
        service,
        endpoint_url=endpoint_url,
        region_name=os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1",
        # The local root credential, not the environment's: a user's real AWS keys in
        # AWS_ACCESS_KEY_ID are unknown to Lamina and refused while IAM is enforced.
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )
