"""fal as providers.md section 6 corrects it, over real HTTP: the ultra enum, the FLUX.2 apps,
unknown fields, platform headers and the request timeout."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from fluxtui.sim.fal_models import ULTRA_RATIOS
from tests.sim.images import picture

PNG = picture(40, 30)

FAL = {"Authorization": "Key sim-test-key"}


def submit(wire, body, app, headers=FAL):
    return wire.client.post(wire.url("fal", f"/{app}"), json=body, headers=headers)


def finished(wire, body, app, headers=FAL):
    """Submit, wait for COMPLETED; (status answer, result response)."""
    response = submit(wire, body, app, headers)
    assert response.status_code == 200, response.text
    urls = response.json()
    completed = wire.poll_fal(urls["status_url"], FAL)[-1]
    return completed, wire.client.get(urls["response_url"], headers=FAL)


def data_uri(width: int, height: int) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


ULTRA = "fal-ai/flux-pro/v1.1-ultra"


@pytest.mark.parametrize("ratio", ULTRA_RATIOS)
def test_sim_correction_fal_ultra_aspect_ratio_enum(wire, ratio) -> None:
    _, result = finished(wire, {"prompt": "a fox", "aspect_ratio": ratio}, ULTRA)
    assert result.status_code == 200
    (image,) = result.json()["images"]
    w, h = (int(side) for side in ratio.split(":"))
    assert abs(image["width"] / image["height"] - w / h) < 0.01


@pytest.mark.parametrize("ratio", ["10:7", "4:1", "16:10", "wide"])
def test_sim_correction_fal_ultra_refuses_other_ratios(wire, ratio) -> None:
    completed, result = finished(wire, {"prompt": "a fox", "aspect_ratio": ratio}, ULTRA)
    assert completed["error_type"] == "enum"
    assert result.status_code == 422
    (error,) = result.json()["detail"]
    assert error["loc"] == ["body", "aspect_ratio"] and error["type"] == "enum"
    assert "'21:9'" in error["msg"] and "'9:21'" in error["msg"]


FLUX2_APPS = [
    "fal-ai/flux-2-pro",
    "fal-ai/flux-2-flex",
    "fal-ai/flux-2-max",
    "fal-ai/flux-2/klein/4b",
    "fal-ai/flux-2/klein/9b",
]


@pytest.mark.parametrize("app", FLUX2_APPS)
@pytest.mark.parametrize(
    ("image_size", "size"),
    [
        ({"width": 1280, "height": 720}, (1280, 720)),
        ("portrait_16_9", (576, 1024)),
        ("auto", (1024, 1024)),
    ],
)
def test_sim_correction_fal_flux2_apps_return_the_requested_size(
    wire, app, image_size, size
) -> None:
    _, result = finished(wire, {"prompt": "a fox", "image_size": image_size}, app)
    assert result.status_code == 200, result.text
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == size
    _, picture = wire.image(image["url"])
    assert picture.size == size


@pytest.mark.parametrize("app", [f"{app}/edit" for app in FLUX2_APPS])
def test_sim_correction_fal_flux2_edit_forms_take_image_urls(wire, app) -> None:
    body = {"prompt": "make it winter", "image_urls": [data_uri(320, 240), wire.upload(PNG)]}
    _, result = finished(wire, body, app)  # image_size defaults to auto: the input's size
    (image,) = result.json()["images"]
    assert (image["width"], image["height"]) == (320, 240)

    _, result = finished(wire, {"prompt": "make it winter"}, app)
    assert result.status_code == 422
    assert result.json()["detail"][0]["loc"] == ["body", "image_urls"]


def test_sim_correction_fal_flux2_webp_and_flux1_no_auto(wire) -> None:
    _, result = finished(wire, {"prompt": "a fox", "output_format": "webp"}, "fal-ai/flux-2-pro")
    (image,) = result.json()["images"]
    assert image["content_type"] == "image/webp"
    assert wire.image(image["url"])[1].format == "WEBP"

    _, result = finished(wire, {"prompt": "a fox", "image_size": "auto"}, "fal-ai/flux/dev")
    assert result.status_code == 422  # FLUX.1 apps know no auto
    _, result = finished(wire, {"prompt": "a fox", "output_format": "webp"}, "fal-ai/flux/dev")
    assert result.status_code == 422


def test_sim_correction_fal_unknown_fields_are_dropped_and_recorded(wire) -> None:
    body = {"prompt": "a fox", "aspect_ratio": "16:9", "guidance": 3}
    _, result = finished(wire, body, "fal-ai/flux-2-pro")
    assert result.status_code == 200
    (job,) = wire.jobs()
    assert job["received"] == body and job["ignored"] == ["aspect_ratio", "guidance"]

    strict = {**body, "prompt": "a fox [[sim: strict=1]]"}
    _, result = finished(wire, strict, "fal-ai/flux-2-pro")
    assert result.status_code == 422
    assert [e["type"] for e in result.json()["detail"]] == ["extra_forbidden"] * 2


def test_sim_correction_fal_platform_headers_are_recorded(wire) -> None:
    headers = {**FAL, "X-Fal-Request-Timeout": "30", "X-Fal-Queue-Priority": "low"}
    _, result = finished(wire, {"prompt": "a fox"}, "fal-ai/flux/dev", headers)
    assert result.status_code == 200
    (job,) = wire.jobs()
    assert job["headers"] == {"x-fal-request-timeout": "30", "x-fal-queue-priority": "low"}
    assert job["timed_out"] is False


def test_sim_correction_fal_request_timeout_answers_504_user(wire) -> None:
    headers = {**FAL, "X-Fal-Request-Timeout": "0.3"}
    body = {"prompt": "a fox [[sim: queue=30]]"}  # held in the queue past its timeout
    completed, result = finished(wire, body, "fal-ai/flux/dev", headers)
    assert completed["error_type"] == "request_timeout"
    assert result.status_code == 504
    assert result.headers["X-Fal-Request-Timeout-Type"] == "user"
    assert "timed out" in result.json()["detail"]
    (job,) = wire.jobs()
    assert job["timed_out"] is True and job["state"] == "done"
