"""`fluxtui providers --stats`: median and p90 time to ready per provider and model."""

from __future__ import annotations

import json

import pytest

from fluxtui import cli
from fluxtui.core import paths
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import Store


def finished(request: GenerationRequest, ready: float, n: int, *, demo: bool = False) -> Job:
    at = 1_700_000_000.0 + n
    job = Job(id=f"{n:04d}-{request.model}", request=request, created_at=at, demo=demo)
    job.state = JobState.DONE
    job.history = [
        StateChange(JobState.SUBMITTED, at),
        StateChange(JobState.DOWNLOADING, at + ready),
        StateChange(JobState.DONE, at + ready + 0.3),
    ]
    return job


def seed_store() -> None:
    store = Store(paths.store_file())
    dev = GenerationRequest("a fox", "bfl", "flux-dev")
    odd = GenerationRequest("a fox", "fal", "fal-ai/\x1b]2;pwned\x07")
    for n in range(10):
        store.save(finished(dev, 2.0 + n, n))  # 2 .. 11 s
        store.save(finished(odd, 30.0, 100 + n, demo=True))
    failed = Job(id="9999-failed", request=dev, state=JobState.FAILED)
    store.save(failed)
    store.close()


def test_stats_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    seed_store()
    assert cli.main(["providers", "--stats", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {
        "provider": "bfl",
        "model": "flux-dev",
        "demo": False,
        "jobs": 10,
        "median_s": 6.5,
        "p90_s": 10.1,
        "queued": 0,
        "position_s": None,
    }
    assert rows[1]["demo"] is True and rows[1]["jobs"] == 10 and rows[1]["median_s"] == 30.0


def test_stats_as_text_are_inert(capsys: pytest.CaptureFixture[str]) -> None:
    seed_store()
    assert cli.main(["providers", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    lines = out.splitlines()
    assert lines[1].split() == ["bfl", "flux-dev", "10", "6.5", "s", "10", "s", "–"]
    assert "fal (demo)" in lines[2] and "fal-ai/␛]2;pwned␇" in lines[2]


def test_stats_of_an_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["providers", "--stats"]) == 0
    assert "No finished jobs yet" in capsys.readouterr().out
    assert cli.main(["providers", "--stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
