"""The comparison table as words: per-target cells, and the whole as text, Markdown, CSV and
JSON. Shared by the exports, the CLI and the app's comparison screen."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fluxtui.core.compare_table import CompareRow
from fluxtui.core.comparison import Comparison
from fluxtui.core.pricing import usd
from fluxtui.core.redaction import redact
from fluxtui.core.text import cut

COLUMNS = (
    "target",
    "state",
    "queued",
    "running",
    "download",
    "total",
    "image",
    "file",
    "price/image",
    "marks",
    "dropped",
)


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def file_size(n: int | None) -> str:
    if n is None:
        return "–"
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def image_size(width: int | None, height: int | None, times: str = "×") -> str:
    return f"{width}{times}{height}" if width and height else "–"


def state_text(row: CompareRow) -> str:
    return f"{row.state}: {row.reason}" if row.reason and not row.done else row.state


def cells(row: CompareRow) -> dict[str, str]:
    """The row as display strings, by COLUMNS."""
    return {
        "target": f"{row.cell} · {row.target}" if row.cell else str(row.target),
        "state": state_text(row),
        "queued": seconds(row.queued_s),
        "running": seconds(row.running_s),
        "download": seconds(row.download_s),
        "total": seconds(row.total_s),
        "image": image_size(row.width, row.height),
        "file": file_size(row.file_bytes),
        "price/image": usd(row.price_usd),
        "marks": ", ".join(row.marks),
        "dropped": ", ".join(row.dropped),
    }


def table_text(rows: Sequence[CompareRow], *, state_width: int | None = None) -> str:
    """An aligned plain-text table (for a terminal); `state_width` cuts longer states (a long
    reason) at a word so that the table keeps its width."""
    data = [cells(r) for r in rows]
    if state_width is not None:
        for cell in data:
            cell["state"] = cut(cell["state"], state_width)
    widths = {c: max([len(c)] + [len(d[c]) for d in data]) for c in COLUMNS}
    right = {"queued", "running", "download", "total", "file", "price/image"}

    def line(values: Mapping[str, str]) -> str:
        parts = [
            values[c].rjust(widths[c]) if c in right else values[c].ljust(widths[c])
            for c in COLUMNS
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line({c: c for c in COLUMNS}), *(line(d) for d in data)])


def table_markdown(rows: Sequence[CompareRow], comparison: Comparison | None = None) -> str:
    """A Markdown table, under a heading naming the prompt when `comparison` is given."""
    out = []
    if comparison is not None:
        out += [f"# Comparison {comparison.id}", "", f"Prompt: {_md(comparison.prompt)}", ""]
        shared = shared_text(comparison.params)
        if shared:
            out += [shared, ""]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append(
        "|"
        + "|".join(
            "---:"
            if c in ("queued", "running", "download", "total", "file", "price/image")
            else "---"
            for c in COLUMNS
        )
        + "|"
    )
    for row in rows:
        data = cells(row)
        if row.marks:
            data["marks"] = ", ".join(f"**{m}**" for m in row.marks)
        out.append("| " + " | ".join(_md(data[c]) for c in COLUMNS) + " |")
    return "\n".join(out) + "\n"


def table_csv(rows: Sequence[CompareRow]) -> str:
    """CSV with raw numbers (seconds, bytes, USD); an unknown value is an empty cell."""
    buffer = io.StringIO()
    names = [
        "target",
        "provider",
        "model",
        "job_id",
        "state",
        "reason",
        "queued_s",
        "running_s",
        "download_s",
        "total_s",
        "width",
        "height",
        "file_bytes",
        "price_usd",
        "fastest",
        "cheapest",
        "favourite",
        "dropped",
        "seed",
        "cell",
    ]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.to_dict()
        data["dropped"] = " ".join(row.dropped)
        writer.writerow({k: ("" if data[k] is None else data[k]) for k in names})
    return buffer.getvalue()


def table_json(rows: Sequence[CompareRow], comparison: Comparison | None = None) -> str:
    payload: dict[str, Any] = {"rows": [r.to_dict() for r in rows]}
    if comparison is not None:
        payload = {"comparison": comparison_dict(comparison), **payload}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison record as JSON-ready data, secrets redacted."""
    data = comparison.to_dict()
    data["params"] = redact(data["params"])
    data["extra"] = redact(data["extra"])
    data["created"] = _iso(comparison.created_at)
    return data


def shared_text(params: Mapping[str, Any], separator: str = ", ") -> str:
    """What every target of a comparison shared: "size 1024×768, seed 42" (or "aspect 16:9, …")."""
    parts = []
    if params.get("width") and params.get("height"):
        parts.append(f"size {params['width']}×{params['height']}")
    if params.get("aspect_ratio"):
        parts.append(f"aspect {params['aspect_ratio']}")
    if params.get("seed") is not None:
        parts.append(f"seed {params['seed']}")
    return separator.join(parts)


#: how the caption names the params it lists by name (the rest: "name value")
_PARAM_WORDS = {"safety_tolerance": "safety", "output_format": "format", "aspect_ratio": "aspect"}


def fixed_text(comparison: Comparison, separator: str = " · ") -> str:
    """What every cell of a sweep shares: "fixed: bfl:flux-dev · size 1024×768 · seed 42 ·
    steps 28 · params.acceleration high" (secrets redacted)."""
    parts = []
    targets = {entry.target for entry in comparison.entries}
    if len(targets) == 1:
        parts.append(str(next(iter(targets))))
    if comparison.params.get("width") and comparison.params.get("height"):
        parts.append(f"size {comparison.params['width']}×{comparison.params['height']}")
    params = redact({k: v for k, v in comparison.params.items() if k not in ("width", "height")})
    parts += [f"{_PARAM_WORDS.get(k, k)} {_value(v)}" for k, v in params.items()]
    parts += [f"params.{k} {_value(v)}" for k, v in redact(comparison.extra).items()]
    return "fixed: " + separator.join(parts) if parts else ""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(at))
