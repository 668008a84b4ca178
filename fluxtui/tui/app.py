"""The app: wires the controller to the screens and turns engine events into screen updates.

Rules kept here: the engine is opened (by the controller) after the first paint and closed on
unmount; every job runs in its own worker owned by the app (`exit_on_error=False`, never
exclusive); worker failures have one handler; engine events are the only news of a job, and they
are coalesced (the events the engine sends together make one message; the queue, the preview and
the other screens repaint at most ~10 times a second, the queue only the lines of jobs that changed;
one clock ticks the elapsed times once a second; jobs ending together are announced together); the
store is read in thread workers, never on this loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from fluxtui.control.backend import Backend
from fluxtui.control.controller import Controller
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core import paths
from fluxtui.core.models import JobEvent, JobSnapshot
from fluxtui.core.text import inert
from fluxtui.term.report import Choice, TerminalReport
from fluxtui.tui import format as fmt
from fluxtui.tui import messages as msg
from fluxtui.tui import system
from fluxtui.tui.board import JobBoard
from fluxtui.tui.commands import FluxCommands
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.job_actions import JobActions
from fluxtui.tui.key_commands import Providers, key_commands
from fluxtui.tui.key_table import APP_KEYS
from fluxtui.tui.keymap import bindings, user_keymap
from fluxtui.tui.mode_actions import ModeActions
from fluxtui.tui.notices import EndedNews, Notice
from fluxtui.tui.repainting import Repainting
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.widgets.job_queue import JobQueue

log = logging.getLogger("fluxtui.tui")

ON_DONE = ("title", "bell", "both", "none")
HISTORY_PAGE = 200  # stored jobs loaded at a time; more as the queue's cursor nears the end


def styles_dir() -> Path:
    """`fluxtui/styles` in an installed wheel, `styles/` beside the package in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "styles"
    return installed if installed.is_dir() else package.parent / "styles"


FIRST_FRAME_CSS = ("app.tcss", "form.tcss", "queue.tcss", "preview.tcss")
#: the other screens' styles (their rules match nothing on the main screen), read after its first
#: frame: each file parsed before it delays it, and each rule is looked at for every widget styled
LATER_CSS = ("dialogs.tcss", "compare.tcss", "library.tcss")
CSS_FILES = (*FIRST_FRAME_CSS, *LATER_CSS)


class FluxApp(Repainting, JobActions, ModeActions, App[int]):
    """fluxtui's terminal app. Build it with `fluxtui.tui.factory.create_app`."""

    TITLE = "fluxtui"
    CSS_PATH = [styles_dir() / name for name in FIRST_FRAME_CSS]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings(APP_KEYS),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]
    COMMANDS: ClassVar[Providers] = App.COMMANDS | {FluxCommands, key_commands(APP_KEYS)}

    def __init__(
        self,
        backend: Backend,
        images: ImageBackend,
        *,
        demo: bool,
        clock: Callable[[], float] = time.time,
        tick_s: float = 1.0,
        repaint_s: float = 0.1,
        notice_s: float = 0.6,
        terminal: tuple[TerminalReport, Choice],
    ):
        """`notice_s`: how long no job must end before those that ended are announced;
        `terminal`: what the probe found and what was chosen (palette: "Terminal report")."""
        super().__init__()
        self.terminal_report, self.terminal_choice = terminal
        self.controller = Controller(backend, spawn=self._spawn, demo=demo, clock=clock)
        self.images = images
        self.startup_images = images
        self.tick_s = tick_s
        self.repaint_s = repaint_s
        self.board = JobBoard(demo=demo)
        self.main = MainScreen(self.controller, self.board, images)
        self.user_keys: dict[str, str] = {}
        tui = backend.base_config.tui
        self.done_signal = tui.get("on_done", "title") if tui.get("on_done") in ON_DONE else "title"
        self.history_page = int(tui.get("history_page", HISTORY_PAGE))
        self._history_done = False
        self._history_loading = False
        self._dirty: dict[str, JobSnapshot] = {}
        self._news: msg.JobChanged | None = None  # engine events not read yet
        self._quitting = False
        self._opening = True  # until the engine first opens (or fails to)
        self._held: list[Callable[[], None]] = []  # sends pressed before then
        self.ended_news = EndedNews(
            lambda delay, say: self.set_timer(delay, say), self._say_ended, window_s=notice_s
        )
        self.controller.add_listener(self._on_engine_event)

    # ---- life cycle -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        tui = self.controller.backend.base_config.tui
        self.user_keys, problems = user_keymap(tui)
        self.set_keymap(self.user_keys)
        for problem in (*self.controller.backend.base_config.warnings, *problems):
            self.notify(problem, title="Config", severity="warning", timeout=10)
        if tui.get("on_done") not in (None, *ON_DONE):
            self.notify(f"[tui] on_done must be one of {', '.join(ON_DONE)}", severity="warning")
        if isinstance(tui.get("theme"), str) and tui["theme"] in self.available_themes:
            self.theme = tui["theme"]
        self._show_mode()
        self.write_terminal(system.PUSH_TITLE)
        self.set_interval(self.repaint_s, self._repaint)
        self.set_interval(self.tick_s, self._tick)
        self.call_after_refresh(self._read_later_css)
        self.call_after_refresh(self._after_first_paint)

    def _read_later_css(self) -> None:
        """The other screens' styles, after the first frame (see LATER_CSS); a screen pushed
        before (a key pressed while the app started) is styled again with them."""
        for name in LATER_CSS:
            self.stylesheet.read(styles_dir() / name)
        self.stylesheet.parse()
        for screen in self.screen_stack:
            if screen is not self.main:
                self.stylesheet.update(screen)

    def get_default_screen(self) -> MainScreen:
        return self.main

    def watch_app_focus(self, focus: bool) -> None:
        """Focus coming back to the app with nothing focused puts the cursor in the prompt.

        Textual's web driver (`fluxtui serve`) starts the app blurred, before the main screen is
        composed, so Textual's auto-focus never runs: without this, what is typed in the browser
        before a click would go nowhere."""
        if focus and self.screen is self.main and self.main.focused is None:
            self.main.focus_form()

    async def on_unmount(self) -> None:
        self.write_terminal(system.POP_TITLE)
        await self.controller.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification; its words are never read as markup and their controls are shown
        (␛), whoever wrote them: prompts and provider messages end up in notifications."""
        super().notify(
            inert(message, multiline=True),
            title=inert(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _after_first_paint(self) -> None:
        self.run_worker(self._open_engine(), name="open engine", exit_on_error=False)
        self._load_history(first=True)
        self._measure_spend()

    async def _open_engine(self) -> None:
        try:
            await self.controller.open()
        except Exception as exc:  # the simulator could not start, or the store is unreadable
            log.exception("could not open the engine")
            self._opening, self._held = False, []
            self.notify(f"could not start: {exc}", title="fluxtui", severity="error", timeout=30)
            return
        self._opening = False
        held, self._held = self._held, []
        self.post_message(msg.EngineReady())
        for send in held:
            send()

    def hold_until_open(self, send: Callable[[], None]) -> bool:
        """Keep `send` (a request made before the engine first opened: ctrl+j at once, while the
        simulator starts) to run when it has; False once it has opened, or failed to."""
        if self._opening:
            self._held.append(send)
        return self._opening

    def on_engine_ready(self, _: msg.EngineReady) -> None:
        """Check the form again now that the engine is open. An engine that opened before the
        form finished mounting (on a busy machine) is seen by the form's own first check."""
        if self.main.form.is_mounted:
            self.main.validate_form()

    def _spawn(self, name: str, job: Coroutine[Any, Any, JobSnapshot]) -> None:
        """Where the controller runs a job: a worker of the app's own."""
        self.run_worker(job, name=name, group="jobs", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for worker failures (a job's own failures end in its state instead)."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.notify(f"{event.worker.name}: {error!r}", title="Internal error", severity="error")

    # ---- the history ----------------------------------------------------------------------------

    def _load_history(self, *, first: bool = False) -> None:
        """The next page of stored jobs, older than those shown, read in a thread."""
        if self._history_done or self._history_loading:
            return
        self._history_loading = True
        self._read_history(self.board.oldest_stored(), first)

    @work(thread=True, group="history", exit_on_error=False)
    def _read_history(self, older_than: JobSnapshot | None, first: bool) -> None:
        try:
            page = self.controller.history(older_than, self.history_page)
        except StoreClosed:
            return  # the app is closing
        self.call_from_thread(self._history_read, page, first)

    def _history_read(self, page: list[JobSnapshot], first: bool) -> None:
        self._history_loading = False
        self._history_done = len(page) < self.history_page
        self.board.add_history(page)
        if not self._showing:
            return
        self.main.queue.jobs_changed()
        interrupted = sum(1 for job in page if self._resumable_here(job))
        if first and interrupted:
            self.notify(
                f"{interrupted} job(s) were not finished when fluxtui last stopped: "
                "select one and press r, or use the command palette to resume them all.",
                title="Unfinished jobs",
                timeout=8,
            )

    def _resumable_here(self, job: JobSnapshot) -> bool:
        """Whether `r` carries the job on in this mode (demo jobs only in demo mode, and the
        jobs sent with the user's keys only outside it)."""
        return self.board.resumable(job) and self.controller.leaves_alone(job) is None

    @on(JobQueue.NearEnd)
    def _near_end(self, message: JobQueue.NearEnd) -> None:
        if message.still_near(len(self.board)):
            self._load_history()

    # ---- jobs -----------------------------------------------------------------------------------

    def _on_engine_event(self, event: JobEvent) -> None:
        """Called by the engine, synchronously, in this loop: the events until the app reads
        them go in one message (hundreds of jobs polled together make one, not hundreds)."""
        if self._news is None:
            self._news = msg.JobChanged()
            self.post_message(self._news)
        self._news.events.append(event)

    def on_job_changed(self, message: msg.JobChanged) -> None:
        if message is self._news:
            self._news = None  # later events go in the next message
        if not self._showing:
            return
        added = False
        for event in message.events:
            job = event.job
            added = self.board.add(job) or added
            self.board.details[job.id] = event.detail or ""
            self._dirty[job.id] = self.board.jobs[job.id]
            if job.state.is_terminal:
                self._job_ended(job)
        if added:
            self.main.queue.jobs_changed()

    @on(msg.SendRequest)
    def _send_request(self, message: msg.SendRequest) -> None:
        request = message.request
        self.send(lambda over_budget: self.controller.start(request, over_budget=over_budget))

    def _job_ended(self, job: JobSnapshot) -> None:
        """A job ended: the screens that list it are told now; the user, once the burst of jobs
        ending together is over (`EndedNews`), with a toast unless they are looking at it."""
        self._measure_spend()
        for screen in self.screen_stack:
            screen.post_message(msg.JobEnded(job))
        shows = getattr(self.screen, "shows", None)
        shown = callable(shows) and shows(job.id)  # a comparison's cell says so
        looking = job.id == self.main.selected_id and self.app_focus and self.screen is self.main
        shown = shown or (looking and self.main.preview_visible)  # the preview says so
        self.ended_news.add(job, announce=not shown)

    def _say_ended(self, jobs: list[JobSnapshot], notices: list[Notice]) -> None:
        """The window title and maybe the bell, once for jobs that ended together; the toasts."""
        last = jobs[-1]
        word = f"{fmt.GLYPHS[last.state]} {last.state.label}"
        if len(jobs) > 1:
            word = f"{len(jobs)} jobs ended"
        prompt = fmt.one_line(last.request.prompt) if len(jobs) == 1 else ""
        if self.done_signal in ("title", "both"):
            words = " · ".join(part for part in ("fluxtui", word, prompt[:40]) if part)
            self.write_terminal(system.set_title(words))
        if self.done_signal in ("bell", "both"):
            self.bell()
        for notice in notices:
            self.notify(notice.message, title=notice.title, severity=notice.severity)

    @on(msg.JobDeleted)
    def _deleted(self, message: msg.JobDeleted) -> None:
        self.board.remove(message.job_id)
        self.main.queue.jobs_changed()

    # ---- what screens ask for -------------------------------------------------------------------

    @on(msg.CopyPath)
    def _copy_path_asked(self, message: msg.CopyPath) -> None:
        self.copy_path(message.path)

    @on(msg.LoadForm)
    def _load_form(self, message: msg.LoadForm) -> None:
        self.main.form.load(message.request)
        self.main.focus_form()

    @on(msg.ShowComparison)
    def _show_comparison(self, message: msg.ShowComparison) -> None:
        from fluxtui.tui.screens.compare import CompareScreen  # with the engine: after the paint

        jobs = [self.board.get(job.id) or job for job in message.jobs]  # the latest news of each
        self.push_screen(CompareScreen(self.controller, message.comparison, jobs, self.images))

    # ---- anywhere -------------------------------------------------------------------------------

    def action_help(self) -> None:
        from fluxtui.tui.screens.help import HelpScreen  # not in the first frame: when asked

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        config = self.controller.backend.base_config
        config_path = str(config.path or paths.config_file())
        self.push_screen(HelpScreen(self.user_keys, self._show_key, config_path))

    def _show_key(self, key: str) -> str:
        return self.get_key_display(Binding(key, ""))

    async def action_quit(self) -> None:
        live = self.board.live_count()
        if not live:
            self.exit(0)
            return
        from fluxtui.tui.screens.confirm import ConfirmScreen  # not in the first frame

        question = (
            f"{live} job(s) still running. They go on at the provider; open fluxtui "
            "again (or run `fluxtui resume`) to collect their images. Quit now?"
        )

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit(0)

        self.push_screen(ConfirmScreen(question, [("y", "Quit", "quit")]), answered)

    # ---- helpers --------------------------------------------------------------------------------

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self._quitting = True  # timers and late engine events must not touch the screens now
        super().exit(*args, **kwargs)
