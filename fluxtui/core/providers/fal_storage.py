"""Input images for fal: a URL as it is, a file up to `INLINE_MAX_BYTES` as a `data:` URI, a
larger one uploaded to fal's storage first (providers.md §6, as `fal-client` does it):

1. `POST {storage}/storage/auth/token?storage_type=fal-cdn-v3`, body `{}`, with fal's key →
   `{"token", "token_type", "base_url", "expires_at"}`;
2. `POST {base_url}/files/upload` with the bytes, `Content-Type`, `X-Fal-File-Name` and
   `Authorization: {token_type} {token}` (the token, not the key) → `{"access_url"}`.

`{storage}` is `https://rest.fal.ai` for fal's own queue (`*.fal.run`), else the configured base
URL (a gateway or the simulator serves both). fal's key goes only to the storage host; the token
only to a `base_url` on fal's hosts (or the storage host's site). The upload happens before the
paid submit: its failure is marked as not sent, so the engine may try the submit again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from fluxtui.core.errors import ProviderError
from fluxtui.core.input_images import InputImage, images, mask
from fluxtui.core.models import ErrorKind
from fluxtui.core.providers import hosts
from fluxtui.core.providers.answers import show_json, transport_error

if TYPE_CHECKING:
    from fluxtui.core.providers.base import Provider

#: files up to this size go inline, as data: URIs; larger ones are uploaded
INLINE_MAX_BYTES = 4 * 1024 * 1024
FAL_STORAGE = "https://rest.fal.ai"
#: the registrable domains of fal's own hosts (queue, REST, CDN)
FAL_DOMAINS = frozenset({"fal.run", "fal.ai", "fal.media"})
TOKEN_PATH = "/storage/auth/token"


def storage_root(base_url: str) -> str:
    """Where fal's storage API lives for a service on `base_url`."""
    host = httpx.URL(base_url).host
    if host and hosts.registrable_domain(host) in FAL_DOMAINS:
        return FAL_STORAGE
    return base_url.rstrip("/")


def upload_allowed(url: str, base_url: str) -> bool:
    """Whether the upload token may go to `url` (the token answer's `base_url`)."""
    target = httpx.URL(url)
    on_fal = target.scheme == "https" and hosts.registrable_domain(target.host) in FAL_DOMAINS
    return on_fal or hosts.same_site(url, storage_root(base_url))


async def input_urls(
    provider: Provider, inputs: tuple[InputImage, ...]
) -> tuple[tuple[str, ...], str | None]:
    """The URLs of the input images, in order, and of the mask (None without one)."""
    urls = tuple([await file_url(provider, image) for image in images(inputs)])
    the_mask = mask(inputs)
    return urls, (await file_url(provider, the_mask) if the_mask else None)


async def file_url(provider: Provider, image: InputImage) -> str:
    """What a fal `*_url` field gets for `image`."""
    if image.url is not None:
        return image.url
    if (image.size or 0) <= INLINE_MAX_BYTES:
        return provider.input_as(image, InputImage.data_uri)
    return await upload(provider, image)


async def upload(provider: Provider, image: InputImage) -> str:
    """Upload `image` to fal's storage; its `access_url`."""
    data = provider.input_as(image, InputImage.read_bytes)
    root = storage_root(provider.settings.base_url)
    what = f"uploading input {image.name} to fal's storage"
    try:
        response = await provider.send(
            "POST", f"{root}{TOKEN_PATH}", params={"storage_type": "fal-cdn-v3"}, json={}
        )
        if not response.is_success:
            raise provider.http_error(response)
        token = _token(provider.read_json(response), what)
        target = f"{token['base_url'].rstrip('/')}/files/upload"
        if not upload_allowed(target, provider.settings.base_url):
            host = httpx.URL(target).host
            message = f"{what}: fal named an upload host that is not fal's ({host}); not sent"
            raise ProviderError(ErrorKind.BAD_RESPONSE, message, request_sent=False)
        headers = {
            "Authorization": f"{token['token_type']} {token['token']}",
            "Content-Type": image.content_type or "application/octet-stream",
            "X-Fal-File-Name": f"input.{(image.content_type or 'image/png').split('/')[-1]}",
        }
        try:
            uploaded = await provider.client.post(
                target, content=data, headers=headers, follow_redirects=False
            )
        except httpx.TransportError as exc:
            raise transport_error(provider.name, exc) from exc
        if not uploaded.is_success:
            raise provider.http_error(uploaded)
        return _access_url(provider.read_json(uploaded), what)
    except ProviderError as exc:
        raise _not_sent(exc, what) from None


def _token(data: Any, what: str) -> Mapping[str, str]:
    fields = ("token", "token_type", "base_url")
    if isinstance(data, Mapping) and all(isinstance(data.get(f), str) and data[f] for f in fields):
        return {f: data[f] for f in fields}
    keys = sorted(data) if isinstance(data, Mapping) else type(data).__name__
    message = f"{what}: the token answer lacks token, token_type or base_url (it has {keys})"
    raise ProviderError(ErrorKind.BAD_RESPONSE, message)


def _access_url(data: Any, what: str) -> str:
    url = data.get("access_url") if isinstance(data, Mapping) else None
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    raise ProviderError(ErrorKind.BAD_RESPONSE, f"{what}: no access_url in {show_json(data)}")


def _not_sent(error: ProviderError, what: str) -> ProviderError:
    """`error` of the upload, as a failure before the paid submit: a transient one may be tried
    again (the submit was never sent)."""
    kind = ErrorKind.TRANSPORT if error.transient else error.kind
    message = error.message if error.message.startswith(what) else f"{what}: {error.message}"
    return ProviderError(
        kind,
        message,
        status_code=error.status_code,
        request_id=error.request_id,
        retry_after=error.retry_after,
        request_sent=False,
    )
