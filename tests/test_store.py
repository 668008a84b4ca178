"""The job store keeps every field of a job and finds jobs by the filters the CLI offers."""

from __future__ import annotations

import time
from pathlib import Path

from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.results import Handle, ImageRef, ProviderResult
from fluxtui.core.store import Store


def make_job(prompt: str = "a red fox", provider: str = "fal", **fields) -> Job:
    request = GenerationRequest(prompt, provider, "fal-ai/flux/dev", {"seed": 7, "width": 512})
    job = Job.create(request)
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def test_a_job_round_trips_with_every_field(store: Store) -> None:
    job = make_job(
        state=JobState.FAILED,
        handle=Handle(
            "fal",
            "req-1",
            {"status_url": "http://127.0.0.1/s"},
            ProviderResult((ImageRef("http://127.0.0.1/i.png", 8, 8, "image/png"),), seed=7),
        ),
        files=["/lib/a.png"],
        seed=7,
        width=8,
        height=8,
        error=JobError(ErrorKind.AUTH, "key rejected", 401, "rid-9"),
        group_id="cmp-1",
    )
    job.history.append(StateChange(JobState.FAILED, time.time(), "key rejected"))
    store.save(job)
    loaded = store.get(job.id)
    assert loaded == job


def test_saving_again_updates_the_row(store: Store) -> None:
    job = make_job()
    store.save(job)
    job.state = JobState.DONE
    store.save(job)
    assert store.count() == 1
    assert store.get(job.id).state is JobState.DONE


def test_jobs_come_newest_first_and_filter(store: Store) -> None:
    old = make_job("an old lighthouse", provider="comet")
    old.created_at -= 3600
    new = make_job("a new red fox", provider="fal")
    for job in (old, new):
        store.save(job)
    assert [j.id for j in store.jobs()] == [new.id, old.id]
    assert [j.id for j in store.jobs(JobQuery(search="lighthouse"))] == [old.id]
    assert [j.id for j in store.jobs(JobQuery(search="red new"))] == [new.id]
    assert [j.id for j in store.jobs(JobQuery(provider="comet"))] == [old.id]
    assert [j.id for j in store.jobs(JobQuery(since=new.created_at - 1))] == [new.id]
    assert store.jobs(JobQuery(search="100%")) == []


def test_unfinished_lists_jobs_that_did_not_end(store: Store) -> None:
    running = make_job(state=JobState.RUNNING)
    done = make_job(state=JobState.DONE)
    for job in (running, done):
        store.save(job)
    assert [j.id for j in store.unfinished()] == [running.id]


def test_find_by_id_prefix_and_delete(store: Store) -> None:
    job = make_job()
    store.save(job)
    assert [j.id for j in store.find(job.id[:8])] == [job.id]
    assert store.delete(job.id)
    assert store.get(job.id) is None


def test_store_uses_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    first = Store(path)
    job = make_job()
    first.save(job)
    (mode,) = first._db.execute("PRAGMA journal_mode").fetchone()
    first.close()
    assert mode == "wal"
    second = Store(path)
    assert second.get(job.id) == job
    second.close()


def test_a_new_store_is_readable_by_its_user_only(tmp_path) -> None:
    """It holds prompts and request params (secrets among them, at times): mode 0600, WAL too."""
    store = Store(tmp_path / "data" / "jobs.sqlite3")
    try:
        store.save(Job.create(GenerationRequest("a private fox", "comet", "flux-pro-1.1")))
        for path in (tmp_path / "data").glob("jobs.sqlite3*"):
            assert path.stat().st_mode & 0o077 == 0, path
    finally:
        store.close()
