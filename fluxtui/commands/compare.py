"""`fluxtui compare`: the same prompt, size and seed on several targets at once, then a table.

Progress goes to stderr as for `generate`; at the end the table (or, with `--json`, one JSON
object) goes to stdout, and the contact sheet and the table (Markdown, CSV, JSON) are written to
`<library>/comparisons/<id>/` (`--sheet PATH` writes the sheet there too). The exit code is 0 when
every target made its image, else the first non-zero code of `generate`'s scheme.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fluxtui.commands.costs import check_budget
from fluxtui.commands.input_flags import fitted, inputs_from_args
from fluxtui.commands.progress import ProgressPrinter
from fluxtui.commands.requests import BadFlags, missing_keys, params_extra, params_from_args
from fluxtui.commands.running import open_controller
from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started
from fluxtui.core import compare, compare_table, compare_text, exit_codes, exports, paths
from fluxtui.core import config as config_module
from fluxtui.core.compare import TargetError, TargetPlan
from fluxtui.core.comparison import Comparison
from fluxtui.core.config import Config
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.input_images import InputImage
from fluxtui.core.inputs import shown
from fluxtui.core.models import GenerationRequest, JobSnapshot
from fluxtui.core.pricing import PriceTable
from fluxtui.core.text import inert
from fluxtui.session import with_timeout

#: how wide the table's state column may grow; a longer reason is printed in full below it
STATE_WIDTH = 40


def run_compare(args: argparse.Namespace) -> int:
    config = with_timeout(config_module.load(), args.timeout)
    if args.list_sets:
        for name, members in compare.saved_sets(config).items():
            print(f"{name:<16} {' '.join(members)}")
        return exit_codes.EXIT_OK
    if not args.prompt or not args.prompt.strip():
        return bad_input("give a PROMPT to compare")
    if args.sheet and (problem := sheet_problem(Path(args.sheet))):
        return bad_input(f"--sheet {shown(args.sheet)} {problem}")
    try:
        targets = compare.resolve_targets(config, args.target or (), args.set or ())
        params = compare.shared_params(params_from_args(args))
        extra = params_extra(args.param)
        images = inputs_from_args(args)
    except (BadFlags, TargetError) as exc:
        return bad_input(str(exc))
    if not args.demo and (missing := missing_keys(config, sorted({t.provider for t in targets}))):
        return bad_input(*missing, "(or add --demo to compare on the built-in simulator)")

    downscale = args.downscale_inputs or config.downscale_inputs

    def fit(request: GenerationRequest) -> GenerationRequest:
        return fitted(config, request, request.inputs, downscale)

    try:
        plans = compare.plan(config, args.prompt, params, targets, extra, images, fit)
    except BadFlags as exc:
        return bad_input(str(exc))
    problems = compare.problems_of(plans)
    if problems:
        return bad_input(*problems)
    return asyncio.run(_compare(config, plans, params, extra, args, (images, fit)))


def sheet_problem(sheet: Path) -> str | None:
    """Why the contact sheet could not be written to `sheet` once the images are made, or None."""
    if sheet.is_dir():
        return "is a folder: give a file name such as fox.png"
    folder = next((p for p in sheet.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        return f"cannot be written: {shown(str(folder))} is not a folder"
    return None


async def _compare(
    config: Config,
    plans: list[TargetPlan],
    params: dict[str, Any],
    extra: dict[str, Any],
    args: argparse.Namespace,
    inputs: tuple[tuple[InputImage, ...], Callable[[GenerationRequest], GenerationRequest]],
) -> int:
    images, fit = inputs

    def start(controller: Controller) -> Started:
        return controller.start_comparison(
            args.prompt,
            params,
            [plan.target for plan in plans],
            extra=extra,
            set_name=", ".join(args.set) if args.set else None,
            over_budget=True,  # the budget has spoken for the whole run, above
            skip_invalid=False,
            inputs=images,
            fit=fit,
        )

    return await run_planned(config, plans, args, start)


async def run_planned(
    config: Config,
    plans: list[TargetPlan],
    args: argparse.Namespace,
    start: Callable[[Controller], Started],
) -> int:
    """Check the budget for every plan, `start` them (a comparison or a sweep) with progress on
    stderr, then write the exports and print the table (or JSON): `compare` and `sweep` alike."""
    async with open_controller(config, demo=args.demo) as (controller, runs):
        refused = check_budget(controller, [p.request for p in plans], over_budget=args.over_budget)
        if refused is not None:
            return refused
        printer = ProgressPrinter([], keep_finished=True)
        stop_listening = controller.add_listener(printer.on_event)
        try:
            started = start(controller)
            _say_dropped(plans)
            if started.comparison is not None and started.comparison.is_sweep:
                printer.label = _cell_of(started.comparison)
            with printer:
                for job in started.jobs:
                    printer.follow(job)
                jobs = await runs.ended()
        except InvalidRequest as exc:
            return bad_input(*exc.problems)
        finally:
            stop_listening()
        assert started.comparison is not None
        comparison = started.comparison
        rows = compare_table.rows(comparison, jobs, PriceTable.with_overrides(config.prices))
        folder = exports.comparison_folder(paths.library_dir(), comparison)
        written = exports.export_comparison(comparison, rows, folder)
        sheet = None
        if args.sheet:
            sheet = exports.write_comparison_sheet(comparison, rows, Path(args.sheet))
        if args.json:
            print(json.dumps(_as_json(comparison, rows, written, sheet), ensure_ascii=False))
        else:
            _print_table(comparison, rows, written, sheet)
    return exit_codes.first_failure([exit_codes.for_outcome(j.state, j.error) for j in jobs])


def _cell_of(sweep: Comparison) -> Callable[[JobSnapshot], str | None]:
    """A sweep's job named by its cell ("seed 7, steps 20"): its cells share provider and model."""

    def cell(job: JobSnapshot) -> str | None:
        entry = sweep.entry_for(job.id)
        return sweep.cell_text(entry) if entry is not None else None

    return cell


def _say_dropped(plans: list[TargetPlan]) -> None:
    said = set()
    for plan in plans:
        line = f"fluxtui: {plan.target} does not take {', '.join(plan.dropped)}: dropped for it"
        if plan.dropped and line not in said:  # a sweep's cells on one target: said once
            said.add(line)
            print(inert(line), file=sys.stderr)


def _as_json(
    comparison: Comparison,
    rows: list[compare_table.CompareRow],
    written: exports.ComparisonExport,
    sheet: Path | None,
) -> dict[str, Any]:
    record = compare_text.comparison_dict(comparison)
    return {
        "id": comparison.id,
        "prompt": comparison.prompt,
        "params": record["params"],
        "set_name": comparison.set_name,
        "rows": [row.to_dict() for row in rows],
        "fastest": [str(r.target) for r in rows if r.fastest],
        "cheapest": [str(r.target) for r in rows if r.cheapest],
        "exports": {
            "folder": str(written.folder),
            "sheet": str(written.sheet),
            "markdown": str(written.markdown),
            "csv": str(written.csv),
            "json": str(written.json),
        },
        "sheet": str(sheet) if sheet else None,
        **(_axes_json(comparison) if comparison.is_sweep else {}),
    }


def _axes_json(comparison: Comparison) -> dict[str, Any]:
    """A sweep's axes, and each row's cell: its value on each axis, in the rows' order."""
    return {
        "axes": [axis.to_dict() for axis in comparison.axes],
        "cells": [
            {axis.name: axis.values[i] for axis, i in zip(comparison.axes, entry.cell, strict=True)}
            for entry in comparison.entries
        ],
    }


def _print_table(
    comparison: Comparison,
    rows: list[compare_table.CompareRow],
    written: exports.ComparisonExport,
    sheet: Path | None,
) -> None:
    kind = "sweep" if comparison.is_sweep else "comparison"
    print(inert(f"{kind} {comparison.id}: {exports.sheet_title(comparison)}"))
    print(inert(compare_text.table_text(rows, state_width=STATE_WIDTH), multiline=True))
    for row in rows:
        reason = compare_text.state_text(row)
        if len(reason) > STATE_WIDTH:
            print(inert(f"{row.target}: {reason}"))
    for label, marked in (
        ("fastest", [r for r in rows if r.fastest]),
        ("cheapest", [r for r in rows if r.cheapest]),
    ):
        if marked:  # a sweep's cells by their values on the axes
            print(inert(f"{label}: {'; '.join(r.cell or str(r.target) for r in marked)}"))
    if not any(r.cheapest for r in rows) and any(r.done for r in rows):
        print("cheapest: unknown (no price is known for the targets that finished)")
    print(f"sheet:  {sheet or written.sheet}")
    print(f"tables: {written.markdown}, {written.csv.name}, {written.json.name}")
    sys.stdout.flush()


def bad_input(*problems: str) -> int:
    for problem in problems:
        print(f"fluxtui: {inert(problem)}", file=sys.stderr)
    return exit_codes.EXIT_BAD_INPUT
