"""`fluxtui providers`, `locate` and `sim` (`history` is in library.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fluxtui.core import config as config_module
from fluxtui.core import paths
from fluxtui.core.catalog import models_for
from fluxtui.core.text import inert


def run_providers(args: argparse.Namespace) -> int:
    if args.stats:
        from fluxtui.commands.provider_stats import run_stats

        return run_stats(args.json)
    config = config_module.load()
    if args.check:
        return _check(config, args.json)
    rows: list[dict[str, Any]] = []
    for name, entry in config.providers.items():
        known = [spec.id for spec in models_for(entry.model_table) if spec.known]
        models = list(entry.models) or known
        rows.append(
            {
                "name": name,
                "label": entry.label,
                "protocol": entry.protocol,
                "kind": entry.protocol,  # its old name, kept for scripts that read it
                "base_url": entry.base_url,
                "key": entry.key_source or ("command" if entry.key_command else None),
                "default_model": entry.default_model,
                "concurrency": entry.concurrency,
                "models": models,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        key = f"key from {row['key']}" if row["key"] else "no key"
        # names, labels, URLs and model ids come from the config file: printed inert
        print(inert(f"{row['name']:<8} {row['label']:<20} {key:<24} {row['base_url']}"))
        print(inert(f"         models: {', '.join(row['models']) or '(any id you give)'}"))
    if not config.any_key:
        print(
            "\nNo API keys are set: `fluxtui generate PROMPT --demo` uses the built-in simulator."
        )
    return 0


def _check(config: config_module.Config, as_json: bool) -> int:
    """`providers --check`: each provider's key tried where that is free; the exit code says."""
    import asyncio

    from fluxtui.core import accounts

    statuses = asyncio.run(accounts.check_config(config))
    if as_json:
        print(json.dumps([{"name": s.provider, **s.to_dict()} for s in statuses], indent=2))
    else:
        for status in statuses:
            print(inert(f"{status.provider:<8} {status.label:<20} {status.message}"))
    return accounts.exit_code(statuses)


def locations() -> dict[str, str]:
    """The config file fluxtui reads, the job store, the image library and the cache."""
    return {
        "config": str(config_module.config_path()),
        "store": str(paths.store_file()),
        "images": str(paths.library_dir()),
        "cache": str(paths.cache_dir()),
    }


def run_locate(args: argparse.Namespace) -> int:
    for name, path in locations().items():
        print(f"{name + ':':<8} {path}")
    return 0


def run_sim(args: argparse.Namespace) -> int:
    from fluxtui.core.exit_codes import EXIT_BAD_INPUT
    from fluxtui.sim import SimConfig
    from fluxtui.sim.server import run_cli

    cluster = args.cluster_port
    if cluster is None and args.port == 65535:
        problem = "--port 65535 leaves no port for the cluster (port + 1): add --cluster-port N"
    elif cluster is not None and cluster == args.port != 0:
        problem = "--cluster-port must differ from --port"
    else:
        problem = None
    if problem:
        print(f"fluxtui sim: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    overrides = {k: v for k, v in (("queue_s", args.queue), ("run_s", args.run)) if v is not None}
    return run_cli(args.port, cluster, SimConfig(**overrides), args.service)
