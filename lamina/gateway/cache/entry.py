"""A cached response as stored: msgpack of (status, headers, body), sealed with AES-GCM
when the method's settings ask for cache data encryption (cacheDataEncrypted).

The key is made once per process (`EntryCipher()`); nothing outside the process can read
an encrypted entry, and an entry another process encrypted (Redis shared by several
edges) does not open here: it is a miss, and the response stored after it replaces it.
"""

from __future__ import annotations

import os

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lamina.gateway.error import GatewayResponse

MAX_ENTRY_BYTES = 1_048_576
"""The largest response API Gateway caches (its body; larger ones are not cached).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html"""

_PLAIN = b"P"
_SEALED = b"E"
_NONCE_BYTES = 12


class _Stored(msgspec.Struct, array_like=True, frozen=True):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(_Stored)


class EntryCipher:
    """AES-256-GCM with a key that lives only in this process's memory."""

    def __init__(self, key: bytes | None = None) -> None:
        self._aead = AESGCM(key or AESGCM.generate_key(bit_length=256))

    def seal(self, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, None)

    def open(self, sealed: bytes) -> bytes | None:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], None)
        except InvalidTag:
            return None


def encode_entry(response: GatewayResponse, cipher: EntryCipher | None) -> bytes:
    data = _ENCODER.encode(_Stored(response.status, list(response.headers), response.body))
    return _PLAIN + data if cipher is None else _SEALED + cipher.seal(data)


def decode_entry(entry: bytes, cipher: EntryCipher) -> GatewayResponse | None:
    """The stored response (a fresh object the pipeline may add headers to), or None for
    an entry that does not open or decode."""
    kind, data = entry[:1], entry[1:]
    if kind == _SEALED:
        opened = cipher.open(data)
        if opened is None:
            return None
        data = opened
    elif kind != _PLAIN:
        return None
    try:
        stored = _DECODER.decode(data)
    except msgspec.DecodeError:
        return None
    return GatewayResponse(stored.status, list(stored.headers), stored.body)
