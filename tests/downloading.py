"""Helpers for the download and saving tests: finished simulator images, and saves of them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from fluxtui.core.errors import ProviderError
from fluxtui.core.files import SavedImage, save_image
from fluxtui.core.results import ImageRef
from fluxtui.sim import SimServer

BFL = {"x-key": "sim-test-key"}
CREATED = time.mktime((2026, 3, 4, 12, 0, 0, 0, 0, -1))
DAY = "2026-03-04"


class Downloads:
    """One HTTP client (set up as the engine's download client) on one simulator."""

    def __init__(self, client: httpx.AsyncClient, sim: SimServer) -> None:
        self.client = client
        self.sim = sim

    async def url(self, directives: str = "", fmt: str = "jpeg") -> str:
        """The signed URL of a finished job's 256x256 image (BFL protocol)."""
        body = {
            "prompt": f"a fox [[sim: queue=0, run=0{directives}]]",
            "width": 256,
            "height": 256,
            "output_format": fmt,
        }
        submit = f"{self.sim.base_url('bfl')}/v1/flux-dev"
        job = (await self.client.post(submit, json=body, headers=BFL)).json()
        answer = (await self.client.get(job["polling_url"], headers=BFL)).json()
        assert answer["status"] == "Ready", answer
        return str(answer["result"]["sample"])

    async def save(
        self,
        url: str,
        library: Path,
        *,
        deadline: float | None = None,
        fallback_dir: Path | None = None,
        meta: dict[str, object] | None = None,
    ) -> SavedImage:
        """`save_image` as job "job1" (one image, made on `DAY`), by default with a tiny record."""
        return await save_image(
            self.client,
            ImageRef(url),
            library,
            job_id="job1",
            created_at=CREATED,
            index=0,
            count=1,
            meta={"seed": 7} if meta is None else meta,
            deadline=deadline,
            fallback_dir=fallback_dir,
        )

    async def refusal(
        self, url: str, library: Path, *, deadline: float | None = None
    ) -> ProviderError:
        """The error saving `url` fails with; nothing may land in `library`."""
        try:
            await self.save(url, library, deadline=deadline)
        except ProviderError as exc:
            assert files_under(library) == [], "nothing lands in the library"
            return exc
        raise AssertionError("the save succeeded")


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())
