"""`fluxtui serve` refuses what it cannot or should not do before it listens, with the reason."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from fluxtui.cli import main
from fluxtui.commands.serve import host_problem
from tests.serve.conftest import free_port


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--host", "0.0.0.0"], "--host 0.0.0.0 would let other machines reach the app"),
        (["--host", "::"], "add --public if that is what you mean"),
        (["--host", "example.com"], "--host 'example.com' is not an IP address"),
        (["--host", "192.0.2.1", "--public"], "192.0.2.1 is not an address of this machine"),
    ],
)
def test_a_host_beyond_loopback_needs_public_and_an_address_of_this_machine(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", str(free_port()), *flags]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("port", "message"),
    [("0", "0 is below the minimum 1"), ("65536", "65536 is above the maximum 65535"), ("x", "")],
)
def test_the_port_is_1_to_65535(
    port: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--port", port])
    assert refused.value.code == 2
    assert f"argument --port: {message}" in capsys.readouterr().err


def test_a_port_in_use_is_said_before_anything_listens(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"fluxtui serve: port {port} is in use on 127.0.0.1; choose another with --port N" in err


def test_without_textual_serve_it_says_how_to_install_it() -> None:
    code = (
        "import sys\nsys.modules['textual_serve'] = None  # as if not installed\n"
        "from fluxtui.cli import main\n"
        f"raise SystemExit(main(['serve', '--port', '{free_port()}']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "textual-serve is not installed" in done.stderr
    assert "install it with: pip install 'fluxtui[serve]'" in done.stderr


def test_the_server_process_never_imports_textual() -> None:
    code = (
        "import sys, fluxtui.commands.serve, fluxtui.commands.serve_web\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_need_no_public(host: str) -> None:
    assert host_problem(host, public=False) is None


def test_public_lets_every_address_be_chosen() -> None:
    assert host_problem("0.0.0.0", public=True) is None
    assert host_problem("::", public=True) is None
