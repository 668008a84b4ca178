"""`fluxtui sweep`, driven as a user would: over real HTTP against the simulator (the session's, or
the one `--demo` starts), each axis kind, two axes, validation before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fluxtui.core import compare, paths
from fluxtui.core.store import Store
from tests.helpers import sim_jobs
from tests.test_cli import run_cli, write_config
from tests.test_cli_first_use import on_a_terminal

QUICK = "[[sim: queue=0.05, run=0.05]]"
BAD_FAL = '[providers.badfal]\nkind = "fal"\nbase_url = "{url}"\napi_key = "sim-invalid-key"\n'


def sent(sim, marker: str) -> list[dict[str, Any]]:
    return [j for j in sim_jobs(sim) if marker in j.get("prompt", "")]


def sweep_json(capsys, *argv: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(capsys, "sweep", *argv, "--json")
    return code, (json.loads(out) if out.strip() else {}), err


def test_a_seeds_axis_in_demo_mode_draws_the_seeds_and_stores_a_sweep(capsys) -> None:
    code, result, err = sweep_json(
        capsys, f"a kestrel {QUICK}", "-p", "bfl", "--seeds", "3", "--demo"
    )
    assert code == 0, err
    [axis] = result["axes"]
    assert axis["name"] == "seed" and len(set(axis["values"])) == 3
    assert "seed" not in result["params"]  # the seed is the axis, not a fixed field
    assert (result["params"]["width"], result["params"]["height"]) == (1024, 768)
    assert [r["seed"] for r in result["rows"]] == axis["values"]
    assert [c["seed"] for c in result["cells"]] == axis["values"]
    assert {r["state"] for r in result["rows"]} == {"done"}
    store = Store(paths.store_file())
    try:
        comparison, jobs = compare.load(store, result["id"])
    finally:
        store.close()
    assert comparison.is_sweep and [len(a.values) for a in comparison.axes] == [3]
    assert [e.cell for e in comparison.entries] == [(0,), (1,), (2,)]
    assert [j.request.param("seed") for j in jobs] == axis["values"]


def test_two_axes_guidance_by_steps_send_one_job_per_cell_row_by_row(sim, capsys) -> None:
    write_config(sim)
    marker = "two axes 7c1e"
    code, result, err = sweep_json(
        capsys,
        f"{marker} {QUICK}",
        "-p",
        "fal",
        "--seed",
        "11",
        "--vary",
        "guidance=2,3.5,5",
        "--vary",
        "steps=10,30",
    )
    assert code == 0, err
    assert [a["name"] for a in result["axes"]] == ["guidance", "steps"]
    assert result["cells"] == [
        {"guidance": g, "steps": s} for s in (10, 30) for g in (2, 3.5, 5)
    ]  # X varies fastest
    assert result["params"]["seed"] == 11 and {r["seed"] for r in result["rows"]} == {11}
    assert [r["cell"] for r in result["rows"]][:2] == [
        "guidance 2, steps 10",
        "guidance 3.5, steps 10",
    ]
    jobs = sent(sim, marker)
    assert len(jobs) == 6  # one submit per cell (they share a prompt: told apart by their fields)
    received = sorted(
        (j["received"]["guidance_scale"], j["received"]["num_inference_steps"]) for j in jobs
    )
    assert received == sorted((g, s) for s in (10, 30) for g in (2, 3.5, 5))
    # a line per change on stderr (not a terminal), each job named by its cell: they share
    # provider and model
    lines = err.splitlines()
    for cell in ("guidance 2, steps 10", "guidance 3.5, steps 30", "guidance 5, steps 30"):
        assert any(line.startswith(cell) and " done " in line for line in lines), (cell, err)
    assert not any(line.startswith("fal ") for line in lines)
    folder = Path(result["exports"]["folder"])
    assert folder == paths.library_dir() / "comparisons" / result["id"]
    assert (folder / "sheet.png").is_file()


def test_a_model_axis_reports_a_fixed_field_one_model_does_not_take(sim, capsys) -> None:
    write_config(sim)
    marker = "model axis 40bd"
    code, result, err = sweep_json(
        capsys,
        f"{marker} {QUICK}",
        "-p",
        "bfl",
        "--guidance",
        "3",
        "--vary",
        "model=flux-dev,flux-pro-1.1",
    )
    assert code == 0, err
    assert [r["target"] for r in result["rows"]] == ["bfl:flux-dev", "bfl:flux-pro-1.1"]
    assert [r["dropped"] for r in result["rows"]] == [[], ["guidance"]]
    assert "bfl:flux-pro-1.1 does not take guidance: dropped for it" in err
    assert sorted(j["model"] for j in sent(sim, marker)) == ["flux-dev", "flux-pro-1.1"]


def test_a_target_axis_with_a_failing_cell_exits_as_compare_and_says_why(sim, capsys) -> None:
    write_config(sim, extra=BAD_FAL.format(url=sim.base_url("fal")))
    marker = "target axis 9d02"
    code, out, err = run_cli(
        capsys,
        "sweep",
        f"{marker} {QUICK}",
        "--vary",
        "target=fal:fal-ai/flux/dev,badfal:fal-ai/flux/dev,bfl:flux-dev",
    )
    assert code != 0
    assert out.startswith("sweep cmp-")
    assert "target fal:fal-ai/flux/dev · fal:fal-ai/flux/dev" in out
    assert "failed" in out and "sheet:" in out
    assert "sim-invalid-key" not in out + err
    services = sorted(j["service"] for j in sent(sim, marker))
    assert services == ["bfl", "fal"]  # the bad key's submit was refused: no job was made


def test_a_cell_the_model_cannot_take_sends_nothing_and_names_the_cell(sim, capsys) -> None:
    write_config(sim)
    marker = "bad cell 3f0a"
    code, out, err = run_cli(
        capsys,
        "sweep",
        marker,
        "-p",
        "bfl",
        "--vary",
        "model=flux-dev,flux-pro-1.1",
        "--vary",
        "steps=10,20",
    )
    assert code == 2 and out == ""
    assert (
        "cell model flux-pro-1.1, steps 10 (bfl:flux-pro-1.1): its model does not take steps" in err
    )
    assert "cell model flux-pro-1.1, steps 20 (bfl:flux-pro-1.1)" in err
    assert "nothing was sent" in err
    code, _, err = run_cli(
        capsys, "sweep", marker, "-p", "bfl", "-m", "flux-dev", "--vary", "guidance=2,9"
    )
    assert code == 2 and "cell guidance 9 (bfl:flux-dev): guidance" in err
    assert "cell guidance 2" not in err
    assert sent(sim, marker) == []  # not one cell was sent


def test_bad_axes_are_refused_before_anything_is_sent(sim, capsys) -> None:
    write_config(sim)
    marker = "bad axes 5e11"
    cases = {
        ("--vary", "colour=1,2"): "--vary 'colour': not a field a sweep can vary",
        ("--vary", "guidance"): "is not NAME=V1,V2",
        ("--vary", "steps=10,x"): "--vary steps: 'x' is not a whole number",
        ("--vary", "steps=10,10"): "--vary steps: a value is given twice",
        (
            "--guidance",
            "3",
            "--vary",
            "guidance=2,4",
        ): "guidance is an axis: drop --guidance",
        ("--seed", "4", "--seeds", "3"): "seed is an axis: drop --seed (it fixes seed)",
        ("--seeds", "1,2", "--vary", "steps=1,2", "--vary", "guidance=2,3"): "one or two axes",
        ("-m", "flux-dev", "--vary", "model=a,b"): "model is an axis: drop -m",
        ("--vary", "target=nosuch:x"): "no provider is named 'nosuch'",
        ("--size", "512x512", "--vary", "size=512x512,768x768"): "size is an axis: drop --size",
        ("--vary", "params.webhook_secret=a,b"): "a secret field cannot be an axis",
        (): "a sweep needs an axis",
    }
    for flags, message in cases.items():
        code, out, err = run_cli(capsys, "sweep", marker, *flags)
        assert code == 2 and out == "", flags
        assert message in err, (flags, err)
    assert sent(sim, marker) == []


def test_a_provider_field_axis_goes_verbatim(sim, capsys) -> None:
    write_config(sim)
    marker = "params axis 61c0"
    code, result, err = sweep_json(
        capsys, f"{marker} {QUICK}", "-p", "fal", "--vary", "params.acceleration=none,high"
    )
    assert code == 0, err
    assert result["axes"] == [{"name": "params.acceleration", "values": ["none", "high"]}]
    assert sorted(j["received"]["acceleration"] for j in sent(sim, marker)) == ["high", "none"]


def test_a_stored_sweep_lists_exports_and_reopens_through_the_comparison_code(
    sim, capsys, tmp_path: Path
) -> None:
    write_config(sim)
    code, result, err = sweep_json(
        capsys, f"listed sweep {QUICK}", "-p", "fal", "--vary", "steps=4,8"
    )
    assert code == 0, err
    code, out, _ = run_cli(capsys, "history", "--comparisons")
    assert code == 0 and f"{result['id']}  " in out and "sweep of steps, 2 cells" in out
    assert "    steps 4 " in out and "    steps 8 " in out  # a line per cell
    code, out, err = run_cli(capsys, "export", result["id"], str(tmp_path / "out"), "--json")
    assert code == 0, err
    assert (tmp_path / "out" / "sheet.png").is_file()
    table = json.loads((tmp_path / "out" / "table.json").read_text())
    assert table["comparison"]["axes"] == [{"name": "steps", "values": [4, 8]}]
    assert [r["cell"] for r in table["rows"]] == ["steps 4", "steps 8"]


def test_the_budget_is_checked_for_the_whole_grid(sim, capsys) -> None:
    write_config(sim, extra="[budget]\ndaily = 0.10\n")
    marker = "grid over budget 8a4d"
    flags = ("-p", "bfl", "-m", "flux-dev", "--seeds", "1,2,3,4,5")
    code, out, err = run_cli(capsys, "sweep", f"{marker} {QUICK}", *flags)
    assert code == 2 and out == ""
    assert (
        "today's spend is $0.000 and this would add about $0.125, crossing the daily "
        "budget of $0.100"
    ) in err
    assert sent(sim, marker) == []
    code, result, err = sweep_json(capsys, f"{marker} {QUICK}", *flags[:-1], "1,2,3,4")
    assert code == 0, err  # four cells, $0.100: within it
    assert [r["seed"] for r in result["rows"]] == [1, 2, 3, 4]
    assert len(sent(sim, marker)) == 4


def test_the_live_display_names_each_cell() -> None:
    code, out, err = on_a_terminal(
        "sweep", f"a wren {QUICK}", "-p", "fal", "--vary", "steps=12,34", "--demo"
    )
    assert code == 0, err
    assert "Traceback" not in err
    frames = err.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    live = [line.replace("\x1b[2K", "") for line in frames]
    assert any(line.startswith("steps 12 ") for line in live), live
    assert any(line.startswith("steps 34 ") for line in live), live
    assert "steps 12" in out and "steps 34" in out  # the table, after
