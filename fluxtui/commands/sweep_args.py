"""`fluxtui sweep`'s flags: `generate`'s request flags, `--sheet` as `compare` has, and the axes.

Kept apart from `sweep.py` (which runs it and imports the engine's side) so that building the
command line stays light.
"""

from __future__ import annotations

import argparse

from fluxtui import cli_flags as flags


def add_parser(commands: argparse._SubParsersAction[flags.Parser]) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="one prompt on a grid of seeds, guidance, steps, models or targets, then a sheet",
        description="Send one prompt to a grid of one or two axes (X: the columns, Y: the rows), "
        "every other field fixed and shared (one seed, drawn once, unless seeds is an axis; "
        "1024x768 unless a size is given or varied). Every cell is checked before anything is "
        "sent. Writes a labelled grid sheet and the table to the library, as compare does.",
    )
    sweep.add_argument("prompt", type=flags.TEXT, help="what to draw")
    sweep.add_argument("--provider", "-p", type=flags.TEXT, metavar="P", help="provider")
    sweep.add_argument("--model", "-m", type=flags.TEXT, help="model id (any id is accepted)")
    flags.add_request_flags(sweep)
    sweep.add_argument("--num-images", type=flags.POSITIVE, metavar="N")
    sweep.add_argument(
        "--seeds",
        type=flags.TEXT,
        metavar="S1,S2,…|N",
        help="an axis of these seeds, or of N random ones",
    )
    sweep.add_argument(
        "--vary",
        action="append",
        type=flags.TEXT,
        default=[],
        metavar="NAME=V1,V2,…",
        help="an axis: guidance, steps, model, target (P:M), size (WxH), aspect, safety, format, "
        "prompt_upsampling, image_strength, seed, or params.NAME (a provider field); the first "
        "axis is X, the second Y",
    )
    sweep.add_argument(
        "--sheet", type=flags.PATH, metavar="PATH", help="also write the grid sheet PNG here"
    )
    sweep.add_argument("--timeout", type=flags.SECONDS, metavar="S", help="give up after S seconds")
    flags.add_over_budget(sweep)
    flags.add_json_demo(sweep)
