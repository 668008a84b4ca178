"""The comparison's and the sweep's keys (kept apart from `key_table`, which imports them)."""

from __future__ import annotations

from fluxtui.tui.key_action import KeyAction

#: the target picker that opens a comparison
PICKER_KEYS = (
    KeyAction(
        "compare-start",
        "ctrl+j",
        "screen.start",
        "Compare",
        "In the target picker: send the prompt to every ticked target",
    ),
)
#: the sweep dialog that opens a sweep
SWEEP_PICKER_KEYS = (
    KeyAction(
        "sweep-start",
        "ctrl+j",
        "screen.start",
        "Sweep",
        "In the sweep dialog: send the form over the grid of the axes given",
    ),
)
#: on a comparison's (or a sweep's) selected cell
COMPARE_KEYS = (
    KeyAction(
        "compare-enlarge",
        "z,enter",
        "screen.enlarge",
        "Enlarge",
        "Show the selected target's image on the whole screen",
        rank=1,
    ),
    KeyAction(
        "compare-rerun",
        "r",
        "screen.rerun",
        "Re-run",
        "Run the selected target again: same prompt, size and seed",
        rank=2,
    ),
    KeyAction(
        "compare-to-form",
        "e",
        "screen.to_form",
        "To form",
        "Copy the selected cell's prompt and settings (its values on the axes) into the form",
        rank=3,
    ),
    KeyAction(
        "compare-favourite",
        "f",
        "screen.favourite",
        "Favourite",
        "Keep the selected image as the comparison's favourite (again: unmark it)",
        short="Fav",
    ),
    KeyAction(
        "compare-export",
        "x",
        "screen.export",
        "Export",
        "Write the contact sheet and the table (Markdown, CSV, JSON) to the library folder",
    ),
    KeyAction(
        "compare-open-file",
        "o",
        "screen.open_file",
        "Open",
        "Open the selected image in the system viewer",
        rank=6,
    ),
    KeyAction(
        "compare-copy-path",
        "y",
        "screen.copy_path",
        "Copy path",
        "Copy the selected image's path to the clipboard (OSC 52: works over SSH)",
        rank=6,
        short="Copy",
    ),
    KeyAction(
        "compare-close",
        "escape,q",
        "screen.close",
        "Back",
        "Leave the comparison (its jobs keep running; reopen it from the library)",
        rank=0,
    ),
)
