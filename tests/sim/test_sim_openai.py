"""APIYI and the generic OpenAI-compatible Images API: raw HTTP and the official SDK."""

from __future__ import annotations

import base64
import io

import httpx
import openai
import pytest
from PIL import Image

BEARER = {"Authorization": "Bearer sim-test-key"}


def generate(wire, service, body, headers=BEARER):
    return wire.client.post(wire.url(service, "/images/generations"), json=body, headers=headers)


def test_apiyi_answers_when_done_with_a_url(wire) -> None:
    response = generate(
        wire, "apiyi", {"model": "flux-2-pro", "prompt": "a harbour", "size": "1536x1024"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert isinstance(body["created"], int)
    (item,) = body["data"]
    assert set(item) == {"url"}
    _, image = wire.image(item["url"])
    assert (image.format, image.size) == ("JPEG", (1536, 1024))


def test_apiyi_ignores_response_format_and_takes_width_height(wire) -> None:
    body = {
        "model": "flux-2-klein-4b",
        "prompt": "x",
        "width": 512,
        "height": 768,
        "output_format": "png",
        "response_format": "b64_json",
    }
    (item,) = generate(wire, "apiyi", body).json()["data"]
    _, image = wire.image(item["url"])
    assert (image.format, image.size) == ("PNG", (512, 768))


def test_generic_endpoint_returns_b64_json_for_several_images(wire) -> None:
    body = {
        "model": "any-model",
        "prompt": "x",
        "size": "256x256",
        "n": 3,
        "response_format": "b64_json",
    }
    data = generate(wire, "openai", body).json()["data"]
    images = [Image.open(io.BytesIO(base64.b64decode(item["b64_json"]))) for item in data]
    assert [image.size for image in images] == [(256, 256)] * 3
    assert len({item["b64_json"] for item in data}) == 3  # each image has its own seed


@pytest.mark.parametrize(
    ("service", "body", "param", "code"),
    [
        ("apiyi", {"prompt": "x"}, "model", "missing_required_parameter"),
        ("apiyi", {"model": "flux-2-pro"}, "prompt", "missing_required_parameter"),
        (
            "apiyi",
            {"model": "flux-2-pro", "prompt": "x", "size": "1000x1000"},
            "size",
            "invalid_value",
        ),
        (
            "apiyi",
            {"model": "flux-2-pro", "prompt": "x", "size": "1024x1024", "width": 512},
            "size",
            "invalid_value",
        ),
        ("apiyi", {"model": "flux-2-pro", "prompt": "x", "width": 2064}, "width", "invalid_value"),
        ("apiyi", {"model": "flux-2-pro", "prompt": "x", "height": 48}, "height", "invalid_value"),
        ("apiyi", {"model": "flux-2-pro", "prompt": "x", "n": 2}, "n", "invalid_value"),
        ("apiyi", {"model": "dall-e-3", "prompt": "x"}, "model", "model_not_found"),
        (
            "apiyi",
            {"model": "flux-2-flex", "prompt": "x", "guidance": 11},
            "guidance",
            "invalid_value",
        ),
        ("openai", {"model": "m", "prompt": "x", "n": 5}, "n", "invalid_value"),
        (
            "openai",
            {"model": "m", "prompt": "x", "response_format": "base64"},
            "response_format",
            "invalid_value",
        ),
    ],
)
def test_bad_parameters_answer_400(wire, service, body, param, code) -> None:
    response = generate(wire, service, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert "x-request-id" in response.headers


def test_largest_size_is_accepted(wire) -> None:
    body = {"model": "flux-2-pro", "prompt": "x [[sim: queue=0, run=0]]", "size": "2048x2048"}
    assert generate(wire, "apiyi", body).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "invalid_api_key"),
        ({"Authorization": "Key k"}, 401, "invalid_api_key"),
        ({"Authorization": "Bearer sim-invalid-key"}, 401, "invalid_api_key"),
        ({"Authorization": "Bearer sim-no-credits"}, 402, "insufficient_quota"),
    ],
)
def test_auth_refusals(wire, headers, status, code) -> None:
    response = generate(wire, "apiyi", {"model": "flux-dev", "prompt": "x"}, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "x-request-id" in response.headers


def test_moderation_and_failure_directives(wire) -> None:
    moderated = generate(
        wire, "apiyi", {"model": "flux-dev", "prompt": "x [[sim: status=Request Moderated]]"}
    )
    assert moderated.status_code == 400
    assert moderated.json()["error"]["code"] == "content_policy_violation"
    failed = generate(wire, "openai", {"model": "m", "prompt": "x [[sim: status=Error]]"})
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error"


def test_dropped_post_is_ambiguous_the_job_exists(wire) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        generate(wire, "apiyi", {"model": "flux-dev", "prompt": "x [[sim: drop=submit]]"})
    (job,) = wire.jobs()
    assert job["service"] == "apiyi"


def test_submit_fault_with_retry_after(wire) -> None:
    response = generate(
        wire,
        "openai",
        {"model": "m", "prompt": "x [[sim: submit=429, retry_after=2, submit_times=1]]"},
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


def test_official_sdk_against_the_apiyi_base_url(wire) -> None:
    client = openai.OpenAI(api_key="sim-test-key", base_url=wire.url("apiyi"), max_retries=0)
    response = client.images.generate(
        model="flux-2-pro", prompt="a cinematic city", size="1024x768"
    )
    _, image = wire.image(response.data[0].url)
    assert image.size == (1024, 768)

    bad = openai.OpenAI(api_key="sim-invalid-key", base_url=wire.url("apiyi"), max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.images.generate(model="flux-2-pro", prompt="x")


def test_sim_correction_openai_unknown_fields_are_dropped_and_recorded(wire) -> None:
    body = {
        "model": "flux-2-klein-4b",
        "prompt": "x",
        "prompt_upsampling": True,
        "response_format": "b64_json",
        "quality": "hd",
    }
    assert generate(wire, "apiyi", body).status_code == 200
    (job,) = wire.jobs()
    assert job["received"] == body
    # APIYI: klein ignores prompt_upsampling, and APIYI ignores response_format
    assert job["ignored"] == ["prompt_upsampling", "response_format", "quality"]

    strict = generate(wire, "openai", {**body, "prompt": "x [[sim: strict=1]]"})
    assert strict.status_code == 400
    assert strict.json()["error"]["param"] == "prompt_upsampling"
