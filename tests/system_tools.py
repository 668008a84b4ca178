"""Programs some tests drive that pip does not install: Debian packages, which `.ci/run` installs.

Where one is missing, the tests that need it are skipped, saying which package to install, so a
newcomer's first `pytest` is green; under CI (`CI` set) every test must run, and a missing program
fails the test instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: program -> the Debian package that has it
PACKAGES = {
    "convert": "imagemagick",
    "sixel2png": "libsixel-bin",
    "img2sixel": "libsixel-bin",
    "tmux": "tmux",
    "chromium": "chromium",
    "openssl": "openssl",
}
ALL = "apt-get install -y " + " ".join(sorted(set(PACKAGES.values())))


def require(program: str) -> str:
    """The path of `program`; skips the test (fails it under CI) when it is not installed."""
    found = shutil.which(program)
    if found is not None:
        return found
    message = (
        f"{program} is not installed: this test needs it (apt-get install {PACKAGES[program]}; "
        f"every such program: {ALL})"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
