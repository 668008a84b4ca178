"""The library list's pages across a reload: a job that ended while the library was open makes it
reload; until the new page lands, the old page's entries stand in, so a key pressed on an entry
then still finds it (it found nothing, silently, before: seen in a CI run)."""

from __future__ import annotations

from fluxtui.control.outcomes import Page
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.tui.library_pages import LibraryPages


def jobs(*prompts: str) -> tuple:
    return tuple(
        Job.create(GenerationRequest(p, "fal", "fal-ai/flux/dev", {})).snapshot() for p in prompts
    )


def test_the_old_page_stands_in_until_the_reload_lands() -> None:
    first = LibraryPages(JobQuery())
    first.loaded(0, Page(jobs("a fox", "a hare"), 2))
    reloading = LibraryPages(JobQuery(), first.total, stale=first)
    assert reloading.job(1) is not None and reloading.job(1).request.prompt == "a hare"
    assert reloading.wanted(0, 1) == [0]  # it is still asked for
    reloading.loaded(0, Page(jobs("a new owl", "a fox", "a hare"), 3))
    assert [reloading.job(i).request.prompt for i in range(3)] == ["a new owl", "a fox", "a hare"]


def test_a_page_that_comes_back_empty_shows_nothing_of_the_old_one() -> None:
    first = LibraryPages(JobQuery())
    first.loaded(0, Page(jobs("a deleted fox"), 1))
    reloading = LibraryPages(JobQuery(), first.total, stale=first)
    reloading.loaded(0, Page((), 0))
    assert reloading.job(0) is None


def test_a_fresh_query_starts_empty() -> None:
    assert LibraryPages(JobQuery()).job(0) is None
