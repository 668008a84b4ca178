"""`fluxtui sim` as a user runs it: what it prints, `--service` at the root, port problems."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

FLUXTUI = [sys.executable, "-m", "fluxtui"]
KEYS = {"BFL_API_KEY": "sim-key", "FAL_KEY": "sim-key", "COMETAPI_KEY": "sim-key"}


@contextmanager
def running_sim(*flags: str) -> Iterator[list[str]]:
    """`fluxtui sim --port 0 ...` in a process of its own; yields the lines of its banner."""
    child = subprocess.Popen(
        [*FLUXTUI, "sim", "--port", "0", "--queue", "0", "--run", "0.1", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        lines = []
        for line in child.stdout:  # the banner is printed (and flushed) once both ports listen
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C stops."):
                break
        assert lines and lines[-1] == "Ctrl-C stops.", lines
        yield lines
    finally:
        child.terminate()
        child.communicate(timeout=10)


def printed(lines: list[str], service: str) -> tuple[str, str, list[str]]:
    """The base URL, the generate command and the config.toml lines printed for ``service``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {service}: "))
    block = [line.strip() for line in lines[start : start + 5]]
    assert block[0].startswith(f"{service}: ") and block[1] == f"export {service_key(service)}"
    return block[0].split(": ", 1)[1], block[2], block[3:5]


def service_key(service: str) -> str:
    variable = {"bfl": "BFL_API_KEY", "fal": "FAL_KEY", "comet": "COMETAPI_KEY"}[service]
    return f"{variable}=sim-key"


def generate(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*argv, "--timeout", "60"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **KEYS},
    )


@pytest.mark.parametrize("service", ["bfl", "fal"])
def test_sim_prints_the_flag_and_config_lines_that_point_fluxtui_at_it(
    service, isolated_home: Path
) -> None:
    with running_sim("--service", service) as lines:
        base, command, config_lines = printed(lines, service)
        assert base.startswith("http://127.0.0.1:")
        assert [line for line in lines if line.startswith("  ") and ": http" in line] == [
            f"  {service}: {base}"
        ]  # one service
        # the printed command, as printed
        argv = shlex.split(command)
        assert argv[:2] == ["fluxtui", "generate"]
        done = generate([*FLUXTUI, *argv[1:]])
        assert done.returncode == 0, done.stderr
        # the printed config.toml lines, as printed
        config = isolated_home / "config" / "fluxtui" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("\n".join(config_lines) + "\n")
        assert config_lines == [f"[providers.{service}]", f'base_url = "{base}"']
        done = generate([*FLUXTUI, "generate", "-p", service, "a red fox"])
        assert done.returncode == 0, done.stderr


def test_sim_default_layout_prints_every_service() -> None:
    with running_sim() as lines:
        bases = [line.split(": ", 1)[1] for line in lines if line.startswith("  ") and ": " in line]
        api = bases[0].removesuffix("/comet")
        assert bases == [
            f"{api}/comet",
            f"{api}/bfl",
            f"{api}/apiyi/v1",
            f"{api}/openai/v1",
            f"{api}/fal",
        ]
        answer = httpx.post(f"{api}/bfl/v1/flux-dev", json={"prompt": "x"}, headers={"x-key": "k"})
        assert answer.status_code == 200


def test_sim_service_serves_one_protocol_at_the_root() -> None:
    with running_sim("--service", "bfl") as lines:
        base = next(line for line in lines if line.startswith("  bfl: ")).split(": ", 1)[1]
        key = {"x-key": "k"}
        answer = httpx.post(f"{base}/v1/flux-pro-1.1", json={"prompt": "x"}, headers=key)
        assert answer.status_code == 200, answer.text
        assert answer.json()["polling_url"].endswith(f"/v1/get_result?id={answer.json()['id']}")
        credits = httpx.get(f"{base}/v1/credits", headers=key).json()
        assert credits in ({"credits": 1000.0}, {"credits": 996.0})  # the job may be done
        assert httpx.post(f"{base}/bfl/v1/flux-dev", json={"prompt": "x"}).status_code == 404
        fal = httpx.post(f"{base}/fal-ai/flux/dev", json={"prompt": "x"}, headers=key)
        assert fal.status_code in (404, 405)  # no other service here


def run_sim_briefly(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FLUXTUI, "sim", *flags], capture_output=True, text=True, timeout=30)


def test_sim_port_65535_is_a_one_line_message_and_exit_2() -> None:
    done = run_sim_briefly("--port", "65535")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "--cluster-port" in done.stderr


def test_sim_a_taken_port_is_a_one_line_message_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_sim_briefly("--port", str(port), "--cluster-port", "0")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"port {port}" in done.stderr and "in use" in done.stderr


def test_sim_cluster_port_equal_to_port_is_bad_input() -> None:
    done = run_sim_briefly("--port", "8787", "--cluster-port", "8787")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--cluster-port must differ from --port" in done.stderr
