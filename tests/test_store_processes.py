"""The store shared by processes: many fluxtui commands opening, migrating and writing at once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fluxtui.core.store import SCHEMA, SCHEMA_VERSION, JobQuery, Store

#: a child: import everything, say it is ready, wait for the go (EOF on stdin), open the store
#: and save jobs one by one
SAVER = """
import sys
from pathlib import Path
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import Store

path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
jobs = [Job.create(GenerationRequest(f"{tag} {n}", "fal", "fal-ai/flux/dev", {})) for n in range(count)]
print("ready", flush=True)
sys.stdin.read()
store = Store(path)
for job in jobs:
    store.save(job)
store.close()
"""


def start_together(argvs: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start one child per argv; once every one is ready, let them all go; wait for them."""
    go_read, go_write = os.pipe()  # every child reads the same pipe: EOF for all at once
    children = [
        subprocess.Popen([sys.executable, *argv], stdin=go_read, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    os.close(go_read)
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    os.close(go_write)
    done = []
    for child, argv in zip(children, argvs, strict=True):
        out, err = child.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(argv, child.returncode, out, err))
    return done


def save_at_once(path: Path, processes: int = 8, jobs_each: int = 5) -> None:
    """`processes` children open the store at `path` at once and save jobs; all of them land."""
    done = start_together(
        [["-c", SAVER, str(path), f"p{n}", str(jobs_each)] for n in range(processes)]
    )
    assert [d.stderr for d in done if d.returncode != 0] == []
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
