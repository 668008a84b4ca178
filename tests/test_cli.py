"""The headless CLI, driven as a user would: flags in, progress on stderr, results and exit codes."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fluxtui import cli
from fluxtui.commands.requests import BadFlags, parse_param, parse_size
from fluxtui.core import paths
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from fluxtui.session import SIM_SERVICES
from tests.helpers import sim_jobs


def write_config(sim, key: str = "placeholder-key", extra: str = "") -> Path:
    """A config.toml in the isolated XDG config dir naming the simulator as every provider."""
    lines = [extra]
    for name in SIM_SERVICES:
        lines.append(f'[providers.{name}]\nbase_url = "{sim.base_url(name)}"\napi_key = "{key}"\n')
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    path.chmod(0o600)  # it holds a key: readable by others, it would be warned about
    return path


@pytest.fixture
def configured(sim) -> Path:
    return write_config(sim)


def spawn_generate(prompt: str, provider: str, *flags: str) -> subprocess.Popen[str]:
    """`fluxtui generate` in a process of its own; its stderr gives a line per stored change."""
    command = [sys.executable, "-m", "fluxtui", "generate", prompt, "-p", provider, *flags]
    return subprocess.Popen(
        [*command, "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_json(configured, capsys) -> None:
    code, out, _ = run_cli(capsys, "generate", "a red fox", "-p", "comet", "--seed", "5", "--json")
    assert code == 0
    [line] = out.splitlines()
    result = json.loads(line)
    assert set(result) == {
        "id",
        "provider",
        "model",
        "state",
        "files",
        "seed",
        "width",
        "height",
        "timings",
        "error",
        "cost",
        "inputs",
    }
    assert result["inputs"] == []
    assert result["state"] == "done" and result["seed"] == 5 and result["model"] == "flux-pro-1.1"
    # CometAPI's price is unknown (its console only) and it reports none: neither is invented
    assert result["cost"] == {"usd": None, "reported": False, "credits": None}
    assert Path(result["files"][0]).is_file()
    assert result["timings"]["total"] > 0


def test_several_providers_run_side_by_side(configured, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "generate",
        "a fox",
        "-p",
        "comet",
        "-p",
        "fal",
        "-p",
        "apiyi",
        "--size",
        "512x512",
        "--json",
    )
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["provider"] for r in results) == ["apiyi", "comet", "fal"]
    assert {(r["width"], r["height"]) for r in results} == {(512, 512)}


def test_human_output_names_files_and_seed(configured, capsys) -> None:
    code, out, err = run_cli(capsys, "generate", "a fox", "-p", "bfl", "--seed", "77")
    assert code == 0
    assert "seed 77" in out
    assert Path(out.splitlines()[1].strip()).is_file()
    assert "done" in err  # the progress lines


def test_param_passes_through_and_reaches_fal(configured, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "generate",
        "a fox",
        "-p",
        "fal",
        "--param",
        "num_images=2",
        "--param",
        "enable_safety_checker=false",
        "--json",
    )
    assert code == 0
    assert len(json.loads(out)["files"]) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--model", "flux-pro-1.1", "--width", "1000", "--height", "768"],
            "width 1000 is not a multiple of 32 for flux-pro-1.1",
        ),
        (["--width", "1024"], "give --width and --height together"),
        (["--size", "big"], "--size: 'big' is not WIDTHxHEIGHT"),
        (["--size", "512x512", "--aspect", "16:9"], "give a size or --aspect, not both"),
        (["--param", "oops"], "--param 'oops' is not KEY=VALUE"),
        (["-p", "nowhere"], "unknown provider 'nowhere'"),
    ],
)
def test_bad_input_exits_2_with_a_specific_message(configured, capsys, argv, message) -> None:
    code, out, err = run_cli(capsys, "generate", "a fox", *argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_no_key_exits_2_and_suggests_demo(capsys) -> None:
    code, _, err = run_cli(capsys, "generate", "a fox", "-p", "comet")
    assert code == 2
    assert "no API key for comet: set COMETAPI_KEY" in err and "--demo" in err


def test_a_rejected_key_exits_3(sim, capsys) -> None:
    write_config(sim, key="sim-invalid-key")
    code, out, err = run_cli(capsys, "generate", "a fox", "-p", "fal", "--json")
    assert code == 3
    assert json.loads(out)["error"]["kind"] == "auth"
    assert "sim-invalid-key" not in out + err


def test_moderation_exits_3(configured, capsys) -> None:
    code, _, _ = run_cli(capsys, "generate", "a fox [[sim: status=Request Moderated]]", "-p", "bfl")
    assert code == 3


def test_a_timeout_exits_4(configured, capsys) -> None:
    code, out, _ = run_cli(
        capsys, "generate", "a fox [[sim: queue=5]]", "-p", "comet", "--timeout", "0.5", "--json"
    )
    assert code == 4
    assert json.loads(out)["state"] == "timed_out"


def test_a_provider_failure_exits_1(configured, capsys) -> None:
    code, _, err = run_cli(capsys, "generate", "a fox [[sim: status=Error]]", "-p", "comet")
    assert code == 1
    assert "failed" in err


def test_a_broken_config_file_is_named(capsys) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[providers.fal]\nconcurrency = 'lots'\n")
    code, _, err = run_cli(capsys, "providers")
    assert code == 2
    assert f"{path}, line 2: providers.fal.concurrency must be an int" in err


def test_providers_never_prints_keys(configured, capsys) -> None:
    code, out, _ = run_cli(capsys, "providers", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["comet"]["key"] == "config"
    assert "flux-pro-1.1" in rows["comet"]["models"]
    assert "placeholder-key" not in out


def test_providers_prints_the_config_s_labels_inert(sim, capsys) -> None:
    label = 'label = "Comet \\u001b]2;pwned\\u0007"\n'
    path = write_config(sim)
    path.write_text(path.read_text().replace("[providers.comet]\n", "[providers.comet]\n" + label))
    code, out, _ = run_cli(capsys, "providers")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Comet ␛]2;pwned␇" in out


def test_escape_sequences_in_a_prompt_never_reach_the_terminal(configured, capsys) -> None:
    prompt = "a fox \x1b]52;c;Zm9v\x07 on \x1b[2J snow"
    code, _, err = run_cli(capsys, "generate", prompt, "-p", "comet")
    assert code == 0 and "\x1b" not in err
    code, out, err = run_cli(capsys, "history")
    assert code == 0
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "a fox ␛]52;c;Zm9v␇ on ␛[2J snow" in out


def test_an_uncertain_submit_is_sent_again_only_with_resend(sim, configured, capsys) -> None:
    prompt = "maybe taken 4c2a [[sim: submit=500, submit_times=1]]"
    code, _, err = run_cli(capsys, "generate", prompt, "-p", "bfl", "--json")
    assert code == 1 and "--resend" in err
    code, _, err = run_cli(capsys, "resume")
    assert code == 0 and "nothing to resume" in err and "may have been taken" in err
    store = Store(paths.store_file())
    [job] = store.jobs()
    store.close()
    assert job.state is JobState.UNCERTAIN
    code, _, err = run_cli(capsys, "resume", "--resend")
    assert code == 2 and "needs the ids" in err
    code, out, _ = run_cli(capsys, "resume", "--resend", job.id[:8], "--json")
    assert code == 0 and json.loads(out)["state"] == "done"
    assert json.loads(out)["id"] == job.id
    code, _, err = run_cli(capsys, "resume", "--resend", job.id[:8])
    assert code == 2 and "is done, not uncertain" in err


def test_history_lists_and_filters(configured, capsys) -> None:
    run_cli(capsys, "generate", "an owl at night", "-p", "comet")
    run_cli(capsys, "generate", "a whale", "-p", "fal")
    code, out, _ = run_cli(capsys, "history", "--json", "--search", "owl")
    assert code == 0
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["prompt"] == "an owl at night" and row["state"] == "done"
    code, out, _ = run_cli(capsys, "history", "--provider", "fal")
    assert "a whale" in out and "owl" not in out


def test_locate_prints_isolated_paths(capsys, isolated_home) -> None:
    code, out, _ = run_cli(capsys, "locate")
    assert code == 0
    assert str(isolated_home / "config" / "fluxtui" / "config.toml") in out
    assert str(isolated_home / "data" / "fluxtui" / "images") in out


def test_locate_prints_the_config_fluxtui_config_names(capsys, isolated_home, monkeypatch) -> None:
    monkeypatch.setenv("FLUXTUI_CONFIG", str(isolated_home / "elsewhere.toml"))
    code, out, _ = run_cli(capsys, "locate")
    assert code == 0
    assert f"config:  {isolated_home / 'elsewhere.toml'}" in out


def test_parse_param_reads_json_else_string() -> None:
    assert parse_param("steps=3") == ("steps", 3)
    assert parse_param("raw=true") == ("raw", True)
    assert parse_param('image_size={"width": 512, "height": 512}') == (
        "image_size",
        {"width": 512, "height": 512},
    )
    assert parse_param("acceleration=high") == ("acceleration", "high")
    assert parse_size("1024x768") == (1024, 768)
    with pytest.raises(BadFlags):
        parse_size("1024")


def test_demo_mode_needs_no_key() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fluxtui",
            "generate",
            "a red fox [[sim: queue=0.1, run=0.2]]",
            "--demo",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "done" and Path(result["files"][0]).is_file()


def test_resume_after_the_process_is_killed_mid_job(sim, configured) -> None:
    prompt = "killed mid-job 9c1e [[sim: queue=1.5, run=0.3]]"
    child = spawn_generate(prompt, "bfl", "--json")
    # the child prints a line per state change once it has stored it: the first is "submitted",
    # written after the handle; only then is there a job to resume
    assert child.stderr is not None
    first = child.stderr.readline()
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert " submitted " in first, first
    store = Store(paths.store_file())
    [job] = store.unfinished()
    store.close()
    assert job.handle is not None and job.state in (JobState.SUBMITTED, JobState.QUEUED)
    done = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "done" and Path(result["files"][0]).is_file()
    assert len([j for j in sim_jobs(sim) if "killed mid-job 9c1e" in j.get("prompt", "")]) == 1
    again = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume"], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0 and "nothing to resume" in again.stderr


def test_a_killed_demo_job_is_sent_to_the_next_simulator() -> None:
    """The simulator dies with the process that ran it: `resume` leaves the demo job (no key is
    needed, none is asked for), `resume --demo` sends it to its own simulator, nothing paid."""
    prompt = "a demo job killed 3b7d [[sim: queue=3, run=0.3]]"
    child = spawn_generate(prompt, "bfl", "--demo", "--json")
    assert child.stderr is not None
    first = child.stderr.readline()
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert " submitted " in first, first
    left = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume"], capture_output=True, text=True, timeout=60
    )
    assert left.returncode == 0, left.stderr
    assert "1 job(s) left as they are" in left.stderr and "fluxtui resume --demo" in left.stderr
    store = Store(paths.store_file())
    [job] = store.unfinished()
    store.close()
    assert job.demo and job.error is None
    assert job.state in (JobState.SUBMITTED, JobState.QUEUED)  # as far as the killed one got
    done = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume", "--demo", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "demo job re-sent to the simulator: nothing was paid" in done.stderr
    result = json.loads(done.stdout)
    assert result["id"] == job.id and result["state"] == "done"
    assert Path(result["files"][0]).is_file()


def test_a_resume_beside_a_running_generate_leaves_its_job_alone(sim, configured) -> None:
    """Two processes on one store: the job belongs to the one that made it, and once that one is
    killed, to the next resume; it is paid for once."""
    # queued long enough that the resume beside it (a new interpreter: seconds on a busy machine)
    # finds the job still followed by its maker
    prompt = "owned by its maker 2f8c [[sim: queue=15, run=0.3]]"
    child = spawn_generate(prompt, "comet", "--json")
    assert child.stderr is not None
    first = child.stderr.readline()  # stored and submitted: the child follows it now
    beside = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume"], capture_output=True, text=True, timeout=60
    )
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert " submitted " in first, first
    assert beside.returncode == 0
    assert "1 unfinished job(s) are followed by another fluxtui process" in beside.stderr
    after = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["state"] == "done"
    assert len([j for j in sim_jobs(sim) if "owned by its maker 2f8c" in j.get("prompt", "")]) == 1


def test_a_job_killed_mid_download_is_resumed_without_paying_again(sim, configured) -> None:
    prompt = "slow delivery 6a0d [[sim: queue=0, run=0.1, slow=20000]]"
    child = spawn_generate(prompt, "bfl")
    assert child.stderr is not None
    seen = []
    for line in child.stderr:  # one line per state change, each written after it is stored
        seen.append(line)
        if " downloading " in line:
            break
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert any(" downloading " in line for line in seen), seen
    assert not list(paths.library_dir().rglob("*.jp*g"))  # nothing half-written in the library
    done = subprocess.run(
        [sys.executable, "-m", "fluxtui", "resume", "--json"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "done" and Path(result["files"][0]).is_file()
    assert len([j for j in sim_jobs(sim) if "slow delivery 6a0d" in j.get("prompt", "")]) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sim_command_serves_the_protocols() -> None:
    port = free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fluxtui",
            "sim",
            "--port",
            str(port),
            "--cluster-port",
            str(free_port()),
            "--queue",
            "0",
            "--run",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answer = None
        for _ in range(200):
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/fal/fal-ai/flux/dev",
                    json={"prompt": "a fox"},
                    headers={"Authorization": "Key x"},
                )
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None and answer.status_code == 200
        assert answer.json()["status"] == "IN_QUEUE"
    finally:
        child.terminate()
        out, _ = child.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/comet" in out
