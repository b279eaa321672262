"""A filing's stored answer, sealed with the client's own secret: its Idempotency-Key.

A retried filing gets the citizen's token back only from a caller that proves it holds the
secret that only the original client had. A complaint id or a body is no proof: officers read
both, and the public reads a listed complaint's. So:

- the stored row is found by a **lookup** hashed from the key, never the key itself (the key is
  shown nowhere, stored nowhere);
- the token in the stored answer is encrypted (AES-256-GCM) with a key **derived from the
  Idempotency-Key** (HKDF-SHA256), so the database alone does not reveal it; the lookup is the
  associated data, so a sealed token cannot be moved to another row;
- keys of different clients never meet: an officer's key is scoped to the officer (their
  token's subject); an unauthenticated client has nothing to be scoped to, so its key is
  scoped to the body it sent: two citizens whose apps chose the same key file two complaints
  (a client that changes its body under the same key files again as well: the service cannot
  tell it from another client).

A filing retried by its client-generated ``id`` alone (no key) replays the answer without the
token: the id is visible to officers.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: The shortest Idempotency-Key accepted: the key is the secret a replayed token is released
#: to, so it must not be guessable (a UUID is 36 characters).
MIN_KEY_LENGTH = 16
_LOOKUP = b"suara/complaints/idempotency-lookup/v1"
_SEAL = b"suara/complaints/idempotency-seal/v1"


def lookup(*, scope: str, key: str) -> str:
    """The stored row's key: a hash of the scope and the client's secret (hex, 64 chars)."""
    digest = hashlib.sha256(_LOOKUP)
    for part in (scope, key):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(4, "big") + encoded)
    return digest.hexdigest()


def _cipher(key: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=_SEAL).derive(key.encode("utf-8", "surrogatepass"))
    return AESGCM(derived)


def seal(token: str, *, key: str, row: str) -> str:
    """``token`` encrypted for whoever holds ``key``, bound to the stored ``row``."""
    nonce = os.urandom(12)
    sealed = _cipher(key).encrypt(nonce, token.encode(), row.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str, *, key: str, row: str) -> str | None:
    """The token, or None when ``key`` is not the one it was sealed with."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return _cipher(key).decrypt(raw[:12], raw[12:], row.encode()).decode()
    except (InvalidTag, ValueError):
        return None
