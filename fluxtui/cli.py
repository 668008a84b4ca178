"""The `fluxtui` command. Headless commands never import Textual; heavy imports wait for use.

Exit codes: 0 done, 2 bad input, 3 refused by the provider (key, credits, moderation),
4 timed out, 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fluxtui import __version__

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_TIMED_OUT = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    gen.add_argument("prompt", help="what to draw")
    gen.add_argument(
        "--provider",
        "-p",
        action="append",
        metavar="P",
        help="provider (repeat to run the same request on several at once)",
    )
    gen.add_argument("--model", "-m", help="model id (any id is accepted)")
    gen.add_argument("--width", type=int, metavar="W")
    gen.add_argument("--height", type=int, metavar="H")
    gen.add_argument("--size", metavar="WxH", help="width and height together, e.g. 1024x768")
    gen.add_argument("--aspect", metavar="R", help="aspect ratio, e.g. 16:9")
    gen.add_argument("--seed", type=int, metavar="N")
    gen.add_argument("--steps", type=int, metavar="N")
    gen.add_argument("--guidance", type=float, metavar="X")
    gen.add_argument("--safety", type=int, metavar="N", help="safety tolerance")
    gen.add_argument("--format", choices=("png", "jpeg"), help="output format")
    gen.add_argument("--num-images", type=int, metavar="N")
    gen.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a provider field passed verbatim (VALUE read as JSON when it parses)",
    )
    gen.add_argument("--base-url", metavar="URL", help="use this base URL for the provider")
    gen.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds")
    _add_common(gen)

    resume = commands.add_parser("resume", help="carry on jobs left unfinished by a crash or quit")
    resume.add_argument("job_ids", nargs="*", metavar="ID", help="only these jobs")
    _add_common(resume)

    providers = commands.add_parser("providers", help="list providers, models and key status")
    providers.add_argument("--json", action="store_true", help="print JSON")

    history = commands.add_parser("history", help="list past jobs, newest first")
    history.add_argument("--limit", type=int, default=20, metavar="N")
    history.add_argument("--search", metavar="TEXT", help="only prompts containing TEXT")
    history.add_argument("--provider", metavar="P")
    history.add_argument("--json", action="store_true", help="one JSON object per line")

    commands.add_parser("locate", help="print the config, data and cache paths")

    sim = commands.add_parser("sim", help="run the provider simulator on 127.0.0.1")
    sim.add_argument("--port", type=int, default=8787, metavar="N")
    sim.add_argument("--cluster-port", type=int, metavar="N", help="(default: port + 1)")
    sim.add_argument("--queue", type=float, metavar="S", help="seconds each job waits in queue")
    sim.add_argument("--run", type=float, metavar="S", help="seconds each job runs")
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per job on stdout")
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator (no keys needed)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from fluxtui.tui.launch import launch

        return launch(image_protocol=args.image_protocol, demo=args.app_demo)
    from fluxtui.core.errors import ConfigError

    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("fluxtui: interrupted; unfinished jobs can be resumed with `fluxtui resume`",
              file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "generate":
        from fluxtui.commands.generate import run_generate

        return run_generate(args)
    if args.command == "resume":
        from fluxtui.commands.generate import run_resume

        return run_resume(args)
    if args.command == "sim":
        from fluxtui.commands.info import run_sim

        return run_sim(args)
    from fluxtui.commands import info

    return {"providers": info.run_providers, "history": info.run_history, "locate": info.run_locate}[
        args.command
    ](args)


if __name__ == "__main__":
    raise SystemExit(main())
