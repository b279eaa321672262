"""What the service key (``SUARA_NOTIFICATIONS_SECRET_KEY``) derives: recipients' pseudonyms,
signed unsubscribe links, and the encryption of webhook signing secrets at rest (AES-GCM)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.auth import secrets_equal


class Keys:
    def __init__(self, secret: str) -> None:
        root = secret.encode()
        self._pseudonym = hmac.new(root, b"recipient-pseudonym", hashlib.sha256).digest()
        self._unsubscribe = hmac.new(root, b"unsubscribe-link", hashlib.sha256).digest()
        self._aead = AESGCM(hmac.new(root, b"webhook-secrets", hashlib.sha256).digest())

    def recipient_key(self, recipient: str) -> str:
        """A keyed hash of the address: the same recipient gives the same key, the key gives
        nobody's address back (it stays after the address is erased)."""
        normal = recipient.strip().lower()
        return hmac.new(self._pseudonym, normal.encode(), hashlib.sha256).hexdigest()

    def unsubscribe_signature(self, recipient_key: str, kind: str) -> str:
        mac = hmac.new(self._unsubscribe, f"{recipient_key}|{kind}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def unsubscribe_url(self, base: str, recipient_key: str, kind: str) -> str:
        query = urlencode({"r": recipient_key, "k": kind,
                           "s": self.unsubscribe_signature(recipient_key, kind)})
        return f"{base.rstrip('/')}/v1/unsubscribe?{query}"

    def unsubscribe_valid(self, recipient_key: str, kind: str, signature: str) -> bool:
        return secrets_equal(signature, self.unsubscribe_signature(recipient_key, kind))

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), b"whsec")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"whsec").decode()
