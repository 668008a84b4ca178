"""A batch killed mid-way (SIGKILL, as a crash or a closed laptop) and run again: every line is
submitted exactly once and ends with its image."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fluxtui.core import paths
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from tests.helpers import sim_jobs
from tests.test_cli import run_cli, write_config


def stored_jobs() -> dict[str, tuple[JobState, bool]]:
    """Each stored job's prompt: its state, and whether the provider has taken it (a handle)."""
    if not paths.store_file().exists():
        return {}
    store = Store(paths.store_file())
    try:
        return {j.request.prompt: (j.state, j.handle is not None) for j in store.jobs(JobQuery())}
    finally:
        store.close()


def wait_for(check, what: str, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60  # a bound on a loaded machine, not a timing assertion
    while not check():
        assert child.poll() is None, f"the batch ended before {what}: {child.communicate()}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)


def ctrl_c_as_at_a_terminal() -> None:
    """In the child before it runs: SIGINT back to its default, so Ctrl-C interrupts it as at a
    terminal even when the tests themselves run with SIGINT ignored (under nohup, or as a
    background job of a script), which a child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "ctrl+c"])
def test_a_batch_stopped_mid_way_and_run_again_sends_each_line_once(
    how: signal.Signals, sim, capsys, tmp_path
) -> None:
    write_config(sim)
    marker = f"batch stopped {how.name} 3e9b"
    slow = "[[sim: run=5]]"  # lines 3 and 4 are still running when the process is stopped
    prompts = [f"{marker} {n}" + (f" {slow}" if n in (3, 4) else "") for n in range(1, 7)]
    source = tmp_path / "six.jsonl"
    source.write_text("\n".join(json.dumps({"prompt": p}) for p in prompts))
    out = tmp_path / "out"
    command = ["batch", str(source), "-p", "bfl", "--concurrency", "2", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "fluxtui", *command, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    try:

        def two_done_two_taken() -> bool:
            jobs = stored_jobs()
            done = [p for p in prompts[:2] if jobs.get(p, (None,))[0] is JobState.DONE]
            taken = [p for p in prompts[2:4] if p in jobs and jobs[p][1]]
            return len(done) == 2 and len(taken) == 2

        wait_for(two_done_two_taken, "lines 1 and 2 done and lines 3 and 4 submitted", child)
    finally:
        child.send_signal(how)
        _, err = child.communicate(timeout=60)
    if how is signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL
    else:
        assert child.returncode == 130
        assert "interrupted; `fluxtui batch --resume bat-" in err and "nothing is sent twice" in err
    jobs = stored_jobs()
    assert set(jobs) == set(prompts[:4])  # lines 5 and 6 were never stored, nor sent
    assert not jobs[prompts[2]][0].is_terminal and not jobs[prompts[3]][0].is_terminal

    code, stdout, err = run_cli(capsys, "batch", str(source), "-p", "bfl", "--json")
    assert code == 0, err
    assert "2 line(s) have their image already" in err
    events = [json.loads(line) for line in stdout.splitlines()]
    assert sorted(e["line"] for e in events if e["event"] == "line") == [3, 4, 5, 6]
    assert events[-1]["made"] == 6 and events[-1]["exit_code"] == 0

    taken = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    assert sorted(j["prompt"] for j in taken) == sorted(prompts)  # one simulator job a line
    assert {j["submits"] for j in taken} == {1}  # and one submit each
    assert all(state is JobState.DONE for state, _ in stored_jobs().values())
    assert sorted(p.name for p in out.iterdir()) == [
        *(f"{n:04d}.jpg" for n in range(1, 7)),
        "batch.csv",
    ]
    assert all(Path(p).stat().st_size > 0 for p in out.iterdir())


def test_two_processes_running_one_batch_at_once_send_each_line_once(sim, capsys, tmp_path) -> None:
    write_config(sim)
    marker = "batch twice at once 5c0d"
    prompts = [f"{marker} {n}" for n in range(1, 9)]
    source = tmp_path / "eight.txt"
    source.write_text("\n".join(prompts))
    command = [sys.executable, "-m", "fluxtui", "batch", str(source), "-p", "fal"]
    children = [
        subprocess.Popen(
            [*command, "--concurrency", "2", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    summaries = [json.loads(out.splitlines()[-1]) for out, _ in outputs]
    assert summaries[0]["batch"] == summaries[1]["batch"]  # one batch, shared
    made = [
        json.loads(line)["line"]
        for out, _ in outputs
        for line in out.splitlines()
        if json.loads(line)["event"] == "line" and json.loads(line)["state"] == "done"
    ]
    assert len(made) == len(set(made))  # no line was made by both
    assert (
        sum(s["made"] for s in summaries) >= 8
    )  # (lines one made may be "made before" to the other)
    for summary in summaries:
        assert summary["made"] + summary["held"] == 8
    code, _, err = run_cli(capsys, "batch", str(source), "-p", "fal")
    assert code == 0, err
    taken = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    assert sorted(j["prompt"] for j in taken) == sorted(prompts)
    assert {j["submits"] for j in taken} == {1}
