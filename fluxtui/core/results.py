"""What a provider hands back: the images of a finished job and the handle to find a job again."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImageRef:
    """One image the provider made: a URL (http(s) or data:) and what it says about it."""

    url: str
    width: int | None = None
    height: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class ProviderResult:
    """A finished generation as the provider reported it."""

    images: tuple[ImageRef, ...]
    seed: int | None = None
    nsfw: tuple[bool, ...] = ()  # fal's has_nsfw_concepts, per image
    details: dict[str, Any] = field(default_factory=dict)  # timings etc. the provider reported

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": [asdict(i) for i in self.images],
            "seed": self.seed,
            "nsfw": list(self.nsfw),
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderResult:
        return cls(
            images=tuple(ImageRef(**i) for i in data.get("images", [])),
            seed=data.get("seed"),
            nsfw=tuple(data.get("nsfw", [])),
            details=dict(data.get("details") or {}),
        )


@dataclass
class Handle:
    """How to find a submitted job again: the provider's id and the URLs it returned.

    `urls` keys: "polling_url" (BFL/Comet), "status_url", "response_url", "cancel_url" (fal).
    `result` is set when the provider answered with the result inline (the synchronous OpenAI
    Images API), so that a crash between that answer and the download can still be resumed.
    """

    provider: str
    request_id: str | None = None
    urls: dict[str, str] = field(default_factory=dict)
    result: ProviderResult | None = None

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
