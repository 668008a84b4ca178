"""Signed, expiring image URLs and the faults of the download."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image, UnidentifiedImageError

BFL = {"x-key": "sim-test-key"}


def sample_url(wire, directives: str = "") -> str:
    body = {"prompt": f"delivery [[sim: queue=0, run=0{directives}]]", "width": 256,
            "height": 256}
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
