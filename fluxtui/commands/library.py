"""`fluxtui history` (the library, searched and filtered) and `fluxtui export ID DIR`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from fluxtui.commands.progress import describe
from fluxtui.core import compare, compare_table, compare_text, exit_codes, exports, paths
from fluxtui.core import config as config_module
from fluxtui.core.batch_store import BatchStore
from fluxtui.core.comparison import COMPARISON_PREFIX
from fluxtui.core.inputs import shown
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.library import WhenError, parse_when
from fluxtui.core.models import JobSnapshot, JobState, short_id
from fluxtui.core.pricing import PriceTable
from fluxtui.core.store import Store
from fluxtui.core.text import cut, inert


def run_history(args: argparse.Namespace) -> int:
    try:
        since = parse_when(args.since) if args.since else None
    except WhenError as exc:
        print(f"fluxtui: --since {exc}", file=sys.stderr)
        return exit_codes.EXIT_BAD_INPUT
    store = Store(paths.store_file())
    try:
        if args.comparisons:
            return _comparisons(store, args, since)
        query = JobQuery(
            search=args.search,
            provider=args.provider,
            model=args.model,
            state=JobState(args.state) if args.state else None,
            since=since,
            limit=args.limit,
            offset=args.offset,
            sort=args.sort,
        )
        if args.batch:
            found = _batch_jobs(store, args.batch)
            if found is None:
                return exit_codes.EXIT_BAD_INPUT
            jobs = found[args.offset : args.offset + args.limit]
        else:
            jobs = [job.snapshot() for job in store.jobs(query)]
    finally:
        store.close()
    from fluxtui.commands.generate import job_json

    prices = PriceTable.with_overrides(config_module.load().prices)

    if not jobs:
        _say_none("jobs", args)
    for job in jobs:
        if args.json:
            print(
                json.dumps(
                    {
                        **job_json(job, prices),
                        "prompt": job.request.prompt,
                        "created_at": job.created_at,
                        "group_id": job.group_id,
                    }
                )
            )
            continue
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created_at))
        cost = f"  {prices.cost_of(job).text()}" if job.state is JobState.DONE else ""
        print(f"{short_id(job.id)}  {when}  {describe(job)}{cost}")
        print(f"    {inert(cut(job.request.prompt, 100))}")
        if job.group_id:
            print(f"    in comparison {job.group_id}")
        for image in job.request.inputs:
            print(f"    {image.role}: {image.name}")
        for path in job.files:
            print(f"    {inert(path)}")
    return exit_codes.EXIT_OK


def _batch_jobs(store: Store, prefix: str) -> list[JobSnapshot] | None:
    """`history --batch ID`: the jobs the batch made for its lines (those in its file first, in
    line order); None (after saying why) when ID names no batch or several."""
    batches = BatchStore(store.path)
    try:
        found = batches.find(prefix)
        if len(found) != 1:
            what = "no batch" if not found else f"{len(found)} batches"
            print(f"fluxtui: {what} with an id starting {shown(prefix)}", file=sys.stderr)
            return None
        ids = batches.job_ids(found[0].id)
    finally:
        batches.close()
    return [job.snapshot() for job_id in ids if (job := store.get(job_id)) is not None]


def _comparisons(store: Store, args: argparse.Namespace, since: float | None) -> int:
    """`history --comparisons`: each comparison with one line per target."""
    prices = PriceTable.with_overrides(config_module.load().prices)
    listed = store.comparisons(
        search=args.search, since=since, limit=args.limit, offset=args.offset
    )
    if not listed:
        _say_none("comparisons", args)
    for comparison in listed:
        _, jobs = compare.load(store, comparison.id)
        rows = compare_table.rows(comparison, jobs, prices)
        if args.json:
            print(
                json.dumps(
                    {
                        "comparison": compare_text.comparison_dict(comparison),
                        "rows": [r.to_dict() for r in rows],
                    },
                    ensure_ascii=False,
                )
            )
            continue
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(comparison.created_at))
        targets = f"{len(rows)} target" + ("" if len(rows) == 1 else "s")
        if comparison.is_sweep:  # a sweep: its axes, then a line per cell
            targets = f"sweep of {' × '.join(a.name for a in comparison.axes)}, {len(rows)} cells"
        print(inert(f"{comparison.id}  {when}  {targets}  {cut(comparison.prompt, 80)}"))
        for row in rows:
            total = compare_text.seconds(row.total_s)
            marks = f"  ({', '.join(row.marks)})" if row.marks else ""
            state = cut(compare_text.state_text(row), 60)
            line = f"    {row.cell or str(row.target):<32} {state:<20} {total}{marks}"
            print(inert(line))
    return exit_codes.EXIT_OK


def _say_none(what: str, args: argparse.Namespace) -> None:
    """On stderr, why `history` lists nothing (the exit code stays 0: nothing went wrong)."""
    filtered = any(
        getattr(args, name, None) for name in ("search", "provider", "model", "state", "since")
    )
    if filtered or args.offset:
        print(f"fluxtui: no {what} match", file=sys.stderr)
    else:
        print(f"fluxtui: no {what} yet", file=sys.stderr)


def run_export(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    store = Store(paths.store_file())
    try:
        if args.id.startswith(COMPARISON_PREFIX):
            return _export_comparison(store, args.id, folder, args.json)
        found = store.find(args.id)
        if not found and store.find_comparisons(args.id):
            return _export_comparison(store, args.id, folder, args.json)
    finally:
        store.close()
    if len(found) != 1:
        problem = (
            f"no job has the id {args.id!r} (see `fluxtui history`)"
            if not found
            else f"{args.id!r} matches {len(found)} jobs: {', '.join(j.id for j in found)}"
        )
        print(f"fluxtui: {problem}", file=sys.stderr)
        return exit_codes.EXIT_BAD_INPUT
    if not _made(folder):
        return exit_codes.EXIT_BAD_INPUT
    return _export_job(found[0].snapshot(), folder, args.json)


def _made(folder: Path) -> bool:
    """Whether `folder` is there to write to (made if needed); if not, a message says why."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(
            f"fluxtui: DIR {shown(str(folder))}: cannot make this folder: {exc.strerror}",
            file=sys.stderr,
        )
        return False
    return True


def _export_job(job: JobSnapshot, folder: Path, as_json: bool) -> int:
    if not exports.has_image(job):
        why = f": {job.error.message}" if job.error else ""
        print(
            f"fluxtui: job {job.id} has no image to export ({job.state.label}{why})",
            file=sys.stderr,
        )
        return exit_codes.EXIT_OTHER
    result = exports.export_job(job, folder)
    for lost in result.missing:
        print(f"fluxtui: {lost} is missing on disk; not exported", file=sys.stderr)
    if as_json:
        print(json.dumps(_job_export_json(result)))
    else:
        for path in (*result.files, result.sidecar):
            print(path)
    return exit_codes.EXIT_OTHER if result.missing else exit_codes.EXIT_OK


def _export_comparison(store: Store, comparison_id: str, folder: Path, as_json: bool) -> int:
    try:
        comparison, jobs = compare.load(store, comparison_id)
    except compare.NotFound as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return exit_codes.EXIT_BAD_INPUT
    if not _made(folder):
        return exit_codes.EXIT_BAD_INPUT
    prices = PriceTable.with_overrides(config_module.load().prices)
    rows = compare_table.rows(comparison, jobs, prices)
    result = exports.export_comparison(comparison, rows, folder, jobs=jobs)
    missing = [lost for job in result.jobs for lost in job.missing]
    for lost in missing:
        print(f"fluxtui: {lost} is missing on disk; not exported", file=sys.stderr)
    if as_json:
        print(
            json.dumps(
                {
                    "comparison": comparison.id,
                    "sheet": str(result.sheet),
                    "markdown": str(result.markdown),
                    "csv": str(result.csv),
                    "json": str(result.json),
                    "jobs": [_job_export_json(j) for j in result.jobs],
                }
            )
        )
    else:
        for path in (*result.paths(), *(p for j in result.jobs for p in (*j.files, j.sidecar))):
            print(path)
    return exit_codes.EXIT_OTHER if missing else exit_codes.EXIT_OK


def _job_export_json(result: exports.JobExport) -> dict[str, Any]:
    return {
        "id": result.job_id,
        "files": [str(p) for p in result.files],
        "sidecar": str(result.sidecar),
        "missing": list(result.missing),
    }
