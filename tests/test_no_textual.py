"""The engine and the headless CLI never import Textual (start-up time, and a clean core)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "fluxtui.core.models",
    "fluxtui.core.errors",
    "fluxtui.core.settings",
    "fluxtui.core.config",
    "fluxtui.core.paths",
    "fluxtui.core.catalog",
    "fluxtui.core.model_spec",
    "fluxtui.core.model_tables",
    "fluxtui.core.exit_codes",
    "fluxtui.core.schedule",
    "fluxtui.core.provenance",
    "fluxtui.core.files",
    "fluxtui.core.store",
    "fluxtui.core.engine",
    "fluxtui.core.providers",
    "fluxtui.core.providers.bfl",
    "fluxtui.core.providers.fal",
    "fluxtui.core.providers.openai_images",
    "fluxtui.core.providers.fal_fields",
    "fluxtui.core.providers.wire",
    "fluxtui.core.pricing",
    "fluxtui.core.budget",
    "fluxtui.core.comparison",
    "fluxtui.core.compare",
    "fluxtui.core.compare_table",
    "fluxtui.core.exports",
    "fluxtui.core.library",
    "fluxtui.core.thumbnails",
    "fluxtui.cli",
    "fluxtui.commands.generate",
    "fluxtui.commands.info",
    "fluxtui.commands.compare",
    "fluxtui.commands.library",
    "fluxtui.commands.costs",
    "fluxtui.control.controller",
    "fluxtui.control.spending",
    "fluxtui.sim",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_module_imports_without_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_image'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_core_does_not_import_the_simulator_nor_the_reverse() -> None:
    code = (
        "import sys, fluxtui.core.engine, fluxtui.core.providers\n"
        "assert not any(m.startswith('fluxtui.sim') for m in sys.modules), 'core imported sim'\n"
        "for m in list(sys.modules):\n"
        "    if m.startswith('fluxtui'): del sys.modules[m]\n"
        "import fluxtui.sim.app\n"
        "assert not any(m.startswith('fluxtui.core') for m in sys.modules), 'sim imported core'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_help_runs_without_textual() -> None:
    code = (
        "import sys\nfrom fluxtui.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'textual' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "generate" in done.stdout
