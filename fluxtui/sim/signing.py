"""The secret that signs the simulator's image URLs (see `delivery`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


class UrlSigner:
    """Signs delivery paths with a secret that lives as long as the simulator."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def signature(self, path: str, exp: int) -> str:
        return hmac.new(self._secret, f"{path}?exp={exp}".encode(), hashlib.sha256).hexdigest()

    def verify(self, path: str, exp: str, sig: str) -> bool:
        return exp.isdigit() and hmac.compare_digest(self.signature(path, int(exp)), sig)
