"""The adapters without HTTP: bodies, headers, and the pure functions that read answers."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fluxtui.core.config import BUILTIN_PROVIDERS
from fluxtui.core.errors import ConfigError, ProviderError
from fluxtui.core.models import ErrorKind, GenerationRequest, JobState
from fluxtui.core.providers import bfl, create_provider, fal, openai_images
from fluxtui.core.providers.answers import is_moderation, parse_http_error
from fluxtui.core.providers.base import CancelOutcome, Provider
from fluxtui.core.results import ImageRef
from fluxtui.core.settings import ProviderSettings, Secret

KEY = "test-key-0123456789"
BASES = {
    "comet": "https://api.cometapi.com",
    "bfl": "https://api.bfl.ai",
    "apiyi": "https://api.apiyi.com/v1",
    "openai": "https://gateway.example/v1",
    "fal": "https://queue.fal.run",
}
PROTOCOLS = {"comet": "comet", "bfl": "bfl", "apiyi": "openai", "openai": "openai", "fal": "fal"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:  # never sends anything in these tests
        yield http


def make(client: httpx.AsyncClient, name: str, key: str | None = KEY, **extra: Any) -> Provider:
    builtin = BUILTIN_PROVIDERS[name]
    settings = ProviderSettings(
        name,
        PROTOCOLS[name],
        BASES[name],
        Secret(key) if key else None,
        label=builtin.label,
        key_env=builtin.key_env,
        **extra,
    )
    return create_provider(settings, client)


def req(
    model: str, params: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> GenerationRequest:
    return GenerationRequest("a red fox in snow", "test", model, params or {}, extra or {})


# ---- choosing an adapter, keys and headers --------------------------------------------------------


def test_create_provider_by_protocol(client: httpx.AsyncClient) -> None:
    assert type(make(client, "comet")) is bfl.BflProvider
    assert type(make(client, "bfl")) is bfl.BflProvider
    assert type(make(client, "apiyi")) is openai_images.OpenAIImagesProvider
    assert type(make(client, "fal")) is fal.FalProvider
    with pytest.raises(ConfigError, match="provider x: unknown protocol 'replicate'"):
        create_provider(ProviderSettings("x", "replicate", "https://r"), client)


def test_capabilities(client: httpx.AsyncClient) -> None:
    apiyi, queue, comet = make(client, "apiyi"), make(client, "fal"), make(client, "comet")
    assert apiyi.state_while_submitting is JobState.RUNNING and not apiyi.can_cancel
    assert queue.can_cancel and queue.can_stream
    assert queue.state_while_submitting is JobState.PENDING
    assert not (comet.can_cancel or comet.can_stream)


@pytest.mark.parametrize(
    ("adapter", "answer"),
    [
        (bfl, {"status": "Exploded"}),
        (bfl, {"status": "Ready", "result": None}),
        (fal, {"status": "CANCELLED"}),
    ],
)
def test_an_answer_fluxtui_cannot_read_is_an_error_worth_another_poll(adapter, answer) -> None:
    """Not an ending: the engine follows the paid job on, until its deadline."""
    with pytest.raises(ProviderError) as caught:
        adapter.parse_status("P", answer)
    assert caught.value.kind is ErrorKind.BAD_RESPONSE and not caught.value.ends_job
    assert answer["status"] in caught.value.message


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("comet", {"Authorization": f"Bearer {KEY}"}),
        ("bfl", {"x-key": KEY}),
        ("apiyi", {"Authorization": f"Bearer {KEY}"}),
        ("fal", {"Authorization": f"Key {KEY}"}),
    ],
)
def test_auth_headers(client: httpx.AsyncClient, name: str, headers: dict[str, str]) -> None:
    assert make(client, name).auth_headers() == headers


def test_extra_headers_cannot_override_auth(client: httpx.AsyncClient) -> None:
    provider = make(client, "fal", extra_headers={"X-Team": "a", "Authorization": "nope"})
    url = "https://queue.fal.run/fal-ai/flux/dev"
    built = client.build_request("POST", url, headers=provider.headers())
    sent = next(provider.auth_for(url).auth_flow(built))  # what httpx would send
    assert sent.headers["X-Team"] == "a" and sent.headers["Accept"] == "application/json"
    assert sent.headers["Authorization"] == f"Key {KEY}"


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("comet", "COMETAPI_KEY"),
        ("bfl", "BFL_API_KEY"),
        ("apiyi", "APIYI_API_KEY"),
        ("openai", "OPENAI_API_KEY"),
        ("fal", "FAL_KEY"),
    ],
)
def test_a_missing_key_is_an_auth_error_before_sending(
    client: httpx.AsyncClient, name: str, env: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        make(client, name, key=None).auth_headers()
    assert caught.value.kind is ErrorKind.AUTH and not caught.value.request_sent
    assert caught.value.message == (
        f"no API key for {name}: set {env} or [providers.{name}] api_key in config"
    )
    assert make(client, name).key_hint == f"{env} or [providers.{name}] api_key"


def test_a_key_echoed_by_the_server_is_masked(client: httpx.AsyncClient) -> None:
    provider = make(client, "comet")
    error = provider.redacted(ProviderError(ErrorKind.AUTH, f"bad key {KEY}!"))
    assert error.message == "bad key ****!" and str(error) == "bad key ****!"
    assert KEY not in repr(provider.settings)


def test_validate_uses_the_providers_catalog(client: httpx.AsyncClient) -> None:
    request = req("flux-2-pro", {"width": 1000, "height": 1024})
    assert make(client, "apiyi").validate(request) == [
        "width 1000 is not a multiple of 16 for flux-2-pro (try 1008x1024)"
    ]
    assert make(client, "openai").validate(request) == []  # lenient gateway
    assert make(client, "comet").validate(req("flux-pro-1.1", {"steps": 3})) == [
        "steps is not a parameter of flux-pro-1.1"
    ]


# ---- bodies --------------------------------------------------------------------------------------


def test_bfl_body_resolves_the_ratio_and_merges_extra_last(client: httpx.AsyncClient) -> None:
    request = req(
        "flux-dev",
        {
            "aspect_ratio": "16:9",
            "steps": 28,
            "guidance": 3,
            "seed": 5,
            "num_images": 1,
            "output_format": None,
        },
        {"seed": 9, "webhook_url": "https://hook"},
    )
    assert make(client, "comet").build_body(request) == {
        "prompt": "a red fox in snow",
        "width": 1376,
        "height": 768,
        "steps": 28,
        "guidance": 3,
        "seed": 9,
        "webhook_url": "https://hook",
    }


def test_bfl_body_for_ultra_sends_the_ratio(client: httpx.AsyncClient) -> None:
    request = req(
        "flux-pro-1.1-ultra", {"aspect_ratio": "21:9", "raw": True, "safety_tolerance": 2}
    )
    assert make(client, "bfl").build_body(request) == {
        "prompt": "a red fox in snow",
        "aspect_ratio": "21:9",
        "raw": True,
        "safety_tolerance": 2,
    }


def test_bfl_paths(client: httpx.AsyncClient) -> None:
    assert make(client, "comet").api_root == "https://api.cometapi.com/flux/v1"
    assert make(client, "bfl").api_root == "https://api.bfl.ai/v1"


def test_openai_body_sends_size_and_n(client: httpx.AsyncClient) -> None:
    request = req(
        "flux-2-flex",
        {
            "width": 1920,
            "height": 1088,
            "num_images": 1,
            "steps": 30,
            "guidance": 4.5,
            "seed": 42,
            "safety_tolerance": 2,
            "output_format": "png",
            "prompt_upsampling": False,
        },
    )
    assert make(client, "apiyi").build_body(request) == {
        "model": "flux-2-flex",
        "prompt": "a red fox in snow",
        "size": "1920x1088",
        "n": 1,
        "steps": 30,
        "guidance": 4.5,
        "seed": 42,
        "safety_tolerance": 2,
        "output_format": "png",
        "prompt_upsampling": False,
    }


@pytest.mark.parametrize(
    ("model", "params", "extra", "size_fields"),
    [
        ("flux-2-pro", {"aspect_ratio": "16:9"}, {}, {"size": "1360x768"}),
        ("flux-2-pro", {}, {}, {}),
        (
            "flux-2-pro",
            {"width": 1024, "height": 768},
            {"width": 512, "height": 512},
            {"width": 512, "height": 512},
        ),
        ("flux-2-pro", {"width": 1024, "height": 768}, {"size": "512x512"}, {"size": "512x512"}),
        ("my-flux", {"aspect_ratio": "16:9"}, {}, {"aspect_ratio": "16:9"}),
    ],
)
def test_openai_size_fields(
    client: httpx.AsyncClient, model: str, params: dict, extra: dict, size_fields: dict
) -> None:
    body = make(client, "apiyi").build_body(req(model, params, extra))
    fixed = ("model", "prompt", "prompt_upsampling")  # flux-2-pro's is always sent
    assert {k: v for k, v in body.items() if k not in fixed} == size_fields


def test_openai_read_timeout_is_long(client: httpx.AsyncClient) -> None:
    provider = make(client, "apiyi")
    assert (
        provider._timeout().read == 300.0 and provider._timeout().connect == client.timeout.connect
    )


def test_fal_body_renames_params(client: httpx.AsyncClient) -> None:
    request = req(
        "fal-ai/flux/dev",
        {
            "aspect_ratio": "16:9",
            "steps": 28,
            "guidance": 3.5,
            "seed": 1,
            "num_images": 2,
            "enable_safety_checker": False,
            "acceleration": "high",
            "output_format": "png",
        },
        {"sync_mode": True},
    )
    assert make(client, "fal").build_body(request) == {
        "prompt": "a red fox in snow",
        "image_size": "landscape_16_9",
        "num_inference_steps": 28,
        "guidance_scale": 3.5,
        "seed": 1,
        "num_images": 2,
        "enable_safety_checker": False,
        "acceleration": "high",
        "output_format": "png",
        "sync_mode": True,
    }


def test_fal_body_for_pro_apps(client: httpx.AsyncClient) -> None:
    request = req(
        "fal-ai/flux-pro/v1.1-ultra",
        {
            "aspect_ratio": "9:21",
            "safety_tolerance": 5,
            "prompt_upsampling": True,
            "image_prompt": "https://x/ref.png",
        },
    )
    assert make(client, "fal").build_body(request) == {
        "prompt": "a red fox in snow",
        "aspect_ratio": "9:21",
        "safety_tolerance": "5",
        "enhance_prompt": True,
        "image_url": "https://x/ref.png",
    }
    sized = req("fal-ai/flux-pro/v1.1", {"width": 1000, "height": 700}, {"image_size": "square"})
    assert make(client, "fal").build_body(sized)["image_size"] == "square"  # extra wins


# ---- BFL answers ---------------------------------------------------------------------------------


def test_bfl_submit_answer_keeps_the_polling_url_verbatim() -> None:
    handle = bfl.handle_from_submit(
        "bfl",
        "BFL",
        {"id": "abc", "polling_url": "https://api.eu2.bfl.ai/v1/get_result?id=abc", "cost": 4},
    )
    assert handle.to_dict() == {
        "provider": "bfl",
        "request_id": "abc",
        "result": None,
        "urls": {"polling_url": "https://api.eu2.bfl.ai/v1/get_result?id=abc"},
    }
    assert bfl.handle_from_submit("comet", "CometAPI", {"id": "x"}).urls == {}
    with pytest.raises(ProviderError) as caught:
        bfl.handle_from_submit("comet", "CometAPI", {"detail": "nope"})
    assert caught.value.kind is ErrorKind.BAD_RESPONSE
    assert (
        caught.value.message == 'CometAPI answered the submit without a job id: {"detail": "nope"}'
    )


@pytest.mark.parametrize(
    ("answer", "state", "progress"),
    [
        ({"id": "a", "status": "Pending", "result": None}, JobState.QUEUED, None),
        ({"id": "a", "status": "Pending", "progress": None}, JobState.QUEUED, None),
        ({"id": "a", "status": "Pending", "progress": 0}, JobState.QUEUED, None),
        ({"id": "a", "status": "Pending", "progress": 0.4}, JobState.RUNNING, 0.4),
        ({"id": "a", "status": "Pending", "progress": 40}, JobState.RUNNING, 0.4),
        ({"id": "a", "status": "pending", "progress": 1}, JobState.RUNNING, 1.0),
    ],
)
def test_bfl_pending(answer: dict, state: JobState, progress: float | None) -> None:
    update = bfl.parse_status("BFL", answer)
    assert (update.state, update.progress, update.error, update.raw_status) == (
        state,
        progress,
        None,
        answer["status"],
    )


def test_bfl_ready_carries_the_result() -> None:
    update = bfl.parse_status(
        "BFL",
        {
            "id": "a",
            "status": "Ready",
            "cost": 4.0,
            "result": {
                "sample": "https://delivery.bfl.ai/x/sample.jpeg?sig=1",
                "seed": 1234,
                "prompt": "fox",
                "start_time": 1.0,
                "end_time": 3.5,
                "duration": 2.5,
            },
        },
    )
    assert update.state is JobState.DOWNLOADING and update.error is None
    assert update.result is not None
    assert update.result.images == (ImageRef("https://delivery.bfl.ai/x/sample.jpeg?sig=1"),)
    assert update.result.seed == 1234
    assert update.result.details == {
        "prompt": "fox",
        "start_time": 1.0,
        "end_time": 3.5,
        "duration": 2.5,
    }
    assert update.result.cost is None  # a proxy's cost is not read as BFL credits


@pytest.mark.parametrize(
    ("answer", "state", "kind", "message"),
    [
        (
            {"status": "Request Moderated", "result": None},
            JobState.MODERATED,
            ErrorKind.MODERATED,
            "BFL refused the request: the prompt or input image was moderated (not charged)",
        ),
        (
            {
                "status": "Request Moderated",
                "details": {"Moderation Reasons": ["Derivative Works"]},
            },
            JobState.MODERATED,
            ErrorKind.MODERATED,
            "BFL refused the request: the prompt or input image was moderated (not charged): "
            '{"Moderation Reasons": ["Derivative Works"]}',
        ),
        (
            {"status": "Content Moderated"},
            JobState.MODERATED,
            ErrorKind.MODERATED,
            "BFL withheld the image: the output was moderated (not charged)",
        ),
        (
            {"status": "Task not found"},
            JobState.EXPIRED,
            ErrorKind.NOT_FOUND,
            "BFL no longer knows this job (Task not found): its id is unknown there or has expired",
        ),
        (
            {"status": "Error", "details": "GPU fell over"},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed: GPU fell over",
        ),
        (
            {"status": "Error", "details": {"message": "out of memory"}},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed: out of memory",
        ),
        (
            {"status": "Error", "error": "timeout in worker"},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed: timeout in worker",
        ),
        (
            {"status": "Error", "details": ["a", {"msg": "b"}]},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed: a; b",
        ),
        (
            {"status": "Error", "details": {"code": 7}},
            JobState.FAILED,
            ErrorKind.FAILED,
            'BFL: the generation failed: {"code": 7}',
        ),
        (
            {"status": "Error", "details": None},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed (no reason given)",
        ),
        (
            {"status": "Failed", "details": "worker lost"},
            JobState.FAILED,
            ErrorKind.FAILED,
            "BFL: the generation failed: worker lost",
        ),
    ],
)
def test_bfl_endings(answer: dict, state: JobState, kind: ErrorKind, message: str) -> None:
    update = bfl.parse_status("BFL", answer)
    assert update.state is state and update.error is not None
    assert (update.error.kind, update.error.message, update.error.raw_status) == (
        kind,
        message,
        answer["status"],
    )


def test_bfl_http_404_on_a_poll_is_expired() -> None:
    update = bfl.job_not_found("CometAPI", "HTTP 404")
    assert update.state is JobState.EXPIRED and update.error is not None
    assert update.error.kind is ErrorKind.NOT_FOUND


@pytest.mark.parametrize("answer", [None, [], {"id": "a"}, {"status": 3}])
def test_bfl_unreadable_status_is_bad_response(answer: Any) -> None:
    with pytest.raises(ProviderError) as caught:
        bfl.parse_status("BFL", answer)
    assert caught.value.kind is ErrorKind.BAD_RESPONSE


# ---- HTTP errors ---------------------------------------------------------------------------------

FASTAPI_422 = (
    '{"detail": [{"loc": ["body", "width"], "msg": "must be a multiple of 32", '
    '"type": "value_error"}, {"loc": ["body"], "msg": "Value error, too big", "type": "v"}]}'
)
OPENAI_401 = (
    '{"error": {"message": "Invalid token", "type": "comet_api_error", "code": "invalid_api_key"}}'
)


@pytest.mark.parametrize(
    ("label", "status", "headers", "body", "kind", "message"),
    [
        (
            "BFL",
            422,
            {},
            FASTAPI_422,
            ErrorKind.VALIDATION,
            "BFL rejected the request (422): width: must be a multiple of 32; Value error, too big",
        ),
        (
            "CometAPI",
            401,
            {},
            OPENAI_401,
            ErrorKind.AUTH,
            "key rejected by CometAPI (401): Invalid token",
        ),
        ("CometAPI", 401, {}, "", ErrorKind.AUTH, "key rejected by CometAPI (401)"),
        (
            "BFL",
            403,
            {},
            '{"detail": "Not authenticated"}',
            ErrorKind.AUTH,
            "key rejected by BFL (403): Not authenticated",
        ),
        (
            "BFL",
            402,
            {},
            '{"detail": "Insufficient credits"}',
            ErrorKind.CREDITS,
            "out of credits at BFL (402): Insufficient credits",
        ),
        (
            "BFL",
            429,
            {"retry-after": "5"},
            '{"detail": "24 tasks in flight"}',
            ErrorKind.RATE_LIMITED,
            "BFL is busy: too many requests or jobs in flight (429): 24 tasks in flight; retry after 5 s",
        ),
        (
            "BFL",
            503,
            {},
            "<html><body>Service Unavailable</body></html>",
            ErrorKind.SERVER,
            "BFL server error (503)",
        ),
        (
            "BFL",
            500,
            {"x-request-id": "req-9"},
            "upstream timed out",
            ErrorKind.SERVER,
            "BFL server error (500): upstream timed out (request id req-9)",
        ),
        (
            "CometAPI",
            404,
            {},
            '{"message": "model not found"}',
            ErrorKind.NOT_FOUND,
            "CometAPI answered 404 not found: model not found",
        ),
        ("BFL", 409, {}, "{}", ErrorKind.FAILED, "BFL answered HTTP 409"),
    ],
)
def test_parse_http_error(
    label: str, status: int, headers: dict, body: str, kind: ErrorKind, message: str
) -> None:
    error = parse_http_error(label, status, httpx.Headers(headers), body)
    assert (error.kind, error.message, error.status_code) == (kind, message, status)


def test_a_rejected_key_names_where_the_key_is_set() -> None:
    hint = "COMETAPI_KEY or [providers.comet] api_key"
    error = parse_http_error(
        "CometAPI", 401, httpx.Headers({"x-request-id": "q"}), OPENAI_401, key_hint=hint
    )
    assert error.message == (
        "key rejected by CometAPI (401): Invalid token; check COMETAPI_KEY or "
        "[providers.comet] api_key (request id q)"
    )
    assert (
        "check" not in parse_http_error("CometAPI", 402, httpx.Headers(), "", key_hint=hint).message
    )


def test_parse_http_error_keeps_retry_after_and_request_id() -> None:
    error = parse_http_error(
        "fal", 429, httpx.Headers({"Retry-After": "2", "x-fal-request-id": "r1"}), ""
    )
    assert (error.retry_after, error.request_id, error.transient) == (2.0, "r1", True)


@pytest.mark.parametrize(
    ("body", "moderated"),
    [
        ({"error": {"message": "no", "code": "content_policy_violation"}}, True),
        ({"error": {"message": "no", "type": "moderation_blocked"}}, True),
        ({"detail": [{"msg": "no", "type": "content_policy_violation"}]}, True),
        ({"error": "Request Moderated"}, True),
        ({"detail": "blocked by our safety system"}, True),
        ({"error": {"message": "size must be a multiple of 16", "code": None}}, False),
        ({"detail": [{"loc": ["body", "width"], "msg": "too big", "type": "value_error"}]}, False),
        (None, False),
    ],
)
def test_is_moderation(body: Any, moderated: bool) -> None:
    assert is_moderation(body) is moderated


# ---- OpenAI-style answers ------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 16


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_openai_images_with_urls() -> None:
    result = openai_images.parse_images(
        "APIYI",
        {
            "created": 1776832476,
            "data": [
                {
                    "url": "https://delivery-eu.bfl.ai/results/x/sample.jpeg?signature=s",
                    "revised_prompt": "a fox",
                }
            ],
        },
        seed=42,
    )
    assert result.images == (
        ImageRef("https://delivery-eu.bfl.ai/results/x/sample.jpeg?signature=s"),
    )
    assert result.seed == 42  # the API reports none: the one sent
    assert result.details == {"created": 1776832476, "revised_prompt": "a fox"}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (b"GIF89a" + b"\x00" * 8, "image/gif"),
        (b"\x00\x01\x02\x03", "application/octet-stream"),
    ],
)
def test_openai_b64_becomes_a_typed_data_url(data: bytes, content_type: str) -> None:
    result = openai_images.parse_images("gw", {"data": [{"b64_json": b64(data)}]})
    assert result.images == (
        ImageRef(f"data:{content_type};base64,{b64(data)}", content_type=content_type),
    )
    assert result.seed is None


def test_openai_b64_that_is_already_a_data_url_is_kept() -> None:
    url = f"data:image/png;base64,{b64(PNG)}"
    image = openai_images.image_from_base64("gw", url)
    assert image == ImageRef(url, content_type="image/png")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"data": []}, 'gw answered without images: {"data": []} (request id r7)'),
        ({"created": 1}, 'gw answered without images: {"created": 1} (request id r7)'),
        (
            {"data": [{"revised_prompt": "x"}]},
            'gw sent an image with neither url nor b64_json: {"revised_prompt": "x"} (request id r7)',
        ),
        (
            {"data": [{"b64_json": "not base64!"}]},
            "gw sent b64_json that is not base64 (request id r7)",
        ),
    ],
)
def test_openai_unreadable_images_are_bad_response(answer: dict, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        openai_images.parse_images("gw", answer, request_id="r7")
    assert (caught.value.kind, caught.value.message, caught.value.request_id) == (
        ErrorKind.BAD_RESPONSE,
        message,
        "r7",
    )


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (
            400,
            '{"error": {"message": "size must be a multiple of 16", "type": "invalid_request_error", '
            '"param": "size", "code": null}}',
            ErrorKind.VALIDATION,
            "APIYI rejected the request (400): size must be a multiple of 16 (request id abc123)",
        ),
        (
            400,
            '{"error": {"message": "Your request was rejected", "type": "invalid_request_error", '
            '"code": "content_policy_violation"}}',
            ErrorKind.MODERATED,
            "APIYI refused the request on content policy (400): Your request was rejected (request id abc123)",
        ),
        (
            400,
            '{"error": {"message": "Request Moderated by the safety system"}}',
            ErrorKind.MODERATED,
            "APIYI refused the request on content policy (400): Request Moderated by the safety system "
            "(request id abc123)",
        ),
        (
            401,
            '{"error": {"message": "invalid key", "type": "auth"}}',
            ErrorKind.AUTH,
            "key rejected by APIYI (401): invalid key (request id abc123)",
        ),
        (
            200,
            '{"error": {"message": "upstream failed"}}',
            ErrorKind.FAILED,
            "APIYI answered HTTP 200: upstream failed (request id abc123)",
        ),
    ],
)
def test_openai_errors(status: int, body: str, kind: ErrorKind, message: str) -> None:
    error = openai_images.parse_error(
        "APIYI", status, httpx.Headers({"x-request-id": "abc123"}), body
    )
    assert (error.kind, error.message, error.request_id) == (kind, message, "abc123")


# ---- fal answers ---------------------------------------------------------------------------------

FAL_SUBMIT = {
    "status": "IN_QUEUE",
    "request_id": "3892f1e8",
    "response_url": "https://queue.fal.run/fal-ai/flux/requests/3892f1e8",
    "status_url": "https://queue.fal.run/fal-ai/flux/requests/3892f1e8/status",
    "cancel_url": "https://queue.fal.run/fal-ai/flux/requests/3892f1e8/cancel",
    "logs": None,
    "metrics": {},
    "queue_position": 0,
}


def test_fal_submit_answer_keeps_the_urls_as_returned() -> None:
    handle = fal.handle_from_submit("fal", "fal", FAL_SUBMIT)
    assert handle.request_id == "3892f1e8"
    assert handle.urls == {k: FAL_SUBMIT[k] for k in ("status_url", "response_url", "cancel_url")}
    with pytest.raises(ProviderError) as caught:
        fal.handle_from_submit("fal", "fal", {"request_id": "x", "status_url": "https://s"})
    assert caught.value.kind is ErrorKind.BAD_RESPONSE


def logs(*messages: str) -> list[dict[str, str]]:
    return [{"message": m, "level": "INFO", "timestamp": "2025-01-01T00:00:00"} for m in messages]


@pytest.mark.parametrize(
    ("answer", "state", "position", "progress", "log"),
    [
        ({"status": "IN_QUEUE", "queue_position": 3}, JobState.QUEUED, 3, None, None),
        ({"status": "IN_QUEUE"}, JobState.QUEUED, None, None, None),
        (
            {"status": "IN_PROGRESS", "logs": logs("loading model", "step 7/28")},
            JobState.RUNNING,
            None,
            0.25,
            "step 7/28",
        ),
        (
            {
                "status": "IN_PROGRESS",
                "logs": logs(" 50%|█████     | 14/28 [00:02<00:02,  5.9it/s]"),
            },
            JobState.RUNNING,
            None,
            0.5,
            "50%|█████     | 14/28 [00:02<00:02,  5.9it/s]",
        ),
        (
            {"status": "IN_PROGRESS", "logs": logs("Step 3 of 4", "saving")},
            JobState.RUNNING,
            None,
            0.75,
            "saving",
        ),
        (
            {"status": "IN_PROGRESS", "logs": logs("resolution 1024/768")},
            JobState.RUNNING,
            None,
            None,
            "resolution 1024/768",
        ),
        ({"status": "IN_PROGRESS", "logs": None}, JobState.RUNNING, None, None, None),
        (
            {"status": "COMPLETED", "logs": logs("done"), "metrics": {"inference_time": 1.2}},
            JobState.DOWNLOADING,
            None,
            None,
            "done",
        ),
    ],
)
def test_fal_status(
    answer: dict, state: JobState, position: int | None, progress: float | None, log: str | None
) -> None:
    update = fal.parse_status("fal", answer)
    assert (update.state, update.queue_position, update.progress, update.log, update.error) == (
        state,
        position,
        progress,
        log,
        None,
    )


@pytest.mark.parametrize(
    ("answer", "state", "kind", "message"),
    [
        (
            {"status": "COMPLETED", "error": "CUDA out of memory", "error_type": "runtime_error"},
            JobState.FAILED,
            ErrorKind.FAILED,
            "fal: the generation failed (runtime_error): CUDA out of memory",
        ),
        (
            {"status": "COMPLETED", "error_type": "timeout"},
            JobState.FAILED,
            ErrorKind.FAILED,
            "fal: the generation failed (timeout)",
        ),
        (
            {"status": "COMPLETED", "error": {"message": "bad input"}},
            JobState.FAILED,
            ErrorKind.FAILED,
            "fal: the generation failed: bad input",
        ),
        (
            {
                "status": "COMPLETED",
                "error": "flagged by a content checker",
                "error_type": "content_policy_violation",
            },
            JobState.MODERATED,
            ErrorKind.MODERATED,
            "fal: the content was refused (content_policy_violation): flagged by a content checker",
        ),
        (
            {
                "status": "COMPLETED",
                "error": "Request was cancelled",
                "error_type": "request_cancelled",
            },
            JobState.CANCELLED,
            ErrorKind.CANCELLED,
            "fal: the request was cancelled (request_cancelled): Request was cancelled",
        ),
    ],
)
def test_fal_endings(answer: dict, state: JobState, kind: ErrorKind, message: str) -> None:
    update = fal.parse_status("fal", answer)
    assert update.state is state and update.error is not None
    assert (update.error.kind, update.error.message) == (kind, message)


def test_fal_404_on_a_status_is_expired() -> None:
    update = fal.request_not_found("fal")
    assert update.state is JobState.EXPIRED and update.error is not None
    assert (update.error.kind, update.error.status_code) == (ErrorKind.NOT_FOUND, 404)


def image(n: int) -> dict[str, Any]:
    return {
        "url": f"https://v3.fal.media/files/{n}.jpeg",
        "width": 1024,
        "height": 768,
        "content_type": "image/jpeg",
    }


def test_fal_result() -> None:
    result = fal.parse_result(
        "fal",
        {
            "images": [image(1), image(2)],
            "seed": 77,
            "has_nsfw_concepts": [False, True],
            "prompt": "fox",
            "timings": {"inference": 1.5},
        },
    )
    assert result.images == (
        ImageRef("https://v3.fal.media/files/1.jpeg", 1024, 768, "image/jpeg"),
        ImageRef("https://v3.fal.media/files/2.jpeg", 1024, 768, "image/jpeg"),
    )
    assert (result.seed, result.nsfw) == (77, (False, True))
    assert result.details == {"prompt": "fox", "timings": {"inference": 1.5}}


@pytest.mark.parametrize(
    ("answer", "kind", "message"),
    [
        (
            {"images": [image(1)], "has_nsfw_concepts": [True]},
            ErrorKind.MODERATED,
            "fal's safety checker flagged the image as NSFW",
        ),
        (
            {"images": [image(1), image(2)], "has_nsfw_concepts": [True, True]},
            ErrorKind.MODERATED,
            "fal's safety checker flagged all 2 images as NSFW",
        ),
        (
            {"images": []},
            ErrorKind.BAD_RESPONSE,
            'fal sent a result without images: {"images": []}',
        ),
        (
            {"images": [{"width": 3}]},
            ErrorKind.BAD_RESPONSE,
            'fal sent an image without a URL: {"width": 3}',
        ),
    ],
)
def test_fal_result_problems(answer: dict, kind: ErrorKind, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        fal.parse_result("fal", answer)
    assert (caught.value.kind, caught.value.message) == (kind, message)


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (
            422,
            '{"detail": [{"loc": ["body", "image_size", "width"], "msg": "too large", "type": "v"}]}',
            ErrorKind.VALIDATION,
            "fal rejected the request (422): image_size.width: too large",
        ),
        (
            500,
            '{"detail": "CUDA out of memory"}',
            ErrorKind.FAILED,
            "fal: the generation failed (500): CUDA out of memory",
        ),
        (502, "<html>Bad Gateway</html>", ErrorKind.SERVER, "fal server error (502)"),
        (
            404,
            '{"detail": "Request not found"}',
            ErrorKind.NOT_FOUND,
            "fal answered 404 not found: Request not found",
        ),
        (
            422,
            '{"detail": [{"loc": ["body", "prompt"], "msg": "flagged by a content checker", '
            '"type": "content_policy_violation"}]}',
            ErrorKind.MODERATED,
            "fal refused the request on content policy (422): prompt: flagged by a content checker",
        ),
    ],
)
def test_fal_result_errors(status: int, body: str, kind: ErrorKind, message: str) -> None:
    error = fal.result_error("fal", status, httpx.Headers(), body)
    assert (error.kind, error.message) == (kind, message)


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ({"status": "CANCELLATION_REQUESTED"}, CancelOutcome.REQUESTED),
        ({"status": "ALREADY_COMPLETED"}, CancelOutcome.ALREADY_DONE),
        ({"status": "NOT_FOUND"}, CancelOutcome.NOT_FOUND),
        ({"status": "MAYBE"}, None),
        ({"detail": "x"}, None),
        (None, None),
    ],
)
def test_fal_cancel_answer(body: Any, outcome: CancelOutcome | None) -> None:
    assert fal.parse_cancel(body) is outcome


def test_sse_parser() -> None:
    parser = fal.SseParser()
    lines = [
        ": keep-alive",
        "",
        "event: status",
        'data: {"status":',
        'data:  "IN_QUEUE"}',
        "id: 1",
        "",
        "retry: 100",
        "data:x",
        "data",
        "",
    ]
    events = [e for line in lines if (e := parser.feed(line)) is not None]
    assert events == ['{"status":\n "IN_QUEUE"}', "x\n"]


@pytest.mark.parametrize(
    ("data", "state"),
    [
        ('{"status": "IN_QUEUE", "queue_position": 1}', JobState.QUEUED),
        ('{"status": "COMPLETED"}', JobState.DOWNLOADING),
        ("ping", None),
        ('{"hello": 1}', None),
        (None, None),
    ],
)
def test_fal_stream_events(data: str | None, state: JobState | None) -> None:
    update = fal.parse_event("fal", data)
    assert (update.state if update else None) is state
