"""The config file and the environment; mistakes are named with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluxtui.core import config as config_module
from fluxtui.core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_built_in_providers_without_a_file(tmp_path: Path) -> None:
    config = config_module.load(tmp_path / "missing.toml", env={})
    assert set(config.providers) == {"comet", "bfl", "apiyi", "openai", "fal"}
    assert config.providers["bfl"].concurrency == 24
    assert not config.any_key
    assert config.settings("fal").api_key is None


def test_env_keys_win_and_are_never_shown(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.fal]\napi_key = "from-file"\n')
    config = config_module.load(path, env={"FAL_KEY": "from-env-placeholder"})
    settings = config.settings("fal")
    assert settings.api_key.reveal() == "from-env-placeholder"
    assert config.providers["fal"].key_source == "env FAL_KEY"
    assert "from-env-placeholder" not in repr(settings)
    assert "from-env-placeholder" not in f"{settings.api_key}"


def test_fluxtui_provider_wins_over_default_provider(tmp_path: Path) -> None:
    path = write(tmp_path, 'default_provider = "fal"\n')
    assert config_module.load(path, env={"FLUXTUI_PROVIDER": "bfl"}).default_provider == "bfl"
    assert config_module.load(path, env={}).default_provider == "fal"
    with pytest.raises(ConfigError, match="FLUXTUI_PROVIDER names no provider"):
        config_module.load(path, env={"FLUXTUI_PROVIDER": "nope"})


def test_openai_base_url_from_env(tmp_path: Path) -> None:
    config = config_module.load(
        tmp_path / "none.toml", env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert config.settings("openai").base_url == "http://127.0.0.1:9/v1"


def test_a_new_openai_compatible_provider(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'default_provider = "gw"\n\n[providers.gw]\nprotocol = "openai"\n'
        'base_url = "http://127.0.0.1:9/v1"\nmodels = ["flux-dev"]\napi_key = "placeholder"\n',
    )
    config = config_module.load(path, env={})
    assert config.preferred_provider() == "gw"
    assert config.settings("gw").protocol == "openai"
    assert config.settings("gw").models == ("flux-dev",)
    assert config.entry("gw").model_table == "openai-compatible"


def test_kind_is_read_as_the_old_name_of_protocol(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.gw]\nkind = "fal"\nbase_url = "http://127.0.0.1:9"\n')
    assert config_module.load(path, env={}).settings("gw").protocol == "fal"


def test_the_model_a_service_uses_when_none_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.comet]\ndefault_model = "flux-dev"\n')
    config = config_module.load(path, env={})
    assert config.entry("comet").choose_model() == "flux-dev"
    assert config.entry("comet").choose_model("flux-2-pro") == "flux-2-pro"
    assert config.entry("fal").choose_model() == "fal-ai/flux/dev"  # the model table's default


def test_key_command_runs_only_when_settings_are_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.comet]\napi_key_command = "echo placeholder-key"\n')
    config = config_module.load(path, env={})
    assert config.providers["comet"].has_key
    assert config.settings("comet").api_key.reveal() == "placeholder-key"


def test_failing_key_command_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.comet]\napi_key_command = "false"\n')
    with pytest.raises(ConfigError, match=r"providers.comet\] api_key_command exited 1"):
        config_module.load(path, env={}).settings("comet")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timeout = \n", r"config.toml: .*line 1"),
        (
            '[providers.fal]\nconcurrency = "many"\n',
            r"config.toml, line 2: providers.fal.concurrency must be an integer, got 'many'",
        ),
        (
            "[providers.fal]\nconcurency = 3\n",
            r"config.toml, line 2: providers.fal.concurency is not a setting here",
        ),
        (
            '[providers.mine]\nbase_url = "http://127.0.0.1:9"\n',
            r"line 1: providers.mine.protocol is needed for a new provider",
        ),
        (
            '[providers.mine]\nkind = "replicate"\nbase_url = "http://x"\n',
            r"line 2: providers.mine.kind must be one of comet, bfl, openai, fal, got 'replicate'",
        ),
        (
            '[providers.mine]\nprotocol = "replicate"\nbase_url = "http://x"\n',
            r"line 2: providers.mine.protocol must be one of comet, bfl, openai, fal",
        ),
        (
            '[providers.mine]\nprotocol = "fal"\nkind = "fal"\nbase_url = "http://x"\n',
            r"line 3: providers.mine.kind is the old name of protocol: give one of them",
        ),
        (
            '[providers.fal]\nbase_url = "queue.fal.run"\n',
            r"line 2: providers.fal.base_url must start with http:// or https://",
        ),
        ('default_provider = "nope"\n', r"line 1: default_provider names no provider: 'nope'"),
        ("timeout = -1\n", r"line 1: timeout must be a positive number of seconds, got -1.0"),
        ('colour = "red"\n', r"line 1: colour is not a setting here"),
        (
            "[providers.bfl]\nconcurrency = 24\nmodel_concurrency = 6\n",
            r"line 3: providers.bfl.model_concurrency must be a table, got 6",
        ),
        (
            '[providers.bfl]\nmodel_concurrency = { "flux-kontext-max" = 0 }\n',
            r"line 2: providers.bfl.model_concurrency 'flux-kontext-max' must be a whole number "
            r"from 1 to 256, got 0",
        ),
        (
            '[providers.bfl]\nmodel_concurrency = { "flux-kontext-max" = "six" }\n',
            r"line 2: providers.bfl.model_concurrency 'flux-kontext-max' must be a whole number "
            r"from 1 to 256, got 'six'",
        ),
        (
            '[providers.bfl]\nmodel_concurrency = { "flux-kontext-max" = true }\n',
            r"line 2: providers.bfl.model_concurrency 'flux-kontext-max' .* got True",
        ),
        (
            '[providers.bfl]\nmodel_concurrency = { " " = 2 }\n',
            r"line 2: providers.bfl.model_concurrency names an empty model id",
        ),
    ],
)
def test_mistakes_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_module.load(write(tmp_path, text), env={})


def test_correction_inflight_caps_config(tmp_path: Path) -> None:
    """model_concurrency caps one model's jobs in flight (over the catalog's 6 for
    flux-kontext-max), for a built-in provider or a new one; the settings carry it."""
    path = write(
        tmp_path,
        '[providers.bfl]\nmodel_concurrency = { "flux-kontext-max" = 3, "flux-2-pro" = 10 }\n'
        '[providers.mine]\nprotocol = "bfl"\nbase_url = "http://127.0.0.1:9"\n'
        '[providers.mine.model_concurrency]\n"flux-dev" = 2\n',
    )
    config = config_module.load(path, env={})
    assert config.settings("bfl").model_concurrency == {"flux-kontext-max": 3, "flux-2-pro": 10}
    assert config.settings("mine").model_concurrency == {"flux-dev": 2}
    assert config.settings("comet").model_concurrency == {}
