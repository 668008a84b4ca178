"""Per-provider settings, as the config file and the environment resolve them."""

from __future__ import annotations

from dataclasses import dataclass, field


class Secret:
    """An API key that never shows itself in a repr, a log line or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """The key itself: call only where it goes into a request header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


#: the default `max_requests_per_second` of a provider's status polls
DEFAULT_REQUESTS_PER_SECOND = 50.0


@dataclass(frozen=True)
class Transport:
    """How fluxtui talks to a provider: the budget of its status polls (the config's
    `max_requests_per_second`), and HTTP/2 (`http2`; None: not set, which is off)."""

    max_requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND
    http2: bool | None = None

    def uses_http2(self, base_url: str) -> bool:
        """HTTP/2 only where the config asks for it, and only over TLS (where it is negotiated):
        HTTP/1.1 through aiohttp's pool costs under half of httpx's HTTP/2 in client CPU per
        request, TLS included (`bench/http_cost.py`), and the poller's cap on unanswered polls
        keeps a provider's connections few. A plain http:// server (the simulator) gets
        HTTP/1.1 whatever this says."""
        return bool(self.http2) and base_url.startswith("https://")


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach one service. `protocol` picks its wire dialect: comet, bfl, openai or fal."""

    name: str
    protocol: str
    base_url: str
    api_key: Secret | None = None
    default_model: str | None = None
    concurrency: int = 4
    #: model id -> the most of its jobs in flight, from the config (over the catalog's cap)
    model_concurrency: dict[str, int] = field(default_factory=dict)
    models: tuple[str, ...] = ()  # extra model ids to offer (an OpenAI-compatible gateway's list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    label: str = ""  # how messages name it ("CometAPI"); the name when empty
    key_env: str | None = None  # the environment variable its key may come from
    #: the other providers' keys, masked (like this one's) in whatever this provider sends back
    other_keys: tuple[Secret, ...] = field(default=(), repr=False)
    #: seconds a job may take, from submit to saved file (the config's `timeout`): fal is told
    #: to drop a job that could not start within it
    timeout_s: float | None = None
    #: fal's `X-Fal-Queue-Priority` ("normal" or "low"); None sends none (fal's own default)
    queue_priority: str | None = None
    transport: Transport = field(default_factory=Transport)

    @property
    def key_hint(self) -> str:
        """Where the key is set: "COMETAPI_KEY or [providers.comet] api_key"."""
        return key_hint(self.name, self.key_env)


def key_hint(name: str, key_env: str | None) -> str:
    table = f"[providers.{name}] api_key"
    return f"{key_env} or {table}" if key_env else table


def missing_key_message(name: str, key_env: str | None) -> str:
    """What to say when a service has no key: "no API key for comet: set COMETAPI_KEY or ..."."""
    return f"no API key for {name}: set {key_hint(name, key_env)} in config"
