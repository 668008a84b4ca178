"""`fluxtui generate` and `fluxtui resume`: run jobs headless, print results, exit with a code.

The jobs run on the controller the app uses (`commands.running`); this module sees them only as
`JobSnapshot`s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fluxtui.commands.costs import check_budget
from fluxtui.commands.input_flags import fitted, inputs_from_args
from fluxtui.commands.progress import ProgressPrinter, describe
from fluxtui.commands.requests import BadFlags, missing_keys, requests_from_args
from fluxtui.commands.running import Runs, open_controller
from fluxtui.control.controller import Controller
from fluxtui.core import config as config_module
from fluxtui.core import exit_codes
from fluxtui.core.durations import human
from fluxtui.core.leases import LEASE_TTL_S
from fluxtui.core.models import GenerationRequest, JobSnapshot, JobState, id_matches, short_id
from fluxtui.core.pricing import PriceTable
from fluxtui.core.text import inert
from fluxtui.session import with_timeout


def job_json(job: JobSnapshot, prices: PriceTable) -> dict[str, Any]:
    """A job as `--json` prints it; `cost` is {"usd", "reported", "credits"} (`JobCost`);
    `inputs` its input images (`InputImage.lineage`: source, path or URL, SHA-256, size, parent
    job)."""
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
        "cost": prices.cost_of(job).to_dict(),
        "inputs": [image.lineage() for image in job.request.inputs],
    }


def run_generate(args: argparse.Namespace) -> int:
    config = with_timeout(config_module.load(), args.timeout)
    try:
        requests = requests_from_args(args, config)
        images = inputs_from_args(args)
        downscale = args.downscale_inputs or config.downscale_inputs
        requests = [fitted(config, r, images, downscale) for r in requests]
    except BadFlags as exc:
        return _bad_input(str(exc))
    if args.base_url:
        name = requests[0].provider
        entry = replace(config.entry(name), base_url=args.base_url)
        config = replace(config, providers={**config.providers, name: entry})
    if not args.demo and (missing := missing_keys(config, [r.provider for r in requests])):
        return _bad_input("; ".join(missing) + " (or add --demo to try the built-in simulator)")
    return asyncio.run(_generate(config, requests, args))


async def _generate(
    config: config_module.Config, requests: list[GenerationRequest], args: argparse.Namespace
) -> int:
    async with open_controller(config, demo=args.demo) as (controller, runs):
        problems = [problem for request in requests for problem in controller.validate(request)]
        if problems:
            return _bad_input(*problems)
        refused = check_budget(controller, requests, over_budget=args.over_budget)
        if refused is not None:
            return refused

        def start() -> list[JobSnapshot]:  # the budget has spoken for the whole run, above
            return [controller.start(r, over_budget=True).jobs[0] for r in requests]

        return await _follow(controller, runs, start, args.json)


def run_resume(args: argparse.Namespace) -> int:
    return asyncio.run(_resume(config_module.load(), args))


async def _resume(config: config_module.Config, args: argparse.Namespace) -> int:
    if args.resend and not args.job_ids:
        return _bad_input("--resend needs the ids of the jobs to send again")
    async with open_controller(config, demo=args.demo) as (controller, runs):
        if args.resend:
            jobs, problems = _uncertain_jobs(controller, args.job_ids)
            if problems:
                return _bad_input(*problems)
            # the user has asked for these by id: sent again whatever the budget says
            return await _follow(
                controller,
                runs,
                lambda: [s for job in jobs for s in controller.retry(job, over_budget=True).jobs],
                args.json,
            )
        resumable, others = controller.resumable(), controller.of_the_other_mode()
        if args.job_ids:
            resumable, others = _named(resumable, args.job_ids), _named(others, args.job_ids)
        if others:
            ids = " ".join(short_id(job.id) for job in others)
            why = controller.leaves_alone(others[0])
            print(f"fluxtui: {len(others)} job(s) left as they are ({ids}): {why}", file=sys.stderr)
        if not resumable:
            held = controller.held_elsewhere()
            if held:
                print(
                    f"nothing to resume here: {held} unfinished job(s) are followed by another "
                    "fluxtui process (one that stopped gives them up within "
                    f"{human(LEASE_TTL_S)})",
                    file=sys.stderr,
                )
            else:
                done = (
                    "nothing to resume here" if others else "nothing to resume: every job has ended"
                )
                print(done, file=sys.stderr)
            _mention_uncertain(controller)
            return exit_codes.EXIT_OK

        def resume() -> list[JobSnapshot]:
            started = controller.resume_all([job.id for job in resumable])
            if started.notice:
                print(f"fluxtui: {started.notice}", file=sys.stderr)
            return list(started.jobs)

        return await _follow(controller, runs, resume, args.json)


def _named(jobs: list[JobSnapshot], typed: list[str]) -> list[JobSnapshot]:
    """The jobs among `jobs` that one of the ids (or short ids, or prefixes) `typed` names."""
    return [job for job in jobs if any(id_matches(job.id, text) for text in typed)]


def _uncertain_jobs(
    controller: Controller, prefixes: list[str]
) -> tuple[list[JobSnapshot], list[str]]:
    """The stored jobs the prefixes name, each of them uncertain; or what is wrong with them."""
    jobs: list[JobSnapshot] = []
    problems: list[str] = []
    for prefix in prefixes:
        found = controller.find(prefix)
        if len(found) != 1:
            what = "no job" if not found else f"{len(found)} jobs"
            problems.append(f"{what} with an id starting {inert(prefix)!r}")
        elif found[0].state is not JobState.UNCERTAIN:
            problems.append(f"job {short_id(found[0].id)} is {found[0].state.label}, not uncertain")
        elif why := controller.leaves_alone(found[0]):
            problems.append(f"job {short_id(found[0].id)} is left as it is: {why}")
        else:
            jobs.append(found[0])
    return jobs, problems


def _mention_uncertain(controller: Controller) -> None:
    uncertain = controller.uncertain()
    if uncertain:
        ids = " ".join(short_id(job.id) for job in uncertain)
        print(
            f"{len(uncertain)} job(s) may have been taken by the provider: check there, then "
            f"`fluxtui resume --resend {ids}` sends them again",
            file=sys.stderr,
        )


async def _follow(
    controller: Controller,
    runs: Runs,
    start: Callable[[], list[JobSnapshot]],
    as_json: bool,
) -> int:
    """Start jobs (`start` returns their first snapshots), show their progress from the events
    and report each as it ends; the exit code of the first that failed, else 0."""
    prices = PriceTable.with_overrides(controller.config.prices)
    with ProgressPrinter([]) as printer:

        def report(ended: JobSnapshot) -> None:
            printer.finished(
                ended.id, lambda: _report(ended, prices, as_json, echo_state=printer.live)
            )

        runs.on_end = report
        stop_listening = controller.add_listener(printer.on_event)
        try:
            for job in start():
                printer.follow(job)
            finished = await runs.ended()
        finally:
            stop_listening()
    return exit_codes.first_failure([exit_codes.for_outcome(j.state, j.error) for j in finished])


def _report(job: JobSnapshot, prices: PriceTable, as_json: bool, *, echo_state: bool) -> None:
    """Print a finished job on stdout: a JSON line, or its files and seed. A job that made no
    image is told on stderr (once: the live lines it leaves never showed it in full), unless the
    progress lines there have just said it (`echo_state` False: they are a plain log)."""
    made = job.state in (JobState.DONE, JobState.CACHED)
    if not made and echo_state:
        print(describe(job), file=sys.stderr)
    if as_json:
        print(json.dumps(job_json(job, prices)), flush=True)
        return
    if made:
        size = f"{job.width}×{job.height}" if job.width else ""
        total = human(job.timings()["total"] or 0.0)
        head = f"{job.request.provider} {job.request.model}: seed {job.seed} {size} in {total}"
        head += f", {prices.cost_of(job).text()}" if job.state is JobState.DONE else ""
        print(inert(head))
        for path in job.files:
            print(f"  {inert(path)}")
    elif job.error and job.error.request_id:
        print(f"  request id: {inert(job.error.request_id)}", file=sys.stderr)
    sys.stdout.flush()


def _bad_input(*problems: str) -> int:
    for problem in problems:
        print(f"fluxtui: {inert(problem)}", file=sys.stderr)
    return exit_codes.EXIT_BAD_INPUT
