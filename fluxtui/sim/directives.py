"""Per-job fault directives, written into the prompt so that any client can inject faults.

A prompt may contain one or more ``[[sim: key=value, key=value]]`` blocks (case-insensitive).
They are removed from the text drawn on the image; the services still echo the prompt as sent.
An unknown key or a bad value makes the submit fail with the service's validation error.

=================  ==========================================================================
Directive          Effect
=================  ==========================================================================
``queue=S``        seconds in the queue (default ``SimConfig.queue_s``)
``run=S``          seconds running (default ``SimConfig.run_s``)
``depth=N``        fal: queue position at submit, counting down to 0 (``SimConfig.queue_depth``)
``latency=S``      extra delay on every request of this job (submit, polls, result, download)
``submit=CODE``    the submit answers CODE (400 401 402 422 429 500 503 ...) with the
                   service's error body; no job is created
``submit_times=N`` ``submit=`` only for the first N submits of this prompt to this service,
                   so a client's retry then succeeds (default: every submit)
``poll=CODE``      status polls answer CODE (429 500 503 ...); BFL/Comet get_result, fal status
                   and status/stream
``poll_times=N``   ``poll=`` only for the first N polls of the job (default: every poll)
``garble=N``       the first N status polls answer 200 with a body that is not JSON
``stream=CODE``    fal: ``status/stream`` answers CODE (404, 405 ...) instead of a stream, every
                   time; plain status polls are not affected
``retry_after=S``  adds ``Retry-After: S`` to 429 and 503 answers (S may be fractional)
``status=TEXT``    final outcome. BFL/Comet: the final status string: ``Request Moderated`` and
                   ``Task not found`` at once, ``Content Moderated``, ``Error`` or any unknown
                   string (e.g. ``Exploded``) after running. fal: COMPLETED carries ``error``;
                   the result answers 422 ``content_policy_violation`` when TEXT contains
                   "moderat", else 500 ``internal_server_error``. OpenAI/APIYI: TEXT containing
                   "moderat" -> 400 ``content_policy_violation``, else 500 ``server_error``
``nsfw=1``         fal: ``has_nsfw_concepts: [true]`` and a black image (when the safety
                   checker is on, as it is by default)
``drop=STAGE``     close the connection without an answer at STAGE: ``submit`` (after the job
                   was created: it exists and is paid), ``poll`` (status polls / stream),
                   ``result`` (the answer carrying the result: fal GET response_url, the BFL
                   poll that would report a final status, the OpenAI POST), ``download``
``drop_times=N``   ``drop=`` only the first N times (submits of the prompt, or per job)
``truncate=1``     the image download announces the full Content-Length, sends half, closes
``corrupt=1``      the image download serves bytes that are not an image
``ttl=S``          image URLs expire S seconds after the job ended (``ttl=0``: already expired)
``download=CODE``  the image download answers CODE (403 429 500 503 ...) with an XML error body,
                   with ``Retry-After`` on 429/503 when ``retry_after=`` is given
``download_times=N`` ``download=`` only for the first N downloads of the job (default: every one)
``redirect_loop=1`` the image URL answers 302 to itself, for ever
``gzip=1``         the image is served ``Content-Encoding: gzip`` (Content-Length counts the
                   encoded bytes); ``gzip=bad``: labelled gzip, but the body is not gzip
``slow=R``         the image is served at R bytes per second (a slow-loris download: every
                   read arrives well within a client's read timeout)
``bomb=1``         the download is a 20000x20000 PNG (400 MP, ~50 KB on the wire): a
                   decompression bomb
``pad=MB``         the image is followed by MB megabytes (2**20 bytes, fractions allowed) of
                   zero bytes after its end marker, which decoders ignore: a large download,
                   streamed by the simulator without holding it (not with ``gzip=``)
``echo_key=1``     the job's failure text carries the API key its submit came with, as a careless
                   service might (BFL/Comet ``details``, fal ``error`` and result ``detail``,
                   OpenAI ``error.message``): with ``status=``, for testing that clients mask it
``strict=1``       BFL/Comet/fal: fields the model does not take are refused (422
                   ``extra_forbidden``, as a pydantic model with ``extra="forbid"``) instead of
                   being dropped and recorded in the job's ``ignored`` list
``foreign_poll=1`` Comet: the submit's ``polling_url`` names another host (the cluster port
                   as ``localhost``, ``/foreign/v1/get_result``), which refuses every poll
                   with 403 and records in the job's ``foreign_polls`` whether the Comet key
                   was sent there
=================  ==========================================================================

Control endpoints (no auth): ``POST /_sim/reset`` forgets every job and counter;
``GET /_sim/jobs`` lists jobs (id, service, model, state, submits of its prompt, and what the
service made of the request: ``received``, ``ignored``, ``upsampled``, ``format``, ``size``,
``cost``, ``settled_cost``, ``headers``, ``foreign_polls``, ``timed_out``, ``inputs``; see
:class:`fluxtui.sim.jobs.Job`), the submit attempts per (service, prompt), so a test can
assert that only one paid submit happened, and fal's ``uploads``. Upload faults have no prompt
to carry a directive: ``POST /_sim/faults`` sets them (:mod:`fluxtui.sim.routes_storage`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

_BLOCK = re.compile(r"\[\[\s*sim\s*:(.*?)\]\]", re.IGNORECASE | re.DOTALL)

DROP_STAGES = ("submit", "poll", "result", "download")


class DirectiveError(ValueError):
    """A ``[[sim: ...]]`` block the simulator cannot understand."""


@dataclass
class Directives:
    """The parsed directives of one prompt; None means "not given"."""

    queue: float | None = None
    run: float | None = None
    depth: int | None = None
    latency: float | None = None
    submit: int | None = None
    submit_times: int | None = None
    poll: int | None = None
    poll_times: int | None = None
    garble: int | None = None
    stream: int | None = None
    retry_after: float | None = None
    status: str | None = None
    nsfw: bool = False
    drop: str | None = None
    drop_times: int | None = None
    truncate: bool = False
    corrupt: bool = False
    ttl: float | None = None
    download: int | None = None
    download_times: int | None = None
    redirect_loop: bool = False
    gzip: str | None = None  # "good" or "bad"
    slow: float | None = None
    bomb: bool = False
    pad: float | None = None
    echo_key: bool = False
    strict: bool = False
    foreign_poll: bool = False


def within(times: int | None, attempt: int) -> bool:
    """Whether a fault limited to the first ``times`` occurrences hits occurrence ``attempt``
    (1-based); ``times=None`` means every occurrence."""
    return times is None or attempt <= times


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds >= 0:  # also rejects NaN
        raise ValueError
    return seconds


def _count(value: str) -> int:
    count = int(value)
    if count < 0:
        raise ValueError
    return count


def _http_code(value: str) -> int:
    code = int(value)
    if not 400 <= code <= 599:
        raise ValueError
    return code


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError


def _drop_stage(value: str) -> str:
    if value not in DROP_STAGES:
        raise ValueError
    return value


def _rate(value: str) -> float:
    rate = float(value)
    if not rate > 0:  # also rejects NaN
        raise ValueError
    return rate


def _gzip(value: str) -> str | None:
    if value.lower() == "bad":
        return "bad"
    return "good" if _flag(value) else None


def _text(value: str) -> str:
    if not value:
        raise ValueError
    return value


_PARSERS = {
    "queue": _seconds,
    "run": _seconds,
    "depth": _count,
    "latency": _seconds,
    "submit": _http_code,
    "submit_times": _count,
    "poll": _http_code,
    "poll_times": _count,
    "garble": _count,
    "stream": _http_code,
    "retry_after": _seconds,
    "status": _text,
    "nsfw": _flag,
    "drop": _drop_stage,
    "drop_times": _count,
    "truncate": _flag,
    "corrupt": _flag,
    "ttl": _seconds,
    "download": _http_code,
    "download_times": _count,
    "redirect_loop": _flag,
    "gzip": _gzip,
    "slow": _rate,
    "bomb": _flag,
    "pad": _rate,
    "echo_key": _flag,
    "strict": _flag,
    "foreign_poll": _flag,
}
assert set(_PARSERS) == {f.name for f in fields(Directives)}


def parse(prompt: str) -> tuple[str, Directives]:
    """Split a prompt into the text to draw (directives removed) and its directives.

    Raises:
        DirectiveError: on an unknown key or a value that does not parse.
    """
    values: dict[str, object] = {}
    for block in _BLOCK.findall(prompt):
        for item in block.split(","):
            if not item.strip():
                continue
            key, sep, raw = item.partition("=")
            key, raw = key.strip().lower(), raw.strip()
            parser = _PARSERS.get(key)
            if parser is None or not sep:
                raise DirectiveError(f"unknown sim directive {item.strip()!r}")
            try:
                values[key] = parser(raw)
            except ValueError:
                raise DirectiveError(f"bad value for sim directive {key}: {raw!r}") from None
    text = " ".join(_BLOCK.sub(" ", prompt).split())
    return text, Directives(**values)  # type: ignore[arg-type]
