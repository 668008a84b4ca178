"""Keeping secrets out of what fluxtui writes and shows: files, exports, tables, messages.

Two tools:
- `redact(values)`: the value of every secret-sounding name ("webhook_secret", "api_key", a
  `--param meta='{"token": ...}'`) replaced by "[redacted]", in nested objects and lists too.
  Requests never hold API keys, but a user may pass a secret of their own as a parameter.
- `scrub(value, keys)`: whatever a provider sent back, with every configured API key and every
  obvious credential (`Bearer …`, `Key …`, `x-key: …`, `sk-…`) masked, and `redact` applied to
  its objects. The adapters apply it where their answers leave them (`providers/base.py`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

REDACTED = "[redacted]"
MASK = "****"
#: nesting deeper than this is not walked: it is replaced by "[redacted]" (never a RecursionError)
MAX_DEPTH = 32
#: keys shorter than this are not searched for in text: they would match ordinary words
MIN_KEY_LENGTH = 6

_SECRET_NAME = re.compile(r"secret|key|token|password|authorization|credential", re.IGNORECASE)
#: a credential-looking token: 8+ characters, at least one a digit (so "Key rejected" is not one)
_TOKEN = r"(?=[A-Za-z0-9._~+/=:-]*\d)[A-Za-z0-9._~+/=:-]{8,}"
_CREDENTIALS = (
    # a header or field naming a key, then its value: x-key: …, "api_key": "…", authorization=…
    re.compile(
        r"""(?P<lead>\b(?:x-key|api[_-]?key|authorization|access[_-]?token)["']?\s*[:=]\s*["']?"""
        r"""(?:(?:bearer|key|basic)\s+)?)(?P<secret>[^\s"',;&}\]]+)""",
        re.IGNORECASE,
    ),
    # an auth scheme and its credential: Bearer …, Key … (fal), Basic …
    re.compile(rf"(?P<lead>\b(?:[Bb]earer|BEARER|Key|KEY|[Bb]asic)\s+)(?P<secret>{_TOKEN})"),
    # OpenAI-style keys
    re.compile(r"(?P<lead>)(?P<secret>\bsk-[A-Za-z0-9_-]{12,})"),
)


_URL = re.compile(r"https?://\S*\Z", re.IGNORECASE)


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the value of every secret-sounding name replaced by "[redacted]", in nested
    objects and lists as well; nesting deeper than MAX_DEPTH is replaced as a whole."""
    return {k: _redact_item(k, v, 1, _keep) for k, v in values.items()}


def scrub_text(text: str, keys: Iterable[str] = ()) -> str:
    """`text` with each of `keys` and every obvious credential masked.

    A URL on its own (a polling URL, an image's signed URL) loses only the keys: the tokens a
    signed URL carries are the provider's, meant for us, and masking them would break it."""
    if text.startswith("data:"):  # an image's bytes inline: no words, and possibly megabytes
        return text
    for key in sorted({k for k in keys if len(k) >= MIN_KEY_LENGTH}, key=len, reverse=True):
        text = text.replace(key, MASK)
    if _URL.match(text):
        return text
    for pattern in _CREDENTIALS:
        text = pattern.sub(lambda m: m["lead"] + MASK, text)
    return text


def scrub(value: T, keys: Iterable[str] = ()) -> T:
    """`value` (text, JSON-like data, or a dataclass of them: a StatusUpdate, a ProviderResult)
    with every string passed through `scrub_text` and every secret-sounding field `redact`ed.

    Enums, numbers and other objects come back as they are."""
    known = tuple(keys)
    result: T = _walk(value, 0, lambda text: scrub_text(text, known))
    return result


def _keep(text: str) -> str:
    return text


def _walk(value: Any, depth: int, text: Callable[[str], str]) -> Any:
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, Enum) or value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Mapping):
        return {k: _redact_item(k, v, depth + 1, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(item, depth + 1, text) for item in value]
    if isinstance(value, tuple):
        return tuple(_walk(item, depth + 1, text) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), depth + 1, text)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def _redact_item(name: Any, value: Any, depth: int, text: Callable[[str], str]) -> Any:
    if isinstance(name, str) and _SECRET_NAME.search(name) and value is not None:
        return REDACTED
    return _walk(value, depth, text)
