"""Where fluxtui keeps things (platformdirs; XDG on Linux).

Results are user data, not cache: the providers' URLs expire, so our copy is the only copy.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "fluxtui"


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME)


def store_file() -> Path:
    return data_dir() / "jobs.sqlite3"


def library_dir() -> Path:
    """Where generated images are saved, `<date>/<job-id>[-n].<ext>` below it."""
    return data_dir() / "images"


def cache_dir() -> Path:
    """Derived files (previews, thumbnails), safe to delete; and `unsaved/`, which is not."""
    return platformdirs.user_cache_path(APP_NAME)


def unsaved_dir() -> Path:
    """Paid-for images that could not go into the library: it could not be written (they move
    there once it can), or fluxtui refused to decode them (too many pixels). Not safe to delete.
    """
    return cache_dir() / "unsaved"
