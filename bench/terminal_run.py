"""Open a terminal on the X screen running `fluxtui doctor --json` then the app; screenshot it.

Used by `bench/terminals.py`. Each run gets its own copy of the XDG dirs the image was made in,
a shell script the terminal runs (it records TERM/COLORTERM and the window id, runs the doctor,
or where there is none asks textual-image what it detects, then execs the app), and its own
tmux socket. Everything started here is stopped by its pid, group or socket.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from screen_measure import Box, find_image
from terminal_setups import Setup, terminal_argv, tmux_config

IMG2SIXEL = "img2sixel"  # not a protocol of the app's: libsixel draws the image, for reference
REFERENCE_WIDTH = 450  # pixels: about as wide as the app's preview in these terminals
XDG = ("CONFIG", "DATA", "CACHE", "STATE")
SHOWN_ENV = ("TERM", "COLORTERM", "TERM_PROGRAM", "TMUX")
GUESS = """\
import logging
logging.disable(logging.CRITICAL)
import textual_image.renderable as r
names = {r.TGPImage: "tgp", r.SixelImage: "sixel", r.HalfcellImage: "halfcell"}
guess = names.get(r.Image, "unicode" if r.Image is r.UnicodeImage else "halfcell")
open("guess.txt", "w").write(guess + "\\n")
"""


@dataclass(frozen=True)
class Run:
    """What one run of the app in one terminal showed."""

    setup: Setup
    protocol: str  # asked for: auto, or a forced one
    shot: Path | None
    box: Box | None
    env: dict[str, str]
    doctor: dict[str, object] | None
    guess: str  # what textual-image detects (today's auto) when there is no doctor
    note: str = ""


def app_environment(home: Path, source: Path) -> dict[str, str]:
    """A clean environment to run `source`'s fluxtui in: no keys, no outer terminal's variables,
    the XDG dirs under `home`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home / "home"),
        "PYTHONPATH": str(source),
    }
    for name in XDG:
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    for path in (home / "home", *(home / name.lower() for name in XDG)):
        path.mkdir(parents=True, exist_ok=True)
    return env


@contextmanager
def xvfb() -> Iterator[str]:
    """An Xvfb server on a free display (it picks one: -displayfd); its DISPLAY."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
            "-br",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write_end)
    try:
        number = _read_display(read_end, server)
        yield f":{number}"
    finally:
        os.close(read_end)
        _stop(server)


def _read_display(fd: int, server: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 15
    text = b""
    while not text.endswith(b"\n"):
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("Xvfb did not start")
        os.set_blocking(fd, False)
        try:
            text += os.read(fd, 64)
        except BlockingIOError:
            time.sleep(0.05)
    return text.decode().strip()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with start_new_session, and its group: TERM, then KILL."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass(frozen=True)
class Options:
    """How every run goes."""

    display: str  # the X display
    out: Path  # where runs go; its `template` holds the XDG dirs the image was made in
    source: Path  # the fluxtui checkout to run
    settle: float  # seconds from the app's start to the first screenshot
    wait: float  # seconds of screenshots before giving up on finding the image
    image: Path  # the job's image file, which img2sixel draws in a reference run


def run_app(setup: Setup, protocol: str, options: Options) -> Run:
    """Open the terminal running doctor then the app; screenshot until the preview settles."""
    run_dir = options.out / f"{setup.name}-{protocol}"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(options.out / "template", run_dir / "home")
    env = app_environment(run_dir / "home", options.source)
    inside = {} if setup.tmux_passthrough is not None else setup.env
    script = run_dir / "run.sh"
    script.write_text(wrapper(env, inside, protocol, run_dir, options.image))
    (run_dir / "guess.py").write_text(GUESS)
    (run_dir / "tmux.conf").write_text(tmux_config(setup))
    socket = f"fluxtui-bench-{os.getpid()}-{setup.name}"
    terminal_env = {**env, "DISPLAY": options.display, "LIBGL_ALWAYS_SOFTWARE": "1"}
    if setup.tmux_passthrough is not None:
        terminal_env.update({k: v for k, v in setup.env.items() if v is not None})
    tmux = setup.executable("tmux")
    if "tmux" in setup.newer:  # the app's `tmux display-message` must talk to the same server
        terminal_env["PATH"] = f"{Path(tmux).parent}:{terminal_env['PATH']}"
    argv = terminal_argv(setup, script, socket, run_dir / "tmux.conf")
    with (run_dir / "terminal.log").open("wb") as log:
        terminal = subprocess.Popen(
            argv,
            env=terminal_env,
            cwd=run_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    tmux_socket = (tmux, socket) if setup.tmux_passthrough is not None else None
    try:
        if not _wait_for(run_dir / "started", terminal, 60):
            return _run(setup, protocol, run_dir, None, None, "the app did not start")
        time.sleep(options.settle)
        shot, box = _settled_preview(run_dir, options.display, options.wait)
        note = _leaked_title(*tmux_socket) if tmux_socket is not None else ""
        return _run(setup, protocol, run_dir, shot, box, note)
    finally:
        _end(run_dir, terminal, tmux_socket)


def _leaked_title(tmux: str, tmux_socket: str) -> str:
    """A note when a graphics sequence ended up in tmux's pane title (tmux reads APC as one)."""
    done = subprocess.run(
        [tmux, "-L", tmux_socket, "display-message", "-p", "#{pane_title}"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    title = done.stdout.strip()
    if re.search(r"(^|_)G[a-zA-Z]=|\x1b", title):
        return f"graphics sequence in the pane title: {title[:40]!r}"
    return ""


def wrapper(
    env: dict[str, str], inside: dict[str, str | None], protocol: str, run: Path, image: Path
) -> str:
    """The shell script the terminal runs: doctor (or textual-image's guess), then the app.

    With `protocol` IMG2SIXEL, libsixel's img2sixel draws the image instead of the app: what a
    clean Sixel encoder gives in this terminal.
    """
    lines = ["#!/bin/sh", f"cd {_q(run)}"]
    lines += [f"export {key}={_q(value)}" for key, value in env.items() if key != "PATH"]
    for key, setting in inside.items():
        lines.append(f"unset {key}" if setting is None else f"export {key}={_q(setting)}")
    if protocol not in ("auto", IMG2SIXEL):  # the doctor reads the setting the flag overrides
        lines.append(f"export FLUXTUI_IMAGE_PROTOCOL={_q(protocol)}")
    python = _q(sys.executable)
    lines += [
        "sleep 2",  # the terminal settles (fonts, first frame) as before a user types a command
        f"env | grep -E '^({'|'.join(SHOWN_ENV)})=' > env.txt",
        'echo "$WINDOWID" > windowid',
        # kitty on Xvfb's software GL answers its first questions after the probe's 90 ms; the
        # app, a second later, is answered in time: ask again, so the doctor says what it chose
        "for try in 1 2 3; do",
        f"  timeout --foreground 30 {python} -m fluxtui doctor --json > doctor.json 2> doctor.err",
        "  echo $? > doctor.rc",
        "  grep -q '\"owed\": 0' doctor.json && break",
        '  echo "doctor: answers owed, asked again" >> doctor.tries; sleep 1',
        "done",
        f"[ -s doctor.json ] || timeout --foreground 15 {python} guess.py 2> guess.err",
        "echo $$ > app.pid",
        "touch started",
    ]
    if protocol == IMG2SIXEL:
        width = REFERENCE_WIDTH
        lines += [f"printf '\\033[2J\\033[H'; img2sixel -w {width} {_q(image)}", "exec sleep 300"]
    else:
        lines.append(f"exec {python} -m fluxtui --demo --image-protocol {_q(protocol)}")
    return "\n".join(lines) + "\n"


def _q(value: object) -> str:
    return "'" + str(value).replace("'", "'\\''") + "'"


def _wait_for(path: Path, terminal: subprocess.Popen[bytes], limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not path.exists():
        if terminal.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _settled_preview(run_dir: Path, display: str, wait: float) -> tuple[Path, Box | None]:
    """Screenshots of the terminal window until the image is found twice in the same place."""
    window = (run_dir / "windowid").read_text().strip()
    path = run_dir.parent / f"{run_dir.name}.png"
    deadline = time.monotonic() + wait
    previous: Box | None = None
    while True:
        shot = _screenshot(display, window, run_dir / "root.png")
        box = find_image(shot)
        shot.save(path)
        if box is not None and previous is not None and _same(box, previous):
            return path, box
        if time.monotonic() > deadline:
            return path, box
        previous = box
        time.sleep(1.0)


def _screenshot(display: str, window: str, root_file: Path) -> Image.Image:
    """The X screen, cut to the terminal's window (its WINDOWID) when that is known."""
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(
        ["import", "-display", display, "-window", "root", str(root_file)],
        env=env,
        check=True,
        timeout=30,
        capture_output=True,
    )
    shot = Image.open(root_file).convert("RGB")
    if not window:
        return shot
    done = subprocess.run(
        ["xwininfo", "-id", window],  # xdotool counts a nested window's offset twice (mlterm)
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    geometry = {
        key.strip(): value.strip()
        for key, value in (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    }
    try:
        x, y = int(geometry["Absolute upper-left X"]), int(geometry["Absolute upper-left Y"])
        width, height = int(geometry["Width"]), int(geometry["Height"])
    except (KeyError, ValueError):
        return shot
    # a window taller than the screen (mlterm's 48 rows at 15 px) is cut at the screen's edge
    return shot.crop(
        (max(x, 0), max(y, 0), min(x + width, shot.width), min(y + height, shot.height))
    )


def _same(one: Box, other: Box) -> bool:
    pairs = zip(
        (one.left, one.top, one.right, one.bottom),
        (other.left, other.top, other.right, other.bottom),
        strict=True,
    )
    return all(abs(a - b) <= 2 for a, b in pairs)


def _run(
    setup: Setup, protocol: str, run_dir: Path, shot: Path | None, box: Box | None, note: str
) -> Run:
    """What the run left in `run_dir`: its environment, the doctor's answer or the guess."""
    env = dict(
        line.split("=", 1) for line in _read(run_dir / "env.txt").splitlines() if "=" in line
    )
    doctor = None
    if _read(run_dir / "doctor.json").strip():
        with suppress(ValueError):
            loaded = json.loads(_read(run_dir / "doctor.json"))
            doctor = loaded if isinstance(loaded, dict) else None
    guess = _read(run_dir / "guess.txt").strip().splitlines()
    return Run(setup, protocol, shot, box, env, doctor, guess[-1] if guess else "", note)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _end(
    run_dir: Path, terminal: subprocess.Popen[bytes], tmux_socket: tuple[str, str] | None
) -> None:
    """Stop the app (by its pid), tmux's server (by its socket) and the terminal."""
    pid = _read(run_dir / "app.pid").strip()
    _signal_app(pid, signal.SIGTERM)
    if tmux_socket is not None:
        subprocess.run(
            [tmux_socket[0], "-L", tmux_socket[1], "kill-server"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    _stop(terminal)
    time.sleep(0.5)
    _signal_app(pid, signal.SIGKILL)


def _signal_app(pid: str, signal_number: int) -> None:
    """Signal the app's process, if `pid` is still the app (its command line names fluxtui)."""
    if pid.isdigit() and b"fluxtui" in _cmdline(int(pid)):
        with suppress(ProcessLookupError):
            os.kill(int(pid), signal_number)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
