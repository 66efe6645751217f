"""The server side of Cognito's Secure Remote Password flow (SRP-6a, USER_SRP_AUTH), so
that Amplify, amazon-cognito-identity-js and pycognito sign in unchanged.

Group and hashing as Cognito's clients implement them: the 3072-bit group of RFC 5054
(generator 2), SHA-256 over hex strings padded to whole, non-negative bytes, k = H(N, g),
u = H(A, B), x = H(salt, H(poolName + userIdForSrp + ":" + password)), and the session key
K = HKDF-SHA256(ikm = S, salt = u, info = "Caldera Derived Key")[:16]. The client proves
it knows K by an HMAC over pool name, user id, the server's secret block and a timestamp.
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
https://www.rfc-editor.org/rfc/rfc5054
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
_INFO = b"Caldera Derived Key\x01"


def padded_hex(value: int | str) -> str:
    """Hex of a non-negative number as whole bytes, with a leading 00 byte when the top bit
    is set (so it does not read as negative) — how Cognito's clients hash numbers."""
    text = value if isinstance(value, str) else format(value, "x")
    if len(text) % 2:
        return "0" + text
    if text[0] in "89abcdefABCDEF":
        return "00" + text
    return text


def _hash_hex(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K_MULTIPLIER = _hash_hex(padded_hex(N) + padded_hex(G))


def verifier(pool_name: str, user_id: str, password: str) -> tuple[str, str]:
    """(salt hex, verifier hex) to store when a password is set."""
    salt = padded_hex(secrets.randbits(128) | 1 << 127)
    return salt, format(pow(G, _x(pool_name, user_id, password, salt), N), "x")


def _x(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return _hash_hex(padded_hex(salt_hex) + inner)


class ServerSession:
    """One sign-in: the server's ephemeral secret b and public B for the client's A."""

    def __init__(self, a_hex: str, verifier_hex: str) -> None:
        self.a = int(a_hex, 16)
        if self.a % N == 0:
            raise ValueError("SRP_A is zero modulo N")
        self._v = int(verifier_hex, 16)
        self._b = secrets.randbits(1024) % N
        self.b_public = (K_MULTIPLIER * self._v + pow(G, self._b, N)) % N

    def key(self) -> bytes:
        u = _hash_hex(padded_hex(self.a) + padded_hex(self.b_public))
        if u == 0:
            raise ValueError("u is zero")
        shared = pow(self.a * pow(self._v, u, N), self._b, N)
        pseudo = hmac.new(bytes.fromhex(padded_hex(u)), bytes.fromhex(padded_hex(shared)), "sha256")
        return hmac.new(pseudo.digest(), _INFO, "sha256").digest()[:16]

    def signature_matches(
        self, pool_name: str, user_id: str, secret_block: bytes, timestamp: str, claimed: str
    ) -> bool:
        message = pool_name.encode() + user_id.encode() + secret_block + timestamp.encode()
        expected = base64.b64encode(hmac.new(self.key(), message, "sha256").digest()).decode()
        return hmac.compare_digest(expected.encode(), claimed.encode())  # str: ASCII only
