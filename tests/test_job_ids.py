"""Job ids sort by time, and their short ids (the random part users see and type) tell apart even
the jobs of one comparison, made in the same millisecond; old stored ids keep working."""

from __future__ import annotations

import time

from fluxtui.core import paths
from fluxtui.core.models import GenerationRequest, Job, id_matches, new_job_id, short_id
from fluxtui.core.store import Store
from tests.test_cli import run_cli

REQUEST = GenerationRequest("a red fox", "fal", "fal-ai/flux/dev")


def test_ids_of_one_millisecond_have_distinct_short_ids() -> None:
    now = time.time()
    ids = [new_job_id(now) for _ in range(5000)]
    assert len({short_id(job_id) for job_id in ids}) == len(ids)
    assert all(len(short_id(job_id)) == 8 for job_id in ids)
    assert len({job_id[:11] for job_id in ids}) == 1  # they share the time
    assert new_job_id(now) < new_job_id(now + 0.002) < new_job_id(now + 60)


def jobs_of_one_moment(store: Store, count: int) -> list[Job]:
    """`count` jobs made in the same millisecond, as the jobs of one comparison are."""
    now = time.time()
    jobs = [Job(id=new_job_id(now), request=REQUEST, created_at=now) for _ in range(count)]
    for job in jobs:
        store.save(job)
    return jobs


def test_a_short_id_finds_exactly_its_job(store: Store) -> None:
    jobs = jobs_of_one_moment(store, 20)
    for job in jobs:
        assert [j.id for j in store.find(short_id(job.id))] == [job.id]
        assert [j.id for j in store.find(short_id(job.id).upper())] == [job.id]
        assert [j.id for j in store.find(job.id)] == [job.id]  # a full id
        assert [j.id for j in store.find(job.id[:15])] == [job.id]  # a prefix of it
        assert id_matches(job.id, short_id(job.id)) and id_matches(job.id, job.id[:15])
    assert len(store.find(jobs[0].id[:8])) == 10  # the time alone: many (at most 10 listed)
    assert store.find("zz") == [] and store.find("%") == [] and store.find("_") == []


def test_ids_stored_before_short_ids_keep_working(store: Store) -> None:
    """Ids of the old shape (11 hex digits of time + 6 random ones) and of any other shape."""
    older = Job(id="19ad3c1e2f0a91b3c", request=REQUEST)
    odd = Job(id="job-1", request=REQUEST)
    for job in (older, odd):
        store.save(job)
    assert short_id(older.id) == "a91b3c" and short_id(odd.id) == "job-1"
    assert [j.id for j in store.find("a91b3c")] == [older.id]
    assert [j.id for j in store.find(older.id[:14])] == [older.id]
    assert [j.id for j in store.find("job-")] == [odd.id]
    assert not id_matches(odd.id, "1")


def test_the_cli_shows_and_takes_short_ids(capsys, tmp_path) -> None:
    """`history` shows each job's short id; `export` takes it, though the jobs share their time."""
    store = Store(paths.store_file())
    jobs = jobs_of_one_moment(store, 3)
    store.close()
    code, out, _ = run_cli(capsys, "history")
    assert code == 0
    shown = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert sorted(shown) == sorted(short_id(job.id) for job in jobs)
    code, _, err = run_cli(capsys, "export", short_id(jobs[1].id), str(tmp_path / "out"))
    assert f"job {jobs[1].id} has no image" in err  # found: the one job, which made none
    code, _, err = run_cli(capsys, "export", jobs[1].id[:8], str(tmp_path / "out"))
    assert code == 2 and "matches 3 jobs" in err
