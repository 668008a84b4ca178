"""Provider errors and faults become readable end states; GETs retry; paid POSTs never repeat."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fluxtui.core.engine import Engine
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.settings import Secret
from fluxtui.core.store import Store
from tests.helpers import generate, sim_jobs


@pytest.fixture
async def quick(sim_config, store: Store, tmp_path) -> Engine:
    """An engine whose retries back off in milliseconds, and whose jobs get 3 s, to keep fault
    tests short (a fault that never clears ends at the deadline)."""
    config = replace(sim_config, timeout_s=3.0)
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
        yield engine


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("Request Moderated", JobState.MODERATED),
        ("Content Moderated", JobState.MODERATED),
        ("Task not found", JobState.EXPIRED),
        ("Error", JobState.FAILED),
    ],
)
@pytest.mark.parametrize("provider", ["comet", "bfl"])
async def test_each_bfl_status_string(
    quick: Engine, provider: str, status: str, state: JobState
) -> None:
    job, _ = await generate(quick, provider, f"a fox [[sim: status={status}]]")
    assert job.state is state
    assert job.error is not None and job.error.message
    assert quick.store.get(job.id).state is state


@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_a_rejected_key_is_a_clear_auth_failure(
    sim_config, store, tmp_path, provider
) -> None:
    entry = replace(sim_config.providers[provider], key=Secret("sim-invalid-key"))
    config = replace(sim_config, providers={**sim_config.providers, provider: entry})
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, provider)
    assert job.state is JobState.FAILED
    # BFL refuses a bad key with 403 (providers.md section 6), the others with 401
    expected = 403 if provider == "bfl" else 401
    assert job.error.kind is ErrorKind.AUTH and job.error.status_code == expected
    assert "sim-invalid-key" not in job.error.message
    assert provider in job.error.message
    for db_file in store.path.parent.glob(store.path.name + "*"):  # the WAL too
        assert b"sim-invalid-key" not in db_file.read_bytes()


@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_out_of_credits(sim_config, store, tmp_path, provider) -> None:
    entry = replace(sim_config.providers[provider], key=Secret("sim-no-credits"))
    config = replace(sim_config, providers={**sim_config.providers, provider: entry})
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, provider)
    assert job.error.kind is ErrorKind.CREDITS and job.error.status_code == 402


@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_server_side_validation_is_reported(quick: Engine, provider: str) -> None:
    job, _ = await generate(quick, provider, "a fox [[sim: submit=422]]")
    assert job.state is JobState.FAILED
    assert job.error.kind is ErrorKind.VALIDATION and job.error.status_code in (400, 422)


@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_429_on_submit_is_retried_after_retry_after(quick: Engine, sim, provider) -> None:
    prompt = f"a fox 429 {provider} [[sim: submit=429, retry_after=0.2, submit_times=2]]"
    job, events = await generate(quick, provider, prompt)
    assert job.state is JobState.DONE, job.error
    assert any("sending again" in (e.detail or "") for e in events)
    created = [j for j in sim_jobs(sim) if prompt.split(" [[")[0] in j.get("prompt", "")]
    assert len(created) == 1


@pytest.mark.parametrize("code", [500, 503])
@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_5xx_on_submit_is_not_resent(quick: Engine, sim, provider: str, code: int) -> None:
    """The provider may have taken it before failing: uncertain, for the user to decide."""
    job, _ = await generate(quick, provider, f"a fox 5xx {provider} {code} [[sim: submit={code}]]")
    assert job.state is JobState.UNCERTAIN
    assert job.error.kind is ErrorKind.SERVER and job.error.status_code == code


@pytest.mark.parametrize("provider", ["comet", "bfl", "fal"])
async def test_dropped_submit_is_never_paid_twice(quick: Engine, sim, provider: str) -> None:
    tag = f"dropped-{provider}"
    job, _ = await generate(quick, provider, f"{tag} [[sim: drop=submit]]")
    assert job.state is JobState.UNCERTAIN
    assert job.error.kind is ErrorKind.TRANSPORT
    paid = [j for j in sim_jobs(sim) if tag in j.get("prompt", "")]
    assert len(paid) == 1  # the server took it once; we did not send it again


@pytest.mark.parametrize("provider", ["comet", "bfl", "fal"])
async def test_status_errors_are_retried(quick: Engine, provider: str) -> None:
    job, events = await generate(quick, provider, "a fox [[sim: poll=503, poll_times=2]]")
    assert job.state is JobState.DONE, job.error
    assert any("trying again" in (e.detail or "") for e in events)


async def test_status_429_honours_retry_after(quick: Engine) -> None:
    job, _ = await generate(quick, "bfl", "a fox [[sim: poll=429, poll_times=1, retry_after=0.3]]")
    assert job.state is JobState.DONE, job.error


@pytest.mark.parametrize("provider", ["comet", "bfl", "apiyi", "fal"])
async def test_an_expired_result_url_is_an_expired_job(quick: Engine, provider: str) -> None:
    job, _ = await generate(quick, provider, "a fox [[sim: ttl=0]]")
    assert job.state is JobState.EXPIRED
    assert "expired" in job.error.message


@pytest.mark.parametrize("provider", ["comet", "fal"])
async def test_a_truncated_download_never_lands_in_the_library(
    quick: Engine, provider: str
) -> None:
    job, _ = await generate(quick, provider, "a fox [[sim: truncate=1]]")
    assert job.state is JobState.UNREACHABLE  # tried until the deadline; resumable
    assert "truncated" in job.error.message or "broke off" in job.error.message
    assert job.files == []
    assert not any(p.is_file() for p in quick.library.rglob("*"))


async def test_a_corrupt_download_is_refused(quick: Engine) -> None:
    job, _ = await generate(quick, "bfl", "a fox [[sim: corrupt=1]]")
    assert job.state is JobState.UNREACHABLE
    assert job.files == []
    assert "not a PNG, JPEG or WebP" in job.error.message or "damaged" in job.error.message


async def test_fal_error_on_result(quick: Engine) -> None:
    job, _ = await generate(quick, "fal", "a fox [[sim: status=error]]")
    assert job.state is JobState.FAILED
    assert job.error.message


async def test_fal_nsfw_is_moderated(quick: Engine) -> None:
    job, _ = await generate(quick, "fal", "a fox [[sim: nsfw=1]]")
    assert job.state is JobState.MODERATED
    assert job.files == []


async def test_apiyi_moderation(quick: Engine) -> None:
    job, _ = await generate(quick, "apiyi", "a fox [[sim: status=Request Moderated]]")
    assert job.state is JobState.MODERATED


async def test_apiyi_errors_carry_the_request_id(quick: Engine) -> None:
    job, _ = await generate(quick, "apiyi", "a fox [[sim: submit=500]]")
    assert job.error.request_id
    assert job.error.request_id in job.error.message


async def test_the_deadline_ends_a_slow_job(sim_config, store, tmp_path) -> None:
    config = replace(sim_config, timeout_s=0.6)
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, "bfl", "a slow fox [[sim: queue=5]]")
    assert job.state is JobState.TIMED_OUT
    assert "gave up" in job.error.message
