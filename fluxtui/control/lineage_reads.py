"""The library's lineage reads, answered in snapshots: a job's family (the jobs its input images
came from, and those that took its images as inputs), its chain back to the first image, and
where a job is in the list a query shows (to move the cursor there, widening the filters when
they hide it). Every method is *blocking* (SQLite): call it from a thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from fluxtui.control.threaded_store import ThreadedStore
from fluxtui.core import chains, library
from fluxtui.core.chains import Cut
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import JobSnapshot
from fluxtui.core.store import Store

FIRST_CHILDREN = 3  # the children a family names (the rest are counted)
MAX_LISTED = 200  # the children a chooser lists at most


@dataclass(frozen=True)
class Family:
    """What the library says of a job's lineage: its stored `parents` (in the order of its
    inputs), the parent ids no longer stored (`gone`: deleted since), the first of its
    `children` (oldest first) and how many there are."""

    job_id: str
    parents: tuple[JobSnapshot, ...]
    gone: tuple[str, ...]
    children: tuple[JobSnapshot, ...]
    child_total: int


@dataclass(frozen=True)
class Chain:
    """A job's chain, first image first, and why it starts there (None: made from no job)."""

    jobs: tuple[JobSnapshot, ...]
    cut: Cut | None


@dataclass(frozen=True)
class Located:
    """Where a job is: row `index` of the `total` jobs `query` shows; `widened` when the query
    asked for hid it, so this one is that query without its filters (the sort kept)."""

    query: JobQuery
    index: int
    total: int
    widened: bool


class LineageReads:
    """Reads on the controller's own store connection (`ThreadedStore`)."""

    def __init__(self, reads: ThreadedStore):
        self._reads = reads

    def family(self, job: JobSnapshot, first: int = FIRST_CHILDREN) -> Family:
        def query(store: Store) -> Family:
            parents = store.parents(job.id)
            found = {parent.id for parent in parents}
            wanted = (i.parent_job for i in job.request.inputs if i.parent_job is not None)
            gone = tuple(dict.fromkeys(p for p in wanted if p not in found))
            children = store.children(job.id, first)
            return Family(
                job.id,
                tuple(p.snapshot() for p in parents),
                gone,
                tuple(c.snapshot() for c in children),
                store.child_count(job.id),
            )

        return self._reads.run(query)

    def parents(self, job_id: str) -> list[JobSnapshot]:
        return [job.snapshot() for job in self._reads.run(lambda store: store.parents(job_id))]

    def children(self, job_id: str, limit: int = MAX_LISTED) -> list[JobSnapshot]:
        """The first `limit` children, oldest first."""
        found = self._reads.run(lambda store: store.children(job_id, limit))
        return [job.snapshot() for job in found]

    def chain(self, job_id: str) -> Chain:
        """The job and its ancestors through each one's first stored parent, first image first
        (`library.chain`), and why it starts there (`chains.cut_before`)."""

        def query(store: Store) -> Chain:
            jobs = library.chain(store, job_id)
            return Chain(tuple(j.snapshot() for j in jobs), chains.cut_before(store, jobs))

        return self._reads.run(query)

    def locate(self, job_id: str, query: JobQuery) -> Located | None:
        """Where `job_id` is in the list `query` shows, or in the whole library when the
        filters hide it; None when it is not stored (deleted)."""

        def find(store: Store) -> Located | None:
            for widened, asked in ((False, query), (True, JobQuery(sort=query.sort))):
                index = store.position(job_id, asked)
                if index is not None:
                    return Located(asked, index, store.count(asked), widened)
            return None

        return self._reads.run(find)
