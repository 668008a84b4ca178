"""The library at scale: the prompt index (FTS5) finds what the plain search finds, stays in step
with the jobs, is built for older stores; keyset pages; committed jobs survive a killed process."""

from __future__ import annotations

import dataclasses
import random
import signal
import sqlite3
import sys
from pathlib import Path
from subprocess import PIPE, Popen

import pytest

from fluxtui.control.outcomes import Page
from fluxtui.core import (
    batch_schema,
    job_rows,
    leases,
    library,
    lineage,
    prompt_index,
    store_schema,
)
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import SCHEMA_VERSION, Store
from fluxtui.tui.library_pages import PAGE_SIZE, LibraryPages

CORPUS = [
    "a red fox in the snow",
    "Firefox logo, RED and orange",
    'she said "hello" to the "world"',
    "cats AND dogs OR birds NOT fish",
    "NEAR(castle tower, 5) at dusk",
    "stars* and wild*cards",
    "100% cotton_shirt with a back\\slash",
    "Café crème brûlée, ÉCLAIR",
    "日本語のプロンプト 東京タワー",
    "emoji 🦊🔥 fox fire",
    "x",
    "ab cd",
    "it's a 'quoted' prompt; DROP TABLE jobs; --",
    "über Straße ÜBER",
    "tab\tand\nnewline prompt",
]
SEARCHES = [
    "fox",
    "FOX",
    "red fox",
    "ref",
    '"hello"',
    '"',
    '""',
    "AND",
    "and dogs",
    "NOT",
    "NEAR(",
    "NEAR(castle",
    "*",
    "stars*",
    "wild*",
    "%",
    "_",
    "\\",
    "100%",
    "café",
    "CAFÉ",
    "éclair",
    "ÉCLAIR",
    "brûlée",
    "東京",
    "東京タワー",
    "🦊",
    "🦊🔥",
    "x",
    "ab",
    "b c",
    "'quoted'",
    "DROP TABLE",
    "--",
    ";",
    "über",
    "ÜBER",
    "Straße",
    "tab",
    "ne",
    "zebra",
    "fox zebra",
    "(",
    ")",
    ":",
    "^",
    "-fox",
    "fox*",
]


def stored(store: Store, prompt: str, created: float | None = None) -> Job:
    job = Job.create(GenerationRequest(prompt, "fal", "fal-ai/flux/dev", {}))
    if created is not None:
        job.created_at = created
    store.save(job)
    return job


def found(store: Store, search: str, *, indexed: bool) -> tuple[list[str], int]:
    """The ids of every job `search` finds (newest first) and their count, through the index or
    by the plain LIKE scan."""
    was, store.indexed = store.indexed, indexed
    try:
        query = JobQuery(search=search, limit=None)
        return [job.id for job in store.jobs(query)], store.count(query)
    finally:
        store.indexed = was


def indexed_ids(path: Path, text: str) -> set[str]:
    """The ids of the jobs the FTS table itself matches for `text` (no LIKE to hide a stale row)."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT j.id FROM jobs_fts f JOIN jobs j ON j.rowid = f.rowid WHERE jobs_fts MATCH ?",
            ('"' + text.replace('"', '""') + '"',),
        )
        return {job_id for (job_id,) in rows}


def test_this_sqlite_indexes_prompts(store: Store) -> None:
    assert prompt_index.unavailable() is None, "SQLite has FTS5 and its trigram tokenizer"
    assert store.indexed


def test_the_index_finds_exactly_what_the_plain_search_finds(store: Store) -> None:
    rng = random.Random(7)
    for n in range(300):  # the corpus, and random mixes of its words
        if n < len(CORPUS):
            prompt = CORPUS[n]
        else:
            words = " ".join(CORPUS).split()
            prompt = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        stored(store, prompt)
    for search in SEARCHES:
        through_index = found(store, search, indexed=True)
        assert through_index == found(store, search, indexed=False), search
    assert found(store, "fox", indexed=True)[1] > 0
    assert found(store, "zebra", indexed=True) == ([], 0)
    clause, _ = job_rows.where(JobQuery(search="red fox"), indexed=True)
    assert "MATCH" in clause, "a search of words of 3+ characters goes through the index"


def test_typed_fts_syntax_is_only_text(store: Store) -> None:
    quoted = stored(store, 'she said "hello" to the "world"')
    near = stored(store, "NEAR(castle tower, 5) at dusk")
    stored(store, "castle tower at dusk")
    assert found(store, '"hello"', indexed=True)[0] == [quoted.id]
    assert found(store, "NEAR(castle", indexed=True)[0] == [near.id]
    assert found(store, '"hello" OR castle', indexed=True) == ([], 0)


def test_triggers_keep_the_index_in_step_with_the_jobs(store: Store) -> None:
    fox = stored(store, "a red fox in the snow")
    owl = stored(store, "an owl at night")
    assert indexed_ids(store.path, "fox") == {fox.id}
    for _ in range(3):  # state rewrites with the same prompt leave one entry
        store.save(fox)
    assert indexed_ids(store.path, "fox") == {fox.id}

    fox.request = dataclasses.replace(fox.request, prompt="a grey wolf in the snow")
    store.save(fox)
    assert indexed_ids(store.path, "fox") == set()
    assert indexed_ids(store.path, "wolf") == {fox.id}
    assert indexed_ids(store.path, "snow") == {fox.id}

    assert store.delete(owl.id)
    assert indexed_ids(store.path, "owl") == set()
    assert found(store, "wolf", indexed=True) == ([fox.id], 1)
    with sqlite3.connect(store.path) as db:  # FTS5's own check of the index against its content
        db.execute("INSERT INTO jobs_fts (jobs_fts, rank) VALUES ('integrity-check', 1)")


def schema_5_file(path: Path, jobs: list[Job], extra: str = "", version: int = 5) -> None:
    """A store as fluxtui wrote it at schema 5 (no prompt index), holding `jobs`."""
    with sqlite3.connect(path) as db:
        for statement in (store_schema.SCHEMA + leases.SCHEMA + lineage.SCHEMA + extra).split(";"):
            if statement.strip():
                db.execute(statement)
        for job in jobs:
            row = job_rows.to_row(job)
            db.execute(job_rows.insert_sql(row), row)
        db.execute(f"PRAGMA user_version={version}")


def test_a_schema_5_store_gets_its_index_and_keeps_every_job(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    jobs = [Job.create(GenerationRequest(p, "fal", "fal-ai/flux/dev", {})) for p in CORPUS]
    schema_5_file(path, jobs)
    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        assert store.indexed
        assert {job.id for job in store.jobs(JobQuery(limit=None))} == {job.id for job in jobs}
        for search in SEARCHES:
            assert found(store, search, indexed=True) == found(store, search, indexed=False)
        assert indexed_ids(path, "東京タワー") == {
            jobs[CORPUS.index("日本語のプロンプト 東京タワー")].id
        }
        new = stored(store, "a brand new fox")
        assert indexed_ids(path, "fox") >= {new.id}, "the triggers index what comes next"
    finally:
        store.close()
    Store(path).close()  # opened again: nothing to do, nothing doubled
    with sqlite3.connect(path) as db:
        prompt_index.install(db)  # and run again by hand: idempotent
        (rows,) = db.execute(
            "SELECT COUNT(*) FROM jobs_fts WHERE jobs_fts MATCH '\"fox\"'"
        ).fetchone()
    assert rows == len(indexed_ids(path, "fox")) == 4  # three of CORPUS, and the new one


def test_a_schema_6_store_is_indexed_and_keeps_its_batches(tmp_path: Path) -> None:
    """A file at schema 6 (the batch tables, no prompt index) gets the index; its batches stay."""
    path = tmp_path / "six.sqlite3"
    jobs = [Job.create(GenerationRequest("a fox", "fal", "fal-ai/flux/dev", {}))]
    schema_5_file(path, jobs, batch_schema.SCHEMA, version=6)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO batches VALUES ('bat-1', 1.0, 1.0, '-', 'ab12', '{}')")
    store = Store(path)
    try:
        assert store.indexed
        assert found(store, "fox", indexed=True) == ([jobs[0].id], 1)
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id, sha256 FROM batches").fetchall() == [("bat-1", "ab12")]
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_keyset_pages_cover_every_job_once_while_jobs_are_added(store: Store, sort: str) -> None:
    rng = random.Random(3)
    base = 1_700_000_000.0
    jobs = [stored(store, f"job {n}", base + rng.randint(0, 20)) for n in range(60)]  # ties
    seen: list[str] = []
    after: tuple[float, str] | None = None
    for page in range(100):
        batch = store.jobs(JobQuery(limit=7, sort=sort, after=after))
        if not batch:
            break
        seen += [job.id for job in batch]
        after = (batch[-1].created_at, batch[-1].id)
        # between pages, newer and older jobs arrive (and one at the very instant of the cursor)
        stored(store, f"newer {page}", base + 100 + page)
        stored(store, f"tie {page}", after[0])
    original = {job.id for job in jobs}
    assert len(seen) == len(set(seen)), "no job twice"
    assert original <= set(seen), "every job that was there at the start"


def test_the_library_list_pages_by_keyset_once_it_has_the_page_before(store: Store) -> None:
    base = 1_700_000_000.0
    jobs = [stored(store, f"job {n}", base + n) for n in range(PAGE_SIZE * 2 + 10)]
    pages = LibraryPages(JobQuery())

    def load(number: int) -> None:
        got = library.page(store, pages.query_for(number))
        pages.loaded(number, Page(tuple(job.snapshot() for job in got.jobs), got.total))

    assert pages.query_for(0).after is None
    load(0)
    for n in range(5):  # jobs made while the list is open: newer than all it shows
        stored(store, f"meanwhile {n}", base + 10_000 + n)
    assert pages.query_for(1).after is not None and pages.query_for(1).offset == 0
    load(1)
    load(2)
    shown = [job.id for job in pages.jobs(0, 3 * PAGE_SIZE)]
    assert shown == [job.id for job in reversed(jobs)], "each job once, in order"
    assert pages.total == len(jobs) + 5
    assert pages.query_for(7).offset == 7 * PAGE_SIZE, "a jump with no page before: by offset"
    with pytest.raises(ValueError, match="no keyset pages"):
        JobQuery(sort="fastest", after=(1.0, "x"))


@pytest.mark.parametrize("sort", ["newest", "oldest", "fastest"])
def test_a_page_far_down_the_library_is_the_one_an_offset_gives(store: Store, sort: str) -> None:
    """Pages in the far half are read from the other end: the same jobs, in the same order."""
    base = 1_700_000_000.0
    for n in range(45):
        stored(store, f"job {n}", base + n // 3)  # ties in time, broken by id
    for offset in (0, 10, 22, 23, 30, 40, 44, 45, 50):
        query = JobQuery(limit=10, offset=offset, sort=sort)
        got = library.page(store, query)
        assert [j.id for j in got.jobs] == [j.id for j in store.jobs(query)], offset
        assert got.total == 45


#: a child: create jobs with their leases one by one, saying each id once it is committed,
#: then wait to be killed
CREATOR = """
import sys, time
from pathlib import Path
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import Store

store, owner = Store(Path(sys.argv[1])), new_owner_id()
for n in range(int(sys.argv[2])):
    job = Job.create(GenerationRequest(f"crash fox {n}", "fal", "fal-ai/flux/dev", {}))
    store.create(job, owner)
    print(job.id, flush=True)
time.sleep(600)
"""


def test_a_killed_process_leaves_every_job_it_committed(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with Popen([sys.executable, "-c", CREATOR, str(path), "12"], stdout=PIPE, text=True) as child:
        assert child.stdout is not None
        try:
            committed = [child.stdout.readline().strip() for _ in range(12)]
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    store = Store(path)
    try:
        assert {job.id for job in store.unfinished()} == set(committed)
        assert {job.id for job in store.unfinished(free_for="another")} == set(committed), (
            "the dead process's leases are stale: its jobs can be resumed at once"
        )
        assert set(found(store, "crash fox", indexed=True)[0]) == set(committed)
    finally:
        store.close()
