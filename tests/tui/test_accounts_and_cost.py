"""The palette's "Check provider accounts" (the check of `fluxtui providers --check`, through the
controller) and the cost a provider reported, in the preview, driven through the real app."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from fluxtui.core.config import Config
from fluxtui.core.models import JobState
from fluxtui.core.settings import Secret
from fluxtui.tui.commands import FluxCommands
from tests.tui.helpers import notified, ready, screen_text, type_text, until, wait_for
from tests.tui.test_jobs import submit


async def test_the_palette_checks_the_provider_accounts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "check provider accounts")
        await wait_for(pilot, lambda: "Check provider accounts" in screen_text(app), "the command")
        await pilot.press("enter")
        note = await wait_for(
            pilot,
            lambda: next((n for n in notified(app) if n.title == "Provider accounts"), None),
            "the accounts notification",
        )
        lines = note.message.splitlines()
        assert any(line.startswith("BFL: key works; balance ") for line in lines)
        assert "fal: no free check: fal documents no free request to ask; nothing was sent" in lines
        assert note.severity == "information"


async def test_a_refused_key_is_an_error_notification_without_the_key(
    make_app, sim_config: Config
) -> None:
    bad = "sim-invalid-key"
    entry = replace(sim_config.providers["bfl"], key=Secret(bad))
    app = make_app(replace(sim_config, providers={**sim_config.providers, "bfl": entry}))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        commands = FluxCommands(app.screen).commands()
        [check] = [call for title, _, call in commands if title == "Check provider accounts"]
        await check()  # what the palette runs
        note = await wait_for(
            pilot,
            lambda: next((n for n in notified(app) if n.title == "Provider accounts"), None),
            "the accounts notification",
        )
        assert note.severity == "error"
        assert "BFL: key refused: key rejected by BFL (403)" in note.message
        assert bad not in note.message


async def test_the_preview_shows_the_cost_the_provider_reported(
    make_app, sim_config: Config
) -> None:
    """Off demo mode (the simulator as a paid service), BFL's settled cost shows in the preview."""
    app = make_app(replace(sim_config, demo=False))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "bfl", "a fox in the preview 2c7d")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to finish")
        assert job.cost is not None and job.cost.usd == 0.04
        meta = app.main.preview.query_one("#preview-meta", Static)
        await wait_for(pilot, lambda: "$0.040 reported" in str(meta.render()), "the cost shown")
