"""Reading what people type (flags, config values, form fields), and echoing it in messages.

Shared by the CLI's argparse types, the config loader and the app's form, so that a bad value
gets the same words everywhere: the value (shortened and inert) and the rule. The callers put the
field's name in front ("--width", "providers.comet.concurrency", "steps").
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from fluxtui.core.text import inert

#: the largest whole number a flag or field takes: what SQLite stores and providers' JSON reads
LARGEST_INT = 2**63 - 1
#: how many characters of a value a message echoes (the middle is cut)
SHOWN_CHARS = 60
#: the most words and characters a library search may hold (SQLite refuses a query of about
#: 1,000 words, and a word of about 50,000 bytes)
MAX_SEARCH_WORDS = 32
MAX_SEARCH_CHARS = 1000

_DIGITS = re.compile(r"[+-]?\d[\d_]*")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class BadValue(ValueError):
    """A typed value that breaks its rule; the message says the value and the rule."""


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as a message echoes it: text quoted (repr), at most `limit` characters, inert."""
    try:
        text = repr(value)
    except ValueError:  # an int too long for str() (over 4300 digits)
        return f"a {value.bit_length()}-bit number" if isinstance(value, int) else "a value"
    except RecursionError:
        return "a value nested too deeply to show"
    return clip(text, limit)


def clip(text: str, limit: int) -> str:
    """`text` inert, its middle cut to keep it within about `limit` characters."""
    if len(text) > limit:
        keep = max(limit // 2 - 1, 1)
        text = f"{text[:keep]}…{text[-keep:]} ({len(text):,} characters)"
    return inert(text)


def utf8(value: str) -> str:
    """`value` when it is Unicode that can be stored and sent; BadValue otherwise.

    Bytes on a command line that are not UTF-8 reach Python as lone surrogates ("\\udcff").
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadValue(
            f"{shown(value)} holds {shown(value[exc.start])}, which is not UTF-8 text"
        ) from None
    return value


def path(value: str) -> str:
    """`value` as a file or folder to write: UTF-8 text (it is printed) without a NUL."""
    if "\x00" in utf8(value):
        raise BadValue(f"{shown(value)} holds a NUL character, which no path can")
    if not value:
        raise BadValue("is empty: give a path")
    return value


def search(value: str) -> str:
    """`value` as a library search: Unicode of at most MAX_SEARCH_WORDS words and
    MAX_SEARCH_CHARS characters."""
    words = len(utf8(value).split())
    if words > MAX_SEARCH_WORDS:
        raise BadValue(f"has {words:,} words: a search takes at most {MAX_SEARCH_WORDS}")
    if len(value) > MAX_SEARCH_CHARS:
        raise BadValue(
            f"has {len(value):,} characters: a search takes at most {MAX_SEARCH_CHARS:,}"
        )
    return value


def whole(text: str, low: int = 0, high: int = LARGEST_INT) -> int:
    """`text` as a whole number from `low` to `high`; BadValue otherwise."""
    try:
        value = int(text)
    except ValueError:
        if _DIGITS.fullmatch(text.strip()):  # more digits than int() reads
            raise BadValue(f"{shown(text)} is out of range {low}–{high}") from None
        raise BadValue(f"{shown(text)} is not a whole number") from None
    if value < low:
        raise BadValue(f"{value} is below the minimum {low}")
    if value > high:
        raise BadValue(f"{shown(value)} is above the maximum {high}")
    return value


def number(text: str, *, low: float | None = None) -> float:
    """`text` as a finite number (at least `low`); BadValue otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"{shown(text)} is not a number") from None
    if not math.isfinite(value):
        raise BadValue(f"{shown(text)} is not a finite number")
    if low is not None and value < low:
        raise BadValue(f"{shown(text)} is below the minimum {low:g}")
    return value


def seconds(text: str) -> float:
    """`text` as a timeout: a positive, finite number of seconds; BadValue otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"must be a positive number of seconds, got {shown(text)}") from None
    problem = seconds_problem(value)
    if problem:
        raise BadValue(problem)
    return value


def seconds_problem(value: float) -> str | None:
    """Why `value` is no timeout ("must be a positive number of seconds, got nan"), or None."""
    if math.isfinite(value) and value > 0:
        return None
    return f"must be a positive number of seconds, got {shown(value)}"


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a provider's base URL (not http(s), no host, a space), or None."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError as exc:
        return f"is not a URL ({exc}): {shown(url)}"
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        return f"must start with http:// or https://, got {shown(url)}"
    if not parts.hostname or _SPACE_OR_CONTROL.search(url):
        return f"must be a URL with a host and no spaces, got {shown(url)}"
    return None


def base_url(text: str) -> str:
    """`text` as a provider's base URL; BadValue otherwise."""
    problem = base_url_problem(text)
    if problem:
        raise BadValue(problem)
    return text
