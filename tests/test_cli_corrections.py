"""`fluxtui generate` and providers.md §6: the size rule with a suggestion, one upsampling flag,
webp and transparency, Kontext's ratio; refused before anything is sent, or sent as each
service takes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
