"""Request-body checks that word their errors as FastAPI/pydantic v2 do (BFL, Comet, fal).

Each error is ``{"type", "loc", "msg", "input", "ctx"?}`` with ``loc`` like ``["body", "width"]``;
a 422 answer carries them as ``{"detail": [...]}``.
"""

from __future__ import annotations

import json
import math
from typing import Any

ErrorList = list[dict[str, Any]]

#: "At most 4 MP", as the FLUX.2 models and APIYI count it (2048 x 2048).
FOUR_MP = 4 * 1024 * 1024


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def parse_json_object(raw: bytes) -> tuple[dict[str, Any] | None, ErrorList]:
    """The body as a JSON object, or the error FastAPI gives for it."""
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [
            {
                "type": "json_invalid",
                "loc": ["body", getattr(exc, "pos", 0)],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": str(exc)},
            }
        ]
    if not isinstance(body, dict):
        return None, [
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": body,
            }
        ]
    return body, []


class Checker:
    """Reads fields of a JSON body, collecting an error for each bad one.

    Every getter returns the value when it is present and valid, else None.
    """

    def __init__(self, body: dict[str, Any], loc: tuple[str | int, ...] = ("body",)) -> None:
        self.body = body
        self.loc = loc
        self.errors: ErrorList = []

    def error(self, name: str | None, type_: str, msg: str, value: Any = None, **ctx: Any) -> None:
        loc = [*self.loc, name] if name is not None else list(self.loc)
        error: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": value}
        if ctx:
            error["ctx"] = ctx
        self.errors.append(error)

    def _present(self, name: str, required: bool) -> bool:
        if self.body.get(name) is not None:
            return True
        if required:
            self.error(name, "missing", "Field required", self.body)
        return False

    def string(self, name: str, required: bool = False, min_length: int = 0) -> str | None:
        if not self._present(name, required):
            return None
        value = self.body[name]
        if not isinstance(value, str):
            self.error(name, "string_type", "Input should be a valid string", value)
            return None
        if len(value) < min_length:
            plural = "" if min_length == 1 else "s"
            self.error(
                name,
                "string_too_short",
                f"String should have at least {min_length} character{plural}",
                value,
                min_length=min_length,
            )
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        if not self._present(name, False):
            return None
        value = self.body[name]
        if not isinstance(value, bool):
            self.error(name, "bool_type", "Input should be a valid boolean", value)
            return None
        return value

    def integer(
        self,
        name: str,
        ge: float | None = None,
        le: float | None = None,
        multiple_of: int | None = None,
        required: bool = False,
    ) -> int | None:
        if not self._present(name, required):
            return None
        value = self.body[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(name, "int_type", "Input should be a valid integer", value)
            return None
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                self.error(
                    name,
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                    value,
                )
                return None
        elif isinstance(value, float) and not value.is_integer():
            self.error(
                name,
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
                value,
            )
            return None
        else:
            number = int(value)
        if not self._bounds(name, number, value, ge, le):
            return None
        if multiple_of and number % multiple_of:
            self.error(
                name,
                "multiple_of",
                f"Input should be a multiple of {multiple_of}",
                value,
                multiple_of=multiple_of,
            )
            return None
        return number

    def number(self, name: str, ge: float | None = None, le: float | None = None) -> float | None:
        if not self._present(name, False):
            return None
        value = self.body[name]
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            self.error(
                name,
                "float_type" if not isinstance(value, str) else "float_parsing",
                "Input should be a valid number",
                value,
            )
            return None
        if not math.isfinite(number):
            self.error(name, "finite_number", "Input should be a finite number", value)
            return None
        return number if self._bounds(name, number, value, ge, le) else None

    def choice(self, name: str, options: tuple[str, ...]) -> str | None:
        if not self._present(name, False):
            return None
        value = self.body[name]
        if value not in options:
            quoted = [f"'{option}'" for option in options]
            expected = " or ".join(
                [", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted
            )
            self.error(name, "enum", f"Input should be {expected}", value, expected=expected)
            return None
        return str(value)  # one of `options`

    def _bounds(
        self, name: str, number: float, value: Any, ge: float | None, le: float | None
    ) -> bool:
        if ge is not None and number < ge:
            self.error(
                name,
                "greater_than_equal",
                f"Input should be greater than or equal to {_fmt(ge)}",
                value,
                ge=ge,
            )
            return False
        if le is not None and number > le:
            self.error(
                name,
                "less_than_equal",
                f"Input should be less than or equal to {_fmt(le)}",
                value,
                le=le,
            )
            return False
        return True
