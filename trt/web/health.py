"""`GET /health` (the process is alive, its role and version) and `GET /ready` (it can serve)."""

from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)


class HealthSource(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def version(self) -> str: ...

    async def readiness(self) -> Readiness: ...


HEALTH = web.AppKey("health", HealthSource)


async def health(request: web.Request) -> web.Response:
    source = request.app[HEALTH]
    return web.json_response({"status": "ok", "role": source.role, "version": source.version})


async def ready(request: web.Request) -> web.Response:
    report = await request.app[HEALTH].readiness()
    body = {"ready": report.ready, "checks": report.checks}
    return web.json_response(body, status=200 if report.ready else 503)
