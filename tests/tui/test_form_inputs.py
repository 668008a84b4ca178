"""The form's Inputs field and "use as input" (`i`), driven through the real app over the
simulator: add a file, see its line, remove it; what each model takes; bad files and too many
refused in the field; a job's image into the form from the queue, the preview and the library;
and the edit of an edit of an edit, recorded in the store as a chain."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from textual.widgets import Input, Static, TextArea

from fluxtui.core import library
from fluxtui.core.model_inputs import BFL_MAX_INPUT_BYTES
from fluxtui.core.models import JobSnapshot, JobState, short_id
from fluxtui.core.store import Store
from fluxtui.tui import input_form
from fluxtui.tui.screens.library import LibraryScreen
from fluxtui.tui.screens.path_prompt import PathPrompt
from fluxtui.tui.widgets.input_images_field import InputImagesField
from tests.helpers import sim_jobs
from tests.inputs_helpers import write_image
from tests.tui.helpers import ready, screen_text, type_text, until, wait_for


def field(app) -> InputImagesField:
    return app.main.form.inputs


def field_error(app) -> str:
    return str(field(app).query_one("#inputs-error", Static).render())


def said(app, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


def sha(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


async def add_by_keys(pilot, path: str, key: str = "a") -> None:
    """Focus the Inputs field, press `key`, type `path` in the path prompt, enter."""
    app = pilot.app
    app.main.query_one("#input-list").focus()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
    await type_text(pilot, path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, PathPrompt), "the prompt to close")


async def generate(pilot, prompt: str) -> JobSnapshot:
    """Type `prompt` into the form, ctrl+j; the job, once done."""
    app = pilot.app
    app.main.query_one("#prompt", TextArea).text = prompt
    before = set(app.board.jobs)
    app.main.focus_form()
    await pilot.press("ctrl+j")
    job_id = await wait_for(
        pilot, lambda: next(iter(set(app.board.jobs) - before), None), "the job to be sent"
    )
    job = await until(
        pilot, app.board.jobs[job_id], lambda j: j.state.is_terminal, "the job to end"
    )
    assert job.state is JobState.DONE, job
    return job


async def use_in_queue(pilot, job: JobSnapshot) -> None:
    """Select `job` in the queue and press i."""
    app = pilot.app
    queue = app.main.queue
    queue.focus()
    await wait_for(pilot, lambda: app.main.selected_id == job.id, "the job to be selected")
    await pilot.press("i")


async def test_a_file_added_shows_its_line_and_d_removes_it(make_app, tmp_path: Path):
    photo = write_image(tmp_path / "photo.png", (96, 64))
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        app.main.form.set_provider("bfl", "flux-kontext-pro")
        await pilot.pause()
        assert "Inputs     none · a adds one (up to 4)" in screen_text(app)
        await add_by_keys(pilot, str(photo))
        await wait_for(pilot, lambda: field(app).images, "the input to be added")
        await pilot.pause()
        text = screen_text(app)
        size = photo.stat().st_size
        assert f"Inputs 1/4 ▀▀▀▀▀▀ 1  photo.png · 96×64 · {size} B" in text
        assert app.main.form.read()[0].inputs[0].path == str(photo.resolve())

        app.main.query_one("#input-list").focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: not field(app).images, "the input to be removed")
        await pilot.pause()
        assert "photo.png" not in screen_text(app)
        assert app.main.form.read()[0].inputs == ()


async def test_the_field_shows_only_what_the_model_takes(make_app, tmp_path: Path):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("fal", "fal-ai/flux/dev")  # text only
        await pilot.pause()
        assert not field(app).display and "Inputs" not in screen_text(app)

        form.set_provider("bfl", "flux-dev")  # one image prompt, given here, not as a URL field
        await pilot.pause()
        assert field(app).display and "up to 1)" in screen_text(app)
        assert "Image URL" not in screen_text(app)
        assert field(app).check_action("add_mask", ()) is False  # no mask for it

        form.set_provider("bfl", "flux-pro-1.0-fill")  # an image and its mask, both needed
        await wait_for(pilot, lambda: "edits an image" in field_error(app), "the rule")
        assert field_error(app) == (
            "flux-pro-1.0-fill edits an image: add one in the Inputs field (a)"
        )
        await add_by_keys(pilot, str(write_image(tmp_path / "house.png", (64, 48))))
        await wait_for(pilot, lambda: "needs a mask" in field_error(app), "the mask rule")
        assert field_error(app) == (
            "flux-pro-1.0-fill needs a mask with its image: add one in the Inputs field "
            "(m; white repaints)"
        )
        await add_by_keys(pilot, str(write_image(tmp_path / "door.png", (32, 32))), key="m")
        await wait_for(pilot, lambda: "same size" in field_error(app), "the size rule")
        assert field_error(app) == (
            "mask door.png is 32×32, but image house.png is 64×48: flux-pro-1.0-fill needs "
            "them the same size"
        )
        assert "mask  door.png · 32×32" in screen_text(app)


async def test_too_many_inputs_and_bad_files_are_refused_in_the_field(
    make_app, tmp_path: Path, sim
):
    pictures = [str(write_image(tmp_path / f"ref{n}.png", (40, 40))) for n in range(5)]
    (tmp_path / "notes.png").write_text("not a picture")
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("bfl", "flux-2-klein-4b")
        await pilot.pause()
        for n, path in enumerate(pictures[:4]):
            await add_by_keys(pilot, path)
            await wait_for(pilot, lambda n=n: len(field(app).images) == n + 1, "an input")
        await pilot.press("a")  # a fifth: refused before the path is asked
        assert not isinstance(app.screen, PathPrompt)
        assert field_error(app) == (
            "flux-2-klein-4b takes at most 4 input images: remove one (d) to add another"
        )
        assert len(field(app).images) == 4

        form.set_model("flux-2-pro")  # 8: a fifth fits
        await pilot.pause()
        await add_by_keys(pilot, pictures[4])
        await wait_for(pilot, lambda: len(field(app).images) == 5, "the fifth input")
        form.set_model("flux-2-klein-4b")  # back to 4: the form says so before sending
        await wait_for(pilot, lambda: "got 5" in field_error(app), "the count rule")
        assert field_error(app) == "flux-2-klein-4b takes at most 4 input images; got 5"
        sent_before = len(sim_jobs(sim))
        app.main.query_one("#prompt", TextArea).text = "five references"
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert not app.board.jobs and len(sim_jobs(sim)) == sent_before  # nothing sent

        form.set_model("flux-2-pro")
        await add_by_keys(pilot, str(tmp_path / "missing.png"))
        await wait_for(pilot, lambda: "no such file" in field_error(app), "the missing file")
        assert field_error(app) == f"image {str(tmp_path / 'missing.png')!r}: no such file"
        await add_by_keys(pilot, str(tmp_path / "notes.png"))
        await wait_for(pilot, lambda: "not an image" in field_error(app), "the non-image")
        assert "notes.png" in field_error(app) and len(field(app).images) == 5


async def test_i_in_the_queue_and_the_preview_puts_the_shown_image_in_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("fal", "fal-ai/flux/dev")
        await pilot.pause()
        app.main.query_one("#field-num_images", Input).value = "2"
        job = await generate(pilot, "two foxes to pick from")
        assert len(job.files) == 2

        await use_in_queue(pilot, job)  # the model takes none: said, nothing added
        no_inputs = "fal-ai/flux/dev takes no input images: pick an edit model (ctrl+o)"
        await wait_for(pilot, lambda: said(app, no_inputs), "the refusal")
        assert not field(app).images
        form.set_provider("bfl", "flux-2-pro")
        await pilot.pause()
        await use_in_queue(pilot, job)
        await wait_for(pilot, lambda: field(app).images, "the job's image in the form")
        first = field(app).images[0]
        assert (first.source, first.parent_job, first.parent_index) == (
            f"{short_id(job.id)}:1",
            job.id,
            1,
        )
        assert app.focused is app.main.query_one("#prompt", TextArea)

        app.main.preview.focus()
        await pilot.press("right_square_bracket")  # the second image
        await wait_for(pilot, lambda: app.main.preview.image_index == 1, "the flip")
        await pilot.press("i")
        await wait_for(pilot, lambda: len(field(app).images) == 2, "the second image")
        await wait_for(
            pilot, lambda: said(app, f"added {short_id(job.id)}:2 as input 2 of 8"), "the notice"
        )
        second = field(app).images[1]
        assert (second.parent_job, second.parent_index) == (job.id, 2)
        assert second.path == str(Path(job.files[1]).resolve())
        assert f"job {short_id(job.id)}, image 2" in screen_text(app)

        form.set_provider("fal", "fal-ai/flux/dev")  # kept, not sent, and said
        kept = "the 2 input images are kept for an edit model, not sent"
        await wait_for(pilot, lambda: said(app, kept), "the notice")
        assert form.read()[0].inputs == () and len(field(app).images) == 2
        await wait_for(pilot, lambda: form.query("#field-acceleration"), "the model's fields")
        await pilot.pause()


async def test_i_in_the_library_goes_back_to_the_form_with_the_entry(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        app.main.form.set_provider("bfl", "flux-kontext-pro")
        job = await generate(pilot, "a lighthouse for the library")
        await pilot.press("ctrl+g")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, LibraryScreen) and app.screen, "the library"
        )
        await wait_for(pilot, lambda: screen.list.current is not None, "its entries")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen")
        await wait_for(pilot, lambda: field(app).images, "the entry in the form")
        assert field(app).images[0].parent_job == job.id
        assert app.focused is app.main.query_one("#prompt", TextArea)


async def test_edit_then_edit_the_edit_records_the_chain(make_app, tmp_path: Path, sim):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("bfl", "flux-2-pro")
        first = await generate(pilot, "a cabin in the woods 7e1")

        form.set_model("flux-kontext-pro")
        await use_in_queue(pilot, first)
        await wait_for(pilot, lambda: field(app).images, "the first image in the form")
        edit = await generate(pilot, "make it snow 7e1")
        [sent] = [j["received"] for j in sim_jobs(sim) if j.get("prompt") == "make it snow 7e1"]
        assert sent["input_image"] == sha(Path(first.files[0]).read_bytes())

        app.main.query_one("#input-list").focus()
        await pilot.press("d")  # the first image out: the edit in
        await use_in_queue(pilot, edit)
        await wait_for(
            pilot,
            lambda: [i.parent_job for i in field(app).images] == [edit.id],
            "the edit in the form",
        )
        again = await generate(pilot, "now at night 7e1")
        [sent] = [j["received"] for j in sim_jobs(sim) if j.get("prompt") == "now at night 7e1"]
        assert sent["input_image"] == sha(Path(edit.files[0]).read_bytes())

        app.main.queue.focus()  # e copies a job back into the form, its inputs too
        await wait_for(pilot, lambda: app.main.selected_id == again.id, "the last job selected")
        await pilot.press("down")
        await wait_for(pilot, lambda: app.main.selected_id == edit.id, "the edit selected")
        await pilot.press("e")
        await wait_for(
            pilot,
            lambda: [i.parent_job for i in field(app).images] == [first.id],
            "the edit's input back in the form",
        )

    store = Store(tmp_path / "jobs.sqlite3")
    try:
        assert [j.id for j in library.chain(store, again.id)] == [first.id, edit.id, again.id]
        [recorded] = store.get(again.id).request.inputs  # type: ignore[union-attr]
        assert (recorded.parent_job, recorded.parent_index) == (edit.id, 1)
        assert [j.id for j in store.children(first.id)] == [edit.id]
    finally:
        store.close()


def test_the_form_words_the_input_rules_its_own_way() -> None:
    over = (
        "input big.png is 21 MB, over the 20 MB flux-2-pro takes (--downscale-inputs re-encodes "
        "it to fit)"
    )
    assert input_form.is_inputs_problem(over)
    assert input_form.for_form(over) == (
        "input big.png is 21 MB, over the 20 MB flux-2-pro takes (downscale_inputs = true in the "
        "config re-encodes it to fit)"
    )
    both = "give the input images with --image or as input_image, not both"
    assert input_form.for_form(both) == (
        "give the input images with the Inputs field or as input_image, not both"
    )
    assert not input_form.is_inputs_problem("image_prompt_strength is not a parameter of x")
    assert not input_form.is_inputs_problem("steps 60 is out of range 1–50 for flux-dev")


async def test_downscale_inputs_re_encodes_a_big_input_when_the_job_is_sent(
    make_app, sim_config, tmp_path: Path, sim
):
    big = write_image(tmp_path / "big.png", (64, 64))
    big.write_bytes(big.read_bytes() + b"\0" * (BFL_MAX_INPUT_BYTES + 1))  # valid PNG, huge file
    original = big.read_bytes()
    app = make_app(dataclasses.replace(sim_config, downscale_inputs=True))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        app.main.form.set_provider("bfl", "flux-2-pro")
        await add_by_keys(pilot, str(big))
        await wait_for(pilot, lambda: field(app).images, "the big input")
        app.main.validate_form()
        assert field_error(app) == ""  # it will be re-encoded: not a problem
        job = await generate(pilot, "fit it 4d2")
        [taken] = [j for j in sim_jobs(sim) if j.get("prompt") == "fit it 4d2"]
        assert taken["inputs"][0]["bytes"] <= BFL_MAX_INPUT_BYTES
        [sent] = job.request.inputs
        assert sent.reencoded and sent.source == str(big)
    assert big.read_bytes() == original
