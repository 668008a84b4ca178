"""`--image`, `--mask`, `--image-strength` and `--downscale-inputs` on `generate` and `compare`,
driven as a user would over the simulator: the edit of an edit through job ids, `history --json`
with its inputs, bad inputs refused with exit 2 and nothing sent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from fluxtui.core import paths
from fluxtui.core.model_inputs import BFL_MAX_INPUT_BYTES
from fluxtui.core.models import short_id
from fluxtui.core.store import Store
from tests.helpers import sim_jobs
from tests.inputs_helpers import write_image
from tests.test_cli import run_cli, write_config


def taken(sim, marker: str) -> list[dict]:  # type: ignore[type-arg]
    """The jobs the simulator took whose prompt holds `marker`."""
    return [j for j in sim_jobs(sim) if marker in j.get("prompt", "")]


def received(sim, marker: str) -> list[dict]:  # type: ignore[type-arg]
    """Their bodies as received; inline image data shows as `sha256:HEX` of its bytes."""
    return [j["received"] for j in taken(sim, marker)]


def sha(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def test_edit_then_edit_the_edit_by_job_id(sim, capsys, tmp_path: Path) -> None:
    write_config(sim)
    photo = write_image(tmp_path / "photo.jpg", (96, 64), "JPEG")
    code, out, err = run_cli(
        capsys, "generate", "make the sky stormy 91c", "-p", "bfl", "-m", "flux-kontext-pro",
        "--image", str(photo), "--json",
    )  # fmt: skip
    assert code == 0, err
    first = json.loads(out)
    [sent] = received(sim, "make the sky stormy 91c")
    assert sent["input_image"] == sha(photo.read_bytes())
    assert (
        first["inputs"][0]["source"] == str(photo)
        and first["inputs"][0]["size"] == photo.stat().st_size
    )

    code, out, err = run_cli(
        capsys, "generate", "now add lightning 91c", "-p", "bfl", "-m", "flux-kontext-pro",
        "--image", short_id(first["id"]), "--json",
    )  # fmt: skip
    assert code == 0, err
    second = json.loads(out)
    made = Path(first["files"][0]).read_bytes()
    [sent] = received(sim, "now add lightning 91c")
    assert sent["input_image"] == sha(made)
    assert second["inputs"][0]["parent_job"] == first["id"]
    assert second["inputs"][0]["parent_index"] == 1

    code, out, _ = run_cli(capsys, "history", "--json", "--limit", "2")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == [second["id"], first["id"]]
    assert lines[0]["inputs"] == second["inputs"]
    store = Store(paths.store_file())
    try:
        assert [j.id for j in store.children(first["id"])] == [second["id"]]
    finally:
        store.close()


def test_fill_with_a_mask_and_ultra_with_a_strength(sim, capsys, tmp_path: Path) -> None:
    write_config(sim)
    photo = write_image(tmp_path / "photo.png", (64, 64))
    mask = write_image(tmp_path / "mask.png", (64, 64), color="white")
    code, _, err = run_cli(
        capsys, "generate", "repaint the door 4e2", "-p", "comet", "-m", "flux-pro-1.0-fill",
        "--image", str(photo), "--mask", str(mask),
    )  # fmt: skip
    assert code == 0, err
    [sent] = received(sim, "repaint the door 4e2")
    assert sent["mask"] == sha(mask.read_bytes())
    code, _, err = run_cli(
        capsys, "generate", "styled like this 4e2", "-p", "bfl", "-m", "flux-pro-1.1-ultra",
        "--image", str(photo), "--image-strength", "0.25",
    )  # fmt: skip
    assert code == 0, err
    [sent] = received(sim, "styled like this 4e2")
    assert sent["image_prompt_strength"] == 0.25 and "image_prompt" in sent


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["-m", "flux-kontext-pro", "--image", "{dir}/missing.png"],
            "image '{dir}/missing.png': no such file",
        ),
        (
            ["-m", "flux-kontext-pro", "--image", "{dir}/notes.png"],
            "is not an image (PNG, JPEG or WebP)",
        ),
        (
            ["-m", "flux-dev", "--image", "{dir}/a.png", "-p", "apiyi"],
            "flux-dev takes no input images",
        ),
        (
            ["-m", "flux-2-klein-4b"] + ["--image", "{dir}/a.png"] * 5,
            "flux-2-klein-4b takes at most 4 input images; got 5",
        ),
        (
            ["-m", "flux-pro-1.0-fill", "--image", "{dir}/a.png", "--mask", "{dir}/small.png"],
            "mask small.png is 32×32, but image a.png is 64×64",
        ),
        (["-m", "flux-kontext-pro", "--image", "0000dead"], "no job with an id starting 0000dead"),
        (["-m", "flux-2-pro", "--image", "{dir}/big.png"], "over the 20 MB flux-2-pro takes"),
    ],
)
def test_bad_inputs_exit_2_naming_the_file_and_send_nothing(
    sim, capsys, tmp_path: Path, flags: list[str], message: str
) -> None:
    write_config(sim)
    (tmp_path / "notes.png").write_text("not an image")
    write_image(tmp_path / "a.png", (64, 64))
    write_image(tmp_path / "small.png", (32, 32))
    big = tmp_path / "big.png"
    if "{dir}/big.png" in flags:  # a PNG whose size is over the limit (its tail is never read)
        big.write_bytes(
            write_image(tmp_path / "seed.png").read_bytes() + b"\0" * (BFL_MAX_INPUT_BYTES + 1)
        )
    argv = [f.replace("{dir}", str(tmp_path)) for f in flags]
    if "-p" not in argv:
        argv += ["-p", "bfl"]
    code, out, err = run_cli(capsys, "generate", "bad input 0f5", *argv)
    assert code == 2, err
    assert message.replace("{dir}", str(tmp_path)) in err
    assert out == "" and received(sim, "bad input 0f5") == []


@pytest.mark.parametrize("how", ["flag", "config"])
def test_downscale_inputs_re_encodes_an_input_over_the_limit(
    sim, capsys, tmp_path: Path, how: str
) -> None:
    write_config(sim, extra="downscale_inputs = true\n" if how == "config" else "")
    big = write_image(tmp_path / "big.png", (64, 64))
    big.write_bytes(big.read_bytes() + b"\0" * (BFL_MAX_INPUT_BYTES + 1))  # valid PNG, huge file
    original = big.read_bytes()
    flags = ["--downscale-inputs"] if how == "flag" else []
    code, out, err = run_cli(
        capsys, "generate", f"fit it 7b3 {how}", "-p", "bfl", "-m", "flux-2-pro",
        "--image", str(big), *flags, "--json",
    )  # fmt: skip
    assert code == 0, err
    [job] = taken(sim, f"fit it 7b3 {how}")
    [item] = job["inputs"]
    assert item["bytes"] <= BFL_MAX_INPUT_BYTES
    [image] = json.loads(out)["inputs"]
    assert image["reencoded"] is True and image["source"] == str(big)
    assert big.read_bytes() == original


def test_compare_sends_inputs_to_the_targets_that_take_them(sim, capsys, tmp_path: Path) -> None:
    write_config(sim)
    photo = write_image(tmp_path / "photo.png", (64, 64))
    code, out, err = run_cli(
        capsys, "compare", "stormy compare 3a9", "-t", "bfl:flux-kontext-pro",
        "-t", "fal:fal-ai/flux/dev", "-t", "apiyi:flux-2-pro", "--image", str(photo),
        "--size", "512x512", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert "fal:fal-ai/flux/dev does not take input images: dropped for it" in err
    sent = received(sim, "stormy compare 3a9")
    encoded = sha(photo.read_bytes())
    by_field = sorted(("input_image" in r, "image" in r) for r in sent)
    assert by_field == [(False, False), (False, True), (True, False)]  # fal, apiyi, bfl
    assert [r["input_image"] for r in sent if "input_image" in r] == [encoded]
    rows = {r["target"]: r for r in json.loads(out)["rows"]}
    assert rows["fal:fal-ai/flux/dev"]["dropped"] == ["input images"]


def test_a_refused_upload_fails_the_job_before_the_paid_submit(sim, capsys, tmp_path: Path) -> None:
    bad_fal = '[providers.badfal]\nkind = "fal"\nbase_url = "{url}"\napi_key = "sim-invalid-key"\n'
    write_config(sim, extra=bad_fal.format(url=sim.base_url("fal")))
    big = write_image(tmp_path / "big.png", (1300, 1300), noise=True)
    code, _, err = run_cli(
        capsys, "generate", "upload refused 2c4", "-p", "badfal", "-m", "fal-ai/flux-pro/kontext",
        "--image", str(big),
    )  # fmt: skip
    assert code == 3, err
    assert "uploading input big.png to fal's storage" in err
    assert received(sim, "upload refused 2c4") == []  # the paid submit was never sent
    assert "sim-invalid-key" not in err


def test_kontext_takes_a_safety_of_at_most_2_with_an_input_image(
    sim, capsys, tmp_path: Path
) -> None:
    write_config(sim)
    photo = write_image(tmp_path / "photo.png")
    code, _, err = run_cli(
        capsys, "generate", "too safe 8e1", "-p", "bfl", "-m", "flux-kontext-max",
        "--image", str(photo), "--safety", "5",
    )  # fmt: skip
    assert code == 2
    assert (
        "safety_tolerance 5 is above 2, the most flux-kontext-max takes with an input image" in err
    )


def test_downscale_inputs_in_the_config_is_true_or_false(sim, capsys) -> None:
    write_config(sim, extra='downscale_inputs = "yes"\n')
    code, _, err = run_cli(capsys, "generate", "a fox", "-p", "bfl")
    assert code == 2
    assert "downscale_inputs must be a boolean (true or false), got 'yes'" in err
