"""Comparisons over the real simulator: targets, dropped params, concurrent runs, the table, the
contact sheet, the exports, and reopening a stored comparison."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from fluxtui.core import compare, compare_table, compare_text, exports
from fluxtui.core import config as config_module
from fluxtui.core.compare import TargetError
from fluxtui.core.comparison import Target, split_target
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.pricing import PriceTable
from fluxtui.core.redaction import REDACTED
from fluxtui.core.store import Store
from fluxtui.session import SIM_SERVICES

THREE = [
    Target("comet", "flux-pro-1.1"),
    Target("fal", "fal-ai/flux/dev"),
    Target("apiyi", "flux-2-pro"),
]
SMALL = {"width": 512, "height": 512, "seed": 4242}


def keyed_config(sim, tmp_path: Path, extra: str = "") -> Config:
    """Every built-in provider on the simulator with a usable key, plus `badfal`: fal's protocol
    with the key the simulator rejects (a target that fails on its own)."""
    lines = []
    for name in SIM_SERVICES:
        lines.append(
            f'[providers.{name}]\nbase_url = "{sim.base_url(name)}"\napi_key = "placeholder-key"\n'
        )
    lines.append(
        f'[providers.badfal]\nkind = "fal"\nbase_url = "{sim.base_url("fal")}"\n'
        'api_key = "sim-invalid-key"\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(extra + "\n" + "\n".join(lines))
    return config_module.load(path, env={})


@pytest.fixture
def config(sim, tmp_path: Path) -> Config:
    return keyed_config(sim, tmp_path)


@pytest.fixture
async def cmp_engine(config: Config, store: Store, tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine(config, store, library=tmp_path / "library") as running:
        yield running


# ---- targets and sets ---------------------------------------------------------------------------


def test_targets_parse_with_clear_errors(config: Config) -> None:
    assert compare.parse_target("fal:fal-ai/flux/dev", config) == Target("fal", "fal-ai/flux/dev")
    assert compare.parse_target("comet", config) == Target("comet", "flux-pro-1.1")
    assert split_target("x:") is None and split_target(" :m") is None
    with pytest.raises(
        TargetError,
        match=r"target 'nowhere:flux-dev': no provider is named "
        r"'nowhere' \(known: comet, bfl",
    ):
        compare.parse_target("nowhere:flux-dev", config)
    with pytest.raises(TargetError, match=r"target 'comet:' is not PROVIDER:MODEL"):
        compare.parse_target("comet:", config)
    with pytest.raises(TargetError, match="needs at least one target"):
        compare.resolve_targets(config)


def test_saved_sets_builtin_and_from_config(sim, tmp_path: Path) -> None:
    config = keyed_config(
        sim, tmp_path, '[sets]\nmine = ["comet:flux-dev", "fal"]\nflux1-pro = ["bfl:flux-pro"]\n'
    )
    assert compare.resolve_targets(config, sets=["mine"]) == [
        Target("comet", "flux-dev"),
        Target("fal", "fal-ai/flux/dev"),
    ]
    # the config's set replaces the built-in one of the same name; duplicates collapse
    assert compare.resolve_targets(config, ["bfl:flux-pro", "apiyi"], sets=["flux1-pro"]) == [
        Target("bfl", "flux-pro"),
        Target("apiyi", "flux-2-pro"),
    ]
    assert compare.saved_sets(config)["flux-pro-1.1"][0] == "comet:flux-pro-1.1"
    with pytest.raises(TargetError, match=r"no saved set is named 'nope' .*mine"):
        compare.resolve_targets(config, sets=["nope"])


def test_shared_params_fill_a_seed_and_a_size_once() -> None:
    shared = compare.shared_params({"steps": 20})
    assert isinstance(shared["seed"], int) and (shared["width"], shared["height"]) == (1024, 768)
    assert compare.shared_params({"aspect_ratio": "16:9", "seed": 3}) == {
        "aspect_ratio": "16:9",
        "seed": 3,
    }


def test_dropped_params_are_named_per_target(config: Config) -> None:
    targets = [
        Target("fal", "fal-ai/flux/dev"),
        Target("comet", "flux-pro-1.1"),
        Target("bfl", "flux-pro-1.1-ultra"),
    ]
    plans = compare.plan(config, "a fox", {**SMALL, "steps": 20, "safety_tolerance": 2}, targets)
    dropped = {str(p.target): p.dropped for p in plans}
    assert dropped == {
        "fal:fal-ai/flux/dev": ("safety_tolerance",),
        "comet:flux-pro-1.1": ("steps",),
        "bfl:flux-pro-1.1-ultra": ("steps",),  # its size is kept as a ratio
    }
    assert plans[2].request.params["aspect_ratio"] == "1:1"
    for p in plans:
        assert not set(p.dropped) & set(p.request.params)
        assert p.request.params["seed"] == 4242 and p.ok


def test_a_value_one_target_refuses_is_reported_with_its_target(config: Config) -> None:
    plans = compare.plan(
        config,
        "a fox",
        {"width": 2048, "height": 2048},
        [Target("apiyi", "flux-2-pro"), Target("comet", "flux-pro-1.1")],
    )
    assert [p.ok for p in plans] == [True, False]
    assert compare.problems_of(plans) == [
        "comet:flux-pro-1.1: width 2048 is out of range 256–1440 for flux-pro-1.1",
        "comet:flux-pro-1.1: height 2048 is out of range 256–1440 for flux-pro-1.1",
    ]


# ---- running ------------------------------------------------------------------------------------


async def test_three_targets_finish_and_the_table_matches_the_store(cmp_engine: Engine) -> None:
    comparison, jobs = await compare.compare(cmp_engine, "a red fox", SMALL, THREE)
    assert [j.state for j in jobs] == [JobState.DONE] * 3, [j.error for j in jobs]
    assert {j.group_id for j in jobs} == {comparison.id}
    assert comparison.targets == THREE
    stored = cmp_engine.store.get_comparison(comparison.id)
    assert stored == comparison

    rows = compare_table.rows(comparison, jobs, PriceTable.with_overrides())
    assert [r.target for r in rows] == THREE
    for row in rows:
        job = cmp_engine.store.get(row.job_id)
        timings = job.timings()
        assert (row.queued_s, row.running_s, row.download_s, row.total_s) == (
            timings["queued"],
            timings["running"],
            timings["download"],
            timings["total"],
        )
        assert (row.width, row.height) == (job.width, job.height) == (512, 512)
        assert row.file_bytes == sum(Path(f).stat().st_size for f in job.files) > 0
        assert row.seed == 4242
    prices = {str(r.target): r.price_usd for r in rows}
    assert prices == {
        "comet:flux-pro-1.1": None,
        "fal:fal-ai/flux/dev": 0.025,
        "apiyi:flux-2-pro": 0.03,
    }
    assert [str(r.target) for r in rows if r.cheapest] == ["fal:fal-ai/flux/dev"]
    fastest = min(r.total_s for r in rows)
    assert [r.target for r in rows if r.fastest] == [r.target for r in rows if r.total_s == fastest]


async def test_a_failing_target_shows_its_reason_and_the_others_finish(cmp_engine: Engine) -> None:
    targets = [Target("badfal", "fal-ai/flux/dev"), *THREE[:2]]
    comparison, jobs = await compare.compare(cmp_engine, "an owl", SMALL, targets)
    bad, *good = compare_table.rows(comparison, jobs, PriceTable.with_overrides())
    assert [r.state for r in good] == ["done", "done"]
    assert bad.state == "failed" and not bad.fastest and not bad.cheapest
    assert cmp_engine.store.get(bad.job_id).error.kind is ErrorKind.AUTH
    assert "sim-invalid-key" not in bad.reason and "key" in bad.reason.lower()
    assert bad.reason in compare_text.table_markdown([bad])


async def test_an_invalid_target_stops_the_whole_comparison_before_sending(
    cmp_engine: Engine, sim
) -> None:
    plans = compare.plan(
        cmp_engine.config,
        "too big",
        {"width": 2048, "height": 2048},
        [Target("apiyi", "flux-2-pro"), Target("comet", "flux-pro-1.1")],
    )
    with pytest.raises(InvalidRequest, match=r"comet:flux-pro-1\.1: width 2048"):
        compare.start(cmp_engine, "too big", {}, plans)
    assert cmp_engine.store.count() == 0 and cmp_engine.store.comparisons() == []
    # the TUI may keep the valid targets instead: the other is stored as "not sent"
    comparison, jobs = compare.start(cmp_engine, "too big", {}, plans, skip_invalid=True)
    assert len(jobs) == 1 and comparison.entries[1].job_id is None
    rows = compare_table.rows(
        comparison, await compare.run(cmp_engine, jobs), PriceTable.with_overrides()
    )
    assert rows[0].state == "done"
    assert rows[1].state == "not sent" and "width 2048" in rows[1].reason


async def test_a_comparison_reopens_from_the_store(cmp_engine: Engine) -> None:
    comparison, jobs = await compare.compare(
        cmp_engine, "a heron at dawn", SMALL, THREE[1:], set_name="mine"
    )
    again, again_jobs = compare.load(cmp_engine.store, comparison.id[:12])
    assert again == comparison and again.set_name == "mine"
    assert [j.id for j in again_jobs] == [j.id for j in jobs]
    assert [j.files for j in again_jobs] == [j.files for j in jobs]
    with pytest.raises(compare.NotFound, match="no comparison has the id 'cmp-none'"):
        compare.load(cmp_engine.store, "cmp-none")


# ---- the table and the sheet --------------------------------------------------------------------


async def test_exports_write_sheet_and_tables(cmp_engine: Engine, tmp_path: Path) -> None:
    targets = [*THREE, Target("badfal", "fal-ai/flux/dev")]
    comparison, jobs = await compare.compare(
        cmp_engine,
        "a red fox",
        {
            **SMALL,
            "webhook_url": "https://example.invalid/hook",
            "webhook_secret": "whsec-do-not-leak",
        },
        targets,
    )
    rows = compare_table.rows(comparison, jobs, PriceTable.with_overrides())
    folder = exports.comparison_folder(cmp_engine.library, comparison)
    written = exports.export_comparison(comparison, rows, folder)
    assert written.folder == cmp_engine.library / "comparisons" / comparison.id

    markdown = written.markdown.read_text()
    assert "| comet:flux-pro-1.1 | done |" in markdown and "unknown" in markdown
    assert "**cheapest**" in markdown and "failed:" in markdown
    table = list(csv.DictReader(io.StringIO(written.csv.read_text())))
    assert [r["target"] for r in table] == [str(t) for t in targets]
    assert table[0]["price_usd"] == "" and float(table[1]["price_usd"]) == 0.025
    assert float(table[0]["total_s"]) == jobs[0].timings()["total"]
    assert (table[0]["dropped"], table[1]["dropped"]) == ("", "webhook_url webhook_secret")
    data = json.loads(written.json.read_text())
    assert data["comparison"]["id"] == comparison.id
    assert data["comparison"]["params"]["webhook_secret"] == REDACTED
    assert [r["state"] for r in data["rows"]] == ["done", "done", "done", "failed"]
    for path in written.paths():
        assert "whsec-do-not-leak" not in path.read_bytes().decode("latin-1")
        assert "placeholder-key" not in path.read_bytes().decode("latin-1")

    with Image.open(written.sheet) as sheet:
        assert sheet.format == "PNG"
        sheet.load()
        _check_sheet(sheet, rows)


def _check_sheet(sheet: Image.Image, rows: list[compare_table.CompareRow]) -> None:
    """One cell per target in the layout's grid; each image box shows the image (or the state of a
    failed target) and each label band shows the labels, checked by rendering them alike."""
    layout = exports.sheet_layout(len(rows))
    assert (layout.columns, layout.rows) == (2, 2)
    assert sheet.size == layout.size
    font = exports._font(exports.FONT_SIZE)
    blank = Image.new("RGB", (layout.cell, layout.cell), exports.PLACEHOLDER)
    for index, row in enumerate(rows):
        box = layout.image_box(index)
        picture = sheet.crop(box)
        assert ImageChops.difference(picture, blank).getbbox() is not None
        if row.done:  # a 512×512 image scaled into the box fills it
            with Image.open(row.files[0]) as original:
                expected = original.convert("RGB").resize((layout.cell, layout.cell))
            difference = ImageChops.difference(picture, expected).convert("L")
            assert ImageStat.Stat(difference).mean[0] < 12  # the same picture, resampled
        label = sheet.crop(layout.label_box(index))
        for line, (text, colour) in enumerate(exports.cell_labels(row)):
            if not text:
                continue
            drawn = Image.new("RGB", label.size, exports.BACKGROUND)
            ImageDraw.Draw(drawn).text(
                (2, 4 + line * exports.LINE_HEIGHT),
                exports._fit(ImageDraw.Draw(drawn), text, font, layout.cell - 4),
                fill=colour,
                font=font,
            )
            top = 4 + line * exports.LINE_HEIGHT
            band = (0, top, label.size[0], top + exports.LINE_HEIGHT)
            assert drawn.crop(band).getbbox() is not None
            assert ImageChops.difference(label.crop(band), drawn.crop(band)).getbbox() is None, (
                f"cell {index} line {line} does not read {text!r}"
            )


def test_sheet_layout_grows_as_a_near_square_grid() -> None:
    shapes = {
        n: (exports.sheet_layout(n).columns, exports.sheet_layout(n).rows)
        for n in (1, 2, 3, 4, 5, 9, 10)
    }
    assert shapes == {1: (1, 1), 2: (2, 1), 3: (3, 1), 4: (2, 2), 5: (3, 2), 9: (3, 3), 10: (4, 3)}
    layout = exports.sheet_layout(5)
    assert layout.image_box(4)[0] == layout.image_box(1)[0]  # second row, second column
    assert layout.label_box(0)[1] == layout.image_box(0)[3]
