"""How much memory a large download takes: a 50 MB image saved through the whole save path.

The simulator runs in a process of its own (`fluxtui sim`); its image is served with 50 MB of
padding after the image's end (the `pad=` directive: decoders ignore it, so the file is a real,
verifiable image of that size). In this process, after a warm-up save of a small image (the
client, Pillow and the first file are set up):

- the baseline: this process's resident memory (RSS) just before the download;
- the figure: its peak RSS while `files.save_image` downloads, verifies, stamps and renames the
  image (Linux's peak counter, reset before: `/proc/self/clear_refs`), less the baseline;
- for contrast: the same growth for reading the body into memory (`response.aread()`).

    python bench/download_rss.py [--mb 50]

Target (issue 14): RSS grows by < 10 MB for a 50 MB download.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

WORK = Path(tempfile.mkdtemp(prefix="fluxtui-download-rss-"))
for _name in ("CONFIG", "DATA", "CACHE", "STATE"):
    os.environ[f"XDG_{_name}_HOME"] = str(WORK / _name.lower())

sys.path.insert(0, str(Path(__file__).parent))
from submit_cost import start_simulator  # noqa: E402

from fluxtui.core.files import save_image  # noqa: E402
from fluxtui.core.results import ImageRef  # noqa: E402

MB = 2**20


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Set the peak RSS counter (VmHWM) to the RSS now."""
    Path("/proc/self/clear_refs").write_text("5")


async def image_url(client: httpx.AsyncClient, api: str, pad_mb: float) -> str:
    """A finished Comet job's image URL, padded by `pad_mb` MB."""
    body = {"prompt": f"a lighthouse [[sim: queue=0, run=0, pad={pad_mb:g}]]"}
    auth = {"authorization": "Bearer sim-key"}
    job = (await client.post(f"{api}/comet/flux/v1/flux-dev", json=body, headers=auth)).json()
    for _ in range(100):
        answer = (await client.get(job["polling_url"], headers=auth)).json()
        if answer["status"] == "Ready":
            return str(answer["result"]["sample"])
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the job did not finish: {answer}")


async def save(client: httpx.AsyncClient, url: str, name: str) -> Path:
    saved = await save_image(
        client,
        ImageRef(url),
        WORK / "library",
        job_id=name,
        created_at=time.time(),
        index=0,
        count=1,
        meta={"prompt": "a lighthouse"},
        fallback_dir=WORK / "unsaved",
    )
    return saved.path


async def measure(api: str, pad_mb: float) -> tuple[int, int, int, int]:
    """(RSS before, peak growth saving, RSS before, peak growth reading into memory), in KB."""
    async with httpx.AsyncClient(timeout=60, follow_redirects=True) as client:
        await save(client, await image_url(client, api, 0.01), "warm-up")
        url = await image_url(client, api, pad_mb)
        before = _status_kb("VmRSS")
        reset_peak()
        path = await save(client, url, "large")
        saved = _status_kb("VmHWM") - before
        assert path.stat().st_size > pad_mb * MB, "the whole image was saved"
        path.unlink()
        held_before = _status_kb("VmRSS")
        reset_peak()
        body = (await client.get(url)).content
        held = _status_kb("VmHWM") - held_before
        assert len(body) > pad_mb * MB
        del body
    return before, saved, held_before, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0)
    args = parser.parse_args()
    sim, urls = start_simulator()
    try:
        before, saved, held_before, held = asyncio.run(measure(urls.api, args.mb))
    finally:
        sim.kill()
        sim.wait()
    print(f"a {args.mb:g} MB download, Python {sys.version.split()[0]}")
    print(f"{'baseline: RSS before':<36} {before / 1024:8.1f} MB")
    print(f"{'save_image (streamed): RSS growth':<36} {saved / 1024:8.1f} MB")
    held_mb, from_mb = held / 1024, held_before / 1024
    print(f"{'read into memory: RSS growth':<36} {held_mb:8.1f} MB (from {from_mb:.1f})")
    verdict = "OK" if saved < 10 * 1024 else "OVER"
    print(f"RSS grows {saved / 1024:.1f} MB for {args.mb:g} MB (target < 10 MB): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
