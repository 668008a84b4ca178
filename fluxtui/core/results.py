"""What a provider hands back: the images of a finished job, the handle to find a job again, and
what the provider said the job costs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ImageRef:
    """One image the provider made: a URL (http(s) or data:) and what it says about it."""

    url: str
    width: int | None = None
    height: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class ReportedCost:
    """What a provider said a job costs, in USD (and in its own unit, when it bills in one).

    BFL quotes `cost` in credits with the submit answer (with `input_mp` and `output_mp`, the
    megapixels it counted) and the settled `cost` in the final poll; `settled` tells the two apart.
    """

    usd: float
    credits: float | None = None
    settled: bool = False  # from the final answer; else the submit's quote
    input_mp: float | None = None
    output_mp: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportedCost:
        names = ("usd", "credits", "settled", "input_mp", "output_mp")
        return cls(**{k: data[k] for k in names if k in data})


@dataclass(frozen=True)
class Balance:
    """What an account holds, as its provider said (BFL: credits, 1 credit = 0.01 USD)."""

    credits: float
    usd: float


def settle(quote: ReportedCost | None, final: ReportedCost | None) -> ReportedCost | None:
    """The final answer's cost over the submit's quote, with the quote's megapixels where the
    final answer gives none; the quote when the final answer says nothing."""
    if final is None or quote is None:
        return final or quote
    return replace(
        final,
        input_mp=final.input_mp if final.input_mp is not None else quote.input_mp,
        output_mp=final.output_mp if final.output_mp is not None else quote.output_mp,
    )


@dataclass(frozen=True)
class ProviderResult:
    """A finished generation as the provider reported it."""

    images: tuple[ImageRef, ...]
    seed: int | None = None
    nsfw: tuple[bool, ...] = ()  # fal's has_nsfw_concepts, per image
    details: dict[str, Any] = field(default_factory=dict)  # timings etc. the provider reported
    cost: ReportedCost | None = None  # the settled cost, when the final answer says it

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": [asdict(i) for i in self.images],
            "seed": self.seed,
            "nsfw": list(self.nsfw),
            "details": self.details,
            "cost": self.cost.to_dict() if self.cost else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderResult:
        cost = data.get("cost")
        return cls(
            images=tuple(ImageRef(**i) for i in data.get("images", [])),
            seed=data.get("seed"),
            nsfw=tuple(data.get("nsfw", [])),
            details=dict(data.get("details") or {}),
            cost=ReportedCost.from_dict(cost) if cost else None,
        )


@dataclass
class Handle:
    """How to find a submitted job again: the provider's id and the URLs it returned.

    `urls` keys: "polling_url" (BFL/Comet), "status_url", "response_url", "cancel_url" (fal).
    `result` is set when the provider answered with the result inline (the synchronous OpenAI
    Images API), so that a crash between that answer and the download can still be resumed.
    `cost` is the submit's quote of the price; the engine keeps it on the job (`Job.cost`), so
    the handle does not store it.
    """

    provider: str
    request_id: str | None = None
    urls: dict[str, str] = field(default_factory=dict)
    result: ProviderResult | None = None
    cost: ReportedCost | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "request_id": self.request_id,
            "urls": dict(self.urls),
            "result": self.result.to_dict() if self.result else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Handle:
        result = data.get("result")
        return cls(
            provider=data["provider"],
            request_id=data.get("request_id"),
            urls=dict(data.get("urls") or {}),
            result=ProviderResult.from_dict(result) if result else None,
        )
