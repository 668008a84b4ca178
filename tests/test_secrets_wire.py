"""Keys over real HTTP: masked when a provider echoes them, sent only to the provider's hosts,
never to a download URL, and never found in anything fluxtui writes or prints."""

from __future__ import annotations

import json
import logging
import sqlite3
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from fluxtui import cli
from fluxtui.core import config as config_module
from fluxtui.core import paths, provenance
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.errors import ProviderError
from fluxtui.core.exports import export_job
from fluxtui.core.models import ErrorKind, GenerationRequest, JobState
from fluxtui.core.providers import create_provider
from fluxtui.core.settings import Secret
from fluxtui.core.store import Store
from fluxtui.session import SIM_SERVICES
from fluxtui.sim import SimServer
from tests.helpers import generate
from tests.hostile import ELSEWHERE, HOME, HostileProvider

LEAK_KEY = "sim-leaktest-0123456789abcdef"
USER_SECRET = "user-secret-0123456789"
ECHO = "[[sim: status=Error, echo_key=1]]"


def with_key(config: Config, key: str = LEAK_KEY) -> Config:
    """`config` with every provider's key set to `key`."""
    providers = {n: replace(e, key=Secret(key)) for n, e in config.providers.items()}
    return replace(config, providers=providers)


@pytest.fixture
async def leaky(sim_config: Config, store: Store, tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine(with_key(sim_config), store, library=tmp_path / "library") as engine:
        yield engine


@pytest.fixture
def hostile() -> Iterator[HostileProvider]:
    server = HostileProvider().start()
    yield server
    server.stop()


def keys_sent(headers: dict[str, str]) -> bool:
    return LEAK_KEY in json.dumps(headers) or "authorization" in headers or "x-key" in headers


# ---- a key the provider echoes back ------------------------------------------------------------


def test_the_simulator_really_echoes_the_key(sim: SimServer) -> None:
    """The directive the tests below rely on: the BFL poll answer carries the key."""
    with httpx.Client() as client:
        headers = {"x-key": LEAK_KEY}
        body = {"prompt": f"a fox {ECHO} [[sim: queue=0, run=0]]"}
        answer = client.post(sim.base_url("bfl") + "/v1/flux-dev", json=body, headers=headers)
        polled = client.get(answer.json()["polling_url"], headers=headers).json()
    assert polled["status"] == "Error" and LEAK_KEY in json.dumps(polled["details"])


@pytest.mark.parametrize("provider", ["comet", "bfl", "fal", "apiyi"])
async def test_an_echoed_key_is_masked_in_the_error(
    leaky: Engine, store: Store, provider: str
) -> None:
    job, events = await generate(leaky, provider, f"a fox {ECHO}")
    # the OpenAI API answers the paid POST itself: a 500 there leaves the submit uncertain
    ended = JobState.UNCERTAIN if provider == "apiyi" else JobState.FAILED
    assert job.state is ended and job.error is not None
    assert "request credentials: ****" in job.error.message
    stored = store.get(job.id)
    assert stored is not None
    for text in (repr(job), repr(stored), *(repr(event) for event in events)):
        assert LEAK_KEY not in text


async def test_another_providers_key_is_masked_too(
    sim_config: Config, store: Store, tmp_path: Path
) -> None:
    """fal's key, echoed by comet (through a gateway that shares keys, say), is masked as well."""
    config = with_key(sim_config, "fake-comet-key-0123456789")
    config = replace(
        config,
        providers={
            **config.providers,
            "fal": replace(config.providers["fal"], key=Secret(LEAK_KEY)),
        },
    )
    async with Engine(config, store, library=tmp_path / "library") as engine:
        provider = engine.provider("comet")
        assert LEAK_KEY in provider.known_keys()
        error = provider.redacted(ProviderError(ErrorKind.FAILED, f"saw {LEAK_KEY}"))
    assert error.message == "saw ****"


# ---- keys go only where they belong ------------------------------------------------------------


async def test_bfl_polls_its_other_cluster_with_the_key(leaky: Engine) -> None:
    """The simulator's BFL names a second port of 127.0.0.1 in `polling_url`: same host, allowed."""
    job, _ = await generate(leaky, "bfl")
    assert job.state is JobState.DONE and job.handle is not None
    polling = httpx.URL(job.handle.urls["polling_url"])
    base = httpx.URL(leaky.config.settings("bfl").base_url)
    assert polling.host == base.host and polling.port != base.port


def hostile_config(hostile: HostileProvider) -> Config:
    urls = {name: hostile.base_url(name) for name in SIM_SERVICES}
    return with_key(config_module.demo_config(config_module.load(), urls))


async def test_bfl_refuses_a_polling_url_on_another_host(
    hostile: HostileProvider, store: Store, tmp_path: Path
) -> None:
    async with Engine(hostile_config(hostile), store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, "bfl")
    assert job.state is JobState.FAILED and job.error is not None
    assert job.error.message == (
        f"BFL returned a polling URL on an unexpected host ({ELSEWHERE}, not {HOME}); "
        "not sending the key there"
    )
    assert hostile.seen_at(ELSEWHERE) == []
    assert [s.method for s in hostile.seen_at(HOME)] == ["POST"]  # the submit, with its key
    assert hostile.seen_at(HOME)[0].headers["x-key"] == LEAK_KEY


async def test_comet_polls_its_own_host_when_the_polling_url_is_elsewhere(
    hostile: HostileProvider, store: Store, tmp_path: Path
) -> None:
    async with Engine(hostile_config(hostile), store, library=tmp_path / "lib") as engine:
        job, _ = await generate(engine, "comet")
    assert job.state is JobState.DONE
    home = [(s.method, s.path) for s in hostile.seen_at(HOME)]
    assert home[0] == ("POST", "/comet/flux/v1/flux-pro-1.1")
    assert set(home[1:]) == {("GET", "/comet/flux/v1/get_result")}
    [download] = hostile.seen_at(ELSEWHERE)  # the image, fetched without any key
    assert download.path == "/image.png" and not keys_sent(download.headers)


@pytest.mark.parametrize("stream", [True, False])
async def test_fal_follows_urls_built_from_its_base_when_given_foreign_ones(
    hostile: HostileProvider, store: Store, tmp_path: Path, stream: bool
) -> None:
    config = hostile_config(hostile)
    async with Engine(config, store, library=tmp_path / "lib", stream_status=stream) as engine:
        job, _ = await generate(engine, "fal", model="fal-ai/flux/dev")
    assert job.state is JobState.DONE and job.handle is not None
    root = f"{hostile.home}/fal/fal-ai/flux/requests/req-1"
    assert job.handle.urls == {
        "response_url": root,
        "status_url": f"{root}/status",
        "cancel_url": f"{root}/cancel",
    }
    assert all(s.headers["authorization"] == f"Key {LEAK_KEY}" for s in hostile.seen_at(HOME))
    [download] = hostile.seen_at(ELSEWHERE)
    assert download.path == "/image.png" and not keys_sent(download.headers)


async def test_send_refuses_any_foreign_host_and_keeps_the_key_out_of_locals(
    hostile: HostileProvider, sim_config: Config
) -> None:
    """The backstop in `send`; and a failed request leaves no frame of ours holding the key (a
    crash screen printing locals would show it)."""
    settings = with_key(sim_config).settings("comet")
    async with httpx.AsyncClient() as client:
        comet = create_provider(replace(settings, base_url=hostile.base_url("comet")), client)
        with pytest.raises(ProviderError, match="not sending the key there") as refused:
            await comet.send("GET", f"{hostile.elsewhere}/comet/flux/v1/get_result?id=job-1")
        assert refused.value.request_sent is False
        closed = create_provider(replace(settings, base_url="http://127.0.0.1:9/comet"), client)
        with pytest.raises(ProviderError) as failed:
            await closed.submit(GenerationRequest("a fox", "comet", "flux-pro-1.1"))
    assert failed.value.kind is ErrorKind.TRANSPORT
    assert hostile.seen_at(ELSEWHERE) == []
    for error in (failed.value, failed.value.__cause__):
        assert error is not None
        for frame, _ in traceback.walk_tb(error.__traceback__):
            if frame.f_globals.get("__name__", "").startswith("fluxtui"):
                assert LEAK_KEY not in repr(frame.f_locals)


async def test_a_redirect_is_never_followed_with_the_key(
    hostile: HostileProvider, sim_config: Config
) -> None:
    settings = replace(with_key(sim_config).settings("bfl"), base_url=hostile.base_url("bfl"))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        response = await create_provider(settings, client).send("GET", f"{hostile.home}/redirect")
    assert response.status_code == 307
    assert hostile.seen_at(ELSEWHERE) == []


# ---- nested secrets in parameters --------------------------------------------------------------


async def test_nested_secret_params_stay_out_of_files(leaky: Engine, tmp_path: Path) -> None:
    extra = {
        "meta": {"api_key": USER_SECRET, "note": "kept"},
        "hooks": [{"token": USER_SECRET}, {"url": "https://example.invalid"}],
    }
    job, _ = await generate(leaky, "fal", extra=extra)
    assert job.state is JobState.DONE
    written = provenance.read(Path(job.files[0]).read_bytes())
    assert written is not None and written["extra"]["meta"]["note"] == "kept"
    exported = export_job(job, tmp_path / "export")
    for path in (Path(job.files[0]), *exported.files, exported.sidecar):
        assert USER_SECRET.encode() not in path.read_bytes()


# ---- a known fake key, grepped in every output -------------------------------------------------


def test_the_key_is_in_no_output(
    sim: SimServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    isolated_home: Path,
) -> None:
    config_text = "".join(
        f'[providers.{name}]\nbase_url = "{sim.base_url(name)}"\napi_key = "{LEAK_KEY}"\n'
        for name in SIM_SERVICES
    )
    config_file = paths.config_file()
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(config_text)
    config_file.chmod(0o600)
    providers = [arg for name in ("comet", "bfl", "fal", "apiyi") for arg in ("-p", name)]
    caplog.set_level(logging.DEBUG)
    runs = [
        ["generate", f"a fox {ECHO}", *providers, "--json"],
        ["generate", "a fox [[sim: poll=503, poll_times=1]]", *providers, "--json"],
        [
            "generate",
            "a fox",
            "-p",
            "fal",
            "--param",
            f'meta={{"api_key": "{USER_SECRET}"}}',
            "--json",
        ],
    ]
    output = ""
    done = []
    for argv in runs:
        cli.main(argv)
        out, err = capsys.readouterr()
        output += out + err
        done += [r["id"] for r in map(json.loads, out.splitlines()) if r["state"] == "done"]
    assert len(done) == 5
    for job_id in done:
        assert cli.main(["export", job_id, str(isolated_home / "exports")]) == 0
    output += "".join(capsys.readouterr()) + caplog.text
    with sqlite3.connect(paths.store_file()) as db:  # the rows as a reader of the file sees them
        output += repr(db.execute("SELECT * FROM jobs").fetchall())
    assert "request credentials: ****" in output  # the faults did echo the key
    assert LEAK_KEY not in output
    written = [p for p in isolated_home.rglob("*") if p.is_file() and p != config_file]
    assert any(p.name.endswith(".sqlite3-wal") or p.suffix == ".png" for p in written)
    assert [p for p in written if LEAK_KEY.encode() in p.read_bytes()] == []
    exported = [p for p in written if "exports" in p.parts]
    assert exported and [p for p in exported if USER_SECRET.encode() in p.read_bytes()] == []
