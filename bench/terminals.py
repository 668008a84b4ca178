"""How faithful the preview is in real terminals: xterm with and without Sixel, kitty, mlterm, tmux.

Starts Xvfb, makes one image with `fluxtui generate --demo` in isolated XDG dirs, then for each
setup (see `terminal_setups.py`) opens the terminal on the X screen running, in the same terminal,
`fluxtui doctor --json` (what the app detects and chooses) and then `fluxtui --demo`, whose
preview shows that job. It takes screenshots until the preview's image area is found twice in the
same place, and compares that area with the image file resized to it (`screen_measure.py`).

Per setup it prints: the terminal and its version, TERM/COLORTERM inside it, the protocol and
colour depth chosen (from `fluxtui doctor --json`; where there is no doctor command, what
textual-image detects, which is today's `auto`, marked `?`), the mean absolute error (0–255) of
the preview against the image, the share of pixels off by more than 64, and the aspect error
(preview w/h over the image's: negative when drawn too tall). Where no image is drawn at all, the
error is taken at the area a half-cell run in the same terminal draws. Screenshots stay in the
output directory, whose paths are printed.

Needs Xvfb, xterm, kitty, mlterm, tmux, ImageMagick's `import` and xwininfo (a setup whose terminal
is missing is skipped, saying why; `--protocol img2sixel` needs libsixel-bin). The setups with
kitty 0.28+ or tmux 3.4+ built with Sixel (`kitty-new`, `tmux-sixel*`, `tmux-in-kitty`) take them
from FLUXTUI_BENCH_KITTY / FLUXTUI_BENCH_TMUX or /opt/kitty-*, /opt/tmux-* (Debian 12 has neither:
build them from source). Not run by CI.

    python bench/terminals.py [--only xterm-sixel,kitty] [--protocol auto,sixel,img2sixel]
                              [--out DIR] [--source CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from screen_measure import Box, Measure, measure, painted_share
from terminal_run import IMG2SIXEL, Options, Run, app_environment, run_app, xvfb
from terminal_setups import COLUMNS, FONT, FONT_POINTS, ROWS, SETUPS, Setup, missing, version

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "a lighthouse at dusk"
SEED = 7
BLANK = 0.01  # a screenshot with less than this share painted shows nothing: the run is retried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated setup names")
    parser.add_argument(
        "--protocol",
        default="auto",
        help="--image-protocol for the app (comma-separated: each in turn); "
        f"{IMG2SIXEL}: libsixel draws the image instead, for reference",
    )
    parser.add_argument("--out", type=Path, default=None, help="where screenshots go")
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="the fluxtui checkout to run (default: this one)"
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before the first shot")
    parser.add_argument("--wait", type=float, default=25.0, help="seconds to wait for a preview")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what was started, as on ctrl+c
    names = [name for name in args.only.split(",") if name]
    unknown = sorted(set(names) - {setup.name for setup in SETUPS})
    if unknown:
        parser.error(
            f"no setup {', '.join(unknown)}; there are {', '.join(s.name for s in SETUPS)}"
        )
    setups = [setup for setup in SETUPS if not names or setup.name in names]
    protocols = [protocol for protocol in args.protocol.split(",") if protocol]
    for program in ("Xvfb", "import", "xwininfo"):
        if shutil.which(program) is None:
            sys.exit(f"terminals.py needs {program}")
    out = args.out or Path(tempfile.mkdtemp(prefix="fluxtui-terminals-"))
    out.mkdir(parents=True, exist_ok=True)
    image_file = generate(out / "template", args.source.resolve())
    reference = Image.open(image_file)
    reference.load()
    print(f"image: {image_file} ({reference.width}×{reference.height})", flush=True)
    with xvfb() as display:
        options = Options(display, out, args.source.resolve(), args.settle, args.wait, image_file)
        runs = [run_setup(setup, protocols, options, reference) for setup in setups]
    print_report([row for rows in runs for row in rows], setups, protocols, reference)


@dataclass(frozen=True)
class Row:
    """One line of the table, and what goes under it."""

    text: str
    name: str = ""
    why: str = ""  # the doctor's reasons
    shot: Path | None = None


def run_setup(
    setup: Setup, protocols: list[str], options: Options, reference: Image.Image
) -> list[Row]:
    """Each protocol's run in `setup`; a half-cell run too when one drew nothing (for its area)."""
    lacking = missing(setup)
    if lacking:
        print(f"{setup.name}: skipped: {'; '.join(lacking)}", flush=True)
        return [Row(f"| {setup.name} | not installed: {'; '.join(lacking)} |")]
    rows = []
    halfcell_box: Box | None = None
    for protocol in protocols:
        run = run_app(setup, protocol, options)
        if run.box is None and (run.shot is None or blank(run.shot)):
            print(f"{row_name(run)}: nothing on the screen; once more", flush=True)
            run = run_app(setup, protocol, options)
        if protocol == "halfcell" and run.box is not None:
            halfcell_box = run.box
        if run.box is None and run.shot is not None and halfcell_box is None:
            print(f"{setup.name}: no image found; a half-cell run gives the area", flush=True)
            halfcell_box = run_app(setup, "halfcell", options).box
        rows.append(
            Row(table_row(run, reference, halfcell_box), row_name(run), reasons(run), run.shot)
        )
        print(rows[-1].text, flush=True)
    return rows


def print_report(
    rows: list[Row], setups: list[Setup], protocols: list[str], reference: Image.Image
) -> None:
    """The Markdown table, what each setup is, the doctor's reasons and the screenshots."""
    print()
    print(
        f"Preview of a {reference.width}×{reference.height} image, `--image-protocol "
        f"{'/'.join(protocols)}`, {COLUMNS}×{ROWS} cells, {FONT} {FONT_POINTS} pt (mlterm 15 px):"
    )
    print()
    print(
        "| setup | terminal | detected | TERM, COLORTERM | protocol | colours | mean error | "
        "pixels off >64 | aspect error | preview (px) | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.text)
    print()
    for setup in setups:
        print(f"- {setup.name}: {setup.about}")
    print()
    print("`?`: no `fluxtui doctor` here; what textual-image 0.12 detects (today's auto).")
    for row in rows:
        if row.why:
            print(f"{row.name}: {row.why}")
    print("screenshots:")
    for row in rows:
        if row.shot is not None:
            print(f"  {row.shot}")


def generate(home: Path, source: Path) -> Path:
    """Make the image every run shows: one demo job, in `home`'s XDG dirs; its file."""
    shutil.rmtree(home, ignore_errors=True)
    env = app_environment(home, source)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fluxtui",
            "generate",
            "--demo",
            PROMPT,
            "--seed",
            str(SEED),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"fluxtui generate --demo failed ({done.returncode}): {done.stderr.strip()}")
    job = json.loads(done.stdout.strip().splitlines()[-1])
    return Path(job["files"][0])


def table_row(run: Run, reference: Image.Image, area: Box | None) -> str:
    """The run's line of the Markdown table."""
    setup = run.setup
    terminal = version(setup.executable(setup.terminal))
    if setup.tmux_passthrough is not None:
        terminal = f"{version(setup.executable('tmux'))} in {terminal}"
    term_vars = f"{run.env.get('TERM', '-')}, {run.env.get('COLORTERM', '-')}"
    protocol, colours = chosen(run)
    if run.protocol == IMG2SIXEL:
        protocol, colours = "sixel (img2sixel)", "—"
    note = run.note
    found: Measure | None = None
    aspect = "—"
    if run.shot is not None and run.box is not None:
        found = measure(Image.open(run.shot), run.box, reference)
        aspect = f"{found.aspect_error:+.1%}"
        if abs(found.aspect_error) > 0.35:
            note = note or "the largest painted area is not image-shaped: likely not the image"
    elif run.shot is not None and area is not None:
        found = measure(Image.open(run.shot), area, reference)
        note = note or "no image drawn: compared at the area a half-cell run draws"
    elif run.shot is not None:
        note = note or "no image drawn, and no half-cell area to compare at"
    error = f"{found.mean_error:.1f}" if found else "—"
    wrong = f"{found.wrong_share:.1%}" if found else "—"
    where = str(found.box) if found else "—"
    cells = (
        row_name(run),
        terminal,
        detected(run),
        term_vars,
        protocol,
        colours,
        error,
        wrong,
        aspect,
        where,
        note,
    )
    return "| " + " | ".join(cells) + " |"


def blank(shot: Path) -> bool:
    """Whether the terminal showed (next to) nothing: the app never painted."""
    return painted_share(Image.open(shot)) < BLANK


def row_name(run: Run) -> str:
    """The setup's name, and the protocol when it was forced."""
    forced = "" if run.protocol == "auto" else f", forced {run.protocol}"
    if run.protocol == IMG2SIXEL:
        forced = f", {IMG2SIXEL} (not the app)"
    return run.setup.name + forced


def detected(run: Run) -> str:
    """What the probe says the terminal is (doctor's `terminal`), or "?" without a doctor."""
    terminal = run.doctor.get("terminal") if run.doctor is not None else None
    if not isinstance(terminal, dict):
        return "?"
    words = [str(terminal.get(key) or "") for key in ("name", "version")]
    found = " ".join(word for word in words if word) or "unidentified"
    if terminal.get("sixel_registers"):
        found += f", {terminal['sixel_registers']} Sixel registers"
    if terminal.get("cell_px"):
        found += ", cell {}×{} px".format(*terminal["cell_px"])
    tmux = terminal.get("tmux")
    if isinstance(tmux, dict):
        setting = tmux.get("passthrough")
        passthrough = "on" if setting is True else "off" if setting is False else "?"
        found += f" in tmux {tmux.get('version') or '?'} (passthrough {passthrough})"
    return found


def reasons(run: Run) -> str:
    """The doctor's reasons for the protocol and colours, for the lines under the table."""
    choice = run.doctor.get("choice") if run.doctor is not None else None
    if not isinstance(choice, dict):
        return ""
    return f"{choice.get('reason', '')}; colours: {choice.get('colors_reason', '')}"


def chosen(run: Run) -> tuple[str, str]:
    """The protocol and colour depth: the doctor's, else what today's code implies, with `?`."""
    if run.doctor is not None:
        choice = run.doctor.get("choice")
        source = choice if isinstance(choice, dict) else run.doctor
        protocol = str(_find(source, "protocol") or _find(run.doctor, "protocol") or "?")
        if _find(source, "tmux_passthrough") is True:
            protocol += " (tmux passthrough)"
        if _find(source, "fallback"):
            protocol += f" (fallback: {_find(source, 'fallback')})"
        return protocol, str(_find(source, "colors") or _find(run.doctor, "colors") or "?")
    protocol = run.protocol if run.protocol != "auto" else (run.guess or "unknown")
    colorterm, term = run.env.get("COLORTERM", ""), run.env.get("TERM", "")
    if colorterm in ("truecolor", "24bit"):
        colours = "truecolor"
    else:
        colours = "256" if term.endswith("256color") else "16"
    return f"{protocol}?", f"{colours}?"


def _find(data: object, key: str) -> object:
    """The first value under `key` anywhere in nested dicts and lists, or None."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        values: list[object] = list(data.values())
    elif isinstance(data, list):
        values = list(data)
    else:
        return None
    for value in values:
        found = _find(value, key)
        if found is not None:
            return found
    return None


if __name__ == "__main__":
    main()
