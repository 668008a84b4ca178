"""Resuming in demo mode: a demo job of a simulator that has stopped is sent to the one running now
(nothing was paid); one of the running simulator is followed there; a job of the other mode (a demo
job outside demo mode, a job sent with the user's keys in it) is left as it is."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fluxtui.core import config as config_module
from fluxtui.core import modes
from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from fluxtui.sim import SimServer
from tests.helpers import leave_submitted, on, request, sim_jobs, stored_demo_job


def submits(sim: SimServer, marker: str) -> int:
    return len([j for j in sim_jobs(sim) if marker in j.get("prompt", "")])


@pytest.mark.parametrize("provider", ["bfl", "fal", "openai"])
async def test_a_demo_job_of_a_stopped_simulator_is_sent_to_this_one(
    store: Store, tmp_path: Path, sim: SimServer, provider: str
) -> None:
    marker = f"sim gone {provider} 4e2a"
    prompt = f"{marker} [[sim: queue=3, run=0.3]]"
    if provider == "openai":  # it answers with the image: stop before the download
        prompt = f"{marker} [[sim: run=0.1, slow=20000]]"
    job = await stored_demo_job(store, tmp_path / "lib", prompt, provider)
    async with on(sim, store, tmp_path / "lib") as second:
        [again] = second.resumable_jobs()
        assert again.id == job.id and second.resends_demo(again)
        details: list[str | None] = []
        second.add_listener(lambda event: details.append(event.detail))
        await second.resume(again)
    assert again.state is JobState.DONE, again.error
    assert again.files and all(Path(name).is_file() for name in again.files)
    assert modes.DEMO_RESENT in details
    assert [c.detail for c in again.history].count(modes.DEMO_RESENT) == 1
    assert submits(sim, marker) == 1
    assert store.get(job.id).state is JobState.DONE


async def test_a_demo_job_of_the_running_simulator_is_followed_not_sent_again(
    store: Store, tmp_path: Path, sim: SimServer
) -> None:
    """BFL's polling URL is on the simulator's second (cluster) port: still this simulator."""
    marker = "same sim 81c4"
    async with on(sim, store, tmp_path / "lib") as first:
        job = first.create_job(request(first, "bfl", f"{marker} [[sim: queue=1.5, run=0.3]]"))
        await leave_submitted(first, job)
    async with on(sim, store, tmp_path / "lib") as second:
        [again] = second.resumable_jobs()
        assert not second.resends_demo(again)
        await second.resume(again)
    assert again.state is JobState.DONE, again.error
    assert modes.DEMO_RESENT not in [c.detail for c in again.history]
    assert submits(sim, marker) == 1


async def test_outside_demo_mode_a_demo_job_is_left_as_it_is(store: Store, tmp_path: Path) -> None:
    job = await stored_demo_job(store, tmp_path / "lib", "left alone 5d0b [[sim: queue=3]]")
    async with Engine(config_module.load(), store, library=tmp_path / "lib") as real:
        assert real.resumable_jobs() == []
        [other] = real.jobs_of_the_other_mode()
        assert "fluxtui resume --demo" in (real.leaves_alone(other) or "")
        details: list[str | None] = []
        real.add_listener(lambda event: details.append(event.detail))
        await real.resume(other)
        await real.resend(other)
    assert details == [modes.DEMO_ELSEWHERE] * 2
    stored = store.get(job.id)
    assert stored is not None and stored.state is job.state and stored.error is None


async def test_in_demo_mode_a_job_sent_with_keys_is_left_as_it_is(
    sim_config, store: Store, tmp_path: Path, sim: SimServer
) -> None:
    """Never followed on the simulator, never sent there again: it waits for the user's keys."""
    marker = "paid for 0c3e"
    keys = replace(sim_config, demo=False)  # the user's own services (played by the simulator)
    async with Engine(keys, store, library=tmp_path / "lib") as first:
        job = first.create_job(request(first, "comet", f"{marker} [[sim: queue=3]]"))
        await leave_submitted(first, job)
    assert not job.demo
    async with on(sim, store, tmp_path / "lib") as demo:
        assert demo.resumable_jobs() == [] and not demo.resends_demo(job)
        [other] = demo.jobs_of_the_other_mode()
        await demo.resume(other)
        assert other.handle == job.handle and other.state is job.state
    assert submits(sim, marker) == 1
    async with Engine(keys, store, library=tmp_path / "lib") as again:
        [mine] = again.resumable_jobs()
        await again.resume(mine)
    assert mine.state is JobState.DONE and submits(sim, marker) == 1
