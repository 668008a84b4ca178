"""The store shared by processes: many fluxtui commands opening, migrating and writing at once."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from subprocess import PIPE, Popen

from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import SCHEMA, SCHEMA_VERSION, Store

#: a child: import everything, say it is ready, wait for the go (EOF on stdin), open the store
#: and store jobs one by one (every other one created with its lease)
SAVER = """
import sys
from pathlib import Path
from subprocess import PIPE, Popen
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import Store

path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
jobs = [Job.create(GenerationRequest(f"{tag} {n}", "fal", "fal-ai/flux/dev", {})) for n in range(count)]
owner = new_owner_id()
print("ready", flush=True)
sys.stdin.read()
store = Store(path)
for n, job in enumerate(jobs):
    store.create(job, owner) if n % 2 else store.save(job)
store.close()
"""

#: a child: open the store, say it is ready, at the go claim the job, print whether it got it,
#: and stay alive (holding what it claimed) until the fd in argv[3] reaches EOF
CLAIMER = """
import os, sys
from pathlib import Path
from subprocess import PIPE, Popen
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import Store

store = Store(Path(sys.argv[1]))
owner = new_owner_id()
print("ready", flush=True)
sys.stdin.read()
print(store.claim(sys.argv[2], owner), flush=True)
os.read(int(sys.argv[3]), 1)
"""


def start_together(argvs: list[list[str]], pass_fds: tuple[int, ...] = ()) -> list[Popen[str]]:
    """Start one child per argv; once every one has said it is ready, let them all go at once."""
    go_read, go_write = os.pipe()  # every child reads the same pipe: EOF for all at once
    children = [
        Popen(
            [sys.executable, *argv],
            stdin=go_read,
            stdout=PIPE,
            stderr=PIPE,
            text=True,
            pass_fds=pass_fds,
        )
        for argv in argvs
    ]
    os.close(go_read)
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    os.close(go_write)
    return children


def finish(children: list[Popen[str]]) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each child, once it has ended."""
    outputs = [child.communicate(timeout=120) for child in children]
    return [(child.returncode, *output) for child, output in zip(children, outputs, strict=True)]


def save_at_once(path: Path, processes: int = 8, jobs_each: int = 5) -> None:
    """`processes` children open the store at `path` at once and save jobs; all of them land."""
    children = start_together(
        [["-c", SAVER, str(path), f"p{n}", str(jobs_each)] for n in range(processes)]
    )
    assert [err for code, _, err in finish(children) if code != 0] == []
    store = Store(path)
    assert store.count(JobQuery(limit=None)) == processes * jobs_each
    store.close()


def test_processes_creating_one_fresh_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(4):
        save_at_once(tmp_path / f"round-{round_}" / "jobs.sqlite3")


def test_processes_migrating_one_old_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(2):
        path = tmp_path / f"round-{round_}.sqlite3"
        with sqlite3.connect(path) as db:  # schema 2: no leases table yet
            db.executescript(SCHEMA)
            db.execute("PRAGMA user_version=2")
        db.close()
        save_at_once(path)
        store = Store(path)
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        store.close()


def test_processes_claiming_one_job_at_once_one_gets_it(store: Store) -> None:
    job = Job.create(GenerationRequest("a contested fox", "fal", "fal-ai/flux/dev", {}))
    store.save(job)
    for _ in range(3):
        hold_read, hold_write = os.pipe()
        children = start_together(
            [["-c", CLAIMER, str(store.path), job.id, str(hold_read)] for _ in range(6)],
            pass_fds=(hold_read,),
        )
        os.close(hold_read)
        claims = [child.stdout.readline() for child in children]  # type: ignore[union-attr]
        winner = children[claims.index("True\n")]
        assert sorted(claims) == ["False\n"] * 5 + ["True\n"]
        assert store.lease(job.id).pid == winner.pid  # type: ignore[union-attr]
        os.close(hold_write)  # they all end; the winner's lease is left to go stale
        assert [err for code, _, err in finish(children) if code != 0] == []
