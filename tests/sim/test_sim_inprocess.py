"""Fast checks without sockets: directives, the job clock, rendering, and config options of the
app driven in-process through ``httpx.ASGITransport``."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from fluxtui.sim import PublicUrls, SimConfig, SimServer, create_app
from fluxtui.sim.directives import DirectiveError, Directives, parse
from fluxtui.sim.faults import ConnectionDropped
from fluxtui.sim.jobs import Job, Phase
from fluxtui.sim.render import RenderSpec, aspect_size, fit, render

URLS = PublicUrls(api="http://api.sim", cluster="http://cluster.sim")


def client(**config) -> httpx.AsyncClient:
    app = create_app(SimConfig(queue_s=0, run_s=0, **config), URLS)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=URLS.api)


def test_directives_are_parsed_and_stripped() -> None:
    text, d = parse(
        "a fox [[SIM: queue=1.5, submit=429 , retry_after=2]] at dusk "
        "[[sim: status=Request Moderated, drop=poll, truncate=1]]"
    )
    assert text == "a fox at dusk"
    assert d == Directives(
        queue=1.5,
        submit=429,
        retry_after=2.0,
        status="Request Moderated",
        drop="poll",
        truncate=True,
    )
    assert parse("no directives") == ("no directives", Directives())


@pytest.mark.parametrize(
    "prompt",
    [
        "[[sim: nope=1]]",
        "[[sim: queue=-1]]",
        "[[sim: submit=200]]",
        "[[sim: drop=everything]]",
        "[[sim: nsfw=maybe]]",
        "[[sim: queue]]",
    ],
)
def test_bad_directives_are_refused(prompt) -> None:
    with pytest.raises(DirectiveError):
        parse(prompt)


def test_job_clock() -> None:
    job = Job(
        id="j",
        service="fal",
        model="m",
        prompt="p",
        text="p",
        directives=Directives(),
        seed=1,
        width=64,
        height=64,
        fmt="jpeg",
        queue_s=1.0,
        run_s=2.0,
        depth=3,
    )
    now = time.monotonic()
    expected = [
        (0.1, Phase.QUEUED, 3),
        (0.3, Phase.QUEUED, 2),
        (0.9, Phase.QUEUED, 0),
        (2.0, Phase.RUNNING, 0),
        (3.5, Phase.DONE, 0),
    ]
    for elapsed, phase, position in expected:
        job.t0 = now - elapsed
        assert (job.phase(), job.queue_position()) == (phase, position)
    job.t0 = now - 2.0
    assert job.progress() == pytest.approx(0.5, abs=0.01)
    assert job.end_time - job.created == pytest.approx(3.0)


def test_render_is_deterministic_and_sized() -> None:
    spec = RenderSpec("a fox", 42, "flux-dev", 320, 200, "png")
    assert render(spec) == render(spec)
    assert render(spec) != render(RenderSpec("a fox", 43, "flux-dev", 320, 200, "png"))
    image = Image.open(io.BytesIO(render(RenderSpec("x", 1, "m", 96, 64, "jpeg"))))
    assert (image.format, image.size) == ("JPEG", (96, 64))
    assert fit(4000, 3000, 1_200_000) == (1264, 948)
    assert aspect_size("16:9", 2_000_000) == (1885, 1060)
    assert aspect_size("16x9", 100) is None


async def test_not_found_as_404() -> None:
    async with client(not_found_as_404=True) as http:
        response = await http.get("/bfl/v1/get_result", params={"id": "x"}, headers={"x-key": "k"})
    assert (response.status_code, response.json()) == (404, {"detail": "Task not found"})


async def test_required_keys() -> None:
    async with client(required_keys={"fal": "right"}) as http:
        wrong = await http.post(
            "/fal/fal-ai/flux/dev", json={"prompt": "x"}, headers={"Authorization": "Key wrong"}
        )
        right = await http.post(
            "/fal/fal-ai/flux/dev", json={"prompt": "x"}, headers={"Authorization": "Key right"}
        )
        other = await http.post("/bfl/v1/flux-dev", json={"prompt": "x"}, headers={"x-key": "any"})
    assert (wrong.status_code, right.status_code, other.status_code) == (401, 200, 200)


async def test_url_ttl_and_cluster_url_from_public_urls() -> None:
    async with client(url_ttl_s=0) as http:
        job = (
            await http.post(
                "/bfl/v1/flux-dev",
                json={"prompt": "x", "width": 256, "height": 256},
                headers={"x-key": "k"},
            )
        ).json()
        assert job["polling_url"].startswith("http://cluster.sim/bfl/v1/get_result?id=")
        result = (await http.get(job["polling_url"], headers={"x-key": "k"})).json()["result"]
        assert result["sample"].startswith("http://cluster.sim/delivery/")
        assert (await http.get(result["sample"])).status_code == 404


async def test_reset_and_jobs_listing() -> None:
    async with client() as http:
        await http.post(
            "/openai/v1/images/generations",
            json={"model": "m", "prompt": "x", "size": "64x64"},
            headers={"Authorization": "Bearer k"},
        )
        listing = (await http.get("/_sim/jobs")).json()
        assert [(j["service"], j["model"], j["state"], j["submits"]) for j in listing["jobs"]] == [
            ("openai", "m", "done", 1)
        ]
        assert listing["submit_attempts"] == [{"service": "openai", "prompt": "x", "count": 1}]
        await http.post("/_sim/reset")
        assert (await http.get("/_sim/jobs")).json() == {
            "jobs": [],
            "submit_attempts": [],
            "uploads": [],
        }


async def test_drop_in_process_raises() -> None:
    async with client() as http:
        with pytest.raises(ConnectionDropped):
            await http.post(
                "/bfl/v1/flux-dev",
                json={"prompt": "x [[sim: drop=submit]]"},
                headers={"x-key": "k"},
            )


def test_server_base_urls() -> None:
    server = SimServer(SimConfig(latency_s=0.01))
    with pytest.raises(RuntimeError):
        _ = server.api_url
    with server:
        api = server.api_url
        assert api.startswith("http://127.0.0.1:") and server.cluster_url != api
        assert {
            service: server.base_url(service)
            for service in ("comet", "bfl", "apiyi", "openai", "fal")
        } == {
            "comet": f"{api}/comet",
            "bfl": f"{api}/bfl",
            "apiyi": f"{api}/apiyi/v1",
            "openai": f"{api}/openai/v1",
            "fal": f"{api}/fal",
        }
        assert httpx.get(f"{server.cluster_url}/_sim/jobs").status_code == 200
