"""Fixtures for the simulator's own tests: one fast simulator on loopback, reset per test."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from fluxtui.sim import SimConfig, SimServer

FAST = SimConfig(queue_s=0.05, run_s=0.15, queue_depth=2)
FAL_KEY = {"Authorization": "Key sim-test-key"}


class Wire:
    """Raw HTTP against a running simulator, with the few loops every test needs."""

    def __init__(self, server: SimServer, client: httpx.Client) -> None:
        self.server = server
        self.client = client

    def url(self, service: str, path: str = "") -> str:
        return self.server.base_url(service) + path

    def jobs(self) -> list[dict[str, Any]]:
        return self.client.get(f"{self.server.api_url}/_sim/jobs").json()["jobs"]

    def poll_bfl(self, polling_url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        """Every answer of a BFL/Comet poll loop, up to the first non-Pending one."""
        answers = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            response = self.client.get(polling_url, headers=headers)
            assert response.status_code == 200, response.text
            answers.append(response.json())
            if answers[-1]["status"] != "Pending":
                return answers
            time.sleep(0.02)
        raise AssertionError("the job never left Pending")

    def poll_fal(self, status_url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        """Every answer of a fal status loop (with logs), up to COMPLETED."""
        answers = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            response = self.client.get(status_url, params={"logs": 1}, headers=headers)
            answers.append(response.json())
            if answers[-1]["status"] == "COMPLETED":
                assert response.status_code == 200
                return answers
            assert response.status_code == 202
            time.sleep(0.02)
        raise AssertionError("the job never completed")

    def upload(self, data: bytes, content_type: str = "image/png", name: str = "in.png") -> str:
        """Upload through fal's storage flow (token, then files/upload); the file's URL."""
        token = self.client.post(
            self.url("fal", "/storage/auth/token"),
            params={"storage_type": "fal-cdn-v3"},
            json={},
            headers=FAL_KEY,
        ).json()
        response = self.client.post(
            f"{token['base_url']}/files/upload",
            content=data,
            headers={
                "Authorization": f"{token['token_type']} {token['token']}",
                "Content-Type": content_type,
                "X-Fal-File-Name": name,
            },
        )
        assert response.status_code == 200, response.text
        return response.json()["access_url"]

    def listing(self) -> dict[str, Any]:
        return self.client.get(f"{self.server.api_url}/_sim/jobs").json()

    def image(self, url: str) -> tuple[bytes, Image.Image]:
        response = self.client.get(url)
        assert response.status_code == 200, response.text
        image = Image.open(io.BytesIO(response.content))
        image.load()
        return response.content, image


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    with SimServer(FAST) as server:
        yield server


@pytest.fixture
def wire(sim_server: SimServer) -> Iterator[Wire]:
    with httpx.Client(timeout=10) as client:
        client.post(f"{sim_server.api_url}/_sim/reset").raise_for_status()
        yield Wire(sim_server, client)
