"""OpenAI-compatible edits (``POST /v1/images/edits``, multipart) on APIYI and a generic
gateway: raw HTTP and the official ``openai`` SDK's ``images.edit``."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import openai
import pytest
from PIL import Image

from fluxtui.sim import SimConfig, SimServer
from tests.sim.images import mean, picture, sha

BEARER = {"Authorization": "Bearer sim-test-key"}


def edit(wire, service, data, files):
    return wire.client.post(
        wire.url(service, "/images/edits"), data=data, files=files, headers=BEARER
    )


def failure(response):
    assert response.status_code == 400, response.text
    assert response.headers["x-request-id"].startswith("req_")
    return response.json()["error"]


def test_sim_edits_take_several_images_and_a_mask(wire) -> None:
    first, second = picture(320, 240, "red"), picture(64, 64, "blue", fmt="JPEG")
    mask = picture(320, 240, "white")
    files = [
        ("image[]", ("a.png", first, "image/png")),
        ("image[]", ("b.jpg", second, "image/jpeg")),
        ("mask", ("m.png", mask, "image/png")),
    ]
    data = {"model": "flux-2-pro", "prompt": "the two, together", "seed": "4"}
    response = edit(wire, "apiyi", data, files)
    assert response.status_code == 200, response.text
    (item,) = response.json()["data"]
    _, image = wire.image(item["url"])
    assert image.size == (320, 240)  # no size given: the first image's

    (job,) = wire.jobs()
    assert [(i["field"], i["index"], i["form"], i["sha256"]) for i in job["inputs"]] == [
        ("image[]", 0, "multipart", sha(first)),
        ("image[]", 1, "multipart", sha(second)),
        ("mask", 0, "multipart", sha(mask)),
    ]
    assert job["received"]["image[]"] == [f"sha256:{sha(first)}", f"sha256:{sha(second)}"]
    assert job["received"]["seed"] == "4" and job["ignored"] == []


def test_sim_edits_size_and_b64_json_on_a_generic_gateway(wire) -> None:
    files = {"image": ("in.png", picture(100, 100, "lime"), "image/png")}
    data = {"model": "my-flux", "prompt": "x", "size": "256x256", "n": "2"}
    data["response_format"] = "b64_json"
    body = edit(wire, "openai", data, files).json()
    images = [Image.open(io.BytesIO(base64.b64decode(d["b64_json"]))) for d in body["data"]]
    assert [image.size for image in images] == [(256, 256)] * 2
    assert mean(images[0], (128, 64, 256, 200))[1] > 150  # the lime input shows through


@pytest.mark.parametrize(
    ("service", "data", "files", "param", "code", "message"),
    [
        (
            "apiyi",
            {"model": "flux-2-pro", "prompt": "x"},
            [],
            "image",
            "missing_required_parameter",
            "Missing required parameter: 'image'.",
        ),
        (
            "apiyi",
            {"model": "flux-2-pro", "prompt": "x", "image[]": "https://x/y.png"},
            [("image[]", ("a.png", picture(8, 8), "image/png"))],
            "image[0]",
            "invalid_type",
            "Invalid type for 'image[0]': expected a file, but got a string instead.",
        ),
        (
            "apiyi",
            {"model": "flux-2-pro", "prompt": "x"},
            [("image", ("a.png", b"hello", "image/png"))],
            "image[0]",
            "invalid_image_format",
            "Invalid image file 'image[0]': it is not an image (PNG, JPEG or WebP).",
        ),
        (
            "apiyi",
            {"model": "flux-pro-1.1", "prompt": "x"},
            [("image", ("a.png", picture(8, 8), "image/png"))],
            "model",
            "invalid_value",
            "The model 'flux-pro-1.1' does not support image edits.",
        ),
        (
            "apiyi",
            {"model": "flux-2-klein-4b", "prompt": "x"},
            [("image[]", (f"{k}.png", picture(8, 8), "image/png")) for k in range(5)],
            "image",
            "invalid_value",
            "Too many images: flux-2-klein-4b takes at most 4, got 5.",
        ),
        (
            "openai",
            {"model": "any", "prompt": "x"},
            [
                ("image", ("a.png", picture(64, 32), "image/png")),
                ("mask", ("m.png", picture(32, 32), "image/png")),
            ],
            "mask",
            "invalid_value",
            "The mask must have the same dimensions as the image: 64x32, got 32x32.",
        ),
    ],
)
def test_sim_edits_refuse_bad_input_like_openai(
    wire, service, data, files, param, code, message
) -> None:
    if "image[]" in data:  # an image sent as a text field, before the file
        text = data.pop("image[]")
        files = [("image[]", (None, text)), *files]
    error = failure(edit(wire, service, data, files))
    assert (error["param"], error["code"], error["message"]) == (param, code, message)
    assert error["type"] == "invalid_request_error"
    assert wire.jobs() == []


@pytest.fixture(scope="module")
def small() -> Iterator[SimServer]:
    with SimServer(SimConfig(queue_s=0, run_s=0.05, max_body_bytes=10_000)) as server:
        yield server


def test_sim_edits_refuse_a_body_over_the_limit_with_413(small) -> None:
    response = httpx.post(
        small.base_url("openai") + "/images/edits",
        data={"model": "m", "prompt": "x"},
        files={"image": ("a.bmp", picture(100, 100, fmt="BMP"), "image/bmp")},
        headers=BEARER,
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "Request entity too large"


def test_sim_sdk_openai_images_edit(wire, tmp_path) -> None:
    client = openai.OpenAI(api_key="sim-test-key", base_url=wire.url("apiyi"), max_retries=0)
    photo = tmp_path / "photo.png"
    photo.write_bytes(picture(256, 192, "navy"))
    reference = picture(128, 128, "gold", fmt="JPEG")
    with photo.open("rb") as opened:
        answer = client.images.edit(
            model="flux-kontext-pro",
            prompt="the photo, in gold",
            image=[opened, ("ref.jpg", reference, "image/jpeg")],
            size="512x384",
        )
    assert answer.data and answer.data[0].url
    _, image = wire.image(answer.data[0].url)
    assert image.size == (512, 384)
    (job,) = wire.jobs()
    assert [i["sha256"] for i in job["inputs"]] == [sha(photo.read_bytes()), sha(reference)]
    assert {i["field"] for i in job["inputs"]} == {"image[]"}

    with pytest.raises(openai.BadRequestError, match="does not support image edits"):
        client.images.edit(model="flux-dev", prompt="x", image=photo.read_bytes())
    single = client.images.edit(
        model="flux-2-max", prompt="x", image=("in.png", photo.read_bytes())
    )
    assert single.data
    assert wire.jobs()[-1]["inputs"][0]["field"] == "image"
    client.close()


def test_sim_edits_refuse_a_broken_multipart_body(wire) -> None:
    response = wire.client.post(
        wire.url("openai", "/images/edits"),
        content=b"--abc\r\nContent-Disposition: form-data; name=model\r\n\r\nm\r\n",  # no end
        headers={**BEARER, "Content-Type": "multipart/form-data; boundary=abc"},
    )
    error = failure(response)
    assert error["message"] == (
        "Invalid multipart form: the body does not end with the closing boundary."
    )
    bad_key = {"Authorization": "Bearer sim-invalid-key"}
    assert wire.client.post(response.request.url, headers=bad_key).status_code == 401
