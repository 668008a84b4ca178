"""`fluxtui batch`'s flags, read when the command line is parsed: this imports nothing heavy
(the command itself is `commands.batch`)."""

from __future__ import annotations

from typing import Any

from fluxtui import cli_flags as flags


def add_parser(commands: Any) -> None:
    """`batch`'s flags: `generate`'s (the defaults of every line) and the batch's own."""
    parser = commands.add_parser(
        "batch",
        help="run many prompts from a file (.txt, .jsonl, .csv), resumably",
        description="Run a line per job from FILE (- for stdin): a prompt a line (.txt), an "
        "object a line (.jsonl), or a table with a prompt column (.csv). The flags give the "
        "defaults each line can override. Running the same file again, or --resume ID, sends "
        "only the lines without a finished image.",
    )
    parser.add_argument("file", nargs="?", type=flags.PATH, metavar="FILE")
    parser.add_argument(
        "--format-in",
        choices=("txt", "jsonl", "csv"),  # fluxtui.core.batch_source.FORMATS
        help="the format of FILE (default: by name)",
    )
    parser.add_argument("--provider", "-p", action="append", type=flags.TEXT, metavar="P")
    parser.add_argument("--model", "-m", type=flags.TEXT, help="model id (any id is accepted)")
    flags.add_request_flags(parser)
    parser.add_argument("--num-images", type=flags.POSITIVE, metavar="N")
    parser.add_argument(
        "--concurrency", type=flags.POSITIVE, metavar="N", help="at most N lines at once"
    )
    parser.add_argument("--stop-on-error", action="store_true", help="stop at the first failure")
    parser.add_argument(
        "--dry-run", action="store_true", help="check every line and price it; send nothing"
    )
    parser.add_argument("--out", type=flags.PATH, metavar="DIR", help="also put the images here")
    parser.add_argument("--resume", type=flags.JOB_ID, metavar="ID", help="run a stored batch")
    parser.add_argument("--new", action="store_true", help="a new batch even for a file run before")
    parser.add_argument("--list", action="store_true", help="list the stored batches")
    parser.add_argument(
        "--timeout", type=flags.SECONDS, metavar="S", help="give up after S seconds"
    )
    flags.add_over_budget(parser)
    flags.add_common(parser)
