"""Keeping secrets out of what fluxtui writes: files, exports, tables.

Requests never hold API keys, but a user may pass a secret of their own as a parameter
(`webhook_secret`, or anything named like a key or token through `--param`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
_SECRET_NAME = re.compile(r"secret|key|token|password|authorization", re.IGNORECASE)


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the value of every secret-sounding name replaced by "[redacted]"."""
    return {
        k: (REDACTED if _SECRET_NAME.search(k) and v is not None else v) for k, v in values.items()
    }
