"""Hypothesis-made batch lines (JSONL objects and CSV rows of any field and value): each one
becomes a request or a problem naming its field; none raises."""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from fluxtui.cli import build_parser
from fluxtui.commands.batch_fields import request_of
from fluxtui.commands.requests import BadFlags
from fluxtui.core import config as config_module
from fluxtui.core.batch_source import FIELDS, BadLine, SourceLine, read
from tests.fuzzing import any_text, fuzz, numbers_as_text, odd_text

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    numbers_as_text,
    any_text,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)
    ),
    max_leaves=6,
)
lines = st.dictionaries(st.one_of(st.sampled_from(FIELDS), odd_text), values, max_size=6)


@functools.cache
def defaults() -> argparse.Namespace:
    return build_parser().parse_args(["batch", "x.jsonl"])


def outcome(fields: dict[str, Any], tmp_path: Path) -> str:
    """What a line with `fields` becomes: "request", or its problem's text."""
    try:
        request_of(SourceLine(3, fields), defaults(), config_module.load(), tmp_path)
    except BadFlags as exc:
        return str(exc)
    return "request"


@fuzz
@given(lines)
@example({"prompt": "a mug", "params": {"x": float("nan")}})
@example({"prompt": "a mug", "seed": "9" * 5000})
@example({"prompt": "a mug", "images": "[" * 40_000})
@example({"prompt": "a mug", "size": "1024x768", "aspect": "16:9"})
def test_any_line_becomes_a_request_or_a_problem(tmp_path: Path, fields: dict[str, Any]) -> None:
    text = json.dumps(fields)
    [line] = read(text, "jsonl")
    if isinstance(line, BadLine):
        assert line.number == 1 and line.problem
        return
    said = outcome(line.fields, tmp_path)
    assert said == "request" or said.strip()


@fuzz
@given(st.lists(st.lists(any_text, min_size=1, max_size=4), min_size=1, max_size=4))
def test_any_csv_reads_to_lines_or_bad_lines(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["prompt", "seed", "params", "images"])
    writer.writerows(rows)
    for line in read(table.getvalue(), "csv"):
        if isinstance(line, SourceLine):
            said = outcome(line.fields, tmp_path)
            assert said == "request" or said.strip()
        else:
            assert line.problem
