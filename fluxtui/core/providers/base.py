"""The one interface every provider adapter implements, and the HTTP helpers they share.

An adapter only speaks its wire protocol: it builds bodies, sends one request per call, and maps
answers onto `StatusUpdate`/`ProviderResult` or raises `ProviderError`. Retries, the poll schedule,
deadlines, concurrency and downloads belong to the engine.

Secrets, in one place each:
- What leaves an adapter is scrubbed: every method in `EDGE_METHODS` that a subclass defines is
  wrapped (`__init_subclass__`, `edge.at_the_edge`) so that the Handle, StatusUpdate,
  ProviderResult or ProviderError it hands back has every configured key and every
  credential-looking text masked (`redaction.scrub`).
- The key goes out only through `send` (and `auth_for`), only to hosts `key_allowed` admits, and
  never in a local variable of ours (`edge.KeyAuth` adds it to the request), so that a traceback
  printed with its locals cannot show it. Redirects are never followed with the key.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

import httpx

from fluxtui.core import catalog
from fluxtui.core.errors import ProviderError
from fluxtui.core.input_images import InputImage, Unreadable
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.models import ErrorKind, GenerationRequest, JobState, StatusUpdate
from fluxtui.core.providers import hosts, wire
from fluxtui.core.providers.answers import excerpt, parse_http_error, request_id_of, transport_error
from fluxtui.core.providers.edge import KeyAuth, at_the_edge
from fluxtui.core.redaction import scrub, scrub_text
from fluxtui.core.results import Balance, Handle, ProviderResult
from fluxtui.core.settings import ProviderSettings, missing_key_message


@functools.lru_cache(maxsize=4096)
def parsed_url(url: str) -> httpx.URL:
    """`url` parsed, once for each of the last few thousand: a job's polls ask the same URL,
    and parsing one costs httpx more than the rest of building its request."""
    return httpx.URL(url)


class Pace(Protocol):
    """How the engine paces a provider's `wait()`: the poll schedule and what a failed poll costs.

    Each call sleeps as long as the engine decides; `trouble` re-raises an error that ends the job.
    """

    async def start(self) -> None:
        """Polling begins: wait until the first poll is due."""

    async def tick(self, update: StatusUpdate) -> None:
        """A poll answered `update` and the job goes on: wait until the next poll is due."""

    async def trouble(self, error: ProviderError) -> None:
        """A poll (or a stream) failed with `error`: record it, then wait before trying again."""


T = TypeVar("T")
#: the methods through which an adapter hands back what a provider said; each is scrubbed
EDGE_METHODS = ("submit", "poll", "stream", "wait", "fetch_result", "cancel", "balance")


class CancelOutcome(StrEnum):
    REQUESTED = "requested"  # the provider will stop (or drop) the job
    ALREADY_DONE = "already_done"  # too late: the job finished
    NOT_FOUND = "not_found"
    UNSUPPORTED = (
        "unsupported"  # this provider cannot cancel: the engine stops following it locally
    )


class Provider(ABC):
    """A FLUX service behind one wire protocol."""

    can_cancel: ClassVar[bool] = False
    can_stream: ClassVar[bool] = False
    #: the state a job is in while its submit is in flight: a synchronous API (the OpenAI Images
    #: API) generates during the submit, so it is RUNNING then
    state_while_submitting: ClassVar[JobState] = JobState.PENDING
    #: canonical param -> wire field, where this protocol names a param differently
    renames: ClassVar[Mapping[str, str]] = {}

    def __init__(self, settings: ProviderSettings, client: httpx.AsyncClient):
        self.settings = settings
        self.client = client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in EDGE_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, at_the_edge(cls.__dict__[name]))

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def label(self) -> str:
        """The provider as messages name it ("CometAPI" for the provider named comet)."""
        return self.settings.label or self.name

    @property
    def protocol(self) -> str:
        """The wire dialect of this service: comet, bfl, openai or fal."""
        return self.settings.protocol

    @property
    def model_table(self) -> str:
        return catalog.model_table(self.settings)

    def model_spec(self, model_id: str) -> ModelSpec:
        return catalog.model_spec(self.model_table, model_id)

    def validate(self, request: GenerationRequest) -> list[str]:
        """Every problem with `request` for this service; [] when it may be sent."""
        return self.check(self.model_table, request)

    @classmethod
    def check(cls, table: str, request: GenerationRequest) -> list[str]:
        """Every problem with `request` for a model of `table` sent over this protocol: the
        catalog's, then (for a known model) those of its verbatim wire fields."""
        problems = catalog.validate(table, request)
        spec = catalog.model_spec(table, request.model)
        if spec.known:
            problems.extend(cls.wire_problems(spec, catalog.given(request.extra)))
        return problems

    @classmethod
    def wire_problems(cls, spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
        """Problems of the verbatim fields that name a field with a known rule; by default the
        renamed params and a width/height pair."""
        return [
            *wire.renamed_field_problems(spec, extra, cls.renames),
            *wire.side_problems(spec, extra),
        ]

    @property
    def key_hint(self) -> str:
        return self.settings.key_hint

    def api_key(self) -> str:
        """The key itself, for `auth_headers` only; AUTH error when none is configured."""
        key = self.settings.api_key
        if not key:
            raise self._no_key()
        return key.reveal()

    def _no_key(self) -> ProviderError:
        message = missing_key_message(self.name, self.settings.key_env)
        return ProviderError(ErrorKind.AUTH, message, request_sent=False)

    @abstractmethod
    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the key, in this protocol's scheme."""

    def key_allowed(self, url: str | httpx.URL) -> bool:
        """Whether the key may be sent to `url`: by default only to the base URL's host (scheme,
        host and port). Adapters whose services answer with sibling hosts widen this."""
        return hosts.same_origin(url, self.settings.base_url)

    @abstractmethod
    def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The JSON body of the submit, with canonical params mapped to wire fields."""

    @abstractmethod
    async def submit(self, request: GenerationRequest) -> Handle:
        """Send the paid request once. Never retries by itself."""

    def submit_note(self, request: GenerationRequest, handle: Handle) -> str | None:
        """Words for the job's history once the submit is taken (how the job is followed, when
        the user might expect otherwise); None when there is nothing to say."""
        return None

    async def poll(self, handle: Handle) -> StatusUpdate:
        """Ask once where the job stands."""
        raise NotImplementedError(f"{self.name} has no status to poll")

    async def wait(
        self, handle: Handle, pace: Pace, *, stream: bool = True
    ) -> AsyncGenerator[StatusUpdate, None]:
        """Status updates until the result is ready (a DOWNLOADING update) or the job ended (a
        terminal one). This one polls, as `pace` says; adapters that stream, or that answer the
        submit with the result, override it. `stream=False` asks for plain polling."""
        async for update in self.poll_until_done(handle, pace):
            yield update

    async def poll_until_done(
        self, handle: Handle, pace: Pace
    ) -> AsyncGenerator[StatusUpdate, None]:
        """Poll, yielding every answer, until one says ready or ended; a failed poll is
        `pace.trouble` (which waits, or raises when the job cannot go on), never the end."""
        await pace.start()
        while True:
            try:
                update = await self.poll(handle)
            except ProviderError as exc:
                await pace.trouble(exc)
                continue
            yield update
            if update.state is JobState.DOWNLOADING or update.state.is_terminal:
                return
            await pace.tick(update)

    async def fetch_result(
        self, handle: Handle, update: StatusUpdate | None = None
    ) -> ProviderResult:
        """The finished job's images. `update` is the final status, which may already carry them."""
        if update is not None and update.result is not None:
            return update.result
        if handle.result is not None:
            return handle.result
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{self.name} reported no result")

    async def cancel(self, handle: Handle) -> CancelOutcome:
        return CancelOutcome.UNSUPPORTED

    async def balance(self) -> Balance | None:
        """The account's balance, from a free request that also proves the key (ProviderError
        when refused); None, with nothing sent, where the provider documents no such request."""
        return None

    # ---- input images, for the subclasses ----

    @staticmethod
    def input_as(image: InputImage, form: Callable[[InputImage], T]) -> T:
        """`image` in a wire form (`InputImage.base64`, `data_uri`, `read_bytes` ...); a file gone
        or changed since it was checked is an INVALID error, before anything is sent."""
        try:
            return form(image)
        except Unreadable as exc:
            raise ProviderError(ErrorKind.INVALID, str(exc), request_sent=False) from None

    # ---- one HTTP exchange, for the subclasses ----

    def headers(self) -> dict[str, str]:
        """The headers of every request, except the key (which `auth_for` adds)."""
        return {**self.settings.extra_headers, "Accept": "application/json"}

    @functools.cached_property
    def _headers(self) -> httpx.Headers:
        """`headers()` as httpx's, made once: httpx copies them into each request as they are."""
        return httpx.Headers(self.headers())

    def auth_for(self, url: str | httpx.URL, what: str = "a URL") -> httpx.Auth:
        """What adds the key to a request to `url` (`what` the provider returned, for the
        message). Raises, before anything is sent, when there is no key (AUTH) or when `url` is
        not a host the key may go to (BAD_RESPONSE)."""
        if not self.settings.api_key:
            raise self._no_key()
        if not self.key_allowed(url):
            host = httpx.URL(url).host or str(url)
            raise ProviderError(
                ErrorKind.BAD_RESPONSE,
                f"{self.label} returned {what} on an unexpected host ({host}, not "
                f"{httpx.URL(self.settings.base_url).host}); not sending the key there",
                request_sent=False,
                ends_job=True,  # the URL will not change: the job cannot be followed
            )
        return KeyAuth(self)

    async def send(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        what: str = "a URL",
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request with this provider's headers (and `headers`, for this request only) and
        key; transport failures become ProviderError. A redirect is returned as it is, never
        followed with the key."""
        try:
            target = url if isinstance(url, httpx.URL) else parsed_url(url)
            auth = self.auth_for(target, what)  # raises before anything is sent
            sent = {**self.headers(), **headers} if headers else self._headers
            return await self.client.request(
                method, target, headers=sent, auth=auth, follow_redirects=False, **kwargs
            )
        except httpx.TransportError as exc:
            raise transport_error(self.name, exc) from exc
        except httpx.InvalidURL as exc:
            raise self.bad_response(f"{self.label}: cannot use the URL {url}") from exc

    def read_json(self, response: httpx.Response) -> Any:
        """The JSON body of an answer, or BAD_RESPONSE with an excerpt of what came instead."""
        try:
            return response.json()
        except ValueError as exc:
            request_id = request_id_of(response.headers)
            message = (
                f"{self.label} answered {response.status_code} with something that is not JSON: "
                f"{excerpt(response.text)!r}"
            )
            message += f" (request id {request_id})" if request_id else ""
            raise self.bad_response(message, request_id) from exc

    def http_error(self, response: httpx.Response) -> ProviderError:
        """The error for a non-2xx answer (the body must have been read)."""
        status, headers, text = response.status_code, response.headers, response.text
        return parse_http_error(self.label, status, headers, text, key_hint=self.key_hint)

    def bad_response(self, message: str, request_id: str | None = None) -> ProviderError:
        return ProviderError(ErrorKind.BAD_RESPONSE, message, request_id=request_id)

    # ---- what leaves the adapter ----

    def known_keys(self) -> tuple[str, ...]:
        """Every configured key (this provider's and the others'), to mask in what comes back."""
        secrets = (self.settings.api_key, *self.settings.other_keys)
        return tuple(secret.reveal() for secret in secrets if secret)

    def scrubbed(self, value: Any) -> Any:
        """`value` (a Handle, StatusUpdate, ProviderResult, text...) with the keys masked."""
        return scrub(value, self.known_keys())

    def redacted(self, error: ProviderError) -> ProviderError:
        """`error` with every key and credential-looking text masked (changed in place)."""
        keys = self.known_keys()
        error.message = scrub_text(error.message, keys)
        error.args = (error.message,)
        error.request_id = error.request_id and scrub_text(error.request_id, keys)
        error.raw_status = error.raw_status and scrub_text(error.raw_status, keys)
        return error
