"""Every key binding of the app, each with an id, and the user's `[tui.keymap]` that remaps them.

```toml
[tui.keymap]
submit = "ctrl+j,f5"      # ids below; several keys separated by commas
cancel-job = "x"
```
The ids and their default keys are listed by the help screen (`?` / F1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeyAction:
    """One remappable action: where it is bound, its default keys and its words."""

    id: str
    keys: str
    action: str
    description: str
    help: str
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            priority=self.priority,
            tooltip=self.help,
            id=self.id,
        )


# Submit works from anywhere (ctrl+j is what a terminal sends for ctrl+enter's neighbour and works
# in tmux; alt+enter reaches apps only in terminals with the kitty keyboard protocol). Not a
# priority binding: the key must reach the focused field after the keys typed before it, or a
# fast typist's (or a paste's) last characters would be missing from what is sent. No field
# handles ctrl+j, so it bubbles up to here.
APP_KEYS = (
    KeyAction("submit", "ctrl+j,alt+enter", "app.submit", "Generate",
              "Send the form to the provider"),
    KeyAction("help", "f1,question_mark", "app.help", "Help", "Show every key and what it does"),
    KeyAction("command-palette", "ctrl+p", "app.command_palette", "Commands",
              "Search every command: switch provider or model, demo mode, image protocol…",
              show=False, priority=True),
    KeyAction("focus-form", "f2", "app.focus_pane('form')", "Form", "Move to the prompt",
              show=False),
    KeyAction("focus-queue", "f3", "app.focus_pane('queue')", "Jobs", "Move to the job queue",
              show=False),
    KeyAction("focus-preview", "f4", "app.focus_pane('preview')", "Preview", "Move to the preview",
              show=False),
    KeyAction("quit", "ctrl+q", "app.quit", "Quit", "Quit (running jobs can be resumed later)",
              priority=True),
    KeyAction("compare", "ctrl+t", "app.compare", "Compare",
              "Send the form's prompt, size and seed to several providers and models at once"),
    KeyAction("library", "ctrl+g", "app.library", "Library",
              "Every image made: search, filter, show, re-run, export, delete"),
)
FORM_KEYS = (
    KeyAction("toggle-random-seed", "ctrl+r", "app.toggle_random_seed", "Random seed",
              "Switch between a random seed and the one typed"),
    KeyAction("reuse-seed", "ctrl+l", "app.reuse_seed", "Last seed",
              "Put the selected (or last) job's seed in the form"),
    KeyAction("pick-model", "ctrl+o", "app.pick_model", "Models",
              "Choose among the provider's models, or type any id"),
)
JOB_KEYS = (
    KeyAction("cancel-job", "c", "app.cancel_job", "Cancel", "Cancel the selected job"),
    KeyAction("retry-job", "r", "app.retry_job", "Retry",
              "Send the selected job's request again (resumes an interrupted job)"),
    KeyAction("rerun-same-seed", "s", "app.rerun(True)", "Same seed",
              "Run the selected job again with its seed"),
    KeyAction("rerun-new-seed", "n", "app.rerun(False)", "New seed",
              "Run the selected job again with a new random seed"),
    KeyAction("edit-job", "e", "app.edit_job", "To form",
              "Copy the selected job's prompt and settings into the form"),
    KeyAction("open-file", "o", "app.open_file", "Open", "Open the image in the system viewer"),
    KeyAction("copy-path", "y", "app.copy_path", "Copy path",
              "Copy the image's path to the clipboard (OSC 52: works over SSH)"),
    KeyAction("delete-job", "d,delete", "app.delete_job", "Delete",
              "Delete the selected job from the history (asks first)"),
    KeyAction("zoom-preview", "z", "app.zoom", "Zoom", "Show the image on the whole screen"),
    KeyAction("next-image", "right_square_bracket", "app.flip_image(1)", "Next image",
              "Next image of a job that made several", show=False),
    KeyAction("previous-image", "left_square_bracket", "app.flip_image(-1)", "Previous image",
              "Previous image of a job that made several", show=False),
)
#: the target picker that opens a comparison
PICKER_KEYS = (
    KeyAction("compare-start", "ctrl+j", "screen.start", "Compare",
              "In the target picker: send the prompt to every ticked target"),
)
COMPARE_KEYS = (
    KeyAction("compare-enlarge", "z,enter", "screen.enlarge", "Enlarge",
              "Show the selected target's image on the whole screen"),
    KeyAction("compare-rerun", "r", "screen.rerun", "Re-run",
              "Run the selected target again: same prompt, size and seed"),
    KeyAction("compare-favourite", "f", "screen.favourite", "Favourite",
              "Keep the selected image as the comparison's favourite (again: unmark it)"),
    KeyAction("compare-export", "x", "screen.export", "Export",
              "Write the contact sheet and the table (Markdown, CSV, JSON) to the library folder"),
    KeyAction("compare-open-file", "o", "screen.open_file", "Open",
              "Open the selected image in the system viewer"),
    KeyAction("compare-copy-path", "y", "screen.copy_path", "Copy path",
              "Copy the selected image's path to the clipboard (OSC 52: works over SSH)"),
    KeyAction("compare-close", "escape,q", "screen.close", "Back",
              "Leave the comparison (its jobs keep running; reopen it from the library)"),
)
LIBRARY_KEYS = (
    KeyAction("library-show", "enter,z", "screen.show_entry", "Show",
              "Show the image large, with its full provenance"),
    KeyAction("library-to-form", "e", "screen.entry_to_form", "To form",
              "Copy the entry's prompt, seed and settings into the form"),
    KeyAction("library-rerun", "r", "screen.rerun_entry", "Re-run",
              "Send the entry's request again, with its seed"),
    KeyAction("library-open-file", "o", "screen.open_entry", "Open",
              "Open the image in the system viewer"),
    KeyAction("library-copy-path", "y", "screen.copy_entry_path", "Copy path",
              "Copy the image's path to the clipboard (OSC 52: works over SSH)"),
    KeyAction("library-export", "x", "screen.export_entry", "Export",
              "Copy the image and a JSON sidecar of its provenance to a folder"),
    KeyAction("library-delete", "d,delete", "screen.delete_entry", "Delete",
              "Delete the image file and its job together (asks first)"),
    KeyAction("library-comparison", "c", "screen.open_comparison", "Comparison",
              "Reopen the comparison the entry belongs to"),
)
#: the library's keys that work from its filter fields too
LIBRARY_SCREEN_KEYS = (
    KeyAction("library-search", "slash", "screen.focus_search", "Search",
              "Search the prompts; tab moves on to the provider, model, state, date and sort"),
    KeyAction("library-close", "escape", "screen.close", "Back",
              "Back to the list from a filter; from the list, back to the main screen"),
)
GROUPS = {
    "Anywhere": APP_KEYS,
    "Form": FORM_KEYS,
    "Job queue and preview": JOB_KEYS,
    "Comparison": (*PICKER_KEYS, *COMPARE_KEYS),
    "Library": (*LIBRARY_KEYS, *LIBRARY_SCREEN_KEYS),
}
ALL_IDS = frozenset(action.id for group in GROUPS.values() for action in group)


def bindings(actions: tuple[KeyAction, ...]) -> list[Binding]:
    return [action.binding() for action in actions]


def user_keymap(tui: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """The `[tui.keymap]` table as Textual's keymap, and a problem per entry it cannot use."""
    table = tui.get("keymap") or {}
    if not isinstance(table, Mapping):
        return {}, ["[tui] keymap must be a table of id = \"keys\""]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in ALL_IDS:
            problems.append(f"[tui.keymap] {binding_id!r} is not a binding id (see the help screen)")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"[tui.keymap] {binding_id} must be keys such as \"ctrl+g\"")
        else:
            keymap[binding_id] = keys.replace(" ", "")
    return keymap, problems
