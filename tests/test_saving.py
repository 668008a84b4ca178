"""A verified image that the library cannot take is kept in the cache, and placed later.

The tests run as root, where permission bits stop nothing: the library is made unwritable with
what stops root too, a regular file where a folder must be (ENOTDIR / EEXIST), or a folder where
the image file must go (EISDIR), so they run anywhere without mounts or special setup.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fluxtui.core import paths, provenance
from fluxtui.core.errors import ProviderError
from fluxtui.core.files import SavedImage, image_path, place_cached
from fluxtui.core.models import ErrorKind
from tests.downloading import CREATED, DAY, Downloads, files_under

PLACE = {"job_id": "job1", "created_at": CREATED, "index": 0, "count": 1}


def blocked(path: Path) -> Path:
    """`path`, made impossible to create: its parent is a regular file."""
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.write_bytes(b"not a folder")
    return path


async def test_an_unwritable_library_sends_the_image_to_the_cache(
    downloads: Downloads, tmp_path: Path
) -> None:
    library = blocked(tmp_path / "blocker" / "library")
    saved = await downloads.save(await downloads.url(), library)
    assert saved == SavedImage(paths.unsaved_dir() / "job1.jpg", 256, 256, cached=True)
    assert provenance.read(saved.path.read_bytes()) == {"seed": 7, "width": 256, "height": 256}
    assert files_under(paths.unsaved_dir()) == [saved.path]


async def test_a_file_in_place_of_the_date_folder_sends_the_image_to_the_cache(
    downloads: Downloads, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    day = blocked(library / DAY / "job1.jpg").parent  # the date folder is a regular file
    saved = await downloads.save(await downloads.url(), library, fallback_dir=tmp_path / "c")
    assert saved.cached and saved.path == tmp_path / "c" / "job1.jpg"
    assert day.read_bytes() == b"not a folder"


async def test_a_failure_after_the_download_still_keeps_the_image(
    downloads: Downloads, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    target = image_path(library, "job1", CREATED, 0, 1, "jpg")
    (target / "occupied").mkdir(parents=True)  # the file's name is taken by a folder
    saved = await downloads.save(await downloads.url(), library, fallback_dir=tmp_path / "c")
    assert saved.cached and saved.path == tmp_path / "c" / "job1.jpg"
    assert files_under(library) == []  # the spool that was downloaded there is gone


async def test_when_nothing_can_be_written_the_error_says_so(
    downloads: Downloads, tmp_path: Path
) -> None:
    library = blocked(tmp_path / "a" / "library")
    cache = blocked(tmp_path / "b" / "unsaved")
    with pytest.raises(ProviderError) as caught:
        await downloads.save(await downloads.url(), library, fallback_dir=cache)
    error = caught.value
    assert error.kind is ErrorKind.STORAGE and not error.transient
    assert error.message.startswith("could not save the image anywhere: ")
    assert f"{library / DAY} cannot be written (" in error.message
    assert f"{cache} cannot be written (" in error.message
    assert [p.name for p in files_under(tmp_path)] == ["a", "b"]  # the two blocking files only


async def test_a_cached_image_is_placed_once_the_library_is_writable(
    downloads: Downloads, tmp_path: Path
) -> None:
    library = blocked(tmp_path / "blocker" / "library")
    saved = await downloads.save(await downloads.url(), library)
    data = saved.path.read_bytes()
    with pytest.raises(OSError):
        place_cached(saved.path, library, **PLACE)
    assert saved.path.read_bytes() == data  # still in the cache
    library.parent.unlink()  # the library can be written again
    placed = place_cached(saved.path, library, **PLACE)
    assert placed == library / DAY / "job1.jpg"
    assert placed.read_bytes() == data
    assert not saved.path.exists()


@pytest.fixture
def other_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A folder on another filesystem than tmp_path: Linux's /dev/shm is a tmpfs."""
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        assert os.stat(folder).st_dev != os.stat(tmp_path).st_dev, "needs two filesystems"
        yield Path(folder)


async def test_a_cached_image_is_placed_across_filesystems(
    downloads: Downloads, tmp_path: Path, other_filesystem: Path
) -> None:
    library = blocked(tmp_path / "blocker" / "library")
    saved = await downloads.save(await downloads.url(), library, fallback_dir=other_filesystem)
    data = saved.path.read_bytes()
    library.parent.unlink()
    placed = place_cached(saved.path, library, **PLACE)
    assert placed.read_bytes() == data and not saved.path.exists()
    assert files_under(library) == [placed]  # no temp file left beside it


def test_the_unsaved_folder_is_in_the_cache_dir() -> None:
    assert paths.unsaved_dir() == paths.cache_dir() / "unsaved"
