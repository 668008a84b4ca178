"""Sweeps as data and plans: the record with axes round-trips and an old one without still loads;
the cells go row by row; the fixed fields are drawn once."""

from __future__ import annotations

import random

import pytest

from fluxtui.core import compare, sweep
from fluxtui.core.comparison import Axis, Comparison, ComparisonEntry, Target
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine


def test_a_sweep_record_round_trips_and_an_old_record_loads_without_axes(store) -> None:
    axes = (Axis("guidance", (2, 3.5)), Axis("steps", (10, 30)))
    entries = tuple(
        ComparisonEntry(Target("fal", "fal-ai/flux/dev"), None, cell=cell)
        for cell in sweep.cells_of(axes)
    )
    record = Comparison("cmp-1", 1.0, "a fox", {"seed": 3}, entries=entries, axes=axes)
    assert Comparison.from_dict(record.to_dict()) == record
    store.save_comparison(record)
    assert store.get_comparison("cmp-1") == record
    assert record.is_sweep and record.cell_text(entries[1]) == "guidance 3.5, steps 10"
    old = {
        "id": "cmp-2",
        "created_at": 2.0,
        "prompt": "an owl",
        "targets": [{"provider": "bfl", "model": "flux-dev", "job_id": None}],
    }
    loaded = Comparison.from_dict(old)
    assert not loaded.is_sweep and loaded.entries[0].cell == () and loaded.axes == ()
    assert "axes" not in loaded.to_dict()  # a plain comparison is stored as before


def test_cells_go_row_by_row_and_the_fixed_seed_is_drawn_once(sim_config: Config) -> None:
    axes = [Axis("guidance", (2, 3, 4)), Axis("steps", (10, 20))]
    assert list(sweep.cells_of(axes)) == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]
    planned = sweep.plan(
        sim_config, "a fox", {}, Target("fal", "fal-ai/flux/dev"), axes, rng=random.Random(5)
    )
    seeds = {p.request.param("seed") for p in planned.plans}
    assert len(seeds) == 1 and planned.params["seed"] in seeds
    assert [(p.request.param("guidance"), p.request.param("steps")) for p in planned.plans] == [
        (2, 10),
        (3, 10),
        (4, 10),
        (2, 20),
        (3, 20),
        (4, 20),
    ]
    assert (planned.params["width"], planned.params["height"]) == compare.DEFAULT_SIZE
    seeded = sweep.plan(
        sim_config,
        "a fox",
        {},
        Target("fal", "fal-ai/flux/dev"),
        [sweep.seeds_axis("3", rng=random.Random(1))],
    )
    assert "seed" not in seeded.params
    assert len({p.request.param("seed") for p in seeded.plans}) == 3


def test_axis_values_are_read_for_their_field(sim_config: Config) -> None:
    assert sweep.read_axis(sim_config, "safety", "1,2").values == (1, 2)
    assert sweep.read_axis(sim_config, "size", "512x512, 1024 x 768").values == (
        "512x512",
        "1024x768",
    )
    assert sweep.read_axis(sim_config, "prompt-upsampling", "on,off").values == (True, False)
    assert sweep.read_axis(sim_config, "target", "bfl").values == ("bfl:flux-pro-1.1",)
    assert sweep.read_axis(sim_config, "params.x", '3,"a",[1]').values == (3, "a", [1])
    with pytest.raises(sweep.SweepError, match="--vary output_format: 'gif' is not one of"):
        sweep.read_axis(sim_config, "format", "png,gif")
    with pytest.raises(sweep.SweepError, match="more than 16"):
        sweep.read_axis(sim_config, "steps", ",".join(map(str, range(1, 18))))
    with pytest.raises(sweep.SweepError, match="the grid has 72 cells, more than 64"):
        sweep.check_axes([Axis("steps", tuple(range(9))), Axis("seed", tuple(range(8)))], {})


async def test_a_stored_sweep_reopens_with_its_cells_and_reruns_one(engine: Engine) -> None:
    axes = (Axis("steps", (4, 8)),)
    planned = sweep.plan(
        engine.config,
        "a fox [[sim: queue=0.05, run=0.05]]",
        {},
        Target("fal", "fal-ai/flux/dev"),
        axes,
    )
    comparison, jobs = compare.start(
        engine, planned.prompt, planned.params, list(planned.plans), axes=planned.axes
    )
    await compare.run(engine, jobs)
    reopened, stored = compare.load(engine.store, comparison.id)
    assert reopened == comparison and [j.request.param("steps") for j in stored] == [4, 8]
    updated, new = compare.rerun_target(engine, reopened, stored[1])
    assert updated.axes == axes and updated.entries[1].cell == (1,)
    assert new.request.param("steps") == 8
