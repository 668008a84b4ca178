"""Where BFL and CometAPI jobs are polled (providers.md 6): a webhook submit answered without a
`polling_url` is followed through get_result on the host that took it, and CometAPI always polls
its own get_result with its own key, whatever its `polling_url` names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from fluxtui.core import config as config_module
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from fluxtui.core.providers import bfl, create_provider
from fluxtui.core.results import Handle
from fluxtui.core.settings import Secret
from fluxtui.core.store import Store
from fluxtui.session import SIM_SERVICES
from fluxtui.sim import SimServer
from tests.helpers import generate, sim_jobs
from tests.hostile import ELSEWHERE, HOME, HostileProvider

KEY = "sim-pollingtest-0123456789abcdef"
HOOK = "https://hooks.example.invalid/fluxtui"


@pytest.fixture
def hostile() -> Iterator[HostileProvider]:
    server = HostileProvider().start()
    yield server
    server.stop()


def hostile_config(hostile: HostileProvider) -> Config:
    urls = {name: hostile.base_url(name) for name in SIM_SERVICES}
    config = config_module.demo_config(config_module.load(), urls)
    providers = {n: replace(e, key=Secret(KEY)) for n, e in config.providers.items()}
    return replace(config, providers=providers)


def no_key(headers: dict[str, str]) -> bool:
    return KEY not in str(headers) and "authorization" not in headers and "x-key" not in headers


def test_a_webhook_submit_answer_has_no_polling_url() -> None:
    answer = {"id": "job-1", "status": "Pending", "webhook_url": HOOK}
    handle = bfl.handle_from_submit("bfl", "BFL", answer, credits=True)
    assert (handle.request_id, handle.urls, handle.cost) == ("job-1", {}, None)


async def test_correction_webhook_without_polling_url(
    hostile: HostileProvider, store: Store, tmp_path: Path
) -> None:
    """A BFL submit with `webhook_url` answers `{id, status, webhook_url}`: fluxtui polls
    get_result?id= on the host that took the submit, and says the webhook is the provider's."""
    async with Engine(hostile_config(hostile), store, library=tmp_path / "lib") as engine:
        job, events = await generate(engine, "bfl", webhook_url=HOOK)
    assert job.state is JobState.DONE and job.handle is not None
    assert job.handle.urls == {}
    home = hostile.seen_at(HOME)
    assert (home[0].method, home[0].path) == ("POST", "/bfl/v1/flux-pro-1.1")
    polls = home[1:]
    assert polls and {(s.method, s.path, s.query) for s in polls} == {
        ("GET", "/bfl/v1/get_result", "id=job-1")
    }
    assert all(s.headers["x-key"] == KEY for s in home)
    [download] = hostile.seen_at(ELSEWHERE)  # the image, without any key
    assert download.path == "/image.png" and no_key(download.headers)
    [submitted] = [c for c in job.history if c.state is JobState.SUBMITTED]
    assert submitted.detail == (
        "BFL calls the webhook_url itself when the job ends: that webhook is the provider's to "
        "call, and fluxtui receives none; it polls get_result instead"
    )
    assert any(e.detail == submitted.detail for e in events)  # the faces are told too


async def test_correction_comet_polls_own_get_result(
    hostile: HostileProvider, store: Store, tmp_path: Path
) -> None:
    """Comet's `polling_url` names another host: its key never goes there; Comet's own
    get_result?id= is polled instead, with its Bearer key."""
    async with Engine(hostile_config(hostile), store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, "comet")
    assert job.state is JobState.DONE and job.handle is not None
    assert httpx.URL(job.handle.urls["polling_url"]).host == ELSEWHERE  # given, and not used
    home = hostile.seen_at(HOME)
    assert (home[0].method, home[0].path) == ("POST", "/comet/flux/v1/flux-pro-1.1")
    assert home[1:] and {(s.method, s.path, s.query) for s in home[1:]} == {
        ("GET", "/comet/flux/v1/get_result", "id=job-1")
    }
    assert all(s.headers["authorization"] == f"Bearer {KEY}" for s in home)
    elsewhere = hostile.seen_at(ELSEWHERE)
    assert [s.path for s in elsewhere] == ["/image.png"] and no_key(elsewhere[0].headers)


async def test_comet_ignores_even_a_polling_url_on_its_own_host(sim_config: Config) -> None:
    """What Comet's `polling_url` points at is undocumented: it is never used, on any host."""
    settings = sim_config.settings("comet")
    own = f"{settings.base_url}/flux/v1/elsewhere?id=x"
    handle = Handle("comet", "x", {"polling_url": own})
    async with httpx.AsyncClient() as client:
        comet = create_provider(settings, client)
        bfl_provider = create_provider(sim_config.settings("bfl"), client)
    assert isinstance(comet, bfl.BflProvider) and isinstance(bfl_provider, bfl.BflProvider)
    assert comet.polling_url(handle) is None
    assert bfl_provider.polling_url(replace(handle, provider="bfl")) == own


async def test_a_webhook_job_on_the_simulator_is_followed_through_get_result(
    engine: Engine,
) -> None:
    job, _ = await generate(engine, "bfl", "a fox 3b9c", webhook_url=HOOK)
    assert job.state is JobState.DONE and job.handle is not None and job.handle.urls == {}
    [submitted] = [c for c in job.history if c.state is JobState.SUBMITTED]
    assert submitted.detail is not None and "webhook is the provider's to call" in submitted.detail


async def test_comet_never_sends_its_key_to_the_simulators_foreign_polling_url(
    engine: Engine, sim: SimServer
) -> None:
    """The simulator's `foreign_poll=1` names another host in Comet's `polling_url`, and records
    every poll that reaches it: none does."""
    job, _ = await generate(engine, "comet", "a fox 5e2a [[sim: foreign_poll=1]]")
    assert job.state is JobState.DONE and job.handle is not None
    assert "/foreign/" in job.handle.urls["polling_url"]
    [seen] = [j for j in sim_jobs(sim) if "5e2a" in j.get("prompt", "")]
    assert seen["foreign_polls"] == []
