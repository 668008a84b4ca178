"""How the library words a job's lineage: its "made from" and "used in" lines, and a job as a
chooser lists it. Pure functions; everything from outside (prompts, file names, URLs) inert.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from rich.text import Text

from fluxtui.control.lineage_reads import Family
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import JobSnapshot, short_id
from fluxtui.core.text import cut
from fluxtui.tui import format as fmt

LABEL_WIDTH = 11  # "made from  "
PROMPT_CHARS = 32


def job_words(job: JobSnapshot, prompt_chars: int = PROMPT_CHARS) -> Text:
    """ "1a2b3c4d “a red fox in the snow” bfl·flux-pro-1.1"."""
    request = job.request
    return Text.assemble(
        (short_id(job.id), "bold"),
        " “",
        (cut(fmt.one_line(request.prompt), prompt_chars), "italic"),
        "” ",
        (fmt.one_line(f"{request.provider}·{fmt.short_model(request.model)}"), "dim"),
    )


def input_words(image: InputImage, family: Family | None) -> Text:
    """One input as "made from" names it: its job (its id alone until the `family` is read),
    the file's name, or the URL's host."""
    mask = "mask " if image.role == "mask" else ""
    if image.parent_job is not None:
        if family is None:
            return Text.assemble(mask, (short_id(image.parent_job), "bold"))
        parent = next((p for p in family.parents if p.id == image.parent_job), None)
        if parent is not None:
            return Text.assemble(mask, job_words(parent))
        return Text.assemble(mask, (f"{short_id(image.parent_job)} (deleted)", "dim"))
    if image.url is not None:
        host = urlsplit(image.url).hostname or image.url
        return Text(f"{mask}{fmt.one_line(host)} (URL)")
    name = Path(image.path).name if image.path and not image.reencoded else image.source
    return Text(f"{mask}{fmt.one_line(name)} (file)")


def made_from(job: JobSnapshot, family: Family | None) -> Text:
    text = Text.assemble(("made from".ljust(LABEL_WIDTH), "dim"))
    if not job.request.inputs:
        return text.append("the prompt alone", "dim")
    for n, image in enumerate(job.request.inputs):
        if n:
            text.append(" + ")
        text.append_text(input_words(image, family))
    return text


def used_in(family: Family | None) -> Text:
    text = Text.assemble(("used in".ljust(LABEL_WIDTH), "dim"))
    if family is None:
        return text.append("…", "dim")
    if not family.child_total:
        return text.append("no job yet", "dim")
    total = family.child_total
    text.append(f"{total} job{'s' if total != 1 else ''}: ")
    for n, child in enumerate(family.children):
        if n:
            text.append(", ")
        text.append_text(job_words(child, 24))
    if total > len(family.children):
        text.append(f", +{total - len(family.children)} more", "dim")
    return text
