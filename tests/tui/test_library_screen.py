"""The library through the real app, on a store seeded here: the list with thumbnails, paging,
search and filters, sorting, and the entry's actions (show, to form, re-run, export, copy path,
delete, reopen its comparison)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image
from textual.widgets import Input, Select

from fluxtui.core import thumbnails
from fluxtui.core.comparison import Comparison, ComparisonEntry, Target
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui.screens.compare import CompareScreen
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.library import LibraryScreen
from fluxtui.tui.screens.path_prompt import PathPrompt
from fluxtui.tui.widgets.halfcell import HalfcellImage
from fluxtui.tui.widgets.library_list import LibraryList
from tests.tui.helpers import ready, screen_text, type_text, until, wait_for, with_tui

COUNT = 150  # more than a page
PROVIDERS = (("fal", "fal-ai/flux/dev"), ("bfl", "flux-pro-1.1"), ("comet", "flux-pro-1.1"))
COLOURS = ((200, 60, 40), (40, 120, 200), (60, 180, 90))


def made_up_job(index: int, now: float, folder: Path) -> Job:
    """Job `index` of the seeded store: newest first by index, every 7th failed, the others done
    with a real image; time to image grows with `index % 10`."""
    provider, model = PROVIDERS[index % 3]
    animal = ("red fox", "grey heron", "snow owl")[index % 3]
    request = GenerationRequest(
        f"a {animal} number {index}",
        provider,
        model,
        {"width": 64, "height": 48, "seed": 1000 + index},
    )
    job = Job.create(request)
    job.id = f"{index:06d}job"
    created = now - index * 600  # ten minutes apart: the oldest are days old
    job.created_at = created
    seconds = 2.0 + index % 10
    job.history = [
        StateChange(JobState.PENDING, created),
        StateChange(JobState.SUBMITTED, created + 0.2),
        StateChange(JobState.QUEUED, created + 0.3),
        StateChange(JobState.RUNNING, created + 1.0),
    ]
    if index % 7 == 3:
        job.state = JobState.FAILED
        job.error = JobError(ErrorKind.SERVER, f"{provider} failed (500): try again")
        job.history.append(StateChange(JobState.FAILED, created + seconds, job.error.message))
        return job
    path = folder / f"{job.id}.png"
    Image.new("RGB", (64, 48), COLOURS[index % 3]).save(path)
    job.state = JobState.DONE
    job.files, job.seed, job.width, job.height = [str(path)], 1000 + index, 64, 48
    job.history += [
        StateChange(JobState.DOWNLOADING, created + seconds - 0.1),
        StateChange(JobState.DONE, created + seconds),
    ]
    return job


@pytest.fixture
def seeded(tmp_path: Path) -> list[Job]:
    folder = tmp_path / "library" / "seeded"
    folder.mkdir(parents=True)
    now = time.time()
    jobs = [made_up_job(i, now, folder) for i in range(COUNT)]
    jobs[1].group_id = "cmp-seeded"
    jobs[2].group_id = "cmp-seeded"
    store = Store(tmp_path / "jobs.sqlite3")
    for job in jobs:
        store.save(job)
    store.save_comparison(
        Comparison(
            "cmp-seeded",
            now,
            "a pair",
            {"seed": 1},
            {},
            (
                ComparisonEntry(Target("bfl", "flux-pro-1.1"), jobs[1].id),
                ComparisonEntry(Target("comet", "flux-pro-1.1"), jobs[2].id),
            ),
        )
    )
    store.close()
    return jobs


async def open_library(pilot) -> LibraryScreen:
    app = pilot.app
    await pilot.press("ctrl+g")
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, LibraryScreen) and app.screen, "the library"
    )
    await wait_for(pilot, lambda: screen.list.pages.known, "the first page")
    return screen


def shown_prompts(screen: LibraryScreen) -> list[str]:
    lst = screen.list
    return [
        job.request.prompt for i in range(min(lst.pages.total or 0, 5)) if (job := lst.pages.job(i))
    ]


async def test_newest_first_with_thumbnails_a_page_at_a_time(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        lst = screen.query_one(LibraryList)
        assert app.focused is lst
        await wait_for(
            pilot, lambda: f"{COUNT} jobs in the library" in screen_text(app), "the count"
        )
        assert shown_prompts(screen)[:2] == ["a red fox number 0", "a grey heron number 1"]
        text = screen_text(app)
        assert "a red fox number 0" in text and "fal · flux/dev · 64×48 · seed 1000" in text
        assert "✗ failed" in text and "fal failed (500)" in text  # job 3
        assert "part of comparison cmp-seeded" in text
        # only the pages in view (and the next) are loaded, never all of them
        assert lst.pages.job(COUNT - 1) is None
        # thumbnails are made off the event loop and cached in the cache dir
        first = seeded[0].files[0]
        await wait_for(pilot, lambda: lst.thumbs.get(first) is not None, "a thumbnail")
        assert thumbnails.cached_thumbnail(first, 64) is not None
        await pilot.press("end")
        await wait_for(pilot, lambda: lst.pages.job(COUNT - 1), "the last page")
        assert lst.cursor == COUNT - 1
        await wait_for(pilot, lambda: "a red fox number 147" in screen_text(app), "the oldest")
        await pilot.press("home", "down", "down")
        assert lst.current is not None and lst.current.id == seeded[2].id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back to the main screen")


async def test_search_filters_and_sort(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        lst = screen.list
        await pilot.press("slash")
        assert app.focused is screen.query_one("#lib-search", Input)
        await type_text(pilot, "heron number")
        await wait_for(pilot, lambda: "50 jobs match the filters" in screen_text(app), "the search")
        assert all("heron" in p for p in shown_prompts(screen))
        await pilot.press("enter")
        assert app.focused is lst

        screen.query_one("#lib-search", Input).value = ""
        await wait_for(
            pilot, lambda: f"{COUNT} jobs in the library" in screen_text(app), "the search cleared"
        )
        await wait_for(
            pilot,
            lambda: screen.query_one("#lib-provider", Select)._options[1:],
            "the providers to choose from",
        )
        screen.query_one("#lib-provider", Select).value = "bfl"
        screen.query_one("#lib-state", Select).value = "failed"
        bfl_failed = [
            j for j in seeded if j.request.provider == "bfl" and j.state is JobState.FAILED
        ]
        await wait_for(
            pilot, lambda: f"{len(bfl_failed)} jobs match" in screen_text(app), "bfl and failed"
        )
        assert [j.id for j in lst.pages.jobs(0, 100)] == [j.id for j in bfl_failed]

        screen.query_one("#lib-provider", Select).clear()
        screen.query_one("#lib-state", Select).clear()
        since = screen.query_one("#lib-since", Input)
        since.value = "someday"
        await wait_for(
            pilot,
            lambda: "'someday' is not a date" in screen_text(app),
            "the reason the date cannot be read",
        )
        since.value = "2h"  # jobs are ten minutes apart: 0..11 are less than two hours old
        await wait_for(pilot, lambda: "12 jobs match the filters" in screen_text(app), "since 2h")

        since.value = ""
        screen.query_one("#lib-sort", Select).value = "fastest"
        await wait_for(
            pilot,
            lambda: (
                lst.pages.known
                and lst.pages.query.sort == "fastest"
                and f"{COUNT} jobs" in screen_text(app)
            ),
            "fastest first",
        )
        firsts = lst.pages.jobs(0, 3)
        assert all(j.state is JobState.DONE and j.timings()["total"] == 2.0 for j in firsts)


async def test_show_copy_to_form_rerun_export_and_copy_path(make_app, seeded, tmp_path):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        job = seeded[0]
        await pilot.press("enter")
        view = await wait_for(
            pilot, lambda: isinstance(app.screen, ImageView) and app.screen, "the entry, large"
        )
        await wait_for(pilot, lambda: view.query(HalfcellImage), "its image")
        text = await wait_for(
            pilot, lambda: "a red fox number 0" in (t := screen_text(app)) and t, "its details"
        )
        for shown in (
            "seed        1000",
            '"width": 64',
            job.files[0],
            "fal-ai/flux/dev",
            "total 2.00 s",
        ):
            assert shown in text
        await pilot.press("escape")

        await pilot.press("y")
        assert app.clipboard == job.files[0]
        palette = next(iter(LibraryScreen.COMMANDS))(screen)
        assert {"Library: Delete", "Library: Export", "Library: Re-run"} <= {
            title for title, _, _ in palette.commands()
        }

        await pilot.press("x")
        prompt = await wait_for(
            pilot, lambda: isinstance(app.screen, PathPrompt) and app.screen, "the folder question"
        )
        prompt.query_one(Input).value = str(tmp_path / "out")
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "out" / f"{job.id}.json").exists(), "the export")
        assert (tmp_path / "out" / Path(job.files[0]).name).read_bytes() == Path(
            job.files[0]
        ).read_bytes()

        await pilot.press("r")
        rerun = await wait_for(pilot, lambda: app.board.at(0), "the re-run in the queue")
        assert rerun.request == job.request and rerun.id != job.id
        rerun = await until(
            pilot, rerun, lambda j: j.state is JobState.DONE, "the re-run to finish"
        )

        await wait_for(pilot, lambda: screen.list.pages.total == COUNT + 1, "the list again")
        screen.list.cursor = 2  # seeded[1]: bfl
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen is app.main, "back to the form")
        form = app.main.form
        await wait_for(pilot, lambda: form.provider == "bfl", "the form to switch provider")
        await pilot.pause()
        assert form.prompt == seeded[1].request.prompt and not form.random_seed
        request, _ = form.read()
        assert request.params["seed"] == 1001


async def test_delete_asks_then_removes_file_and_row(make_app, seeded, sim_config):
    app = make_app(with_tui(sim_config, keymap={"library-delete": "minus"}))
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        job = seeded[0]
        # the footer shows the remapped key (once it is drawn again for the loaded list)
        await wait_for(pilot, lambda: "- Delete" in screen_text(app), "the remapped key")
        await pilot.press("minus")
        await wait_for(
            pilot, lambda: "Delete this job and its image?" in screen_text(app), "the question"
        )
        assert Path(job.files[0]).name in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "nothing deleted")
        assert Path(job.files[0]).exists()
        await pilot.press("minus")
        await wait_for(pilot, lambda: "Delete this job" in screen_text(app), "the question again")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: f"{COUNT - 1} jobs in the library" in screen_text(app),
            "the list without it",
        )
        assert not Path(job.files[0]).exists()
        assert app.controller.backend.open_store().get(job.id) is None
        assert job.id not in app.board
        assert screen.list.current is not None and screen.list.current.id == seeded[1].id


async def test_a_comparison_reopens_from_the_library(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        await pilot.press("down")
        assert screen.list.current.group_id == "cmp-seeded"
        await pilot.press("c")
        compared = await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the comparison"
        )
        assert [c.view.title for c in compared.grid.cells] == [
            "bfl · flux-pro-1.1",
            "comet · flux-pro-1.1",
        ]
        await wait_for(
            pilot, lambda: all(c.query(HalfcellImage) for c in compared.grid.cells), "both images"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back to the library")


async def test_an_empty_library_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        assert screen.list.pages.total == 0
        await wait_for(pilot, lambda: "No images yet." in screen_text(app), "the empty list")
        for key in ("enter", "d", "x", "r"):
            await pilot.press(key)
        assert app.screen is screen  # nothing to act on, nothing happens
        palette = next(iter(LibraryScreen.COMMANDS))(screen)
        titles = [title for title, _, _ in palette.commands()]
        assert "Library: Search" in titles and "Library: Delete" not in titles


async def test_the_palette_runs_the_entry_commands(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        await open_library(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "Library: Show")
        await wait_for(pilot, lambda: "Library: Show" in screen_text(app), "the command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImageView), "the entry, large")
        assert "a red fox number 0" in screen_text(app)


async def test_a_job_that_ends_while_the_library_is_open_appears_in_it(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.controller.backend.engine is not None, "the engine")
        screen = await open_library(pilot)
        assert screen.list.pages.total == 0
        started = app.controller.start(GenerationRequest("a late heron", "fal", "fal-ai/flux/dev"))
        [job] = started.jobs
        await wait_for(pilot, lambda: screen.list.pages.total == 1, "the finished job listed")
        assert app.screen is screen and screen.list.current.id == job.id
