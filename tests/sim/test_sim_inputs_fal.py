"""Input images on fal: ``image_url`` / ``image_urls`` as data URIs, uploads and loopback URLs,
fal's typed errors for bad ones, and the storage upload flow (both of its forms)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fluxtui.sim import SimConfig, SimServer
from tests.sim.images import b64, picture, sha

FAL = {"Authorization": "Key sim-test-key"}


def data_uri(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64,{b64(data)}"


def finished(wire, app, body):
    """Submit, wait for COMPLETED; (result response, the recorded job)."""
    response = wire.client.post(wire.url("fal", f"/{app}"), json=body, headers=FAL)
    assert response.status_code == 200, response.text
    urls = response.json()
    wire.poll_fal(urls["status_url"], FAL)
    (job,) = [job for job in wire.jobs() if job["id"] == urls["request_id"]]
    return wire.client.get(urls["response_url"], headers=FAL), job


def test_sim_fal_kontext_takes_a_data_uri(wire) -> None:
    photo = picture(120, 80, "orange", fmt="JPEG")
    result, job = finished(
        wire, "fal-ai/flux-pro/kontext", {"prompt": "in winter", "image_url": data_uri(photo)}
    )
    assert result.status_code == 200, result.text
    assert [(i["field"], i["form"], i["sha256"], i["format"]) for i in job["inputs"]] == [
        ("image_url", "data_uri", sha(photo), "JPEG")
    ]
    assert job["received"]["image_url"] == f"sha256:{sha(photo)}"
    assert job["ignored"] == []


@pytest.mark.parametrize("app", ["fal-ai/flux-2-pro/edit", "fal-ai/flux-2/klein/4b/edit"])
def test_sim_fal_edit_apps_take_a_list_in_every_form(wire, app) -> None:
    first, second, third = picture(160, 96, "red"), picture(64, 64, "blue"), picture(32, 32)
    urls = [data_uri(first), wire.upload(second, name="second.png"), data_uri(third)]
    result, job = finished(wire, app, {"prompt": "the two of them", "image_urls": urls})
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (160, 96)  # auto: the first input's size
    assert [(i["index"], i["form"], i["sha256"]) for i in job["inputs"]] == [
        (0, "data_uri", sha(first)),
        (1, "upload", sha(second)),
        (2, "data_uri", sha(third)),
    ]
    assert job["received"]["image_urls"][1] == urls[1]


def test_sim_fal_edit_takes_a_loopback_url_it_downloads(wire) -> None:
    made, _ = finished(wire, "fal-ai/flux-2-pro", {"prompt": "a cat", "image_size": "square"})
    url = made.json()["images"][0]["url"]
    delivered = wire.client.get(url).content
    _, job = finished(wire, "fal-ai/flux-2-flex/edit", {"prompt": "a hat", "image_urls": [url]})
    assert job["inputs"][0]["form"] == "url" and job["inputs"][0]["sha256"] == sha(delivered)


def errors(wire, app, body):
    result, _ = finished(wire, app, body)
    assert result.status_code == 422, result.text
    return result.json()["detail"]


def test_sim_fal_refuses_bad_inputs_with_its_typed_errors(wire) -> None:
    app = "fal-ai/flux-2-pro/edit"
    result, job = finished(wire, app, {"prompt": "x", "image_urls": [data_uri(b"hello")]})
    (error,) = result.json()["detail"]
    assert (error["type"], error["loc"]) == ("image_load_error", ["body", "image_urls", 0])
    assert error["url"] == "https://docs.fal.ai/errors/#image_load_error"
    assert job["received"]["image_urls"] == ["refused: not_an_image"] and job["inputs"] == []

    far = ["https://cdn.example/in.png"]
    (error,) = errors(wire, app, {"prompt": "x", "image_urls": [data_uri(picture(8, 8)), *far]})
    assert (error["type"], error["loc"]) == ("file_download_error", ["body", "image_urls", 1])

    five = [data_uri(picture(8, 8))] * 5
    (error,) = errors(wire, "fal-ai/flux-2/klein/9b/edit", {"prompt": "x", "image_urls": five})
    assert error["type"] == "too_long"
    assert error["msg"] == "List should have at most 4 items after validation, not 5"

    (error,) = errors(
        wire, "fal-ai/flux/dev", {"prompt": "x", "image_url": data_uri(picture(8, 8))}
    )
    assert (error["type"], error["loc"]) == ("feature_not_supported", ["body", "image_url"])
    assert error["msg"] == "fal-ai/flux/dev takes no input images: image_url is not supported"

    response = wire.client.post(
        wire.url("fal", "/fal-ai/flux-pro/kontext"), json={"prompt": "x"}, headers=FAL
    )
    final = wire.poll_fal(response.json()["status_url"], FAL)[-1]
    assert final["error_type"] == "missing"  # the failure is also the COMPLETED status's error


@pytest.fixture(scope="module")
def small() -> Iterator[SimServer]:
    with SimServer(SimConfig(queue_s=0, run_s=0.05, max_input_bytes=5_000)) as server:
        yield server


def test_sim_fal_refuses_a_file_over_the_limit(small) -> None:
    big = picture(200, 200, fmt="BMP")  # 120 kB
    submit = httpx.post(
        small.base_url("fal") + "/fal-ai/flux-pro/kontext",
        json={"prompt": "x", "image_url": data_uri(big, "image/bmp")},
        headers=FAL,
    ).json()
    for _ in range(200):
        if httpx.get(submit["status_url"], headers=FAL).json()["status"] == "COMPLETED":
            break
    (error,) = httpx.get(submit["response_url"], headers=FAL).json()["detail"]
    assert (error["type"], error["ctx"]) == ("file_too_large", {"max_size": 5_000})


def test_sim_fal_storage_cdn_flow_serves_the_file_back(wire) -> None:
    data = picture(50, 40, "purple")
    url = wire.upload(data, name="my photo.png")
    assert url.startswith(wire.server.cluster_url + "/fal-cdn/files/")
    assert url.endswith("/my%20photo.png")
    served = wire.client.get(url)
    assert (served.content, served.headers["content-type"]) == (data, "image/png")
    (upload,) = wire.listing()["uploads"]
    assert upload["flow"] == "cdn" and upload["sha256"] == sha(data)
    assert upload["bytes"] == len(data) and upload["complete"] is True


def test_sim_fal_storage_refuses_a_bad_key_and_a_bad_token(wire) -> None:
    token_url = wire.url("fal", "/storage/auth/token")
    bad = wire.client.post(token_url, json={}, headers={"Authorization": "Key sim-invalid-key"})
    assert bad.status_code == 401
    upload = wire.client.post(
        f"{wire.server.cluster_url}/fal-cdn/files/upload",
        content=b"x",
        headers={"Authorization": "Bearer forged", "Content-Type": "image/png"},
    )
    assert upload.status_code == 401 and wire.listing()["uploads"] == []


def test_sim_fal_storage_initiate_and_put(wire) -> None:
    data = picture(30, 30, "olive", fmt="WEBP")
    started = wire.client.post(
        wire.url("fal", "/storage/upload/initiate"),
        params={"storage_type": "gcs"},
        json={"file_name": "in.webp", "content_type": "image/webp"},
        headers=FAL,
    ).json()
    assert wire.client.get(started["file_url"]).status_code == 404  # not there before the PUT
    forged = started["upload_url"].replace("sig=", "sig=0")
    assert wire.client.put(forged, content=data).status_code == 403
    put = wire.client.put(
        started["upload_url"], content=data, headers={"Content-Type": "image/webp"}
    )
    assert put.status_code == 200
    assert wire.client.get(started["file_url"]).content == data
    _, job = finished(
        wire, "fal-ai/flux-pro/kontext", {"prompt": "x", "image_url": started["file_url"]}
    )
    assert job["inputs"][0]["form"] == "upload" and job["inputs"][0]["format"] == "WEBP"


def test_sim_fal_storage_faults_by_stage(wire) -> None:
    faults = f"{wire.server.api_url}/_sim/faults"
    assert wire.client.post(faults, json={"stage": "token", "status": 500, "times": 1}).json()
    token_url = wire.url("fal", "/storage/auth/token")
    first = wire.client.post(token_url, json={}, headers=FAL)
    assert (first.status_code, first.json()) == (500, {"detail": "Internal server error"})
    assert wire.client.post(token_url, json={}, headers=FAL).status_code == 200  # once only

    wire.client.post(faults, json={"stage": "upload", "status": 503})
    with pytest.raises(AssertionError, match="Service temporarily unavailable"):
        wire.upload(picture(8, 8))
    refused = wire.client.post(faults, json={"stage": "nowhere", "status": 500})
    assert refused.status_code == 422
    wire.client.post(f"{wire.server.api_url}/_sim/reset")
    assert wire.upload(picture(8, 8))  # reset clears the faults


def test_sim_fal_flux1_image_to_image_answers_at_the_input_size(wire) -> None:
    photo = picture(200, 120, "gray")
    body = {"prompt": "x", "image_url": data_uri(photo), "strength": 0.8}
    result, job = finished(wire, "fal-ai/flux/dev/image-to-image", body)
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (200, 120) and job["ignored"] == []
    assert job["inputs"][0]["sha256"] == sha(photo)
