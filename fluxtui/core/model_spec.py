"""What a model accepts: the rule of each parameter and of its size, and the checks they make.

The tables of known models are in `model_tables`; looking them up and validating whole requests is
`catalog`'s job. Sizes: 1 MP is 1024×1024 pixels, so "4 MP" admits 2048×2048 (as BFL and APIYI
advertise it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from fluxtui.core.inputs import shown

ParamType = Literal["int", "float", "bool", "str", "choice"]

MP = 1024 * 1024
SIZE_PARAMS = ("width", "height")
AspectRange = tuple[tuple[int, int], tuple[int, int]]
#: the widest and the tallest ratio an aspect-ratio model takes (ultra's)
ASPECT_RANGE: AspectRange = ((21, 9), (9, 21))
#: Kontext's widest documented range (its sources say 3:7–7:3, 1:4–4:1 or 21:9–9:21)
KONTEXT_ASPECT_RANGE: AspectRange = ((4, 1), (1, 4))
#: output formats that keep an alpha channel, which `transparent_bg` needs
ALPHA_FORMATS = ("png", "webp")


@dataclass(frozen=True)
class ParamRule:
    """What one canonical parameter of one model accepts."""

    name: str
    type: ParamType
    min: float | None = None
    max: float | None = None
    multiple_of: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    help: str = ""

    def check(self, value: Any, model_id: str, field: str | None = None) -> str | None:
        """The problem with `value`, or None; `field` is the name it came under (a wire name)."""
        field = field or self.name
        problem = type_problem(field, value, self.type)
        if problem:
            return problem
        if self.type == "choice" and value not in self.choices:
            return f"{field} {shown(value)} is not one of {', '.join(self.choices)} for {model_id}"
        if self.type in ("int", "float"):
            return number_problem(field, value, self.min, self.max, self.multiple_of, model_id)
        return None


@dataclass(frozen=True)
class SizeRule:
    """What width and height a model accepts; None means the provider documents no limit."""

    multiple_of: int | None = None
    min_side: int | None = None
    max_side: int | None = None
    max_pixels: int | None = None


@dataclass(frozen=True)
class InputRule:
    """The input images a model takes, and the wire fields they go in (a table's own: BFL's
    `input_image`, `input_image_2` …; fal's `image_urls`; APIYI's multipart `image`).

    `fields` are filled in order, one image each, unless `listed`: then every image goes in the
    one list field. `mask_field` is the mask's field (Fill). `max_bytes`/`max_pixels` are the
    provider's limits for one input file; None where it documents none."""

    fields: tuple[str, ...]
    max_images: int
    listed: bool = False
    mask_field: str | None = None
    required: bool = False  # the model edits: it needs an input image
    max_bytes: int | None = None
    max_pixels: int | None = None

    @property
    def wire_fields(self) -> tuple[str, ...]:
        """Every field that carries an input, the mask's too (a verbatim one counts as given)."""
        return (*self.fields, *((self.mask_field,) if self.mask_field else ()))


@dataclass(frozen=True)
class ModelSpec:
    """One model of one model table. `params` excludes width/height/aspect_ratio/num_images,
    which `size`, `aspect` and `max_images` describe."""

    id: str
    label: str
    table: str
    params: dict[str, ParamRule] = dataclasses.field(default_factory=dict)
    size: SizeRule | None = None
    default_size: tuple[int, int] | None = None
    aspect: bool = False  # takes `aspect_ratio` (within `aspect_range`) instead of width/height
    max_images: int | None = 1  # None: unknown
    known: bool = True
    #: how many of its jobs the service runs at once for one key (more are refused); None: the
    #: provider's own `concurrency` is the only limit
    max_in_flight: int | None = None
    aspect_range: AspectRange = ASPECT_RANGE
    #: the only ratios an aspect-ratio model takes, when it has a fixed set ("16:9", ...)
    aspect_ratios: tuple[str, ...] = ()
    #: the input images it takes; None: none (a lenient spec takes any)
    inputs: InputRule | None = None

    @property
    def aspect_range_text(self) -> str:
        """ "21:9…9:21": the widest and the tallest ratio an aspect-ratio model takes; its
        ratios ("21:9, 16:9, …") when it takes only a fixed set."""
        if self.aspect_ratios:
            return ", ".join(self.aspect_ratios)
        (wide_w, wide_h), (tall_w, tall_h) = self.aspect_range
        return f"{wide_w}:{wide_h}…{tall_w}:{tall_h}"

    @property
    def prompt_upsampling_default(self) -> bool | None:
        """Whether the service expands the prompt when the request does not say (flux-2-flex: yes;
        FLUX.1: no); None when the model has no such setting (klein) or is unknown."""
        rule = self.params.get("prompt_upsampling")
        return rule.default if rule is not None and isinstance(rule.default, bool) else None

    def set_ratio(self, ratio: tuple[int, int]) -> str | None:
        """The ratio of `aspect_ratios` equal to `ratio` (6:4 is 3:2), as the set spells it."""
        w, h = ratio
        return next((c for c in self.aspect_ratios if _sides(c)[0] * h == _sides(c)[1] * w), None)

    def accepts(self, name: str) -> bool:
        """Whether this model takes the canonical param `name` (a lenient spec takes everything)."""
        if not self.known or name == "num_images":
            return True
        if name in SIZE_PARAMS:
            return self.size is not None
        if name == "aspect_ratio":
            return self.aspect or self.size is not None  # a ratio becomes width/height
        return name in self.params


def _sides(ratio: str) -> tuple[int, int]:
    """ "16:9" -> (16, 9): a ratio of a model table's set (always well formed)."""
    w, _, h = ratio.partition(":")
    return int(w), int(h)


def nearest_ratio(choices: Iterable[str], ratio: tuple[int, int]) -> str:
    """The ratio among `choices` (a model's set, "16:9", ...) nearest to `ratio`, in log-ratio
    (so 2:1 is as far from 1:1 as 1:2 is)."""
    target = math.log(ratio[0] / ratio[1])
    return min(choices, key=lambda c: abs(math.log(_sides(c)[0] / _sides(c)[1]) - target))


def type_problem(field: str, value: Any, type: ParamType) -> str | None:
    """The problem with `value` as a `type`, named by `field`; None when it is one."""
    if type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{field} {shown(value)} is not an integer"
    if type == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"{field} {shown(value)} is not a number"
    if type == "float" and isinstance(value, float) and not math.isfinite(value):
        return f"{field} {shown(value)} is not a finite number"
    if type == "bool" and not isinstance(value, bool):
        return f"{field} {shown(value)} is not true or false"
    if type in ("str", "choice") and not isinstance(value, str):
        return f"{field} {shown(value)} is not text"
    return None


def number_problem(
    field: str,
    value: float,
    lo: float | None,
    hi: float | None,
    multiple_of: int | None,
    model_id: str,
) -> str | None:
    """The problem with a number against its range and step; None when it fits."""
    shown = num(value)
    if lo is not None and hi is not None and not lo <= value <= hi:
        return f"{field} {shown} is out of range {num(lo)}–{num(hi)} for {model_id}"
    if lo is not None and value < lo:
        return f"{field} {shown} is below the minimum {num(lo)} for {model_id}"
    if hi is not None and value > hi:
        return f"{field} {shown} is above the maximum {num(hi)} for {model_id}"
    if multiple_of and value % multiple_of:
        return f"{field} {shown} is not a multiple of {multiple_of} for {model_id}"
    return None


def num(value: float) -> str:
    """1.5 -> "1.5", 5.0 -> "5"; an int as it is (shortened when it is very long)."""
    return shown(value) if isinstance(value, int) else f"{value:g}"
