"""KIE's `{"code","msg","data"}` envelope and the HTTP status it travels with.

KIE documents HTTP 200 for every answer and puts the outcome in the body `code`; some clients
see real 4xx. `http_errors` picks the second reading for business errors. Injected transport
faults (faults.py) always use their real HTTP status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

UNAUTHORIZED_MSG = "You do not have access permissions"


@dataclass(frozen=True, slots=True)
class ApiError:
    code: int
    msg: str


def http_status(code: int, *, http_errors: bool) -> int:
    if code == 200 or not http_errors:
        return 200
    return code if 400 <= code <= 599 else 500


def ok(data: Any, *, msg: str = "success") -> web.Response:
    return web.json_response({"code": 200, "msg": msg, "data": data})


def error(failure: ApiError, *, http_errors: bool) -> web.Response:
    body = {"code": failure.code, "msg": failure.msg, "data": None}
    return web.json_response(body, status=http_status(failure.code, http_errors=http_errors))


def unauthorized(*, http_errors: bool) -> web.Response:
    body = {"code": 401, "msg": UNAUTHORIZED_MSG}
    return web.json_response(body, status=http_status(401, http_errors=http_errors))


def require_text(body: dict[str, Any], name: str) -> ApiError | None:
    """A required non-empty string field: 400 when missing, 422 when of the wrong type."""
    value = body.get(name)
    if value is None or value == "":
        return ApiError(400, f"{name} is required")
    if not isinstance(value, str):
        return ApiError(422, f"{name} must be a string")
    return None


def optional_text(body: dict[str, Any], name: str) -> ApiError | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        return ApiError(422, f"{name} must be a string")
    return None
