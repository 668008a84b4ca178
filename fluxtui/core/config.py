"""The configuration: built-in providers, `config.toml`, and environment variables (which win).

```toml
default_provider = "fal"
timeout = 900                    # seconds a job may take, from submit to saved file
downscale_inputs = true          # re-encode an input image over its provider's limit down to it

[providers.comet]
api_key = "YOUR-COMETAPI-KEY"    # or: api_key_command = "pass show cometapi"
default_model = "flux-pro-1.1"
concurrency = 8

[providers.bfl]
model_concurrency = { "flux-kontext-max" = 4 }   # at most 4 of this model's jobs at once

[providers.gateway]              # any OpenAI-compatible endpoint, under a name of your own
protocol = "openai"              # comet | bfl | openai | fal ("kind" is read as its old name)
base_url = "https://gateway.example/v1"
models = ["flux-dev"]

[providers.fal]
queue_priority = "low"           # fal's queue priority: normal | low (fal's default: normal)
```
A mistake in the file is reported with the file, the line and the key. Provider names are
letters, digits, `_`, `.` and `-`; `base_url` is an http(s) URL with a host; `concurrency` is 1 to
`MAX_CONCURRENCY`; `model_concurrency` a table of model id = 1 to `MAX_CONCURRENCY` (it overrides
the catalog's cap for that model, such as BFL's 6 for flux-kontext-max, while `concurrency` bounds
the provider as a whole); `timeout` a positive number of seconds (fal is also told to drop a job
that could not start within it); `queue_priority` is `normal` or `low`, on a fal provider only;
`max_requests_per_second` (status polls) a number above 0 up to 1000; `http2` true or false.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fluxtui.core import catalog, paths
from fluxtui.core.api_keys import BAD_KEY, KEY_PATTERN, run_key_command
from fluxtui.core.budget import Budget
from fluxtui.core.config_checks import TomlChecker, check_queue_priority, permission_warnings
from fluxtui.core.config_sections import (
    TRANSPORT_KEYS,
    budget_section,
    model_concurrency_table,
    prices_section,
    sets_section,
    transport_table,
)
from fluxtui.core.errors import ConfigError
from fluxtui.core.inputs import base_url_problem, clip, seconds_problem, shown
from fluxtui.core.pricing import Price
from fluxtui.core.settings import ProviderSettings, Secret, Transport, key_hint, missing_key_message


@dataclass(frozen=True)
class BuiltinProvider:
    protocol: str
    base_url: str
    key_env: str
    concurrency: int
    label: str


BUILTIN_PROVIDERS: dict[str, BuiltinProvider] = {
    "comet": BuiltinProvider("comet", "https://api.cometapi.com", "COMETAPI_KEY", 8, "CometAPI"),
    # BFL allows 24 tasks in flight for most models.
    "bfl": BuiltinProvider("bfl", "https://api.bfl.ai", "BFL_API_KEY", 24, "BFL"),
    "apiyi": BuiltinProvider("openai", "https://api.apiyi.com/v1", "APIYI_API_KEY", 4, "APIYI"),
    "openai": BuiltinProvider("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", 4, "OpenAI"),
    # fal never rejects for concurrency (jobs wait IN_QUEUE); this only bounds our own connections.
    "fal": BuiltinProvider("fal", "https://queue.fal.run", "FAL_KEY", 16, "fal"),
}
PROTOCOLS = ("comet", "bfl", "openai", "fal")
DEFAULT_TIMEOUT_S = 900.0
DEMO_KEY = "demo-key"
#: more requests in flight than any provider allows one key
MAX_CONCURRENCY = 256
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")

_PROVIDER_KEYS = {
    "protocol": str,
    "kind": str,  # the old name of `protocol`, still read
    "base_url": str,
    "api_key": str,
    "api_key_command": str,
    "default_model": str,
    "concurrency": int,
    "model_concurrency": dict,
    "models": list,
    "label": str,
    "queue_priority": str,
    **TRANSPORT_KEYS,
}
_TOP_KEYS = {
    "default_provider": str,
    "timeout": (int, float),
    "downscale_inputs": bool,
    "providers": dict,
    "tui": dict,
    "prices": dict,
    "budget": dict,
    "sets": dict,
}


@dataclass(frozen=True)
class ProviderEntry:
    """One service as configured, before its key is resolved."""

    name: str
    protocol: str
    base_url: str
    label: str
    key: Secret | None = None
    key_source: str | None = None  # "env COMETAPI_KEY", "config", "command"; never the key
    key_command: str | None = field(default=None, repr=False)  # may read "echo THE-KEY"
    default_model: str | None = None
    concurrency: int = 4
    models: tuple[str, ...] = ()
    key_env: str | None = None
    #: model id -> the most of its jobs in flight (over the catalog's cap)
    model_concurrency: dict[str, int] = field(default_factory=dict)
    queue_priority: str | None = None  # fal's X-Fal-Queue-Priority
    transport: Transport = field(default_factory=Transport)  # poll budget, HTTP/2

    def __post_init__(self) -> None:
        # A key is held as a Secret, whoever builds the entry: `replace(entry, key="...")` too.
        if isinstance(self.key, str):
            object.__setattr__(self, "key", Secret(self.key))

    @property
    def key_hint(self) -> str:
        return key_hint(self.name, self.key_env)

    @property
    def has_key(self) -> bool:
        return bool(self.key) or bool(self.key_command)

    @property
    def missing_key_message(self) -> str:
        return missing_key_message(self.name, self.key_env)

    @property
    def model_table(self) -> str:
        """Which model table applies (comet and bfl share BFL's; APIYI has its own)."""
        return catalog.model_table(ProviderSettings(self.name, self.protocol, self.base_url))

    def choose_model(self, model: str | None = None) -> str | None:
        """The model to use: `model` when given, else the configured default, else the model
        table's default."""
        return model or self.default_model or catalog.default_model(self.model_table)


@dataclass(frozen=True)
class Config:
    providers: dict[str, ProviderEntry]
    default_provider: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    downscale_inputs: bool = False  # as `--downscale-inputs` always given
    demo: bool = False
    path: Path | None = None
    tui: dict[str, Any] = field(default_factory=dict)  # the [tui] table, read by the TUI
    #: [prices]: (provider, model) -> Price, over pricing.DEFAULT_PRICES
    prices: dict[tuple[str, str], Price] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)  # [budget]
    #: [sets]: saved comparison sets, name -> "provider:model" targets
    sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: problems worth telling the user that do not stop fluxtui (a key readable by others)
    warnings: tuple[str, ...] = ()

    def entry(self, name: str) -> ProviderEntry:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(self.providers)
            raise ConfigError(f"unknown provider {shown(name)} (known: {known})") from None

    @property
    def any_key(self) -> bool:
        return any(p.has_key for p in self.providers.values())

    def preferred_provider(self) -> str:
        """The provider used when none is named: configured, else the first one with a key."""
        if self.default_provider:
            return self.default_provider
        with_key = [name for name, p in self.providers.items() if p.has_key]
        return with_key[0] if with_key else "fal"

    def settings(self, name: str) -> ProviderSettings:
        """The provider's settings with its key resolved (running its key command if it has one)."""
        entry = self.entry(name)
        key = entry.key
        if key is None and entry.key_command:
            key = Secret(run_key_command(name, entry.key_command))
        keys = (p.key for p in self.providers.values())
        others = tuple(other for other in keys if other and other != key)
        return ProviderSettings(
            name=name,
            protocol=entry.protocol,
            base_url=entry.base_url.rstrip("/"),
            api_key=key or None,
            other_keys=others,
            default_model=entry.default_model,
            concurrency=entry.concurrency,
            model_concurrency=dict(entry.model_concurrency),
            models=entry.models,
            label=entry.label,
            key_env=entry.key_env,
            timeout_s=self.timeout_s,
            queue_priority=entry.queue_priority,
            transport=entry.transport,
        )


def config_path(env: dict[str, str] | None = None) -> Path:
    """Where the config file is read from: `FLUXTUI_CONFIG`, else the XDG config dir's."""
    env = dict(os.environ if env is None else env)
    return Path(env.get("FLUXTUI_CONFIG") or paths.config_file())


def load(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the config file (if any) and the environment."""
    env = dict(os.environ if env is None else env)
    path = path or config_path(env)
    data: dict[str, Any] = {}
    text = ""
    raw = b""
    try:
        if path.is_dir():
            raise ConfigError(f"{clip(str(path), 200)}: is a folder, not a config file")
        if path.is_file():
            raw = path.read_bytes()
            text = raw.decode("utf-8")
            data = tomllib.loads(text)
    except OSError as exc:  # FLUXTUI_CONFIG too long a name, no permission, …
        raise ConfigError(f"{clip(str(path), 200)}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{clip(str(path), 200)}: line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02x}): "
            "save the file as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: arrays or tables nest too deeply to read") from None
    problems = TomlChecker(path, text)
    problems.check_table(data, _TOP_KEYS, section=None)

    providers = {name: _builtin_entry(name, spec) for name, spec in BUILTIN_PROVIDERS.items()}
    for name, table in (data.get("providers") or {}).items():
        if not _PROVIDER_NAME.fullmatch(name):
            problems.fail(
                f"providers.{name}",
                None,
                "is not a provider name: use letters, digits, _ . - (at most 64)",
            )
        if not isinstance(table, dict):
            problems.fail(f"providers.{name}", None, "must be a table like [providers.NAME]")
        problems.check_table(table, _PROVIDER_KEYS, section=f"providers.{name}")
        providers[name] = _merge_entry(name, providers.get(name), table, problems)

    for name, entry in providers.items():
        providers[name] = _apply_env(entry, env)

    default = env.get("FLUXTUI_PROVIDER") or data.get("default_provider")  # the env wins
    if default and default not in providers:
        if env.get("FLUXTUI_PROVIDER"):
            raise ConfigError(f"FLUXTUI_PROVIDER names no provider: {shown(default)}")
        problems.fail(None, "default_provider", f"names no provider: {shown(default)}")
    timeout = float(data.get("timeout", DEFAULT_TIMEOUT_S))
    problem = seconds_problem(timeout)
    if problem:
        problems.fail(None, "timeout", problem)
    return Config(
        providers=providers,
        default_provider=default,
        timeout_s=timeout,
        downscale_inputs=data.get("downscale_inputs", False),
        path=path,
        tui=dict(data.get("tui") or {}),
        prices=prices_section(data.get("prices") or {}, providers, problems),
        budget=budget_section(data.get("budget") or {}, problems),
        sets=sets_section(data.get("sets") or {}, providers, problems),
        warnings=permission_warnings(path, data),
    )


def demo_config(config: Config, base_urls: dict[str, str]) -> Config:
    """The same config pointed at the simulator: every provider, a placeholder key."""
    providers = {
        name: replace(
            entry,
            base_url=base_urls[_sim_service(name, entry.protocol)],
            key=Secret(DEMO_KEY),
            key_source="simulator",
            key_command=None,
        )
        for name, entry in config.providers.items()
    }
    return replace(config, providers=providers, demo=True)


def _sim_service(name: str, protocol: str) -> str:
    """Which simulated service plays a provider: itself when built in, else its protocol's."""
    return name if name in BUILTIN_PROVIDERS else protocol


def _builtin_entry(name: str, spec: BuiltinProvider) -> ProviderEntry:
    return ProviderEntry(
        name=name,
        protocol=spec.protocol,
        base_url=spec.base_url,
        label=spec.label,
        concurrency=spec.concurrency,
        key_env=spec.key_env,
    )


def _merge_entry(
    name: str, base: ProviderEntry | None, table: dict[str, Any], problems: TomlChecker
) -> ProviderEntry:
    section = f"providers.{name}"
    if "protocol" in table and "kind" in table:
        problems.fail(section, "kind", "is the old name of protocol: give one of them")
    named = "kind" if "kind" in table else "protocol"
    protocol = table.get(named, base.protocol if base else None)
    if protocol is None:
        problems.fail(
            section, named, f"is needed for a new provider: one of {', '.join(PROTOCOLS)}"
        )
    if protocol not in PROTOCOLS:
        problems.fail(section, named, f"must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    base_url = table.get("base_url", base.base_url if base else None)
    if not base_url:
        problems.fail(section, "base_url", "is needed for a new provider")
    url_problem = base_url_problem(base_url)
    if url_problem:
        problems.fail(section, "base_url", url_problem)
    concurrency = table.get("concurrency", base.concurrency if base else 4)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        problems.fail(
            section, "concurrency", f"must be 1 to {MAX_CONCURRENCY}, got {shown(concurrency)}"
        )
    model_concurrency = dict(base.model_concurrency) if base else {}
    model_concurrency.update(
        model_concurrency_table(name, table.get("model_concurrency", {}), MAX_CONCURRENCY, problems)
    )
    models = table.get("models", list(base.models) if base else [])
    if not all(isinstance(m, str) and m.strip() for m in models):
        problems.fail(section, "models", "must be a list of model id strings, none empty")
    if "api_key" in table and "api_key_command" in table:
        problems.fail(section, "api_key_command", "give api_key or api_key_command, not both")
    if table.get("api_key") and not KEY_PATTERN.fullmatch(table["api_key"]):
        problems.fail(section, "api_key", BAD_KEY)
    if "api_key_command" in table:
        problems.check_command(section, table["api_key_command"])
    check_queue_priority(problems, section, protocol, table.get("queue_priority"))
    key = table.get("api_key")
    return ProviderEntry(
        name=name,
        protocol=protocol,
        base_url=base_url,
        label=table.get("label", base.label if base else name),
        key=Secret(key) if key else None,
        key_source="config" if key else None,
        key_command=table.get("api_key_command"),
        default_model=table.get("default_model"),
        concurrency=concurrency,
        model_concurrency=model_concurrency,
        models=tuple(models),
        key_env=base.key_env if base else None,
        queue_priority=table.get("queue_priority", base.queue_priority if base else None),
        transport=transport_table(section, table, base.transport if base else None, problems),
    )


def _apply_env(entry: ProviderEntry, env: dict[str, str]) -> ProviderEntry:
    builtin = BUILTIN_PROVIDERS.get(entry.name)
    if builtin and env.get(builtin.key_env):
        if not KEY_PATTERN.fullmatch(env[builtin.key_env]):
            raise ConfigError(f"{builtin.key_env} {BAD_KEY}")
        entry = replace(
            entry,
            key=Secret(env[builtin.key_env]),
            key_source=f"env {builtin.key_env}",
            key_command=None,
        )
    if entry.name == "openai" and env.get("OPENAI_BASE_URL"):
        problem = base_url_problem(env["OPENAI_BASE_URL"])
        if problem:
            raise ConfigError(f"OPENAI_BASE_URL {problem}")
        entry = replace(entry, base_url=env["OPENAI_BASE_URL"])
    return entry
