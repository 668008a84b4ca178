"""Fixtures for driving the real app against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fluxtui.core.config import Config
from fluxtui.tui.app import FluxApp
from fluxtui.tui.factory import create_app
from tests.tui.helpers import record_notices


@pytest.fixture
def make_app(sim_config: Config, tmp_path: Path) -> Callable[..., FluxApp]:
    """Build the real app on the simulator, with its own store and library under tmp_path."""

    def make(config: Config | None = None, **options: Any) -> FluxApp:
        app = create_app(
            config or sim_config,
            tmp_path / "jobs.sqlite3",
            options.pop("image_protocol", "halfcell"),
            library=tmp_path / "library",
            **options,
        )
        record_notices(app)
        return app

    return make
