"""Jobs that end together are announced together: a notification per provider and outcome."""

from __future__ import annotations

from textual.widgets import TextArea

from fluxtui.core.models import GenerationRequest, Job
from fluxtui.tui.notices import MIN_WAIT_S, EndedNews
from tests.tui.helpers import ready, wait_for, with_key


def job_notices(app) -> list[tuple[str, str]]:
    """The notifications about jobs (title, message); not the config's or the app's own."""
    return [(n.title, n.message) for n in app._notifications if " · " in n.title]


def send_all(app, requests: list[GenerationRequest]) -> None:
    """Start `requests` as the form would, all at once."""
    for request in requests:
        app.send(lambda over_budget, r=request: app.controller.start(r, over_budget=over_budget))


async def all_said(pilot, count: int) -> None:
    """Until `count` jobs have ended and the burst has been announced."""
    app = pilot.app
    await wait_for(
        pilot,
        lambda: (
            len(app.board) == count
            and all(job.state.is_terminal for job in app.board.jobs.values())
        ),
        "every job to end",
    )
    await wait_for(pilot, lambda: not app.ended_news.ended, "the burst to be announced")


async def test_many_jobs_ending_together_make_few_notifications(make_app, sim_config):
    # comet's key is out of credits at the simulator: its jobs fail at once, fal's succeed
    app = make_app(with_key(sim_config, "comet", "sim-no-credits"), notice_s=2.0)
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: no preview shows a job
        await ready(pilot)
        fal = [GenerationRequest(f"fox {i}", "fal", "fal-ai/flux/schnell", {}) for i in range(4)]
        comet = [GenerationRequest(f"owl {i}", "comet", "flux-dev", {}) for i in range(3)]
        send_all(app, [*fal, *comet])
        await all_said(pilot, 7)
        said = job_notices(app)
        assert len(said) == 2, said
        titles = dict(said)
        assert "✓ 4 jobs done · fal" in titles
        failed = next(title for title in titles if "comet" in title)
        assert failed.endswith("3 failed · comet")
        prompts, reason = titles[failed].split("\n")
        assert prompts.startswith("owl ") and "credits" in reason  # said once for the three


async def test_a_single_job_is_announced_with_its_prompt(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        send_all(app, [GenerationRequest("a lone heron", "fal", "fal-ai/flux/schnell", {})])
        await all_said(pilot, 1)
        assert job_notices(app) == [("✓ done · fal", "a lone heron")]


async def test_no_notification_for_the_job_in_the_preview(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:  # the preview shows the selected job
        await ready(pilot)
        app.main.form.query_one("#prompt", TextArea).text = "a heron in view"
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "the job")
        assert app.main.selected_id == job.id and app.main.preview_visible
        await all_said(pilot, 1)
        assert app.board.jobs[job.id].state.is_terminal
        assert job_notices(app) == []


def test_a_burst_past_its_cap_still_waits_a_moment_before_it_is_said():
    """A zero-length Textual timer that starts late divides by zero in Textual's timer loop (seen
    in a loaded CI run): the wait for the burst's end is never 0, even once the cap has passed."""
    waits: list[float] = []
    said: list[int] = []
    now = [100.0]

    class Timer:  # what EndedNews uses of Textual's
        def stop(self) -> None:
            pass

    def set_timer(delay: float, callback):
        waits.append(delay)
        return Timer()

    news = EndedNews(set_timer, lambda ended, _: said.append(len(ended)), clock=lambda: now[0])
    job = Job.create(GenerationRequest("a fox", "fal", "fal-ai/flux/dev", {})).snapshot()
    news.add(job, announce=True)
    now[0] += news.cap_s + 5  # the burst has gone on past its cap
    news.add(job, announce=True)
    assert waits[0] == news.window_s and waits[-1] == MIN_WAIT_S > 0
    news.flush()
    assert said == [2]
