"""Files uploaded through fal's storage flow, the tokens that allow it, and injected faults.

The routes are in :mod:`fluxtui.sim.routes_storage`; this is the state they share with the
inputs (:mod:`fluxtui.sim.inputs` finds an uploaded file by its URL without a request).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Where uploads can fail by ``POST /_sim/faults``: the CDN token, the CDN upload, and the
#: older flow's initiate and PUT.
STAGES = ("token", "upload", "initiate", "put")
#: Seconds a CDN token is valid.
TOKEN_TTL_S = 3600.0


@dataclass(eq=False)
class Upload:
    """One uploaded (or, for the older flow, initiated) file."""

    id: str
    flow: str  # "cdn" (token + files/upload) or "initiate" (initiate + PUT)
    file_name: str
    content_type: str
    url: str  # where it is served: the answer's access_url / file_url
    data: bytes | None = None  # None until the older flow's PUT arrives
    created: float = field(default_factory=time.time)

    def listing(self) -> dict[str, Any]:
        data = self.data or b""
        return {
            "id": self.id,
            "flow": self.flow,
            "file_name": self.file_name,
            "content_type": self.content_type,
            "url": self.url,
            "complete": self.data is not None,
            "sha256": hashlib.sha256(data).hexdigest() if self.data is not None else None,
            "bytes": len(data),
        }


@dataclass
class Fault:
    status: int
    times: int | None  # None: every time
    hits: int = 0


class UploadStore:
    """Uploads, CDN tokens (token -> the fal key it was issued to) and upload faults."""

    def __init__(self) -> None:
        self.uploads: dict[str, Upload] = {}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.faults: dict[str, Fault] = {}
        self.requests: Counter[str] = Counter()  # per stage, for tests

    def new_token(self, key: str) -> tuple[str, float]:
        token = secrets.token_urlsafe(24)
        expires = time.time() + TOKEN_TTL_S
        self.tokens[token] = (key, expires)
        return token, expires

    def token_valid(self, token: str) -> bool:
        found = self.tokens.get(token)
        return found is not None and found[1] > time.time()

    def new_id(self) -> str:
        return secrets.token_hex(12)

    def add(self, upload: Upload) -> Upload:
        self.uploads[upload.id] = upload
        return upload

    def find(self, url: str) -> Upload | None:
        """The complete upload served at ``url`` (its query ignored), if any."""
        path = url.partition("?")[0]
        for upload in self.uploads.values():
            if upload.url == path and upload.data is not None:
                return upload
        return None

    def take_fault(self, stage: str) -> int | None:
        """Count a request at ``stage``; the status to answer if a fault applies."""
        self.requests[stage] += 1
        fault = self.faults.get(stage)
        if fault is None or (fault.times is not None and fault.hits >= fault.times):
            return None
        fault.hits += 1
        return fault.status

    def reset(self) -> None:
        self.uploads.clear()
        self.tokens.clear()
        self.faults.clear()
        self.requests.clear()

    def listing(self) -> list[dict[str, Any]]:
        return [upload.listing() for upload in self.uploads.values()]
