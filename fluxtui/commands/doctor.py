"""`fluxtui doctor`: what a user pastes into a bug report, without Textual.

What the terminal said it is and draws (it is asked through /dev/tty, so this works with stdout
piped; with no terminal at all it says so), the protocol and colour depth the app would choose and
why, the config/data/cache paths, whether this SQLite can index prompts for the library's search
(FTS5 with the trigram tokenizer; else why not), and each provider's key status: set or missing
and where from, never the key. Exit code 2 when a setting (FLUXTUI_IMAGE_PROTOCOL, FLUXTUI_COLOR,
the config file) is wrong, after printing everything else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
from dataclasses import asdict
from importlib import metadata
from typing import Any

from fluxtui import __version__
from fluxtui.commands.info import locations
from fluxtui.core import config as config_module
from fluxtui.core import prompt_index
from fluxtui.core.errors import ConfigError
from fluxtui.core.exit_codes import EXIT_BAD_INPUT
from fluxtui.core.text import inert
from fluxtui.term import settings
from fluxtui.term.choice import choose
from fluxtui.term.describe import describe
from fluxtui.term.probe import probe_terminal


def run_doctor(args: argparse.Namespace) -> int:
    problems: list[str] = []
    try:
        config: config_module.Config | None = config_module.load()
    except ConfigError as exc:
        config = None
        problems.append(str(exc))
    tui: dict[str, Any] = config.tui if config is not None else {}
    requested, color, color_from = "auto", None, "FLUXTUI_COLOR or [tui] color"
    try:
        requested = settings.requested_protocol(
            None, os.environ.get(settings.PROTOCOL_ENV), tui.get("image_protocol")
        )[0]
    except ValueError as exc:
        problems.append(str(exc))
    try:
        forced = settings.color_override(os.environ.get(settings.COLOR_ENV), tui.get("color"))
        if forced is not None:
            color, color_from = forced
    except ValueError as exc:
        problems.append(str(exc))
    report = probe_terminal()
    choice = choose(report, requested, color, color_from=color_from)
    found: dict[str, Any] = {
        "fluxtui": __version__,
        "python": platform.python_version(),
        "packages": _versions(),
        "terminal": asdict(report),
        "choice": asdict(choice),
        "lines": describe(report, choice),
        "paths": locations(),
        "prompt_search": _prompt_search(),
        "providers": _providers(config),
        "warnings": list(config.warnings) if config is not None else [],
        "problems": [inert(problem) for problem in problems],
    }
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        _print(found)
    return EXIT_BAD_INPUT if problems else 0


def _print(found: dict[str, Any]) -> None:
    """The report as lines, each inert: paths, labels and warnings come from outside."""
    packages = ", ".join(f"{name} {version}" for name, version in found["packages"].items())
    lines = [f"fluxtui {found['fluxtui']} on Python {found['python']} ({packages})"]
    lines += found["lines"]
    lines += [f"{name + ':':<8} {path}" for name, path in found["paths"].items()]
    search = found["prompt_search"]
    lines.append(f"prompt search: {search['reason'] or 'indexed (SQLite FTS5, trigram)'}")
    lines += [
        f"provider {row['name']} ({row['label']}): {row['status']}" for row in found["providers"]
    ]
    lines += [f"warning: {warning}" for warning in found["warnings"]]
    lines += [f"problem: {problem}" for problem in found["problems"]]
    for line in lines:
        print(inert(line))


def _prompt_search() -> dict[str, Any]:
    """Whether the library's prompt search can use an index here, and if not, why."""
    reason = prompt_index.unavailable()
    return {"indexed": reason is None, "sqlite": sqlite3.sqlite_version, "reason": reason}


def _versions() -> dict[str, str]:
    """The versions of what draws the app, read from the installed metadata (nothing imported)."""
    versions = {}
    for package in ("textual", "textual-image", "rich", "Pillow"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _providers(config: config_module.Config | None) -> list[dict[str, Any]]:
    """Each configured provider's key status: where the key comes from, never any of it."""
    rows = []
    for name, entry in (config.providers if config is not None else {}).items():
        if entry.key_command:
            source: str | None = "api_key_command (not run here)"
        elif entry.key:
            source = "the config file" if entry.key_source in (None, "config") else entry.key_source
        else:
            source = None
        status = f"key set ({source})" if source else f"no key (set {entry.key_hint})"
        row = {"name": name, "label": entry.label, "key": source is not None, "from": source}
        rows.append({**row, "status": status})
    return rows
