"""A comparison as plain data: one prompt sent to several targets (provider + model) at once.

A sweep is a comparison with axes: one or two `Axis` (X: the columns, Y: the rows), and each entry
carries its cell, the index of its value on each axis (entries go row by row). A record without
axes is a plain comparison (records stored before sweeps existed load as such).

The store keeps a `Comparison` as one row; its jobs carry its id as their `group_id`. Logic (target
parsing, planning, running) lives in `compare.py` (sweeps: `sweep.py`); the table in
`compare_table.py`.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COMPARISON_PREFIX = "cmp-"


def split_target(text: str) -> tuple[str, str | None] | None:
    """ "comet:flux-pro-1.1" -> ("comet", "flux-pro-1.1"); "fal" -> ("fal", None); None if
    malformed.

    The model is everything after the first colon, so model ids may hold colons and slashes.
    """
    provider, sep, model = text.strip().partition(":")
    provider, model = provider.strip(), model.strip()
    if not provider or any(c.isspace() for c in provider) or (sep and not model):
        return None
    return provider, (model or None)


@dataclass(frozen=True, order=True)
class Target:
    """One provider and model of a comparison."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


@dataclass(frozen=True)
class Axis:
    """One varied field of a sweep and its values, in order: "guidance" (2, 3.5, 5), "seed",
    "model", "target" ("fal:fal-ai/flux/dev"), "size" ("1024x768"), or "params.NAME" (a provider
    field verbatim)."""

    name: str
    values: tuple[Any, ...]

    def label(self, index: int) -> str:
        """How value `index` reads on the sheet and the screen: "3.5", "true", "fal:…"."""
        value = self.values[index]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "values": list(self.values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Axis:
        return cls(str(data["name"]), tuple(data.get("values") or ()))


@dataclass(frozen=True)
class ComparisonEntry:
    """One target of a comparison: the job sent for it, or why none was sent."""

    target: Target
    job_id: str | None  # None: not sent (see `problems`)
    dropped: tuple[str, ...] = ()  # canonical params this target's model does not take
    problems: tuple[str, ...] = ()  # why it was not sent (validation)
    cell: tuple[int, ...] = ()  # a sweep's: the index of its value on each axis

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "provider": self.target.provider,
            "model": self.target.model,
            "job_id": self.job_id,
            "dropped": list(self.dropped),
            "problems": list(self.problems),
        }
        if self.cell:
            data["cell"] = list(self.cell)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComparisonEntry:
        return cls(
            target=Target(data["provider"], data["model"]),
            job_id=data.get("job_id"),
            dropped=tuple(data.get("dropped") or ()),
            problems=tuple(data.get("problems") or ()),
            cell=tuple(int(i) for i in data.get("cell") or ()),
        )


def new_comparison_id(now: float | None = None) -> str:
    """ "cmp-" + 11 hex digits of milliseconds + 6 random ones: sorts by creation time."""
    millis = int((time.time() if now is None else now) * 1000)
    return f"{COMPARISON_PREFIX}{millis:011x}{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Comparison:
    """The shared request (prompt, params, extra) and one entry per target, in the order given."""

    id: str
    created_at: float
    prompt: str
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    entries: tuple[ComparisonEntry, ...] = ()
    set_name: str | None = None  # the saved set it was made from, if any
    favourite: str | None = None  # the job id of the image the user keeps as the best
    axes: tuple[Axis, ...] = ()  # a sweep's (X, then Y); none for a plain comparison

    @property
    def is_sweep(self) -> bool:
        return bool(self.axes)

    def cell_text(self, entry: ComparisonEntry, separator: str = ", ") -> str:
        """A sweep entry's coordinates: "guidance 3.5, steps 20"."""
        return separator.join(
            f"{axis.name} {axis.label(i)}" for axis, i in zip(self.axes, entry.cell, strict=False)
        )

    @property
    def targets(self) -> list[Target]:
        return [entry.target for entry in self.entries]

    @property
    def job_ids(self) -> list[str]:
        return [entry.job_id for entry in self.entries if entry.job_id]

    def entry_for(self, job_id: str) -> ComparisonEntry | None:
        return next((e for e in self.entries if e.job_id == job_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "prompt": self.prompt,
            "params": dict(self.params),
            "extra": dict(self.extra),
            "targets": [entry.to_dict() for entry in self.entries],
            "set_name": self.set_name,
            "favourite": self.favourite,
            **({"axes": [axis.to_dict() for axis in self.axes]} if self.axes else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            id=data["id"],
            created_at=data["created_at"],
            prompt=data["prompt"],
            params=dict(data.get("params") or {}),
            extra=dict(data.get("extra") or {}),
            entries=tuple(ComparisonEntry.from_dict(e) for e in data.get("targets") or ()),
            set_name=data.get("set_name"),
            favourite=data.get("favourite"),
            axes=tuple(Axis.from_dict(a) for a in data.get("axes") or ()),
        )
