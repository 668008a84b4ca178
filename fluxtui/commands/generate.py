"""`fluxtui generate` and `fluxtui resume`: run jobs headless, print results, exit with a code."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from fluxtui.commands.costs import check_budget
from fluxtui.commands.progress import ProgressPrinter, describe
from fluxtui.commands.requests import BadFlags, requests_from_args
from fluxtui.core import config as config_module
from fluxtui.core import exit_codes, modes
from fluxtui.core.engine import Engine
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.models import GenerationRequest, Job, JobState, id_matches, short_id
from fluxtui.core.text import inert
from fluxtui.session import open_engine, with_timeout


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "provider": job.request.provider,
        "model": job.request.model,
        "state": str(job.state),
        "files": job.files,
        "seed": job.seed,
        "width": job.width,
        "height": job.height,
        "timings": job.timings(),
        "error": job.error.to_dict() if job.error else None,
    }


def run_generate(args: argparse.Namespace) -> int:
    config = with_timeout(config_module.load(), args.timeout)
    try:
        requests = requests_from_args(args, config)
    except BadFlags as exc:
        return _bad_input(str(exc))
    if args.base_url:
        name = requests[0].provider
        entry = replace(config.entry(name), base_url=args.base_url)
        config = replace(config, providers={**config.providers, name: entry})
    if not args.demo:
        missing = [r.provider for r in requests if not config.entry(r.provider).has_key]
        if missing:
            return _bad_input(
                "; ".join(config.entry(name).missing_key_message for name in missing)
                + " (or add --demo to try the built-in simulator)"
            )
    return asyncio.run(_generate(config, requests, args))


async def _generate(
    config: config_module.Config, requests: list[GenerationRequest], args: argparse.Namespace
) -> int:
    async with open_engine(config, demo_mode=args.demo) as engine:
        refused = check_budget(
            config, engine.store, requests, over_budget=args.over_budget, demo=args.demo
        )
        if refused is not None:
            return refused
        try:
            jobs = [engine.create_job(request) for request in requests]
        except InvalidRequest as exc:
            return _bad_input(*exc.problems)
        return await _run_jobs(engine, jobs, args.json, run=engine.run)


def run_resume(args: argparse.Namespace) -> int:
    return asyncio.run(_resume(config_module.load(), args))


async def _resume(config: config_module.Config, args: argparse.Namespace) -> int:
    if args.resend and not args.job_ids:
        return _bad_input("--resend needs the ids of the jobs to send again")
    async with open_engine(config, demo_mode=args.demo) as engine:
        if args.resend:
            jobs, problems = _uncertain_jobs(engine, args.job_ids)
            if problems:
                return _bad_input(*problems)
            return await _run_jobs(engine, jobs, args.json, run=engine.resend)
        jobs, others = engine.resumable_jobs(), engine.jobs_of_the_other_mode()
        if args.job_ids:
            jobs, others = _named(jobs, args.job_ids), _named(others, args.job_ids)
        if others:
            ids = " ".join(short_id(job.id) for job in others)
            why = engine.leaves_alone(others[0])
            print(f"fluxtui: {len(others)} job(s) left as they are ({ids}): {why}", file=sys.stderr)
        if not jobs:
            print(
                "nothing to resume: every job has ended"
                if not others
                else "nothing to resume here",
                file=sys.stderr,
            )
            _mention_uncertain(engine)
            return exit_codes.EXIT_OK
        resent = sum(engine.resends_demo(job) for job in jobs)
        if resent:
            print(f"fluxtui: {modes.resent_notice(resent)}", file=sys.stderr)
        return await _run_jobs(engine, jobs, args.json, run=engine.resume)


def _named(jobs: list[Job], typed: list[str]) -> list[Job]:
    """The jobs among `jobs` that one of the ids (or short ids, or prefixes) `typed` names."""
    return [job for job in jobs if any(id_matches(job.id, text) for text in typed)]


def _uncertain_jobs(engine: Engine, prefixes: list[str]) -> tuple[list[Job], list[str]]:
    """The stored jobs the prefixes name, each of them uncertain; or what is wrong with them."""
    jobs: list[Job] = []
    problems: list[str] = []
    for prefix in prefixes:
        found = engine.store.find(prefix)
        if len(found) != 1:
            what = "no job" if not found else f"{len(found)} jobs"
            problems.append(f"{what} with an id starting {inert(prefix)!r}")
        elif found[0].state is not JobState.UNCERTAIN:
            problems.append(f"job {short_id(found[0].id)} is {found[0].state.label}, not uncertain")
        elif why := engine.leaves_alone(found[0]):
            problems.append(f"job {short_id(found[0].id)} is left as it is: {why}")
        else:
            jobs.append(found[0])
    return jobs, problems


def _mention_uncertain(engine: Engine) -> None:
    uncertain = engine.uncertain_jobs()
    if uncertain:
        ids = " ".join(short_id(job.id) for job in uncertain)
        print(
            f"{len(uncertain)} job(s) may have been taken by the provider: check there, then "
            f"`fluxtui resume --resend {ids}` sends them again",
            file=sys.stderr,
        )


async def _run_jobs(
    engine: Engine, jobs: list[Job], as_json: bool, *, run: Callable[[Job], Awaitable[Job]]
) -> int:
    printer = ProgressPrinter([job.snapshot() for job in jobs])
    stop_listening = engine.add_listener(printer.on_event)
    ticker = asyncio.create_task(printer.tick())

    async def run_and_report(job: Job) -> Job:
        await run(job)
        printer.above(lambda: _report(job, as_json, echo_state=printer.live))
        return job

    try:
        finished = await asyncio.gather(*(run_and_report(job) for job in jobs))
    finally:
        ticker.cancel()
        stop_listening()
        printer.redraw()
    return exit_codes.first_failure([exit_codes.for_outcome(j.state, j.error) for j in finished])


def _report(job: Job, as_json: bool, *, echo_state: bool) -> None:
    """Print a finished job on stdout: a JSON line, or its files and seed. A job that made no
    image is told on stderr, unless the progress lines there have just said it (`echo_state`
    False: they are a plain log, not a live display)."""
    if as_json:
        print(json.dumps(job_json(job)), flush=True)
        return
    if job.state in (JobState.DONE, JobState.CACHED):
        size = f"{job.width}×{job.height}" if job.width else ""
        total = job.timings()["total"]
        head = f"{job.request.provider} {job.request.model}: seed {job.seed} {size} in {total:.1f}s"
        print(inert(head))
        for path in job.files:
            print(f"  {inert(path)}")
    else:
        if echo_state:
            print(describe(job), file=sys.stderr)
        if job.error and job.error.request_id:
            print(f"  request id: {job.error.request_id}", file=sys.stderr)
    sys.stdout.flush()


def _bad_input(*problems: str) -> int:
    for problem in problems:
        print(f"fluxtui: {inert(problem)}", file=sys.stderr)
    return exit_codes.EXIT_BAD_INPUT
