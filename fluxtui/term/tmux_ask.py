"""What tmux says of itself (`tmux display-message`), asked while the terminal is asked: its
version, its pane's allow-passthrough and whether it passes 24-bit colour on."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

from fluxtui.core.text import inert

#: how long `tmux display-message` may take
TMUX_COMMAND_S = 0.2
_TMUX_FORMAT = "#{version}|#{allow-passthrough}|#{client_termfeatures}"


@dataclass(frozen=True)
class TmuxFacts:
    version: str | None
    passthrough: bool | None
    rgb: bool
    sixel: bool  # its client (the terminal outside) has the sixel feature


class TmuxQuestion:
    """`tmux display-message` started now (it answers while the terminal does): tmux's version,
    its pane's allow-passthrough and whether it passes 24-bit colour on."""

    def __init__(self, env: Mapping[str, str]) -> None:
        command = ["tmux", "display-message", "-p"]
        if env.get("TMUX_PANE"):
            command += ["-t", env["TMUX_PANE"]]
        self._started = time.perf_counter()
        try:
            self._process: subprocess.Popen[str] | None = subprocess.Popen(
                [*command, _TMUX_FORMAT],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=dict(env),
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            self._process = None

    def facts(self) -> TmuxFacts | None:
        process = self._process
        if process is None:
            return None
        left = max(0.0, self._started + TMUX_COMMAND_S - time.perf_counter())
        try:
            out, _ = process.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None
        parts = out.strip().split("|")
        if process.returncode != 0 or len(parts) != 3:
            return None
        version, passthrough, features = parts
        return TmuxFacts(
            version=inert(version) or None,
            passthrough={"1": True, "on": True, "all": True, "0": False, "off": False}.get(
                passthrough
            ),
            rgb="RGB" in features.split(","),
            sixel="sixel" in features.split(","),
        )
