"""What an API key is made of, and reading one from a command (`api_key_command`)."""

from __future__ import annotations

import re
import shlex
import subprocess

from fluxtui.core.errors import ConfigError

#: what an API key is made of: visible ASCII (a header value cannot hold a newline or a space)
KEY_PATTERN = re.compile(r"[\x21-\x7e]+")
BAD_KEY = "holds a space, a control or a non-ASCII character (a pasted newline?)"


def run_key_command(name: str, command: str) -> str:
    """The key `api_key_command` prints for provider `name` (run without a shell, 30 s at most)."""
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"[providers.{name}] api_key_command could not run: {exc}") from None
    key = done.stdout.strip()
    if done.returncode != 0 or not key:
        raise ConfigError(
            f"[providers.{name}] api_key_command exited {done.returncode} without printing a key"
        )
    if not KEY_PATTERN.fullmatch(key):
        raise ConfigError(f"[providers.{name}] api_key_command printed a key that {BAD_KEY}")
    return key
