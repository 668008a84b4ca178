"""Large downloads over real HTTP: streamed to the file as they arrive, capped as they arrive."""

from __future__ import annotations

import pytest
from PIL import Image

from fluxtui.core import download, files, provenance
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind
from tests.downloading import DAY, Downloads, files_under

MB = 2**20


class CountingSink:
    """A file that keeps no bytes: how many were written, and the largest write."""

    def __init__(self) -> None:
        self.written = 0
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        self.writes += 1
        return len(data)


async def test_a_large_download_is_written_piece_by_piece_and_lands_whole(
    downloads: Downloads, tmp_path
) -> None:
    url = await downloads.url(", pad=6")
    sink = CountingSink()
    received = await download.fetch_into(downloads.client, url, sink)  # type: ignore[arg-type]
    assert received == sink.written > 6 * MB
    assert sink.writes > 6, "the body reaches the file in pieces, as they arrive"

    saved = await downloads.save(url, tmp_path / "lib")
    assert files_under(tmp_path / "lib") == [tmp_path / "lib" / DAY / "job1.jpg"]
    data = saved.path.read_bytes()
    assert len(data) > 6 * MB and data.endswith(bytes(1024))
    assert provenance.read(data) == {"seed": 7, "width": 256, "height": 256}
    with Image.open(saved.path) as image:
        assert image.size == (256, 256)


async def test_the_size_cap_stops_a_download_mid_stream(
    downloads: Downloads, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(download, "MAX_IMAGE_BYTES", 1 * MB)
    url = await downloads.url(", pad=40")
    sink = CountingSink()
    with pytest.raises(ProviderError) as refused:
        await download.fetch_into(downloads.client, url, sink)  # type: ignore[arg-type]
    assert refused.value.kind is ErrorKind.BAD_RESPONSE and refused.value.ends_job
    assert refused.value.message == "refused: the image is larger than 1 MB"
    # the bytes went to the file as they came, up to the cap, and no further
    assert MB // 2 < sink.written <= MB

    error = await downloads.refusal(url, tmp_path / "lib")
    assert error.message == "refused: the image is larger than 1 MB"
    assert files_under(tmp_path) == [], "no spool file is left behind"


def test_a_large_jpeg_is_verified_whole_and_a_cut_one_refused(tmp_path) -> None:
    """The check decodes a JPEG at reduced size (little memory), yet reads all of it."""
    picture = Image.effect_noise((1600, 1200), 64).convert("RGB")
    whole = tmp_path / "whole.jpg"
    picture.save(whole, quality=90)
    assert files._check_image(whole) == ("jpeg", 1600, 1200)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with pytest.raises(ProviderError) as refused:
        files._check_image(cut)
    assert refused.value.kind is ErrorKind.BAD_RESPONSE
    assert refused.value.message.startswith(
        "the downloaded JPEG is damaged: image file is truncated"
    )
