"""After a paid submit nothing is final on its own: outages, odd answers and broken streams are
ridden out until the deadline, then the job is resumable; ambiguous submits wait for the user."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from tests.helpers import generate, request, sim_jobs


def submits(sim, marker: str) -> int:
    """How many jobs the simulator made for prompts holding `marker` (each one a paid submit)."""
    return len([j for j in sim_jobs(sim) if marker in j.get("prompt", "")])


@pytest.fixture
async def quick(sim_config, store: Store, tmp_path) -> Engine:
    """Retries back off in milliseconds, so that long outages take a moment."""
    async with Engine(sim_config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
        yield engine


@pytest.mark.parametrize(
    "fault",
    [
        "poll=503, poll_times=8",  # an outage of several polls in a row
        "poll=400, poll_times=1",  # one odd 4xx status answer
        "poll=401, poll_times=2",  # a key that fails on a poll, then works
        "garble=3",  # answers that are not JSON
        "drop=poll, drop_times=7",  # connections dropped mid-poll
    ],
)
@pytest.mark.parametrize("provider", ["comet", "bfl", "fal"])
async def test_a_paid_job_rides_out_failed_polls(
    quick: Engine, sim, provider: str, fault: str
) -> None:
    marker = f"outage {provider} {fault}"
    job, events = await generate(quick, provider, f"{marker} [[sim: {fault}]]")
    assert job.state is JobState.DONE, job.error
    assert submits(sim, marker) == 1
    if provider != "fal":  # fal's stream may meet the fault first, and polling then goes through
        assert any("trying again" in (e.detail or "") for e in events)


@pytest.mark.parametrize("code", [404, 405])
async def test_correction_fal_stream_is_an_optimisation_a_broken_one_falls_back_to_polling(
    quick: Engine, sim, code: int
) -> None:
    job, _ = await generate(quick, "fal", f"no sse here {code} [[sim: stream={code}]]")
    assert job.state is JobState.DONE, job.error


async def test_an_unknown_status_is_not_the_end(quick: Engine) -> None:
    """A status string fluxtui does not know is followed until the deadline, not failed at once."""
    config = replace(quick.config, timeout_s=1.0)
    async with Engine(config, quick.store, library=quick.library, backoff_s=0.01) as engine:
        job, _ = await generate(engine, "bfl", "odd words [[sim: status=Exploded]]")
    assert job.state is JobState.UNREACHABLE
    assert "Exploded" in job.error.message
    assert "fluxtui resume" in job.error.message


async def test_an_outage_past_the_deadline_leaves_the_job_resumable(
    sim_config, store: Store, tmp_path, sim
) -> None:
    marker = "long outage 5c1e"
    config = replace(sim_config, timeout_s=3.0)
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as first:
        job = await first.generate(
            request(first, "comet", f"{marker} [[sim: poll=503, poll_times=10]]")
        )
    assert job.state is JobState.UNREACHABLE
    assert job.state.is_resumable
    assert "failing since" in job.error.message and "fluxtui resume" in job.error.message
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as second:
        [again] = second.resumable_jobs()
        assert again.id == job.id
        await second.resume(again)
    assert again.state is JobState.DONE, again.error
    assert again.files and again.error is None
    assert submits(sim, marker) == 1


@pytest.mark.parametrize("fault", ["drop=submit, drop_times=1", "submit=500, submit_times=1"])
async def test_an_ambiguous_submit_waits_for_the_user(quick: Engine, sim, fault: str) -> None:
    marker = f"maybe paid {fault}"
    job, _ = await generate(quick, "comet", f"{marker} [[sim: {fault}]]")
    assert job.state is JobState.UNCERTAIN
    assert "may have reached" in job.error.message and "--resend" in job.error.message
    attempts = submits(sim, marker)
    assert job not in quick.resumable_jobs()
    await quick.resume(job)  # resume alone never sends it again
    assert job.state is JobState.UNCERTAIN
    await quick.resend(job)
    assert job.state is JobState.DONE, job.error
    assert submits(sim, marker) == attempts + 1


async def test_a_rate_limited_submit_is_sent_again(quick: Engine, sim) -> None:
    job, _ = await generate(quick, "bfl", "busy 9e0d [[sim: submit=429, submit_times=2]]")
    assert job.state is JobState.DONE, job.error


async def test_a_job_leased_to_a_live_owner_is_left_alone(
    sim_config, store: Store, tmp_path, sim
) -> None:
    async with Engine(sim_config, store, library=tmp_path / "lib") as first:
        job = first.create_job(request(first, "comet", "owned elsewhere 77aa"))
        async with Engine(sim_config, store, library=tmp_path / "lib") as second:
            assert second.resumable_jobs() == []
            await second.run(store.get(job.id))
            assert store.get(job.id).state is JobState.PENDING
        assert submits(sim, "owned elsewhere 77aa") == 0
        await first.run(job)
    assert job.state is JobState.DONE
    assert submits(sim, "owned elsewhere 77aa") == 1


async def test_an_image_the_library_cannot_take_waits_in_the_cache(
    sim_config, store: Store, tmp_path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the library's parent should be")
    cache = tmp_path / "cache" / "unsaved"
    async with Engine(sim_config, store, library=blocked / "lib", cache=cache) as first:
        job = await first.generate(request(first, "comet", "nowhere to go 0b9e"))
    assert job.state is JobState.CACHED and job.state.is_resumable
    [cached] = job.files
    assert Path(cached).parent == cache and Path(cached).is_file()
    assert "resume" in job.history[-1].detail
    library = tmp_path / "lib"
    async with Engine(sim_config, store, library=library, cache=cache) as second:
        [again] = second.resumable_jobs()
        await second.resume(again)
    assert again.state is JobState.DONE
    [placed] = again.files
    assert Path(placed).is_relative_to(library) and Path(placed).is_file()
    assert not Path(cached).exists()
    assert store.get(job.id).files == [placed]


async def test_an_uncertain_job_is_sent_again_once_whoever_asks(
    sim_config, store: Store, tmp_path, sim
) -> None:
    """Two processes told to resend the same job (two windows, a double keypress): one send."""
    marker = "resend me once 8d1f"
    async with (
        Engine(sim_config, store, library=tmp_path / "lib", backoff_s=0.01) as first,
        Engine(sim_config, store, library=tmp_path / "lib", backoff_s=0.01) as second,
    ):
        job = await first.generate(
            request(first, "comet", f"{marker} [[sim: submit=500, submit_times=1]]")
        )
        assert job.state is JobState.UNCERTAIN
        mine, theirs = store.get(job.id), store.get(job.id)
        await asyncio.gather(first.resend(mine), second.resend(theirs))
        assert {mine.state, theirs.state} <= {JobState.DONE, JobState.PENDING, JobState.UNCERTAIN}
        stale = await second.resend(theirs)  # read before the first one's send: it is done now
        assert stale.state is JobState.DONE
    assert store.get(job.id).state is JobState.DONE
    assert submits(sim, marker) == 1
