"""One service at the root of its port (`SimServer(service=...)`, `fluxtui sim --service`)."""

from __future__ import annotations

import time

import httpx
import pytest

from fluxtui.sim import SimConfig, SimServer

SUBMITS = {
    "comet": ("/flux/v1/flux-dev", {"Authorization": "Bearer k"}, {"prompt": "x"}),
    "bfl": ("/v1/flux-dev", {"x-key": "k"}, {"prompt": "x"}),
    "apiyi": ("/images/generations", {"Authorization": "Bearer k"}, {"model": "flux-2-pro"}),
    "openai": ("/images/generations", {"Authorization": "Bearer k"}, {"model": "flux-dev"}),
    "fal": ("/fal-ai/flux/dev", {"Authorization": "Key k"}, {"prompt": "x"}),
}
ROOTS = {"comet": "", "bfl": "", "apiyi": "/v1", "openai": "/v1", "fal": ""}


@pytest.mark.parametrize("service", list(SUBMITS))
def test_one_service_at_the_root_of_its_port(service) -> None:
    path, headers, body = SUBMITS[service]
    body = {"prompt": "x", **body}
    with SimServer(SimConfig(queue_s=0, run_s=0.05), service=service) as server:
        base = server.base_url(service)
        assert base == server.api_url + ROOTS[service]
        with httpx.Client(timeout=10) as client:
            answer = client.post(base + path, json=body, headers=headers)
            assert answer.status_code == 200, answer.text
            if service != "fal":  # on fal any path is an app id: /fal/... is app "fal/..."
                # the default layout's prefixed path is not served, nor are the other services
                prefixed = {"apiyi": "/apiyi/v1", "openai": "/openai/v1"}.get(
                    service, f"/{service}"
                )
                stray = client.post(server.api_url + prefixed + path, json=body, headers=headers)
                assert stray.status_code in (404, 405)
                assert client.post(server.api_url + "/fal/fal-ai/flux/dev").status_code in (
                    404,
                    405,
                )
            follow(client, service, answer.json(), headers)


def follow(client: httpx.Client, service: str, answer: dict, headers: dict) -> None:
    """The URLs a root-served answer names lead to the image."""
    if service in ("apiyi", "openai"):
        url = answer["data"][0]["url"]
    elif service == "fal":
        while client.get(answer["status_url"], headers=headers).status_code == 202:
            time.sleep(0.02)
        url = client.get(answer["response_url"], headers=headers).json()["images"][0]["url"]
    else:
        while (polled := client.get(answer["polling_url"], headers=headers).json())[
            "status"
        ] == "Pending":
            time.sleep(0.02)
        url = polled["result"]["sample"]
    assert client.get(url).status_code == 200
