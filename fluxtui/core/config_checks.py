"""Checking the config file's tables: types, known keys, and messages that name the file, the line
and the key (never the value of a key that may be a secret)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any, NoReturn

from fluxtui.core.errors import ConfigError
from fluxtui.core.inputs import clip, shown

#: settings whose values are never echoed in a message
_SECRET_KEYS = frozenset({"api_key"})
_TOML_TYPES = {
    "str": "string",
    "int": "integer",
    "dict": "table",
    "list": "list",
    "bool": "boolean (true or false)",
}
#: fal's queue priorities (`X-Fal-Queue-Priority`)
QUEUE_PRIORITIES = ("normal", "low")


class TomlChecker:
    """Type-checks tables and raises ConfigError naming the file, the line and the key."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def check_table(
        self, table: dict[str, Any], schema: dict[str, Any], section: str | None
    ) -> None:
        for key, value in table.items():
            if key not in schema:
                known = ", ".join(schema)
                self.fail(section, key, f"is not a setting here (known: {known})")
            expected = schema[key]
            a_bool = isinstance(value, bool)
            if not isinstance(value, expected) or (a_bool and expected is not bool):
                want = (
                    _TOML_TYPES.get(expected.__name__, expected.__name__)
                    if isinstance(expected, type)
                    else "number"
                )
                got = _toml_type(value) if key in _SECRET_KEYS else shown(value)  # never echo a key
                self.fail(section, key, f"must be {_article(want)} {want}, got {got}")

    def check_command(self, section: str, command: str) -> None:
        """An api_key_command must split into words as a shell would."""
        try:
            words = shlex.split(command)
        except ValueError as exc:
            self.fail(section, "api_key_command", f"cannot be split into words: {exc}")
        if not words:
            self.fail(section, "api_key_command", "is empty")

    def fail(self, section: str | None, key: str | None, message: str) -> NoReturn:
        line = self._line_of(section, key)
        where = f"{self.path}" + (f", line {line}" if line else "")
        name = ".".join(part for part in (section, key) if part)
        # the message may quote the file (a price table's unknown keys): inert, and not too long
        raise ConfigError(f"{where}: {clip(name, 80)} {clip(message, 400)}")

    def _line_of(self, section: str | None, key: str | None) -> int | None:
        """The key's line; its section's header line when the key is missing; else None."""
        in_section = section is None
        header = re.compile(r"^\s*\[\s*" + re.escape(section or "") + r"\s*\]") if section else None
        section_line = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                in_section = bool(header and header.match(line))
                section_line = number if in_section else section_line
                continue
            quoted = "|".join(f"{q}{re.escape(key)}{q}" for q in ("", '"', "'")) if key else ""
            if in_section and key and re.match(rf"^(?:{quoted})\s*=", stripped):
                return number
        return section_line


def check_queue_priority(
    problems: TomlChecker, section: str, protocol: str, value: str | None
) -> None:
    """`queue_priority` (already a string, if given) is fal's, and one of QUEUE_PRIORITIES."""
    if value is None:
        return
    if protocol != "fal":
        problems.fail(section, "queue_priority", f"is a fal setting; this provider is {protocol}")
    if value not in QUEUE_PRIORITIES:
        allowed = " or ".join(QUEUE_PRIORITIES)
        problems.fail(section, "queue_priority", f"must be {allowed}, got {shown(value)}")


def permission_warnings(path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    """A warning when the file holds a key and other users may read it (POSIX modes only)."""
    tables = (data.get("providers") or {}).values()
    if os.name != "posix" or not any(t.get("api_key") for t in tables):
        return ()
    if path.stat().st_mode & 0o044:
        return (f"{path.name} holds an API key and is readable by other users: chmod 600 {path}",)
    return ()


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _toml_type(value: Any) -> str:
    """What a TOML value is, in words: "an integer", "a table"."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        dict: "a table",
        list: "an array",
        str: "a string",
    }
    return names.get(type(value), "a date or time")
