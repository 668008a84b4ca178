"""One poller per provider: its timer releases due polls together, under the provider's request
budget; 500 simulated jobs all finish with their polls within it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, JobState
from fluxtui.core.poller import SLACK_S, Poller
from fluxtui.core.settings import Transport
from fluxtui.core.store import Store
from fluxtui.sim import SimServer
from tests.helpers import sim_jobs


async def test_polls_due_together_are_released_together() -> None:
    poller = Poller(most_at_once=100)
    seen: list[int] = []  # how many polls were released when each waiter woke

    async def one(delay: float) -> None:
        await poller.wait(delay)
        seen.append(poller.released)
        poller.done()  # answered

    await asyncio.gather(*(one(0.05) for _ in range(30)), one(0.5))
    assert poller.released == 31
    assert seen == [30] * 30 + [31]  # one timer call released all thirty before any ran


async def test_polls_due_within_the_slack_go_with_the_first() -> None:
    poller = Poller(most_at_once=100)
    seen: dict[float, int] = {}  # delay -> polls released when it woke

    async def one(delay: float) -> None:
        await poller.wait(delay)
        seen[delay] = poller.released
        poller.done()

    await asyncio.gather(one(0.05), one(0.05 + SLACK_S / 2), one(0.05 + SLACK_S * 5))
    assert seen == {0.05: 2, 0.05 + SLACK_S / 2: 2, 0.05 + SLACK_S * 5: 3}


async def test_the_budget_spaces_polls_and_a_cancelled_wait_costs_nothing() -> None:
    rate = 40.0
    poller = Poller(rate, most_at_once=100)
    loop = asyncio.get_running_loop()
    released: list[float] = []

    async def one() -> None:
        await poller.wait(0)
        released.append(loop.time())
        poller.done()

    gone = asyncio.ensure_future(poller.wait(0.01))
    gone.cancel()
    start = loop.time()
    await asyncio.gather(*(one() for _ in range(80)))
    assert poller.released == 80
    # the first second's worth at once, then one per 1/rate seconds: never more than
    # burst + rate * t polls within t seconds of the start
    for count, at in enumerate(sorted(released), start=1):
        assert count <= poller.burst + rate * (at - start) + 1e-6


async def test_at_most_so_many_polls_await_an_answer() -> None:
    poller = Poller(most_at_once=2)
    waits = [asyncio.ensure_future(poller.wait(0)) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert [w.done() for w in waits] == [True, True, False]
    poller.done()  # the first was answered
    await asyncio.wait_for(waits[2], timeout=10)  # a bound, not a pause
    assert poller.unanswered == 2


async def test_closing_the_poller_cancels_waits() -> None:
    poller = Poller(10)
    waiting = asyncio.ensure_future(poller.wait(60))
    await asyncio.sleep(0)
    poller.close()
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled()


async def test_500_jobs_all_finish_with_polls_under_the_budget(
    sim: SimServer, sim_config: Config, store: Store, tmp_path: Path
) -> None:
    budget = 150.0
    comet = replace(
        sim_config.providers["comet"],  # BFL's protocol; the simulated BFL caps a key at 24 jobs
        concurrency=256,
        transport=Transport(max_requests_per_second=budget),
    )
    config = replace(sim_config, providers={**sim_config.providers, "comet": comet})
    prompts = [f"crowd {i} [[sim: queue=0.5, run=0.5]]" for i in range(500)]
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        jobs = [
            engine.create_job(
                GenerationRequest(p, "comet", "flux-dev", {"width": 256, "height": 256})
            )
            for p in prompts
        ]
        started = time.monotonic()
        await asyncio.gather(*(engine.run(job) for job in jobs))
        took = time.monotonic() - started
        poller = engine.poller("comet")
    assert [job.state for job in jobs] == [JobState.DONE] * 500, {job.error for job in jobs}
    ids = {job.handle.request_id for job in jobs if job.handle}
    polls = sum(j["polls"] for j in sim_jobs(sim) if j["id"] in ids)
    assert polls == poller.released  # every status request went through the poller
    assert polls <= poller.burst + budget * took
