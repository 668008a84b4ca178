"""The price table (defaults, config overrides, unknown stays unknown), spend, and the budget."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fluxtui.core import budget
from fluxtui.core import config as config_module
from fluxtui.core.budget import Budget, Estimate
from fluxtui.core.errors import ConfigError
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.pricing import DEFAULT_PRICES, Price, PriceTable, spend_of
from fluxtui.core.results import Handle
from fluxtui.core.store import Store


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def done_job(
    provider: str,
    model: str,
    *,
    width=1024,
    height=768,
    files=1,
    demo=False,
    created_at: float | None = None,
    state=JobState.DONE,
) -> Job:
    params = {"width": width, "height": height}
    job = Job.create(GenerationRequest("a fox", provider, model, params))
    job.state, job.width, job.height = state, width, height
    job.files = [f"/lib/{job.id}-{i}.png" for i in range(files)]
    job.handle = Handle(provider, "r1", {"polling_url": "https://api.example.com/poll"})
    job.demo = demo
    if created_at is not None:
        job.created_at = created_at
    return job


def test_defaults_are_list_prices() -> None:
    prices = PriceTable.with_overrides()
    assert prices.per_image("bfl", "flux-pro-1.1") == 0.04
    assert prices.per_image("bfl", "flux-pro-1.1-ultra") == 0.06
    assert prices.per_image("bfl", "flux-dev") == 0.025
    assert prices.per_image("bfl", "flux-pro") == 0.05
    # fal bills per started megapixel (1 MP = 1024×1024)
    assert prices.per_image("fal", "fal-ai/flux/dev", 1024, 768) == 0.025
    assert prices.per_image("fal", "fal-ai/flux/dev", 1024, 1024) == 0.025
    assert prices.per_image("fal", "fal-ai/flux/dev", 2048, 2048) == 0.1
    assert prices.per_image("fal", "fal-ai/flux/dev") == 0.025  # size unknown: 1 MP
    assert all(p.per_image >= 0 and p.per_megapixel >= 0 for p in DEFAULT_PRICES.values())


def test_unknown_stays_unknown_not_zero() -> None:
    prices = PriceTable.with_overrides()
    assert prices.price("comet", "flux-pro-1.1") is None
    assert prices.per_image("openai", "flux-2-pro") is None
    assert prices.per_image("fal", "fal-ai/some-new-app") is None
    assert prices.estimate(GenerationRequest("x", "comet", "flux-pro-1.1")) is None
    assert prices.job_cost(done_job("comet", "flux-pro-1.1")) is None


def test_config_overrides_and_adds_prices(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[prices.comet]\n"flux-pro-1.1" = 0.035\n\n'
        '[prices.fal]\n"fal-ai/flux/dev" = { per_megapixel = 0.02 }\n'
        '"fal-ai/flux/schnell" = { per_image = 0.001, per_megapixel = 0.002 }\n',
    )
    config = config_module.load(path, env={})
    prices = PriceTable.with_overrides(config.prices)
    assert prices.per_image("comet", "flux-pro-1.1") == 0.035
    assert prices.per_image("fal", "fal-ai/flux/dev", 2048, 1024) == 0.04
    assert prices.per_image("fal", "fal-ai/flux/schnell", 1024, 1024) == 0.003
    assert prices.per_image("bfl", "flux-pro-1.1") == 0.04  # untouched defaults stay
    assert Price(0.015, 0.015).describe() == "$0.015/image + $0.015/MP"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[prices.comet]\n"flux-pro-1.1" = -1\n',
            r"line 2: prices.comet.flux-pro-1.1 must be 0 or more USD, got -1",
        ),
        (
            '[prices.comet]\n"flux-pro-1.1" = "cheap"\n',
            r"line 2: prices.comet.flux-pro-1.1 must be a number of USD or a table",
        ),
        (
            '[prices.fal]\n"fal-ai/flux/dev" = { per_mp = 0.02 }\n',
            r"line 2: prices.fal.fal-ai/flux/dev must be a number .* not per_mp",
        ),
        ("[prices.nowhere]\nx = 1\n", r"line 1: prices.nowhere names no provider: 'nowhere'"),
        ("[budget]\ndaily = -5\n", r"line 2: budget.daily must be 0 or more USD"),
        ("[budget]\nmonthly = 5\n", r"line 2: budget.monthly is not a setting here"),
        (
            '[sets]\nmine = ["comet:flux-pro-1.1", "bogus:flux"]\n',
            r"line 2: sets.mine has 'bogus:flux': no provider is named 'bogus'",
        ),
        ('[sets]\nmine = ["comet flux"]\n', r"line 2: sets.mine has 'comet flux', which is not"),
        ("[sets]\nmine = []\n", r"line 2: sets.mine must be a list"),
    ],
)
def test_config_mistakes_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_module.load(write(tmp_path, text), env={})


def test_budget_and_sets_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[budget]\ndaily = 5\nsession = 0.5\n\n[sets]\n"my set" = ["comet:flux-pro-1.1", "fal"]\n',
    )
    config = config_module.load(path, env={})
    assert config.budget == Budget(daily=5.0, session=0.5)
    assert config.sets == {"my set": ("comet:flux-pro-1.1", "fal")}
    assert not config_module.load(tmp_path / "none.toml", env={}).budget.is_set


def test_spend_counts_done_paid_images_only() -> None:
    prices = PriceTable.with_overrides()
    jobs = [
        done_job("bfl", "flux-pro-1.1"),
        done_job("fal", "fal-ai/flux/dev", width=2048, height=1024, files=2),  # 2 MP each
        done_job("comet", "flux-pro-1.1"),  # unknown price
        done_job("bfl", "flux-pro-1.1", state=JobState.FAILED, files=0),  # not charged
        done_job("bfl", "flux-pro-1.1", demo=True),  # on the simulator
    ]
    spend = spend_of(jobs, prices)
    assert spend.usd == pytest.approx(0.04 + 2 * 0.05)
    assert (spend.images, spend.unpriced) == (4, 1)
    assert "1 of unknown price" in spend.describe()


def test_demo_jobs_cost_nothing() -> None:
    local = done_job("apiyi", "flux-2-pro")
    local.demo = True
    assert PriceTable.with_overrides().job_cost(local) == 0
    assert PriceTable.with_overrides().job_cost(done_job("apiyi", "flux-2-pro")) > 0


def test_spend_since_reads_the_store(store: Store) -> None:
    today = budget.day_start()
    for job in (
        done_job("bfl", "flux-pro-1.1"),
        done_job("bfl", "flux-pro-1.1-ultra"),
        done_job("bfl", "flux-pro-1.1", created_at=today - 3600),  # yesterday
    ):
        store.save(job)
    spent = budget.spend_since(store, PriceTable.with_overrides(), today)
    assert spent.usd == pytest.approx(0.10) and spent.images == 2


def test_estimate_uses_the_request_size_or_the_model_default() -> None:
    prices = PriceTable.with_overrides()
    requests = [
        GenerationRequest(
            "x", "fal", "fal-ai/flux/dev", {"width": 2048, "height": 2048, "num_images": 2}
        ),
        GenerationRequest("x", "bfl", "flux-pro-1.1"),
        GenerationRequest("x", "comet", "flux-pro-1.1"),
    ]
    run = budget.estimate(requests, prices, {"fal": "fal", "bfl": "bfl", "comet": "bfl"})
    assert run.usd == pytest.approx(2 * 0.1 + 0.04)
    assert run.unpriced == ("comet flux-pro-1.1",)


def test_budget_check_refuses_crossing_and_notes_nearing() -> None:
    limits = Budget(daily=1.0, session=0.5)
    assert budget.check(limits, Estimate(0.1), spent_today=0.2).ok
    near = budget.check(limits, Estimate(0.1), spent_session=0.35)
    assert near.ok and near.near == (
        "this takes this session's spend to $0.450 of the session budget $0.500",
    )
    over = budget.check(limits, Estimate(0.06, ("comet flux-pro-1.1",)), spent_today=0.97)
    assert not over.ok
    assert over.message() == (
        "today's spend is $0.970 and this would add about $0.060, crossing the daily budget of "
        "$1.000; the price of comet flux-pro-1.1 is unknown and not counted"
    )
    # once a limit is reached, even a submit of unknown price goes over it
    assert not budget.check(limits, Estimate(0.0, ("comet x",)), spent_today=1.0).ok
    assert budget.check(Budget(), Estimate(100.0), spent_today=1e6).ok


def test_day_start_is_local_midnight() -> None:
    now = time.time()
    start = budget.day_start(now)
    assert 0 <= now - start < 86400 + 3600
    assert time.localtime(start)[3:6] == (0, 0, 0)
