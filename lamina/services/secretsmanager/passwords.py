"""GetRandomPassword's passwords (also GenerateSecretString's in templates).

https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
"""

from __future__ import annotations

import secrets as random
import string
from collections.abc import Mapping
from typing import Any

from lamina.aws.service import OperationInput, OperationOutput, ServiceError
from lamina.services.secretsmanager.service import (
    DEFAULT_PASSWORD_LENGTH,
    MAX_PASSWORD_LENGTH,
    PUNCTUATION,
    SecretService,
)


def get_random_password(sm: SecretService, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
    length = int(params.get("PasswordLength", DEFAULT_PASSWORD_LENGTH))
    if not 1 <= length <= MAX_PASSWORD_LENGTH:
        raise ServiceError(
            "InvalidParameterException",
            f"PasswordLength must be between 1 and {MAX_PASSWORD_LENGTH}.",
        )
    return {"RandomPassword": random_password(length, params)}


def random_password(length: int, options: Mapping[str, Any]) -> str:
    """GetRandomPassword's rules (also used by GenerateSecretString in templates)."""
    excluded = set(str(options.get("ExcludeCharacters", "")))
    groups = []
    for flag, alphabet in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", PUNCTUATION),
    ):
        if not options.get(flag):
            allowed = "".join(char for char in alphabet if char not in excluded)
            if allowed:
                groups.append(allowed)
    if options.get("IncludeSpace") and " " not in excluded:
        groups.append(" ")
    if not groups:
        raise ServiceError(
            "InvalidParameterException", "The password can't be built: every character is excluded."
        )
    require_each = options.get("RequireEachIncludedType", True)
    if require_each and length < len(groups):
        raise ServiceError(
            "InvalidParameterException",
            "The password length is too short to include every required character type.",
        )
    everything = "".join(groups)
    while True:
        password = "".join(random.choice(everything) for _ in range(length))
        if not require_each or all(any(char in group for char in password) for group in groups):
            return password
