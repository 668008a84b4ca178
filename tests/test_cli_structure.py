"""The headless face is put together as the app is: it holds job snapshots only, and runs jobs
through the Textual-free controller (fluxtui/control/), never the engine itself."""

from __future__ import annotations

import ast
from pathlib import Path

import fluxtui

PACKAGE = Path(fluxtui.__file__).parent
CLI_FACE = [PACKAGE / "cli.py", *sorted((PACKAGE / "commands").rglob("*.py"))]


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    """Every (module, name) imported anywhere in `tree`: functions and TYPE_CHECKING too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_no_cli_module_holds_an_engine_job_or_the_engine() -> None:
    assert len(CLI_FACE) > 5
    for path in CLI_FACE:
        text = path.read_text()
        for module, name in _imports(ast.parse(text, str(path))):
            assert not (module == "fluxtui.core.models" and name == "Job"), (
                f"{path.name} imports the engine's Job (faces see JobSnapshot)"
            )
            assert module != "fluxtui.core.engine", f"{path.name} imports the engine"
        assert "engine.jobs" not in text, f"{path.name} reads engine.jobs"


def test_the_missing_key_message_is_worded_in_one_place() -> None:
    for path in CLI_FACE:
        if path.name != "requests.py":
            assert ".missing_key_message" not in path.read_text(), path.name
