"""`fluxtui doctor`: the terminal, the paths and the keys' status, for a bug report."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import termios
from pathlib import Path

from tests.term import scripted
from tests.term.scripted import ScriptedTerminal

PYTHON = sys.executable
REAL_LOOKING_KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
CONFIG_KEY = "fal-key-0123456789abcdef0123456789abcdef:feedface"


def doctor(
    *args: str, env: dict[str, str] | None = None, tty: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`fluxtui doctor` in a process of its own session: no terminal, or `tty` as its terminal."""

    def controlling_terminal() -> None:
        if tty is not None:
            fd = os.open(tty, os.O_RDWR)
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
            os.close(fd)

    return subprocess.run(
        [PYTHON, "-m", "fluxtui", "doctor", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        preexec_fn=controlling_terminal,
        env={**os.environ, "TERM": "xterm-256color", **(env or {})},
    )


def test_without_a_terminal_it_says_so_and_prints_the_rest(tmp_path: Path) -> None:
    done = doctor(env={"COMETAPI_KEY": REAL_LOOKING_KEY})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "probe: the terminal was not asked" in out
    assert "note: no terminal to ask" in out
    assert "images: half-cell blocks (the terminal was not asked)" in out
    assert "colours: 256 (TERM=xterm-256color)" in out
    for name in ("config:", "store:", "images:", "cache:"):
        assert f"\n{name}" in out
    assert "provider comet (CometAPI): key set (env COMETAPI_KEY)" in out
    assert "provider bfl (BFL): no key (set BFL_API_KEY or [providers.bfl] api_key)" in out
    assert "\nprompt search: indexed (SQLite FTS5, trigram)\n" in out
    assert "Traceback" not in done.stderr


def test_no_key_nor_any_part_of_it_is_printed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[providers.fal]\napi_key = "{CONFIG_KEY}"\n')
    config.chmod(0o600)
    env = {"COMETAPI_KEY": REAL_LOOKING_KEY, "FLUXTUI_CONFIG": str(config)}
    for args in ((), ("--json",)):
        done = doctor(*args, env=env)
        assert done.returncode == 0, done.stderr
        for key in (REAL_LOOKING_KEY, CONFIG_KEY):
            for part in (key, key[:12], key[-12:]):
                assert part not in done.stdout and part not in done.stderr
    found = json.loads(done.stdout)
    providers = {row["name"]: row for row in found["providers"]}
    assert providers["fal"]["from"] == "the config file" and providers["fal"]["key"] is True
    assert providers["comet"]["from"] == "env COMETAPI_KEY"
    assert providers["bfl"] == {**providers["bfl"], "key": False, "from": None}


def test_labels_from_the_config_are_printed_inert(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[providers.fal]\nlabel = "fal \\u001b]2;pwned\\u0007"\n')
    done = doctor(env={"FLUXTUI_CONFIG": str(config)})
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "provider fal (fal ␛]2;pwned␇)" in done.stdout


def test_json_has_the_report_the_choice_and_the_lines() -> None:
    done = doctor("--json")
    found = json.loads(done.stdout)
    assert found["terminal"]["asked"] is False
    assert found["choice"]["protocol"] == "halfcell" and found["choice"]["colors"] == "256"
    assert "probe: the terminal was not asked" in found["lines"]
    assert set(found["paths"]) == {"config", "store", "images", "cache"}
    assert found["prompt_search"] == {
        "indexed": True,
        "sqlite": sqlite3.sqlite_version,
        "reason": None,
    }
    assert found["problems"] == []


def test_a_wrong_setting_is_a_problem_and_exit_2_after_the_rest() -> None:
    done = doctor(env={"FLUXTUI_COLOR": "rgb", "FLUXTUI_IMAGE_PROTOCOL": "kitty"})
    assert done.returncode == 2
    assert "problem: FLUXTUI_COLOR 'rgb' is not one of auto, truecolor, 256, 16" in done.stdout
    assert "problem: FLUXTUI_IMAGE_PROTOCOL 'kitty' is not one of" in done.stdout
    assert "provider comet" in done.stdout


def test_a_config_file_that_cannot_be_read_is_a_problem_too(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[tui\n")
    done = doctor(env={"FLUXTUI_CONFIG": str(config)})
    assert done.returncode == 2
    assert "problem: " in done.stdout and "probe: " in done.stdout
    assert "Traceback" not in done.stderr


def test_in_a_terminal_it_asks_it_even_with_stdout_piped() -> None:
    """The terminal is the scripted kitty 0.26 on a pty; stdout goes to a pipe."""
    with scripted.scripted(ScriptedTerminal(scripted.KITTY_026)) as path:
        done = doctor(tty=path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "terminal: kitty 0.26.5 (XTVERSION 'kitty(0.26.5)')" in out
    assert "tried: tgp: kitty 0.26 has no Unicode placeholders (0.28+)" in out
    assert "cell size: 10x20 px (CSI 16 t)" in out
    assert any(line.startswith("probe: answered in ") for line in out)


def test_doctor_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom fluxtui.cli import main\n"
        "main(['doctor', '--json'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_image'))\n"
        "print('IMPORTED', ','.join(bad))\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "IMPORTED "
