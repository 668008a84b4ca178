"""Why a job's chain (`library.chain`: the job and its ancestors, first image first) starts
where it does, when its first job was itself made from another."""

from __future__ import annotations

from typing import Literal

from fluxtui.core.models import Job
from fluxtui.core.store import Store

Cut = Literal["deleted", "loop", "long"]


def cut_before(store: Store, chain: list[Job]) -> Cut | None:
    """None when the chain's first job was made from no library job; else "loop" (one of its
    parents is in the chain: the store's lineage loops), "deleted" (its parents are gone), or
    "long" (the chain was cut at `library.chain`'s limit)."""
    if not chain:
        return None
    parents = {i.parent_job for i in chain[0].request.inputs if i.parent_job is not None}
    if not parents:
        return None
    if parents & {job.id for job in chain}:
        return "loop"
    if all(store.get(parent) is None for parent in parents):
        return "deleted"
    return "long"
