"""The library's lineage through the real app: the "made from" and "used in" lines of the entry
under the cursor, walking to its parent (`[`) and to a child (`]`, a chooser when there are
several), the chain view (`L`), a walk that the filters and the page would hide, and a parent
deleted since. The jobs are made by the real engine on the simulator: a first image, an edit of
it, an edit of the edit, and another edit of the first image with a local file beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select

from fluxtui.core.engine import Engine
from fluxtui.core.input_images import InputImage
from fluxtui.core.input_resolve import resolve_one
from fluxtui.core.models import GenerationRequest, Job, JobState, short_id
from fluxtui.core.store import Store
from fluxtui.tui.screens.job_chooser import JobChooser
from fluxtui.tui.screens.library import LibraryScreen
from tests.inputs_helpers import local_input
from tests.tui.helpers import ready, screen_text, type_text, wait_for
from tests.tui.test_library_screen import COUNT, open_library, seeded  # noqa: F401 (a fixture)


@dataclass(frozen=True)
class Family:
    root: Job  # "a lighthouse at dusk", from the prompt alone
    edit: Job  # "make the sky stormy", from root
    again: Job  # "add lightning", from edit
    other: Job  # "paint it in watercolour", from root and photo.png


async def _made(engine: Engine, prompt: str, model: str, *inputs: InputImage) -> Job:
    job = await engine.generate(GenerationRequest(prompt, "bfl", model, inputs=inputs))
    assert job.state is JobState.DONE, job.error
    return job


def _from(store: Store, job: Job) -> InputImage:
    """`job`'s image as the next input, named by its short id (as `--image 1a2b3c4d` does)."""
    return resolve_one(short_id(job.id), "image", lambda p: [j.snapshot() for j in store.find(p)])


@pytest.fixture
async def family(engine: Engine, store: Store, tmp_path: Path) -> Family:
    root = await _made(engine, "a lighthouse at dusk", "flux-pro-1.1")
    edit = await _made(engine, "make the sky stormy", "flux-kontext-pro", _from(store, root))
    again = await _made(engine, "add lightning", "flux-kontext-pro", _from(store, edit))
    photo = local_input(tmp_path / "photo.png")
    other = await _made(
        engine, "paint it in watercolour", "flux-kontext-pro", _from(store, root), photo
    )
    return Family(root, edit, again, other)


def panel_text(screen: LibraryScreen) -> str:
    return str(screen.panel.render())


async def settled(pilot, screen: LibraryScreen, job: Job, *words: str) -> str:
    """Once the cursor is on `job` and its lineage lines name every one of `words`: those lines."""
    return await wait_for(
        pilot,
        lambda: (
            screen.list.current is not None
            and screen.list.current.id == job.id
            and screen.panel.family is not None
            and all(w in panel_text(screen) for w in words)
            and panel_text(screen)
        ),
        f"the lineage of {job.request.prompt!r}",
    )


async def test_made_from_used_in_and_walking_to_the_parent_and_back(make_app, family):
    root, edit, again, other = family.root, family.edit, family.again, family.other
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        # newest first: other, again, edit, root
        lines = await settled(pilot, screen, other, "photo.png")
        assert f"{short_id(root.id)} “a lighthouse at dusk” bfl·flux-pro-1.1" in lines
        assert "photo.png (file)" in lines and "used in    no job yet" in lines
        await pilot.press("down")
        lines = await settled(pilot, screen, again, "make the sky stormy")
        assert f"made from  {short_id(edit.id)} “make the sky stormy”" in lines
        shown = screen_text(app)  # the lines are on the screen, under the list
        assert f"made from  {short_id(edit.id)}" in shown and "used in    no job yet" in shown

        await pilot.press("left_square_bracket")  # to the parent: the edit
        lines = await settled(pilot, screen, edit, "1 job")
        assert f"used in    1 job: {short_id(again.id)} “add lightning”" in lines
        await pilot.press("left_square_bracket")  # its parent: the first image
        lines = await settled(pilot, screen, root, "2 jobs")
        assert "made from  the prompt alone" in lines
        assert short_id(edit.id) in lines and short_id(other.id) in lines

        await pilot.press("left_square_bracket")  # nothing before the first image: said
        await wait_for(
            pilot,
            lambda: any("the prompt alone" in n.message for n in app._notifications),
            "why there is no parent",
        )
        await pilot.press("right_square_bracket")  # two children: a chooser, oldest first
        chooser = await wait_for(
            pilot, lambda: isinstance(app.screen, JobChooser) and app.screen, "the chooser"
        )
        options = chooser.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(2)] == [edit.id, other.id]
        assert f"{short_id(root.id)} is used in 2 jobs" in screen_text(app)
        await pilot.press("enter")
        await settled(pilot, screen, edit, "1 job")
        await pilot.press("right_square_bracket")  # one child: straight to it
        await settled(pilot, screen, again, "no job yet")


async def test_the_chain_view_lists_first_image_to_entry_and_opens_one(make_app, family):
    root, edit, again = family.root, family.edit, family.again
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        await pilot.press("down")
        await settled(pilot, screen, again, "make the sky stormy")
        await pilot.press("L")
        chooser = await wait_for(
            pilot, lambda: isinstance(app.screen, JobChooser) and app.screen, "the chain"
        )
        options = chooser.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == [root.id, edit.id, again.id]
        assert options.highlighted == 2  # on the entry itself
        text = screen_text(app)
        assert f"Chain of {short_id(again.id)}" in text and "◀ this entry" in text
        assert "↳" in text and "a lighthouse at dusk" in text
        await pilot.press("up", "up", "enter")
        await settled(pilot, screen, root, "2 jobs")
        assert app.screen is screen


async def test_a_parent_on_another_page_and_hidden_by_the_filters(make_app, seeded, family):  # noqa: F811
    edit, again = family.edit, family.again
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        # oldest first, searching "lightning": the edit of the edit alone
        screen.query_one("#lib-sort", Select).value = "oldest"
        await pilot.press("slash")
        await type_text(pilot, "lightning")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.list.pages.total == 1, "one match")
        await settled(pilot, screen, again, "make the sky stormy")
        await pilot.press("left_square_bracket")
        # its parent is hidden by the search, and past the first page of the whole library
        await settled(pilot, screen, edit, "1 job")
        assert screen.list.cursor == COUNT + 1  # the seeded jobs are older: then root, edit
        assert screen.query_one("#lib-search", Input).value == ""
        assert screen.query_one("#lib-sort", Select).value == "oldest"
        assert screen.list.pages.total == COUNT + 4
        assert any(
            f"the filters hid job {short_id(edit.id)}" in n.message for n in app._notifications
        )


async def test_a_deleted_parent_is_said_in_the_lines_the_walk_and_the_chain(
    make_app, family, store
):
    edit, again = family.edit, family.again
    assert store.delete(edit.id)
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        await pilot.press("down")  # other, then again
        lines = await settled(pilot, screen, again, "(deleted)")
        assert f"made from  {short_id(edit.id)} (deleted)" in lines
        await pilot.press("left_square_bracket")
        await wait_for(
            pilot,
            lambda: any("its input's job was deleted" in n.message for n in app._notifications),
            "why there is no parent to go to",
        )
        assert screen.list.current is not None and screen.list.current.id == again.id
        await pilot.press("L")
        chooser = await wait_for(
            pilot, lambda: isinstance(app.screen, JobChooser) and app.screen, "the chain"
        )
        assert chooser.query_one(OptionList).option_count == 1
        text = screen_text(app)
        assert f"{short_id(again.id)} was made from a job no longer in the library" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back to the library")
