"""The app: opens the engine, runs one worker per job, and turns engine events into screen updates.

Rules kept here: the engine is created in the app's loop and closed on unmount; every job runs in
its own worker owned by the app (`exit_on_error=False`, never exclusive); worker failures have one
handler; engine events are coalesced (the queue and preview repaint at most ~10 times a second, the
elapsed times tick once a second).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.widgets import TextArea
from textual.worker import Worker, WorkerState

from fluxtui.core import paths
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.models import GenerationRequest, Job, JobEvent, JobState
from fluxtui.core.pricing import Spend
from fluxtui.core.store import JobQuery
from fluxtui.tui import form_model, system
from fluxtui.tui import format as fmt
from fluxtui.tui.backend import Backend
from fluxtui.tui.board import JobBoard
from fluxtui.tui.commands import FluxCommands
from fluxtui.tui.image_support import ImageBackend, load_backend
from fluxtui.tui.keymap import APP_KEYS, bindings, user_keymap
from fluxtui.tui.messages import EngineReady, JobChanged, JobEnded
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.screens.help import HelpScreen
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.screens.model_picker import ModelPicker
from fluxtui.tui.screens.zoom import ZoomScreen
from fluxtui.tui.spending import Spending, guard
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.preview import Preview
from fluxtui.tui.widgets.prompt_form import PromptForm, known_models

log = logging.getLogger("fluxtui.tui")

DEMO_SUBTITLE = "demo — simulator, no keys"
ON_DONE = ("title", "bell", "both", "none")
HISTORY_PAGE = 200  # stored jobs loaded at a time; more as the queue's cursor nears the end
JOB_ACTIONS = frozenset({
    "cancel_job", "retry_job", "rerun", "edit_job", "open_file", "copy_path", "delete_job",
    "zoom", "flip_image",
})


def styles_dir() -> Path:
    """`fluxtui/styles` in an installed wheel, `styles/` beside the package in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "styles"
    return installed if installed.is_dir() else package.parent / "styles"


CSS_FILES = ("app.tcss", "form.tcss", "queue.tcss", "preview.tcss", "dialogs.tcss",
             "compare.tcss", "library.tcss")


class FluxApp(App[int]):
    """fluxtui's terminal app. Build it with `fluxtui.tui.factory.create_app`."""

    TITLE = "fluxtui"
    CSS_PATH = [styles_dir() / name for name in CSS_FILES]
    BINDINGS = [*bindings(APP_KEYS), Binding("ctrl+c", "help_quit", show=False, system=True)]
    COMMANDS = App.COMMANDS | {FluxCommands}

    def __init__(
        self,
        backend: Backend,
        images: ImageBackend,
        *,
        demo: bool,
        clock: Callable[[], float] = time.time,
        tick_s: float = 1.0,
        flush_s: float = 0.1,
    ):
        super().__init__()
        self.backend = backend
        self.images = images
        self.startup_images = images
        self.demo = demo
        self.clock = clock
        self.tick_s = tick_s
        self.flush_s = flush_s
        self.board = JobBoard()
        self.selected_id: str | None = None
        self.user_keys: dict[str, str] = {}
        tui = backend.base_config.tui
        self.done_signal = tui.get("on_done", "title") if tui.get("on_done") in ON_DONE else "title"
        self.history_page = int(tui.get("history_page", HISTORY_PAGE))
        self._history_done = False
        self._dirty: set[str] = set()
        self._quitting = False
        self.spending = Spending(backend.base_config, clock())
        self._stop_listening: Callable[[], None] | None = None

    # ---- life cycle -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        tui = self.backend.base_config.tui
        self.user_keys, problems = user_keymap(tui)
        self.set_keymap(self.user_keys)
        for problem in problems:
            self.notify(problem, title="Config", severity="warning", timeout=10)
        if tui.get("on_done") not in (None, *ON_DONE):
            self.notify(f"[tui] on_done must be one of {', '.join(ON_DONE)}", severity="warning")
        if isinstance(tui.get("theme"), str) and tui["theme"] in self.available_themes:
            self.theme = tui["theme"]
        self.sub_title = DEMO_SUBTITLE if self.demo else self._providers_subtitle()
        self._show_spend()
        self._write_terminal(system.PUSH_TITLE)
        self.set_interval(self.flush_s, self._flush)
        self.set_interval(self.tick_s, self._tick)
        self.call_after_refresh(self._after_first_paint)

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.backend.base_config, self.board, self.images, self.clock,
                          demo=self.demo)

    async def on_unmount(self) -> None:
        if self._stop_listening:
            self._stop_listening()
        self._write_terminal(system.POP_TITLE)
        await self.backend.close()

    def _providers_subtitle(self) -> str:
        keyed = [name for name, entry in self.backend.base_config.providers.items() if entry.has_key]
        return "keys: " + ", ".join(keyed) if keyed else "no keys"

    def _after_first_paint(self) -> None:
        self.run_worker(self._open_engine(), name="open engine", exit_on_error=False)
        self._load_history()
        self._measure_spend()

    def _load_history(self) -> None:
        self._load_more_history()
        interrupted = sum(1 for job in self.board.jobs.values() if not job.state.is_terminal)
        if interrupted:
            self.notify(f"{interrupted} job(s) were not finished when fluxtui last stopped: "
                        "select one and press r, or use the command palette to resume them all.",
                        title="Unfinished jobs", timeout=8)

    def _load_more_history(self) -> None:
        """The next page of stored jobs, older than those shown."""
        if self._history_done:
            return
        store = self.backend.open_store()
        stored = [self.board.jobs[i] for i in self.board.order if i not in self.board.session]
        # Start after the oldest one shown (jobs added meanwhile are newer: they shift nothing).
        offset = store.count(JobQuery(since=stored[-1].created_at)) if stored else 0
        page = store.jobs(JobQuery(limit=self.history_page, offset=offset))
        self._history_done = len(page) < self.history_page
        self.board.add_history(page)
        self.main_screen().queue.jobs_changed()

    @on(JobQueue.NearEnd)
    def _near_end(self, message: JobQueue.NearEnd) -> None:
        if message.still_near(len(self.board)):
            self._load_more_history()

    async def _open_engine(self) -> None:
        try:
            engine = await self.backend.open(demo=self.demo)
        except Exception as exc:  # the simulator could not start, or the store is unreadable
            log.exception("could not open the engine")
            self.notify(f"could not start: {exc}", title="fluxtui", severity="error", timeout=30)
            return
        self._stop_listening = engine.add_listener(self._on_engine_event)
        self.post_message(EngineReady())

    def _on_engine_event(self, event: JobEvent) -> None:
        """Called by the engine, synchronously, in this loop: hand the event on as a message."""
        self.post_message(JobChanged(event))

    def on_engine_ready(self, _: EngineReady) -> None:
        self._validate_form()

    # ---- jobs -----------------------------------------------------------------------------------

    def on_job_changed(self, message: JobChanged) -> None:
        event = message.event
        engine = self.backend.engine
        job = engine.jobs.get(event.job_id) if engine else None
        if job is None or not self._showing:
            return
        if job.id not in self.board.session:
            self.board.add(job)
            self.main_screen().queue.jobs_changed()
        self.board.details[job.id] = event.detail or ""
        self._dirty.add(job.id)
        if event.state.is_terminal:
            self._job_ended(job)

    def _start(self, job: Job, *, resume: bool = False) -> None:
        """Follow `job` in a worker of its own, and select it."""
        engine = self.backend.engine
        assert engine is not None
        self.board.add(job)
        main = self.main_screen()
        main.queue.jobs_changed(keep=job.id)
        run = engine.resume if resume else engine.run
        self.run_worker(run(job), name=f"job {job.id}", group="jobs", exit_on_error=False)
        self._dirty.add(job.id)

    def _send(self, request: GenerationRequest) -> None:
        """Create and start a job once the budget allows it (it may ask first)."""
        self.within_budget([request], partial(self._send_now, request))

    def _send_now(self, request: GenerationRequest) -> Job | None:
        """Create and start a job; None (with the reasons shown) when the request is refused."""
        engine = self.backend.engine
        if engine is None:
            self.notify("still starting: try again in a moment", severity="warning")
            return None
        try:
            job = engine.create_job(request)
        except InvalidRequest as exc:
            self._refused(exc.problems)
            return None
        self._start(job)
        return job

    def _refused(self, problems: list[str]) -> None:
        self.notify("\n".join(problems), title="Not sent", severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for worker failures (a job's own failures end in its state instead)."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.notify(f"{event.worker.name}: {error!r}", title="Internal error", severity="error")

    def _job_ended(self, job: Job) -> None:
        """Tell the user a job ended: window title, maybe the bell, a toast if they look elsewhere."""
        word = f"{fmt.GLYPHS[job.state]} {job.state.label}"
        prompt = fmt.one_line(job.request.prompt)
        if self.done_signal in ("title", "both"):
            self._write_terminal(system.set_title(f"fluxtui · {word} · {prompt[:40]}"))
        if self.done_signal in ("bell", "both"):
            self.bell()
        self._measure_spend()
        self.screen.post_message(JobEnded(job.id))
        from fluxtui.tui.screens.compare import CompareScreen  # lazily: it is not needed to paint

        if isinstance(self.screen, CompareScreen) and self.screen.shows(job.id):
            return  # its cell says so
        if job.id == self.selected_id and self.app_focus and isinstance(self.screen, MainScreen):
            if self.main_screen().preview_visible:
                return
        severity = "information" if job.state is JobState.DONE else "error"
        detail = "" if job.state is JobState.DONE else f"\n{fmt.error_text(job)}"
        self.notify(f"{prompt[:60]}{detail}", title=f"{word} · {job.request.provider}",
                    severity=severity)

    # ---- refreshing -----------------------------------------------------------------------------

    def _flush(self) -> None:
        """Repaint what changed since the last flush (at most ~10 times a second)."""
        if not self._dirty or not self._showing:
            return
        dirty, self._dirty = self._dirty, set()
        main = self.main_screen()
        main.queue.update_title()
        main.queue.refresh()
        for preview in self._previews():
            if preview.job_id in dirty:
                preview.refresh_job()
        self.refresh_bindings()

    def _tick(self) -> None:
        """Once a second: the elapsed times of live jobs."""
        if not self.board.live_count() or not self._showing:
            return
        self.main_screen().queue.refresh()
        for preview in self._previews():
            job = preview.job
            if job is not None and self.board.is_live(job):
                preview.refresh_job()

    @on(JobQueue.Highlighted)
    def _highlighted(self, message: JobQueue.Highlighted) -> None:
        self.selected_id = message.job_id
        self.main_screen().preview.show(message.job_id)
        self.refresh_bindings()

    @on(PromptForm.Changed)
    def _form_changed(self, _: PromptForm.Changed) -> None:
        self._validate_form()

    def _validate_form(self, *, submitting: bool = False) -> list[str]:
        """Check the form as it stands; mark each bad field with its reason. Returns every problem."""
        form = self.main_screen().form
        request, unparsed = form.read()
        engine = self.backend.engine
        problems = engine.validate(request) if engine else []
        form.show_problems(problems, submitting=submitting)
        return [*unparsed.values(), *problems]

    # ---- actions: anywhere ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("submit", "toggle_random_seed", "reuse_seed", "pick_model", "compare",
                      "library"):
            return isinstance(self.screen, MainScreen)
        if action in JOB_ACTIONS:
            return self._job_action_enabled(action, parameters)
        return True

    def _job_action_enabled(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        job = self.board.get(self.selected_id)
        if job is None:
            return None
        live = self.board.is_live(job)
        enabled = {
            "cancel_job": live,
            "retry_job": not live,
            "rerun": True,
            "open_file": bool(job.files),
            "copy_path": bool(job.files),
            "delete_job": not live,
            "flip_image": len(job.files) > 1,
        }.get(action, True)
        return True if enabled else None

    def action_submit(self) -> None:
        form = self.main_screen().form
        request, _ = form.read(fill_seed=True)
        problems = self._validate_form(submitting=True)
        if problems:
            self._refused(problems)
            return
        self._send(request)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        config_path = str(self.backend.base_config.path or paths.config_file())
        self.push_screen(HelpScreen(self.user_keys, self._show_key, config_path))

    def _show_key(self, key: str) -> str:
        return self.get_key_display(Binding(key, ""))

    def action_focus_pane(self, pane: str) -> None:
        main = self.main_screen()
        if not isinstance(self.screen, MainScreen):
            return
        if pane == "form":
            main.query_one("#prompt", TextArea).focus()
        elif pane == "queue":
            main.queue.focus()
        elif main.preview_visible:
            main.preview.focus()
        else:
            self.action_zoom()

    def action_quit(self) -> None:
        live = self.board.live_count()
        if not live:
            self.exit(0)
            return
        question = (f"{live} job(s) still running. They go on at the provider; open fluxtui "
                    "again (or run `fluxtui resume`) to collect their images. Quit now?")

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit(0)

        self.push_screen(ConfirmScreen(question, [("y", "Quit", "quit")]), answered)

    # ---- actions: the form ----------------------------------------------------------------------

    def action_toggle_random_seed(self) -> None:
        form = self.main_screen().form
        form.set_random_seed(not form.random_seed)

    def action_reuse_seed(self) -> None:
        job = self.board.get(self.selected_id)
        seeded = [job] if job else []
        seeded += [self.board.jobs[i] for i in self.board.order]
        seed = next((s for j in seeded if (s := _seed_of(j)) is not None), None)
        if seed is None:
            self.notify("no job with a known seed yet", severity="warning")
            return
        self.main_screen().form.set_seed(seed)
        self.notify(f"seed {seed} in the form", timeout=3)

    def action_pick_model(self) -> None:
        form = self.main_screen().form
        models = known_models(self.backend.base_config, form.provider)

        def picked(model: str | None) -> None:
            if model:
                form.set_model(model)

        self.push_screen(ModelPicker(form.provider, models, form.model), picked)

    # ---- actions: the selected job --------------------------------------------------------------

    def _selected(self) -> Job | None:
        return self.board.get(self.selected_id)

    def action_cancel_job(self) -> None:
        job = self._selected()
        engine = self.backend.engine
        if job and engine and engine.cancel(job.id):
            self.board.details[job.id] = "cancelling…"
            self._dirty.add(job.id)

    def action_retry_job(self) -> None:
        job = self._selected()
        if job is None or self.board.is_live(job):
            return
        if not job.state.is_terminal and self.backend.engine is not None:
            self._start(job, resume=True)
        else:
            self._send(job.request)

    def action_rerun(self, same_seed: bool) -> None:
        job = self._selected()
        if job is None:
            return
        seed = _seed_of(job) if same_seed else form_model.new_seed()
        if seed is None:
            self.notify("this job's seed is not known: re-run it with a new seed (n)",
                        severity="warning")
            return
        self._send(job.request.replace(params={**job.request.params, "seed": seed}))

    def action_edit_job(self) -> None:
        job = self._selected()
        if job is None:
            return
        if isinstance(self.screen, ZoomScreen):
            self.screen.dismiss()
        main = self.main_screen()
        main.form.load(job.request)
        main.query_one("#prompt", TextArea).focus()

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

    def copy_path(self, path: Path) -> None:
        """Put `path` on the clipboard (OSC 52, wrapped for tmux when inside it) and say so."""
        self.copy_to_clipboard(str(path))
        wrapped = system.tmux_clipboard(str(path))
        if wrapped:
            self._write_terminal(wrapped)
        self.notify(str(path), title="Path copied", timeout=4)

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
            if answer is not None:
                self._delete(job, with_files=answer == "delete-files")

        self.push_screen(ConfirmScreen(question, answers), answered)

    def _delete(self, job: Job, *, with_files: bool) -> None:
        if with_files:
            for name in job.files:
                Path(name).unlink(missing_ok=True)
        self.backend.open_store().delete(job.id)
        if self.backend.engine is not None:
            self.backend.engine.jobs.pop(job.id, None)
        self.board.remove(job.id)
        self.main_screen().queue.jobs_changed()

    def action_zoom(self) -> None:
        if isinstance(self.screen, ZoomScreen):
            self.screen.dismiss()
        elif isinstance(self.screen, MainScreen):
            self.push_screen(ZoomScreen(self.board, self.images, self.clock, self.selected_id,
                                        demo=self.demo))

    def action_flip_image(self, step: int) -> None:
        for preview in self._previews():
            preview.flip(step)

    def _previews(self) -> list[Preview]:
        """The previews on screen: the main one, or the zoomed one over it."""
        if isinstance(self.screen, ZoomScreen):
            return [self.screen.preview]
        return [self.main_screen().preview]

    def _current_image(self) -> Path | None:
        previews = self._previews()
        path = previews[0].image_path if previews else None
        if path is None:
            job = self._selected()
            path = Path(job.files[0]) if job and job.files else None
        return path

    # ---- comparisons, the library, spend ---------------------------------------------------------

    def action_compare(self) -> None:
        from fluxtui.tui.screens.compare import open_picker  # lazily, as the library below

        open_picker(self)

    def action_library(self) -> None:
        from fluxtui.tui.screens.library import open_library

        open_library(self)

    def run_jobs(self, jobs: list[Job]) -> None:
        """Run jobs created elsewhere (a comparison's), each in a worker of its own."""
        for job in jobs:
            self._start(job)

    def send_request(self, request: GenerationRequest) -> None:
        """Send `request` as a new job, after the budget check (refusals are shown)."""
        self._send(request)

    def forget_job(self, job: Job) -> None:
        """Delete a job and its image files."""
        self._delete(job, with_files=True)

    def within_budget(self, requests: list[GenerationRequest], go: Callable[[], object]) -> None:
        """Call `go` unless sending `requests` would cross the budget: then ask first, with the
        reason. Demo mode charges nothing, so it is never checked."""
        in_flight = [job.request for job in self.board.jobs.values() if self.board.is_live(job)]
        verdict = None if self.demo else self.spending.check(requests, in_flight)
        guard(self, verdict, go)

    @work(thread=True, group="spend", exclusive=True, exit_on_error=False)
    def _measure_spend(self) -> None:
        if self._quitting:
            return
        today, session = self.spending.measure(self.backend.store_path, self.clock())
        self.call_from_thread(self._spend_measured, today, session)

    def _spend_measured(self, today: Spend, session: Spend) -> None:
        self.spending.update(today, session)
        self._show_spend()

    def _show_spend(self) -> None:
        # Nothing is charged in demo mode: the header says "demo" instead.
        self.title = "fluxtui" if self.demo else f"fluxtui · {self.spending.header()}"

    # ---- switching (the command palette calls these) --------------------------------------------

    def switch_provider(self, provider: str) -> None:
        self.main_screen().form.set_provider(provider)

    def switch_model(self, model: str) -> None:
        self.main_screen().form.set_model(model)

    def resume_all(self) -> None:
        for job in list(self.board.jobs.values()):
            if not job.state.is_terminal and not self.board.is_live(job):
                self._start(job, resume=True)

    def cancel_all(self) -> None:
        engine = self.backend.engine
        for job_id in list(self.board.session):
            if engine and self.board.is_live(self.board.jobs[job_id]):
                engine.cancel(job_id)

    async def set_demo(self, demo: bool) -> None:
        """Switch between the simulator and the real services (only while no job runs)."""
        if self.board.live_count():
            self.notify("wait for the running jobs to end (or cancel them) first", severity="warning")
            return
        if not demo and not self.backend.can_leave_demo:
            self.notify("no provider has a key: set one (see `fluxtui providers`)", severity="warning")
            return
        if self._stop_listening:
            self._stop_listening()
            self._stop_listening = None
        await self.backend.close_engine()
        self.demo = demo
        self.sub_title = DEMO_SUBTITLE if demo else self._providers_subtitle()
        self._show_spend()
        self.main_screen().preview.demo = demo
        await self._open_engine()
        self.notify("demo mode: the simulator plays every provider" if demo else
                    "using your keys: jobs are sent to the real services", timeout=5)

    def image_choices(self) -> list[ImageBackend]:
        """The ways to draw images open now: the one probed at start, half-cell blocks, none."""
        choices = {self.startup_images.protocol: self.startup_images}
        for protocol in ("halfcell", "none"):
            choices.setdefault(protocol, load_backend(protocol))
        return list(choices.values())

    def set_image_backend(self, images: ImageBackend) -> None:
        self.images = images
        main = self.main_screen()
        main.preview.images = images
        main.preview.show(None)
        main.preview.show(self.selected_id)
        self.notify(f"images: {images.description}", timeout=3)

    # ---- helpers --------------------------------------------------------------------------------

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self._quitting = True  # timers and late engine events must not touch the screens now
        super().exit(*args, **kwargs)

    @property
    def _showing(self) -> bool:
        """False once the app is closing."""
        return not self._quitting and any(isinstance(s, MainScreen) for s in self.screen_stack)

    def main_screen(self) -> MainScreen:
        """The main screen (under any modal that is open)."""
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def _write_terminal(self, sequence: str) -> None:
        """Write an escape sequence to the terminal (Textual has no public call for this)."""
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(sequence)


def _seed_of(job: Job) -> int | None:
    seed = job.seed if job.seed is not None else job.request.params.get("seed")
    return seed if isinstance(seed, int) else None
