"""providers.md §6 corrections, without HTTP: how each adapter spells them in its body, the
checks made before sending, the in-flight caps, and the form's and the CLI's one setting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fluxtui import cli
from fluxtui.commands.requests import params_from_args
from fluxtui.core import catalog
from fluxtui.core.in_flight import InFlight, model_limit
from fluxtui.core.models import GenerationRequest
from fluxtui.core.providers import create_provider
from fluxtui.core.providers.base import Provider
from fluxtui.core.settings import ProviderSettings, Secret
from fluxtui.tui import form_model

BASES = {
    "comet": ("comet", "https://api.cometapi.com"),
    "bfl": ("bfl", "https://api.bfl.ai"),
    "apiyi": ("openai", "https://api.apiyi.com/v1"),
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:  # never sends anything in these tests
        yield http


def make(client: httpx.AsyncClient, name: str) -> Provider:
    protocol, base = BASES[name]
    return create_provider(ProviderSettings(name, protocol, base, Secret("k-123")), client)


def req(
    model: str, params: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> GenerationRequest:
    return GenerationRequest("a red fox", "test", model, params or {}, extra or {})


def upsampling_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in ("prompt_upsampling", "disable_pup")}


# ---- prompt upsampling ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bfl", "comet"])
@pytest.mark.parametrize(
    ("model", "given", "sent"),
    [
        # pro/max: the inverse field, always sent (the model's default, on, when not given)
        ("flux-2-pro", None, {"disable_pup": False}),
        ("flux-2-pro", False, {"disable_pup": True}),
        ("flux-2-max", True, {"disable_pup": False}),
        ("flux-2-max", False, {"disable_pup": True}),
        # flex: its own field, always sent; "off" must be said or flex upsamples
        ("flux-2-flex", None, {"prompt_upsampling": True}),
        ("flux-2-flex", False, {"prompt_upsampling": False}),
        # klein: no such setting (the catalog drops a value for it, see test_catalog)
        ("flux-2-klein-4b", None, {}),
        # FLUX.1 and Kontext: prompt_upsampling, only when given (their default is off)
        ("flux-pro-1.1", None, {}),
        ("flux-pro-1.1", True, {"prompt_upsampling": True}),
        ("flux-kontext-max", True, {"prompt_upsampling": True}),
        # a model the catalog does not know gets the setting as given
        ("flux-pro-1.0-canny", False, {"prompt_upsampling": False}),
    ],
)
def test_correction_flux2_disable_pup_bodies(
    client: httpx.AsyncClient, name: str, model: str, given: bool | None, sent: dict
) -> None:
    params = {} if given is None else {"prompt_upsampling": given}
    body = make(client, name).build_body(req(model, params))
    assert upsampling_fields(body) == sent


def test_correction_flux2_disable_pup_verbatim_field_wins(client: httpx.AsyncClient) -> None:
    """A field given through --param is sent as given, after the mapped one."""
    request = req("flux-2-pro", {"prompt_upsampling": False}, {"disable_pup": False})
    assert upsampling_fields(make(client, "bfl").build_body(request)) == {"disable_pup": False}


@pytest.mark.parametrize(
    ("model", "given", "sent"),
    [
        # APIYI takes prompt_upsampling for every model but klein (its page, default off);
        # for FLUX.2 pro/max/flex it is always sent, so that APIYI does what the form showed
        ("flux-2-pro", None, {"prompt_upsampling": False}),
        ("flux-2-max", True, {"prompt_upsampling": True}),
        ("flux-2-flex", None, {"prompt_upsampling": False}),
        ("flux-2-flex", True, {"prompt_upsampling": True}),
        ("flux-2-klein-9b", None, {}),
        ("flux-dev", None, {}),
        ("flux-dev", True, {"prompt_upsampling": True}),
    ],
)
def test_correction_flux2_disable_pup_apiyi(
    client: httpx.AsyncClient, model: str, given: bool | None, sent: dict
) -> None:
    params = {} if given is None else {"prompt_upsampling": given}
    body = make(client, "apiyi").build_body(req(model, params))
    assert upsampling_fields(body) == sent


# ---- formats -------------------------------------------------------------------------------------


def test_correction_flux2_webp_bodies(client: httpx.AsyncClient) -> None:
    request = req("flux-2-pro", {"output_format": "webp", "transparent_bg": True})
    body = make(client, "bfl").build_body(request)
    assert (body["output_format"], body["transparent_bg"]) == ("webp", True)
    assert make(client, "bfl").validate(request) == []
    assert make(client, "comet").validate(req("flux-2-pro", {"transparent_bg": True})) == [
        "transparent_bg needs output_format png or webp, not 'jpeg': JPEG has no transparency"
    ]


# ---- Kontext -------------------------------------------------------------------------------------


def test_correction_kontext_models_bodies(client: httpx.AsyncClient) -> None:
    """Kontext gets its ratio as given (a size becomes one before), no width/height; its input
    images pass through verbatim; with one, safety_tolerance is 0–2."""
    bfl = make(client, "bfl")
    request = req(
        "flux-kontext-pro",
        {"aspect_ratio": "21:9", "seed": 3, "safety_tolerance": 2},
        {"input_image": "https://x/in.png", "input_image_2": "aGVsbG8="},
    )
    assert bfl.build_body(request) == {
        "prompt": "a red fox",
        "aspect_ratio": "21:9",
        "seed": 3,
        "safety_tolerance": 2,
        "input_image": "https://x/in.png",
        "input_image_2": "aGVsbG8=",
    }
    assert bfl.validate(request) == []
    risky = req("flux-kontext-max", {"safety_tolerance": 5}, {"input_image": "https://x/in.png"})
    assert bfl.validate(risky) == [
        "safety_tolerance 5 is above 2, the most flux-kontext-max takes with input_image"
    ]
    verbatim = req("flux-kontext-max", {}, {"input_image_3": "x", "safety_tolerance": 4})
    assert make(client, "comet").validate(verbatim) == [
        "safety_tolerance 4 is above 2, the most flux-kontext-max takes with input_image_3"
    ]
    assert bfl.validate(req("flux-kontext-max", {"safety_tolerance": 6})) == []  # no image


# ---- in-flight caps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "concurrency", "overrides", "model", "limit"),
    [
        ("bfl", 24, {}, "flux-kontext-max", 6),
        ("bfl", 24, {}, "flux-kontext-pro", None),  # 24: no tighter than the provider's
        ("bfl", 24, {}, "flux-2-pro", None),
        ("bfl", 30, {}, "flux-2-pro", 24),  # a provider allowed more than BFL runs
        ("comet", 8, {}, "flux-kontext-max", 6),  # Comet proxies BFL: the same cap
        ("bfl", 4, {}, "flux-kontext-max", None),  # the provider's 4 is tighter
        ("bfl", 24, {"flux-kontext-max": 2}, "flux-kontext-max", 2),  # config over the catalog
        ("bfl", 24, {"flux-kontext-max": 12}, "flux-kontext-max", 12),
        ("bfl", 24, {"my-model": 3}, "my-model", 3),  # a model the catalog does not know
        ("fal", 16, {}, "fal-ai/flux/dev", None),
    ],
)
def test_correction_inflight_caps_limits(
    protocol: str, concurrency: int, overrides: dict, model: str, limit: int | None
) -> None:
    settings = ProviderSettings(
        "p", protocol, "https://x.example", concurrency=concurrency, model_concurrency=overrides
    )
    assert model_limit(settings, model) == limit


async def test_correction_inflight_caps_hold_slots() -> None:
    """Jobs of a capped model wait for its slots without taking the provider's: the other
    models' jobs still start."""
    settings = ProviderSettings("bfl", "bfl", "https://api.bfl.ai", concurrency=8)
    in_flight = InFlight()
    release = asyncio.Event()
    holding: list[str] = []

    async def job(model: str) -> None:
        async with in_flight.slot(settings, model):
            holding.append(model)
            await release.wait()

    tasks = [asyncio.create_task(job("flux-kontext-max")) for _ in range(9)]
    tasks += [asyncio.create_task(job("flux-2-pro")) for _ in range(3)]
    for _ in range(20):  # let every task run as far as it can
        await asyncio.sleep(0)
    assert holding.count("flux-kontext-max") == 6  # BFL's cap for it
    assert holding.count("flux-2-pro") == 2  # the provider's 8, less the 6
    release.set()
    await asyncio.gather(*tasks)
    assert len(holding) == 12


# ---- the form and the CLI speak of one setting ---------------------------------------------------


def test_correction_flux2_disable_pup_form_defaults() -> None:
    """The form's switch shows the model's own default, and takes the new model's when the
    model changes (unless the user set it)."""

    def switch(table: str, model: str) -> form_model.FieldSpec | None:
        fields = form_model.fields_for(catalog.model_spec(table, model))
        return next((f for f in fields if f.name == "prompt_upsampling"), None)

    flex, dev = switch("bfl", "flux-2-flex"), switch("bfl", "flux-dev")
    assert flex is not None and dev is not None
    assert (flex.label, flex.kind, flex.default, dev.default) == (
        "Prompt upsampling",
        "bool",
        True,
        False,
    )
    assert switch("bfl", "flux-2-klein-4b") is None
    old = form_model.fields_for(catalog.model_spec("bfl", "flux-dev"))
    new = form_model.fields_for(catalog.model_spec("bfl", "flux-2-flex"))
    untouched = {"prompt_upsampling": False, "output_format": "jpeg", "size": "512x512"}
    assert form_model.carried(old, new, untouched) == {"size": "512x512"}
    set_by_user = {"prompt_upsampling": True, "output_format": "png"}
    assert form_model.carried(old, new, set_by_user) == set_by_user
    back = form_model.carried(new, old, {"prompt_upsampling": False, "output_format": "webp"})
    assert back == {"prompt_upsampling": False}  # flux-dev has no webp
    params, problems = form_model.parse_values(new, {"prompt_upsampling": False}, random_seed=True)
    assert (params, problems) == ({"prompt_upsampling": False}, {})  # off differs: it is sent


@pytest.mark.parametrize(
    ("flags", "params"),
    [
        ([], {}),
        (["--prompt-upsampling"], {"prompt_upsampling": True}),
        (["--no-prompt-upsampling"], {"prompt_upsampling": False}),
        (["--format", "webp", "--transparent"], {"output_format": "webp", "transparent_bg": True}),
    ],
)
def test_cli_flags_for_the_corrections(flags: list[str], params: dict) -> None:
    args = cli.build_parser().parse_args(["generate", "a fox", *flags])
    assert params_from_args(args) == params
