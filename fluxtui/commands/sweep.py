"""`fluxtui sweep`: one prompt on a grid of one or two axes, then the table and a grid sheet.

A sweep is a comparison with axes: its cells are planned by `core.sweep`, then checked against the
budget, run, exported and printed by `compare`'s code (`run_planned`). Nothing is sent unless every
cell can be; the exit code is `compare`'s.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from fluxtui.commands.compare import bad_input, run_planned, sheet_problem
from fluxtui.commands.input_flags import fitted, inputs_from_args
from fluxtui.commands.requests import BadFlags, missing_keys, params_extra, params_from_args
from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started
from fluxtui.core import compare, sweep
from fluxtui.core import config as config_module
from fluxtui.core.comparison import Axis, Target
from fluxtui.core.config import Config
from fluxtui.core.errors import ConfigError
from fluxtui.core.inputs import shown
from fluxtui.core.models import GenerationRequest
from fluxtui.session import with_timeout


def run_sweep(args: argparse.Namespace) -> int:
    config = with_timeout(config_module.load(), args.timeout)
    if not args.prompt.strip():
        return bad_input("give a PROMPT to sweep")
    if args.sheet and (problem := sheet_problem(Path(args.sheet))):
        return bad_input(f"--sheet {shown(args.sheet)} {problem}")
    try:
        axes = _axes(config, args)
        params = params_from_args(args)
        sweep.check_axes(
            axes, params, provider_given=bool(args.provider), model_given=bool(args.model)
        )
        extra = params_extra(args.param)
        images = inputs_from_args(args)
        base = _base(config, args)
    except (BadFlags, sweep.SweepError, compare.TargetError, ConfigError) as exc:
        return bad_input(str(exc))
    downscale = args.downscale_inputs or config.downscale_inputs

    def fit(request: GenerationRequest) -> GenerationRequest:
        return fitted(config, request, request.inputs, downscale)

    try:
        planned = sweep.plan(config, args.prompt, params, base, axes, extra, images, fit)
    except BadFlags as exc:
        return bad_input(str(exc))
    wanted = sorted({p.target.provider for p in planned.plans})
    if not args.demo and (missing := missing_keys(config, wanted)):
        return bad_input(*missing, "(or add --demo to sweep on the built-in simulator)")
    problems = compare.problems_of(planned.plans)
    if problems:
        return bad_input(*problems, "nothing was sent")

    def start(controller: Controller) -> Started:
        return controller.start_sweep(planned, over_budget=True)  # the budget has spoken

    return asyncio.run(run_planned(config, list(planned.plans), args, start))


def _axes(config: Config, args: argparse.Namespace) -> list[Axis]:
    """The axes in the order given: --seeds first when given, then each --vary."""
    axes = [sweep.seeds_axis(args.seeds)] if args.seeds else []
    for text in args.vary:
        name, values = sweep.split_axis(text)
        axes.append(sweep.read_axis(config, name, values))
    return axes


def _base(config: Config, args: argparse.Namespace) -> Target:
    """The target of every cell (before a model or target axis): -p/-m, else the defaults."""
    provider = args.provider or config.preferred_provider()
    model = config.entry(provider).choose_model(args.model)
    if not model:
        raise BadFlags(
            f"{provider} has no default model: give --model or set default_model "
            f"in [providers.{provider}]"
        )
    return Target(provider, model)
