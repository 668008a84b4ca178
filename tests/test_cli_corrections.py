"""`fluxtui generate` and providers.md §6: the size rule with a suggestion, one upsampling flag,
webp and transparency, Kontext's ratio; refused before anything is sent, or sent as each
service takes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from fluxtui.core import exports, thumbnails
from tests.helpers import sim_jobs
from tests.test_cli import run_cli, write_config


@pytest.fixture
def configured(sim) -> Path:
    return write_config(sim)


def made(sim, marker: str) -> list[dict]:
    return [j for j in sim_jobs(sim) if marker in j["prompt"]]


def test_correction_apiyi_sizes(configured, sim, capsys) -> None:
    """1920x1080 (APIYI's own example) breaks its multiple-of-16 rule: refused, exit 2, with the
    nearest size it takes; that size then goes through."""
    argv = ["generate", "a 1080p fox 2e7d", "-p", "apiyi", "-m", "flux-2-pro"]
    code, out, err = run_cli(capsys, *argv, "--size", "1920x1080")
    assert (code, out) == (2, "")
    assert "height 1080 is not a multiple of 16 for flux-2-pro (try 1920x1088)" in err
    assert made(sim, "a 1080p fox 2e7d") == []
    code, out, _ = run_cli(capsys, *argv, "--size", "1920x1088", "--json")
    assert code == 0, out
    assert (json.loads(out)["width"], json.loads(out)["height"]) == (1920, 1088)
    [job] = made(sim, "a 1080p fox 2e7d")
    assert job["size"] == [1920, 1088]


def test_correction_flux2_disable_pup_flag(configured, sim, capsys) -> None:
    """--no-prompt-upsampling is flux-2-pro's disable_pup, flex's prompt_upsampling false."""
    for model, field in (("flux-2-pro", {"disable_pup": True}), ("flux-2-flex", {})):
        marker = f"no pup {model} 2e7d"
        code, _, err = run_cli(
            capsys, "generate", marker, "-p", "bfl", "-m", model, "--no-prompt-upsampling"
        )
        assert code == 0, err
        [job] = made(sim, marker)
        assert job["upsampled"] is False
        expected = field or {"prompt_upsampling": False}
        assert {k: job["received"][k] for k in expected} == expected
    code, _, err = run_cli(
        capsys,
        "generate",
        "pup klein 2e7d",
        "-p",
        "bfl",
        "-m",
        "flux-2-klein-4b",
        "--prompt-upsampling",
    )
    assert code == 2 and "prompt_upsampling is not a parameter of flux-2-klein-4b" in err


def test_correction_flux2_webp_flags(configured, sim, capsys) -> None:
    argv = ["generate", "a clear fox 2e7d", "-p", "bfl", "-m", "flux-2-klein-9b", "--transparent"]
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "transparent_bg needs output_format png or webp" in err
    code, out, err = run_cli(capsys, *argv, "--format", "webp", "--json")
    assert code == 0, err
    [file] = json.loads(out)["files"]
    assert file.endswith(".webp") and Path(file).read_bytes()[8:12] == b"WEBP"
    [job] = made(sim, "a clear fox 2e7d")
    assert (job["format"], job["received"]["transparent_bg"]) == ("webp", True)
    code, _, err = run_cli(
        capsys, "generate", "x", "-p", "bfl", "-m", "flux-dev", "--format", "webp"
    )
    assert code == 2 and "output_format 'webp' is not one of jpeg, png for flux-dev" in err


def test_correction_kontext_models_cli(configured, sim, capsys) -> None:
    code, out, err = run_cli(
        capsys,
        "generate",
        "kontext 2e7d",
        "-p",
        "comet",
        "-m",
        "flux-kontext-pro",
        "--aspect",
        "7:3",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["files"][0].endswith(".png")  # Kontext's default format
    [job] = made(sim, "kontext 2e7d")
    assert job["received"]["aspect_ratio"] == "7:3"
    code, _, err = run_cli(
        capsys, "generate", "x", "-p", "bfl", "-m", "flux-kontext-max", "--aspect", "9:1"
    )
    assert code == 2 and "aspect_ratio 9:1 is outside 4:1…1:4 for flux-kontext-max" in err


def test_correction_flux2_webp_in_a_comparison(configured, sim, capsys, tmp_path: Path) -> None:
    """Transparent WebPs of two FLUX.2 models: saved as .webp, on the contact sheet with their
    cells showing through the clear background (not black), exported with the comparison."""
    sheet = tmp_path / "sheet.png"
    code, out, err = run_cli(
        capsys,
        "compare",
        "two clear foxes 2e7d",
        "-t",
        "bfl:flux-2-pro",
        "-t",
        "comet:flux-2-klein-4b",
        "--size",
        "512x512",
        "--format",
        "webp",
        "--transparent",
        "--sheet",
        str(sheet),
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [Path(row["files"][0]).suffix for row in rows] == [".webp", ".webp"]
    layout = exports.sheet_layout(2)
    with Image.open(sheet) as img:
        rgb = img.convert("RGB")
        for index in range(2):
            left, top, _, _ = layout.image_box(index)
            assert rgb.getpixel((left + 2, top + 2)) == exports.PLACEHOLDER  # a clear corner
    assert {j["format"] for j in made(sim, "two clear foxes 2e7d")} == {"webp"}


def test_flat_rgb_lays_transparency_over_the_matte() -> None:
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    clear.putpixel((1, 1), (200, 10, 10, 255))
    flat = thumbnails.flat_rgb(clear, (1, 2, 3))
    assert flat.mode == "RGB"
    assert (flat.getpixel((0, 0)), flat.getpixel((1, 1))) == ((1, 2, 3), (200, 10, 10))
    opaque = Image.new("RGB", (2, 2), (9, 9, 9))
    assert thumbnails.flat_rgb(opaque).getpixel((0, 0)) == (9, 9, 9)
