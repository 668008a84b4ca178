"""`fluxtui lineage ID` over the simulator, as a user would: generate, edit it by its job id,
edit the edit, then print the chain (text and JSON); an unknown id, and a deleted first image."""

from __future__ import annotations

import json

import pytest

from fluxtui.core import paths
from fluxtui.core.models import short_id
from fluxtui.core.store import Store
from tests.test_cli import run_cli, write_config


def _generate(capsys, prompt: str, *flags: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli(capsys, "generate", prompt, "-p", "bfl", *flags, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_the_chain_of_an_edit_of_an_edit(sim, capsys) -> None:
    write_config(sim)
    first = _generate(capsys, "a lighthouse at dusk 7c1", "-m", "flux-pro-1.1")
    edit = _generate(
        capsys, "make the sky \x1b[31mstormy", "-m", "flux-kontext-pro",
        "--image", short_id(first["id"]),
    )  # fmt: skip
    again = _generate(
        capsys, "add lightning 7c1", "-m", "flux-kontext-pro", "--image", short_id(edit["id"])
    )

    code, out, err = run_cli(capsys, "lineage", short_id(again["id"]))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [short_id(j["id"]) for j in (first, edit, again)]
    assert "bfl · flux-pro-1.1  a lighthouse at dusk 7c1" in lines[0]
    assert "bfl · flux-kontext-pro  make the sky ␛[31mstormy" in lines[1]  # inert
    assert "\x1b" not in out and lines[2].endswith("add lightning 7c1")

    code, out, _ = run_cli(capsys, "lineage", again["id"], "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [first["id"], edit["id"], again["id"]]
    assert records[0]["inputs"] == [] and records[0]["prompt"] == "a lighthouse at dusk 7c1"
    assert [r["inputs"][0]["parent_job"] for r in records[1:]] == [first["id"], edit["id"]]

    code, out, _ = run_cli(capsys, "history", "--json", "--limit", "1")
    assert json.loads(out)["inputs"][0]["parent_job"] == edit["id"]

    store = Store(paths.store_file())
    try:
        assert store.delete(first["id"])
    finally:
        store.close()
    code, out, err = run_cli(capsys, "lineage", short_id(again["id"]))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        short_id(edit["id"]),
        short_id(again["id"]),
    ]
    assert f"job {short_id(edit['id'])} was made from a job that is no longer stored" in err


def test_an_unknown_id_is_refused(sim, capsys) -> None:
    write_config(sim)
    code, out, err = run_cli(capsys, "lineage", "0000dead")
    assert (code, out) == (2, "")
    assert err == "fluxtui: no job has the id '0000dead' (see `fluxtui history`)\n"
    with pytest.raises(SystemExit) as stopped:  # argparse's own exit, before the store
        run_cli(capsys, "lineage", "no/such")
    assert stopped.value.code == 2
    assert "argument ID: 'no/such' is not a job or comparison id" in capsys.readouterr().err
