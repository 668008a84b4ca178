"""`fluxtui compare`, the budget refusal of `generate`/`compare`, and `fluxtui spend`, driven as a
user would over the simulator."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from fluxtui.core import exports, paths
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.results import Handle
from fluxtui.core.store import Store
from tests.helpers import sim_jobs
from tests.test_cli import run_cli, write_config

BAD_FAL = '[providers.badfal]\nkind = "fal"\nbase_url = "{url}"\napi_key = "sim-invalid-key"\n'
TARGETS = ["-t", "comet:flux-pro-1.1", "-t", "fal:fal-ai/flux/dev", "-t", "apiyi:flux-2-pro"]


def submits(sim, marker: str) -> int:
    return len([j for j in sim_jobs(sim) if marker in j.get("prompt", "")])


def test_compare_json_table_sheet_and_library_exports(sim, capsys, tmp_path: Path) -> None:
    write_config(sim)
    sheet = tmp_path / "out" / "sheet.png"
    code, out, err = run_cli(
        capsys,
        "compare",
        "a red fox 51a7",
        *TARGETS,
        "--size",
        "512x512",
        "--seed",
        "9",
        "--steps",
        "20",
        "--json",
        "--sheet",
        str(sheet),
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["id"].startswith("cmp-") and result["params"]["seed"] == 9
    rows = {r["target"]: r for r in result["rows"]}
    assert list(rows) == ["comet:flux-pro-1.1", "fal:fal-ai/flux/dev", "apiyi:flux-2-pro"]
    assert {r["state"] for r in rows.values()} == {"done"}
    assert rows["comet:flux-pro-1.1"]["dropped"] == ["steps"]
    assert rows["fal:fal-ai/flux/dev"]["dropped"] == []
    assert rows["comet:flux-pro-1.1"]["price_usd"] is None  # unknown, not zero
    assert result["cheapest"] == ["fal:fal-ai/flux/dev"] and len(result["fastest"]) >= 1
    assert "comet:flux-pro-1.1 does not take steps: dropped for it" in err
    assert submits(sim, "a red fox 51a7") == 3
    with Image.open(sheet) as img:
        assert img.format == "PNG" and img.size == exports.sheet_layout(3).size
    assert exports.sheet_layout(3).columns == 3  # three cells in a row
    folder = paths.library_dir() / "comparisons" / result["id"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "sheet.png",
        "table.csv",
        "table.json",
        "table.md",
    ]
    assert Path(result["exports"]["sheet"]).read_bytes() == sheet.read_bytes()
    assert "placeholder-key" not in out + err


def test_compare_human_output_with_a_failing_target(sim, capsys) -> None:
    write_config(sim, extra=BAD_FAL.format(url=sim.base_url("fal")))
    code, out, err = run_cli(
        capsys,
        "compare",
        "an owl",
        "-t",
        "badfal:fal-ai/flux/dev",
        "-t",
        "bfl:flux-pro-1.1",
        "-t",
        "fal",
        "--size",
        "512x512",
    )
    assert code == 3  # a refused key, as `generate` reports it
    lines = out.splitlines()
    assert lines[0].startswith("comparison cmp-") and "an owl" in lines[0]
    assert lines[1].split()[:3] == ["target", "state", "queued"]
    bad = next(line for line in lines if line.startswith("badfal:"))
    assert "failed:" in bad and "key" in bad
    assert next(line for line in lines if line.startswith("bfl:flux-pro-1.1")).split()[1] == "done"
    assert "cheapest: fal:fal-ai/flux/dev" in out
    assert "sim-invalid-key" not in out + err


def test_compare_refuses_bad_targets_and_values_before_sending(sim, capsys) -> None:
    write_config(sim)
    before = len(sim_jobs(sim))
    code, out, err = run_cli(
        capsys,
        "compare",
        "a fox",
        "-t",
        "comet:flux-pro-1.1",
        "-t",
        "apiyi:flux-2-pro",
        "--size",
        "2048x2048",
    )
    assert code == 2 and out == ""
    assert "fluxtui: comet:flux-pro-1.1: width 2048 is out of range 256–1440" in err
    code, _, err = run_cli(capsys, "compare", "a fox", "-t", "nowhere:m")
    assert code == 2 and "no provider is named 'nowhere'" in err
    code, _, err = run_cli(capsys, "compare", "a fox")
    assert code == 2 and "at least one target" in err
    code, _, err = run_cli(capsys, "compare", "a fox", "--set", "nope")
    assert code == 2 and "no saved set is named 'nope'" in err
    assert len(sim_jobs(sim)) == before


def test_compare_a_saved_set_and_list_sets(sim, capsys) -> None:
    write_config(sim, extra='[sets]\npair = ["bfl:flux-dev", "fal:fal-ai/flux/schnell"]\n')
    code, out, _ = run_cli(capsys, "compare", "--list-sets")
    assert code == 0 and "pair" in out and "flux1-pro" in out
    code, out, err = run_cli(
        capsys, "compare", "a kite", "--set", "pair", "--size", "512x512", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["set_name"] == "pair"
    assert [r["target"] for r in result["rows"]] == ["bfl:flux-dev", "fal:fal-ai/flux/schnell"]


# ---- the budget ----------------------------------------------------------------------------------


def spent_today(usd_jobs: int) -> None:
    """Store `usd_jobs` finished bfl flux-pro-1.1 jobs from a paid (non-loopback) service: $0.04
    each."""
    store = Store(paths.store_file())
    for _ in range(usd_jobs):
        job = Job.create(GenerationRequest("earlier", "bfl", "flux-pro-1.1"))
        job.state, job.files, job.width, job.height = JobState.DONE, ["/x.jpg"], 1024, 768
        job.handle = Handle("bfl", "r", {"polling_url": "https://api.us1.bfl.ai/v1/get_result"})
        store.save(job)
    store.close()


def test_generate_refuses_a_run_that_crosses_the_daily_budget(sim, capsys) -> None:
    write_config(sim, extra="[budget]\ndaily = 0.10\n")
    spent_today(2)  # $0.08
    marker = "over budget 7c2e"
    code, out, err = run_cli(capsys, "generate", marker, "-p", "bfl", "-m", "flux-pro-1.1")
    assert code == 2 and out == ""
    assert (
        "fluxtui: over budget: today's spend is $0.080 and this would add about $0.040, "
        "crossing the daily budget of $0.100. Nothing was sent: add --over-budget"
    ) in err
    assert submits(sim, marker) == 0
    code, out, err = run_cli(
        capsys, "generate", marker, "-p", "bfl", "-m", "flux-pro-1.1", "--over-budget", "--json"
    )
    assert code == 0 and json.loads(out)["state"] == "done"
    assert "warning: over budget" in err and "sending anyway (--over-budget)" in err
    assert submits(sim, marker) == 1


def test_compare_checks_the_budget_for_all_its_targets(sim, capsys) -> None:
    write_config(sim, extra="[budget]\ndaily = 0.09\n")
    marker = "pair over budget 3b9d"
    code, _, err = run_cli(
        capsys,
        "compare",
        marker,
        "-t",
        "bfl:flux-pro-1.1",
        "-t",
        "bfl:flux-pro-1.1-ultra",
        "-t",
        "comet",
        "--size",
        "512x512",
    )
    assert code == 2
    assert (
        "today's spend is $0.000 and this would add about $0.100, crossing the daily "
        "budget of $0.090; the price of comet flux-pro-1.1 is unknown and not counted"
    ) in err
    assert submits(sim, marker) == 0


def test_a_run_near_the_budget_goes_with_a_note_and_demo_is_never_checked(sim, capsys) -> None:
    write_config(sim, extra="[budget]\ndaily = 0.05\n")
    code, _, err = run_cli(capsys, "generate", "a fox", "-p", "bfl", "-m", "flux-pro-1.1")
    assert code == 0 and "note: this takes today's spend to $0.040 of the daily budget" in err
    spent_today(2)
    code, _, err = run_cli(
        capsys, "generate", "a fox [[sim: queue=0.1, run=0.1]]", "-p", "bfl", "--demo"
    )
    assert code == 0 and "budget" not in err


def test_spend_reports_today(sim, capsys) -> None:
    write_config(sim, extra='[budget]\ndaily = 1\n[prices.comet]\n"flux-pro-1.1" = 0.03\n')
    spent_today(3)
    code, out, _ = run_cli(capsys, "spend", "--json")
    assert code == 0
    assert json.loads(out) == {
        "today_usd": 0.12,
        "reported_usd": 0.0,
        "estimated_usd": 0.12,
        "images": 3,
        "unpriced_images": 0,
        "budget": {"daily": 1.0, "session": None},
    }
    code, out, _ = run_cli(capsys, "spend", "--prices")
    assert "today: ~$0.120 (3 images, estimated) of a daily budget of $1.000" in out
    assert "comet:flux-pro-1.1" in out and "$0.030/image" in out
