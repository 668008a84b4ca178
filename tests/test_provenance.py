"""Provenance goes into PNG, JPEG and WebP files without touching the image data."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from fluxtui.core import provenance


def encode(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 10)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_embed_then_read_back(fmt: str) -> None:
    original = encode(fmt)
    meta = {"prompt": "a fox — in the snow", "seed": 42, "provider": "fal"}
    stamped = provenance.embed(original, meta)
    assert provenance.read(stamped) == meta
    with Image.open(io.BytesIO(stamped)) as img:
        img.load()
        assert img.size == (40, 30)
    with Image.open(io.BytesIO(original)) as a, Image.open(io.BytesIO(stamped)) as b:
        assert a.tobytes() == b.tobytes()


def test_png_keeps_original_chunks_byte_for_byte() -> None:
    original = encode("PNG")
    stamped = provenance.embed(original, {"seed": 1})
    assert len(stamped) > len(original)
    assert stamped.endswith(original[33:])  # everything after IHDR is untouched
    assert stamped.startswith(original[:33])


def test_jpeg_comment_follows_the_app_segments() -> None:
    original = encode("JPEG")
    stamped = provenance.embed(original, {"seed": 1})
    assert stamped[:2] == b"\xff\xd8"
    assert stamped[2:4] == b"\xff\xe0"  # JFIF APP0 still first
    app0_end = 4 + int.from_bytes(stamped[4:6], "big")
    assert stamped[app0_end : app0_end + 2] == b"\xff\xfe"  # the COM segment comes next
    com_end = app0_end + 2 + int.from_bytes(stamped[app0_end + 2 : app0_end + 4], "big")
    assert stamped[:app0_end] + stamped[com_end:] == original  # nothing else changed
    with Image.open(io.BytesIO(stamped)) as img:
        assert img.info.get("comment", b"").startswith(b"fluxtui ")


def test_a_huge_prompt_is_shortened_to_fit_a_jpeg_segment() -> None:
    meta = {"prompt": "é" * 100_000, "seed": 3}
    stamped = provenance.embed(encode("JPEG"), meta)
    back = provenance.read(stamped)
    assert back["shortened"] == ["prompt"]
    assert back["seed"] == 3
    assert back["prompt"].startswith("éé")


def test_other_bytes_are_left_alone() -> None:
    assert provenance.sniff_format(b"<html>") is None
    assert provenance.embed(b"<html>", {"seed": 1}) == b"<html>"
    assert provenance.read(b"<html>") is None


def encode_webp(mode: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (123, 77), (200, 40, 10, 90)[: len(mode)]).save(out, "WEBP", **options)
    return out.getvalue()


WEBP_KINDS = [
    ("RGB", {"quality": 80}, b"VP8 "),  # simple lossy: gets a VP8X in front
    ("RGBA", {"lossless": True}, b"VP8L"),  # simple lossless with alpha
    ("RGBA", {"quality": 70}, b"VP8X"),  # extended already (lossy with an ALPH chunk)
]


@pytest.mark.parametrize(("mode", "options", "first_chunk"), WEBP_KINDS)
def test_correction_flux2_webp_provenance(mode: str, options: dict, first_chunk: bytes) -> None:
    """WebP (FLUX.2's third format) carries the record in an XMP chunk that Pillow reads, its
    image data byte for byte as it came, and its pixels (and transparency) unchanged."""
    original = encode_webp(mode, **options)
    assert original[12:16] == first_chunk
    meta = {"prompt": 'a <fox> & "snow" — ✓', "seed": 42, "params": {"output_format": "webp"}}
    stamped = provenance.embed(original, meta)
    assert provenance.read(stamped) == meta
    assert stamped[12:16] == b"VP8X" and stamped[20] & 0x04  # the XMP flag
    assert int.from_bytes(stamped[4:8], "little") == len(stamped) - 8  # the RIFF size
    image_chunks = original[30:] if first_chunk == b"VP8X" else original[12:]
    assert image_chunks in stamped  # the image's own chunks, untouched
    with Image.open(io.BytesIO(original)) as a, Image.open(io.BytesIO(stamped)) as b:
        b.load()
        assert (b.size, b.mode) == (a.size, a.mode) == ((123, 77), mode)
        assert a.tobytes() == b.tobytes()
        assert b'<fluxtui:provenance>{"prompt": "a &lt;fox&gt; &amp;' in b.info["xmp"]
    assert provenance.embed(stamped, {"seed": 2}) == stamped  # an XMP chunk is never doubled


def embed_within(data: bytes, meta: dict, seconds: float = 120.0) -> bytes:
    """`embed`, in a thread given a generous bound: a writer that loops never returns."""
    out: list[bytes] = []
    worker = threading.Thread(target=lambda: out.append(provenance.embed(data, meta)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the provenance writer did not finish"
    return out[0]


@pytest.mark.parametrize("size", [120_000, 1_000_000])
def test_a_huge_parameter_value_is_shortened_in_a_jpeg(size: int) -> None:
    meta = {"prompt": "a fox", "seed": 3, "params": {"style": "x" * size, "steps": 20}}
    stamped = embed_within(encode("JPEG"), meta)
    back = provenance.read(stamped)
    assert back["shortened"] == ["params.style"]
    assert back["note"] == provenance.SHORTENED_NOTE
    assert back["params"]["style"].startswith("xxx") and back["params"]["style"].endswith("…")
    assert {k: back[k] for k in ("prompt", "seed")} == {"prompt": "a fox", "seed": 3}
    assert back["params"]["steps"] == 20
    with Image.open(io.BytesIO(stamped)) as img:
        img.load()


def test_a_record_of_countless_long_values_keeps_its_identity_in_a_jpeg() -> None:
    meta = {
        "job_id": "j1",
        "seed": 3,
        "provider": "fal",
        "params": {f"key{i}": "v" * 60 for i in range(10_000)},
    }
    back = provenance.read(embed_within(encode("JPEG"), meta))
    assert back == {
        "job_id": "j1",
        "seed": 3,
        "provider": "fal",
        "shortened": ["*"],
        "note": provenance.SHORTENED_NOTE,
    }


def test_a_png_keeps_a_huge_value_whole() -> None:
    meta = {"params": {"style": "é" * 1_000_000}}
    assert provenance.read(embed_within(encode("PNG"), meta)) == meta


def test_stamping_streams_from_file_to_file(tmp_path) -> None:
    source = tmp_path / "in.jpg"
    source.write_bytes(encode("JPEG"))
    with source.open("rb") as src, (tmp_path / "out.jpg").open("wb") as dst:
        provenance.stamp(src, dst, {"seed": 5})
    stamped = (tmp_path / "out.jpg").read_bytes()
    assert stamped == provenance.embed(source.read_bytes(), {"seed": 5})
    assert provenance.read(stamped) == {"seed": 5}


def test_a_huge_record_and_a_closing_tag_in_a_webp() -> None:
    meta = {"prompt": "</fluxtui:provenance> " + "é" * 300_000, "seed": 5}
    stamped = embed_within(encode_webp("RGB", quality=60), meta)
    assert provenance.read(stamped) == meta  # whole: an XMP chunk has room for it
    with Image.open(io.BytesIO(stamped)) as img:
        img.load()


def test_odd_webp_containers_never_break_the_writer_or_the_reader() -> None:
    """Cut, garbled or oversized RIFF data: the writer copies what it cannot stamp, the reader
    finds nothing, and neither raises nor loops."""
    good = encode_webp("RGBA", lossless=True)
    random = __import__("random").Random(8)
    samples = [good[:n] for n in (12, 16, 20, 25, 40, len(good) // 2)]
    samples.append(good[:4] + (2**32 - 1).to_bytes(4, "little") + good[8:])  # RIFF size too big
    samples.append(good[:12] + b"ABCD" + good[16:])  # an unknown first chunk
    for _ in range(40):
        garbled = bytearray(good)
        for _ in range(6):
            garbled[random.randrange(12, len(garbled))] = random.randrange(256)
        samples.append(bytes(garbled))
    for sample in samples:
        stamped = embed_within(sample, {"seed": 1}, seconds=30)
        assert provenance.read(sample) is None
        assert stamped == sample or provenance.read(stamped) == {"seed": 1}
