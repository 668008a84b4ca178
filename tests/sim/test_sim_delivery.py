"""Signed, expiring image URLs and the faults of the download."""

from __future__ import annotations

import gzip
import io

import httpx
import pytest
from PIL import Image, PngImagePlugin, UnidentifiedImageError

BFL = {"x-key": "sim-test-key"}


def sample_url(wire, directives: str = "") -> str:
    body = {"prompt": f"delivery [[sim: queue=0, run=0{directives}]]", "width": 256, "height": 256}
    job = wire.client.post(wire.url("bfl", "/v1/flux-dev"), json=body, headers=BFL).json()
    return wire.poll_bfl(job["polling_url"], BFL)[-1]["result"]["sample"]


def test_url_is_signed_with_an_expiry(wire) -> None:
    url = httpx.URL(sample_url(wire))
    assert url.path.startswith("/delivery/") and url.path.endswith("/sample.jpeg")
    assert set(url.params) == {"exp", "sig"}
    response = wire.client.get(url)
    assert response.headers["content-type"] == "image/jpeg"
    assert int(response.headers["content-length"]) == len(response.content)


def test_expired_url_answers_404_xml(wire) -> None:
    response = wire.client.get(sample_url(wire, ", ttl=0"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<Code>ResourceNotFound</Code>" in response.content


@pytest.mark.parametrize("tamper", ["sig", "exp", "path"])
def test_bad_signature_answers_403_xml(wire, tamper) -> None:
    url = httpx.URL(sample_url(wire))
    if tamper == "sig":
        url = url.copy_set_param("sig", "0" * 64)
    elif tamper == "exp":
        url = url.copy_set_param("exp", str(int(url.params["exp"]) + 3600))
    else:
        url = url.copy_with(path=url.path.replace("sample.jpeg", "sample.png"))
    response = wire.client.get(url)
    assert response.status_code == 403
    assert b"<Code>AuthenticationFailed</Code>" in response.content


def test_truncated_download(wire) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        wire.client.get(sample_url(wire, ", truncate=1"))


def test_corrupt_download_is_not_an_image(wire) -> None:
    response = wire.client.get(sample_url(wire, ", corrupt=1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(response.content))


def test_dropped_download_then_success(wire) -> None:
    url = sample_url(wire, ", drop=download, drop_times=1")
    with pytest.raises(httpx.RemoteProtocolError):
        wire.client.get(url)
    assert wire.image(url)[1].size == (256, 256)


def test_download_code_for_the_first_n_downloads(wire) -> None:
    url = sample_url(wire, ", download=429, download_times=1, retry_after=7")
    refused = wire.client.get(url)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "7"
    assert b"<Code>TooManyRequests</Code>" in refused.content
    assert wire.image(url)[1].size == (256, 256)


def test_download_code_on_every_download(wire) -> None:
    url = sample_url(wire, ", download=503")
    for _ in range(3):
        answer = wire.client.get(url)
        assert answer.status_code == 503
        assert "retry-after" not in answer.headers  # only with retry_after=


def test_redirect_loop_points_at_itself(wire) -> None:
    url = sample_url(wire, ", redirect_loop=1")
    answer = wire.client.get(url)
    assert answer.status_code == 302
    assert answer.headers["location"] == url
    with pytest.raises(httpx.TooManyRedirects):
        wire.client.get(url, follow_redirects=True)


def test_gzip_encodes_the_image(wire) -> None:
    url = sample_url(wire, ", gzip=1")
    with wire.client.stream("GET", url) as answer:
        assert answer.headers["content-encoding"] == "gzip"
        raw = b"".join(answer.iter_raw())
    assert int(answer.headers["content-length"]) == len(raw)
    assert Image.open(io.BytesIO(gzip.decompress(raw))).size == (256, 256)


def test_bad_gzip_is_labelled_gzip_but_is_not(wire) -> None:
    url = sample_url(wire, ", gzip=bad")
    with pytest.raises(httpx.DecodingError):
        wire.client.get(url)


def test_slow_download_trickles_the_whole_announced_body(wire) -> None:
    url = sample_url(wire, ", slow=20")
    with wire.client.stream("GET", url) as answer:
        announced = int(answer.headers["content-length"])
        first = next(answer.iter_raw())
    assert announced > 1000  # the whole image is announced
    assert len(first) < announced // 10  # 2 bytes every 0.1 s, not the image at once


def test_bomb_is_a_400_megapixel_png_of_a_few_kilobytes(wire) -> None:
    answer = wire.client.get(sample_url(wire, ", bomb=1"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert len(answer.content) < 100_000
    header = PngImagePlugin.PngImageFile(io.BytesIO(answer.content))
    assert header.size == (20_000, 20_000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(answer.content))


@pytest.mark.parametrize("directive", ["download=200", "gzip=maybe", "slow=0", "bomb=2"])
def test_bad_download_directives_are_refused_at_submit(wire, directive) -> None:
    body = {"prompt": f"delivery [[sim: {directive}]]", "width": 256, "height": 256}
    answer = wire.client.post(wire.url("bfl", "/v1/flux-dev"), json=body, headers=BFL)
    assert answer.status_code == 422
