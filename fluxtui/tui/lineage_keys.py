"""The library's lineage keys (a part of the key table, `key_table`): walk from an entry to the
jobs its input images came from, to those that took its images, and show its whole chain."""

from __future__ import annotations

from fluxtui.tui.key_action import KeyAction

#: on the library entry under the cursor (`when` "entries", as `key_table.LIBRARY_KEYS`)
LINEAGE_KEYS = (
    KeyAction(
        "library-parent",
        "left_square_bracket",
        "screen.to_parent",
        "Made from",
        "Go to the job the entry's input image came from (a chooser when there are several)",
        when="entries",
        command="Library: go to the job this image was made from",
        rank=6,
        short="Parent",
    ),
    KeyAction(
        "library-child",
        "right_square_bracket",
        "screen.to_child",
        "Used in",
        "Go to a job that took the entry's image as an input (a chooser when there are several)",
        when="entries",
        command="Library: go to a job made from this image",
        rank=6,
        short="Child",
    ),
    KeyAction(
        "library-chain",
        "L",
        "screen.show_chain",
        "Chain",
        "Show the entry's chain, its first image → … → the entry; enter goes to the one chosen",
        when="entries",
        command="Library: show this image's chain of edits",
        rank=5,
    ),
)
