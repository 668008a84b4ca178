"""API keys as each service expects them; each route module words the refusal its own way.

- Comet, APIYI, OpenAI-compatible: ``Authorization: Bearer <key>``
- BFL: ``x-key: <key>``
- fal: ``Authorization: Key <key>``

Any non-empty key is accepted unless ``SimConfig.required_keys`` names the one key of a service.
Two magic keys: ``sim-invalid-key`` is rejected (401), ``sim-no-credits`` is out of credits (402).
"""

from __future__ import annotations

from enum import Enum

from starlette.datastructures import Headers

INVALID_KEY = "sim-invalid-key"
NO_CREDITS_KEY = "sim-no-credits"

_SCHEME = {"comet": "bearer", "apiyi": "bearer", "openai": "bearer", "fal": "key", "bfl": None}


class Refusal(Enum):
    """Why a request's credentials are refused."""

    MISSING = "missing"
    WRONG_SCHEME = "wrong_scheme"
    INVALID = "invalid"
    NO_CREDITS = "no_credits"

    @property
    def status(self) -> int:
        """The HTTP status to answer: 402 when out of credits, else 401."""
        return 402 if self is Refusal.NO_CREDITS else 401


def received_key(service: str, headers: Headers) -> str:
    """The key a request carries for ``service`` ("" when none)."""
    if _SCHEME[service] is None:
        return headers.get("x-key", "").strip()
    return headers.get("authorization", "").strip().partition(" ")[2].strip()


def echo(key: str, wanted: bool) -> str:
    """What an ``echo_key=1`` directive adds to a failure's text."""
    return f" (request credentials: {key})" if wanted else ""


def check(service: str, headers: Headers, required_keys: dict[str, str]) -> Refusal | None:
    """None when the request carries an acceptable key for ``service``."""
    scheme = _SCHEME[service]
    authorization = headers.get("authorization")
    if scheme is None:  # BFL: x-key header
        key = headers.get("x-key", "").strip()
        if not key:
            return Refusal.WRONG_SCHEME if authorization else Refusal.MISSING
    else:
        if authorization is None:
            return Refusal.WRONG_SCHEME if "x-key" in headers else Refusal.MISSING
        sent_scheme, _, key = authorization.strip().partition(" ")
        key = key.strip()
        if sent_scheme.lower() != scheme:
            return Refusal.WRONG_SCHEME
        if not key:
            return Refusal.MISSING
    if key == INVALID_KEY:
        return Refusal.INVALID
    if key == NO_CREDITS_KEY:
        return Refusal.NO_CREDITS
    required = required_keys.get(service)
    if required is not None and key != required:
        return Refusal.INVALID
    return None
