"""Input images on BFL and CometAPI: every field and form, the refusals, and the rendering."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fluxtui.sim import SimConfig, SimServer
from tests.sim.images import b64, mean, picture, sha

BFL = {"x-key": "sim-test-key"}
BEARER = {"Authorization": "Bearer sim-test-key"}


def submit(wire, service, model, body):
    path = f"/v1/{model}" if service == "bfl" else f"/flux/v1/{model}"
    headers = BFL if service == "bfl" else BEARER
    return wire.client.post(wire.url(service, path), json=body, headers=headers)


def run(wire, service, model, body):
    """Submit, poll to the end; (final poll answer, the recorded job)."""
    response = submit(wire, service, model, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    final = wire.poll_bfl(answer["polling_url"], BFL if service == "bfl" else BEARER)[-1]
    (job,) = [job for job in wire.jobs() if job["id"] == answer["id"]]
    return final, job


def refused(wire, service, model, body):
    """The 422 errors of a refused submit (no job is made)."""
    before = len(wire.jobs())
    response = submit(wire, service, model, body)
    assert response.status_code == 422, response.text
    assert len(wire.jobs()) == before
    return response.json()["detail"]


@pytest.mark.parametrize("service", ["bfl", "comet"])
def test_sim_flux2_takes_eight_inputs_in_every_form_and_lists_their_bytes(wire, service) -> None:
    pictures = [picture(64 + 16 * k, 48, colour) for k, colour in enumerate(["red"] * 8)]
    uploaded = wire.upload(pictures[1])
    earlier, _ = run(wire, "bfl", "flux-2-pro", {"prompt": "an earlier result"})
    delivered = wire.client.get(earlier["result"]["sample"]).content  # a loopback URL
    body = {
        "prompt": "the fox, in all eight",
        "width": 512,
        "height": 512,
        "input_image": b64(pictures[0]),
        "input_image_2": uploaded,
        "input_image_3": earlier["result"]["sample"],
        **{f"input_image_{k}": b64(pictures[k - 1]) for k in range(4, 9)},
    }
    _, job = run(wire, service, "flux-2-pro", body)

    inputs = {item["field"]: item for item in job["inputs"]}
    assert list(inputs) == ["input_image"] + [f"input_image_{k}" for k in range(2, 9)]
    assert inputs["input_image"] == {
        "field": "input_image",
        "index": 0,
        "form": "base64",
        "sha256": sha(pictures[0]),
        "bytes": len(pictures[0]),
        "size": [64, 48],
        "format": "PNG",
        "url": None,
        "file_name": None,
    }
    assert (inputs["input_image_2"]["form"], inputs["input_image_2"]["sha256"]) == (
        "upload",
        sha(pictures[1]),
    )
    assert inputs["input_image_3"]["form"] == "url"
    assert inputs["input_image_3"]["sha256"] == sha(delivered)
    assert inputs["input_image_3"]["format"] == "JPEG"
    assert [inputs[f"input_image_{k}"]["sha256"] for k in range(4, 9)] == [
        sha(data) for data in pictures[3:8]
    ]
    # the body as received keeps URLs and shows inline data by its hash
    assert job["received"]["input_image"] == f"sha256:{sha(pictures[0])}"
    assert job["received"]["input_image_2"] == uploaded
    assert job["ignored"] == []


def test_sim_inputs_count_in_the_flux2_price(wire) -> None:
    body = {"prompt": "a fox", "width": 512, "height": 512}
    with_input = {**body, "input_image": b64(picture(1024, 1024))}
    answer = submit(wire, "bfl", "flux-2-pro", with_input).json()
    assert (answer["input_mp"], answer["cost"]) == (1.0, 4.5)  # 3 + 1 input MP x 1.5


@pytest.mark.parametrize(
    ("model", "field", "message"),
    [
        (
            "flux-2-klein-4b",
            "input_image_5",
            "flux-2-klein-4b takes at most 4 input images (input_image ... input_image_4)",
        ),
        (
            "flux-kontext-pro",
            "input_image_5",
            "flux-kontext-pro takes at most 4 input images (input_image ... input_image_4)",
        ),
        ("flux-pro-1.1", "input_image", "flux-pro-1.1 takes no input_image"),
        ("flux-2-pro", "image_prompt", "flux-2-pro takes no image_prompt"),
        ("flux-kontext-max", "mask", "flux-kontext-max takes no mask"),
    ],
)
def test_sim_refuses_an_image_field_the_model_does_not_take(wire, model, field, message) -> None:
    body = {"prompt": "x", "input_image": b64(picture(64, 64)), field: b64(picture(64, 64))}
    if model == "flux-pro-1.1":
        body.pop("input_image")
        body[field] = b64(picture(64, 64))
    (error,) = refused(wire, "bfl", model, body)
    assert error["loc"] == ["body", field]
    assert error["type"] == "extra_forbidden"
    assert error["msg"] == f"Value error, {message}"


def test_sim_flux1_and_ultra_take_one_image_prompt(wire) -> None:
    reference = picture(96, 64, "green")
    _, job = run(wire, "bfl", "flux-dev", {"prompt": "x", "image_prompt": b64(reference)})
    assert [(i["field"], i["sha256"]) for i in job["inputs"]] == [("image_prompt", sha(reference))]
    body = {"prompt": "x", "image_prompt": b64(reference), "image_prompt_strength": 0.3}
    _, job = run(wire, "comet", "flux-pro-1.1-ultra", body)
    assert job["inputs"][0]["sha256"] == sha(reference) and job["ignored"] == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (b64(b"plain text, not a picture"), "input_image: it is not an image (PNG, JPEG or WebP)"),
        ("not base64 at all!", "input_image: it is neither a URL nor a base64-encoded image"),
        (b64(picture(32, 32, fmt="GIF")), "input_image: GIF is not PNG, JPEG or WebP"),
        (
            "https://images.example/fox.png",
            "input_image: the URL could not be downloaded: the host cannot be reached",
        ),
    ],
)
def test_sim_refuses_what_is_not_an_image_it_can_read(wire, value, words) -> None:
    (error,) = refused(wire, "bfl", "flux-kontext-pro", {"prompt": "x", "input_image": value})
    assert error["loc"] == ["body", "input_image"] and error["type"] == "value_error"
    assert error["msg"] == f"Value error, {words}"


def test_sim_refuses_a_loopback_url_that_is_not_there(wire) -> None:
    missing = f"{wire.server.cluster_url}/fal-cdn/files/nothing/here.png"
    (error,) = refused(wire, "comet", "flux-2-pro", {"prompt": "x", "input_image": missing})
    assert error["msg"].endswith("could not be downloaded: the server answered HTTP 404")


@pytest.fixture(scope="module")
def small_limits() -> Iterator[SimServer]:
    config = SimConfig(
        queue_s=0,
        run_s=0.05,
        max_input_bytes=20_000,
        max_input_pixels=200 * 200,
        max_body_bytes=60_000,
    )
    with SimServer(config) as server:
        yield server


def test_sim_refuses_inputs_over_the_limits(small_limits) -> None:
    url = small_limits.base_url("bfl") + "/v1/flux-2-pro"
    big = picture(201, 200)  # over the pixel limit, small in bytes
    answer = httpx.post(url, json={"prompt": "x", "input_image": b64(big)}, headers=BFL)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == (
        "Value error, input_image: the image is 201x200, over the limit of 40000 pixels"
    )
    noisy = picture(190, 190, fmt="BMP")[:19_000] * 2  # over the byte limit
    answer = httpx.post(url, json={"prompt": "x", "input_image": b64(noisy)}, headers=BFL)
    assert "over the limit of 0.0190735 MB" in answer.json()["detail"][0]["msg"]

    huge = {"prompt": "x", "input_image": "A" * 70_000}  # the body is over 60 kB
    answer = httpx.post(url, json=huge, headers=BFL)
    assert (answer.status_code, answer.json()) == (413, {"detail": "Request entity too large"})
    comet = small_limits.base_url("comet") + "/flux/v1/flux-2-pro"
    answer = httpx.post(comet, json=huge, headers=BEARER)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "413"


def test_sim_fill_takes_image_and_mask_and_marks_the_region(wire) -> None:
    image = picture(256, 128, "gray")
    mask = picture(128, 128, "black")
    white_left = picture(128, 128, "white")
    mask = _halves(white_left, mask)
    final, job = run(
        wire,
        "bfl",
        "flux-pro-1.0-fill",
        {"prompt": "a door", "image": b64(image), "mask": b64(mask)},
    )
    assert job["size"] == [256, 128] and job["ignored"] == []
    assert [(i["field"], i["sha256"]) for i in job["inputs"]] == [
        ("image", sha(image)),
        ("mask", sha(mask)),
    ]
    _, result = wire.image(final["result"]["sample"])
    left, right = mean(result, (0, 40, 128, 100)), mean(result, (128, 40, 256, 100))
    magenta = lambda rgb: (rgb[0] + rgb[2]) / 2 - rgb[1]  # noqa: E731
    assert magenta(left) > magenta(right) + 40  # the masked half is washed magenta

    wrong = {"prompt": "x", "image": b64(image), "mask": b64(picture(128, 128, "white"))}
    (error,) = refused(wire, "bfl", "flux-pro-1.0-fill", wrong)
    assert error["loc"] == ["body", "mask"]
    assert (
        error["msg"] == "Value error, the mask must have the image's size (256x128); it is 128x128"
    )
    (error,) = refused(wire, "comet", "flux-pro-1.0-fill", {"prompt": "x"})
    assert (error["loc"], error["type"]) == (["body", "image"], "missing")


def _halves(left: bytes, right: bytes) -> bytes:
    """Two square PNGs side by side, as one PNG."""
    import io

    from PIL import Image

    out = Image.new("RGB", (256, 128))
    out.paste(Image.open(io.BytesIO(left)), (0, 0))
    out.paste(Image.open(io.BytesIO(right)), (128, 0))
    data = io.BytesIO()
    out.save(data, "PNG")
    return data.getvalue()


def test_sim_result_shows_the_first_input_tinted(wire) -> None:
    plain, _ = run(wire, "bfl", "flux-2-pro", {"prompt": "a lake", "seed": 5})
    body = {"prompt": "a lake", "seed": 5, "input_image": b64(picture(1024, 1024, "lime"))}
    edited, job = run(wire, "bfl", "flux-2-pro", body)
    assert job["size"] == [1024, 1024]
    _, before = wire.image(plain["result"]["sample"])
    _, after = wire.image(edited["result"]["sample"])
    box = (600, 200, 1000, 600)  # away from the text and the thumbnails
    green_before, green_after = mean(before, box)[1], mean(after, box)[1]
    assert green_after > green_before + 60 and green_after > 170


def test_sim_default_size_follows_the_input(wire) -> None:
    _, job = run(
        wire, "bfl", "flux-2-klein-9b", {"prompt": "x", "input_image": b64(picture(300, 200))}
    )
    assert job["size"] == [288, 192]  # multiples of 16
    _, job = run(
        wire,
        "bfl",
        "flux-2-max",
        {"prompt": "x", "input_image": b64(picture(3000, 2000, fmt="JPEG"))},
    )
    width, height = job["size"]
    assert width * height <= 4 * 1024 * 1024 and width % 16 == height % 16 == 0
    assert abs(width / height - 1.5) < 0.02
    _, job = run(
        wire, "bfl", "flux-kontext-pro", {"prompt": "x", "input_image": b64(picture(400, 200))}
    )
    width, height = job["size"]
    assert abs(width / height - 2) < 0.01  # Kontext keeps the input's aspect ratio


def test_sim_refuses_a_decompression_bomb_by_its_header(wire) -> None:
    bomb, _ = run(wire, "bfl", "flux-2-pro", {"prompt": "boom [[sim: bomb=1]]"})
    body = {"prompt": "x", "input_image": bomb["result"]["sample"]}
    (error,) = refused(wire, "bfl", "flux-2-pro", body)
    # Pillow refuses to open it (400 MP): the simulator never decodes it
    assert error["msg"] == "Value error, input_image: the image has more than 20971520 pixels"
