"""BFL and CometAPI as providers.md section 6 corrects them, over real HTTP."""

from __future__ import annotations

import base64
import io
import time
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from fluxtui.sim import SimConfig, SimServer
from fluxtui.sim.bfl_models import UPSAMPLED
from tests.sim.images import picture

BFL = {"x-key": "sim-test-key"}
BEARER = {"Authorization": "Bearer sim-test-key"}


def submit(wire, service, model, body, headers=None):
    path = f"/v1/{model}" if service == "bfl" else f"/flux/v1/{model}"
    return wire.client.post(
        wire.url(service, path),
        json=body,
        headers=headers if headers is not None else (BFL if service == "bfl" else BEARER),
    )


def run(wire, service, model, body):
    """Submit, poll to the end; (submit answer, final poll answer, the recorded job)."""
    response = submit(wire, service, model, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    final = wire.poll_bfl(answer["polling_url"], BFL if service == "bfl" else BEARER)[-1]
    (job,) = [job for job in wire.jobs() if job["id"] == answer["id"]]
    return answer, final, job


def png_base64(width: int, height: int) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def test_sim_correction_unknown_fields_are_dropped_and_recorded(wire) -> None:
    body = {"prompt": "a fox", "width": 512, "height": 512, "colour": "red", "steps": 20}
    _answer, final, job = run(wire, "bfl", "flux-pro-1.1", body)
    assert final["status"] == "Ready"
    assert job["received"] == body
    assert job["ignored"] == ["colour", "steps"]  # flux-pro-1.1 takes no steps

    strict = submit(wire, "comet", "flux-pro-1.1", {**body, "prompt": "a [[sim: strict=1]]"})
    assert strict.status_code == 422
    errors = strict.json()["detail"]
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", "colour"], "extra_forbidden"),
        (["body", "steps"], "extra_forbidden"),
    ]


@pytest.mark.parametrize("model", ["flux-2-pro", "flux-2-max"])
def test_sim_correction_flux2_disable_pup(wire, model) -> None:
    _, final, job = run(wire, "bfl", model, {"prompt": "a fox"})
    assert job["upsampled"] is True  # upsampling is on unless disable_pup says otherwise
    assert final["result"]["prompt"] == "a fox" + UPSAMPLED

    _, final, job = run(wire, "bfl", model, {"prompt": "a cat", "disable_pup": True})
    assert job["upsampled"] is False and job["ignored"] == []
    assert final["result"]["prompt"] == "a cat"

    # prompt_upsampling is not a field of pro/max: dropped, and upsampling stays on
    _, final, job = run(wire, "comet", model, {"prompt": "an owl", "prompt_upsampling": False})
    assert job["ignored"] == ["prompt_upsampling"] and job["upsampled"] is True


def test_sim_correction_flux2_flex_upsamples_by_default(wire) -> None:
    _, final, job = run(wire, "bfl", "flux-2-flex", {"prompt": "a fox"})
    assert job["upsampled"] is True and final["result"]["prompt"].endswith(UPSAMPLED)
    _, final, job = run(wire, "bfl", "flux-2-flex", {"prompt": "a fox", "prompt_upsampling": False})
    assert job["upsampled"] is False and final["result"]["prompt"] == "a fox"
    _, _, job = run(wire, "bfl", "flux-2-flex", {"prompt": "a fox", "disable_pup": True})
    assert job["ignored"] == ["disable_pup"] and job["upsampled"] is True


def test_sim_correction_flux2_klein_ignores_upsampling(wire) -> None:
    for flag in ("prompt_upsampling", "disable_pup"):
        _, final, job = run(wire, "bfl", "flux-2-klein-4b", {"prompt": "a fox", flag: True})
        assert job["ignored"] == [flag] and job["upsampled"] is False
        assert final["result"]["prompt"] == "a fox"


def test_sim_correction_flux1_prompt_upsampling_stays_opt_in(wire) -> None:
    _, _, job = run(wire, "bfl", "flux-dev", {"prompt": "a fox"})
    assert job["upsampled"] is False
    _, final, job = run(wire, "bfl", "flux-dev", {"prompt": "a fox", "prompt_upsampling": True})
    assert job["upsampled"] is True and final["result"]["prompt"].endswith(UPSAMPLED)


def test_sim_correction_webhook_answer_has_no_polling_url(wire) -> None:
    body = {"prompt": "a fox", "webhook_url": "https://hooks.example/bfl", "webhook_secret": "s"}
    response = submit(wire, "bfl", "flux-pro-1.1", body)
    assert response.status_code == 200
    answer = response.json()
    assert answer == {"id": answer["id"], "status": "Pending", "webhook_url": body["webhook_url"]}
    # get_result?id= on the host that took the submit answers
    final = wire.poll_bfl(wire.url("bfl", f"/v1/get_result?id={answer['id']}"), BFL)[-1]
    assert final["status"] == "Ready"


@pytest.mark.parametrize(
    ("body", "mode", "fmt"),
    [
        ({"output_format": "webp"}, "RGB", "WEBP"),
        ({"output_format": "webp", "transparent_bg": True}, "RGBA", "WEBP"),
        ({"output_format": "png", "transparent_bg": True}, "RGBA", "PNG"),
        ({"output_format": "jpeg", "transparent_bg": True}, "RGB", "JPEG"),
    ],
)
def test_sim_correction_flux2_formats_webp_and_transparent_bg(wire, body, mode, fmt) -> None:
    request = {"prompt": "a fox", "width": 512, "height": 384, **body}
    _, final, _job = run(wire, "bfl", "flux-2-pro", request)
    assert urlsplit(final["result"]["sample"]).path.endswith(f"/sample.{body['output_format']}")
    _, image = wire.image(final["result"]["sample"])
    assert (image.format, image.mode, image.size) == (fmt, mode, (512, 384))
    if mode == "RGBA":
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((256, 192))[3] == 255


@pytest.mark.parametrize("model", ["flux-pro-1.1", "flux-dev", "flux-pro-1.1-ultra"])
def test_sim_correction_flux1_refuses_webp(wire, model) -> None:
    response = submit(wire, "bfl", model, {"prompt": "a fox", "output_format": "webp"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "output_format"] and error["type"] == "enum"
    assert error["msg"] == "Input should be 'jpeg' or 'png'"


def test_sim_correction_cost_at_submit_and_in_the_final_poll(wire) -> None:
    answer, final, _ = run(wire, "bfl", "flux-2-pro", {"prompt": "a fox"})
    # FLUX.2 per megapixel: 1024x1024 is 1 MP, 3 credits on flux-2-pro
    assert (answer["cost"], answer["input_mp"], answer["output_mp"]) == (3.0, 0.0, 1.0)
    assert final["cost"] == 3.0
    big = run(wire, "bfl", "flux-2-pro", {"prompt": "a fox", "width": 2048, "height": 1024})[0]
    assert (big["cost"], big["output_mp"]) == (4.5, 2.0)  # 3 + one further MP at 1.5

    small = {"prompt": "a fox", "width": 512, "height": 512}
    with_input = {**small, "input_image": png_base64(1024, 512)}
    answer, final, _ = run(wire, "comet", "flux-2-pro", with_input)
    assert (answer["cost"], answer["input_mp"]) == (3.75, 0.5)  # 3 + 0.5 MP x 1.5
    assert final["cost"] == 3.75
    assert run(wire, "bfl", "flux-pro-1.1", small)[0]["cost"] == 4.0  # FLUX.1: per image

    moderated = run(wire, "bfl", "flux-2-pro", {"prompt": "x [[sim: status=Content Moderated]]"})
    assert moderated[0]["cost"] == 3.0 and moderated[1]["cost"] == 0.0  # refused: not charged


def test_sim_correction_credits_balance_goes_down_as_jobs_finish(wire) -> None:
    key = {"x-key": "sim-credits-key"}
    url = wire.url("bfl", "/v1/credits")
    start = wire.client.get(url, headers=key).json()["credits"]
    assert start == wire.server.config.credits
    response = submit(wire, "bfl", "flux-pro-1.1", {"prompt": "a fox"}, headers=key)
    wire.poll_bfl(response.json()["polling_url"], key)
    assert wire.client.get(url, headers=key).json() == {"credits": start - 4.0}
    assert wire.client.get(url, headers=BFL).json() == {"credits": start}  # per key
    bad = wire.client.get(url, headers={"x-key": "sim-invalid-key"})
    assert bad.status_code == 403


@pytest.mark.parametrize(
    "headers", [{"x-key": "sim-invalid-key"}, {}, {"Authorization": "Bearer sim-test-key"}]
)
def test_sim_correction_bad_bfl_key_is_403(wire, headers) -> None:
    response = submit(wire, "bfl", "flux-pro-1.1", {"prompt": "a fox"}, headers=headers)
    assert response.status_code == 403
    expected = (
        "Not authenticated - Invalid Authentication" if "x-key" in headers else "Not authenticated"
    )
    assert response.json() == {"detail": expected}
    polled = wire.client.get(wire.url("bfl", "/v1/get_result?id=x"), headers=headers)
    assert polled.status_code == 403


def test_sim_correction_inflight_caps_24_and_6_for_kontext_max(wire) -> None:
    held = "held [[sim: queue=60]]"
    for _ in range(6):
        assert submit(wire, "bfl", "flux-kontext-max", {"prompt": held}).status_code == 200
    refused = submit(wire, "bfl", "flux-kontext-max", {"prompt": held})
    assert refused.status_code == 429 and "6" in refused.json()["detail"]
    other_key = {"x-key": "sim-other-key"}
    assert submit(wire, "bfl", "flux-kontext-max", {"prompt": held}, other_key).status_code == 200
    for _ in range(18):
        assert submit(wire, "bfl", "flux-dev", {"prompt": held}).status_code == 200
    refused = submit(wire, "bfl", "flux-pro-1.1", {"prompt": held})
    assert refused.status_code == 429 and "24" in refused.json()["detail"]
    assert submit(wire, "comet", "flux-pro-1.1", {"prompt": held}).status_code == 200


@pytest.mark.parametrize("service", ["bfl", "comet"])
@pytest.mark.parametrize("model", ["flux-kontext-pro", "flux-kontext-max"])
def test_sim_correction_kontext_models(wire, service, model) -> None:
    body = {
        "prompt": "the fox in winter",
        "input_image": png_base64(64, 64),
        "input_image_2": wire.upload(picture(48, 48)),
        "input_image_4": png_base64(32, 32),
        "aspect_ratio": "4:1",
        "safety_tolerance": 2,
        "seed": 3,
    }
    _answer, final, job = run(wire, service, model, body)
    assert job["ignored"] == [] and job["format"] == "png"  # png by default
    width, height = job["size"]
    assert width == 4 * height
    _, image = wire.image(final["result"]["sample"])
    assert image.format == "PNG"

    too_wide = submit(wire, service, model, {"prompt": "x", "aspect_ratio": "5:1"})
    assert too_wide.status_code == 422
    assert too_wide.json()["detail"][0]["loc"] == ["body", "aspect_ratio"]
    unsafe = submit(wire, service, model, {**body, "safety_tolerance": 3})
    assert unsafe.status_code == 422  # 0-2 with an input image
    bad_image = submit(wire, service, model, {"prompt": "x", "input_image_3": "not an image"})
    assert bad_image.json()["detail"][0]["loc"] == ["body", "input_image_3"]


def test_sim_correction_comet_polling_url_on_another_host(wire) -> None:
    response = submit(wire, "comet", "flux-pro-1.1", {"prompt": "a fox [[sim: foreign_poll=1]]"})
    answer = response.json()
    foreign, comet = urlsplit(answer["polling_url"]), urlsplit(wire.url("comet"))
    assert foreign.hostname == "localhost" != comet.hostname  # another host by name
    assert foreign.port == urlsplit(wire.server.cluster_url).port != comet.port  # and by port

    # a client that follows it with the Comet key is refused, and the sim saw the key there
    assert wire.client.get(answer["polling_url"], headers=BEARER).status_code == 403
    (job,) = wire.jobs()
    assert job["foreign_polls"] == [{"credentials": True, "comet_key": True}]

    # Comet's own get_result keeps answering
    own = wire.url("comet", f"/flux/v1/get_result?id={answer['id']}")
    assert wire.poll_bfl(own, BEARER)[-1]["status"] == "Ready"


def test_sim_correction_credits_run_out_with_a_402() -> None:
    with SimServer(SimConfig(queue_s=0, run_s=0.05, credits=5.0)) as server:
        url = server.base_url("bfl") + "/v1/flux-pro-1.1"
        with httpx.Client(timeout=10) as client:
            first = client.post(url, json={"prompt": "a fox"}, headers=BFL)
            assert first.status_code == 200
            while client.get(first.json()["polling_url"], headers=BFL).json()["status"] != "Ready":
                time.sleep(0.02)
            credits = client.get(server.base_url("bfl") + "/v1/credits", headers=BFL)
            assert credits.json() == {"credits": 1.0}
            second = client.post(url, json={"prompt": "a fox"}, headers=BFL)
            assert second.status_code == 402 and "credits" in second.json()["detail"]
