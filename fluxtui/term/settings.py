"""What the user asked for: the image protocol and the colour depth, from flag, environment, config.

Each source is checked with a message naming it; a bad value stops the app before it starts.
"""

from __future__ import annotations

from fluxtui.term.report import COLOR_DEPTHS, IMAGE_PROTOCOLS

PROTOCOL_ENV = "FLUXTUI_IMAGE_PROTOCOL"
COLOR_ENV = "FLUXTUI_COLOR"
PROTOCOL_VALUES = ("auto", *IMAGE_PROTOCOLS)
COLOR_VALUES = ("auto", *COLOR_DEPTHS)


def requested_protocol(flag: str | None, env: str | None, configured: object) -> tuple[str, str]:
    """The protocol asked for and who asked: `--image-protocol`, the environment, then
    `[tui] image_protocol`; ("auto", "") when nobody did. ValueError names a bad source."""
    sources = (
        ("--image-protocol", flag),
        (PROTOCOL_ENV, env),
        ("[tui] image_protocol", configured),
    )
    return _first(sources, PROTOCOL_VALUES) or ("auto", "")


def color_override(env: str | None, configured: object) -> tuple[str, str] | None:
    """The colour depth forced and who forced it (FLUXTUI_COLOR over `[tui] color`); None: auto.
    ValueError names the source of a value that is not auto|truecolor|256|16."""
    found = _first(((COLOR_ENV, env), ("[tui] color", configured)), COLOR_VALUES)
    return None if found is None or found[0] == "auto" else found


def _first(
    sources: tuple[tuple[str, object], ...], allowed: tuple[str, ...]
) -> tuple[str, str] | None:
    for source, value in sources:
        if value is None or value == "":
            continue
        chosen = str(value).strip().lower()
        if chosen not in allowed:
            raise ValueError(f"{source} {value!r} is not one of {', '.join(allowed)}")
        return chosen, source
    return None
