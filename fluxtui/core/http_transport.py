"""An httpx transport that sends HTTP/1.1 through aiohttp's connection pool.

httpx stays the API every adapter and the downloader use (requests, responses, redirects,
timeouts, the exceptions they catch). Only the layer under it changes: httpx's own pool
(httpcore over anyio) spends several times aiohttp's CPU on each request (`bench/http_cost.py`),
which is most of what polling hundreds of jobs and submitting hundreds of lines cost.

aiohttp's exceptions are turned into httpx's *by phase*, because the engine decides from the
class whether a paid submit may have reached the provider (`answers.transport_error`): only a
failure before any byte of the request was written (resolving, connecting, TLS, waiting for a
connection) becomes `ConnectError` / `ConnectTimeout`; anything later becomes an exception that
means "it may have been sent". aiohttp itself retries a request on a reused keep-alive
connection only for idempotent methods, never a POST.

A response body of known, small length (a poll's or a submit's answer) is read whole before
httpx sees the response, and handed to httpx as its content; longer ones, and those of unknown
length (a status stream), stream as they arrive.

aiohttp is imported when the first request goes out, so the commands that send nothing never
pay for importing it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import os
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import aiohttp

#: the most bytes aiohttp buffers per read of a response body
READ_BUFFER = 64 * 1024
#: a response body of at most this many bytes (by its Content-Length) is read whole as it comes
#: in, before httpx sees the answer: a poll's answer costs one read instead of httpx's and
#: aiohttp's chains of async iterators; a longer one, or one of unknown length, streams
SMALL_BODY = READ_BUFFER
#: a request body larger than this is written from a file-like object, in chunks, so that the
#: event loop is not held while one large buffer goes out
LARGE_BODY = 1024 * 1024


class AiohttpTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 for an `httpx.AsyncClient`, over one `aiohttp.ClientSession` (made in the loop
    that sends the first request)."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        trusted = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=self._limits.keepalive_expiry,  # None: no expiry, as in httpx
            ssl=_tls_context(*trusted),
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            timeout=aiohttp.ClientTimeout(total=None),
            auto_decompress=False,  # httpx decodes, and counts the bytes it decodes
            trust_env=False,  # httpx routes proxied URLs to transports of its own
            read_bufsize=READ_BUFFER,
        )
        # one httpx request is one request on the wire: the engine retries what failed, with its
        # own backoff and counts (a fault's `drop_times`, the requests a bench counts), so
        # aiohttp's silent second try of an idempotent request is off, as in aiohttp's own
        # test client
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import yarl

        started = time.perf_counter()
        if self._session is None:
            self._session = self._open()
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with _as_httpx_errors(request):
            response = await self._session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=headers,
                data=io.BytesIO(body) if len(body) > LARGE_BODY else (body or None),
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
                allow_redirects=False,  # httpx follows them (or not), as the client says
                timeout=_timeout(
                    timeouts.get("pool"), timeouts.get("connect"), timeouts.get("read")
                ),
            )
        version = response.version
        http_version = f"HTTP/{version.major}.{version.minor}" if version else "HTTP/1.1"
        extensions = {
            "http_version": http_version.encode("ascii"),
            "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
        }
        length = response.content_length
        if length is None or length > SMALL_BODY:
            return httpx.Response(
                status_code=response.status,
                headers=list(response.raw_headers),
                stream=_Body(response, request),
                request=request,
                extensions=extensions,
            )
        with _as_httpx_errors(request):
            content = await response.read()  # gives the connection back
        answer = httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=httpx.ByteStream(content),
            request=request,
            extensions=extensions,
        )
        answer.read()  # decoded (and the bytes on the wire counted) here, then closed
        answer.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        return answer

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives; closing it gives the connection back (or drops it when
    the body was not read to its end)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


@functools.lru_cache(maxsize=64)
def _timeout(
    pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for httpx's, made once for each (a client's are the same every time)."""
    import aiohttp

    return aiohttp.ClientTimeout(
        total=None,
        connect=pool,  # waiting for a connection, opening one too
        sock_connect=connect,  # opening one
        sock_read=read,
    )


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's TLS context (certifi, or `SSL_CERT_FILE` / `SSL_CERT_DIR`), made once for each
    setting of those variables: loading the certificates costs tens of milliseconds."""
    return httpx.create_ssl_context()


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's exceptions as httpx's: "not sent" only for what fails before any byte of the
    request was written (`answers.transport_error` relies on it)."""
    import aiohttp

    try:
        yield
    except aiohttp.ClientConnectorError as exc:  # DNS, refused, unreachable, TLS, proxy
        # chained to the socket's own error, as httpx's pool does (`transport.connect_problem`)
        cause = getattr(exc, "certificate_error", None) or exc.os_error
        raise httpx.ConnectError(str(exc), request=request) from cause
    except aiohttp.ConnectionTimeoutError as exc:  # no free connection, or no connect, in time
        raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
    except (aiohttp.ServerTimeoutError, TimeoutError) as exc:  # the answer was late
        raise httpx.ReadTimeout(str(exc) or "timed out reading", request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientConnectionResetError) as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except aiohttp.ClientPayloadError as exc:  # the body ended early or was malformed
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except aiohttp.ClientResponseError as exc:  # a status line or header that does not parse
        raise httpx.RemoteProtocolError(exc.message, request=request) from exc
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:  # the connection broke while in use
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
