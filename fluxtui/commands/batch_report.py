"""What `fluxtui batch` says: the bad lines, the lines left as they are, a dry run, the summary
(with `batch.csv`), `--list`, and the exit code."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from statistics import fmean

from fluxtui.commands.batch_output import HELD, Line, write_csv
from fluxtui.control.controller import Controller
from fluxtui.core import budget, exit_codes, paths
from fluxtui.core.batch_store import Batch, BatchStore
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import JobState, short_id
from fluxtui.core.pricing import PriceTable, usd
from fluxtui.core.store import Store
from fluxtui.core.text import cut, inert

#: how many of the store's recent jobs of a model the ETA starts from
PRIOR_JOBS = 20
MADE = (str(JobState.DONE), str(JobState.CACHED))


def say_problems(problems: Sequence[tuple[int, str]]) -> None:
    """Every bad line, by number, at once."""
    for number, problem in problems:
        print(f"fluxtui: line {number}: {inert(problem)}", file=sys.stderr)


def say_left(lines: Sequence[Line], as_json: bool) -> None:
    """The lines a run leaves as they are: made before, uncertain (a word on each), invalid
    (with `--json`, an object each on stdout: stderr has named them)."""
    if as_json:
        for line in lines:
            if line.state == "invalid":
                record = {"event": "invalid", "line": line.row.number, "error": line.error()}
                print(json.dumps(record, ensure_ascii=False))
    made = sum(line.state in MADE for line in lines)
    if made:
        print(
            f"fluxtui: {made} line(s) have their image already: left as they are", file=sys.stderr
        )
    for line in lines:
        if line.job is not None and line.state == str(JobState.UNCERTAIN):
            print(
                f"fluxtui: line {line.row.number}: its job {short_id(line.job.id)} may have been "
                "taken by the provider: check there, then `fluxtui resume --resend "
                f"{short_id(line.job.id)}` sends it again",
                file=sys.stderr,
            )


def prior_seconds(todo: Sequence[Line]) -> float | None:
    """The mean seconds the store's recent finished jobs of `todo`'s models took, or None."""
    models = {(r.provider, r.model) for line in todo if (r := line.row.request)}
    store = Store(paths.store_file())
    try:
        totals = [
            total
            for provider, model in models
            for job in store.jobs(
                JobQuery(provider=provider, model=model, state=JobState.DONE, limit=PRIOR_JOBS)
            )
            if (total := job.timings()["total"]) is not None
        ]
    finally:
        store.close()
    return fmean(totals) if totals else None


def dry_run(controller: Controller, lines: Sequence[Line], as_json: bool, bad: bool) -> int:
    """What a run would send, and its estimated cost; nothing is sent."""
    todo = [line for line in lines if line.state in ("new", "resume")]
    new = [r for line in todo if line.state == "new" and (r := line.row.request)]
    spending = controller.spending
    estimate = budget.estimate(new, spending.prices, spending.tables)
    for line in todo:
        request = line.row.request
        assert request is not None
        if as_json:
            record = {"event": "would_send", "line": line.row.number, "name": line.row.name}
            print(json.dumps({**record, "resume": line.state == "resume", **request.to_dict()}))
            continue
        how = "would resume" if line.state == "resume" else "would send"
        fields = [f"{k}={v}" for k, v in {**request.params, **request.extra}.items()]
        text = " ".join(
            [f"line {line.row.number}: {how}", request.provider, request.model, *fields]
        )
        print(inert(f"{text}: {cut(request.prompt, 80)}"))
    summary = {
        "event": "dry_run",
        "lines": len(lines),
        "would_send": len(new),
        "would_resume": len(todo) - len(new),
        "made_before": sum(line.state in MADE for line in lines),
        "invalid": sum(line.state == "invalid" for line in lines),
        "estimated_usd": estimate.usd,
        "unpriced": list(estimate.unpriced),
    }
    if as_json:
        print(json.dumps(summary))
    else:
        unknown = f" ({len(estimate.unpriced)} of unknown price)" if estimate.unpriced else ""
        print(
            f"dry run: {len(new)} to send, {summary['would_resume']} to resume, "
            f"{summary['made_before']} made before, {summary['invalid']} invalid; "
            f"estimated cost ~{usd(estimate.usd)}{unknown}; nothing was sent"
        )
    return exit_codes.EXIT_BAD_INPUT if bad else exit_codes.EXIT_OK


def summary(
    controller: Controller,
    batch: Batch,
    lines: Sequence[Line],
    stopped: str | None,
    as_json: bool,
) -> int:
    """Write `batch.csv`, print the summary; the exit code (0 only if every line made its
    image)."""
    prices = PriceTable.with_overrides(controller.config.prices)
    out = batch.options.get("out")
    folder = paths.library_dir() / "batches" / batch.id if not out else Path(out)
    csv_path = write_csv(folder / "batch.csv", lines, prices)
    states = Counter(_kind(line) for line in lines)
    spent = sum(prices.cost_of(line.job).usd or 0.0 for line in lines if line.job)
    codes = [_code(line, stopped) for line in lines]
    code = exit_codes.first_failure(codes)
    if stopped:
        print(f"fluxtui: stopped: {inert(stopped)}", file=sys.stderr)
    made = states["made"]
    record = {
        "event": "summary",
        "batch": batch.id,
        "lines": len(lines),
        "made": made,
        "failed": states["failed"],
        "invalid": states["invalid"],
        "not_sent": states["not sent"],
        "held": states["held"],
        "spent_usd": round(spent, 6),
        "stopped": stopped,
        "csv": str(csv_path),
        "exit_code": code,
    }
    if as_json:
        print(json.dumps(record))
    else:
        held = f", {states['held']} followed by another fluxtui process" if states["held"] else ""
        print(
            f"batch {batch.id}: {made} of {len(lines)} lines made their image "
            f"({states['failed']} failed, {states['invalid']} invalid, "
            f"{states['not sent']} not sent{held}); spent {usd(spent)}"
        )
        print(f"batch.csv: {csv_path}")
    sys.stdout.flush()
    return code


def _kind(line: Line) -> str:
    if line.made:
        return "made"
    if line.state in ("invalid", "not sent"):
        return line.state
    return "held" if line.state == HELD else "failed"


def _code(line: Line, stopped: str | None) -> int:
    if line.made:
        return exit_codes.EXIT_OK
    if line.state == "invalid" or (line.state == "not sent" and stopped and "budget" in stopped):
        return exit_codes.EXIT_BAD_INPUT
    if line.job is None or line.state == "not sent":
        return exit_codes.EXIT_OTHER
    return exit_codes.for_outcome(line.job.state, line.job.error)


def list_batches(as_json: bool) -> int:
    """`fluxtui batch --list`: each stored batch, newest first, with its lines' states."""
    store = BatchStore(paths.store_file())
    try:
        listed = [(batch, store.lines(batch.id)) for batch in store.batches()]
    finally:
        store.close()
    if not listed:
        print("no batches yet", file=sys.stderr)
    for batch, rows in listed:
        states = Counter("made" if row.state in MADE else row.state for row in rows)
        if as_json:
            record = {"id": batch.id, "created_at": batch.created_at, "source": batch.source}
            print(json.dumps({**record, "lines": len(rows), "states": dict(states)}))
            continue
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(batch.created_at))
        counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        print(inert(f"{batch.id}  {when}  {len(rows)} lines ({counts})  {batch.source}"))
    return exit_codes.EXIT_OK
