"""One process follows a job at a time: leases in the store, taken, renewed, released, taken over.

Two `Store` objects on one file stand for two processes; real child processes show that the
lease of a killed process can be taken over at once and that a live one's cannot.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from fluxtui.core.leases import LEASE_TTL_S, Lease, new_owner_id
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.store import Store


def make_job(prompt: str = "a red fox", **fields: object) -> Job:
    job = Job.create(GenerationRequest(prompt, "fal", "fal-ai/flux/dev", {}))
    for name, value in fields.items():
        setattr(job, name, value)
    return job


@pytest.fixture
def other(store: Store) -> Iterator[Store]:
    """The same file opened again: another process's store."""
    second = Store(store.path)
    yield second
    second.close()


def age(store: Store, job_id: str, seconds: float) -> None:
    """Make the lease's last heartbeat `seconds` older, as if its owner had stopped beating."""
    with sqlite3.connect(store.path) as db:
        db.execute(
            "UPDATE leases SET heartbeat_at = heartbeat_at - ? WHERE job_id = ?", (seconds, job_id)
        )
    db.close()


def test_an_owner_id_names_the_host_and_the_process() -> None:
    host, pid, token = new_owner_id().split(":")
    assert host == socket.gethostname() and pid == str(os.getpid()) and token
    assert new_owner_id() != new_owner_id()


def test_a_created_job_is_held_by_its_creator_only(store: Store, other: Store) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    job = make_job()
    store.create(job, mine)
    assert other.get(job.id) == job
    lease = other.lease(job.id)
    assert lease is not None and lease.owner == mine and lease.pid == os.getpid()
    assert lease.host == socket.gethostname() and not lease.is_stale()
    assert not other.claim(job.id, theirs)
    assert store.claim(job.id, mine)  # ours already
    with pytest.raises(sqlite3.IntegrityError):
        store.create(job, mine)  # create is for new jobs; `save` rewrites


def test_a_released_lease_can_be_claimed(store: Store, other: Store) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    job = make_job()
    store.create(job, mine)
    other.release(job.id, theirs)  # not theirs: nothing happens
    assert store.lease(job.id) is not None
    store.release(job.id, mine)
    assert store.lease(job.id) is None
    assert other.claim(job.id, theirs)
    assert store.lease(job.id).owner == theirs  # type: ignore[union-attr]


def test_a_lease_without_a_heartbeat_for_the_ttl_is_taken_over(store: Store, other: Store) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    job = make_job()
    store.create(job, mine)
    age(store, job.id, LEASE_TTL_S / 2)
    assert not other.claim(job.id, theirs)
    age(store, job.id, LEASE_TTL_S)
    assert other.claim(job.id, theirs)
    assert store.renew(mine, [job.id]) == set()  # taken over: not renewed, not returned
    assert store.lease(job.id).owner == theirs  # type: ignore[union-attr]


def test_renew_heartbeats_the_leases_still_held(store: Store, other: Store) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    kept, taken, deleted = make_job("kept"), make_job("taken"), make_job("deleted")
    for job in (kept, taken, deleted):
        store.create(job, mine)
    age(store, kept.id, 2 * LEASE_TTL_S)
    age(store, taken.id, 2 * LEASE_TTL_S)
    assert other.claim(taken.id, theirs)
    assert other.delete(deleted.id) and other.lease(deleted.id) is None
    assert store.renew(mine, [kept.id, taken.id, deleted.id, "no-such-job"]) == {kept.id}
    assert not store.lease(kept.id).is_stale()  # type: ignore[union-attr]
    assert not other.claim(kept.id, theirs)


def test_claiming_a_job_that_is_not_stored_fails(store: Store) -> None:
    assert not store.claim("no-such-job", new_owner_id())
    assert store.lease("no-such-job") is None


def test_unfinished_holds_resumable_ends_and_can_skip_jobs_held_elsewhere(
    store: Store, other: Store
) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    old, unreachable, cached, held, stale = (make_job(p) for p in ("old", "u", "c", "h", "s"))
    old.created_at -= 60
    unreachable.state, cached.state, held.state = (
        JobState.UNREACHABLE,
        JobState.CACHED,
        JobState.RUNNING,
    )
    ended = [make_job(state=s) for s in (JobState.DONE, JobState.FAILED, JobState.UNCERTAIN)]
    for job in (old, unreachable, cached, *ended):
        store.save(job)
    store.create(held, theirs)
    store.create(stale, theirs)
    age(store, stale.id, 2 * LEASE_TTL_S)
    every = [old.id, unreachable.id, cached.id, held.id, stale.id]
    assert [j.id for j in store.unfinished()] == every
    assert [j.id for j in store.unfinished(free_for=mine)] == [
        old.id,
        unreachable.id,
        cached.id,
        stale.id,
    ]
    assert [j.id for j in other.unfinished(free_for=theirs)] == every


def test_a_lease_is_stale_after_the_ttl_or_when_its_process_is_gone() -> None:
    here = socket.gethostname()
    fresh = Lease(f"{here}:{os.getpid()}:ab", here, os.getpid(), heartbeat_at=1000.0)
    assert not fresh.is_stale(now=1000.0 + LEASE_TTL_S)
    assert fresh.is_stale(now=1000.0 + LEASE_TTL_S + 1)
    elsewhere = Lease("far:1:ab", "far", 1, heartbeat_at=1000.0)  # its pid cannot be checked
    assert not elsewhere.is_stale(now=1001.0)
    assert Lease.of("not an owner id", 5.0) == Lease("not an owner id", "", 0, 5.0)


#: a child: claim the job (argv) for an owner of its own, say whether it got it, wait on stdin
CLAIMER = """
import sys
from pathlib import Path
from fluxtui.core.leases import new_owner_id
from fluxtui.core.store import Store

store = Store(Path(sys.argv[1]))
print(store.claim(sys.argv[2], new_owner_id()), flush=True)
sys.stdin.read()
"""


def claimer(store: Store, job_id: str) -> subprocess.Popen[str]:
    """A child process holding the lease of `job_id` (it has said so) until its stdin closes."""
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, str(store.path), job_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "True\n"
    return child


def test_a_live_process_keeps_its_lease_and_a_killed_ones_is_taken_at_once(store: Store) -> None:
    job = make_job()
    store.save(job)
    child = claimer(store, job.id)
    try:
        assert store.lease(job.id).pid == child.pid  # type: ignore[union-attr]
        assert not store.claim(job.id, new_owner_id())
        assert [j.id for j in store.unfinished(free_for=new_owner_id())] == []
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    mine = new_owner_id()
    assert [j.id for j in store.unfinished(free_for=mine)] == [job.id]
    assert store.claim(job.id, mine)  # its heartbeat is fresh, but its process is gone
    assert store.lease(job.id).owner == mine  # type: ignore[union-attr]


def test_a_process_that_ends_normally_leaves_its_lease_to_be_taken(store: Store) -> None:
    job = make_job()
    store.save(job)
    child = claimer(store, job.id)
    child.communicate("")  # closes its stdin: it ends without releasing
    assert child.returncode == 0
    assert store.claim(job.id, new_owner_id())
