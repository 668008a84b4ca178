"""The table of the app's key actions: each with an id, its default keys, its words for the
footer, the palette and the help screen, and when it applies. `keymap` turns it into bindings.
"""

from __future__ import annotations

from fluxtui.tui.input_keys import LIBRARY_USE_AS_INPUT, USE_AS_INPUT
from fluxtui.tui.key_action import KeyAction
from fluxtui.tui.key_table_compare import COMPARE_KEYS, PICKER_KEYS, SWEEP_PICKER_KEYS

__all__ = ["COMPARE_KEYS", "PICKER_KEYS", "SWEEP_PICKER_KEYS"]  # the comparison's, kept apart

# Submit works from anywhere on the main screen (ctrl+j is what a terminal sends for ctrl+enter's
# neighbour and works in tmux; alt+enter reaches apps only in terminals with the kitty keyboard
# protocol). Not a priority binding: the key must reach the focused field after the keys typed
# before it, or a fast typist's (or a paste's) last characters would be missing from what is sent.
# No field handles ctrl+j, so it bubbles up to the screen.
ANYWHERE_KEYS = (
    KeyAction(
        "quit",
        "ctrl+q",
        "app.quit",
        "Quit",
        "Quit (running jobs can be resumed later)",
        priority=True,
        rank=6,
    ),
    KeyAction(
        "submit",
        "ctrl+j,alt+enter",
        "screen.submit",
        "Generate",
        "Send the form to the provider",
        rank=0,
    ),
    KeyAction(
        "help",
        "f1,question_mark",
        "app.help",
        "Help",
        "Show every key and what it does",
        command="Show keys",
    ),
    KeyAction(
        "command-palette",
        "ctrl+p",
        "app.command_palette",
        "Commands",
        "Search every command: switch provider or model, demo mode, image protocol…",
        show=False,
        priority=True,
    ),
    KeyAction(
        "focus-form", "f2", "screen.focus_pane('form')", "Form", "Move to the prompt", show=False
    ),
    KeyAction(
        "focus-queue",
        "f3",
        "screen.focus_pane('queue')",
        "Jobs",
        "Move to the job queue",
        show=False,
    ),
    KeyAction(
        "focus-preview",
        "f4",
        "screen.focus_pane('preview')",
        "Preview",
        "Move to the preview",
        show=False,
    ),
    KeyAction(
        "compare",
        "ctrl+t",
        "screen.compare",
        "Compare",
        "Send the form's prompt, size and seed to several providers and models at once",
        command="Compare providers and models…",
        rank=1,
    ),
    KeyAction(
        "sweep",
        "ctrl+n",
        "screen.sweep",
        "Sweep",
        "Send the form over a grid: one or two axes of seeds, guidance, steps, models…",
        command="Sweep seeds, guidance, steps or models…",
        show=False,  # the footer is full: the palette and the help screen list it
    ),
    KeyAction(
        "library",
        "ctrl+g",
        "screen.library",
        "Library",
        "Every image made: search, filter, show, re-run, export, delete",
        command="Open the library",
        rank=2,
    ),
)
#: bound on the app: they work on every screen
APP_KEYS = tuple(key for key in ANYWHERE_KEYS if key.action.startswith("app."))
#: the main screen's own (the form, the queue and the preview); it binds all of ANYWHERE_KEYS,
#: so that its footer lists them with its own (Textual lists a screen's keys before the app's)
MAIN_KEYS = tuple(key for key in ANYWHERE_KEYS if key.action.startswith("screen."))
#: the form's, bound on the main screen: they work from every pane of it (no field handles them)
FORM_KEYS = (
    KeyAction(
        "toggle-random-seed",
        "ctrl+r",
        "screen.toggle_random_seed",
        "Random seed",
        "Switch between a random seed and the one typed",
        rank=7,
        short="Random",
    ),
    KeyAction(
        "reuse-seed",
        "ctrl+l",
        "screen.reuse_seed",
        "Last seed",
        "Put the selected (or last) job's seed in the form",
        rank=7,
        short="Last seed",
    ),
    KeyAction(
        "pick-model",
        "ctrl+o",
        "screen.pick_model",
        "Models",
        "Choose among the provider's models, or type any id",
        rank=4,
    ),
)
#: on the selected job (the app's actions: they work on the zoomed preview too); `when`: "job"
#: (one is selected), "live" (it runs here), "idle" (it does not), "files" (it has an image),
#: "several" (it has more than one)
JOB_KEYS = (
    KeyAction(
        "cancel-job",
        "c",
        "app.cancel_job",
        "Cancel",
        "Cancel the selected job",
        when="live",
        command="Cancel the selected job",
    ),
    KeyAction(
        "retry-job",
        "r",
        "app.retry_job",
        "Retry",
        "Send the selected job's request again (resumes an interrupted job)",
        when="idle",
        command="Retry the selected job",
    ),
    KeyAction(
        "rerun-same-seed",
        "s",
        "app.rerun(True)",
        "Same seed",
        "Run the selected job again with its seed",
        when="job",
        command="Re-run the selected job with its seed",
        rank=5,
        short="Same",
    ),
    KeyAction(
        "rerun-new-seed",
        "n",
        "app.rerun(False)",
        "New seed",
        "Run the selected job again with a new random seed",
        when="job",
        command="Re-run the selected job with a new seed",
        rank=5,
        short="New",
    ),
    KeyAction(
        "edit-job",
        "e",
        "app.edit_job",
        "To form",
        "Copy the selected job's prompt and settings into the form",
        when="job",
        command="Copy the selected job into the form",
        rank=6,
    ),
    USE_AS_INPUT,
    KeyAction(
        "open-file",
        "o",
        "app.open_file",
        "Open",
        "Open the image in the system viewer",
        when="files",
        command="Open the selected image",
        rank=7,
    ),
    KeyAction(
        "copy-path",
        "y",
        "app.copy_path",
        "Copy path",
        "Copy the image's path to the clipboard (OSC 52: works over SSH)",
        when="files",
        command="Copy the selected image's path",
        rank=7,
        short="Copy",
    ),
    KeyAction(
        "delete-job",
        "d,delete",
        "app.delete_job",
        "Delete",
        "Delete the selected job from the history (asks first)",
        when="idle",
        command="Delete the selected job",
        rank=4,
    ),
    KeyAction(
        "zoom-preview",
        "z",
        "app.zoom",
        "Zoom",
        "Show the image on the whole screen",
        when="job",
    ),
    KeyAction(
        "next-image",
        "right_square_bracket",
        "app.flip_image(1)",
        "Next image",
        "Next image of a job that made several",
        show=False,
        when="several",
    ),
    KeyAction(
        "previous-image",
        "left_square_bracket",
        "app.flip_image(-1)",
        "Previous image",
        "Previous image of a job that made several",
        show=False,
        when="several",
    ),
)
#: on the library entry under the cursor (`when` "entries": while the list has some)
LIBRARY_KEYS = (
    KeyAction(
        "library-show",
        "enter,z",
        "screen.show_entry",
        "Show",
        "Show the image large, with its full provenance",
        when="entries",
        rank=1,
    ),
    KeyAction(
        "library-to-form",
        "e",
        "screen.entry_to_form",
        "To form",
        "Copy the entry's prompt, seed and settings into the form",
        when="entries",
        rank=4,
    ),
    LIBRARY_USE_AS_INPUT,
    KeyAction(
        "library-rerun",
        "r",
        "screen.rerun_entry",
        "Re-run",
        "Send the entry's request again, with its seed",
        when="entries",
    ),
    KeyAction(
        "library-open-file",
        "o",
        "screen.open_entry",
        "Open",
        "Open the image in the system viewer",
        when="entries",
        rank=6,
    ),
    KeyAction(
        "library-copy-path",
        "y",
        "screen.copy_entry_path",
        "Copy path",
        "Copy the image's path to the clipboard (OSC 52: works over SSH)",
        when="entries",
        rank=6,
        short="Copy",
    ),
    KeyAction(
        "library-export",
        "x",
        "screen.export_entry",
        "Export",
        "Copy the image and a JSON sidecar of its provenance to a folder",
        when="entries",
        rank=5,
    ),
    KeyAction(
        "library-delete",
        "d,delete",
        "screen.delete_entry",
        "Delete",
        "Delete the image file and its job together (asks first)",
        when="entries",
        rank=4,
    ),
    KeyAction(
        "library-comparison",
        "c",
        "screen.open_comparison",
        "Comparison",
        "Reopen the comparison the entry belongs to",
        when="entries",
        rank=5,
        short="Compare",
    ),
)
#: the library's keys that work from its filter fields too
LIBRARY_SCREEN_KEYS = (
    KeyAction(
        "library-search",
        "slash",
        "screen.focus_search",
        "Search",
        "Search the prompts; tab moves on to the provider, model, state, date and sort",
        rank=2,
    ),
    KeyAction(
        "library-close",
        "escape",
        "screen.close",
        "Back",
        "Back to the list from a filter; from the list, back to the main screen",
        rank=0,
    ),
)
