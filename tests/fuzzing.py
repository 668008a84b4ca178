"""Hypothesis settings and the odd inputs the `test_fuzz_*` tests feed to every validator.

Each fuzz test is decorated with `fuzz`: the profile named by `HYPOTHESIS_PROFILE` — `fuzz` (the
default, 200 examples a test), `ci` (30, to keep the suite fast) or `deep` (2,000, for a long
local hunt). No deadline: the machines are shared.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The autouse fixtures (isolated XDG dirs, no keys) are the same for every example, which is what
# these tests want; Hypothesis only warns that they are not reset between examples.
_COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", _COMMON, max_examples=200)
settings.register_profile("ci", _COMMON, max_examples=30)
settings.register_profile("deep", _COMMON, max_examples=2000)
fuzz = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz")))

#: characters that break naive parsers or terminals: controls, escapes, bidi overrides, lone
#: surrogates (what undecodable argv bytes become), separators the parsers split on
ODD_CHARS = "\x00\x1b\n\r\t\x7f\x9b\u202e\u2066\udcff\ud800=:xX×*[]{}\"'\\-.,_ 0123456789１٣"

odd_text = st.text(st.one_of(st.characters(), st.sampled_from(ODD_CHARS)), max_size=40)
huge_text = st.builds(lambda text, n: (text or "x") * n, odd_text, st.integers(1_000, 70_000))
any_text = st.one_of(odd_text, huge_text)

number_words = st.sampled_from(
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "-1e999",
        "-0",
        "0",
        "-1",
        "1",
        "0.5",
        "0x10",
        "1_000",
        " 5 ",
        "5.",
        ".5",
        "１２",
        "",
        " ",
        "99999999999999999999999",
        "9" * 5000,
        "-" + "9" * 5000,
        "1e-400",
        "1,5",
        "--1",
        "+3",
    ]
)
numbers_as_text = st.one_of(
    number_words,
    st.integers().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
    odd_text,
)

sizes = st.one_of(
    st.sampled_from(
        [
            "1024x",
            "x768",
            "0x0",
            "99999999999x1",
            "1024X768",
            "1024×768",
            "1024*768",
            "-1x5",
            "1x" + "9" * 5000,
            "16:9",
            "1024 x 768",
            "１０２４x７６８",
            "x",
        ]
    ),
    st.builds(
        lambda w, sep, h: f"{w}{sep}{h}", numbers_as_text, st.sampled_from("xX×*:"), numbers_as_text
    ),
    any_text,
)


def _nested(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opener * depth + closer * depth


def _json(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    ).map(lambda value: json.dumps(value, ensure_ascii=False))


def storable(text: str) -> bool:
    """Text a request can hold: not blank, and Unicode (no lone surrogates)."""
    return bool(text.strip()) and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


json_values = _json(st.none() | st.booleans() | st.integers() | st.floats() | odd_text, odd_text)
#: JSON that `--param` takes: finite numbers that fit in 64 bits, Unicode text
valid_json_values = _json(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | odd_text.filter(storable),
    odd_text.filter(storable),
)
deep_json = st.builds(_nested, st.integers(1, 40_000), st.sampled_from("[{"))
param_values = st.one_of(
    json_values,
    deep_json,
    number_words,
    any_text,
    st.sampled_from(["[" * 50, '"unterminated', '{"a": NaN}', "[Infinity]"]),
)
param_keys = st.one_of(
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
    odd_text,
    st.sampled_from(["", " ", "a b", "k" * 65, "seed", "image_size"]),
)
params = st.builds(lambda key, value: f"{key}={value}", param_keys, param_values) | odd_text
