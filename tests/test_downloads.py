"""Downloads over real HTTP against the simulator: streamed, bounded, and every failure readable."""

from __future__ import annotations

import base64
import io
import socket
import time
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from fluxtui.core import download, paths, provenance
from fluxtui.core.engine import Engine
from fluxtui.core.files import SavedImage
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.store import Store
from tests.downloading import DAY, Downloads, files_under
from tests.helpers import generate


async def test_a_download_lands_whole_with_its_provenance(downloads: Downloads, tmp_path) -> None:
    library = tmp_path / "library"
    saved = await downloads.save(await downloads.url(), library)
    assert saved == SavedImage(library / DAY / "job1.jpg", 256, 256, cached=False)
    assert files_under(library) == [saved.path]  # no spool or temp file left beside it
    data = saved.path.read_bytes()
    assert provenance.read(data) == {"seed": 7, "width": 256, "height": 256}
    with Image.open(io.BytesIO(data)) as img:
        img.load()


async def test_a_gzip_encoded_download_is_not_taken_for_a_truncated_one(
    downloads: Downloads, tmp_path
) -> None:
    saved = await downloads.save(await downloads.url(", gzip=1", "png"), tmp_path / "lib")
    assert saved.path.name == "job1.png" and not saved.cached
    assert provenance.read(saved.path.read_bytes())["seed"] == 7


async def test_a_bad_gzip_body_is_a_transient_corrupt_download(
    downloads: Downloads, tmp_path
) -> None:
    error = await downloads.refusal(await downloads.url(", gzip=bad"), tmp_path / "lib")
    assert error.kind is ErrorKind.TRANSPORT and error.transient
    assert error.message == "the download was corrupt (bad gzip)"


async def test_a_redirect_loop_is_a_clear_transient_error(downloads: Downloads, tmp_path) -> None:
    error = await downloads.refusal(await downloads.url(", redirect_loop=1"), tmp_path / "lib")
    assert error.kind is ErrorKind.TRANSPORT and error.transient
    assert error.message == "the image URL redirects in a loop"


async def test_a_429_is_rate_limited_with_its_retry_after(downloads: Downloads, tmp_path) -> None:
    url = await downloads.url(", download=429, download_times=1, retry_after=7")
    error = await downloads.refusal(url, tmp_path / "lib")
    assert error.kind is ErrorKind.RATE_LIMITED and error.transient
    assert (error.retry_after, error.status_code) == (7, 429)
    assert (await downloads.save(url, tmp_path / "lib")).width == 256  # the next try gets it


async def test_a_slow_loris_download_ends_at_the_deadline(downloads: Downloads, tmp_path) -> None:
    url = await downloads.url(", slow=5")
    error = await downloads.refusal(url, tmp_path / "lib", deadline=time.monotonic() + 1.0)
    assert error.kind is ErrorKind.TRANSPORT and error.transient
    assert error.message.startswith("the image download stalled: ")
    assert " bytes in " in error.message and error.message.endswith(" s")
    assert files_under(tmp_path) == []  # nor a spool file anywhere


async def test_a_decompression_bomb_is_refused_and_its_bytes_kept(
    downloads: Downloads, tmp_path
) -> None:
    error = await downloads.refusal(await downloads.url(", bomb=1"), tmp_path / "lib")
    assert error.kind is ErrorKind.BAD_RESPONSE and not error.transient
    kept = paths.unsaved_dir() / "job1.png"
    assert error.message == (
        "refused: the image is 400 MP, more than fluxtui decodes (178 MP);"
        f" its bytes are kept in {kept}"
    )
    assert kept.read_bytes().startswith(provenance.PNG_SIGNATURE)
    assert files_under(paths.unsaved_dir()) == [kept]


async def test_a_download_over_the_size_cap_is_refused(
    downloads: Downloads, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(download, "MAX_IMAGE_BYTES", 1000)
    error = await downloads.refusal(await downloads.url(), tmp_path / "lib")
    assert error.kind is ErrorKind.BAD_RESPONSE
    assert error.message.startswith("refused: the image is larger than ")
    assert files_under(tmp_path) == []


async def test_an_expired_url_is_not_found(downloads: Downloads, tmp_path) -> None:
    error = await downloads.refusal(await downloads.url(", ttl=0"), tmp_path / "lib")
    assert error.kind is ErrorKind.NOT_FOUND


async def test_a_truncated_download_is_transient(downloads: Downloads, tmp_path) -> None:
    error = await downloads.refusal(await downloads.url(", truncate=1"), tmp_path / "lib")
    assert error.kind is ErrorKind.TRANSPORT and "broke off" in error.message
    assert files_under(tmp_path) == []


async def test_a_corrupt_download_is_refused(downloads: Downloads, tmp_path) -> None:
    error = await downloads.refusal(await downloads.url(", corrupt=1"), tmp_path / "lib")
    assert error.kind is ErrorKind.BAD_RESPONSE and "not a PNG, JPEG or WebP" in error.message


async def test_an_unreachable_host_is_transient(downloads: Downloads, tmp_path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await downloads.refusal(f"http://127.0.0.1:{port}/sample.png", tmp_path / "lib")
    assert error.kind is ErrorKind.TRANSPORT
    assert error.message.startswith(
        f"could not connect to the image host: 127.0.0.1:{port} refused the connection"
    )


async def test_inline_images_are_saved_and_broken_ones_refused(
    downloads: Downloads, tmp_path
) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(out, "PNG")
    inline = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    saved = await downloads.save(inline, tmp_path / "lib")
    assert (saved.width, saved.height, saved.path.suffix) == (8, 6, ".png")
    error = await downloads.refusal("data:image/png;base64,%%%", tmp_path / "other")
    assert error.kind is ErrorKind.BAD_RESPONSE and "broken base64" in error.message


async def test_a_huge_parameter_value_saves_into_a_jpeg(downloads: Downloads, tmp_path) -> None:
    meta: dict[str, object] = {"seed": 7, "params": {"style": "x" * 1_000_000}}
    saved = await downloads.save(await downloads.url(), tmp_path / "lib", meta=meta)
    back = provenance.read(saved.path.read_bytes())
    assert back["shortened"] == ["params.style"] and back["seed"] == 7


@pytest.fixture
async def quick(sim_config, store: Store, tmp_path) -> AsyncIterator[Engine]:
    async with Engine(sim_config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
        yield engine


async def test_the_engine_retries_a_rate_limited_download(quick: Engine) -> None:
    job, events = await generate(quick, "bfl", "a fox [[sim: download=429, download_times=1]]")
    assert job.state is JobState.DONE, job.error
    assert any("rate-limited" in (event.detail or "") for event in events)


async def test_the_engine_refuses_a_bomb_with_a_reason(quick: Engine) -> None:
    job, _ = await generate(quick, "fal", "a fox [[sim: bomb=1]]")
    assert job.state is JobState.FAILED
    assert job.error is not None and job.error.message.startswith("refused: the image is 400 MP")
    assert job.files == []
