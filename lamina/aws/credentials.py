"""Access keys Lamina knows, and whether it accepts keys it does not know.

Known keys have their signatures verified. Unknown keys are accepted (the signature cannot
be checked without the secret) unless the store is strict, in which case they are refused
as AWS refuses them (`UnrecognizedClientException`).
"""

from __future__ import annotations

from collections.abc import Iterable

TEST_CREDENTIALS = ("test", "test")
"""The pair LocalStack users configure; Lamina knows it so their clients work unchanged."""


class CredentialStore:
    def __init__(self, pairs: Iterable[tuple[str, str]] = (), *, strict: bool = False) -> None:
        """`pairs`: (access key id, secret access key)."""
        self._secrets = dict(pairs)
        self.strict = strict

    @classmethod
    def local(
        cls, function_pairs: Iterable[tuple[str, str]] = (), *, strict: bool = False
    ) -> CredentialStore:
        """The keys Lamina hands its functions, plus `test`/`test`."""
        return cls([TEST_CREDENTIALS, *function_pairs], strict=strict)

    def add(self, access_key: str, secret: str) -> None:
        self._secrets[access_key] = secret

    def secret(self, access_key: str) -> str | None:
        return self._secrets.get(access_key)
