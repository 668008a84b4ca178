"""Turning what a user names as an input (a path, a URL, a library job) into checked `InputImage`s.

What is given is read as, in order: an `http(s)://` URL (kept as it is: the provider fetches it);
a file that exists; a library job reference, `1a2b3c4d` (that job's first image) or `1a2b3c4d:2`
(its second), resolved through the store to its file. A local file is read once and checked: it
opens in Pillow as PNG, JPEG or WebP, within `MAX_READ_BYTES`; its SHA-256, size and sides are
kept. Any problem is a `BadInput` naming the file and the rule, before anything is sent.

`fit` re-encodes an input over its provider's limits down to them (`--downscale-inputs`): into
the cache dir, keyed by content, never touching the original (results are never re-encoded).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui.core.input_images import FORMATS, InputImage, InputRole, Unreadable, images, mask
from fluxtui.core.input_rules import over_limit
from fluxtui.core.inputs import shown
from fluxtui.core.model_spec import InputRule
from fluxtui.core.models import JobSnapshot, short_id

#: the largest file fluxtui reads as an input (no provider takes more)
MAX_READ_BYTES = 200 * 1024 * 1024
#: a job reference: hex digits of its id (at least 4), then maybe ":N", the image's number
JOB_REF = re.compile(r"([0-9a-fA-F]{4,19})(?::(\d{1,4}))?")
ORDINALS = ("first", "second", "third", "fourth")
#: how much of a path or URL a message shows
PATH_CHARS = 240

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

Finder = Callable[[str], Sequence[JobSnapshot]]


def _shown(text: str) -> str:
    """A path or URL as a message quotes it: whole unless very long (then its middle is cut)."""
    return shown(text, PATH_CHARS)


class BadInput(ValueError):
    """An input that cannot be used; the message names it and says why."""


def resolve(
    sources: Sequence[str], mask_source: str | None, find: Finder
) -> tuple[InputImage, ...]:
    """The inputs named by `sources` (the images, in order) and `mask_source`, checked;
    `find(prefix)` looks jobs up by id. BadInput for the first that cannot be used."""
    resolved = [resolve_one(text, "image", find) for text in sources]
    if mask_source is not None:
        resolved.append(resolve_one(mask_source, "mask", find))
    return tuple(resolved)


def resolve_one(text: str, role: InputRole, find: Finder) -> InputImage:
    """One input named by `text`, as `role`."""
    named = f"{role} {_shown(text)}"
    if not text.strip():
        raise BadInput(f"{role} is empty: give a path, a URL or a job id")
    if text.startswith(("http://", "https://")):
        if any(c.isspace() for c in text):
            raise BadInput(f"{named} is not a URL: it holds a space")
        return InputImage(source=text, role=role, url=text)
    if text.lower().startswith("data:"):
        raise BadInput(f"{named}: give a file or a URL, not a data: URI")
    path = Path(text).expanduser()
    if path.exists() or os.sep in text or not JOB_REF.fullmatch(text):
        return check_file(path, text, role)
    return _from_job(text, role, find)


def _from_job(text: str, role: InputRole, find: Finder) -> InputImage:
    match = JOB_REF.fullmatch(text)
    assert match is not None
    prefix, number = match[1].lower(), int(match[2] or 1)
    found = list(find(prefix))
    if not found:
        raise BadInput(
            f"{role} {_shown(text)}: no file of that name, and no job with an id starting {prefix}"
        )
    if len(found) > 1:
        raise BadInput(f"{role} {_shown(text)}: {len(found)} jobs have an id starting {prefix}")
    job = found[0]
    if not job.files:
        state = job.state.label
        raise BadInput(f"{role} {_shown(text)}: job {short_id(job.id)} has no image ({state})")
    if not 1 <= number <= len(job.files):
        which = ORDINALS[number - 1] if 1 <= number <= len(ORDINALS) else f"number {number}"
        raise BadInput(
            f"{role} {_shown(text)}: job {short_id(job.id)} made {len(job.files)} image(s), "
            f"not a {which}"
        )
    path = Path(job.files[number - 1])
    if not path.is_file():
        gone = f"the image of job {short_id(job.id)} is gone: {_shown(str(path))}"
        raise BadInput(f"{role} {_shown(text)}: {gone}")
    image = check_file(path, text, role)
    return dataclasses.replace(image, parent_job=job.id, parent_index=number)


def check_file(path: Path, source: str, role: InputRole) -> InputImage:
    """`path` read and checked as an input: it exists, is readable, within MAX_READ_BYTES, and
    is a PNG, JPEG or WebP image."""
    named = f"{role} {_shown(source)}"
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise BadInput(f"{named} is not a file")
        if size > MAX_READ_BYTES:
            raise BadInput(f"{named} is {size:,} bytes, over the {MAX_READ_BYTES:,} fluxtui reads")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{named}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{named} cannot be read: {exc.strerror or exc}") from None
    fmt, width, height = sniff(data, named)
    return InputImage(
        source=source,
        role=role,
        path=str(path.resolve()),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=FORMATS[fmt],
        width=width,
        height=height,
    )


def sniff(data: bytes, named: str) -> tuple[str, int, int]:
    """The Pillow format and sides of image `data`; BadInput unless it is a whole PNG, JPEG or
    WebP that Pillow reads."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                fmt, (width, height) = opened.format or "", opened.size
                opened.verify()
    except UnidentifiedImageError:
        raise BadInput(f"{named} is not an image (PNG, JPEG or WebP)") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadInput(f"{named} has too many pixels to read safely") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInput(f"{named} is not a whole image: {exc}") from None
    if fmt not in FORMATS:
        raise BadInput(f"{named} is a {fmt or 'unknown'} image: inputs are PNG, JPEG or WebP")
    return fmt, width, height


# ---- fitting an input to its provider's limits ---------------------------------------------------


def fit_all(
    inputs: tuple[InputImage, ...], rule: InputRule | None, cache_dir: Path
) -> tuple[InputImage, ...]:
    """`inputs` with every local one over `rule`'s limits re-encoded to fit; a mask the size
    of the first image is scaled with it (Fill needs them the same size)."""
    first = next(iter(images(inputs)), None)
    the_mask = mask(inputs)
    fitted = {i: fit(i, rule, cache_dir) if over_limit(rule, i) else i for i in inputs}
    if first is not None and the_mask is not None and fitted[first] is not first:
        new = fitted[first]
        if (the_mask.width, the_mask.height) == (first.width, first.height):
            assert new.width is not None and new.height is not None
            fitted[the_mask] = _reencode(the_mask, (new.width, new.height), cache_dir)
    return tuple(fitted[i] for i in inputs)


def fit(image: InputImage, rule: InputRule | None, cache_dir: Path) -> InputImage:
    """`image` re-encoded within `rule`'s pixels and bytes (a smaller JPEG, or PNG where it has
    transparency); the original file is left as it is."""
    assert rule is not None and image.width and image.height
    scale = 1.0
    if rule.max_pixels is not None and image.width * image.height > rule.max_pixels:
        scale = math.sqrt(rule.max_pixels / (image.width * image.height))
    for _ in range(12):
        sides = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        fitted = _reencode(image, sides, cache_dir)
        if rule.max_bytes is None or (fitted.size or 0) <= rule.max_bytes:
            return fitted
        scale *= 0.75
    raise BadInput(f"input {image.name} could not be made small enough for its provider")


def _reencode(image: InputImage, sides: tuple[int, int], cache_dir: Path) -> InputImage:
    """`image` at `sides`: a PNG for a mask or an image with transparency, else a JPEG."""
    from PIL import Image

    try:
        data = image.read_bytes()
    except Unreadable as exc:
        raise BadInput(str(exc)) from None
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        lossless = image.role == "mask" or _has_alpha(opened)
        resized = opened.resize(sides, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fmt = "PNG" if lossless else "JPEG"
    if lossless:
        resized.save(out, "PNG", optimize=True)
    else:
        resized.convert("RGB").save(out, "JPEG", quality=90)
    data = out.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    folder = cache_dir / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.{fmt.lower()}"
    if not target.exists():
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temp, target)
    return dataclasses.replace(
        image,
        path=str(target),
        sha256=digest,
        size=len(data),
        content_type=FORMATS[fmt],
        width=sides[0],
        height=sides[1],
        reencoded=True,
    )


def _has_alpha(image: PilImage) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
