"""Bad config values never crash: real TOML files, written to tmp and read by the real loader.

Every file either loads into a config whose values keep their rules, or raises a `ConfigError`
naming the file and the key (and its line when the file has one); never another exception.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fluxtui import cli
from fluxtui.core import config as config_module
from fluxtui.core.config import MAX_CONCURRENCY
from fluxtui.core.errors import ConfigError
from fluxtui.core.inputs import base_url_problem
from fluxtui.core.text import inert
from tests.fuzzing import any_text, fuzz, odd_text

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_string(text: str) -> str:
    """A TOML basic string; controls as \\u escapes, everything else as it is."""
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\" + c if c in '"\\' else c
        for c in text
    )
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else {math.inf: "inf", -math.inf: "-inf"}.get(value, repr(value))
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(data: dict[str, Any]) -> str:
    """Scalars, then `[table]`s; `[providers.NAME]` and `[prices.NAME]` as users write them."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if (
            key in ("providers", "prices")
            and isinstance(value, dict)
            and all(isinstance(v, dict) for v in value.values())
        ):
            tables.extend((f"{key}.{toml_key(name)}", table) for name, table in value.items())
        elif isinstance(value, dict):
            tables.append((toml_key(key), value))
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for header, table in tables:
        lines.append(f"[{header}]")
        lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


scalars = st.one_of(st.booleans(), st.integers(), st.floats(), odd_text)
values = st.one_of(
    scalars, st.lists(scalars, max_size=3), st.dictionaries(odd_text, scalars, max_size=2)
)
counts = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 1, MAX_CONCURRENCY, MAX_CONCURRENCY + 1, 2**63 - 1]),
    values,
)
money = st.one_of(st.floats(), st.integers(), st.sampled_from([-0.01, math.nan, math.inf]), values)
urls = st.one_of(
    any_text,
    st.sampled_from(
        [
            "https://gateway.example/v1",
            "ftp://x",
            "http://",
            "https://[::1",
            "http://h:99999",
            "http://h:port",
            "https://a b",
            "https:/x",
            " https://x",
            "http://x\n",
            "HTTPS://X",
        ]
    ),
)
names = st.one_of(st.sampled_from(["comet", "bfl", "apiyi", "openai", "fal", "gw"]), odd_text)
commands = st.one_of(odd_text, st.sampled_from(['pass "unclosed', "", "   ", "echo key"]))

provider_tables = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from(["comet", "bfl", "openai", "fal", "replicate"]), values),
        "base_url": urls | values,
        "api_key": st.one_of(odd_text, st.sampled_from(["key\n", "k\x00"]), values),
        "api_key_command": commands | values,
        "default_model": values,
        "concurrency": counts,
        "models": st.one_of(st.lists(odd_text, max_size=3), values),
        "label": values,
        "colour": values,
    },
)
price_values = st.one_of(
    money,
    st.fixed_dictionaries(
        {}, optional={"per_image": money, "per_megapixel": money, "per_second": money}
    ),
)
whole_configs = st.fixed_dictionaries(
    {},
    optional={
        "default_provider": names | values,
        "timeout": money,
        "providers": st.dictionaries(names, provider_tables, max_size=3) | values,
        "prices": st.dictionaries(
            names, st.dictionaries(odd_text, price_values, max_size=2), max_size=2
        )
        | values,
        "budget": st.fixed_dictionaries(
            {}, optional={"daily": money, "session": money, "weekly": money}
        )
        | values,
        "sets": st.dictionaries(
            odd_text,
            st.lists(odd_text | st.sampled_from(["fal", "comet:x", ":"]), max_size=3) | values,
            max_size=2,
        ),
        "tui": st.dictionaries(odd_text, values, max_size=2),
        "colour": values,
    },
)
#: whole files, and files with one table, so that the checks after the first one run too
configs = st.one_of(
    whole_configs,
    st.builds(lambda name, table: {"providers": {name: table}}, names, provider_tables),
    st.builds(
        lambda name, model, price: {"prices": {name: {model: price}}}, names, odd_text, price_values
    ),
    st.fixed_dictionaries({"budget": st.fixed_dictionaries({"daily": money, "session": money})}),
    st.fixed_dictionaries({"timeout": money}),
)


def load_or_refuse(path: Path, env: dict[str, str] | None = None) -> config_module.Config | None:
    """The config, or None after checking the ConfigError's message."""
    try:
        return config_module.load(path, env=env or {})
    except ConfigError as exc:
        message = str(exc)
        assert inert(message) == message, "the message echoes an active control character"
        assert len(message) < 2_000, message[:500]
        return None


def assert_keeps_its_rules(config: config_module.Config) -> None:
    assert math.isfinite(config.timeout_s) and config.timeout_s > 0
    for entry in config.providers.values():
        assert 1 <= entry.concurrency <= MAX_CONCURRENCY
        assert base_url_problem(entry.base_url) is None
        assert all(model.strip() for model in entry.models)
    for limit in (config.budget.daily, config.budget.session):
        assert limit is None or (math.isfinite(limit) and limit >= 0)
    for price in config.prices.values():
        assert all(v is None or (math.isfinite(v) and v >= 0) for v in vars(price).values())


@fuzz
@given(configs)
@example({"timeout": math.nan})  # was taken as a timeout
@example({"timeout": math.inf})
@example({"providers": {"gw": {"kind": "openai", "base_url": "https://[::1"}}})  # ValueError
@example({"providers": {"gw": {"kind": "openai", "base_url": "http://"}}})  # was taken
@example({"providers": {"comet": {"concurrency": 2**63 - 1}}})  # was taken
@example({"providers": {"comet": {"api_key_command": 'pass "unclosed'}}})  # ValueError later
@example({"providers": {"comet": {"models": [""]}}})
@example({"providers": {"a b": {"kind": "fal", "base_url": "http://x"}}})
@example({"prices": {"comet": {"m": {"\x1f": 1}}}})  # an unknown key echoed as it is
def test_config_files(tmp_path: Path, data: dict[str, Any]) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(toml_document(data).encode("utf-8", "surrogatepass"))  # maybe not UTF-8
    config = load_or_refuse(path)
    if config is not None:
        assert_keeps_its_rules(config)


@fuzz
@given(
    st.dictionaries(
        st.sampled_from(["FLUXTUI_PROVIDER", "OPENAI_BASE_URL", "FAL_KEY", "COMETAPI_KEY"]),
        urls | names,
        max_size=3,
    )
)
@example({"OPENAI_BASE_URL": "ftp://x"})  # was taken
@example({"FAL_KEY": "key\n"})  # a header no HTTP client sends
def test_environment(tmp_path: Path, env: dict[str, str]) -> None:
    config = load_or_refuse(tmp_path / "absent.toml", env)
    if config is not None:
        assert_keeps_its_rules(config)


@fuzz
@given(configs)
def test_a_bad_config_is_exit_code_2_for_a_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(toml_document(data).encode("utf-8", "surrogatepass"))  # maybe not UTF-8
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLUXTUI_CONFIG", str(path))
        code = cli.main(["spend", "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code in (0, 2)
    if code == 0:
        json.loads(out)
    else:
        assert str(path) in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timeout = nan\n", "line 1: timeout must be a positive number of seconds, got nan"),
        ("timeout = inf\n", "line 1: timeout must be a positive number of seconds, got inf"),
        ("timeout = 0\n", "line 1: timeout must be a positive number of seconds, got 0.0"),
        (
            "[providers.fal]\nconcurrency = 0\n",
            f"line 2: providers.fal.concurrency must be 1 to {MAX_CONCURRENCY}, got 0",
        ),
        (
            "[providers.fal]\nconcurrency = 100000\n",
            f"line 2: providers.fal.concurrency must be 1 to {MAX_CONCURRENCY}, got 100000",
        ),
        (
            '[providers.fal]\nbase_url = "https://[::1"\n',
            "line 2: providers.fal.base_url is not a URL (Invalid IPv6 URL)",
        ),
        (
            '[providers.fal]\nbase_url = "http://h:99999"\n',
            "line 2: providers.fal.base_url is not a URL",
        ),
        (
            '[providers.fal]\nbase_url = "http://"\n',
            "line 2: providers.fal.base_url must be a URL with a host and no spaces",
        ),
        (
            '[providers.fal]\napi_key_command = "pass \\"unclosed"\n',
            "line 2: providers.fal.api_key_command cannot be split into words: No closing quotation",
        ),
        (
            '[providers.fal]\napi_key = "key\\n"\n',
            "line 2: providers.fal.api_key holds a space, a control or a non-ASCII character",
        ),
        (
            '[providers.fal]\nmodels = [""]\n',
            "line 2: providers.fal.models must be a list of model",
        ),
        ('[providers."a b"]\nkind = "fal"\n', "providers.a b is not a provider name"),
        ("[budget]\ndaily = nan\n", "line 2: budget.daily must be 0 or more USD, got nan"),
        ("[budget]\nsession = -1\n", "line 2: budget.session must be 0 or more USD, got -1"),
        ('[prices.fal]\n"m" = -0.5\n', "line 2: prices.fal.m must be 0 or more USD, got -0.5"),
        ('[prices.fal]\n"m" = { per_megapixel = nan }\n', "prices.fal.m per_megapixel must be 0"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nest too deeply"),  # RecursionError
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        config_module.load(path, env={})
    assert message in str(raised.value)


def test_a_key_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[providers.fal]\napi_key = 918273645\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="api_key must be a string, got an integer") as raised:
        config_module.load(path, env={})
    assert "918273645" not in str(raised.value)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'default_provider = "\xff"\n')  # UnicodeDecodeError
    with pytest.raises(
        ConfigError, match="line 1 is not UTF-8 text \\(byte 0xff\\): save the file as UTF-8"
    ):
        config_module.load(path, env={})


def test_a_config_path_too_long_for_the_system(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read: File name too long"):  # OSError
        config_module.load(tmp_path / ("x" * 5000), env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL must start with http:// or https://"),
        ({"FAL_KEY": "key\n"}, "FAL_KEY holds a space, a control or a non-ASCII character"),
        ({"FAL_KEY": "k\udcff"}, "FAL_KEY holds a space, a control or a non-ASCII character"),
    ],
)
def test_environment_mistakes(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        config_module.load(tmp_path / "absent.toml", env=env)
    assert "key\n" not in str(raised.value)
