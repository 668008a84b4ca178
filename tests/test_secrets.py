"""Secrets without the network: scrubbing, redaction, the host rule, and the config's keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluxtui import cli
from fluxtui.core import config as config_module
from fluxtui.core import paths
from fluxtui.core.engine import Engine
from fluxtui.core.errors import ConfigError
from fluxtui.core.models import ErrorKind, JobError, JobState, StatusUpdate
from fluxtui.core.providers import hosts
from fluxtui.core.redaction import MASK, MAX_DEPTH, REDACTED, redact, scrub, scrub_text
from fluxtui.core.results import Handle, ImageRef, ProviderResult
from fluxtui.core.store import Store

KEY = "fake-scrub-key-0123456789"
FILE_KEY = "fake-file-key-0123456789"
ENV_KEY = "fake-env-key-0123456789"
COMMAND_KEY = "fake-command-key-0123456789"
#: shaped like an OpenAI key, built here so that no such string sits in the source tree
SK_LIKE = "sk-" + "placeholder" + "0" * 12


# ---- scrub: provider text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"the key {KEY} was rejected", f"the key {MASK} was rejected"),
        (f"Authorization: Bearer {KEY}", f"Authorization: Bearer {MASK}"),
        ("sent Bearer abc123def456ghi", f"sent Bearer {MASK}"),
        ("Authorization: Key 1a2b3c4d:5e6f7a8b", f"Authorization: Key {MASK}"),
        ("headers: x-key: some-other-secret", f"headers: x-key: {MASK}"),
        ('{"X-Key": "abc", "api_key": "def"}', f'{{"X-Key": "{MASK}", "api_key": "{MASK}"}}'),
        (f"openai said {SK_LIKE}.", f"openai said {MASK}."),
        # words, not credentials
        (
            "key rejected by BFL (403); check BFL_API_KEY or [providers.bfl] api_key",
            "key rejected by BFL (403); check BFL_API_KEY or [providers.bfl] api_key",
        ),
        ("Key rejected: send a Bearer token", "Key rejected: send a Bearer token"),
    ],
)
def test_scrub_text_masks_keys_and_credentials(text: str, expected: str) -> None:
    assert scrub_text(text, [KEY]) == expected


def test_scrub_text_masks_every_key_it_is_given_and_leaves_image_data_alone() -> None:
    other = "fake-other-key-9876543210"
    assert scrub_text(f"{KEY} / {other}", [KEY, other]) == f"{MASK} / {MASK}"
    assert scrub_text("a short key abc", ["abc"]) == "a short key abc"  # would eat words
    data_url = "data:image/png;base64,iVBORw0KGgo" + KEY
    assert scrub_text(data_url, [KEY]) == data_url


def test_a_signed_url_keeps_its_tokens_but_not_our_key() -> None:
    signed = "https://delivery.example/a.png?access_token=abc123def456&sig=x"
    assert scrub_text(signed, [KEY]) == signed
    assert scrub_text(f"https://api.example/poll?api_key={KEY}", [KEY]) == (
        f"https://api.example/poll?api_key={MASK}"
    )
    assert scrub_text(f"see {signed}", [KEY]) == f"see {signed.replace('abc123def456', MASK)}"


def test_scrub_walks_what_an_adapter_returns() -> None:
    update = StatusUpdate(
        JobState.DOWNLOADING,
        f"Ready {KEY}",
        log=f"x-key: {KEY}",
        result=ProviderResult(
            images=(ImageRef(f"https://cdn.example/a.png?k={KEY}"),),
            seed=3,
            details={"prompt": "a fox", "echo": [{"note": KEY}], "token": "abc"},
        ),
        error=JobError(ErrorKind.FAILED, f"failed: {KEY}", raw_status=KEY),
    )
    clean = scrub(update, [KEY])
    assert KEY not in repr(clean)
    assert clean.state is JobState.DOWNLOADING and clean.result is not None
    assert clean.result.seed == 3 and clean.result.details["prompt"] == "a fox"
    assert clean.result.details["token"] == REDACTED
    assert clean.error is not None and clean.error.kind is ErrorKind.FAILED
    handle = scrub(Handle("bfl", KEY, {"polling_url": f"https://api.bfl.ai/?id={KEY}"}), [KEY])
    assert KEY not in repr(handle) and isinstance(handle, Handle)


# ---- redact: parameters written to files -----------------------------------------------------


def test_redact_recurses_into_objects_and_lists() -> None:
    params = {
        "seed": 3,
        "webhook_secret": "s3cret",
        "meta": {"api_key": "nested", "label": "kept", "deeper": {"Authorization": "x"}},
        "items": [{"token": "in-a-list"}, {"name": "kept"}, "plain"],
        "credentials": {"user": "u", "pass": "p"},
        "empty_key": None,
    }
    assert redact(params) == {
        "seed": 3,
        "webhook_secret": REDACTED,
        "meta": {"api_key": REDACTED, "label": "kept", "deeper": {"Authorization": REDACTED}},
        "items": [{"token": REDACTED}, {"name": "kept"}, "plain"],
        "credentials": REDACTED,
        "empty_key": None,
    }


def test_redact_survives_deep_nesting() -> None:
    deep: dict[str, object] = {"api_key": "bottom"}
    for _ in range(5000):
        deep = {"next": [deep]}
    flat = repr(redact(deep))
    assert "bottom" not in flat and REDACTED in flat
    assert flat.count("next") <= MAX_DEPTH


# ---- which hosts a key may go to -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base", "origin", "site"),
    [
        ("https://api.bfl.ai/v1/get_result", "https://api.bfl.ai", True, True),
        ("https://api.eu1.bfl.ai/v1/get_result?id=1", "https://api.bfl.ai", False, True),
        ("https://evil.example/v1/get_result", "https://api.bfl.ai", False, False),
        ("https://bfl.ai.evil.example/", "https://api.bfl.ai", False, False),
        ("http://api.eu1.bfl.ai/v1/get_result", "https://api.bfl.ai", False, False),  # downgrade
        ("https://gateway.fal.run/x/requests/1", "https://queue.fal.run", False, True),
        ("https://queue.fal.ai/x", "https://queue.fal.run", False, False),
        ("https://api.example.co.uk/", "https://eu.example.co.uk", False, True),
        ("https://api.other.co.uk/", "https://eu.example.co.uk", False, False),
        ("http://127.0.0.1:9001/poll", "http://127.0.0.1:9000/bfl", False, True),
        ("http://127.0.0.2:9000/poll", "http://127.0.0.1:9000/bfl", False, False),
        ("http://localhost:9001/poll", "http://localhost:9000", False, True),
        ("http://127.0.0.1:9000/comet/x", "http://127.0.0.1:9000/comet", True, True),
    ],
)
def test_the_host_rule(url: str, base: str, origin: bool, site: bool) -> None:
    assert hosts.same_origin(url, base) is origin
    assert hosts.same_site(url, base) is site


# ---- the config never shows a key ------------------------------------------------------------


def write_config(text: str, mode: int = 0o600) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


async def test_no_repr_shows_a_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(
        f'[providers.comet]\napi_key = "{FILE_KEY}"\n'
        f'[providers.fal]\napi_key_command = "echo {COMMAND_KEY}"\n'
    )
    monkeypatch.setenv("BFL_API_KEY", ENV_KEY)
    config = config_module.load()
    store = Store(tmp_path / "jobs.sqlite3")
    async with Engine(config, store, library=tmp_path / "library") as engine:
        providers = [engine.provider(name) for name in ("comet", "bfl", "fal")]
        shown = [
            repr(config),
            str(config),
            *(repr(entry) for entry in config.providers.values()),
            *(repr(config.settings(name)) for name in ("comet", "bfl", "fal")),
            *(repr(vars(provider)) for provider in providers),
            repr(vars(engine)),
        ]
        assert providers[2].known_keys()[0] == COMMAND_KEY  # resolved, and still not shown
    store.close()
    for text in shown:
        for key in (FILE_KEY, ENV_KEY, COMMAND_KEY):
            assert key not in text


def test_every_provider_masks_every_configured_key(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(f'[providers.comet]\napi_key = "{FILE_KEY}"\n')
    monkeypatch.setenv("FAL_KEY", ENV_KEY)
    settings = config_module.load().settings("comet")
    assert settings.api_key is not None and settings.api_key.reveal() == FILE_KEY
    assert [k.reveal() for k in settings.other_keys] == [ENV_KEY]


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("12345678", "an integer"),
        ("{ value = 'abc123' }", "a table"),
        ("['abc123']", "an array"),
    ],
)
def test_a_wrong_type_key_is_not_echoed(value: str, what: str) -> None:
    path = write_config(f"[providers.comet]\napi_key = {value}\n")
    with pytest.raises(ConfigError) as caught:
        config_module.load()
    message = str(caught.value)
    assert message == f"{path}, line 2: providers.comet.api_key must be a string, got {what}"
    assert "12345678" not in message and "abc123" not in message


def test_a_key_readable_by_others_is_warned_about() -> None:
    path = write_config(f'[providers.comet]\napi_key = "{FILE_KEY}"\n', mode=0o644)
    assert config_module.load().warnings == (
        f"config.toml holds an API key and is readable by other users: chmod 600 {path}",
    )
    path.chmod(0o640)
    assert len(config_module.load().warnings) == 1
    path.chmod(0o600)
    assert config_module.load().warnings == ()
    write_config('[providers.comet]\ndefault_model = "flux-dev"\n', mode=0o644)
    assert config_module.load().warnings == ()  # no key in it: nothing to protect


def test_the_cli_prints_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(f'[providers.comet]\napi_key = "{FILE_KEY}"\n', mode=0o644)
    assert cli.main(["providers"]) == 0
    _, err = capsys.readouterr()
    assert (
        f"fluxtui: warning: config.toml holds an API key and is readable by other users: "
        f"chmod 600 {path}" in err
    )
    assert FILE_KEY not in err


def test_a_key_is_held_as_a_secret_however_the_entry_is_made() -> None:
    from dataclasses import replace

    from fluxtui.core.settings import Secret

    entry = replace(config_module.load().providers["comet"], key=FILE_KEY)
    assert entry.key == Secret(FILE_KEY) and FILE_KEY not in repr(entry)
