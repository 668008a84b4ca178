"""Text from outside is inert in the app: never read as markup, its escape sequences shown (␛).

Prompts, provider messages, log lines, file names and typed model ids reach notifications, the
queue, the preview, dialogs, tables and the palette; none of them may crash the app (a
`MarkupError`), lose its brackets, or send an escape sequence to the terminal.
"""

from __future__ import annotations

import os
import subprocess
import time

from textual.widgets import Button, TextArea
from textual.widgets._toast import Toast

from fluxtui.core import paths
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.widgets.job_queue import JobQueue
from tests.tui.helpers import ready, screen_text, until, wait_for
from tests.tui.test_terminal import PYTHON, _pty, _read_until, _wait_reading

DIRECTIVE = "a fox [[sim: queue=0, run=0]]"  # the simulator's directive syntax (the README's)
BRACKETS = "photo [lens=35mm]"
ESCAPES = "evil \x1b]52;c;Zm9v\x07 then \x1b[2J cleared"
SHOWN = "evil ␛]52;c;Zm9v␇ then ␛[2J cleared"


async def send(pilot, prompt: str):
    app = pilot.app
    area = app.main.form.query_one("#prompt", TextArea)
    area.text = prompt
    await pilot.pause()
    before = set(app.board.jobs)
    await pilot.press("ctrl+j")
    job_id = await wait_for(
        pilot, lambda: next(iter(set(app.board.jobs) - before), None), "the job"
    )
    area.text = ""  # what the screen shows of the prompt from now on is the app's
    return await until(
        pilot, app.board.jobs[job_id], lambda j: j.state.is_terminal, "the job to end"
    )


def toasts(app) -> list[str]:
    """What the notifications on screen say (as drawn)."""
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def toast_saying(pilot, text: str) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: any(text in shown for shown in toasts(app)),
        f"a notification saying {text!r}",
    )


async def test_a_directive_in_the_prompt_is_shown_not_parsed(make_app):
    app = make_app()
    # narrow: the preview is hidden, so a notification says the job is done (it crashed the app)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        job = await send(pilot, DIRECTIVE)
        assert job.state is JobState.DONE
        await toast_saying(pilot, DIRECTIVE)
        await pilot.pause()
        assert app.is_running
        assert DIRECTIVE in app.main.queue.row(job, 200).plain


async def test_brackets_in_a_prompt_keep_their_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        await send(pilot, BRACKETS)
        await toast_saying(pilot, BRACKETS)  # it said "photo "
        assert BRACKETS in screen_text(app)  # the queue
        await pilot.press("f3", "d")
        dialog = await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen) and app.screen,
            "the delete question",
        )
        await pilot.pause()
        assert BRACKETS in screen_text(app)
        labels = [str(button.label) for button in dialog.query(Button)]
        assert labels[0] == "Delete job [y]" and labels[-1] == "Cancel [esc]"


async def test_escape_sequences_in_a_prompt_are_shown_not_sent(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        job = await send(pilot, ESCAPES)  # as a paste would put it in the form
        assert job.request.prompt == SHOWN  # the form showed it so, and sent what it showed
        await toast_saying(pilot, SHOWN)
        await pilot.press("f3")
        queue = app.main.query_one(JobQueue)
        assert SHOWN in queue.row(job, 200).plain
        await pilot.pause()
        shown = screen_text(app)
        assert "evil ␛]52;c;Zm9v␇" in shown
        assert "\x1b" not in shown and "\x07" not in shown


async def test_a_provider_message_with_markup_and_escapes_is_inert(make_app, tmp_path):
    now = time.time()
    job = Job.create(GenerationRequest("a [b]old fox", "fal", "fal-ai/flux/dev", {"seed": 7}))
    job.created_at = now - 10
    job.state = JobState.FAILED
    job.history = [StateChange(JobState.PENDING, now - 10), StateChange(JobState.FAILED, now - 8)]
    job.error = JobError(ErrorKind.FAILED, "[red]boom[/red] \x1b[2J\x1b]0;pwned\x07 [[bad=")
    store = Store(tmp_path / "jobs.sqlite3")
    store.save(job)
    store.close()
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 1, "the stored job")
        await wait_for(
            pilot,
            lambda: "[red]boom[/red] ␛[2J␛]0;pwned␇ [[bad=" in screen_text(app),
            "the reason in the preview, as written",
        )
        assert "a [b]old fox" in screen_text(app)


def test_the_real_terminal_never_gets_a_prompts_escapes(tmp_path):
    """In a pty: a stored job whose prompt writes the clipboard (OSC 52) and clears the screen
    reaches the terminal as visible characters, never as the sequences."""
    now = time.time()
    job = Job.create(GenerationRequest(ESCAPES, "fal", "fal-ai/flux/dev", {"seed": 7}))
    job.created_at, job.state = now - 10, JobState.DONE
    job.history = [StateChange(JobState.PENDING, now - 10), StateChange(JobState.DONE, now - 8)]
    store = Store(paths.store_file())
    store.save(job)
    store.close()
    master, slave = _pty(30, 120)
    env = {**os.environ, "TERM": "xterm-256color", "FLUXTUI_IMAGE_PROTOCOL": "none"}
    child = subprocess.Popen(
        [PYTHON, "-m", "fluxtui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env=env,
    )
    os.close(slave)
    try:
        output = _read_until(master, "␛]52;c;Zm9v".encode(), timeout=30)
        os.write(master, b"\x11")  # ctrl+q
        _wait_reading(master, child, timeout=20)
    finally:
        child.kill()
        os.close(master)
    assert "␛]52;c;Zm9v".encode() in output, output[-2000:]
    assert b"\x1b]52;c;Zm9v" not in output and b"\x1b[2J" not in output


def test_live_details_and_file_names_are_inert():
    from dataclasses import replace

    from fluxtui.tui import format as fmt

    job = Job.create(GenerationRequest("a fox", "fal", "fal-ai/flux/dev")).snapshot()
    running = replace(job, state=JobState.RUNNING, log="step 3 \x1b]52;c;Zm9v\x07 [red]")
    assert fmt.live_detail(running, None, True) == "step 3 ␛]52;c;Zm9v␇ [red]"
    assert fmt.live_detail(running, "retrying \x1b[2J", True) == "retrying ␛[2J"
    assert fmt.short_path("/tmp/\x1b[2Jfox.png") == "/tmp/␛[2Jfox.png"
