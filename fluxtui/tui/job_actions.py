"""The app's actions on the selected job (the queue's and the preview's keys, the zoomed preview's
too): cancel, retry, re-run, copy into the form, use as an input, open, copy the path, delete,
zoom, flip; and
sending through the budget check, which they share with the screens' requests.

A base of `FluxApp`, kept apart from the wiring; the work itself is the controller's. When each
applies is the key table's `when` (`key_table.JOB_KEYS`), which `check_action` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started, StillRunning
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.tui import form_model, input_form, system
from fluxtui.tui import format as fmt
from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_table import JOB_KEYS
from fluxtui.tui.keymap import conditions
from fluxtui.tui.messages import JobDeleted, UseAsInput
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.screens.zoom import ZoomScreen
from fluxtui.tui.sending import attempt
from fluxtui.tui.widgets.preview import Preview

WHEN = conditions(JOB_KEYS)


class JobActions(App[int]):
    controller: Controller
    board: JobBoard
    main: MainScreen
    images: ImageBackend

    def send(self, send: Callable[[bool], Started]) -> None:
        """Run `send` through the budget check (it may ask first); select what it started."""
        attempt(self, send, self._started)

    def _started(self, started: Started) -> None:
        if started.notice:
            self.notify(started.notice, timeout=6)
        for job in started.jobs:
            self.board.add(job)
        if started.jobs and self.main.is_attached:
            self.main.queue.jobs_changed(keep=started.jobs[0].id)

    def copy_path(self, path: Path) -> None:
        """Put `path` on the clipboard (OSC 52, wrapped for tmux when inside it) and say so."""
        self.copy_to_clipboard(str(path))
        wrapped = system.tmux_clipboard(str(path))
        if wrapped:
            self.write_terminal(wrapped)
        self.notify(str(path), title="Path copied", timeout=4)

    def write_terminal(self, sequence: str) -> None:
        """Write an escape sequence to the terminal (Textual has no public call for this)."""
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(sequence)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        when = WHEN.get(action)
        if not when:
            return True
        job = self._selected()
        if job is None:
            return None
        live = self.board.is_live(job)
        holds = {
            "job": True,
            "live": live,
            "idle": not live,
            "files": bool(job.files),
            "several": len(job.files) > 1,
        }
        return True if holds[when] else None

    def _selected(self) -> JobSnapshot | None:
        return self.board.get(self.main.selected_id)

    def action_cancel_job(self) -> None:
        job = self._selected()
        if job and self.controller.cancel(job.id):
            self.board.details[job.id] = "cancelling…"
            self.main.queue.refresh()

    def action_retry_job(self) -> None:
        job = self._selected()
        if job is None or self.board.is_live(job):
            return
        if job.state is not JobState.UNCERTAIN:
            self.send(lambda over_budget: self.controller.retry(job, over_budget=over_budget))
            return
        provider = job.request.provider
        question = (
            f"{provider} may have taken this job, and charged it, before fluxtui lost its answer."
            f"\nCheck your {provider} account first. Send it again (it may be paid twice)?"
        )

        def answered(answer: str | None) -> None:
            if answer == "resend":
                self.send(lambda over_budget: self.controller.retry(job, over_budget=over_budget))

        self._ask(question, [("y", "Send again", "resend")], answered)

    def action_rerun(self, same_seed: bool) -> None:
        job = self._selected()
        if job is None:
            return
        seed = fmt.seed_of(job) if same_seed else form_model.new_seed()
        if seed is None:
            self.notify(
                "this job's seed is not known: re-run it with a new seed (n)", severity="warning"
            )
            return
        self.send(lambda over_budget: self.controller.rerun(job, seed, over_budget=over_budget))

    def action_edit_job(self) -> None:
        job = self._selected()
        if job is None:
            return
        if isinstance(self.screen, ZoomScreen):
            self.screen.dismiss()
        self.main.form.load(job.request)
        self.main.focus_form()

    def action_use_as_input(self) -> None:
        """The selected job's image (the one the preview shows) into the form's inputs."""
        job = self._selected()
        if job is None or not job.files:
            return
        preview = self._previews()[0]
        shown = preview.image_index if preview.job_id == job.id else 0
        if isinstance(self.screen, ZoomScreen):
            self.screen.dismiss()
        self.use_as_input(job, min(shown, len(job.files) - 1) + 1)

    def on_use_as_input(self, message: UseAsInput) -> None:
        """A screen (the library) asks to use a job's image as an input."""
        self.use_as_input(message.job, message.number)

    def use_as_input(self, job: JobSnapshot, number: int) -> None:
        """Add image `number` (1-based) of `job` to the form's inputs, as `--image ID:N` would,
        and move to the form; the field says why not when the model takes no more."""
        reference = input_form.job_reference(job.id, number, len(job.files))
        self.main.form.inputs.add(reference, notify=True)
        self.main.focus_form()

    @work(group="open-file", exit_on_error=False)
    async def action_open_file(self) -> None:
        path = self._current_image()
        if path is None:
            return
        problem = await system.open_in_viewer(path)
        if problem:
            self.notify(problem, title="Cannot open the image", severity="warning", timeout=8)

    def action_copy_path(self) -> None:
        path = self._current_image()
        if path is not None:
            self.copy_path(path)

    def action_delete_job(self) -> None:
        job = self._selected()
        if job is None or self.board.is_live(job):
            return
        answers = [("y", "Delete job", "delete")]
        question = f"Delete this job from the history?\n{fmt.one_line(job.request.prompt)[:70]}"
        if job.files:
            answers.append(("f", "Delete job and image", "delete-files"))
            folder = fmt.short_path(Path(job.files[0]).parent)
            question += f"\nIts image stays in {folder} unless you press f."

        def answered(answer: str | None) -> None:
            if answer is None:
                return
            try:
                self.controller.delete(job, with_files=answer == "delete-files")
            except StillRunning as exc:
                self.notify(str(exc), severity="warning")
                return
            self.post_message(JobDeleted(job.id))

        self._ask(question, answers, answered)

    def _ask(
        self,
        question: str,
        answers: list[tuple[str, str, str]],
        answered: Callable[[str | None], None],
    ) -> None:
        from fluxtui.tui.screens.confirm import ConfirmScreen  # not in the first frame

        self.push_screen(ConfirmScreen(question, answers), answered)

    def action_zoom(self) -> None:
        if isinstance(self.screen, ZoomScreen):
            self.screen.dismiss()
        elif self.screen is self.main:
            self.push_screen(
                ZoomScreen(
                    self.board,
                    self.images,
                    self.controller.clock,
                    self.main.selected_id,
                    demo=self.controller.demo,
                )
            )

    def action_flip_image(self, step: int) -> None:
        for preview in self._previews():
            preview.flip(step)

    def _previews(self) -> list[Preview]:
        """The previews on screen: the main one, or the zoomed one over it."""
        if isinstance(self.screen, ZoomScreen):
            return [self.screen.preview]
        return [self.main.preview]

    def _current_image(self) -> Path | None:
        path = self._previews()[0].image_path
        if path is None:
            job = self._selected()
            path = Path(job.files[0]) if job and job.files else None
        return path

    # ---- every job (the command palette's) ------------------------------------------------------

    def resume_all(self) -> None:
        """Follow every stored unfinished job again (resuming pays nothing: no budget check)."""
        ids = [job.id for job in self.board.jobs.values() if self.board.resumable(job)]
        self.send(lambda _over_budget: self.controller.resume_all(ids))

    def cancel_all(self) -> None:
        self.controller.cancel_all()
