"""Exceptions the engine understands. Messages are for users: specific, and never hold a key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fluxtui.core.durations import human
from fluxtui.core.models import ErrorKind, JobError


class FluxtuiError(Exception):
    """Base of fluxtui's own errors."""


class ConfigError(FluxtuiError):
    """The config file or the environment is wrong; the message names the file, line and key."""


class StoreError(FluxtuiError):
    """The job store cannot be opened, read or written; the message names the file and the fix."""

    @classmethod
    def from_sqlite(
        cls, path: Path, exc: sqlite3.Error, busy_timeout_s: float
    ) -> StoreError | None:
        """The error for users when the file or the disk caused `exc`; None when it is a bug."""
        code = getattr(exc, "sqlite_errorcode", None)
        wording = _STORE_FAILURES.get(code & 0xFF) if code is not None else None
        if wording is None:
            return None
        return cls(wording.format(path=path, timeout=human(busy_timeout_s), error=exc))


_BUSY = (
    "the job store {path} is busy: another fluxtui process kept it locked for over "
    "{timeout}; try again"
)
#: the words for each SQLite failure the file or the disk causes, by primary result code
_STORE_FAILURES = {
    sqlite3.SQLITE_FULL: "cannot write the job store {path}: the disk is full; free some space",
    sqlite3.SQLITE_READONLY: "cannot write the job store {path}: it is read-only; make it and "
    "its folder writable",
    sqlite3.SQLITE_PERM: "cannot write the job store {path}: permission denied; make it and its "
    "folder writable",
    sqlite3.SQLITE_CANTOPEN: "cannot open the job store {path}: its folder must exist and be "
    "writable (SQLite keeps two files next to it)",
    sqlite3.SQLITE_BUSY: _BUSY,
    sqlite3.SQLITE_LOCKED: _BUSY,
    sqlite3.SQLITE_IOERR: "cannot read or write the job store {path}: {error}; check the disk",
    sqlite3.SQLITE_NOTADB: "{path} is not a job store (or it is damaged): move it aside and "
    "fluxtui starts a new one",
    sqlite3.SQLITE_CORRUPT: "the job store {path} is damaged: move it aside and fluxtui starts "
    "a new one",
}


class InvalidRequest(FluxtuiError):
    """A request failed client-side validation; nothing was sent. One message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class ProviderError(FluxtuiError):
    """A provider refused, failed, or could not be reached.

    `retry_after` is the provider's `Retry-After` in seconds, when it sent one.
    `request_sent` is False only when the request certainly never reached the server (connection
    refused, connect timeout): the one case where re-sending a paid submit is safe.
    `ends_job` is set by an adapter when the answer really means the end of a submitted job (an
    error result, a moderation): any other failure while following a paid job is worth another try.
    `lasting` marks a failure that another try soon cannot mend (an untrusted certificate): a
    submit that surely was not sent is then not sent again.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        raw_status: str | None = None,
        retry_after: float | None = None,
        request_sent: bool = True,
        ends_job: bool = False,
        lasting: bool = False,
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status_code = status_code
        self.request_id = request_id
        self.raw_status = raw_status
        self.retry_after = retry_after
        self.request_sent = request_sent
        self.ends_job = ends_job
        self.lasting = lasting

    @property
    def transient(self) -> bool:
        """Worth another try for an idempotent request (a GET)."""
        return self.kind in (ErrorKind.RATE_LIMITED, ErrorKind.SERVER, ErrorKind.TRANSPORT)

    @property
    def safe_to_resubmit(self) -> bool:
        """Worth another try for a paid submit: only when the provider surely did not take it."""
        if self.kind is ErrorKind.RATE_LIMITED:
            return True
        return self.kind is ErrorKind.TRANSPORT and not self.request_sent

    def to_job_error(self) -> JobError:
        return JobError(
            kind=self.kind,
            message=self.message,
            status_code=self.status_code,
            request_id=self.request_id,
            raw_status=self.raw_status,
        )

    def __repr__(self) -> str:
        return f"ProviderError({self.kind.value}, {self.message!r}, status={self.status_code})"
