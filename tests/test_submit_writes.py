"""What the store writes on a job's way to its paid submit, and in what order, over real HTTP.

The "sending" mark is committed (another connection sees it) before the submit reaches the
provider, and the handle after; between them the row is written by the columns that changed,
and a new job's run takes no second lease. The store's own statements are SQLite's trace of its
connection; the provider is a loopback server that plays CometAPI and notes, in the same list,
when the submit arrived and what another connection read from the store at that moment.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fluxtui.core import config as config_module
from fluxtui.core import leases
from fluxtui.core.engine import Engine
from fluxtui.core.job_run import SENDING
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.results import Handle
from fluxtui.core.settings import Secret
from fluxtui.core.store import Store
from fluxtui.session import SIM_SERVICES
from tests.helpers import leave_submitted
from tests.test_http_transport import Handler, RawServer, answers, serving

SUBMITTED = {"id": "job-1", "polling_url": "unused"}


def traced(store: Store, into: list[str]) -> None:
    """Every statement `store` runs from now on, appended to `into` as SQLite runs it."""
    store._db.set_trace_callback(lambda sql: into.append(" ".join(sql.split())))


def comet_like(
    events: list[str], reader_store: Store, job: list[Job]
) -> Callable[[RawServer], Handler]:
    """A CometAPI submit that, when a POST arrives, notes it and what `reader_store` (another
    connection to the file) reads of the job then; every GET answers Pending."""

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                request = await raw.read_request(reader)
                if request.startswith(b"POST "):
                    stored = reader_store.get(job[0].id)
                    assert stored is not None
                    last = stored.history[-1]
                    events.append(f"<POST> seen {stored.state} {last.detail} {stored.handle}")
                    body = json.dumps(SUBMITTED).encode()
                else:
                    body = b'{"id": "job-1", "status": "Pending"}'
                writer.write(answers(body))
                await writer.drain()

        return serve

    return handler


def job_statements(events: list[str]) -> list[str]:
    """The statements on the jobs and leases tables, and the submit's arrival, in order (SQLite
    traces a statement again for each trigger it runs: each counts once here)."""
    kept = ("BEGIN IMMEDIATE", "COMMIT")
    out: list[str] = []
    for e in events:
        wanted = e.startswith("<POST>") or " jobs" in e or " leases" in e or e in kept
        if wanted and (not out or out[-1] != e):
            out.append(e)
    return out


def set_columns(update: str) -> set[str]:
    """The columns an UPDATE (as SQLite traced it, values written in) sets."""
    return set(re.findall(r"(?:SET |, )(\w+) = ", update.split(" WHERE id = ")[0]))


async def test_the_sending_mark_is_committed_before_the_submit_and_the_handle_after(
    store: Store, tmp_path: Path
) -> None:
    events: list[str] = []
    job: list[Job] = []
    reader_store = Store(store.path)
    try:
        async with serving(comet_like(events, reader_store, job)) as server:
            urls = {name: server.url for name in SIM_SERVICES}
            config = config_module.demo_config(config_module.load(), urls)
            comet = replace(config.providers["comet"], key=Secret("sim-comet-key-0123456789"))
            config = replace(config, providers={**config.providers, "comet": comet})
            async with Engine(config, store, library=tmp_path / "lib", learn=False) as engine:
                traced(store, events)
                request = GenerationRequest("a red fox", "comet", "flux-dev", {})
                job.append(engine.create_job(request))
                await leave_submitted(engine, job[0])
                store._db.set_trace_callback(None)
        after = reader_store.get(job[0].id)
    finally:
        reader_store.close()
    done = job_statements(events)
    arrival = next(i for i, e in enumerate(done) if e.startswith("<POST>"))
    # at the submit's arrival, another connection read the committed "sending" mark, no handle
    assert done[arrival] == f"<POST> seen {JobState.PENDING} {SENDING} None"
    before, later = done[:arrival], done[arrival + 1 :]
    # the new row and its lease in one transaction, then the mark: its changed columns only
    assert before[0] == "BEGIN IMMEDIATE"
    assert before[1].startswith("INSERT INTO jobs") and "ON CONFLICT" not in before[1]
    assert before[2].startswith("INSERT INTO leases") and before[3] == "COMMIT"
    assert len(before) == 5 and before[4].startswith("UPDATE jobs SET")
    assert set_columns(before[4]) == {"updated_at", "history"}
    # no second lease: `run` right after `create` reads and writes no lease
    assert not any("leases" in e for e in before[4:])
    # the handle, stored after the answer, by its changed columns; then the lease is released
    assert later[0].startswith("UPDATE jobs SET")
    assert set_columns(later[0]) == {"updated_at", "state", "handle", "history"}
    assert later[-1].startswith("DELETE FROM leases")
    assert after is not None and after.state is JobState.SUBMITTED
    assert after.handle is not None and after.handle.request_id == "job-1"
    assert after == job[0]  # what the narrow writes left is the whole job


def make_job(prompt: str = "a red fox") -> Job:
    return Job.create(GenerationRequest(prompt, "fal", "fal-ai/flux/dev", {}))


@pytest.fixture
def other(store: Store) -> Iterator[Store]:
    """The same file opened again: another process's store."""
    second = Store(store.path)
    yield second
    second.close()


def test_a_claim_right_after_create_sends_nothing_and_a_late_one_checks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = new_owner_id()
    first, second = make_job("first"), make_job("second")
    store.create(first, owner)
    store.create(second, owner)
    statements: list[str] = []
    traced(store, statements)
    assert store.claim(first.id, owner)
    assert statements == []
    monkeypatch.setattr(leases, "FRESH_S", 0.0)  # as if the claim came later
    assert store.claim(second.id, owner)
    assert any(s.startswith("SELECT 1 FROM jobs") for s in statements)


def test_another_owner_never_gets_a_fresh_lease(store: Store, other: Store) -> None:
    mine, theirs = new_owner_id(), new_owner_id()
    job = make_job()
    store.create(job, mine)
    assert not store.claim(job.id, theirs)
    assert not other.claim(job.id, theirs)


def test_a_row_another_process_wrote_is_written_whole_after_a_claim(
    store: Store, other: Store
) -> None:
    """Store A knows the row it wrote only while it holds the lease: after B held the job and
    changed it, A's next save writes every column, not only those that differ from A's row."""
    mine, theirs = new_owner_id(), new_owner_id()
    job = make_job()
    store.create(job, mine)
    store.release(job.id, mine)
    assert other.claim(job.id, theirs)
    theirs_job = other.get(job.id)
    assert theirs_job is not None
    theirs_job.files = ["/library/fox.png"]
    theirs_job.seed = 7
    other.save(theirs_job)
    other.release(job.id, theirs)
    assert store.claim(job.id, mine)
    job.history.append(StateChange(JobState.PENDING, job.created_at, "again"))
    store.save(job)  # files [] and no seed, as A's job says, though A's last row said so too
    assert store.get(job.id) == job


def test_a_job_deleted_meanwhile_is_written_whole_again(store: Store, other: Store) -> None:
    owner = new_owner_id()
    job = make_job()
    store.create(job, owner)
    assert other.delete(job.id)
    job.handle = Handle(provider="fal", request_id="r-1", urls={})
    store.save(job)  # as a save always did: the row is there again
    assert store.get(job.id) == job
