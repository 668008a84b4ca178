"""Settings of the simulator and the public addresses it names in its answers."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The services the simulator speaks, each under its own path prefix.
SERVICES = ("comet", "bfl", "apiyi", "openai", "fal")

#: Where each service is mounted in the default layout (every service on one port).
MOUNTS = {"comet": "/comet", "bfl": "/bfl", "apiyi": "/apiyi", "openai": "/openai", "fal": "/fal"}
#: The part of a service's base URL below its mount (the OpenAI-style ones end in ``/v1``).
API_PATHS = {"comet": "", "bfl": "", "apiyi": "/v1", "openai": "/v1", "fal": ""}
#: Path prefix of each service: ``base_url(service) == api_url + BASE_PATHS[service]``.
BASE_PATHS = {service: MOUNTS[service] + API_PATHS[service] for service in SERVICES}

#: Starting credit balance of every BFL key (``GET /v1/credits``); 1 credit is US$0.01.
START_CREDITS = 1000.0
#: The largest input image (decoded bytes, and pixels) the simulator takes (unconfirmed: the
#: spec gives no limit; BFL's pages speak of 20 MB / 20 MP).
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_INPUT_PIXELS = 20 * 1024 * 1024
#: The largest request body (JSON or multipart); more answers 413, as a gateway does.
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class SimConfig:
    """Defaults for every job; a prompt's ``[[sim: ...]]`` directive overrides them per job.

    Attributes:
        queue_s: seconds a job waits in the queue before it runs.
        run_s: seconds a job runs before it is done.
        queue_depth: fal queue position at submit; it counts down to 0 over ``queue_s``.
        latency_s: delay added to every request before it is handled.
        url_ttl_s: lifetime of signed image URLs, counted from the job's end.
        not_found_as_404: BFL/Comet answer an unknown id with HTTP 404 (else HTTP 200 and
            status "Task not found").
        seed: seeds the simulator's randomness (ids, chosen seeds); None = unpredictable.
        required_keys: service -> the only key it accepts; services not listed accept any
            non-empty key (except the magic ``sim-invalid-key`` and ``sim-no-credits``).
        credits: the balance each BFL key starts with; finished jobs spend it.
        max_input_bytes, max_input_pixels: the largest input image taken (decoded bytes;
            width x height); a larger one is refused in each service's words.
        max_body_bytes: the largest request body; a larger one answers 413.
    """

    queue_s: float = 0.8
    run_s: float = 2.0
    queue_depth: int = 2
    latency_s: float = 0.0
    url_ttl_s: float = 600.0
    not_found_as_404: bool = False
    seed: int | None = None
    required_keys: dict[str, str] = field(default_factory=dict)
    credits: float = START_CREDITS
    max_input_bytes: int = MAX_INPUT_BYTES
    max_input_pixels: int = MAX_INPUT_PIXELS
    max_body_bytes: int = MAX_BODY_BYTES


@dataclass(frozen=True)
class PublicUrls:
    """Where clients reach the simulator: ``api`` plays the services' API hosts, ``cluster``
    plays BFL's other cluster host and the image delivery host (no trailing slashes).

    ``only`` names the one service served at the root of its port (``fluxtui sim --service``);
    None serves every service under its mount (``/bfl``, ``/fal`` ...).
    """

    api: str = "http://api.sim"
    cluster: str = "http://cluster.sim"
    only: str | None = None

    @property
    def services(self) -> tuple[str, ...]:
        """The services this simulator speaks."""
        return SERVICES if self.only is None else (self.only,)

    def mount(self, service: str) -> str:
        """The path the service's routes hang under ("" at the root)."""
        return "" if service == self.only else MOUNTS[service]

    def base_url(self, service: str) -> str:
        """The base URL an adapter for ``service`` is configured with."""
        return self.api + self.mount(service) + API_PATHS[service]
