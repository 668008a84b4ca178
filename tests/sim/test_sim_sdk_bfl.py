"""BFL's official Python client (`blackforest`) against `fluxtui sim --service bfl`: it joins
absolute paths to its base URL, so the simulator serves BFL at the root of its port."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import pytest
from pydantic.warnings import PydanticDeprecatedSince20

from fluxtui.sim import SimConfig, SimServer
from tests.sim.images import b64, picture, sha

with warnings.catch_warnings():  # blackforest 0.1 declares its input models in pydantic v1 style
    warnings.simplefilter("ignore", PydanticDeprecatedSince20)
    from blackforest import BFLClient
    from blackforest.client import BFLError
    from blackforest.types.general.client_config import ClientConfig

POLLING = ClientConfig(sync=True, polling_interval=0.1, max_retries=100)


@pytest.fixture(scope="module")
def bfl_root() -> Iterator[SimServer]:
    with SimServer(SimConfig(queue_s=0.05, run_s=0.15), service="bfl") as server:
        yield server


@pytest.fixture
def client(bfl_root: SimServer) -> Iterator[BFLClient]:
    httpx.post(f"{bfl_root.api_url}/_sim/reset").raise_for_status()
    client = BFLClient(api_key="sim-test-key", base_url=bfl_root.base_url("bfl"))
    yield client
    client.session.close()


def jobs(server: SimServer) -> list[dict]:
    return httpx.get(f"{server.api_url}/_sim/jobs").json()["jobs"]


def test_sim_sdk_blackforest_generates_flux_pro_1_1_sync(client, bfl_root, capsys) -> None:
    inputs = {"prompt": "a red fox", "width": 512, "height": 384, "seed": 7}
    response = client.generate("flux-pro-1.1", inputs, config=POLLING)

    assert response.result["seed"] == 7 and response.result["prompt"] == "a red fox"
    image = httpx.get(response.result["sample"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    (job,) = jobs(bfl_root)
    assert job["id"] == response.id and job["size"] == [512, 384]
    assert job["ignored"] == []  # every field the SDK sends is one the simulator knows
    assert "Polling task" in capsys.readouterr().out  # it really polled


def test_sim_sdk_blackforest_sees_the_403_of_a_bad_key(client) -> None:
    client.session.headers["X-Key"] = "sim-invalid-key"
    with pytest.raises(BFLError, match="403"):
        client.generate("flux-pro-1.1", {"prompt": "a red fox"}, config=POLLING)


def test_sim_sdk_blackforest_sends_a_kontext_image_from_a_file(client, bfl_root, tmp_path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(picture(200, 100, "sienna"))
    reference = picture(64, 64, "khaki", fmt="JPEG")
    inputs = {
        "prompt": "the photo in the rain",
        "input_image": str(photo),  # the SDK reads and encodes a path itself
        "input_image_2": b64(reference),
        "seed": 2,
    }
    response = client.generate("flux-kontext-pro", inputs, config=POLLING)

    assert httpx.get(response.result["sample"]).headers["content-type"] == "image/png"
    (job,) = jobs(bfl_root)
    assert [(i["field"], i["form"], i["sha256"]) for i in job["inputs"]] == [
        ("input_image", "base64", sha(photo.read_bytes())),
        ("input_image_2", "base64", sha(reference)),
    ]
    width, height = job["size"]
    assert abs(width / height - 2) < 0.01 and job["ignored"] == []


def test_sim_sdk_blackforest_fill_with_a_mask(client, bfl_root) -> None:
    image, mask = picture(128, 96, "gray"), picture(128, 96, "white")
    inputs = {"prompt": "a window", "image": b64(image), "mask": b64(mask)}
    response = client.generate("flux-pro-1.0-fill", inputs, config=POLLING)

    assert response.result["sample"]
    (job,) = jobs(bfl_root)
    assert [i["sha256"] for i in job["inputs"]] == [sha(image), sha(mask)]
    assert job["size"] == [128, 96] and job["ignored"] == []

    small = {"prompt": "a window", "image": b64(image), "mask": b64(picture(64, 48, "white"))}
    with pytest.raises(BFLError, match="422"):
        client.generate("flux-pro-1.0-fill", small, config=POLLING)
