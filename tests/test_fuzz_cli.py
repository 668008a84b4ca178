"""Bad flags never crash: `fluxtui.cli.main` in-process with Hypothesis-made values.

Every input is refused with exit code 2 and a message naming the flag, or accepted. Nothing is
ever sent: no provider has a key (the autouse fixture), so an accepted `generate`/`compare` stops
at "no API key"; a tripwire in place of the engine fails the test if anything gets further. What
accepted flags turn into is checked on `requests_from_args` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from fluxtui import cli
from fluxtui.commands import compare as compare_command
from fluxtui.commands import generate as generate_command
from fluxtui.commands.requests import MAX_JSON_DEPTH, requests_from_args
from fluxtui.core import config as config_module
from fluxtui.core import paths
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.store import Store
from fluxtui.core.text import inert
from tests.fuzzing import (
    any_text,
    fuzz,
    numbers_as_text,
    odd_text,
    params,
    sizes,
    storable,
    valid_json_values,
)

#: what a refusal may echo at most (argparse's message is clipped; ours shorten values)
MAX_MESSAGE = 2_000

REQUEST_FLAGS: dict[str, st.SearchStrategy[str]] = {
    "--width": numbers_as_text,
    "--height": numbers_as_text,
    "--seed": numbers_as_text,
    "--steps": numbers_as_text,
    "--safety": numbers_as_text,
    "--guidance": numbers_as_text,
    "--timeout": numbers_as_text,
    "--size": sizes,
    "--aspect": any_text,
    "--format": odd_text | st.sampled_from(["png", "jpeg"]),
    "--param": params,
}
GENERATE_FLAGS = {
    **REQUEST_FLAGS,
    "--num-images": numbers_as_text,
    "--model": any_text,
    "--provider": any_text | st.sampled_from(["fal", "comet", "bfl"]),
    "--base-url": any_text
    | st.sampled_from(["ftp://x", "http://", "https://[::1", "http://h:99999"]),
}
COMPARE_FLAGS = {
    **REQUEST_FLAGS,
    "--target": any_text | st.sampled_from(["fal", "comet:flux-pro-1.1", ":x", "fal:", "a b:c"]),
    "--set": any_text | st.sampled_from(["flux1-pro", "providers"]),
}
HISTORY_FLAGS = {
    "--limit": numbers_as_text,
    "--offset": numbers_as_text,
    "--search": any_text,
    "--provider": any_text,
    "--model": any_text,
    "--state": odd_text | st.sampled_from(["done", "failed"]),
    "--sort": odd_text | st.sampled_from(["newest", "fastest"]),
    "--since": any_text
    | numbers_as_text
    | st.sampled_from(["today", "7d", "1e400d", "2025-13-01", "9" * 400 + "w", "2025-06-01 14:30"]),
}


Pairs = list[tuple[str, str]]  # (flag, value)


def flag_values(flags: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[Pairs]:
    pairs = st.sampled_from(sorted(flags)).flatmap(
        lambda flag: flags[flag].map(lambda value: (flag, value))
    )
    return st.lists(pairs, min_size=1, max_size=4)


def as_argv(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """`--flag=value`, so that values starting with "-" stay values."""
    return [f"{flag}={value}" for flag, value in pairs]


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's refusals
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def assert_handled(code: int, err: str, names: Iterable[str], *, accepted: int = 2) -> None:
    """Refused with a message naming one of `names`, or accepted (exit code `accepted`)."""
    assert "Traceback" not in err
    assert code in (2, accepted), err
    assert inert(err, multiline=True) == err, "stderr echoes an active control character"
    assert len(err) < MAX_MESSAGE, err[:500]
    if code == 2:
        assert any(name in err for name in names), err


@pytest.fixture
def nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    def tripwire(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a fuzzed command got past validation to the engine")

    monkeypatch.setattr(generate_command, "open_controller", tripwire)
    monkeypatch.setattr(compare_command, "open_controller", tripwire)


def names_of(pairs: Iterable[tuple[str, str]], *more: str) -> list[str]:
    return [name for flag, _ in pairs for name in (flag, flag.lstrip("-"))] + list(more)


@fuzz
@given(flag_values(GENERATE_FLAGS), any_text, st.booleans())
@example([("--param", "x=" + "[" * 40_000 + "]" * 40_000)], "fox", False)  # RecursionError
@example([("--param", "x=" + "[" * 30_000 + "]" * 30_000)], "fox", False)  # under the size limit
@example([("--param", "x=" + "1" * 5_000)], "fox", False)  # int() digit limit: ValueError
@example([("--size", "1" * 5_000 + "x1")], "fox", False)  # ValueError
@example([("--timeout", "nan")], "fox", False)  # was taken as a timeout
@example([("--guidance", "nan")], "fox", False)  # was sent as NaN
@example([("--model", "\udcff")], "fox", False)  # UnicodeEncodeError in the store
def test_generate_flags(
    nothing_is_sent: None,
    capsys: pytest.CaptureFixture[str],
    pairs: Pairs,
    prompt: str,
    as_json: bool,
) -> None:
    argv = ["generate", *as_argv(pairs), *(["--json"] if as_json else []), "--", prompt]
    code, err = run(capsys, argv)
    assert_handled(code, err, names_of(pairs, "prompt", "no API key"))


@fuzz
@given(flag_values(COMPARE_FLAGS), any_text)
@example([("--target", "fal:\udcff")], "fox")
@example([("--param", "x=NaN")], "fox")
def test_compare_flags(
    nothing_is_sent: None, capsys: pytest.CaptureFixture[str], pairs: Pairs, prompt: str
) -> None:
    code, err = run(capsys, ["compare", *as_argv(pairs), "--", prompt])
    assert_handled(code, err, names_of(pairs, "prompt", "PROMPT", "no API key", "target"))


@fuzz
@given(flag_values(HISTORY_FLAGS), st.booleans(), st.booleans())
@example([("--limit", "9" * 30)], False, False)  # OverflowError in SQLite
@example([("--offset", "9" * 30)], True, False)
@example([("--search", "\udcff")], False, False)  # UnicodeEncodeError in SQLite
@example([("--search", "a " * 1000)], False, False)  # OperationalError: expression tree too large
@example([("--search", "a " * 1000)], True, False)
def test_history_flags(
    capsys: pytest.CaptureFixture[str], pairs: Pairs, comparisons: bool, as_json: bool
) -> None:
    argv = ["history", *as_argv(pairs)] + ["--comparisons"] * comparisons + ["--json"] * as_json
    code, err = run(capsys, argv)
    assert_handled(code, err, names_of(pairs), accepted=0)


@fuzz
@given(any_text, any_text, st.booleans())
@example("\udcff", "out", False)  # UnicodeEncodeError in SQLite
@example("%", "out", False)  # a LIKE wildcard, which matched every job
def test_export_arguments(
    capsys: pytest.CaptureFixture[str], job_id: str, folder: str, as_json: bool
) -> None:
    code, err = run(capsys, ["export", *(["--json"] if as_json else []), "--", job_id, folder])
    assert_handled(code, err, ["ID", "id", "DIR"])


@pytest.fixture
def stored_job(tmp_path: Path) -> Job:
    """A finished job with an image on disk, and an odd prompt, in the user's (isolated) store."""
    image = tmp_path / "image.png"
    Image.new("RGB", (8, 8)).save(image)
    job = Job.create(GenerationRequest("a \x1b[2J fox \u202e", "fal", "fal-ai/flux/dev"))
    job.state, job.files, job.width, job.height = JobState.DONE, [str(image)], 8, 8
    store = Store(paths.store_file())
    store.save(job)
    store.close()
    return job


def _inside(folder: str) -> bool:
    """Whether `folder` stays in the test's directory (it is made and written to)."""
    return not folder.startswith(("/", "~")) and ".." not in folder


@fuzz
@given(
    st.one_of(
        any_text.filter(_inside),
        st.sampled_from(["a-file", "a-file/sub", "a-folder", "new/folder", ".", "/proc/none"]),
    ),
    st.booleans(),
)
@example("a-file", False)  # FileExistsError
@example("a-file/sub", False)  # NotADirectoryError
@example("x\x00", False)  # ValueError: embedded null byte
def test_export_to_any_folder(
    stored_job: Job,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    folder: str,
    as_json: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").touch()
    (tmp_path / "a-folder").mkdir(exist_ok=True)
    argv = ["export", *(["--json"] if as_json else []), "--", stored_job.id, folder]
    code, err = run(capsys, argv)
    assert_handled(code, err, ["DIR"], accepted=0)


@fuzz
@given(flag_values(HISTORY_FLAGS), st.booleans())
@example([("--search", "x" * 60_000)], False)  # OperationalError: LIKE pattern too complex
def test_history_of_a_stored_job(
    stored_job: Job, capsys: pytest.CaptureFixture[str], pairs: Pairs, as_json: bool
) -> None:
    code, err = run(capsys, ["history", *as_argv(pairs)] + ["--json"] * as_json)
    assert_handled(code, err, names_of(pairs), accepted=0)


@fuzz
@given(st.lists(any_text, max_size=3))
@example(["\udcff"])
def test_resume_ids(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], job_ids: list[str]
) -> None:
    class NoJobs:
        def resumable(self) -> list[Any]:
            return []

        def of_the_other_mode(self) -> list[Any]:
            return []

        def held_elsewhere(self) -> int:
            return 0

        def uncertain(self) -> list[Any]:
            return []

    @asynccontextmanager
    async def controller(*args: Any, **kwargs: Any) -> AsyncIterator[tuple[NoJobs, None]]:
        yield NoJobs(), None

    monkeypatch.setattr(generate_command, "open_controller", controller)
    code, err = run(capsys, ["resume", "--", *job_ids])
    assert_handled(code, err, ["ID"], accepted=0)


# ---- what accepted flags become ------------------------------------------------------------------

whole = st.integers(min_value=1, max_value=2**63 - 1)
finite = st.floats(allow_nan=False, allow_infinity=False)


@fuzz
@given(
    whole,
    whole,
    st.integers(0, 2**63 - 1),
    whole,
    finite,
    st.integers(1, MAX_JSON_DEPTH),
    st.integers(-(2**63), 2**63 - 1),
)
def test_accepted_flags_become_the_request(
    width: int, height: int, seed: int, steps: int, guidance: float, depth: int, number: int
) -> None:
    argv = [
        "generate",
        "a fox",
        "-p",
        "fal",
        f"--width={width}",
        f"--height={height}",
        f"--seed={seed}",
        f"--steps={steps}",
        f"--guidance={guidance!r}",
        "--param",
        "nested=" + "[" * depth + "]" * depth,
        "--param",
        f"n={number}",
        "--param",
        "text=not json",
    ]
    args = cli.build_parser().parse_args(argv)
    [request] = requests_from_args(args, config_module.load())
    assert request.params == {
        "width": width,
        "height": height,
        "seed": seed,
        "steps": steps,
        "guidance": guidance,
    }
    nested: Any = []
    for _ in range(depth - 1):
        nested = [nested]
    assert request.extra == {"nested": nested, "n": number, "text": "not json"}


@settings(fuzz, max_examples=min(fuzz.max_examples, 4))  # each runs a job on the simulator
@given(odd_text.filter(storable), valid_json_values)
def test_accepted_odd_text_runs_on_the_simulator(
    capsys: pytest.CaptureFixture[str], prompt: str, value: str
) -> None:
    code, err = run(
        capsys,
        [
            "generate",
            "--demo",
            "--json",
            "--size=512x512",
            f"--param=extra_field={value}",
            "--",
            prompt,
        ],
    )
    assert "Traceback" not in err
    assert code == 0, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--timeout", "nan"], "--timeout: must be a positive number of seconds, got nan"),
        (["--timeout=-1"], "--timeout: must be a positive number of seconds, got -1.0"),
        (["--timeout", "0"], "--timeout: must be a positive number of seconds, got 0.0"),
        (["--timeout", "inf"], "--timeout: must be a positive number of seconds, got inf"),
        (["--guidance", "nan"], "--guidance: 'nan' is not a finite number"),
        (["--width", "0", "--height", "5"], "--width: 0 is below the minimum 1"),
        (["--seed=-1"], "--seed: -1 is below the minimum 0"),
        (
            ["--param", "x=" + "[" * 40_000 + "]" * 40_000],
            "--param x: the value is 80,000 bytes, over the limit of 65,536",
        ),
        (
            ["--param", "x=" + "[" * 33 + "]" * 33],
            f"--param x: the value nests deeper than {MAX_JSON_DEPTH}",
        ),
        (["--param", "x=[1e999]"], "--param x: '1e999' is not a finite number"),
        (["--param", "x=NaN"], "--param x: NaN is not a finite number"),
        (["--param", "x=" + "1" * 5000], "--param x: '111"),
        (["--param", "a b=1"], "--param 'a b': a field name is letters, digits"),
        (["--param", "x=1", "--param", "x=2"], "--param x is given twice"),
        (["--size", "1" * 5000 + "x1"], "--size: '111"),
        (["--size", "0x768"], "--size: 0 is below the minimum 1"),
        (["--base-url", "ftp://x"], "--base-url: must start with http:// or https://"),
        (["--model", "\udcff"], "--model/-m: '\\udcff' holds '\\udcff', which is not UTF-8 text"),
        (["--format", "\x1b[2J"], "--format: invalid choice: '\\x1b[2J'"),
    ],
)
def test_refusals_name_the_flag_the_value_and_the_rule(
    nothing_is_sent: None, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, err = run(capsys, ["generate", "a fox", *argv])
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--limit", "9" * 30],
        ["--offset=-1"],
        ["--search", "\udcff"],
        ["--limit", "0"],
        ["--search", "a " * 33],
    ],
)
def test_history_refusals(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, err = run(capsys, ["history", *argv])
    assert code == 2 and argv[0].partition("=")[0] in err
