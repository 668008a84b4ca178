"""The app's modes, which the command palette switches: demo mode or the user's keys (and what
they spent, in the header), and the way images are drawn. A base of `FluxApp`."""

from __future__ import annotations

import logging

from textual import work
from textual.app import App

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import StillRunning
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core.pricing import Spend
from fluxtui.core.text import inert
from fluxtui.tui import messages as msg
from fluxtui.tui.image_support import ImageBackend, backend_named
from fluxtui.tui.screens.main import MainScreen

log = logging.getLogger("fluxtui.tui")

DEMO_SUBTITLE = "demo — simulator, no keys"


class ModeActions(App[int]):
    controller: Controller
    main: MainScreen
    images: ImageBackend
    startup_images: ImageBackend
    _quitting: bool

    @work(thread=True, group="spend", exclusive=True, exit_on_error=False)
    def _measure_spend(self) -> None:
        if self._quitting:
            return
        try:
            today, session = self.controller.measure_spend()
        except StoreClosed:
            return  # the app is closing
        self.call_from_thread(self._spend_measured, today, session)

    def _spend_measured(self, today: Spend, session: Spend) -> None:
        self.controller.spending.update(today, session)
        self._show_mode()

    def _show_mode(self) -> None:
        """The header: demo mode, or the keys in use and what they spent."""
        controller = self.controller
        if controller.demo:
            self.title, self.sub_title = "fluxtui", DEMO_SUBTITLE  # nothing is charged
            return
        self.title = f"fluxtui · {controller.spending.header()}"
        providers = controller.backend.base_config.providers.items()
        keyed = [name for name, entry in providers if entry.has_key]
        self.sub_title = inert("keys: " + ", ".join(keyed) if keyed else "no keys")

    async def set_demo(self, demo: bool) -> None:
        """Switch between the simulator and the real services (only while no job runs)."""
        if not demo and not self.controller.backend.can_leave_demo:
            self.notify(
                "no provider has a key: set one (see `fluxtui providers`)", severity="warning"
            )
            return
        try:
            await self.controller.set_demo(demo)
        except StillRunning as exc:
            self.notify(str(exc), severity="warning")
            return
        except Exception as exc:
            log.exception("could not reopen the engine")
            self.notify(f"could not start: {exc}", title="fluxtui", severity="error", timeout=30)
            return
        self._show_mode()
        self.main.preview.demo = demo
        self.main.form.set_demo(demo)
        self.post_message(msg.EngineReady())
        self.notify(
            "demo mode: the simulator plays every provider"
            if demo
            else "using your keys: jobs are sent to the real services",
            timeout=5,
        )

    def image_choices(self) -> list[ImageBackend]:
        """The ways to draw images open now: the one probed at start, half-cell blocks, none."""
        choices = {self.startup_images.protocol: self.startup_images}
        for protocol in ("halfcell", "none"):
            choices.setdefault(protocol, backend_named(protocol, self.startup_images))
        return list(choices.values())

    def set_image_backend(self, images: ImageBackend) -> None:
        self.images = images
        preview = self.main.preview
        preview.images = images
        preview.show(None)
        preview.show(self.main.selected_id)
        self.notify(f"images: {images.description}", timeout=3)
