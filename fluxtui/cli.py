"""The `fluxtui` command. Headless commands never import Textual; heavy imports wait for use.

Exit codes: 0 done, 2 bad input (a config file that cannot be read, too), 3 refused by the
provider (key, credits, moderation), 4 timed out, 1 anything else; a reader of stdout that goes
away (`| head`) ends the command quietly with 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fluxtui import __version__
from fluxtui import cli_flags as flags
from fluxtui.commands import batch_flags, sweep_args
from fluxtui.core.exit_codes import EXIT_BAD_INPUT, EXIT_OTHER


def build_parser() -> argparse.ArgumentParser:
    parser = flags.Parser(
        prog="fluxtui",
        description="Generate images with FLUX models from the terminal. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"fluxtui {__version__}")
    parser.add_argument(
        "--demo",
        dest="app_demo",
        action="store_true",
        help="open the app on the built-in simulator even when keys are set",
    )
    parser.add_argument(
        "--image-protocol",
        choices=("auto", "tgp", "sixel", "halfcell", "unicode", "none"),
        help="how the app draws images (default: auto; also FLUXTUI_IMAGE_PROTOCOL)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gen = commands.add_parser("generate", help="generate an image without the app")
    gen.add_argument("prompt", type=flags.TEXT, help="what to draw")
    gen.add_argument(
        "--provider",
        "-p",
        action="append",
        type=flags.TEXT,
        metavar="P",
        help="provider (repeat to run the same request on several at once)",
    )
    gen.add_argument("--model", "-m", type=flags.TEXT, help="model id (any id is accepted)")
    flags.add_request_flags(gen)
    gen.add_argument("--num-images", type=flags.POSITIVE, metavar="N")
    gen.add_argument(
        "--base-url", type=flags.URL, metavar="URL", help="use this base URL for the provider"
    )
    gen.add_argument("--timeout", type=flags.SECONDS, metavar="S", help="give up after S seconds")
    flags.add_over_budget(gen)
    flags.add_common(gen)

    cmp = commands.add_parser(
        "compare",
        help="the same prompt, size and seed on several providers/models, then a table",
        description="Send one prompt, size and seed to several targets at once; print a table "
        "of timings, sizes and prices, and write a contact sheet and the table (Markdown, CSV, "
        "JSON) to the library. With no size, every target gets 1024x768; with no seed, one "
        "random seed is shared.",
    )
    cmp.add_argument("prompt", nargs="?", type=flags.TEXT, help="what to draw")
    cmp.add_argument(
        "--target",
        "-t",
        action="append",
        type=flags.TEXT,
        metavar="P:M",
        help="provider:model, e.g. comet:flux-pro-1.1 or fal:fal-ai/flux/dev; a bare provider "
        "means its default model (repeatable)",
    )
    cmp.add_argument(
        "--set",
        action="append",
        type=flags.TEXT,
        metavar="NAME",
        help="a saved set of targets (repeatable)",
    )
    cmp.add_argument("--list-sets", action="store_true", help="list the saved sets and exit")
    flags.add_request_flags(cmp)
    cmp.add_argument(
        "--sheet", type=flags.PATH, metavar="PATH", help="also write the contact sheet PNG here"
    )
    cmp.add_argument("--timeout", type=flags.SECONDS, metavar="S", help="give up after S seconds")
    flags.add_over_budget(cmp)
    cmp.set_defaults(num_images=None)
    flags.add_json_demo(cmp)

    batch_flags.add_parser(commands)
    sweep_args.add_parser(commands)

    resume = commands.add_parser("resume", help="carry on jobs left unfinished by a crash or quit")
    resume.add_argument(
        "job_ids", nargs="*", type=flags.JOB_ID, metavar="ID", help="only these jobs"
    )
    resume.add_argument(
        "--resend",
        action="store_true",
        help="send these jobs, whose submit is uncertain, again (the provider may charge twice)",
    )
    flags.add_common(resume)

    providers = commands.add_parser("providers", help="list providers, models and key status")
    providers.add_argument("--json", action="store_true", help="print JSON")
    providers.add_argument(
        "--check",
        action="store_true",
        help="ask each provider whether its key works, where that is free (BFL: the balance)",
    )
    providers.add_argument(
        "--stats", action="store_true", help="median and p90 time to ready per provider and model"
    )

    history = commands.add_parser("history", help="list past jobs, newest first")
    history.add_argument("--limit", type=flags.POSITIVE, default=20, metavar="N")
    history.add_argument(
        "--offset", type=flags.NON_NEGATIVE, default=0, metavar="N", help="skip N jobs"
    )
    history.add_argument(
        "--search",
        type=flags.SEARCH,
        metavar="TEXT",
        help="only prompts containing every word of TEXT",
    )
    history.add_argument("--provider", type=flags.TEXT, metavar="P")
    history.add_argument("--model", type=flags.TEXT, metavar="M")
    history.add_argument("--state", choices=flags.job_states())
    history.add_argument(
        "--since",
        type=flags.TEXT,
        metavar="WHEN",
        help="only jobs since WHEN: today, yesterday, 30m, 2h, 7d, 2025-06-01, '2025-06-01 14:30'",
    )
    history.add_argument(
        "--sort",
        choices=("newest", "oldest", "fastest", "slowest"),
        default="newest",
        help="fastest/slowest: by time to image",
    )
    history.add_argument(
        "--comparisons", action="store_true", help="list comparisons instead of jobs"
    )
    history.add_argument("--batch", type=flags.JOB_ID, metavar="ID", help="the jobs of a batch")
    history.add_argument("--json", action="store_true", help="one JSON object per line")

    export = commands.add_parser(
        "export",
        help="copy a job's images (or a comparison's) to DIR with a JSON sidecar",
    )
    export.add_argument(
        "id", type=flags.JOB_ID, metavar="ID", help="a job id or comparison id (cmp-…), or a prefix"
    )
    export.add_argument(
        "dir", type=flags.PATH, metavar="DIR", help="the folder to write to (made if needed)"
    )
    export.add_argument("--json", action="store_true", help="print what was written as JSON")

    lineage = commands.add_parser(
        "lineage", help="the chain of edits that made a job: its first image → … → the job"
    )
    lineage.add_argument("id", type=flags.JOB_ID, metavar="ID", help="a job id, or its start")
    lineage.add_argument("--json", action="store_true", help="one JSON object per line")

    spend = commands.add_parser("spend", help="what today's images cost (reported, else estimated)")
    spend.add_argument("--json", action="store_true", help="print JSON")
    spend.add_argument("--prices", action="store_true", help="also list the price table")

    commands.add_parser("locate", help="print the config, data and cache paths")

    doctor = commands.add_parser(
        "doctor",
        help="what fluxtui found out about the terminal, its paths and keys, for a bug report",
        description="Ask the terminal what it is and draws, and print what the app would "
        "choose (image protocol, colours) and why, the config/data/cache paths and whether "
        "each provider has a key (never the key).",
    )
    doctor.add_argument("--json", action="store_true", help="print JSON")

    sim = commands.add_parser("sim", help="run the provider simulator on 127.0.0.1")
    sim.add_argument("--port", type=flags.PORT, default=8787, metavar="N")
    sim.add_argument("--cluster-port", type=flags.PORT, metavar="N", help="(default: port + 1)")
    sim.add_argument(
        "--queue", type=flags.DURATION, metavar="S", help="seconds each job waits in queue"
    )
    sim.add_argument("--run", type=flags.DURATION, metavar="S", help="seconds each job runs")
    sim.add_argument(
        "--service",
        choices=("comet", "bfl", "apiyi", "openai", "fal"),  # fluxtui.sim.config.SERVICES
        help="serve only this service, at the root of its port (for SDKs that join absolute "
        "paths to a host)",
    )

    serve = commands.add_parser(
        "serve",
        help="run the app in a web browser (textual-serve)",
        description="Serve the app over HTTP: each browser session opening the printed link "
        "runs its own app, with images in truecolor half-cell blocks. Demo mode when asked or "
        "when no key is set.",
    )
    serve.add_argument(
        "--host", type=flags.TEXT, default="127.0.0.1", metavar="ADDR", help="(default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=flags.LISTEN_PORT, default=8000, metavar="N", help="(default: 8000)"
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="allow a --host other machines can reach (the app spends on your keys)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="on the built-in simulator even when keys are set"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from fluxtui.tui.launch import launch

        return launch(image_protocol=args.image_protocol, demo=args.app_demo)
    from fluxtui.core.errors import ConfigError, StoreError

    try:
        if args.command not in ("sim", "doctor"):  # doctor reports the config's problems itself
            _print_config_warnings(args.command)
        code = _dispatch(args)
        sys.stdout.flush()  # a reader that has gone (`| head`) shows here, not at exit
        return code
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_OTHER
    except ConfigError as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StoreError, OSError) as exc:  # the job store, the data dir: the message says what to do
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_OTHER
    except KeyboardInterrupt:
        print(
            "fluxtui: interrupted; unfinished jobs can be resumed with `fluxtui resume`",
            file=sys.stderr,
        )
        return 130


def _drop_stdout() -> None:
    """After the reader of stdout went away: send what is still buffered nowhere, so that the
    interpreter's last flush does not fail too (as Python's documentation of SIGPIPE advises)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured): nothing is left to flush
        pass


def _print_config_warnings(command: str) -> None:
    """What the config file warns about (a key others can read), on stderr, before a command.
    A config that cannot be read stops every command (ConfigError) but `locate`, which shows
    where the file is: there it is a warning."""
    from fluxtui.core import config as config_module
    from fluxtui.core.errors import ConfigError

    try:
        warnings = config_module.load().warnings
    except ConfigError as exc:
        if command != "locate":
            raise
        warnings = (str(exc),)
    for warning in warnings:
        print(f"fluxtui: warning: {warning}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "generate":
        from fluxtui.commands.generate import run_generate

        return run_generate(args)
    if args.command == "resume":
        from fluxtui.commands.generate import run_resume

        return run_resume(args)
    if args.command == "batch":
        from fluxtui.commands.batch import run_batch

        return run_batch(args)
    if args.command == "sim":
        from fluxtui.commands.info import run_sim

        return run_sim(args)
    if args.command == "compare":
        from fluxtui.commands.compare import run_compare

        return run_compare(args)
    if args.command == "sweep":
        from fluxtui.commands.sweep import run_sweep

        return run_sweep(args)
    if args.command in ("history", "export"):
        from fluxtui.commands import library

        return {"history": library.run_history, "export": library.run_export}[args.command](args)
    if args.command == "lineage":
        from fluxtui.commands.lineage import run_lineage

        return run_lineage(args)
    if args.command == "doctor":
        from fluxtui.commands.doctor import run_doctor

        return run_doctor(args)
    if args.command == "serve":
        from fluxtui.commands.serve import run_serve

        return run_serve(args)
    if args.command == "spend":
        from fluxtui.commands.costs import run_spend

        return run_spend(args)
    from fluxtui.commands import info

    return {"providers": info.run_providers, "locate": info.run_locate}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
