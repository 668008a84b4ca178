"""The library list's view model: the jobs a query selects, loaded a page at a time as rows come
into view (never all of them: a store may hold tens of thousands).

Plain data, no Textual and no SQLite: the list asks which pages it lacks for the rows it shows
(`wanted`), loads them through the controller (`library_page`) in a thread, and hands them back
(`loaded`).
"""

from __future__ import annotations

from dataclasses import replace

from fluxtui.control.outcomes import Page
from fluxtui.core.job_rows import KEYSET_SORTS, JobQuery
from fluxtui.core.models import JobSnapshot

PAGE_SIZE = 100


class LibraryPages:
    def __init__(
        self, query: JobQuery, total: int | None = None, *, stale: LibraryPages | None = None
    ):
        """`total`: how many jobs the query matched last time, shown until the first page says.
        `stale`: the pages this reload replaces, whose jobs stand in until their page is loaded
        again (a key pressed on an entry while the list reloads still finds it)."""
        self.query = replace(query, limit=PAGE_SIZE, offset=0)
        self.total = total
        self._pages: dict[int, list[JobSnapshot]] = {}
        self._stale: dict[int, list[JobSnapshot]] = dict(stale._pages) if stale else {}
        self._asked: set[int] = set()

    @property
    def known(self) -> bool:
        """Whether a page has been loaded (so `total` is the query's own count)."""
        return bool(self._pages)

    def job(self, index: int) -> JobSnapshot | None:
        """The job at `index`, if its page is loaded (or it was, before this reload)."""
        page = self._pages.get(index // PAGE_SIZE) or self._stale.get(index // PAGE_SIZE)
        offset = index % PAGE_SIZE
        return page[offset] if page is not None and offset < len(page) else None

    def wanted(self, first: int, last: int) -> list[int]:
        """The pages holding rows `first`..`last` that are neither loaded nor asked for; they count
        as asked from now on."""
        if self.total is not None:
            last = min(last, self.total - 1)
        numbers = [
            n
            for n in range(max(0, first) // PAGE_SIZE, max(0, last) // PAGE_SIZE + 1)
            if n not in self._pages and n not in self._asked
        ]
        self._asked.update(numbers)
        return numbers

    def query_for(self, number: int) -> JobQuery:
        """Page `number`'s query: after the last job of the page before it, when that page is
        loaded and the sort allows (a keyset page: as quick deep in the library as at its top,
        and not shifted by jobs added meanwhile); else by offset."""
        before = self._pages.get(number - 1)
        if before and len(before) == PAGE_SIZE and self.query.sort in KEYSET_SORTS:
            return replace(self.query, after=(before[-1].created_at, before[-1].id))
        return replace(self.query, offset=number * PAGE_SIZE)

    def loaded(self, number: int, page: Page) -> None:
        self._pages[number] = list(page.jobs)
        self._stale.pop(number, None)
        self._asked.discard(number)
        self.total = page.total

    def failed(self, number: int) -> None:
        """Loading page `number` failed: it may be asked for again."""
        self._asked.discard(number)

    def jobs(self, first: int, last: int) -> list[JobSnapshot]:
        """The loaded jobs among rows `first`..`last`."""
        return [job for i in range(max(0, first), last + 1) if (job := self.job(i)) is not None]


def is_filtered(query: JobQuery) -> bool:
    """Whether `query` leaves some jobs out (a search, or a filter other than the sort)."""
    return any(
        value is not None and value != ""
        for value in (
            query.search,
            query.provider,
            query.model,
            query.state,
            query.since,
            query.until,
            query.group_id,
        )
    )
