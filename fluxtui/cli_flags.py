"""The `fluxtui` command line's flag types and the flag groups several commands share.

Each type reads one value with `fluxtui.core.inputs` and turns its BadValue into argparse's
message, so a refused value is said the same way everywhere.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import NoReturn, TypeVar

from fluxtui.core import inputs

#: how much of a refused command line argparse's message may echo
MESSAGE_CHARS = 300
#: a job id, a comparison id (cmp-…) or a prefix of one
_JOB_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class Parser(argparse.ArgumentParser):
    """argparse, with what its messages echo from the command line shortened and made inert."""

    def error(self, message: str) -> NoReturn:
        super().error(inputs.clip(message, MESSAGE_CHARS))


T = TypeVar("T")


def _flag_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from an `inputs` reader: its BadValue becomes argparse's message."""

    def read(text: str) -> T:
        try:
            return parse(text)
        except inputs.BadValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read


POSITIVE = _flag_type(lambda text: inputs.whole(text, low=1))
NON_NEGATIVE = _flag_type(lambda text: inputs.whole(text, low=0))
PORT = _flag_type(lambda text: inputs.whole(text, low=0, high=65535))
LISTEN_PORT = _flag_type(lambda text: inputs.whole(text, low=1, high=65535))
NUMBER = _flag_type(inputs.number)
SECONDS = _flag_type(inputs.seconds)
DURATION = _flag_type(lambda text: inputs.number(text, low=0))
TEXT = _flag_type(inputs.utf8)
SEARCH = _flag_type(inputs.search)
PATH = _flag_type(inputs.path)


def _job_id(text: str) -> str:
    if not _JOB_ID.fullmatch(text):
        raise inputs.BadValue(
            f"{inputs.shown(text)} is not a job or comparison id (letters, "
            "digits and -, at most 64)"
        )
    return text


JOB_ID = _flag_type(_job_id)
URL = _flag_type(inputs.base_url)


def add_request_flags(parser: argparse.ArgumentParser) -> None:
    """The generic request flags `generate` and `compare` share."""
    parser.add_argument("--width", type=POSITIVE, metavar="W")
    parser.add_argument("--height", type=POSITIVE, metavar="H")
    parser.add_argument("--size", metavar="WxH", help="width and height together, e.g. 1024x768")
    parser.add_argument("--aspect", type=TEXT, metavar="R", help="aspect ratio, e.g. 16:9")
    parser.add_argument("--seed", type=NON_NEGATIVE, metavar="N")
    parser.add_argument("--steps", type=POSITIVE, metavar="N")
    parser.add_argument("--guidance", type=NUMBER, metavar="X")
    parser.add_argument("--safety", type=NON_NEGATIVE, metavar="N", help="safety tolerance")
    parser.add_argument(
        "--format", choices=("png", "jpeg", "webp"), help="output format (webp: FLUX.2 only)"
    )
    parser.add_argument(
        "--transparent",
        action="store_true",
        help="a transparent background (FLUX.2, with --format png or webp)",
    )
    parser.add_argument(
        "--prompt-upsampling",
        action=argparse.BooleanOptionalAction,
        help="let the service expand the prompt (default: the model's own)",
    )
    parser.add_argument(
        "--param",
        action="append",
        type=TEXT,
        default=[],
        metavar="KEY=VALUE",
        help="a provider field passed verbatim (VALUE read as JSON when it parses)",
    )
    parser.add_argument(
        "--image",
        action="append",
        type=TEXT,
        default=[],
        metavar="FILE|URL|JOB[:N]",
        help="an input image: a file, a URL, or a library job's image (id, :N for its Nth)",
    )
    parser.add_argument("--mask", type=TEXT, metavar="FILE|URL|JOB[:N]", help="Fill's mask")
    parser.add_argument(
        "--image-strength", type=NUMBER, metavar="X", help="how much the input image weighs (0–1)"
    )
    parser.add_argument(
        "--downscale-inputs",
        action="store_true",
        help="re-encode an input over the provider's limit down to it",
    )


def add_over_budget(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--over-budget",
        action="store_true",
        help="send even when it crosses the [budget] in the config (else refused, exit 2)",
    )


def job_states() -> list[str]:
    from fluxtui.core.models import JobState

    return [state.value for state in JobState]


def add_json_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator (no keys needed)"
    )


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per job on stdout")
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator (no keys needed)"
    )
