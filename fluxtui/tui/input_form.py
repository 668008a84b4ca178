"""The form's Inputs field, as plain logic: what the chosen model takes, how each input is
described, which validation messages are the field's, and the words the form uses. Pure.

What an input may be and whether it fits is decided in `core` (`input_resolve` reads and checks
a file, a URL or a library job, `input_rules` checks them against the model); this module only
says it the form's way: "add one in the Inputs field", not "give it with --image".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fluxtui.core.input_images import InputImage
from fluxtui.core.input_rules import Wording, limit_problems, reworded
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.models import short_id
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt

#: how the form tells the user to give an input (the field's keys: a adds an image, m a mask)
WORDS = Wording(
    give_image="add one in the Inputs field (a)",
    give_mask="add one in the Inputs field (m; white repaints)",
    downscale="downscale_inputs = true in the config re-encodes it to fit",
    inputs="the Inputs field",
)
#: how the messages about inputs start, or what they say (`input_rules`, `input_resolve`)
PREFIXES = ("input ", "image ", "mask ", "give the input images")
PHRASES = (
    "input image",
    "takes no mask",
    "needs a mask",
    "edits an image",
    "same size",
)


@dataclass(frozen=True)
class Capacity:
    """What the chosen model takes: how many images (None: any), whether a mask, whether it
    needs an image (it edits)."""

    images: int | None
    mask: bool = False
    required: bool = False

    @property
    def takes_any(self) -> bool:
        return self.images is None or self.images > 0

    def count_text(self, count: int) -> str:
        """ "2/4", "1/1", "3" (any number)."""
        return f"{count}/{self.images}" if self.images is not None else str(count)


def capacity(spec: ModelSpec) -> Capacity:
    """What `spec` takes; a model the catalog does not know takes any number (as it is sent)."""
    if not spec.known:
        return Capacity(None)
    rule = spec.inputs
    if rule is None:
        return Capacity(0)
    return Capacity(rule.max_images, rule.mask_field is not None, rule.required)


def is_inputs_problem(message: str) -> bool:
    """Whether a validation message is about the input images (so the Inputs field shows it)."""
    return message.startswith(PREFIXES) or any(phrase in message for phrase in PHRASES)


def for_form(message: str) -> str:
    """A validation message in the form's words."""
    return reworded(message, WORDS)


def without_fitted(
    spec: ModelSpec, inputs: tuple[InputImage, ...], problems: list[str]
) -> list[str]:
    """`problems` without those over the provider's file limits (`downscale_inputs` re-encodes
    those inputs when the job is sent)."""
    rule = spec.inputs
    if rule is None:
        return problems
    fitted = {p for image in inputs for p in limit_problems(spec, rule, image)}
    return [p for p in problems if p not in fitted]


def no_inputs_message(spec: ModelSpec) -> str:
    return f"{inert(spec.id)} takes no input images: pick an edit model (ctrl+o)"


def kept_message(spec: ModelSpec, count: int) -> str:
    """Said when a model that takes no inputs is chosen while the field holds some."""
    held = "the input image is" if count == 1 else f"the {count} input images are"
    return f"{inert(spec.id)} takes no input images: {held} kept for an edit model, not sent"


def full_message(spec: ModelSpec, cap: Capacity) -> str:
    many = "one input image" if cap.images == 1 else f"at most {cap.images} input images"
    return f"{inert(spec.id)} takes {many}: remove one (d) to add another"


def job_reference(job_id: str, number: int, of: int) -> str:
    """How the field names a library job's image, as `--image` takes it: `1a2b3c4d` for a job's
    only image, `1a2b3c4d:2` for one of several."""
    return short_id(job_id) if of == 1 and number == 1 else f"{short_id(job_id)}:{number}"


def added_message(image: InputImage, position: int, cap: Capacity) -> str:
    """ "added 1a2b3c4d as input 2 of 4"; "added mask.png as the mask"."""
    if image.role == "mask":
        return f"added {image.name} as the mask"
    of = f" of {cap.images}" if cap.images is not None else ""
    return f"added {image.name} as input {position}{of}"


def row_lines(image: InputImage, position: int) -> tuple[str, str]:
    """The two lines beside an input's thumbnail: its number (or "mask"), name, pixel size and
    file size; then where it is from (the folder, the library job, or a URL)."""
    label = "mask" if image.role == "mask" else str(position)
    if image.url is not None:
        return f"{label}  {fmt.one_line(image.name)}", "   a URL: the provider fetches it"
    parts = [fmt.one_line(image.name)]
    if image.width and image.height:
        parts.append(f"{image.width}×{image.height}")
    if image.size is not None:
        parts.append(size_text(image.size))
    first = f"{label}  " + " · ".join(parts)
    if image.parent_job is not None:
        where = f"job {short_id(image.parent_job)}, image {image.parent_index or 1}"
    elif image.path is not None:
        where = fmt.short_path(Path(image.path).parent)
    else:
        where = ""
    return first, f"   {inert(where)}"


def size_text(size: int) -> str:
    """ "812 B", "2.1 KB", "77 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} B"
    if size < 10 * 1024:
        return f"{size / 1024:.1f} KB"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"
