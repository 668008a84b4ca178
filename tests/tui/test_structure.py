"""How the app is put together: faces hold snapshots only, the controller is Textual-free, the
screens never import the app, one key table drives everything; and the mouse's double click."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

import fluxtui
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from fluxtui.tui.keymap import GROUPS
from fluxtui.tui.messages import CopyPath, LoadForm, SendRequest
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.zoom import ZoomScreen
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.library_list import LibraryList
from tests.tui.helpers import Recorder, ready, wait_for
from tests.tui.test_library_screen import open_library, seeded  # noqa: F401 (a fixture)
from tests.tui.test_shell import stored_job

PACKAGE = Path(fluxtui.__file__).parent
FACE = PACKAGE / "tui"


def _modules(folder: Path) -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(folder.rglob("*.py"))]


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    """Every (module, name) imported anywhere in `tree`: functions and TYPE_CHECKING too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_no_face_module_holds_an_engine_job():
    for path, tree in _modules(FACE):
        for module, name in _imports(tree):
            assert not (module == "fluxtui.core.models" and name == "Job"), (
                f"{path.name} imports the engine's Job (faces see JobSnapshot)"
            )
            assert module != "fluxtui.core.engine", f"{path.name} imports the engine"
        assert "engine.jobs" not in path.read_text(), f"{path.name} reads engine.jobs"


def test_screens_and_widgets_never_import_the_app():
    for folder in ("screens", "widgets"):
        for path, tree in _modules(FACE / folder):
            for module, _ in _imports(tree):
                assert module not in ("fluxtui.tui.app", "fluxtui.tui.factory"), (
                    f"{folder}/{path.name} imports {module}"
                )
            assert "cast(" not in path.read_text(), f"{folder}/{path.name} casts the app"


def test_the_controller_imports_no_textual():
    code = (
        "import sys, fluxtui.control.controller, fluxtui.control.spending\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'fluxtui.tui')"
        " or m.startswith('fluxtui.tui'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_no_module_of_the_faces_is_over_400_lines():
    for folder in (FACE, PACKAGE / "control"):
        for path in folder.rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_one_key_table_names_each_binding_once():
    ids = [action.id for group in GROUPS.values() for action in group]
    assert len(ids) == len(set(ids))
    for group in GROUPS.values():
        for action in group:
            assert action.when in (
                *("", "job", "live", "idle", "files", "several", "entries"),
                *("mask", "inputs"),  # the Inputs field's
            )


async def test_a_double_click_on_a_job_zooms_it(make_app, tmp_path):
    store = Store(tmp_path / "jobs.sqlite3")
    for n in range(3):
        store.save(stored_job(f"double-clicked fox {n}", JobState.DONE, time.time() - n))
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 3, "the stored jobs")
        second = app.board.at(1)
        await pilot.click(JobQueue, offset=(10, 2), times=2)  # the border, then rows 0, 1
        zoom = await wait_for(
            pilot, lambda: isinstance(app.screen, ZoomScreen) and app.screen, "the zoomed preview"
        )
        assert zoom.preview.job_id == second.id


async def test_a_double_click_on_an_entry_shows_it(make_app, seeded):  # noqa: F811
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        screen = await open_library(pilot)
        await pilot.click(LibraryList, offset=(20, 5), times=2)  # row 1 (4 lines a row)
        await wait_for(pilot, lambda: isinstance(app.screen, ImageView), "the entry, large")
        assert screen.list.cursor == 1


def test_the_comparison_screen_follows_events_not_a_timer():
    source = (FACE / "screens" / "compare.py").read_text()
    assert "set_interval" not in source and "set_timer" not in source
    assert "def on_jobs_updated" in source


async def test_the_library_asks_the_app_by_message(make_app, seeded):  # noqa: F811
    """(The hook sees a message at each node it bubbles through.)"""
    recorder = Recorder()
    app = make_app()
    async with app.run_test(size=(140, 44), message_hook=recorder) as pilot:
        await ready(pilot)
        await open_library(pilot)
        await pilot.press("y")
        copy = (await wait_for(pilot, lambda: recorder.of(CopyPath), "the copy request"))[0]
        assert str(copy.path) == seeded[0].files[0] == app.clipboard
        await pilot.press("r")
        send = (await wait_for(pilot, lambda: recorder.of(SendRequest), "the send request"))[0]
        assert send.request == seeded[0].request
        await wait_for(pilot, lambda: app.board.at(0), "the job sent, in the queue")
        await pilot.press("e")
        load = (await wait_for(pilot, lambda: recorder.of(LoadForm), "the form request"))[0]
        assert load.request == seeded[0].request
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
