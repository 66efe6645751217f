"""Identifiers shaped like API Gateway's: lowercase letters and digits, 10 characters for a
REST API (`a1b2c3d4e5`, the first label of `{id}.execute-api.{region}.amazonaws.com`) and
its root resource, 6 for resources, models, validators and authorizers."""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_lowercase + string.digits
API_ID_LENGTH = 10
CHILD_ID_LENGTH = 6


def new_id(length: int = CHILD_ID_LENGTH) -> str:
    return "".join(random.choices(_ALPHABET, k=length))
