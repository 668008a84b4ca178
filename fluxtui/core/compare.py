"""Comparing targets: the same prompt, size and seed sent to several providers and models at once.

The steps, each usable on its own (the CLI runs them in one go, the TUI one at a time):

1. `resolve_targets(config, ["comet:flux-pro-1.1", "fal"], sets=["flux-pro-1.1"])` -> targets;
   `saved_sets(config)` lists the sets (built-in ones, then `[sets]` from the config).
2. `plan(config, prompt, params, targets)` -> one `TargetPlan` per target: its request without the
   params its model does not take (`dropped`, reported, never silent) and any validation problems.
3. `start(engine, prompt, params, plans)` -> the stored `Comparison` and its pending jobs, all with
   the comparison's id as `group_id`; nothing is sent yet (the TUI runs each job in its worker).
4. `run(engine, jobs)` runs them concurrently; `load(store, id)` reopens a stored comparison.
5. `rerun_target(engine, comparison, job)` replaces one target's job with a new one (same request);
   `set_favourite(store, comparison, job_id)` keeps one image as the best.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from fluxtui.core import catalog, providers
from fluxtui.core.comparison import (
    Axis,
    Comparison,
    ComparisonEntry,
    Target,
    new_comparison_id,
    split_target,
)
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.errors import FluxtuiError, InvalidRequest
from fluxtui.core.input_images import InputImage
from fluxtui.core.inputs import shown
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import Store

#: the size every target gets when none is given: valid for every FLUX.1 and FLUX.2 size rule
DEFAULT_SIZE = (1024, 768)
MAX_SEED = 2**31 - 1

#: saved sets that need no config ("provider:model"); `[sets]` in the config adds or replaces
BUILTIN_SETS: dict[str, tuple[str, ...]] = {
    "flux1-pro": ("bfl:flux-pro", "bfl:flux-pro-1.1", "bfl:flux-pro-1.1-ultra"),
    "flux-pro-1.1": (
        "comet:flux-pro-1.1",
        "bfl:flux-pro-1.1",
        "apiyi:flux-pro-1.1",
        "fal:fal-ai/flux-pro/v1.1",
    ),
    "flux-dev": ("comet:flux-dev", "bfl:flux-dev", "apiyi:flux-dev", "fal:fal-ai/flux/dev"),
    "flux2": ("bfl:flux-2-pro", "bfl:flux-2-max", "bfl:flux-2-flex", "bfl:flux-2-klein-9b"),
    "providers": ("comet", "bfl", "apiyi", "fal"),  # each provider's default model
}


class TargetError(FluxtuiError, ValueError):
    """A target or set name that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class TargetPlan:
    """What one target will be sent: `request` has the params its model takes; `dropped` names the
    others; `problems` says why it cannot be sent (empty when it can)."""

    target: Target
    request: GenerationRequest
    dropped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    cell: tuple[int, ...] = ()  # a sweep's cell (see `comparison.Axis`)
    label: str = ""  # how problems name it (a sweep's cell); empty: by its target

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- targets and sets ----------------------------------------------------------------------------


def parse_target(text: str, config: Config) -> Target:
    """ "provider:model" (or "provider" for its default model) as a Target; TargetError if not."""
    parsed = split_target(text)
    if parsed is None:
        raise TargetError(
            f"target {shown(text)} is not PROVIDER:MODEL (e.g. comet:flux-pro-1.1 or "
            "fal:fal-ai/flux/dev)"
        )
    provider, model = parsed
    if provider not in config.providers:
        known = ", ".join(config.providers)
        raise TargetError(
            f"target {shown(text)}: no provider is named {shown(provider)} (known: {known})"
        )
    if model is None:
        model = config.providers[provider].choose_model()
        if not model:
            raise TargetError(
                f"target {shown(text)}: {provider} has no default model; write {provider}:MODEL"
            )
    return Target(provider, model)


def saved_sets(config: Config) -> dict[str, tuple[str, ...]]:
    """Every saved set by name: the built-in ones, then the config's `[sets]` (which win)."""
    return {**BUILTIN_SETS, **config.sets}


def resolve_targets(
    config: Config, targets: Iterable[str] = (), sets: Iterable[str] = ()
) -> list[Target]:
    """The targets of `sets` then `targets`, each once, in order. TargetError names a bad one."""
    known_sets = saved_sets(config)
    texts: list[str] = []
    for name in sets:
        if name not in known_sets:
            raise TargetError(
                f"no saved set is named {shown(name)} (known: {', '.join(known_sets)})"
            )
        texts.extend(known_sets[name])
    texts.extend(targets)
    resolved: list[Target] = []
    for text in texts:
        target = parse_target(text, config)
        if target not in resolved:
            resolved.append(target)
    if not resolved:
        raise TargetError("a comparison needs at least one target (--target or --set)")
    return resolved


# ---- planning ------------------------------------------------------------------------------------


def shared_params(params: Mapping[str, Any], *, rng: random.Random | None = None) -> dict[str, Any]:
    """`params` with what makes a comparison fair filled in: a seed (random when none is given)
    and a size (DEFAULT_SIZE when neither width/height nor aspect_ratio is given)."""
    shared = {k: v for k, v in params.items() if v is not None}
    if shared.get("seed") is None:
        shared["seed"] = (rng or random.SystemRandom()).randint(0, MAX_SEED)
    if not any(k in shared for k in ("width", "height", "aspect_ratio")):
        shared["width"], shared["height"] = DEFAULT_SIZE
    return shared


def plan(
    config: Config,
    prompt: str,
    params: Mapping[str, Any],
    targets: Iterable[Target],
    extra: Mapping[str, Any] | None = None,
    inputs: tuple[InputImage, ...] = (),
    fit: Callable[[GenerationRequest], GenerationRequest] | None = None,
) -> list[TargetPlan]:
    """One plan per target: the shared request fitted to the target's model (params and input
    images it does not take are dropped and named; `fit` then fits the inputs it keeps to its
    limits) and validated against that model's rules."""
    plans = []
    for target in targets:
        entry = config.entry(target.provider)
        request = GenerationRequest(
            prompt, target.provider, target.model, dict(params), dict(extra or {}), inputs
        )
        fitted, dropped = catalog.split_supported(entry.model_table, request)
        fitted = fit(fitted) if fit is not None else fitted
        problems = providers.validate(entry.protocol, entry.model_table, fitted)
        plans.append(TargetPlan(target, fitted, tuple(dropped), tuple(problems)))
    return plans


def problems_of(plans: Iterable[TargetPlan]) -> list[str]:
    """Every problem, each prefixed with its target (or a sweep's cell): "comet:flux-pro-1.1:
    width 2048 is ..."."""
    return [f"{p.label or p.target}: {problem}" for p in plans for problem in p.problems]


# ---- running -------------------------------------------------------------------------------------


def start(
    engine: Engine,
    prompt: str,
    params: Mapping[str, Any],
    plans: list[TargetPlan],
    *,
    extra: Mapping[str, Any] | None = None,
    set_name: str | None = None,
    skip_invalid: bool = False,
    axes: tuple[Axis, ...] = (),
) -> tuple[Comparison, list[Job]]:
    """Store a comparison and a pending job per target (nothing is sent yet); with `axes`, a
    sweep whose plans carry their cells.

    A target with problems makes the whole comparison fail with InvalidRequest (nothing stored),
    unless `skip_invalid`: then it is kept in the comparison as "not sent", with its problems.
    """
    checked = []
    for p in plans:
        problems = tuple(engine.validate(p.request)) if p.ok else p.problems
        checked.append(replace(p, problems=problems))
    if not skip_invalid and problems_of(checked):
        raise InvalidRequest(problems_of(checked))
    if not any(p.ok for p in checked):
        raise InvalidRequest(problems_of(checked) or ["a comparison needs at least one target"])
    comparison_id = new_comparison_id()
    entries, jobs = [], []
    for p in checked:
        job = engine.create_job(p.request, group_id=comparison_id) if p.ok else None
        if job is not None:
            jobs.append(job)
        entries.append(
            ComparisonEntry(p.target, job.id if job else None, p.dropped, p.problems, p.cell)
        )
    comparison = Comparison(
        id=comparison_id,
        created_at=time.time(),
        prompt=prompt,
        params=dict(params),
        extra=dict(extra or {}),
        entries=tuple(entries),
        set_name=set_name,
        axes=axes,
    )
    engine.store.save_comparison(comparison)
    return comparison, jobs


async def run(engine: Engine, jobs: list[Job]) -> list[Job]:
    """Run the comparison's jobs concurrently to their ends (a failure never stops the others)."""
    return list(await asyncio.gather(*(engine.run(job) for job in jobs)))


async def compare(
    engine: Engine,
    prompt: str,
    params: Mapping[str, Any],
    targets: Iterable[Target],
    *,
    extra: Mapping[str, Any] | None = None,
    set_name: str | None = None,
) -> tuple[Comparison, list[Job]]:
    """Plan, start and run a comparison in one go; InvalidRequest before anything is sent."""
    plans = plan(engine.config, prompt, params, targets, extra)
    comparison, jobs = start(engine, prompt, params, plans, extra=extra, set_name=set_name)
    return comparison, await run(engine, jobs)


# ---- reopening -----------------------------------------------------------------------------------


class NotFound(FluxtuiError, LookupError):
    """No comparison (or job) has that id; or a prefix matches several."""


def load(store: Store, comparison_id: str) -> tuple[Comparison, list[Job]]:
    """A stored comparison and its jobs (in the comparison's target order), by id or id prefix."""
    comparison = store.get_comparison(comparison_id)
    if comparison is None:
        found = store.find_comparisons(comparison_id)
        if len(found) != 1:
            raise NotFound(
                f"no comparison has the id {comparison_id!r}"
                if not found
                else f"{comparison_id!r} matches {len(found)} comparisons: "
                + ", ".join(c.id for c in found)
            )
        comparison = found[0]
    by_id = {job.id: job for job in store.jobs(JobQuery(group_id=comparison.id, limit=None))}
    return comparison, [by_id[i] for i in comparison.job_ids if i in by_id]


# ---- changing a stored comparison ---------------------------------------------------------------


def rerun_target(engine: Engine, comparison: Comparison, job: Job) -> tuple[Comparison, Job]:
    """A new pending job for the target `job` ran for (the same request: prompt, params, seed),
    stored in the comparison in its place; the old job stays in the library. Nothing is sent.
    InvalidRequest if the request is refused now (nothing stored)."""
    entry = comparison.entry_for(job.id)
    if entry is None:
        raise NotFound(f"job {job.id} is not part of comparison {comparison.id}")
    new = engine.create_job(job.request, group_id=comparison.id)
    entries = tuple(replace(e, job_id=new.id) if e is entry else e for e in comparison.entries)
    favourite = None if comparison.favourite == job.id else comparison.favourite
    updated = replace(comparison, entries=entries, favourite=favourite)
    engine.store.save_comparison(updated)
    return updated, new


def set_favourite(store: Store, comparison: Comparison, job_id: str | None) -> Comparison:
    """The comparison with `job_id` kept as its favourite (None: none), stored."""
    if job_id is not None and job_id not in comparison.job_ids:
        raise NotFound(f"job {job_id} is not part of comparison {comparison.id}")
    updated = replace(comparison, favourite=job_id)
    store.save_comparison(updated)
    return updated
