"""fal's queue API on the wire: submit, status (polls and SSE), result, cancel, faults."""

from __future__ import annotations

import json

import httpx
import pytest
from PIL import ImageStat

FAL = {"Authorization": "Key sim-test-key"}


def submit(wire, body, app="fal-ai/flux/dev", headers=FAL):
    return wire.client.post(wire.url("fal", f"/{app}"), json=body, headers=headers)


def finished(wire, body, app="fal-ai/flux/dev"):
    """Submit, wait for COMPLETED, return (urls, result response)."""
    urls = submit(wire, body, app).json()
    wire.poll_fal(urls["status_url"], FAL)
    return urls, wire.client.get(urls["response_url"], headers=FAL)


def test_happy_path(wire) -> None:
    response = submit(
        wire,
        {
            "prompt": "two owls",
            "image_size": {"width": 512, "height": 384},
            "num_images": 2,
            "output_format": "png",
            "seed": 9,
        },
    )
    assert response.status_code == 200
    urls = response.json()
    root = f"{wire.server.api_url}/fal/fal-ai/flux/requests/{urls['request_id']}"
    assert urls == {
        "status": "IN_QUEUE",
        "request_id": urls["request_id"],
        "response_url": root,
        "status_url": f"{root}/status",
        "cancel_url": f"{root}/cancel",
        "queue_position": 2,
        "logs": None,
        "metrics": {},
    }

    answers = wire.poll_fal(urls["status_url"], FAL)
    seen = [a["status"] for a in answers]
    assert seen == sorted(seen, key=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].index)
    completed = answers[-1]
    assert completed["metrics"]["inference_time"] > 0 and "error" not in completed
    assert completed["logs"][-1]["message"] == "step 28/28"

    result = wire.client.get(urls["response_url"], headers=FAL)
    assert result.status_code == 200
    body = result.json()
    assert (body["seed"], body["prompt"], body["has_nsfw_concepts"]) == (
        9,
        "two owls",
        [False, False],
    )
    assert body["timings"]["inference"] > 0
    downloads = []
    for item in body["images"]:
        assert (item["width"], item["height"], item["content_type"]) == (512, 384, "image/png")
        data, image = wire.image(item["url"])
        assert (image.format, image.size) == ("PNG", (512, 384))
        downloads.append(data)
    assert downloads[0] != downloads[1]


def test_any_app_id_and_its_request_prefix(wire) -> None:
    urls = submit(wire, {"prompt": "x"}, app="fal-ai/flux-pro/v1.1-ultra").json()
    assert "/fal/fal-ai/flux-pro/requests/" in urls["status_url"]
    built = urls["status_url"].replace("/fal-ai/flux-pro/", "/fal-ai/flux-pro/v1.1-ultra/")
    assert wire.client.get(built, headers=FAL).status_code == 404
    assert submit(wire, {"prompt": "x"}, app="someone/some-app").status_code == 200


def test_queue_position_counts_down(wire) -> None:
    urls = submit(wire, {"prompt": "x [[sim: queue=0.3, depth=4]]"}).json()
    assert urls["queue_position"] == 4
    answers = wire.poll_fal(urls["status_url"], FAL)
    positions = [a["queue_position"] for a in answers if a["status"] == "IN_QUEUE"]
    assert positions == sorted(positions, reverse=True) and positions[0] <= 4
    assert "queue_position" not in answers[-1]


def test_status_without_logs_has_null_logs(wire) -> None:
    urls = submit(wire, {"prompt": "x [[sim: queue=0, run=5]]"}).json()
    answer = wire.client.get(urls["status_url"], headers=FAL)
    assert answer.status_code == 202
    assert answer.json()["status"] == "IN_PROGRESS" and answer.json()["logs"] is None


def test_result_before_completion_is_400(wire) -> None:
    urls = submit(wire, {"prompt": "x [[sim: queue=5]]"}).json()
    response = wire.client.get(urls["response_url"], headers=FAL)
    assert response.status_code == 400
    assert "in progress" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"prompt": "x", "num_inference_steps": 51}, ["body", "num_inference_steps"]),
        ({"prompt": "x", "guidance_scale": 25}, ["body", "guidance_scale"]),
        ({"prompt": "x", "num_images": 5}, ["body", "num_images"]),
        ({"prompt": "x", "image_size": "huge"}, ["body", "image_size"]),
        ({"prompt": "x", "image_size": {"width": 512}}, ["body", "image_size", "height"]),
        ({"prompt": "x", "acceleration": "ludicrous"}, ["body", "acceleration"]),
        ({"prompt": "x", "output_format": "gif"}, ["body", "output_format"]),
        ({}, ["body", "prompt"]),
    ],
)
def test_bad_input_fails_at_the_result_with_422(wire, body, loc) -> None:
    urls = submit(wire, body).json()
    completed = wire.poll_fal(urls["status_url"], FAL)[-1]
    assert completed["error"] and completed["error_type"]
    response = wire.client.get(urls["response_url"], headers=FAL)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == loc and error["msg"] and error["type"]


def test_unparseable_body_is_refused_at_submit(wire) -> None:
    response = wire.client.post(
        wire.url("fal", "/fal-ai/flux/dev"),
        content=b"{not json",
        headers={**FAL, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer sim-test-key"}, 401),
        ({"x-key": "sim-test-key"}, 401),
        ({"Authorization": "Key sim-invalid-key"}, 401),
        ({"Authorization": "Key sim-no-credits"}, 402),
    ],
)
def test_auth_refusals(wire, headers, status) -> None:
    response = submit(wire, {"prompt": "x"}, headers=headers)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_sse_stream_ends_after_completed(wire) -> None:
    # queued long enough that the stream, opened right after the submit, starts in the queue
    # even on a loaded machine
    urls = submit(wire, {"prompt": "x [[sim: queue=2, run=0.3]]"}).json()
    with wire.client.stream(
        "GET", urls["status_url"] + "/stream", params={"logs": 1}, headers=FAL
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [
            json.loads(line[len("data: ") :])
            for line in response.iter_lines()
            if line.startswith("data: ")
        ]
    statuses = [event["status"] for event in events]
    assert statuses[0] == "IN_QUEUE" and statuses[-1] == "COMPLETED"
    assert statuses.count("COMPLETED") == 1 and "IN_PROGRESS" in statuses
    assert len(events) == len({json.dumps(event) for event in events})  # one per change


def test_sim_correction_fal_cancel_ok_for_a_queued_job(wire) -> None:
    urls = submit(wire, {"prompt": "x [[sim: queue=5]]"}).json()
    response = wire.client.put(urls["cancel_url"], headers=FAL)
    assert (response.status_code, response.json()) == (200, {"status": "OK"})  # removed
    status = wire.client.get(urls["status_url"], headers=FAL)
    assert status.status_code == 200
    assert status.json()["status"] == "COMPLETED"
    assert status.json()["error_type"] == "request_cancelled"
    assert wire.client.get(urls["response_url"], headers=FAL).status_code == 400
    assert wire.jobs()[0]["state"] == "cancelled"


def test_cancel_running_completed_and_unknown(wire) -> None:
    running = submit(wire, {"prompt": "x [[sim: queue=0, run=5]]"}).json()
    assert wire.client.put(running["cancel_url"], headers=FAL).json() == {
        "status": "CANCELLATION_REQUESTED"
    }
    assert wire.client.get(running["status_url"], headers=FAL).json()["status"] == "IN_PROGRESS"

    urls, _ = finished(wire, {"prompt": "x [[sim: queue=0, run=0]]"})
    response = wire.client.put(urls["cancel_url"], headers=FAL)
    assert (response.status_code, response.json()) == (400, {"status": "ALREADY_COMPLETED"})

    unknown = urls["cancel_url"].replace(urls["request_id"], "nope")
    response = wire.client.put(unknown, headers=FAL)
    assert (response.status_code, response.json()) == (404, {"status": "NOT_FOUND"})


def test_nsfw_directive_gives_a_black_image(wire) -> None:
    _, result = finished(
        wire, {"prompt": "x [[sim: nsfw=1, queue=0, run=0]]", "output_format": "png"}
    )
    body = result.json()
    assert body["has_nsfw_concepts"] == [True]
    _, image = wire.image(body["images"][0]["url"])
    assert ImageStat.Stat(image).extrema == [(0, 0)] * 3

    _, unchecked = finished(
        wire, {"prompt": "x [[sim: nsfw=1, queue=0, run=0]]", "enable_safety_checker": False}
    )
    assert unchecked.json()["has_nsfw_concepts"] == [False]


@pytest.mark.parametrize(
    ("status", "code", "error_type"),
    [
        ("error", 500, "internal_server_error"),
        ("Content Moderated", 422, "content_policy_violation"),
    ],
)
def test_failure_directives(wire, status, code, error_type) -> None:
    urls = submit(wire, {"prompt": f"x [[sim: status={status}, queue=0, run=0]]"}).json()
    completed = wire.poll_fal(urls["status_url"], FAL)[-1]
    assert completed["error_type"] == error_type
    response = wire.client.get(urls["response_url"], headers=FAL)
    assert response.status_code == code
    assert response.json()["detail"][0]["type"] == error_type


def test_poll_fault_and_result_drop(wire) -> None:
    urls = submit(
        wire,
        {
            "prompt": "x [[sim: poll=429, poll_times=1, retry_after=1, "
            "drop=result, drop_times=1, queue=0, run=0]]"
        },
    ).json()
    first = wire.client.get(urls["status_url"], headers=FAL)
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert wire.client.get(urls["status_url"], headers=FAL).json()["status"] == "COMPLETED"
    with pytest.raises(httpx.RemoteProtocolError):
        wire.client.get(urls["response_url"], headers=FAL)
    assert wire.client.get(urls["response_url"], headers=FAL).status_code == 200
