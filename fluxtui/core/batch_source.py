"""Reading a batch file: a prompt a line (`.txt`), an object a line (`.jsonl`), or a table with
a `prompt` column (`.csv`), into numbered lines of raw fields.

This only reads: each line's fields are checked and turned into a request elsewhere (as
`generate`'s flags are). A line that cannot be read at all (not JSON, not an object, a field that
is not one of `FIELDS`) becomes a `BadLine` naming its number and what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["txt", "jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("txt", "jsonl", "csv")
SUFFIXES: dict[str, Format] = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

#: the fields a line may set: named as `generate --json` and its flags name them
FIELDS = (
    "prompt",
    "provider",
    "model",
    "width",
    "height",
    "size",
    "aspect",
    "seed",
    "steps",
    "guidance",
    "safety",
    "format",
    "num_images",
    "image_strength",
    "params",
    "images",
    "mask",
    "name",
)


@dataclass(frozen=True)
class SourceLine:
    """One line of a batch file: its number in the file (1 is the first) and its fields."""

    number: int
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read; `problem` names the field when one is to blame."""

    number: int
    problem: str
    prompt: str = ""  # when one could be read


def format_of(name: str, text: str, given: Format | None = None) -> Format:
    """The format of a batch: `given`, else the file name's suffix, else sniffed from `text`
    (an object on the first line: JSONL; a header with a `prompt` column: CSV; else text)."""
    if given is not None:
        return given
    for suffix, fmt in SUFFIXES.items():
        if name.lower().endswith(suffix):
            return fmt
    first = next((line.strip() for line in text.splitlines() if _counts(line)), "")
    if first.startswith("{"):
        return "jsonl"
    header = next(csv.reader([first]), [])
    return "csv" if "prompt" in (cell.strip().lower() for cell in header) else "txt"


def read(text: str, fmt: Format) -> list[SourceLine | BadLine]:
    """Every line of `text` that holds a job, in order; blank lines and `#` comments skipped."""
    if fmt == "txt":
        return [
            SourceLine(n, {"prompt": line.strip()})
            for n, line in enumerate(text.splitlines(), 1)
            if _counts(line)
        ]
    if fmt == "jsonl":
        return [_json_line(n, line) for n, line in enumerate(text.splitlines(), 1) if _counts(line)]
    return list(_csv_lines(text))


def _counts(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _json_line(number: int, line: str) -> SourceLine | BadLine:
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else "it nests too deep"
        return BadLine(number, f"not a JSON object ({message})")
    if not isinstance(data, dict):
        return BadLine(number, "not a JSON object (one object a line)")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        prompt = data.get("prompt")
        return BadLine(number, _unknown(unknown[0]), prompt if isinstance(prompt, str) else "")
    return SourceLine(number, {k: v for k, v in data.items() if v is not None})


def _unknown(name: str) -> str:
    shown = name if len(name) <= 40 else name[:40] + "…"
    return f"{shown!r} is not a field: one of {', '.join(FIELDS)}"


def _csv_lines(text: str) -> Iterator[SourceLine | BadLine]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                unknown = [name for name in header if name not in FIELDS]
                if unknown or "prompt" not in header:
                    problem = _unknown(unknown[0]) if unknown else "the header has no prompt column"
                    yield BadLine(number, f"header: {problem}")
                    return
                continue
            if len(row) > len(header):
                yield BadLine(number, f"{len(row)} cells, the header names {len(header)}")
                continue
            cells = {name: cell for name, cell in zip(header, row, strict=False) if cell.strip()}
            yield SourceLine(number, _csv_fields(cells))
    except csv.Error as exc:
        yield BadLine(start, f"not CSV ({exc})")


def _csv_fields(cells: dict[str, str]) -> dict[str, Any]:
    """A CSV row's cells as fields: `params` stays JSON text (read where fields are checked),
    `images` is a JSON list or one reference."""
    fields: dict[str, Any] = dict(cells)
    images = cells.get("images", "").strip()
    if images and not images.startswith("["):
        fields["images"] = [images]
    return fields
