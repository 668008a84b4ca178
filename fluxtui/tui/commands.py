"""The command palette's commands, which depend on the app's state (ctrl+p).

Switch provider or model, enter or leave demo mode, change how images are drawn, resume or cancel
jobs, act on the selected job, open the image folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fluxtui.core import paths
from fluxtui.tui import image_support, system
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.widgets.prompt_form import known_models

if TYPE_CHECKING:
    from fluxtui.tui.app import FluxApp

Command = tuple[str, str, Callable[[], Any]]

JOB_COMMANDS = (
    ("retry_job", "Retry the selected job", "send its request again", "app.retry_job"),
    ("rerun", "Re-run the selected job with its seed", "same request, same seed", "app.rerun(True)"),
    ("rerun", "Re-run the selected job with a new seed", "same request, new seed",
     "app.rerun(False)"),
    ("edit_job", "Copy the selected job into the form", "prompt, provider, model, settings",
     "app.edit_job"),
    ("open_file", "Open the selected image", "in the system viewer", "app.open_file"),
    ("copy_path", "Copy the selected image's path", "OSC 52 clipboard", "app.copy_path"),
    ("cancel_job", "Cancel the selected job", "stop it at the provider", "app.cancel_job"),
    ("delete_job", "Delete the selected job", "from the history (asks first)", "app.delete_job"),
)


class FluxCommands(Provider):
    @property
    def flux(self) -> FluxApp:
        return cast("FluxApp", self.app)

    def commands(self) -> Iterator[Command]:
        app = self.flux
        form = app.main_screen().form
        config = app.backend.base_config
        for name, entry in config.providers.items():
            if name != form.provider:
                label = entry.label if entry.label.lower() == name else f"{entry.label} ({name})"
                yield (f"Provider: {label}", f"switch the form to {name}",
                       partial(app.switch_provider, name))
        for spec in known_models(config, form.provider):
            if spec.id != form.model:
                yield (f"Model: {spec.id}", f"{spec.label} on {form.provider}",
                       partial(app.switch_model, spec.id))
        if app.demo and app.backend.can_leave_demo:
            yield ("Leave demo mode", "send jobs to the real services with your keys",
                   partial(app.set_demo, False))
        elif not app.demo:
            yield ("Demo mode", "try everything on the built-in simulator; nothing is charged",
                   partial(app.set_demo, True))
        for choice in app.image_choices():
            if choice.protocol != app.images.protocol:
                yield (f"Images: {image_support.PROTOCOL_NAMES[choice.protocol]}",
                       "change how the preview draws images", partial(app.set_image_backend, choice))
        interrupted = sum(1 for j in app.board.jobs.values()
                          if not j.state.is_terminal and not app.board.is_live(j))
        if interrupted:
            yield (f"Resume unfinished jobs ({interrupted})", "follow them at the provider again",
                   app.resume_all)
        live = app.board.live_count()
        if live:
            yield (f"Cancel all running jobs ({live})", "stop them at the provider", app.cancel_all)
        on_main = isinstance(self.screen, MainScreen)
        for action, title, help_text, command in JOB_COMMANDS:
            if on_main and app.board.get(app.selected_id) and app.check_action(action, ()):
                yield (title, help_text, partial(app.run_action, command))
        if on_main:
            yield ("Compare providers and models…", "the form's prompt, size and seed on "
                   "several targets at once", app.action_compare)
            yield ("Open the library", "every image made: search, filter, re-run, export, delete",
                   app.action_library)
        library = paths.library_dir()
        yield ("Open the image folder", str(library), partial(self._open_folder, library))
        yield ("Copy the image folder's path", str(library),
               partial(app.copy_to_clipboard, str(library)))
        yield ("Show keys", "every key, and its id for remapping in config.toml", app.action_help)

    async def _open_folder(self, folder: Any) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        problem = await system.open_in_viewer(folder)
        if problem:
            self.app.notify(problem, title="Cannot open the folder", severity="warning")

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
