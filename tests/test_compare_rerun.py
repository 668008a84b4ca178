"""Changing a stored comparison: re-running one target, keeping a favourite."""

from __future__ import annotations

import pytest

from fluxtui.core import compare, compare_table
from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from fluxtui.core.pricing import PriceTable
from tests.test_compare import SMALL, THREE, cmp_engine, config  # noqa: F401 (fixtures)


async def test_rerunning_a_target_replaces_its_job_in_the_stored_comparison(
    cmp_engine: Engine,  # noqa: F811
) -> None:
    comparison, jobs = await compare.compare(cmp_engine, "a fox", SMALL, THREE[1:])
    comparison = compare.set_favourite(cmp_engine.store, comparison, jobs[1].id)
    updated, new = compare.rerun_target(cmp_engine, comparison, jobs[0])
    assert new.state is JobState.PENDING and new.group_id == comparison.id
    assert new.request == jobs[0].request and new.request.params["seed"] == 4242
    assert updated.job_ids == [new.id, jobs[1].id]
    assert updated.favourite == jobs[1].id  # another target's favourite stays
    assert cmp_engine.store.get_comparison(comparison.id) == updated
    assert cmp_engine.store.get(jobs[0].id) is not None  # the old job stays in the library
    await cmp_engine.run(new)
    again, again_jobs = compare.load(cmp_engine.store, comparison.id)
    assert [j.id for j in again_jobs] == [new.id, jobs[1].id]
    assert again_jobs[0].state is JobState.DONE

    rerun_favourite, _ = compare.rerun_target(cmp_engine, again, again_jobs[1])
    assert rerun_favourite.favourite is None  # its image is no longer the comparison's


async def test_a_favourite_must_belong_to_the_comparison(cmp_engine: Engine) -> None:  # noqa: F811
    comparison, jobs = await compare.compare(cmp_engine, "an owl", SMALL, THREE[:1])
    with pytest.raises(compare.NotFound):
        compare.set_favourite(cmp_engine.store, comparison, "not-a-job")
    kept = compare.set_favourite(cmp_engine.store, comparison, jobs[0].id)
    assert cmp_engine.store.get_comparison(comparison.id).favourite == jobs[0].id
    [row] = compare_table.rows(kept, jobs, PriceTable.with_overrides())
    assert row.favourite and row.marks[0] == "favourite"  # on the sheet and in the tables
    cleared = compare.set_favourite(cmp_engine.store, kept, None)
    assert cmp_engine.store.get_comparison(comparison.id) == cleared and cleared.favourite is None
