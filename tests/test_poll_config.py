"""A provider's poll budget and HTTP/2 in the config file: read, checked, explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.errors import ConfigError
from fluxtui.core.http_transport import AiohttpTransport
from fluxtui.core.settings import DEFAULT_REQUESTS_PER_SECOND, Transport
from fluxtui.core.store import Store


def load(tmp_path: Path, text: str) -> config_module.Config:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return config_module.load(path, env={})


def test_budget_and_http2_are_read_per_provider(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "[providers.bfl]\nmax_requests_per_second = 12.5\nhttp2 = false\n"
        "[providers.fal]\nmax_requests_per_second = 200\n",
    )
    bfl, fal, comet = (config.settings(n).transport for n in ("bfl", "fal", "comet"))
    assert bfl == Transport(max_requests_per_second=12.5, http2=False)
    assert fal.max_requests_per_second == 200 and fal.http2 is None
    assert comet.max_requests_per_second == DEFAULT_REQUESTS_PER_SECOND


def test_http2_only_when_asked_for_and_over_tls() -> None:
    assert not Transport().uses_http2("https://api.bfl.ai")  # HTTP/1.1 unless the config asks
    assert not Transport(http2=False).uses_http2("https://api.bfl.ai")
    assert Transport(http2=True).uses_http2("https://api.bfl.ai")
    assert not Transport(http2=True).uses_http2("http://127.0.0.1:8787/bfl")  # no TLS: 1.1


async def test_http2_asked_for_in_the_config_reaches_the_providers_client(tmp_path: Path) -> None:
    config = load(tmp_path, "[providers.fal]\nhttp2 = true\n[providers.bfl]\nhttp2 = false\n")
    store = Store(tmp_path / "jobs.sqlite3")
    async with Engine(config, store, library=tmp_path / "library") as engine:
        clients = {name: engine.provider(name).client for name in ("fal", "bfl", "comet")}
        # fal's https:// base URL over httpx's own pool (h2); the others over aiohttp's
        assert not isinstance(clients["fal"]._transport, AiohttpTransport)
        assert isinstance(clients["bfl"]._transport, AiohttpTransport)
        assert isinstance(clients["comet"]._transport, AiohttpTransport)
    store.close()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_requests_per_second = 0", "must be above 0 and at most 1000"),
        ("max_requests_per_second = -3", "got -3"),
        ("max_requests_per_second = 5000", "got 5000"),
        ("max_requests_per_second = nan", "must be above 0"),
        ('max_requests_per_second = "fast"', "must be a number"),
        ("max_requests_per_second = true", "must be a number"),
        ('http2 = "yes"', "must be a boolean"),
    ],
)
def test_a_bad_value_is_named_with_its_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f"[providers.bfl]\n{line}\n")
    text = str(caught.value)
    assert "line 2" in text and message in text
    assert ("http2" if "http2" in line else "max_requests_per_second") in text
