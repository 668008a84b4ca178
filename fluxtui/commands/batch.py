"""`fluxtui batch FILE`: many prompts from a file (`.txt`, `.jsonl`, `.csv`, or `-` for stdin),
each line the request `generate` would build from its flags with the line's fields over them.

Every line is checked before anything is sent; a bad one is named by its number and field (all
of them at once), and the others run unless `--stop-on-error`. A batch is stored: running the
same file again, or `--resume ID`, sends only the lines without a finished image, and a line
whose job was stored before a crash is carried on, not sent again. `--dry-run` checks, prices and
shows what would be sent, and sends nothing. The exit code is `generate`'s: 0 only when every
line made its image.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from fluxtui.commands import batch_report
from fluxtui.commands.batch_fields import request_of
from fluxtui.commands.batch_output import Line, place, stems
from fluxtui.commands.batch_progress import Tally
from fluxtui.commands.batch_run import BatchRun, RunOptions
from fluxtui.commands.costs import check_budget
from fluxtui.commands.requests import BadFlags, missing_keys
from fluxtui.commands.running import open_controller
from fluxtui.control import batch_jobs
from fluxtui.control.controller import Controller
from fluxtui.core import batch_source, exit_codes, paths
from fluxtui.core import config as config_module
from fluxtui.core.batch_source import BadLine, SourceLine
from fluxtui.core.batch_store import Batch, BatchStore, LineRow
from fluxtui.core.config import Config
from fluxtui.core.inputs import shown
from fluxtui.core.models import GenerationRequest, JobState
from fluxtui.core.text import inert
from fluxtui.session import with_timeout


def run_batch(args: argparse.Namespace) -> int:
    config = with_timeout(config_module.load(), args.timeout)
    if args.list:
        return batch_report.list_batches(args.json)
    if (args.file is None) == (args.resume is None):
        return _bad_input("give a FILE (or - for stdin), or --resume ID")
    if args.provider and len(args.provider) > 1:
        return _bad_input("a batch takes one --provider (a line can name its own)")
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        return _bad_input(f"--out {shown(args.out)} is not a folder")
    named: list[str] = []  # the batch's id, once it is known
    try:
        return asyncio.run(_batch(config, args, named))
    except KeyboardInterrupt:
        again = f"`fluxtui batch --resume {named[0]}`" if named else "the same command"
        print(
            f"fluxtui: interrupted; {again} carries on: lines made are kept, jobs sent are "
            "followed again, nothing is sent twice",
            file=sys.stderr,
        )
        return 130


async def _batch(config: Config, args: argparse.Namespace, named: list[str]) -> int:
    store = BatchStore(paths.store_file())
    try:
        if args.resume:
            found = store.find(args.resume)
            if len(found) != 1:
                what = "no batch" if not found else f"{len(found)} batches"
                return _bad_input(f"{what} with an id starting {shown(args.resume)}")
            named.append(found[0].id)
            return await _run_stored(config, args, store, found[0])
        return await _run_file(config, args, store, named)
    finally:
        store.close()


async def _run_file(
    config: Config, args: argparse.Namespace, store: BatchStore, named: list[str]
) -> int:
    try:
        name, text = _read(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        return _bad_input(f"{shown(args.file)}: cannot read it ({exc})")
    fmt = batch_source.format_of(name, text, args.format_in)
    source = "-" if args.file == "-" else str(Path(args.file).resolve())
    base = Path(source).parent if args.file != "-" else Path.cwd()
    planned, problems = _plan(batch_source.read(text, fmt), args, config, base)
    if not planned:
        return _bad_input(f"{shown(args.file)} holds no lines to run")
    if not args.demo:
        names = sorted({p.request.provider for p in planned if p.request})
        if missing := missing_keys(config, names):
            return _bad_input(*missing, "(or add --demo to run the batch on the simulator)")
    async with open_controller(config, demo=args.demo) as (controller, runs):
        rows = _rows(planned, controller, problems)
        problems.sort()
        batch_report.say_problems(problems)
        if problems and (args.stop_on_error or not any(r.request for r in rows)):
            return exit_codes.EXIT_BAD_INPUT
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if args.dry_run:
            known = None if args.new else store.for_source(source, args.demo, sha)
            lines = _lines(controller, _with_jobs(rows, store.lines(known.id) if known else []))
            return batch_report.dry_run(controller, lines, args.json, bool(problems))
        batch = store.open_for(source, sha, _options(args, source), new=args.new)
        named.append(batch.id)
        store.set_lines(batch.id, rows)
        return await _run(controller, runs, store, batch, args)


async def _run_stored(
    config: Config, args: argparse.Namespace, store: BatchStore, batch: Batch
) -> int:
    demo = args.demo or bool(batch.options.get("demo"))
    if not demo:
        names = sorted({r.request.provider for r in store.lines(batch.id) if r.request})
        if missing := missing_keys(config, names):
            return _bad_input(*missing)
    async with open_controller(config, demo=demo) as (controller, runs):
        if args.dry_run:
            lines = _lines(controller, store.lines(batch.id))
            return batch_report.dry_run(controller, lines, args.json, False)
        given = _options(args, batch.source)
        kept = {k: v for k, v in batch.options.items() if not given.get(k)}
        batch = store.update(batch, batch.sha256, {**given, **kept})
        return await _run(controller, runs, store, batch, args)


def _read(file: str) -> tuple[str, str]:
    if file == "-":
        return "-", sys.stdin.read()
    return file, Path(file).read_text(encoding="utf-8")


class _Planned:
    """A line read, and the request it makes (None, with the problem, when it makes none)."""

    def __init__(self, line: SourceLine | BadLine):
        self.line = line
        self.request: GenerationRequest | None = None
        self.name: str | None = None
        self.problem = line.problem if isinstance(line, BadLine) else None


def _plan(
    read: list[SourceLine | BadLine], args: argparse.Namespace, config: Config, base: Path
) -> tuple[list[_Planned], list[tuple[int, str]]]:
    """Each line read, with its request or its problem; the problems by line number."""
    planned: list[_Planned] = []
    problems: list[tuple[int, str]] = []
    for line in read:
        item = _Planned(line)
        if isinstance(line, SourceLine):
            try:
                item.request, item.name = request_of(line, args, config, base)
            except BadFlags as exc:
                item.problem = str(exc)
        if item.problem:
            problems.append((line.number, item.problem))
        planned.append(item)
    return planned, problems


def _rows(
    planned: list[_Planned], controller: Controller, problems: list[tuple[int, str]]
) -> list[LineRow]:
    """Each line as a stored row, keyed by what it asks for and how often it came before;
    the engine's check of each request (`Controller.validate`) adds to `problems`."""
    seen: Counter[str] = Counter()
    rows = []
    for item in planned:
        number = item.line.number
        request = item.request
        if request is not None and (found := controller.validate(request)):
            item.problem = "; ".join(found)
            problems.append((number, item.problem))
        if request is None or item.problem:
            line = item.line
            prompt = line.fields.get("prompt") if isinstance(line, SourceLine) else line.prompt
            text = prompt if isinstance(prompt, str) else ""
            rows.append(LineRow(f"bad:{number}", number, text, None, None, item.problem))
            continue
        content = json.dumps({"request": request.to_dict(), "name": item.name}, sort_keys=True)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
        seen[digest] += 1
        rows.append(LineRow(f"{digest}:{seen[digest]}", number, request.prompt, item.name, request))
    return rows


def _with_jobs(rows: list[LineRow], known: list[LineRow]) -> list[LineRow]:
    """`rows` with the job and state a stored batch has for the same keys (a dry run)."""
    stored = {row.key: row for row in known}
    return [
        LineRow(r.key, r.number, r.prompt, r.name, r.request, r.problem, s.job_id, s.state)
        if (s := stored.get(r.key))
        else r
        for r in rows
    ]


def _lines(controller: Controller, rows: list[LineRow]) -> list[Line]:
    """The lines of a run and where each stands: invalid, made (left as it is), uncertain (only
    `fluxtui resume --resend` sends it again), to resume, or new."""
    jobs = batch_jobs.stored(controller, [r.job_id for r in rows if r.job_id])
    lines = []
    for row in rows:
        job = jobs.get(row.job_id) if row.job_id else None
        line = Line(row, job)
        if row.request is None:
            line.state = "invalid"
        elif job is None:
            line.state, line.job = "new", None
        elif line.made or job.state is JobState.UNCERTAIN:
            line.state = str(job.state)
        elif not job.state.is_terminal or job.state.is_resumable:
            line.state = "resume"
        else:
            line.state = "new"  # it failed: sent anew, as a new job
        lines.append(line)
    return lines


def _options(args: argparse.Namespace, source: str) -> dict[str, Any]:
    """What the batch is run with; None (or False) where the flag is not given, for which a
    batch run before keeps what it had."""
    return {
        "source": source,
        "demo": bool(args.demo),
        "out": str(Path(args.out).resolve()) if args.out else None,
        "concurrency": args.concurrency,
        "stop_on_error": bool(args.stop_on_error),
    }


async def _run(
    controller: Controller, runs: Any, store: BatchStore, batch: Batch, args: argparse.Namespace
) -> int:
    lines = _lines(controller, store.lines(batch.id))
    todo = [line for line in lines if line.state in ("new", "resume")]
    batch_report.say_left(lines, args.json)
    opts = batch.options
    out = Path(opts["out"]) if opts.get("out") else None
    names = stems([line.row for line in lines])
    for line in lines:  # made before: under this --out too
        if out is not None and line.made and line.job is not None:
            line.out = place(line.job.files, out, names[line.row.key])
    new = [line.row.request for line in todo if line.state == "new" and line.row.request]
    refused = check_budget(controller, new, over_budget=args.over_budget)
    if refused is not None:
        return refused
    cap = opts.get("concurrency") or _default_concurrency(controller, todo)
    tally = Tally(len(todo), cap, await asyncio.to_thread(batch_report.prior_seconds, todo))
    options = RunOptions(
        batch.id,
        cap,
        bool(opts.get("stop_on_error")),
        args.over_budget,
        args.json,
        out,
        names,
    )
    run = BatchRun(controller, runs, store, options, tally)
    await run.run(todo)
    for line in todo:
        if line.state in ("new", "resume"):
            line.state = "not sent"
    return batch_report.summary(controller, batch, lines, run.stopped, args.json)


def _default_concurrency(controller: Controller, todo: list[Line]) -> int:
    """Without `--concurrency`: as many lines at once as their providers allow together."""
    names = {line.row.request.provider for line in todo if line.row.request}
    return max(1, sum(controller.config.settings(name).concurrency for name in names))


def _bad_input(*problems: str) -> int:
    for problem in problems:
        print(f"fluxtui: {inert(problem)}", file=sys.stderr)
    return exit_codes.EXIT_BAD_INPUT
