"""Completing a file path as it is typed (the path prompt's suggestion; → accepts it).

The suggestion is what the names in the typed folder that start with the typed name have in
common (a folder's name ends with `/`); nothing for a URL, or when no name or many unrelated
ones match. The folder is listed in a thread (a slow disk must not stall the app).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.suggester import Suggester

MAX_NAMES = 2000  # a folder is listed up to this many names


class PathSuggester(Suggester):
    """Suggests the rest of a file or folder name; `~` is the home folder."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or "://" in value:
            return None
        return await asyncio.to_thread(complete, value)


def complete(value: str) -> str | None:
    """`value` completed as far as the names in its folder agree; None when nothing is added."""
    folder_text, slash, stem = value.rpartition("/")
    folder = Path(os.path.expanduser(folder_text + slash)) if slash else Path(".")
    hidden = stem.startswith(".")
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(stem) and (hidden or not entry.name.startswith(".")):
                    names.append(entry.name + ("/" if entry.is_dir() else ""))
                if len(names) >= MAX_NAMES:
                    break
    except OSError:
        return None
    common = shared_start(names)
    return value + common[len(stem) :] if len(common) > len(stem) else None


def shared_start(names: list[str]) -> str:
    """The longest text every name starts with ("" for none)."""
    if not names:
        return ""
    first, last = min(names), max(names)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first if size is None else first[:size]
