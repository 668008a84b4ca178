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
