"""The keys of input images, for the key table (`key_table` puts them in its groups): the form's
Inputs field's own, and "use as input" on a job (the queue, the preview) and a library entry."""

from __future__ import annotations

from fluxtui.tui.key_action import KeyAction

#: the Inputs field's (bound on it: they work while it has the focus)
INPUT_KEYS = (
    KeyAction(
        "input-add",
        "a,plus",
        "add_input",
        "Add image",
        "In the Inputs field: add an input image (a file, with completion; a URL; a job id)",
        rank=1,
        short="Add",
    ),
    KeyAction(
        "input-mask",
        "m",
        "add_mask",
        "Mask",
        "In the Inputs field: set the mask (Fill models; white repaints)",
        when="mask",
        rank=2,
    ),
    KeyAction(
        "input-remove",
        "d,delete,backspace",
        "remove_input",
        "Remove",
        "In the Inputs field: remove the selected input image",
        when="inputs",
        rank=2,
    ),
    KeyAction(
        "input-earlier",
        "shift+up,less_than_sign",
        "move_input(-1)",
        "Earlier",
        "In the Inputs field: move the selected input image up (the first is the one edited)",
        when="inputs",
        rank=5,
    ),
    KeyAction(
        "input-later",
        "shift+down,greater_than_sign",
        "move_input(1)",
        "Later",
        "In the Inputs field: move the selected input image down",
        when="inputs",
        rank=5,
    ),
)
#: on the selected job: in the queue, the preview and the zoomed preview (`when` "files")
USE_AS_INPUT = KeyAction(
    "use-as-input",
    "i",
    "app.use_as_input",
    "As input",
    "Add the selected job's image (the one shown) to the form's input images: edit it next",
    when="files",
    command="Use the selected image as an input",
    rank=6,
    short="Input",
)
#: on the library entry under the cursor
LIBRARY_USE_AS_INPUT = KeyAction(
    "library-use-as-input",
    "i",
    "screen.use_entry_as_input",
    "As input",
    "Add the entry's image to the form's input images and go back to the form",
    when="entries",
    rank=5,
    short="Input",
)
