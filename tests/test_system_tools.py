"""A program pip does not install: skipped with what to install on a newcomer's machine, a
failure under CI, where every test must run."""

from __future__ import annotations

import pytest

from tests.system_tools import require


def test_a_missing_program_skips_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install libsixel-bin"):
        require("sixel2png")


def test_under_ci_a_missing_program_fails(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"chromium is not installed"):
        require("chromium")


def test_an_installed_program_is_found() -> None:
    assert require("tmux").endswith("/tmux")
