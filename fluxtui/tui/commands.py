"""The command palette's commands that depend on the app's state (ctrl+p).

Switch provider or model, enter or leave demo mode, change how images are drawn, resume or cancel
jobs, open the image folder. (The keys' own commands come from the key table: `key_commands`.)
The provider reads the app through `PaletteHost`, the few things it needs, so that it never
imports the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import NotReady
from fluxtui.core import paths
from fluxtui.term.report import Choice, TerminalReport
from fluxtui.tui import image_support, system
from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.safe import content, highlight, markup
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.widgets.prompt_form import known_models

Command = tuple[str, str, Callable[[], Any]]


@runtime_checkable
class PaletteHost(Protocol):
    controller: Controller
    board: JobBoard
    images: ImageBackend
    main: MainScreen
    terminal_report: TerminalReport
    terminal_choice: Choice

    def image_choices(self) -> list[ImageBackend]: ...
    def set_image_backend(self, images: ImageBackend) -> None: ...
    async def set_demo(self, demo: bool) -> None: ...
    def resume_all(self) -> None: ...
    def cancel_all(self) -> None: ...


class FluxCommands(Provider):
    def commands(self) -> Iterator[Command]:
        host = self.app
        if not isinstance(host, PaletteHost):
            return
        form = host.main.form
        controller = host.controller
        config = controller.backend.base_config
        for name, entry in config.providers.items():
            if name != form.provider:
                label = entry.label if entry.label.lower() == name else f"{entry.label} ({name})"
                yield (
                    f"Provider: {label}",
                    f"switch the form to {name}",
                    partial(form.set_provider, name),
                )
        for spec in known_models(config, form.provider):
            if spec.id != form.model:
                yield (
                    f"Model: {spec.id}",
                    f"{spec.label} on {form.provider}",
                    partial(form.set_model, spec.id),
                )
        if controller.demo and controller.backend.can_leave_demo:
            yield (
                "Leave demo mode",
                "send jobs to the real services with your keys",
                partial(host.set_demo, False),
            )
        elif not controller.demo:
            yield (
                "Demo mode",
                "try everything on the built-in simulator; nothing is charged",
                partial(host.set_demo, True),
            )
        for choice in host.image_choices():
            if choice.protocol != host.images.protocol:
                yield (
                    f"Images: {image_support.PROTOCOL_NAMES[choice.protocol]}",
                    "change how the preview draws images",
                    partial(host.set_image_backend, choice),
                )
        board = host.board
        interrupted = sum(
            1
            for job in board.jobs.values()
            if board.resumable(job) and host.controller.leaves_alone(job) is None
        )
        if interrupted:
            yield (
                f"Resume unfinished jobs ({interrupted})",
                "follow them at the provider again",
                host.resume_all,
            )
        live = board.live_count()
        if live:
            yield (
                f"Cancel all running jobs ({live})",
                "stop them at the provider",
                host.cancel_all,
            )
        yield (
            "Terminal report",
            "what the terminal said it draws and what was chosen, as `fluxtui doctor` prints",
            partial(self._show_terminal, host),
        )
        yield (
            "Check provider accounts",
            "ask each provider whether its key works, where that is free (BFL: the balance)",
            partial(self._check_accounts, controller),
        )
        library = paths.library_dir()
        yield ("Open the image folder", str(library), partial(self._open_folder, library))
        yield (
            "Copy the image folder's path",
            str(library),
            partial(self.app.copy_to_clipboard, str(library)),
        )

    async def _open_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        problem = await system.open_in_viewer(folder)
        if problem:
            self.app.notify(problem, title="Cannot open the folder", severity="warning")

    def _show_terminal(self, host: PaletteHost) -> None:
        from fluxtui.term.describe import describe  # not in the first frame: when asked
        from fluxtui.tui.screens.terminal_report import TerminalReportScreen

        lines = describe(host.terminal_report, host.terminal_choice)
        self.app.push_screen(TerminalReportScreen(lines))

    async def _check_accounts(self, controller: Controller) -> None:
        """The same check as `fluxtui providers --check`, told in one notification."""
        from fluxtui.core.accounts import AccountState

        try:
            statuses = await controller.check_accounts()
        except NotReady as exc:
            self.app.notify(str(exc), title="Provider accounts", severity="warning")
            return
        states = {status.state for status in statuses}
        bad = {AccountState.REFUSED, AccountState.NO_CREDITS, AccountState.ERROR}
        self.app.notify(
            "\n".join(f"{status.label}: {status.message}" for status in statuses),
            title="Provider accounts",
            severity="error" if states & bad else "information",
            timeout=20,
        )

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(content(title), callback, text=title, help=markup(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, title), callback, text=title, help=markup(help_text)
                )
