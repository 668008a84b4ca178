"""`fluxtui serve` over real HTTP and its websocket, as textual-serve's page talks to it: the page,
the token that guards it, a prompt typed in a session becoming a demo job, and Ctrl-C."""

from __future__ import annotations

import re
import time
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.serve.conftest import STOP_S, Served, start, stop, the_one_job_file
from tests.serve.terminal import Session

PROMPT = "a lighthouse at dusk, served 7f3e"


def test_the_page_opens_only_with_the_printed_token(served: Served) -> None:
    page = httpx.get(served.url)
    assert page.status_code == 200
    assert "<title>fluxtui</title>" in page.text
    assert f'data-session-websocket-url="{served.websocket}"' in page.text
    assert "googleapis" not in page.text  # nothing comes from the internet: the font is served
    font = re.search(r'url\("([^"]+RobotoMono[^"]+\.ttf)"\)', page.text)
    assert font and httpx.get(font.group(1)).status_code == 200
    for size, shown in (("20", "20"), ("9" * 5000, "16"), ("²", "16"), ("-3", "16")):
        sized = httpx.get(f"{served.url}&fontsize={size}")
        assert f'data-font-size="{shown}"' in sized.text
    for asset in ("js/textual.js", "css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf"):
        assert httpx.get(f"{served.base}/static/{asset}").status_code == 200
    for guess in (served.base + "/", served.base + "/?token=guess"):
        refused = httpx.get(guess)
        assert refused.status_code == 403
        assert "needs the link `fluxtui serve` printed" in refused.text
        assert served.token not in refused.text


async def test_the_websocket_wants_the_token_and_this_origin(served: Served) -> None:
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as wrong:
            await client.ws_connect(f"{served.base.replace('http', 'ws')}/ws/guess")
        assert wrong.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:  # a page of another site
            await client.ws_connect(served.websocket, origin="http://attacker.example")
        assert foreign.value.status == 403
        async with client.ws_connect(served.websocket, origin=served.base) as socket:
            session = Session(socket)
            await session.read_until("fluxtui")


async def test_a_prompt_typed_in_a_session_becomes_a_demo_job_with_its_preview(
    served: Served, isolated_home: Path
) -> None:
    assert "demo mode" in served.banner
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(f"{served.websocket}?width=120&height=36") as socket,
    ):
        session = Session(socket)
        await session.send("resize", {"width": 120, "height": 36})
        await session.read_until("Describe the image")  # the form is up
        (app,) = served.app_pids()
        environment = Path(f"/proc/{app}/environ").read_bytes().split(b"\0")
        for setting in (b"FLUXTUI_IMAGE_PROTOCOL=halfcell", b"FLUXTUI_COLOR=truecolor"):
            assert setting in environment
        assert b"TEXTUAL_COLOR_SYSTEM=truecolor" in environment
        await session.send("focus")  # as the page does when its terminal gets focus
        await session.type(PROMPT)
        await session.read_until(PROMPT)
        await session.type("\n")  # ctrl+j
        await session.read_until("✓ done")
        await session.read_blocks(500)  # the preview's picture

    image = the_one_job_file(PROMPT)
    assert image.is_file() and image.is_relative_to(isolated_home)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_ctrl_c_ends_the_server_and_the_apps_of_open_sessions() -> None:
    served = start()  # no --demo, and no key set: the app is in demo mode all the same
    try:
        assert "demo mode" in served.banner
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(served.websocket) as socket,
        ):
            session = Session(socket)
            await session.read_until("demo")
            apps = served.app_pids()
            assert len(apps) == 1
            code, out, err = served.interrupt()
        assert code == 0, err
        assert "Traceback" not in out + err
        assert not [app for app in apps if running(app)]  # each app quit before the server
    finally:
        stop(served)


async def test_an_app_whose_server_was_killed_quits() -> None:
    served = start("--demo")
    try:
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(served.websocket) as socket,
        ):
            await Session(socket).read_until("demo")
            (app,) = served.app_pids()
            served.process.kill()  # no Ctrl-C: the server cannot tell its apps
            served.process.wait(timeout=STOP_S)
        for _ in range(STOP_S * 10):  # a bound, not a pause the test relies on
            if not running(app):
                break
            time.sleep(0.1)
        assert not running(app)
    finally:
        stop(served)
