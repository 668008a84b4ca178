"""The app's repaints: what changed since the last one, at most ~10 times a second, and the one
clock that moves the elapsed times of live jobs on, once a second.

A base of `FluxApp`. The queue repaints only the lines in view of the jobs that changed; the
screens get the changed jobs in one `JobsUpdated`; the keys shown are checked again only when
the selected job changed (they depend on its state).
"""

from __future__ import annotations

from fluxtui.core.models import JobSnapshot
from fluxtui.tui import messages as msg
from fluxtui.tui.board import JobBoard
from fluxtui.tui.job_actions import JobActions
from fluxtui.tui.screens.main import MainScreen


class Repainting(JobActions):
    board: JobBoard
    main: MainScreen
    _dirty: dict[str, JobSnapshot]
    _quitting: bool

    def _repaint(self) -> None:
        """Repaint what changed since the last repaint (at most ~10 times a second)."""
        if not self._dirty or not self._showing:
            return
        dirty, self._dirty = self._dirty, {}
        self.main.queue.update_title()
        self.main.queue.show_changes(dirty)
        for preview in self._previews():
            if preview.job_id in dirty:
                preview.refresh_job()
        for screen in self.screen_stack:
            screen.post_message(msg.JobsUpdated(dirty))
        if self.screen is not self.main or self.main.selected_id in dirty:
            self.refresh_bindings()  # the keys shown depend on the selected job's state

    def _tick(self) -> None:
        """Once a second: the elapsed times of live jobs."""
        if not self.board.live_count() or not self._showing:
            return
        self.main.queue.show_changes()
        for preview in self._previews():
            job = preview.job
            if job is not None and self.board.is_live(job):
                preview.refresh_job()
        for screen in self.screen_stack:
            screen.post_message(msg.Tick())

    @property
    def _showing(self) -> bool:
        """False once the app is closing."""
        return not self._quitting and self.main.is_attached
