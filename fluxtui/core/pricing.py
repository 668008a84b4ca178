"""What an image costs: a price table per provider and model, in USD, with defaults and overrides.

Defaults are public list prices (sources in the comments); a provider+model missing from the table
has an *unknown* price (`None`), never zero. `[prices.PROVIDER]` in the config adds or replaces
entries:

```toml
[prices.comet]
"flux-pro-1.1" = 0.035                         # USD per image
[prices.fal]
"fal-ai/flux/dev" = { per_megapixel = 0.025 }  # USD per started megapixel
```

Megapixels are counted as the catalog counts them (1 MP = 1024×1024 pixels) and rounded up, as fal
bills them. What a job cost: what its provider reported (`Job.cost`: BFL's settled cost, else its
quote at submit), else its price for each saved image at the saved size, an estimate. A job that
did not finish cost nothing (fal bills only successful outputs; the others are assumed to do the
same), and a job served from a loopback address (the simulator, demo mode) cost nothing either.

Output tells the two apart (`cost_text`): "$0.040" was reported, "~$0.040" is an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fluxtui.core.catalog import model_spec
from fluxtui.core.model_spec import MP
from fluxtui.core.models import GenerationRequest, Job, JobSnapshot, JobState


@dataclass(frozen=True)
class Price:
    """USD for one image: a flat part plus a part per started megapixel."""

    per_image: float = 0.0
    per_megapixel: float = 0.0

    def for_image(self, width: int | None = None, height: int | None = None) -> float:
        """The price of one image of `width`×`height` (1 MP when the size is unknown)."""
        if not self.per_megapixel:
            return self.per_image
        pixels = width * height if width and height else MP
        return round(self.per_image + self.per_megapixel * max(1, math.ceil(pixels / MP)), 6)

    def describe(self) -> str:
        """ "$0.040/image", "$0.025/MP", "$0.015/image + $0.015/MP"."""
        parts = []
        if self.per_image or not self.per_megapixel:
            parts.append(f"{usd(self.per_image)}/image")
        if self.per_megapixel:
            parts.append(f"{usd(self.per_megapixel)}/MP")
        return " + ".join(parts)

    def to_dict(self) -> dict[str, float]:
        return {"per_image": self.per_image, "per_megapixel": self.per_megapixel}


def usd(amount: float | None) -> str:
    """ "$0.040"; "unknown" for None. Three decimals: image prices are fractions of a cent apart."""
    return "unknown" if amount is None else f"${amount:.3f}"


def cost_text(amount: float | None, *, reported: bool) -> str:
    """A cost as both faces show it: "$0.040" when the provider reported it, "~$0.040" for an
    estimate from the price table, "$0.000" for nothing spent, "unknown" for None."""
    if amount is None or reported or not amount:
        return usd(amount)
    return "~" + usd(amount)


@dataclass(frozen=True)
class JobCost:
    """What one job cost: USD (None when unpriced), and whether the provider reported it."""

    usd: float | None
    reported: bool = False
    credits: float | None = None  # the provider's own figure, when it bills in credits

    def text(self) -> str:
        return cost_text(self.usd, reported=self.reported)

    def to_dict(self) -> dict[str, Any]:
        """For `--json`: {"usd", "reported", "credits"}."""
        return {"usd": self.usd, "reported": self.reported, "credits": self.credits}


_flat = Price  # Price(0.04): 0.04 USD per image


def _per_mp(usd_per_mp: float) -> Price:
    return Price(per_megapixel=usd_per_mp)


#: (provider, model) -> price, for the built-in providers' names
DEFAULT_PRICES: dict[tuple[str, str], Price] = {
    # BFL, docs.bfl.ai/quick_start/pricing and the model pages ("$0.04 per image" for 1.1 pro).
    ("bfl", "flux-pro-1.1"): _flat(0.04),
    ("bfl", "flux-pro-1.1-ultra"): _flat(0.06),
    ("bfl", "flux-pro"): _flat(0.05),
    ("bfl", "flux-dev"): _flat(0.025),
    # FLUX.2 is priced by output megapixel: a first megapixel, then each further one (BFL's own
    # bfl-api guide: pro 3 credits + 1.5/MP, max 7 + 3, flex 5 + 5, klein 4B 1.4 + 0.1, klein 9B
    # 1.5 + 0.2; the pricing page's "from" prices are the 1 MP ones). As Price: the first MP's
    # price less one MP's, plus a price per started MP. Input images cost extra (not modelled);
    # BFL reports the real cost, which wins over these.
    ("bfl", "flux-2-pro"): Price(0.015, 0.015),
    ("bfl", "flux-2-max"): Price(0.04, 0.03),
    ("bfl", "flux-2-flex"): _per_mp(0.05),
    ("bfl", "flux-2-klein-4b"): Price(0.013, 0.001),
    ("bfl", "flux-2-klein-9b"): Price(0.013, 0.002),
    # APIYI, docs.apiyi.com/api-capabilities/flux/historical-versions (per call); its overview says
    # FLUX.2 pro/max/flex cost what BFL charges at 1 MP. Klein is "cheaper than BFL" by an amount
    # it does not state, so klein stays unknown.
    ("apiyi", "flux-pro-1.1-ultra"): _flat(0.05),
    ("apiyi", "flux-pro-1.1"): _flat(0.035),
    ("apiyi", "flux-pro"): _flat(0.04),
    ("apiyi", "flux-dev"): _flat(0.02),
    ("apiyi", "flux-2-pro"): _flat(0.03),
    ("apiyi", "flux-2-max"): _flat(0.07),
    ("apiyi", "flux-2-flex"): _flat(0.05),
    # fal, its model pages: dev $0.025 per megapixel (rounded up), schnell $0.003/MP, 1.1 pro
    # $0.04/MP, 1.1 ultra $0.06 per image. flux-1/dev is the same app under a newer id (a guess).
    ("fal", "fal-ai/flux/dev"): _per_mp(0.025),
    ("fal", "fal-ai/flux-1/dev"): _per_mp(0.025),
    ("fal", "fal-ai/flux/schnell"): _per_mp(0.003),
    ("fal", "fal-ai/flux-pro/v1.1"): _per_mp(0.04),
    ("fal", "fal-ai/flux-pro/v1.1-ultra"): _flat(0.06),
    # CometAPI publishes its prices only in its console: unknown until [prices.comet] sets them.
}


class PriceTable:
    """Prices by (provider, model): the defaults, then the config's overrides."""

    def __init__(self, prices: Mapping[tuple[str, str], Price]):
        self._prices = dict(prices)

    @classmethod
    def with_overrides(cls, overrides: Mapping[tuple[str, str], Price] | None = None) -> PriceTable:
        """The defaults, then `overrides` (a Config's `prices`: `with_overrides(config.prices)`)."""
        return cls({**DEFAULT_PRICES, **(overrides or {})})

    def price(self, provider: str, model: str) -> Price | None:
        """The price of `model` at `provider`; None when unknown."""
        return self._prices.get((provider, model))

    def items(self) -> list[tuple[tuple[str, str], Price]]:
        return sorted(self._prices.items())

    def per_image(
        self, provider: str, model: str, width: int | None = None, height: int | None = None
    ) -> float | None:
        price = self.price(provider, model)
        return None if price is None else price.for_image(width, height)

    def estimate(self, request: GenerationRequest, model_table: str | None = None) -> float | None:
        """What `request` would cost if every image it asks for is made; None when unknown.

        The size is the request's width/height, else the model's default size (needs the
        service's `model_table`), else 1 MP.
        """
        price = self.price(request.provider, request.model)
        if price is None:
            return None
        width, height = request.param("width"), request.param("height")
        if not (width and height) and model_table:
            default = model_spec(model_table, request.model).default_size
            width, height = default if default else (None, None)
        count = request.param("num_images") or 1
        return round(price.for_image(width, height) * count, 6)

    def job_cost(self, job: Job | JobSnapshot) -> float | None:
        """What `job` cost: 0 unless it saved images at a paid service; None when unpriced."""
        return self.cost_of(job).usd

    def cost_of(self, job: Job | JobSnapshot) -> JobCost:
        """What `job` cost, and whether its provider said so: 0 unless it saved images at a paid
        service; else the provider's report, else the price table's estimate (None: unpriced)."""
        if job.state is not JobState.DONE or not job.files or job.demo:
            return JobCost(0.0)
        if job.cost is not None:
            return JobCost(job.cost.usd, reported=True, credits=job.cost.credits)
        price = self.price(job.request.provider, job.request.model)
        if price is None:
            return JobCost(None)
        return JobCost(round(price.for_image(job.width, job.height) * len(job.files), 6))


def reported_text(job: Job | JobSnapshot) -> str | None:
    """ "$0.040 reported" when the provider reported what `job` cost (and it was charged: a
    finished job at a paid service); None otherwise. For a face that has no price table."""
    cost = PriceTable({}).cost_of(job)
    return f"{cost.text()} reported" if cost.reported else None


@dataclass(frozen=True)
class Spend:
    """Money spent on a set of jobs. `unpriced` counts images whose price is unknown;
    `reported` is the part of `usd` the providers reported (the rest is estimated)."""

    usd: float = 0.0
    images: int = 0
    unpriced: int = 0
    reported: float = 0.0

    @property
    def estimated(self) -> float:
        return round(self.usd - self.reported, 6)

    def describe(self) -> str:
        """ "$0.120 (3 images)" all reported; "~$0.120 (3 images, estimated)";
        "~$0.120 (3 images: $0.080 reported, ~$0.040 estimated, 1 of unknown price)"."""
        text = f"{self.total_text()} ({self.images} image{'s' if self.images != 1 else ''}"
        parts = []
        if self.estimated and self.reported:
            text += f": {usd(self.reported)} reported, ~{usd(self.estimated)} estimated"
        elif self.estimated:
            parts.append("estimated")
        if self.unpriced:
            parts.append(f"{self.unpriced} of unknown price")
        return text + "".join(f", {p}" for p in parts) + ")"

    def total_text(self) -> str:
        """The total, "~" when any of it is an estimate (see `cost_text`)."""
        return cost_text(self.usd, reported=not self.estimated)


def spend_of(jobs: Iterable[Job], prices: PriceTable) -> Spend:
    """What `jobs` cost together (see `PriceTable.cost_of`)."""
    total, reported, images, unpriced = 0.0, 0.0, 0, 0
    for job in jobs:
        cost = prices.cost_of(job)
        if job.state is JobState.DONE and job.files and not job.demo:
            images += len(job.files)
        if cost.usd is None:
            unpriced += len(job.files)
            continue
        total += cost.usd
        reported += cost.usd if cost.reported else 0.0
    return Spend(round(total, 6), images, unpriced, round(reported, 6))


def parse_price(value: Any) -> Price | str:
    """A config value as a Price, or a message saying what is wrong with it."""
    if isinstance(value, bool):
        return f"must be a number of USD or a table, got {value!r}"
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            return f"must be 0 or more USD, got {value!r}"
        return Price(per_image=float(value))
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"per_image", "per_megapixel"})
        if unknown or not value:
            return (
                "must be a number (USD per image) or a table with per_image and/or per_megapixel"
                + (f", not {', '.join(unknown)}" if unknown else "")
            )
        amounts = {}
        for key, amount in value.items():
            if isinstance(amount, bool) or not isinstance(amount, int | float):
                return f"{key} must be a number of USD, got {amount!r}"
            if not math.isfinite(amount) or amount < 0:
                return f"{key} must be 0 or more USD, got {amount!r}"
            amounts[key] = float(amount)
        return Price(**amounts)
    return f"must be a number of USD or a table, got {value!r}"
