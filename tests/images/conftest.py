"""The real app on the simulator, as tests/tui builds it."""

from tests.tui.conftest import make_app

__all__ = ["make_app"]
