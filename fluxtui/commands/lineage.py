"""`fluxtui lineage ID`: the chain of edits that led to a job, root → … → the job, one line each
(through each job's first input that came from the library)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from fluxtui.core import chains, exit_codes, library, paths
from fluxtui.core import config as config_module
from fluxtui.core.chains import Cut
from fluxtui.core.models import JobSnapshot, short_id
from fluxtui.core.pricing import PriceTable
from fluxtui.core.store import Store
from fluxtui.core.text import cut, inert


def run_lineage(args: argparse.Namespace) -> int:
    store = Store(paths.store_file())
    try:
        found = store.find(args.id)
        if len(found) != 1:
            problem = (
                f"no job has the id {args.id!r} (see `fluxtui history`)"
                if not found
                else f"{args.id!r} matches {len(found)} jobs: {', '.join(j.id for j in found)}"
            )
            print(f"fluxtui: {problem}", file=sys.stderr)
            return exit_codes.EXIT_BAD_INPUT
        chain = library.chain(store, found[0].id)
        before = _before(short_id(chain[0].id), chains.cut_before(store, chain))
        jobs = [job.snapshot() for job in chain]
    finally:
        store.close()
    if before:
        print(f"fluxtui: {before}", file=sys.stderr)
    prices = PriceTable.with_overrides(config_module.load().prices) if args.json else None
    for job in jobs:
        print(_json_line(job, prices) if prices is not None else _line(job))
    return exit_codes.EXIT_OK


def _line(job: JobSnapshot) -> str:
    """ "1a2b3c4d  2026-06-01 14:30  bfl · flux-kontext-pro  make the sky stormy" (inert)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created_at))
    where = f"{job.request.provider} · {job.request.model}"
    return inert(f"{short_id(job.id)}  {when}  {where}  {cut(job.request.prompt, 60)}")


def _json_line(job: JobSnapshot, prices: PriceTable) -> str:
    from fluxtui.commands.generate import job_json

    record = {**job_json(job, prices), "prompt": job.request.prompt, "created_at": job.created_at}
    return json.dumps(record)


def _before(first: str, why: Cut | None) -> str | None:
    """What comes before the chain's first job (short id `first`), if anything."""
    if why == "deleted":
        return f"job {first} was made from a job that is no longer stored"
    if why == "loop":
        return f"the store's lineage loops at job {first}: each job is printed once"
    if why == "long":
        return f"the chain goes on before job {first}: printed from there"
    return None
