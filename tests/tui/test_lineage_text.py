"""How the library words a lineage: each kind of input (a library job, a deleted one, a file, a
URL, a mask), the children counted past the first few, and text from outside kept inert."""

from __future__ import annotations

from fluxtui.control.lineage_reads import Family
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import GenerationRequest, JobSnapshot, JobState, short_id
from fluxtui.tui.lineage_text import made_from, used_in

HOSTILE = "a fox [bold red]in[/] the\x1b[2J snow"


def job(prompt: str, n: int, *inputs: InputImage) -> JobSnapshot:
    request = GenerationRequest(prompt, "bfl", "flux-kontext-pro", inputs=inputs)
    return JobSnapshot(f"1a2b3c4d5e6{n:08x}", request, JobState.DONE, 1_000_000.0 + n)


def test_made_from_names_each_input_by_where_it_came_from() -> None:
    parent, gone = job(HOSTILE, 1), job("deleted since", 2)
    inputs = (
        InputImage(source="00000001", path="/lib/a.png", parent_job=parent.id, parent_index=1),
        InputImage(source="00000002", path="/lib/b.png", parent_job=gone.id, parent_index=1),
        InputImage(source="https://cdn.example.com/in.png", url="https://cdn.example.com/in.png"),
        InputImage(source="mask.png", role="mask", path="/home/me/mask\x1b.png"),
    )
    edit = job("edit", 3, *inputs)
    family = Family(edit.id, (parent,), (gone.id,), (), 0)
    text = made_from(edit, family)
    assert text.plain == (
        f"made from  {short_id(parent.id)} “a fox [bold red]in[/] the␛[2J…” "  # cut at a word
        f"bfl·flux-kontext-pro + {short_id(gone.id)} (deleted) + cdn.example.com (URL) "
        "+ mask mask␛.png (file)"
    )
    assert "\x1b" not in text.plain and all(str(s.style) != "bold red" for s in text.spans)
    unread = made_from(edit, None)  # before the family is read: the parent's id alone
    assert unread.plain.startswith(f"made from  {short_id(parent.id)} + {short_id(gone.id)} + ")
    assert made_from(job("text only", 4), None).plain == "made from  the prompt alone"


def test_used_in_counts_past_the_first_few() -> None:
    children = tuple(job(f"child {n}", 10 + n) for n in range(3))
    text = used_in(Family("x", (), (), children, 5)).plain
    assert text.startswith(f"used in    5 jobs: {short_id(children[0].id)} “child 0”")
    assert text.endswith(", +2 more") and text.count("“child") == 3
    assert used_in(Family("x", (), (), children[:1], 1)).plain.startswith("used in    1 job: ")
    assert used_in(Family("x", (), (), (), 0)).plain == "used in    no job yet"
    assert used_in(None).plain == "used in    …"
