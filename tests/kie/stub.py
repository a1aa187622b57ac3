"""A scripted KIE stand-in that answers what a test queues and records every request.

Each test queues replies per (method, path); the last queued reply repeats, so "always 503" is
one reply. An unscripted route answers KIE's 404 envelope. Retry waits use `FakeTime`, so a
test never sleeps for a backoff.
"""

import asyncio
import email
import email.policy
import json
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiohttp import web

API_KEY = "kie-secret-key-0123456789abcdef"
UPLOAD_PREFIX = "/upload-host"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: object = None  # dumped as JSON unless it is bytes
    delay: float = 0.0
    content_type: str = "application/json"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


def ok(data: object) -> Reply:
    return Reply(body={"code": 200, "msg": "success", "data": data})


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    content_type: str

    def json(self) -> object:
        return json.loads(self.body)

    def form_parts(self) -> dict[str, tuple[str | None, str | None, bytes]]:
        """Multipart fields as name -> (filename, content type, bytes), read by stdlib email."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.message_from_bytes(head + self.body, policy=email.policy.HTTP)
        parts = {}
        for part in message.iter_parts():
            assert isinstance(part, EmailMessage)
            name = part.get_param("name", header="content-disposition")
            content_type = part["Content-Type"]
            payload = part.get_payload(decode=True)
            assert isinstance(name, str)
            assert isinstance(payload, bytes)
            parts[name] = (part.get_filename(), content_type and str(content_type), payload)
        return parts


@dataclass
class KieStub:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    _replies: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self._replies[(method, path)] = list(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            Seen(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={key.lower(): value for key, value in request.headers.items()},
                body=body,
                content_type=request.content_type,
            )
        )
        queue = self._replies.get((request.method, request.path))
        if not queue:
            return web.json_response({"code": 404, "msg": "not scripted"}, status=404)
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(
            status=reply.status, body=reply.payload(), content_type=reply.content_type
        )


@dataclass
class FakeTime:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
