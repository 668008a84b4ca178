"""Input images: resolving paths, URLs and library job references, checking the files, the rules
of each model (with their exact messages), and re-encoding an input down to its provider's limit."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from fluxtui.core import catalog
from fluxtui.core.input_images import InputImage, Unreadable
from fluxtui.core.input_resolve import BadInput, check_file, fit_all, resolve
from fluxtui.core.model_inputs import BFL_MAX_INPUT_BYTES, MB
from fluxtui.core.model_spec import InputRule
from fluxtui.core.models import GenerationRequest, Job, JobState, short_id
from fluxtui.core.store import Store
from tests.inputs_helpers import image_bytes, local_input, write_image


def no_jobs(prefix: str) -> list[object]:
    return []


def req(model: str, inputs: tuple[InputImage, ...] = (), **params: object) -> GenerationRequest:
    return GenerationRequest("make the sky stormy", "test", model, dict(params), inputs=inputs)


def done_job(store: Store, files: list[str]) -> Job:
    job = Job.create(req("flux-2-pro"))
    job.state, job.files = JobState.DONE, files
    store.save(job)
    return job


# ---- resolving -----------------------------------------------------------------------------------


def test_a_local_file_is_read_once_with_its_digest_size_and_sides(tmp_path: Path) -> None:
    path = write_image(tmp_path / "photo.jpg", (120, 80), "JPEG")
    (image,) = resolve([str(path)], None, no_jobs)  # type: ignore[arg-type]
    data = path.read_bytes()
    assert image.path == str(path.resolve())
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert (image.size, image.width, image.height) == (len(data), 120, 80)
    assert image.content_type == "image/jpeg" and image.role == "image"
    assert image.read_bytes() == data


def test_a_url_is_kept_as_given() -> None:
    (image,) = resolve(["https://example.com/in.png"], None, no_jobs)  # type: ignore[arg-type]
    assert image.url == "https://example.com/in.png" and image.path is None
    assert image.wire_value() == "https://example.com/in.png"


def test_a_bad_file_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("hello")
    write_image(tmp_path / "anim.gif", fmt="GIF")
    cases = {
        "missing.png": "image 'missing.png': no such file",
        "notes.png": "image 'notes.png' is not an image (PNG, JPEG or WebP)",
        "anim.gif": "image 'anim.gif' is a GIF image: inputs are PNG, JPEG or WebP",
    }
    for name, message in cases.items():
        with pytest.raises(BadInput) as caught:
            check_file(tmp_path / name, name, "image")
        assert str(caught.value) == message
    with pytest.raises(BadInput, match="is not a file"):
        check_file(tmp_path, "here", "mask")


def test_a_truncated_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    path.write_bytes(image_bytes((64, 64))[:60])
    with pytest.raises(BadInput, match=r"cut\.png"):
        check_file(path, "cut.png", "image")


def test_a_job_reference_resolves_to_its_image_and_keeps_the_parent(
    store: Store, tmp_path: Path
) -> None:
    first = write_image(tmp_path / "a.png")
    second = write_image(tmp_path / "b.png", (32, 32))
    job = done_job(store, [str(first), str(second)])
    ref = short_id(job.id)
    one, two = resolve([ref, f"{ref}:2"], None, store.find)  # type: ignore[arg-type]
    assert (one.path, one.parent_job, one.parent_index) == (str(first.resolve()), job.id, 1)
    assert (two.path, two.parent_job, two.parent_index, two.width) == (
        str(second.resolve()),
        job.id,
        2,
        32,
    )
    assert one.name == ref  # messages name the reference the user typed


def test_bad_job_references_say_what_is_wrong(store: Store, tmp_path: Path) -> None:
    empty = Job.create(req("flux-2-pro"))
    empty.state = JobState.FAILED
    store.save(empty)
    made = done_job(store, [str(write_image(tmp_path / "a.png"))])
    gone = done_job(store, [str(tmp_path / "deleted.png")])
    cases = {
        "0000abcd": "no file of that name, and no job with an id starting 0000abcd",
        short_id(empty.id): f"job {short_id(empty.id)} has no image (failed)",
        f"{short_id(made.id)}:2": f"job {short_id(made.id)} made 1 image(s), not a second",
        short_id(gone.id): f"the image of job {short_id(gone.id)} is gone",
    }
    for typed, message in cases.items():
        with pytest.raises(BadInput) as caught:
            resolve([typed], None, store.find)  # type: ignore[arg-type]
        assert message in str(caught.value), typed


def test_a_file_changed_after_the_check_is_not_sent(tmp_path: Path) -> None:
    image = local_input(tmp_path / "photo.png")
    write_image(tmp_path / "photo.png", color="red")
    with pytest.raises(Unreadable, match=r"photo\.png changed since it was checked"):
        image.read_bytes()


def test_inputs_survive_the_store_and_say_their_lineage(store: Store, tmp_path: Path) -> None:
    image = dataclasses.replace(
        local_input(tmp_path / "p.png"), parent_job="x" * 19, parent_index=1
    )
    job = Job.create(req("flux-2-pro", (image,)))
    store.save(job)
    stored = store.get(job.id)
    assert stored is not None and stored.request.inputs == (image,)
    assert image.lineage() == {
        "role": "image",
        "source": "p.png",
        "path": image.path,
        "sha256": image.sha256,
        "size": image.size,
        "parent_job": "x" * 19,
        "parent_index": 1,
    }


# ---- each model's rule ---------------------------------------------------------------------------


def inputs_of(
    tmp_path: Path, count: int, size: tuple[int, int] = (64, 48)
) -> tuple[InputImage, ...]:
    return tuple(local_input(tmp_path / f"in{n}.png", size=size) for n in range(count))


@pytest.mark.parametrize(
    ("table", "model", "count", "problem"),
    [
        ("bfl", "flux-2-klein-4b", 5, "flux-2-klein-4b takes at most 4 input images; got 5"),
        ("bfl", "flux-2-klein-9b", 4, None),
        ("bfl", "flux-2-pro", 8, None),
        ("bfl", "flux-2-max", 9, "flux-2-max takes at most 8 input images; got 9"),
        ("bfl", "flux-2-flex", 9, "flux-2-flex takes at most 8 input images; got 9"),
        ("bfl", "flux-kontext-pro", 4, None),
        ("bfl", "flux-kontext-max", 5, "flux-kontext-max takes at most 4 input images; got 5"),
        ("bfl", "flux-dev", 2, "flux-dev takes one input image (as image_prompt); got 2"),
        ("bfl", "flux-pro-1.1-ultra", 1, None),
        ("openai", "flux-dev", 1, "flux-dev takes no input images"),
        ("openai", "flux-2-pro", 8, None),
        ("openai", "flux-2-klein-4b", 5, "flux-2-klein-4b takes at most 4 input images; got 5"),
        ("fal", "fal-ai/flux/dev", 1, "fal-ai/flux/dev takes no input images"),
        (
            "fal",
            "fal-ai/flux-pro/kontext",
            2,
            "fal-ai/flux-pro/kontext takes one input image (as image_url); got 2",
        ),
        (
            "fal",
            "fal-ai/flux-pro/kontext",
            0,
            "fal-ai/flux-pro/kontext edits an image: give it with --image",
        ),
        (
            "fal",
            "fal-ai/flux-2-pro/edit",
            0,
            "fal-ai/flux-2-pro/edit edits an image: give it with --image",
        ),
        ("fal", "fal-ai/flux-2-pro/edit", 8, None),
        (
            "fal",
            "fal-ai/flux-2/klein/4b/edit",
            5,
            "fal-ai/flux-2/klein/4b/edit takes at most 4 input images; got 5",
        ),
        ("fal", "fal-ai/flux-2-pro", 1, "fal-ai/flux-2-pro takes no input images"),
        ("openai-compatible", "any-edit-model", 3, None),
        ("bfl", "flux-pro-1.0-fill", 0, "flux-pro-1.0-fill edits an image: give it with --image"),
    ],
)
def test_how_many_inputs_each_model_takes(
    tmp_path: Path, table: str, model: str, count: int, problem: str | None
) -> None:
    problems = catalog.validate(table, req(model, inputs_of(tmp_path, count)))
    assert problems == ([problem] if problem else [])


def test_fill_takes_one_image_and_a_mask_of_its_size(tmp_path: Path) -> None:
    image = local_input(tmp_path / "photo.png", size=(64, 48))
    good = local_input(tmp_path / "mask.png", "mask", (64, 48))
    small = local_input(tmp_path / "small.png", "mask", (32, 32))
    assert catalog.validate("bfl", req("flux-pro-1.0-fill", (image, good))) == []
    assert catalog.validate("bfl", req("flux-pro-1.0-fill", (image,))) == [
        "flux-pro-1.0-fill needs a mask with its image: give it with --mask (white repaints)"
    ]
    assert catalog.validate("bfl", req("flux-pro-1.0-fill", (image, small))) == [
        "mask small.png is 32×32, but image photo.png is 64×48: flux-pro-1.0-fill needs them "
        "the same size"
    ]
    assert catalog.validate("bfl", req("flux-2-pro", (image, good))) == ["flux-2-pro takes no mask"]


def test_image_strength_is_ultras(tmp_path: Path) -> None:
    image = local_input(tmp_path / "ref.png")
    assert (
        catalog.validate("bfl", req("flux-pro-1.1-ultra", (image,), image_prompt_strength=0.4))
        == []
    )
    assert catalog.validate(
        "bfl", req("flux-pro-1.1-ultra", (image,), image_prompt_strength=1.5)
    ) == ["image_prompt_strength 1.5 is out of range 0–1 for flux-pro-1.1-ultra"]
    assert catalog.validate("bfl", req("flux-2-pro", (image,), image_prompt_strength=0.4)) == [
        "image_prompt_strength is not a parameter of flux-2-pro"
    ]


def test_inputs_and_the_same_field_verbatim_are_refused(tmp_path: Path) -> None:
    image = local_input(tmp_path / "ref.png")
    request = dataclasses.replace(req("flux-kontext-pro", (image,)), extra={"input_image": "abc"})
    assert catalog.validate("bfl", request) == [
        "give the input images with --image or as input_image, not both"
    ]
    verbatim = dataclasses.replace(
        req("fal-ai/flux-2-pro/edit"), extra={"image_urls": ["https://x/y.png"]}
    )
    assert catalog.validate("fal", verbatim) == []


def test_an_input_over_the_limit_is_refused_unless_downscaled(tmp_path: Path) -> None:
    big = dataclasses.replace(local_input(tmp_path / "big.png"), size=BFL_MAX_INPUT_BYTES + MB)
    assert catalog.validate("bfl", req("flux-2-pro", (big,))) == [
        "input big.png is 21 MB, over the 20 MB flux-2-pro takes (--downscale-inputs re-encodes "
        "it to fit)"
    ]


def test_a_comparison_drops_inputs_for_models_that_take_none(tmp_path: Path) -> None:
    image, the_mask = local_input(tmp_path / "a.png"), local_input(tmp_path / "m.png", "mask")
    kept, dropped = catalog.split_supported("fal", req("fal-ai/flux/dev", (image, the_mask)))
    assert kept.inputs == () and dropped == ["input images", "mask"]
    kept, dropped = catalog.split_supported("bfl", req("flux-kontext-pro", (image, the_mask)))
    assert kept.inputs == (image,) and dropped == ["mask"]


# ---- re-encoding down to a limit -----------------------------------------------------------------


def test_downscaling_fits_pixels_and_bytes_and_keeps_the_original(tmp_path: Path) -> None:
    path = write_image(tmp_path / "huge.png", (600, 400), noise=True)
    original = path.read_bytes()
    image = check_file(path, "huge.png", "image")
    rule = InputRule(("input_image",), 1, max_bytes=60_000, max_pixels=100_000)
    (fitted,) = fit_all((image,), rule, tmp_path / "cache")
    assert fitted.reencoded and fitted.source == "huge.png"
    assert fitted.size is not None and fitted.size <= 60_000
    assert fitted.width is not None and fitted.height is not None
    assert (
        fitted.width * fitted.height <= 100_000
        and fitted.width / fitted.height == pytest.approx(1.5, 0.02)
    )
    assert fitted.sha256 == hashlib.sha256(Path(str(fitted.path)).read_bytes()).hexdigest()
    assert path.read_bytes() == original
    assert catalog.model_spec("bfl", "flux-2-pro").inputs is not None


def test_downscaling_scales_the_fill_mask_with_its_image(tmp_path: Path) -> None:
    image = check_file(write_image(tmp_path / "p.png", (400, 300), noise=True), "p.png", "image")
    the_mask = local_input(tmp_path / "m.png", "mask", (400, 300))
    rule = InputRule(("image",), 1, mask_field="mask", max_pixels=30_000)
    fitted, fitted_mask = fit_all((image, the_mask), rule, tmp_path / "cache")
    assert (fitted.width, fitted.height) == (fitted_mask.width, fitted_mask.height)
    assert fitted_mask.content_type == "image/png"
