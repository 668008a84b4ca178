"""What a provider reports a job costs: read off BFL's answers (credits, 1 credit = 0.01 USD), kept
on the job and in the store, preferred over the price table, and told apart from an estimate in
every output ("$0.040" reported, "~$0.040" estimated)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest

from fluxtui.core import paths
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.pricing import JobCost, Price, PriceTable, cost_text, spend_of
from fluxtui.core.providers import bfl
from fluxtui.core.results import Handle, ReportedCost, settle
from fluxtui.core.store import SCHEMA_VERSION, Store
from tests.helpers import generate
from tests.test_cli import run_cli, write_config

READY = {
    "id": "a",
    "status": "Ready",
    "result": {"sample": "https://delivery.bfl.ai/x/sample.jpeg?sig=1", "seed": 3},
}


def done_job(provider: str = "bfl", model: str = "flux-pro-1.1", **fields: object) -> Job:
    job = Job.create(GenerationRequest("a fox", provider, model, {}))
    job.state, job.width, job.height = JobState.DONE, 1024, 768
    job.files = [f"/lib/{job.id}.jpg"]
    job.handle = Handle(provider, "r1", {"polling_url": "https://api.us1.bfl.ai/v1/get_result"})
    for name, value in fields.items():
        setattr(job, name, value)
    return job


# ---- reading BFL's answers ----------------------------------------------------------------------


def test_correction_reported_cost() -> None:
    """providers.md 6: the submit answer has `cost` (credits), `input_mp`, `output_mp`; the final
    poll carries the settled `cost`. 1 credit = 0.01 USD."""
    answer = {"id": "a", "polling_url": "https://api.eu1.bfl.ai/v1/get_result?id=a"}
    handle = bfl.handle_from_submit(
        "bfl", "BFL", {**answer, "cost": 4, "input_mp": 0.0, "output_mp": 0.79}, credits=True
    )
    assert handle.cost == ReportedCost(
        usd=0.04, credits=4.0, settled=False, input_mp=0.0, output_mp=0.79
    )
    final = bfl.parse_status("BFL", {**READY, "cost": 3.5}, credits=True)
    assert final.result is not None
    assert final.result.cost == ReportedCost(usd=0.035, credits=3.5, settled=True)


@pytest.mark.parametrize("cost", [None, True, -1, math.nan, math.inf, "4", {"credits": 4}])
def test_a_cost_that_is_not_a_number_of_credits_is_not_read(cost: object) -> None:
    answer = {"id": "a", "cost": cost}
    assert bfl.handle_from_submit("bfl", "BFL", answer, credits=True).cost is None
    final = bfl.parse_status("BFL", {**READY, "cost": cost}, credits=True)
    assert final.result is not None and final.result.cost is None


def test_a_proxys_cost_is_not_read_as_bfl_credits() -> None:
    """CometAPI bills in its own terms: a `cost` it passes on is not BFL's credits."""
    assert bfl.handle_from_submit("comet", "CometAPI", {"id": "a", "cost": 4}).cost is None
    final = bfl.parse_status("CometAPI", {**READY, "cost": 4})
    assert final.result is not None and final.result.cost is None


def test_the_settled_cost_keeps_the_quotes_megapixels() -> None:
    quote = ReportedCost(usd=0.045, credits=4.5, input_mp=1.0, output_mp=1.05)
    final = ReportedCost(usd=0.03, credits=3.0, settled=True)
    assert settle(quote, final) == ReportedCost(0.03, 3.0, True, input_mp=1.0, output_mp=1.05)
    assert (settle(quote, None), settle(None, final), settle(None, None)) == (quote, final, None)


# ---- preferred over the price table, and said which it is ---------------------------------------


def test_the_reported_cost_wins_over_the_price_table() -> None:
    prices = PriceTable.with_overrides()
    reported = done_job(cost=ReportedCost(usd=0.035, credits=3.5, settled=True))
    estimated = done_job()
    assert prices.cost_of(reported) == JobCost(0.035, reported=True, credits=3.5)
    assert prices.cost_of(estimated) == JobCost(0.04)
    assert (prices.cost_of(reported).text(), prices.cost_of(estimated).text()) == (
        "$0.035",
        "~$0.040",
    )
    # a job that made nothing cost nothing, whatever was quoted at submit
    quoted = ReportedCost(usd=0.04, credits=4.0)
    assert prices.cost_of(done_job(state=JobState.MODERATED, files=[], cost=quoted)) == JobCost(0.0)
    assert prices.cost_of(done_job(demo=True, cost=quoted)) == JobCost(0.0)
    assert prices.cost_of(done_job("comet")).text() == "unknown"


def test_cost_text_marks_estimates_only() -> None:
    assert cost_text(0.04, reported=True) == "$0.040"
    assert cost_text(0.04, reported=False) == "~$0.040"
    assert cost_text(0.0, reported=False) == "$0.000"
    assert cost_text(None, reported=False) == "unknown"


def test_spend_tells_reported_from_estimated() -> None:
    prices = PriceTable.with_overrides()
    reported = done_job(cost=ReportedCost(usd=0.03, credits=3.0, settled=True))
    spend = spend_of([reported, done_job(), done_job("comet")], prices)
    assert (spend.usd, spend.reported, spend.estimated) == (0.07, 0.03, 0.04)
    assert spend.describe() == (
        "~$0.070 (3 images: $0.030 reported, ~$0.040 estimated, 1 of unknown price)"
    )
    assert spend_of([reported], prices).describe() == "$0.030 (1 image)"
    assert spend_of([done_job()], prices).describe() == "~$0.040 (1 image, estimated)"


def test_flux2_is_priced_per_megapixel_where_the_provider_does_not_say() -> None:
    """BFL's FLUX.2 prices: a first megapixel, then each further one (pro: 3 + 1.5 credits)."""
    prices = PriceTable.with_overrides()
    pro = prices.price("bfl", "flux-2-pro")
    assert pro is not None and pro.per_megapixel
    assert pro.for_image(1024, 1024) == pytest.approx(0.03)
    assert pro.for_image(2048, 2048) == pytest.approx(0.03 + 3 * 0.015)
    assert prices.per_image("bfl", "flux-2-max", 1024, 1024) == pytest.approx(0.07)
    assert prices.per_image("bfl", "flux-2-flex", 2048, 1024) == pytest.approx(0.10)
    assert prices.per_image("bfl", "flux-2-klein-4b", 1024, 1024) == pytest.approx(0.014)
    assert prices.per_image("bfl", "flux-2-klein-9b", 1024, 1024) == pytest.approx(0.015)
    assert Price(0.015, 0.015).describe() == "$0.015/image + $0.015/MP"


# ---- kept in the store -------------------------------------------------------------------------


def test_a_reported_cost_round_trips_through_the_store(store: Store) -> None:
    job = done_job(cost=ReportedCost(usd=0.04, credits=4.0, settled=True, output_mp=0.79))
    store.save(job)
    loaded = store.get(job.id)
    assert loaded == job and loaded is not None and loaded.snapshot().cost == job.cost


SCHEMA_3_JOBS = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, state TEXT NOT NULL,
    request TEXT NOT NULL, handle TEXT, history TEXT NOT NULL, files TEXT NOT NULL,
    seed INTEGER, width INTEGER, height INTEGER, error TEXT, group_id TEXT, image_s REAL,
    demo INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE comparisons (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, prompt TEXT NOT NULL, record TEXT NOT NULL,
    set_name TEXT
);
CREATE TABLE leases (
    job_id TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
    heartbeat_at REAL NOT NULL
);
"""


def test_a_schema_3_store_opens_and_its_jobs_have_no_reported_cost(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = done_job()
    request = json.dumps(old.request.to_dict())
    history = json.dumps([c.to_dict() for c in old.history])
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_3_JOBS)
        db.execute(
            "INSERT INTO jobs (id, created_at, updated_at, provider, model, prompt, state, "
            "request, history, files, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                old.id,
                old.created_at,
                old.created_at,
                "bfl",
                "flux-pro-1.1",
                "a fox",
                "done",
                request,
                history,
                json.dumps(old.files),
                1024,
                768,
            ),
        )
        db.execute("PRAGMA user_version=3")
    db.close()
    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        [loaded] = store.jobs()
        assert (loaded.id, loaded.state, loaded.cost) == (old.id, JobState.DONE, None)
        assert PriceTable.with_overrides().cost_of(loaded) == JobCost(0.04)  # estimated
        new = done_job(cost=ReportedCost(usd=0.03, credits=3.0, settled=True))
        store.save(new)
        assert store.get(new.id) == new
    finally:
        store.close()


# ---- over HTTP, and in what the CLI prints ------------------------------------------------------


async def test_bfls_settled_cost_is_kept_on_the_job(engine: Engine, store: Store) -> None:
    """The simulator answers a BFL submit with `cost` in credits (4 for flux-pro-1.1, with the
    megapixels), and the final poll with the settled cost."""
    job, events = await generate(engine, "bfl", model="flux-pro-1.1")
    assert job.state is JobState.DONE
    assert job.cost is not None and (job.cost.credits, job.cost.usd) == (4.0, 0.04)
    assert job.cost.settled
    assert job.cost.output_mp == 0.75  # 1024×768 in MP of 1024×1024, kept from the quote
    stored = store.get(job.id)
    assert stored is not None and stored.cost == job.cost
    assert events[-1].job.cost == job.cost  # the faces see it on the snapshot


async def test_comets_jobs_carry_no_reported_cost(engine: Engine) -> None:
    job, _ = await generate(engine, "comet", model="flux-pro-1.1")
    assert job.state is JobState.DONE and job.cost is None


def stored_jobs(*jobs: Job) -> None:
    store = Store(paths.store_file())
    for job in jobs:
        store.save(job)
    store.close()


def test_generate_json_history_and_spend_show_the_reported_cost(sim, capsys) -> None:
    write_config(sim)
    code, out, err = run_cli(
        capsys, "generate", "a fox 7d1e", "-p", "bfl", "-m", "flux-pro-1.1", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["cost"] == {"usd": 0.04, "reported": True, "credits": 4.0}
    code, out, _ = run_cli(capsys, "generate", "a fox 7d1f", "-p", "bfl", "-m", "flux-pro-1.1")
    assert code == 0 and out.splitlines()[0].endswith(", $0.040")  # reported: no "~"
    stored_jobs(done_job("bfl", "flux-dev"))  # no cost reported: the price table's $0.025
    code, out, _ = run_cli(capsys, "history", "--json")
    costs = sorted(
        (line["cost"]["usd"], line["cost"]["reported"])
        for line in map(json.loads, out.splitlines())
    )
    assert costs == [(0.025, False), (0.04, True), (0.04, True)]
    code, out, _ = run_cli(capsys, "history")
    firsts = [line for line in out.splitlines() if not line.startswith(" ")]
    assert firsts[0].endswith("  ~$0.025") and firsts[1].endswith("  $0.040")
    code, out, _ = run_cli(capsys, "spend", "--json")
    spend = json.loads(out)
    assert (spend["today_usd"], spend["reported_usd"], spend["estimated_usd"]) == (
        0.105,
        0.08,
        0.025,
    )
    code, out, _ = run_cli(capsys, "spend")
    assert out.startswith("today: ~$0.105 (3 images: $0.080 reported, ~$0.025 estimated)")
