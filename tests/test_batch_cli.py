"""`fluxtui batch`, driven as a user would, against the simulator over real HTTP: bad lines named
by number, re-runs that send only what is missing, the budget, `--out`, `batch.csv`, exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from fluxtui.commands.batch_output import CSV_COLUMNS
from tests.helpers import sim_jobs
from tests.test_cli import run_cli, write_config


def submits(sim, marker: str) -> dict[str, int]:
    """Each prompt holding `marker` the simulator took, and how many submits it took for it."""
    counts: dict[str, int] = {}
    for job in sim_jobs(sim):
        if marker in job["prompt"]:
            counts[job["prompt"]] = counts.get(job["prompt"], 0) + 1
    return counts


def jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(item if isinstance(item, str) else json.dumps(item) for item in lines)
    )
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        return list(reader)


def test_a_twelve_line_batch_with_two_bad_lines_makes_the_other_ten(sim, capsys, tmp_path) -> None:
    write_config(sim)
    marker = "batch12 5e1a"
    lines: list[object] = [{"prompt": f"{marker} {n}", "seed": n} for n in range(1, 13)]
    lines[3] = {"prompt": f"{marker} 4", "seed": -1}  # line 4: a seed below 0
    lines[8] = {"prompt": f"{marker} 9", "sead": 3}  # line 9: no such field
    lines[0] = {"prompt": f"{marker} 1", "seed": 1, "name": "the first: fox/1"}
    source = jsonl(tmp_path / "prompts.jsonl", lines)
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        capsys, "batch", str(source), "-p", "bfl", "--size", "512x512", "--out", str(out)
    )
    assert code == 2  # not every line made its image: the bad ones are bad input
    assert "fluxtui: line 4: seed: -1 is below the minimum 0" in err
    assert "fluxtui: line 9: 'sead' is not a field" in err
    assert "10 of 12 lines made their image (0 failed, 2 invalid, 0 not sent)" in stdout
    taken = submits(sim, marker)
    assert sorted(taken) == sorted(f"{marker} {n}" for n in range(1, 13) if n not in (4, 9))
    assert set(taken.values()) == {1}
    names = sorted(p.name for p in out.iterdir())
    expected = ["the_first_fox_1.jpg"] + [f"{n:04d}.jpg" for n in (2, 3, 5, 6, 7, 8, 10, 11, 12)]
    assert names == sorted([*expected, "batch.csv"])
    rows = read_csv(out / "batch.csv")
    assert [row["line"] for row in rows] == [str(n) for n in range(1, 13)]
    by_line = {row["line"]: row for row in rows}
    assert by_line["4"]["state"] == "invalid" and "seed" in by_line["4"]["error"]
    assert by_line["9"]["state"] == "invalid"
    done = by_line["5"]
    assert done["state"] == "done" and done["seed"] == "5" and done["provider"] == "bfl"
    assert Path(done["files"]).is_file() and done["out"] == str(out / "0005.jpg")
    assert float(done["total_s"]) > 0 and done["cost_usd"] != ""
    assert by_line["1"]["name"] == "the first: fox/1"


def test_stop_on_error_refuses_bad_lines_before_sending_anything(sim, capsys, tmp_path) -> None:
    write_config(sim)
    marker = "batch strict 0c3d"
    source = jsonl(
        tmp_path / "b.jsonl", [{"prompt": f"{marker} 1"}, {"prompt": f"{marker} 2", "steps": 0}]
    )
    code, _, err = run_cli(capsys, "batch", str(source), "-p", "bfl", "--stop-on-error")
    assert code == 2 and "line 2: steps: 0 is below the minimum 1" in err
    assert submits(sim, marker) == {}
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n")
    code, out, err = run_cli(capsys, "batch", str(empty))
    assert (code, out) == (2, "") and "holds no lines to run" in err


def test_dry_run_reports_every_bad_line_prices_the_rest_and_sends_nothing(
    sim, capsys, tmp_path
) -> None:
    write_config(sim)
    marker = "batch dry 71b0"
    source = jsonl(
        tmp_path / "dry.jsonl",
        [
            {"prompt": f"{marker} 1", "model": "flux-pro-1.1"},
            {"prompt": f"{marker} 2", "width": 512},
            "not json",
            {"prompt": f"{marker} 4", "model": "flux-pro-1.1", "size": "640x480"},
            {"prompt": f"{marker} 5", "format": "gif"},
        ],
    )
    code, out, err = run_cli(capsys, "batch", str(source), "-p", "bfl", "--dry-run")
    assert code == 2
    assert "line 2: give --width and --height together" in err
    assert "line 3: not a JSON object" in err
    assert "line 5: format: 'gif' is not one of png, jpeg, webp" in err
    assert "line 1: would send bfl flux-pro-1.1" in out
    assert "line 4: would send bfl flux-pro-1.1 width=640 height=480" in out
    assert "dry run: 2 to send" in out and "estimated cost ~$0.080; nothing was sent" in out
    assert submits(sim, marker) == {}
    code, out, _ = run_cli(capsys, "batch", str(source), "-p", "bfl", "--dry-run", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["line"] for e in events if e["event"] == "would_send"] == [1, 4]
    assert events[-1]["event"] == "dry_run" and events[-1]["estimated_usd"] == pytest.approx(0.08)
    assert submits(sim, marker) == {}
    code, out, _ = run_cli(capsys, "batch", "--list")
    assert code == 0 and "dry.jsonl" not in out  # a dry run stores no batch


def test_running_a_file_again_sends_only_the_lines_without_an_image(sim, capsys, tmp_path) -> None:
    write_config(sim)
    marker = "batch again 4d2f"
    source = tmp_path / "prompts.txt"
    source.write_text(f"# a comment\n{marker} fox\n\n{marker} fox\n{marker} owl\n")
    code, out, err = run_cli(capsys, "batch", str(source), "-p", "fal", "--json")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert sorted(e["line"] for e in events if e["event"] == "line") == [2, 4, 5]
    summary = events[-1]
    assert summary["event"] == "summary" and summary["made"] == 3 and summary["exit_code"] == 0
    assert submits(sim, marker) == {f"{marker} fox": 2, f"{marker} owl": 1}  # the same line twice
    source.write_text(f"{marker} fox\n{marker} fox\n{marker} owl at night\n")  # one line edited
    code, out, err = run_cli(capsys, "batch", str(source), "-p", "fal", "--json")
    assert code == 0 and "2 line(s) have their image already" in err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["line"] for e in events if e["event"] == "line"] == [3]
    assert events[-1]["batch"] == summary["batch"] and events[-1]["made"] == 3
    assert submits(sim, marker) == {
        f"{marker} fox": 2,
        f"{marker} owl": 1,
        f"{marker} owl at night": 1,
    }
    code, out, err = run_cli(capsys, "batch", "--resume", summary["batch"][4:12])
    assert code == 0 and "3 line(s) have their image already" in err
    assert "3 of 3 lines made their image" in out
    assert sum(submits(sim, marker).values()) == 4
    code, out, _ = run_cli(capsys, "history", "--batch", summary["batch"], "--json")
    prompts = sorted(json.loads(line)["prompt"] for line in out.splitlines())
    # every job the batch made, the edited line's first version too
    assert prompts == sorted([f"{marker} {p}" for p in ("fox", "fox", "owl at night", "owl")])
    code, out, _ = run_cli(capsys, "batch", "--list")
    assert summary["batch"] in out and "3 lines (3 made)" in out


def test_csv_from_stdin_with_params_and_defaults(sim, capsys, tmp_path, monkeypatch) -> None:
    write_config(sim)
    marker = "batch csv 9a7e"
    table = (
        "prompt,seed,params,name\n"
        f'"{marker} one, with a comma",11,"{{""num_inference_steps"": 3}}",one\n'
        f"{marker} two,12,,\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(table))
    out = tmp_path / "csv-out"
    code, _, err = run_cli(
        capsys, "batch", "-", "-p", "fal", "--param", "num_inference_steps=7", "--out", str(out)
    )
    assert code == 0, err
    received = {j["prompt"]: j["received"] for j in sim_jobs(sim) if marker in j["prompt"]}
    assert received[f"{marker} one, with a comma"]["num_inference_steps"] == 3
    assert received[f"{marker} two"]["num_inference_steps"] == 7  # the flag's default
    assert received[f"{marker} two"]["seed"] == 12
    assert sorted(p.name for p in out.iterdir()) == ["0003.jpg", "batch.csv", "one.jpg"]
    monkeypatch.setattr("sys.stdin", io.StringIO(table))  # the same text again: nothing to send
    code, out_text, err = run_cli(
        capsys, "batch", "-", "-p", "fal", "--param", "num_inference_steps=7"
    )
    assert code == 0 and "2 line(s) have their image already" in err
    first = out_text.split(":")[0]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{marker} three\n"))  # other text: its own batch
    code, out_text, _ = run_cli(capsys, "batch", "-", "-p", "fal")
    assert code == 0 and out_text.split(":")[0] != first
    assert len([j for j in sim_jobs(sim) if marker in j["prompt"]]) == 3


def test_a_failed_line_stops_the_batch_with_stop_on_error(sim, capsys, tmp_path) -> None:
    write_config(sim)
    marker = "batch stop 2b8c"
    source = tmp_path / "s.txt"
    source.write_text(f"{marker} 1\n{marker} 2 [[sim: status=Error]]\n{marker} 3\n{marker} 4\n")
    code, out, err = run_cli(
        capsys, "batch", str(source), "-p", "bfl", "--concurrency", "1", "--stop-on-error"
    )
    assert code == 1
    assert "stopped: line 2 failed (--stop-on-error)" in err
    assert "1 of 4 lines made their image (1 failed, 0 invalid, 2 not sent)" in out
    assert sorted(submits(sim, marker)) == [f"{marker} 1", f"{marker} 2 [[sim: status=Error]]"]
    code, out, err = run_cli(capsys, "batch", str(source), "-p", "bfl", "--concurrency", "1")
    assert code == 1  # line 2 fails again; 3 and 4 are made now, line 1 is left as it is
    assert "3 of 4 lines made their image (1 failed, 0 invalid, 0 not sent)" in out


# ---- the budget ----------------------------------------------------------------------------------


def test_the_budget_refuses_a_batch_whose_estimate_crosses_it(sim, capsys, tmp_path) -> None:
    write_config(sim, extra="[budget]\nsession = 0.10\n")
    marker = "batch over 6f1e"
    source = tmp_path / "b.txt"
    source.write_text("\n".join(f"{marker} {n}" for n in range(5)))
    code, out, err = run_cli(capsys, "batch", str(source), "-p", "bfl", "-m", "flux-pro-1.1")
    assert code == 2 and out == ""
    assert (
        "over budget: this session's spend is $0.000 and this would add about $0.200, crossing "
        "the session budget of $0.100. Nothing was sent"
    ) in err
    assert submits(sim, marker) == {}


def test_the_budget_stops_a_batch_at_the_limit_as_it_runs(sim, capsys, tmp_path) -> None:
    # priced at $0.01 here, the simulator reports $0.04 a job: the estimate passes, the spend
    # reaches the limit after the fourth line and the rest are not sent
    prices = '[prices.bfl]\n"flux-pro-1.1" = 0.01\n'
    write_config(sim, extra=f"[budget]\nsession = 0.15\n{prices}")
    marker = "batch limit 8d4a"
    source = tmp_path / "b.txt"
    source.write_text("\n".join(f"{marker} {n}" for n in range(1, 9)))
    code, out, err = run_cli(
        capsys, "batch", str(source), "-p", "bfl", "-m", "flux-pro-1.1", "--concurrency", "1"
    )
    assert code == 2
    assert "stopped: over budget before line 5: this session's spend is $0.160" in err
    assert "4 of 8 lines made their image (0 failed, 0 invalid, 4 not sent); spent $0.160" in out
    assert sorted(submits(sim, marker)) == [f"{marker} {n}" for n in range(1, 5)]


def test_a_refused_line_gives_generate_s_exit_code_and_json_names_every_line(
    sim, capsys, tmp_path
) -> None:
    write_config(sim)
    marker = "batch refused 1f6c"
    source = jsonl(
        tmp_path / "r.jsonl",
        [
            {"prompt": f"{marker} 1"},
            {"prompt": f"{marker} 2 [[sim: status=Request Moderated]]", "name": "two"},
            {"prompt": f"{marker} 3", "guidance": "lots"},
        ],
    )
    code, out, _ = run_cli(capsys, "batch", str(source), "-p", "bfl", "--json")
    assert code == 3  # the first line that made no image says: line 2, refused by the provider
    assert json.loads(out.splitlines()[-1])["exit_code"] == 3
    events = {e["line"]: e for e in map(json.loads, out.splitlines()) if "line" in e}
    assert events[3]["event"] == "invalid" and events[3]["error"].startswith("guidance: ")
    assert events[2]["state"] == "moderated" and events[2]["name"] == "two"
    assert events[1]["state"] == "done" and Path(events[1]["files"][0]).is_file()
    kept = source.read_text().splitlines()
    source.write_text("\n".join([kept[0], kept[2]]))  # the refused line taken out
    code, out, _ = run_cli(capsys, "batch", str(source), "-p", "bfl", "--json")
    assert code == 2  # line 1 was made before; line 3 is bad input
    assert [json.loads(line)["event"] for line in out.splitlines()] == ["invalid", "summary"]


def test_a_line_s_images_are_read_from_the_batch_file_s_folder(sim, capsys, tmp_path) -> None:
    from tests.inputs_helpers import image_bytes

    write_config(sim)
    marker = "batch edit 0a9e"
    folder = tmp_path / "shoot"
    folder.mkdir()
    picture = image_bytes((64, 48))
    (folder / "mug.png").write_bytes(picture)
    source = jsonl(
        folder / "edits.jsonl",
        [{"prompt": f"{marker} make it red", "model": "flux-kontext-pro", "images": ["mug.png"]}],
    )
    code, _, err = run_cli(capsys, "batch", str(source), "-p", "bfl")
    assert code == 0, err
    [job] = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    [given] = job["inputs"]
    assert given["field"] == "input_image" and given["bytes"] == len(picture)


def test_on_a_terminal_a_bar_counts_the_lines_over_the_running_jobs(sim, tmp_path) -> None:
    from tests.test_cli_first_use import on_a_terminal

    write_config(sim)
    source = tmp_path / "three.txt"
    source.write_text("batch tty 7e3a one\nbatch tty 7e3a two\nbatch tty 7e3a three\n")
    code, out, err = on_a_terminal("batch", str(source), "-p", "fal", "--concurrency", "2")
    assert code == 0 and "3 of 3 lines made their image" in out
    frames = err.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line) for line in frames]  # no escapes
    bars = [line for line in lines if " lines · " in line]
    assert any("0/3 lines · 0 done · 0 failed · 2 running" in line for line in bars)
    assert all(len(line) <= 80 for line in bars)  # cut to the terminal, not wrapped
    assert sum(line.startswith("line ") and ": done: " in line for line in lines) == 3
