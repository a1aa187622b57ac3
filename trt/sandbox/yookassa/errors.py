"""YooKassa's error answers: `{"type": "error", "id", "code", "description", "parameter"}`."""

from __future__ import annotations

import uuid

from aiohttp import web

CODES = {
    400: "invalid_request",
    401: "invalid_credentials",
    403: "forbidden",
    404: "not_found",
    429: "too_many_requests",
    500: "internal_server_error",
}


class ApiError(Exception):
    def __init__(self, status: int, description: str, *, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameter = parameter

    def response(self) -> web.Response:
        return error_response(self.status, self.description, parameter=self.parameter)


def error_response(status: int, description: str, *, parameter: str | None = None) -> web.Response:
    body: dict[str, object] = {
        "type": "error",
        "id": str(uuid.uuid4()),
        "code": CODES.get(status, "invalid_request"),
        "description": description,
    }
    if parameter is not None:
        body["parameter"] = parameter
    if status == 429:
        body["retry_after"] = 1000  # milliseconds
    return web.json_response(body, status=status)


def invalid(description: str, parameter: str) -> ApiError:
    return ApiError(400, description, parameter=parameter)
