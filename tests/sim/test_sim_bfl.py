"""BFL and CometAPI on the wire: submit, poll, download; auth, validation and directives."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

BFL = {"x-key": "sim-test-key"}
BEARER = {"Authorization": "Bearer sim-test-key"}


def submit(wire, service, model, body, headers=None):
    path = f"/v1/{model}" if service == "bfl" else f"/flux/v1/{model}"
    return wire.client.post(
        wire.url(service, path),
        json=body,
        headers=headers if headers is not None else (BFL if service == "bfl" else BEARER),
    )


def test_bfl_happy_path_polls_the_cluster_and_downloads_a_real_image(wire) -> None:
    response = submit(
        wire,
        "bfl",
        "flux-dev",
        {"prompt": "a red fox", "width": 512, "height": 384, "seed": 5, "output_format": "png"},
    )
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"id", "polling_url", "cost", "input_mp", "output_mp"}
    assert answer["polling_url"] == (
        f"{wire.server.cluster_url}/bfl/v1/get_result?id={answer['id']}"
    )

    answers = wire.poll_bfl(answer["polling_url"], BFL)
    assert {a["status"] for a in answers[:-1]} <= {"Pending"}
    final = answers[-1]
    assert final["status"] == "Ready"
    result = final["result"]
    assert result["seed"] == 5 and result["prompt"] == "a red fox"
    assert result["end_time"] >= result["start_time"]
    assert urlsplit(result["sample"]).netloc == urlsplit(wire.server.cluster_url).netloc

    data, image = wire.image(result["sample"])
    assert (image.format, image.size) == ("PNG", (512, 384))

    again = submit(
        wire,
        "bfl",
        "flux-dev",
        {"prompt": "a red fox", "width": 512, "height": 384, "seed": 5, "output_format": "png"},
    ).json()
    sample = wire.poll_bfl(again["polling_url"], BFL)[-1]["result"]["sample"]
    assert wire.image(sample)[0] == data  # same inputs, same bytes


def test_bfl_get_result_answers_on_both_ports_and_reports_progress(wire) -> None:
    job = submit(wire, "bfl", "flux-pro-1.1", {"prompt": "p [[sim: queue=0, run=5]]"}).json()
    for host in (wire.server.api_url, wire.server.cluster_url):
        answer = wire.client.get(
            f"{host}/bfl/v1/get_result", params={"id": job["id"]}, headers=BFL
        ).json()
        assert answer["status"] == "Pending"
        assert 0 <= answer["progress"] <= 1


def test_comet_happy_path_with_its_own_polling_url(wire) -> None:
    answer = submit(wire, "comet", "flux-pro-1.1", {"prompt": "a lighthouse"}).json()
    assert set(answer) == {"id", "polling_url", "cost", "input_mp", "output_mp"}
    assert answer["polling_url"] == (
        f"{wire.server.api_url}/comet/flux/v1/get_result?id={answer['id']}"
    )
    final = wire.poll_bfl(answer["polling_url"], BEARER)[-1]
    assert final["status"] == "Ready"
    assert isinstance(final["result"]["seed"], int)  # chosen by the service
    _, image = wire.image(final["result"]["sample"])
    assert (image.format, image.size) == ("JPEG", (1024, 768))


def test_ultra_draws_the_requested_aspect_at_about_two_megapixels(wire) -> None:
    job = submit(wire, "bfl", "flux-pro-1.1-ultra", {"prompt": "wide", "aspect_ratio": "21:9"})
    sample = wire.poll_bfl(job.json()["polling_url"], BFL)[-1]["result"]["sample"]
    width, height = wire.image(sample)[1].size
    assert width / height == pytest.approx(21 / 9, rel=0.01)
    assert 1_800_000 < width * height <= 2_000_000


def test_unknown_id_is_task_not_found(wire) -> None:
    for service, path, headers in (
        ("bfl", "/v1/get_result", BFL),
        ("comet", "/flux/v1/get_result", BEARER),
    ):
        response = wire.client.get(wire.url(service, path), params={"id": "nope"}, headers=headers)
        assert response.status_code == 200
        assert response.json() == {"id": "nope", "status": "Task not found", "result": None}


@pytest.mark.parametrize(
    ("service", "headers", "status", "shape"),
    [
        ("bfl", {}, 403, "detail"),
        ("bfl", {"Authorization": "Bearer k"}, 403, "detail"),
        ("bfl", {"x-key": "sim-invalid-key"}, 403, "detail"),
        ("bfl", {"x-key": "sim-no-credits"}, 402, "detail"),
        ("comet", {}, 401, "error"),
        ("comet", {"x-key": "k"}, 401, "error"),
        ("comet", {"Authorization": "Key k"}, 401, "error"),
        ("comet", {"Authorization": "Bearer sim-invalid-key"}, 401, "error"),
        ("comet", {"Authorization": "Bearer sim-no-credits"}, 402, "error"),
    ],
)
def test_auth_refusals(wire, service, headers, status, shape) -> None:
    response = submit(wire, service, "flux-dev", {"prompt": "x"}, headers=headers)
    assert response.status_code == status
    body = response.json()
    if shape == "detail":
        assert isinstance(body["detail"], str)
    else:
        assert set(body["error"]) == {"message", "type", "param", "code"}
    assert wire.jobs() == []


@pytest.mark.parametrize(
    ("model", "body", "loc", "type_"),
    [
        ("flux-dev", {}, ["body", "prompt"], "missing"),
        ("flux-dev", {"prompt": ""}, ["body", "prompt"], "string_too_short"),
        ("flux-dev", {"prompt": "x", "width": 1000}, ["body", "width"], "multiple_of"),
        ("flux-pro-1.1", {"prompt": "x", "height": 1472}, ["body", "height"], "less_than_equal"),
        ("flux-dev", {"prompt": "x", "width": 224}, ["body", "width"], "greater_than_equal"),
        ("flux-dev", {"prompt": "x", "steps": 0}, ["body", "steps"], "greater_than_equal"),
        ("flux-pro", {"prompt": "x", "guidance": 5.5}, ["body", "guidance"], "less_than_equal"),
        ("flux-pro", {"prompt": "x", "interval": 5}, ["body", "interval"], "less_than_equal"),
        (
            "flux-dev",
            {"prompt": "x", "safety_tolerance": 7},
            ["body", "safety_tolerance"],
            "less_than_equal",
        ),
        ("flux-dev", {"prompt": "x", "output_format": "webp"}, ["body", "output_format"], "enum"),
        ("flux-dev", {"prompt": "x", "width": "wide"}, ["body", "width"], "int_parsing"),
        (
            "flux-pro-1.1-ultra",
            {"prompt": "x", "aspect_ratio": "3:1"},
            ["body", "aspect_ratio"],
            "value_error",
        ),
        (
            "flux-pro-1.1-ultra",
            {"prompt": "x", "image_prompt_strength": 1.5},
            ["body", "image_prompt_strength"],
            "less_than_equal",
        ),
        ("flux-2-pro", {"prompt": "x", "width": 1000}, ["body", "width"], "multiple_of"),
        ("flux-2-pro", {"prompt": "x", "width": 48}, ["body", "width"], "greater_than_equal"),
        ("flux-2-max", {"prompt": "x", "width": 2048, "height": 2064}, ["body"], "value_error"),
        (
            "flux-2-klein-4b",
            {"prompt": "x", "safety_tolerance": 6},
            ["body", "safety_tolerance"],
            "less_than_equal",
        ),
        ("flux-2-flex", {"prompt": "x", "guidance": 10.5}, ["body", "guidance"], "less_than_equal"),
        ("flux-schnell-new", {"prompt": "x", "steps": 51}, ["body", "steps"], "less_than_equal"),
        ("flux-dev", {"prompt": "x [[sim: bogus=1]]"}, ["body", "prompt"], "value_error"),
    ],
)
def test_validation_is_fastapi_style_422(wire, model, body, loc, type_) -> None:
    for service in ("bfl", "comet"):
        response = submit(wire, service, model, body)
        assert response.status_code == 422, response.text
        (error,) = response.json()["detail"]
        assert (error["loc"], error["type"]) == (loc, type_)
        assert error["msg"]


def test_valid_edges_are_accepted(wire) -> None:
    for model, body in (
        ("flux-dev", {"width": 1440, "height": 256, "guidance": 1.5}),
        ("flux-2-flex", {"width": 2048, "height": 2048, "guidance": 10}),
        ("flux-2-klein-9b", {"width": 64, "height": 80}),
        ("flux-pro-1.1-ultra", {"aspect_ratio": "9:21"}),
    ):
        assert submit(wire, "bfl", model, {"prompt": "x", **body}).status_code == 200


def test_request_moderated_is_final_at_once(wire) -> None:
    job = submit(wire, "bfl", "flux-dev", {"prompt": "x [[sim: status=Request Moderated]]"})
    answers = wire.poll_bfl(job.json()["polling_url"], BFL)
    assert len(answers) == 1
    assert answers[0]["status"] == "Request Moderated" and answers[0]["result"] is None


@pytest.mark.parametrize("status", ["Content Moderated", "Error", "Exploded"])
def test_final_status_directives_after_running(wire, status) -> None:
    job = submit(wire, "comet", "flux-dev", {"prompt": f"x [[sim: status={status}]]"})
    final = wire.poll_bfl(job.json()["polling_url"], BEARER)[-1]
    assert final["status"] == status
    assert final["result"] is None and final["details"]


def test_task_not_found_directive(wire) -> None:
    job = submit(wire, "bfl", "flux-dev", {"prompt": "x [[sim: status=Task not found]]"}).json()
    answer = wire.client.get(job["polling_url"], headers=BFL).json()
    assert answer["status"] == "Task not found"


def test_submit_fault_then_retry_succeeds_with_a_single_job(wire) -> None:
    prompt = "retry me [[sim: submit=429, retry_after=0.2, submit_times=1]]"
    first = submit(wire, "bfl", "flux-dev", {"prompt": prompt})
    assert first.status_code == 429
    assert first.headers["retry-after"] == "0.2"
    assert isinstance(first.json()["detail"], str)
    assert submit(wire, "bfl", "flux-dev", {"prompt": prompt}).status_code == 200
    (job,) = wire.jobs()
    assert job["submits"] == 2


@pytest.mark.parametrize("code", [400, 401, 402, 422, 500, 503])
def test_submit_fault_codes_use_each_services_shape(wire, code) -> None:
    bfl = submit(wire, "bfl", "flux-dev", {"prompt": f"x [[sim: submit={code}]]"})
    comet = submit(wire, "comet", "flux-dev", {"prompt": f"x [[sim: submit={code}]]"})
    assert bfl.status_code == comet.status_code == code
    assert "detail" in bfl.json()
    assert ("detail" if code == 422 else "error") in comet.json()
    assert "retry-after" not in bfl.headers
    assert wire.jobs() == []


def test_poll_fault_for_the_first_polls(wire) -> None:
    job = submit(
        wire, "bfl", "flux-dev", {"prompt": "x [[sim: poll=503, poll_times=2, retry_after=1]]"}
    ).json()
    for _ in range(2):
        response = wire.client.get(job["polling_url"], headers=BFL)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
    assert wire.poll_bfl(job["polling_url"], BFL)[-1]["status"] == "Ready"


def test_drop_submit_leaves_a_paid_job_behind(wire) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        submit(wire, "bfl", "flux-dev", {"prompt": "x [[sim: drop=submit, drop_times=1]]"})
    assert len(wire.jobs()) == 1
    assert (
        submit(
            wire, "bfl", "flux-dev", {"prompt": "x [[sim: drop=submit, drop_times=1]]"}
        ).status_code
        == 200
    )
    assert [job["submits"] for job in wire.jobs()] == [2, 2]


def test_drop_poll_and_drop_result(wire) -> None:
    job = submit(wire, "bfl", "flux-dev", {"prompt": "x [[sim: drop=poll, drop_times=1]]"})
    with pytest.raises(httpx.RemoteProtocolError):
        wire.client.get(job.json()["polling_url"], headers=BFL)
    assert wire.poll_bfl(job.json()["polling_url"], BFL)[-1]["status"] == "Ready"

    job = submit(wire, "comet", "flux-dev", {"prompt": "x [[sim: drop=result, drop_times=1]]"})
    url = job.json()["polling_url"]
    with pytest.raises(httpx.RemoteProtocolError):
        wire.poll_bfl(url, BEARER)  # the answer that would say Ready is dropped
    assert wire.client.get(url, headers=BEARER).json()["status"] == "Ready"
