"""What a new user trips over at the command line (issue 9): bad timeouts, durations, broken pipes,
unreadable configs, the live progress display, file modes, empty histories, and a connection that
fails — each driven as a user would, against the simulator or real local sockets."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from fluxtui import cli
from fluxtui.core import paths
from fluxtui.core.durations import human
from fluxtui.core.text import cut
from tests.test_cli import run_cli, write_config
from tests.test_compare_cli import BAD_FAL


@pytest.fixture
def configured(sim) -> Path:
    return write_config(sim)


@pytest.mark.parametrize("value", ["-3", "0", "nan", "inf", "soon"])
def test_a_timeout_that_is_no_positive_number_is_refused(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["generate", "a fox", "--demo", f"--timeout={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--timeout: must be a positive number of seconds, got " in err


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.5, "0.5 s"),
        (7.46, "7.5 s"),
        (30, "30 s"),
        (60, "1 min"),
        (125, "2 min 5 s"),
        (3600, "1 h"),
        (3780, "1 h 3 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, shown: str) -> None:
    assert human(seconds) == shown


def test_a_timeout_says_how_long_it_waited(configured, capsys) -> None:
    code, out, _ = run_cli(
        capsys, "generate", "a fox [[sim: queue=5]]", "-p", "comet", "--timeout", "0.5", "--json"
    )
    assert code == 4
    assert json.loads(out)["error"]["message"].startswith("gave up after 0.5 s without a result")


def _to_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run `fluxtui ARGV` with stdout a pipe whose reader has gone (as `| head` does once full)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "fluxtui", *argv],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(writer)


def test_a_reader_that_goes_away_ends_a_command_quietly(configured, capsys) -> None:
    run_cli(capsys, "generate", "an owl", "-p", "comet")
    for argv in (["history", "--json"], ["spend", "--prices"]):
        done = _to_a_closed_pipe(*argv)
        assert (done.returncode, done.stderr) == (1, ""), argv  # no traceback, no message


def test_a_config_that_is_not_utf8_is_named_with_its_line(capsys) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'# fluxtui\ntimeout = "\xff"\n')
    code, _, err = run_cli(capsys, "history")
    assert code == 2
    assert err == f"fluxtui: {path}: line 2 is not UTF-8 text (byte 0xff): save the file as UTF-8\n"


def test_a_config_path_that_is_a_folder_is_said(capsys) -> None:
    path = paths.config_file()
    path.mkdir(parents=True)
    code, _, err = run_cli(capsys, "spend")
    assert code == 2
    assert err == f"fluxtui: {path}: is a folder, not a config file\n"
    code, out, err = run_cli(capsys, "locate")  # where the config is: it still answers
    assert code == 0 and str(path) in out and "is a folder" in err


def on_a_terminal(*argv: str, columns: int = 80) -> tuple[int, str, str]:
    """Run `fluxtui ARGV` with stderr a terminal `columns` wide; exit code, stdout, stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "fluxtui", *argv, "--timeout", "30"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if not ready:
            if child.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    if child.poll() is None:
        child.kill()
    assert child.stdout is not None
    out = child.stdout.read().decode()
    child.stdout.close()
    return child.wait(timeout=60), out, seen.decode()


def test_the_live_display_fits_the_terminal_and_says_a_failure_once(configured) -> None:
    status = "[bold]Exploded[/bold] " + "and a long tale of why " * 4  # shown, never applied
    code, _, err = on_a_terminal("generate", f"a fox [[sim: status={status}]]", "-p", "fal")
    assert code == 1
    # the job's status stream was closed when the job ended, not at the event loop's shutdown
    # (which printed "an error occurred during closing of asynchronous generator" and a traceback)
    assert "Traceback" not in err and "asynchronous generator" not in err
    frames = err.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.replace("\x1b[2K", "") for line in frames]
    lines = [line for line in lines if line.strip() and not line.startswith("\x1b")]
    final = [line for line in lines if line.startswith("fal     fal-ai/flux/dev        failed")]
    assert len(final) == 1  # said once, in full (the live lines are gone by then)
    assert "[bold]Exploded[/bold]" in final[0] and len(final[0]) > 80
    live = [line for line in lines if line not in final]
    assert live and all(len(line) <= 80 for line in live)  # cut to the terminal, not wrapped
    assert any(line.startswith("fal fal-ai/flux/dev") and "running" in line for line in live)


def test_files_made_for_the_user_follow_the_umask(configured, capsys, tmp_path) -> None:
    previous = os.umask(0o022)
    try:
        code, out, _ = run_cli(capsys, "generate", "a fox", "-p", "comet", "--json")
        assert code == 0
        image = Path(json.loads(out)["files"][0])
        code, out, _ = run_cli(capsys, "export", json.loads(out)["id"], str(tmp_path / "out"))
        assert code == 0
        exported = [Path(line) for line in out.splitlines()]
    finally:
        os.umask(previous)
    assert (image.stat().st_mode & 0o777) == 0o644
    assert exported and all((p.stat().st_mode & 0o777) == 0o644 for p in exported)
    assert (paths.store_file().stat().st_mode & 0o777) == 0o600  # the store stays private


def test_an_empty_history_says_so(configured, capsys) -> None:
    code, out, err = run_cli(capsys, "history")
    assert (code, out, err) == (0, "", "fluxtui: no jobs yet\n")
    run_cli(capsys, "generate", "an owl", "-p", "comet")
    code, out, err = run_cli(capsys, "history", "--search", "zzzz")
    assert (code, out, err) == (0, "", "fluxtui: no jobs match\n")
    code, out, err = run_cli(capsys, "history", "--comparisons", "--json")
    assert (code, out, err) == (0, "", "fluxtui: no comparisons yet\n")


def test_comparisons_count_targets_and_cut_reasons_at_a_word(sim, capsys) -> None:
    write_config(sim, extra=BAD_FAL.format(url=sim.base_url("fal")))
    code, _, _ = run_cli(capsys, "compare", "an owl", "-t", "badfal:fal-ai/flux/dev")
    assert code == 3
    code, out, _ = run_cli(capsys, "history", "--comparisons")
    assert code == 0
    head, row = out.splitlines()
    assert "  1 target  an owl" in head
    [record] = [
        json.loads(line)
        for line in run_cli(capsys, "history", "--comparisons", "--json")[1].splitlines()
    ]
    reason = f"failed: {record['rows'][0]['reason']}"
    assert len(reason) > 60 and cut(reason, 60) in row
    shown = cut(reason, 60)
    assert shown.endswith("…") and reason.startswith(shown[:-1])
    assert reason[len(shown) - 1] in " ,;:.-"  # the cut falls between words


def test_cut_keeps_whole_words() -> None:
    assert cut("the key was rejected by the service", 16) == "the key was…"
    assert cut("short", 16) == "short"
    assert cut("x" * 20, 8) == "xxxxxxx…"


def test_a_long_reason_keeps_the_compare_table_narrow(sim, capsys) -> None:
    write_config(sim, extra=BAD_FAL.format(url=sim.base_url("fal")))
    previous = os.umask(0o022)
    try:
        code, out, _ = run_cli(
            capsys, "compare", "an owl", "-t", "badfal:fal-ai/flux/dev", "-t", "bfl", "--json"
        )
    finally:
        os.umask(previous)
    assert code == 3
    result = json.loads(out)
    reason = f"failed: {result['rows'][0]['reason']}"
    assert len(reason) > 40
    written = [Path(result["exports"][name]) for name in ("sheet", "markdown", "csv", "json")]
    assert all((path.stat().st_mode & 0o777) == 0o644 for path in written)  # the umask's

    code, out, _ = run_cli(capsys, "compare", "an owl", "-t", "badfal:fal-ai/flux/dev", "-t", "bfl")
    lines = out.splitlines()
    header, bad, good = lines[1:4]
    assert bad.startswith("badfal:fal-ai/flux/dev") and f" {cut(reason, 40)} " in bad
    assert good.startswith("bfl:flux-pro-1.1") and " done " in good
    # the state column is no wider than a cut reason: "queued" (6 wide, right-aligned) follows
    assert header.index("queued") - header.index("state") <= 40 + 2 + 6
    assert f"badfal:fal-ai/flux/dev: {reason}" in lines  # and the reason is given in full below
