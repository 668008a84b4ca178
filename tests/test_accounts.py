"""`fluxtui providers --check`: each provider's key tried where that is free (BFL's `GET
/v1/credits`), the balance or the key's problem shown, never the key; the exit code says."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import httpx
import pytest

from fluxtui.core import accounts, exit_codes
from fluxtui.core.accounts import AccountState, AccountStatus
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.providers import create_provider
from fluxtui.core.providers.answers import parse_http_error
from fluxtui.core.providers.base import Provider
from fluxtui.core.results import Balance
from fluxtui.core.settings import Secret
from fluxtui.sim import SimServer
from tests.helpers import generate
from tests.test_cli import run_cli, write_config

BAD_KEY = "sim-invalid-key"


def with_bfl_key(config: Config, key: str) -> Config:
    entry = replace(config.providers["bfl"], key=Secret(key))
    return replace(config, providers={**config.providers, "bfl": entry})


def by_name(statuses: list[AccountStatus]) -> dict[str, AccountStatus]:
    return {status.provider: status for status in statuses}


def test_correction_bad_key_403() -> None:
    """providers.md 6: BFL answers a bad key with 403 `Not authenticated - Invalid
    Authentication`: a refused key, in BFL's words, pointing at where the key is set."""
    error = parse_http_error(
        "BFL",
        403,
        {},
        '{"detail": "Not authenticated - Invalid Authentication"}',
        key_hint="BFL_API_KEY",
    )
    assert (error.kind, error.status_code) == (ErrorKind.AUTH, 403)
    assert error.message == (
        "key rejected by BFL (403): Not authenticated - Invalid Authentication; check BFL_API_KEY"
    )


async def test_correction_credits_endpoint(engine: Engine) -> None:
    """providers.md 6: `GET /v1/credits` returns the balance; a finished job spends from it."""
    before = by_name(await accounts.check_all(engine.config, engine.provider))["bfl"]
    assert before.state is AccountState.OK and before.balance is not None
    job, _ = await generate(engine, "bfl", "a fox 9f0d", model="flux-pro-1.1")
    assert job.state is JobState.DONE and job.cost is not None
    after = by_name(await accounts.check_all(engine.config, engine.provider))["bfl"]
    assert after.balance is not None and job.cost.credits is not None
    assert after.balance.credits == pytest.approx(before.balance.credits - job.cost.credits)
    assert after.balance == Balance(after.balance.credits, round(after.balance.credits / 100, 6))
    credits = f"{after.balance.credits:,.2f}".rstrip("0").rstrip(".")
    assert after.message == f"key works; balance {credits} credits (${after.balance.usd:.3f})"


async def test_only_bfl_is_asked_the_others_have_no_free_check(
    sim_config: Config, sim: SimServer
) -> None:
    async with httpx.AsyncClient() as client:
        statuses = by_name(
            await accounts.check_all(
                sim_config, lambda name: create_provider(sim_config.settings(name), client)
            )
        )
    assert statuses["bfl"].state is AccountState.OK
    for name in ("comet", "apiyi", "openai", "fal"):
        assert statuses[name].state is AccountState.NO_CHECK
        assert statuses[name].message == (
            f"no free check: {statuses[name].label} documents no free request to ask; "
            "nothing was sent"
        )
    assert accounts.exit_code(statuses.values()) == exit_codes.EXIT_OK


async def test_a_refused_key_reads_key_refused_and_never_shows_the_key(
    sim_config: Config,
) -> None:
    config = with_bfl_key(sim_config, BAD_KEY)
    async with httpx.AsyncClient() as client:
        status = await accounts.check(create_provider(config.settings("bfl"), client))
    assert status.state is AccountState.REFUSED and status.balance is None
    assert status.message.startswith("key refused: key rejected by BFL (403): ")
    assert "Not authenticated - Invalid Authentication" in status.message
    assert BAD_KEY not in json.dumps(status.to_dict())
    assert accounts.exit_code([status]) == exit_codes.EXIT_REFUSED


async def test_an_empty_account_reads_out_of_credits(sim_config: Config) -> None:
    config = with_bfl_key(sim_config, "sim-no-credits")
    async with httpx.AsyncClient() as client:
        status = await accounts.check(create_provider(config.settings("bfl"), client))
    assert status.state is AccountState.NO_CREDITS
    assert status.message.startswith("out of credits at BFL (402)")
    assert accounts.exit_code([status]) == exit_codes.EXIT_REFUSED


async def test_a_bad_key_fails_a_bfl_job_as_refused_not_as_a_transient(
    sim_config: Config, store, tmp_path
) -> None:
    async with Engine(with_bfl_key(sim_config, BAD_KEY), store, library=tmp_path / "l") as engine:
        job, _ = await generate(engine, "bfl", "a fox 44c1")
    assert job.state is JobState.FAILED and job.error is not None
    assert (job.error.kind, job.error.status_code) == (ErrorKind.AUTH, 403)
    assert exit_codes.for_outcome(job.state, job.error) == exit_codes.EXIT_REFUSED


async def test_no_key_is_not_asked_and_an_unreachable_provider_is_an_error(
    sim_config: Config,
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{free.getsockname()[1]}/bfl"
    entry = replace(sim_config.providers["bfl"], base_url=closed)
    keyless = replace(sim_config.providers["comet"], key=None)
    config = replace(sim_config, providers={"bfl": entry, "comet": keyless})
    asked: list[str] = []
    async with httpx.AsyncClient() as client:

        def provider(name: str) -> Provider:
            asked.append(name)
            return create_provider(config.settings(name), client)

        statuses = by_name(await accounts.check_all(config, provider))
    assert asked == ["bfl"]
    assert statuses["comet"].state is AccountState.NO_KEY
    assert statuses["bfl"].state is AccountState.ERROR
    assert statuses["bfl"].message.startswith("could not check: ")
    assert accounts.exit_code(statuses.values()) == exit_codes.EXIT_OTHER


def test_providers_check_prints_the_balance_and_exits_by_the_worst(sim, capsys) -> None:
    write_config(sim)
    code, out, _ = run_cli(capsys, "providers", "--check")
    assert code == exit_codes.EXIT_OK
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "key works; balance" in lines["bfl"] and "credits ($" in lines["bfl"]
    assert "no free check" in lines["fal"]
    code, out, _ = run_cli(capsys, "providers", "--check", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["bfl"]["state"] == "ok" and rows["bfl"]["credits"] > 0
    assert rows["bfl"]["usd"] == pytest.approx(rows["bfl"]["credits"] / 100)
    write_config(sim, key=BAD_KEY)
    code, out, err = run_cli(capsys, "providers", "--check")
    assert code == exit_codes.EXIT_REFUSED
    assert "key refused" in out and BAD_KEY not in out + err
