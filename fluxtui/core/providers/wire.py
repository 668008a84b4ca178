"""Checking the verbatim wire fields of a request (`GenerationRequest.extra`): helpers the adapters
share. A field that names a canonical param, directly or under the protocol's own name for it, is
checked against the model's rule for that param; any other field passes unchecked."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from fluxtui.core import catalog
from fluxtui.core.model_spec import SIZE_PARAMS, ModelSpec

#: the canonical params that say how big the image is
SIZE_FIELDS = (*SIZE_PARAMS, "aspect_ratio")


def renamed_field_problems(
    spec: ModelSpec,
    extra: Mapping[str, Any],
    renames: Mapping[str, str],
    unchecked: Set[str] = frozenset(),
) -> list[str]:
    """Problems of the fields that name a canonical param with a rule; `renames` maps canonical
    names to this protocol's wire names, `unchecked` fields have another form on this wire."""
    canonical_of = {wire: name for name, wire in renames.items()}
    problems: list[str] = []
    for field, value in extra.items():
        if field in renames or field in SIZE_PARAMS or field in unchecked:
            continue  # a canonical name this protocol does not send; sizes are checked in pairs
        name = canonical_of.get(field, field)
        if name in ("num_images", "aspect_ratio") or name in spec.params:
            problems.extend(catalog.check_param(spec, field, name, value))
    return problems


def side_problems(spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
    """Problems of verbatim `width`/`height` fields, checked as a pair."""
    width, height = extra.get("width"), extra.get("height")
    if width is None and height is None:
        return []
    return catalog.pair_problems(spec, width, height)
