"""fal's official Python client (`fal-client`) against the simulator, over plain HTTP on loopback.

fal-client builds its queue URLs from the module constant ``QUEUE_URL_FORMAT``
(``https://queue.fal.run/``, from the env var ``FAL_QUEUE_RUN_HOST`` read at import); each test
points it at the simulator with ``monkeypatch`` (undone after the test), so nothing leaves
127.0.0.1 and no TLS setting is touched. After the submit it follows the URLs the answer names.
"""

from __future__ import annotations

from collections.abc import Iterator

import fal_client
import fal_client.client
import httpx
import pytest

from fluxtui.sim import SimServer
from tests.sim.images import picture, sha


@pytest.fixture
def fal(sim_server: SimServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[fal_client.SyncClient]:
    httpx.post(f"{sim_server.api_url}/_sim/reset").raise_for_status()
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", sim_server.base_url("fal") + "/")
    client = fal_client.SyncClient(key="sim-test-key")
    yield client
    # SyncClient has no close(): close the httpx client it made (a cached property)
    if "_client" in vars(client):
        client._client.close()


def jobs(server: SimServer) -> list[dict]:
    return httpx.get(f"{server.api_url}/_sim/jobs").json()["jobs"]


def test_sim_sdk_fal_client_subscribe_with_logs(fal, sim_server) -> None:
    updates: list[fal_client.Status] = []
    result = fal.subscribe(
        "fal-ai/flux/dev",
        arguments={"prompt": "two owls [[sim: run=0.6]]", "image_size": "square", "seed": 4},
        with_logs=True,
        on_queue_update=updates.append,
        interval=0.02,
        priority="low",
        start_timeout=30,
    )
    (image,) = result["images"]
    assert (image["width"], image["height"], result["seed"]) == (512, 512, 4)
    assert httpx.get(image["url"]).status_code == 200

    assert isinstance(updates[-1], fal_client.Completed)
    logs = [entry["message"] for entry in updates[-1].logs]
    assert logs[-1] == "step 28/28"
    assert any(isinstance(update, fal_client.InProgress) and update.logs for update in updates)
    (job,) = jobs(sim_server)
    assert job["headers"]["x-fal-queue-priority"] == "low"
    assert float(job["headers"]["x-fal-request-timeout"]) == 30
    assert job["ignored"] == []


def test_sim_sdk_fal_client_flux2_app_gets_its_size(fal) -> None:
    result = fal.subscribe(
        "fal-ai/flux-2-pro",
        arguments={"prompt": "a harbour", "image_size": {"width": 1280, "height": 720}},
        interval=0.02,
    )
    (image,) = result["images"]
    assert (image["width"], image["height"]) == (1280, 720)


def test_sim_sdk_fal_client_start_timeout_is_a_504_it_does_not_retry(fal, sim_server) -> None:
    with pytest.raises(fal_client.client.FalClientHTTPError) as raised:
        fal.subscribe(
            "fal-ai/flux/dev",
            arguments={"prompt": "held [[sim: queue=60]]"},
            interval=0.05,
            start_timeout=1.5,
        )
    assert raised.value.status_code == 504
    assert raised.value.response_headers["x-fal-request-timeout-type"] == "user"
    (job,) = jobs(sim_server)
    assert job["timed_out"] is True


@pytest.fixture
def storage(
    fal: fal_client.SyncClient, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """fal-client's storage hosts (rest.fal.ai, the v3 CDN) pointed at the simulator. The
    client makes an httpx client per CDN upload and leaves it open: closed here after the test."""
    monkeypatch.setattr(fal_client.client, "REST_URL", sim_server.base_url("fal"))
    monkeypatch.setattr(fal_client.client, "CDN_URL", sim_server.cluster_url + "/fal-cdn")
    made: list[httpx.Client] = []
    make = fal_client.SyncClient._get_cdn_client

    def tracked(self: fal_client.SyncClient) -> httpx.Client:
        made.append(make(self))
        return made[-1]

    monkeypatch.setattr(fal_client.SyncClient, "_get_cdn_client", tracked)
    yield
    for client in made:
        client.close()


def test_sim_sdk_fal_client_uploads_then_edits_with_the_url(fal, sim_server, storage) -> None:
    photo = picture(96, 64, "maroon")
    url = fal.upload(photo, "image/png", "photo.png")
    assert url.startswith(sim_server.cluster_url) and httpx.get(url).content == photo

    result = fal.subscribe(
        "fal-ai/flux-pro/kontext",
        arguments={"prompt": "the photo at dusk", "image_url": url},
        interval=0.02,
    )
    assert result["images"]
    (upload,) = httpx.get(f"{sim_server.api_url}/_sim/jobs").json()["uploads"]
    assert (upload["flow"], upload["sha256"]) == ("cdn", sha(photo))
    (job,) = jobs(sim_server)
    assert [(i["form"], i["sha256"]) for i in job["inputs"]] == [("upload", sha(photo))]


def test_sim_sdk_fal_client_and_a_failing_token(fal, sim_server, storage) -> None:
    faults = f"{sim_server.api_url}/_sim/faults"
    httpx.post(faults, json={"stage": "token", "status": 500, "times": 1}).raise_for_status()
    with pytest.raises(httpx.HTTPStatusError, match="500"):
        fal.upload(picture(8, 8), "image/png")
    url = fal.upload(picture(8, 8), "image/png")  # it asks for a token again
    assert httpx.get(url).status_code == 200


def test_sim_sdk_fal_client_falls_back_to_initiate_and_put(fal, sim_server, storage) -> None:
    faults = f"{sim_server.api_url}/_sim/faults"
    httpx.post(faults, json={"stage": "upload", "status": 500}).raise_for_status()
    photo = picture(40, 40, "teal")
    url = fal.upload(photo, "image/png", "photo.png")  # the CDN upload fails: the older flow
    assert httpx.get(url).content == photo
    (upload,) = httpx.get(f"{sim_server.api_url}/_sim/jobs").json()["uploads"]
    assert (upload["flow"], upload["complete"], upload["sha256"]) == ("initiate", True, sha(photo))


def test_sim_sdk_fal_client_sends_a_data_uri_image(fal, sim_server) -> None:
    photo = picture(80, 48, "navy")
    data_uri = fal_client.encode(photo, "image/png")
    result = fal.subscribe(
        "fal-ai/flux-2/klein/4b/edit",
        arguments={"prompt": "x", "image_urls": [data_uri]},
        interval=0.02,
    )
    (image,) = result["images"]
    assert (image["width"], image["height"]) == (80, 48)
    (job,) = jobs(sim_server)
    assert job["inputs"][0]["form"] == "data_uri" and job["inputs"][0]["sha256"] == sha(photo)
