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

from textual.binding import BindingType

from fluxtui.tui.input_keys import INPUT_KEYS
from fluxtui.tui.key_action import KeyAction
from fluxtui.tui.key_table import (
    ANYWHERE_KEYS,
    COMPARE_KEYS,
    FORM_KEYS,
    JOB_KEYS,
    LIBRARY_KEYS,
    LIBRARY_SCREEN_KEYS,
    PICKER_KEYS,
    SWEEP_PICKER_KEYS,
)
from fluxtui.tui.lineage_keys import LINEAGE_KEYS

GROUPS = {
    "Anywhere": ANYWHERE_KEYS,
    "Form": FORM_KEYS,
    "Inputs field": INPUT_KEYS,
    "Job queue and preview": JOB_KEYS,
    "Comparison and sweep": (*PICKER_KEYS, *SWEEP_PICKER_KEYS, *COMPARE_KEYS),
    "Library": (*LIBRARY_KEYS, *LINEAGE_KEYS, *LIBRARY_SCREEN_KEYS),
}
ALL_IDS = frozenset(action.id for group in GROUPS.values() for action in group)


def bindings(actions: tuple[KeyAction, ...]) -> list[BindingType]:
    return [action.binding() for action in actions]


def conditions(actions: tuple[KeyAction, ...]) -> dict[str, str]:
    """Each action's `when` by its method name, for a `check_action` (those that always apply
    are left out)."""
    return {action.name: action.when for action in actions if action.when}


def user_keymap(tui: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """The `[tui.keymap]` table as Textual's keymap, and a problem per entry it cannot use."""
    table = tui.get("keymap") or {}
    if not isinstance(table, Mapping):
        return {}, ['[tui] keymap must be a table of id = "keys"']
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in ALL_IDS:
            problems.append(
                f"[tui.keymap] {binding_id!r} is not a binding id (see the help screen)"
            )
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f'[tui.keymap] {binding_id} must be keys such as "ctrl+g"')
        else:
            keymap[binding_id] = keys.replace(" ", "")
    return keymap, problems
