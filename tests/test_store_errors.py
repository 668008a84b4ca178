"""A store that cannot be written or read says so in one line, naming the file and the fix.

Every case is real: a disk that is full (SQLite's page limit, /dev/full), a read-only connection
or folder, a folder that cannot be made, a file that is not a store, one from a newer fluxtui.
The CLI is driven as a subprocess to show that users get a message, not a traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fluxtui.core.errors import FluxtuiError, StoreError
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import SCHEMA_VERSION, Store


def make_job(prompt: str = "a red fox") -> Job:
    return Job.create(GenerationRequest(prompt, "fal", "fal-ai/flux/dev", {}))


def test_a_full_disk_is_a_store_error_naming_the_file(store: Store) -> None:
    store.save(make_job())
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    store._db.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own SQLITE_FULL
    with pytest.raises(StoreError) as raised:
        store.save(make_job("a fox " * 10_000))
    assert str(raised.value) == (
        f"cannot write the job store {store.path}: the disk is full; free some space"
    )
    assert isinstance(raised.value, FluxtuiError)
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)


def test_a_read_only_store_is_a_store_error(store: Store) -> None:
    store._db.execute("PRAGMA query_only=1")  # "attempt to write a readonly database"
    with pytest.raises(StoreError, match=r"cannot write the job store .*: it is read-only"):
        store.save(make_job())


def test_a_store_from_a_newer_fluxtui_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match=r"written by a newer fluxtui .*: upgrade fluxtui"):
        Store(path)


def test_a_file_that_is_not_a_store_is_named(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(b"not a database, just text " * 100)
    with pytest.raises(StoreError, match=f"{path} is not a job store .*move it aside"):
        Store(path)


def test_errors_that_are_bugs_pass_through(store: Store) -> None:
    job = make_job()
    store.save(job)
    with pytest.raises(sqlite3.IntegrityError):
        store.create(job, "an owner")  # create is for new jobs only
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.get(job.id)


# ---- the CLI --------------------------------------------------------------------------------


def fluxtui(home: Path, *argv: str, wrap: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run `python -m fluxtui ARGV` with its XDG dirs under `home` (optionally under `wrap`)."""
    env = {
        **os.environ,
        **{f"XDG_{n}_HOME": str(home / n.lower()) for n in ("CONFIG", "DATA", "CACHE", "STATE")},
    }
    return subprocess.run(
        [*wrap, sys.executable, "-m", "fluxtui", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("fluxtui: ")
    for part in parts:
        assert part in line


def store_path(home: Path) -> Path:
    return home / "data" / "fluxtui" / "jobs.sqlite3"


def test_cli_a_data_dir_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data dir should be")
    assert_one_line(
        fluxtui(tmp_path, "history"),
        f"cannot create the folder of the job store {store_path(tmp_path)}",
    )


def test_cli_a_store_that_cannot_be_opened(tmp_path: Path) -> None:
    store_path(tmp_path).mkdir(parents=True)  # a folder where the file should be
    assert_one_line(
        fluxtui(tmp_path, "history"), f"cannot open the job store {store_path(tmp_path)}"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_cli_a_full_disk(tmp_path: Path) -> None:
    store_path(tmp_path).parent.mkdir(parents=True)
    store_path(tmp_path).symlink_to("/dev/full")  # every write fails with ENOSPC
    assert_one_line(
        fluxtui(tmp_path, "history"),
        f"cannot write the job store {store_path(tmp_path)}: the disk is full",
    )


def test_cli_a_store_from_a_newer_fluxtui(tmp_path: Path) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    db.close()
    assert_one_line(fluxtui(tmp_path, "history"), f"{path} was written by a newer fluxtui")


def as_unprivileged() -> tuple[str, ...]:
    """A command prefix under which file permissions hold: none needed unless we are root, who
    writes through them; then a user namespace (root there has no say over our files)."""
    if os.geteuid() != 0:
        return ()
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "true"], check=False).returncode != 0:
        pytest.skip("running as root, and no user namespace to drop the privilege in")
    return (unshare, "--user")


def test_cli_a_read_only_data_dir(tmp_path: Path) -> None:
    wrap = as_unprivileged()
    path = store_path(tmp_path)
    store = Store(path)
    store.save(make_job())
    store.close()
    path.chmod(0o400)
    path.parent.chmod(0o500)
    try:
        assert_one_line(fluxtui(tmp_path, "history", wrap=wrap), f"the job store {path}")
    finally:
        path.parent.chmod(0o700)
