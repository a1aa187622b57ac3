"""KIE's file upload API (REFERENCE §5) with files kept in memory and served back.

Answers use the endpoint pages' shape: `{"success","code","msg","data":{fileName, filePath,
downloadUrl, fileSize, mimeType, uploadedAt}}`. `downloadUrl` points at this simulator's
`/uploads/<filePath>`, so a test can fetch exactly the bytes the bot uploaded.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from trt.sandbox.kie.api import read_json_object
from trt.sandbox.kie.responses import ApiError, http_status
from trt.sandbox.kie.simulation import Simulation
from trt.sandbox.kie.tasks import JsonObject

_OCTET_STREAM = "application/octet-stream"
_URL_FETCH_TIMEOUT = aiohttp.ClientTimeout(total=30)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
)


def sniff_mime(data: bytes, *, file_name: str, declared: str | None) -> str:
    """A declared specific type wins, then the content's magic bytes, then the name."""
    if declared and declared != _OCTET_STREAM:
        return declared
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    guessed, _ = mimetypes.guess_type(file_name)
    return guessed or _OCTET_STREAM


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_path: str
    file_name: str
    data: bytes
    mime_type: str
    uploaded_at: str

    def describe(self, base: str) -> JsonObject:
        return {
            "fileName": self.file_name,
            "filePath": self.file_path,
            "downloadUrl": f"{base}/uploads/{self.file_path}",
            "fileSize": len(self.data),
            "mimeType": self.mime_type,
            "uploadedAt": self.uploaded_at,
        }


class UploadStore:
    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}

    def put(self, *, upload_path: str, file_name: str, data: bytes, mime_type: str) -> StoredFile:
        moment = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        stored = StoredFile(
            file_path=f"{upload_path}/{file_name}",
            file_name=file_name,
            data=data,
            mime_type=mime_type,
            uploaded_at=moment,
        )
        self._files[stored.file_path] = stored  # the same name overwrites, as on KIE
        return stored

    def get(self, file_path: str) -> StoredFile | None:
        return self._files.get(file_path)

    def all(self) -> list[StoredFile]:
        return list(self._files.values())

    def clear(self) -> None:
        self._files.clear()


@dataclass(frozen=True, slots=True)
class Incoming:
    """An upload as received, before it is named and stored."""

    kind: str
    upload_path: Any
    file_name: Any
    data: bytes
    declared: str | None


class UploadApi:
    def __init__(
        self,
        *,
        simulation: Simulation,
        store: UploadStore,
        session: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self._sim = simulation
        self._store = store
        self._session = session

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/file-stream-upload", self.stream_upload),
            web.post("/api/file-base64-upload", self.base64_upload),
            web.post("/api/file-url-upload", self.url_upload),
            web.get("/uploads/{path:.+}", self.download),
        ]

    async def stream_upload(self, request: web.Request) -> web.Response:
        if not request.content_type.startswith("multipart/"):
            return self._failure(ApiError(400, "multipart/form-data body is required"))
        form = await request.post()
        part = form.get("file")
        if not isinstance(part, web.FileField):
            return self._failure(ApiError(400, "file is required"))
        incoming = Incoming(
            kind="stream",
            upload_path=form.get("uploadPath"),
            file_name=form.get("fileName"),
            data=part.file.read(),
            declared=part.content_type,
        )
        return self._accept(incoming)

    async def base64_upload(self, request: web.Request) -> web.Response:
        body = await read_json_object(request)
        if isinstance(body, ApiError):
            return self._failure(body)
        encoded = body.get("base64Data")
        if not isinstance(encoded, str) or not encoded:
            return self._failure(ApiError(400, "base64Data is required"))
        declared = None
        if encoded.startswith("data:"):
            header, _, encoded = encoded.partition(",")
            declared = header.removeprefix("data:").split(";")[0] or None
        try:
            data = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            return self._failure(ApiError(400, "base64Data is not valid base64"))
        fields = (body.get("uploadPath"), body.get("fileName"))
        return self._accept(Incoming("base64", *fields, data=data, declared=declared))

    async def url_upload(self, request: web.Request) -> web.Response:
        body = await read_json_object(request)
        if isinstance(body, ApiError):
            return self._failure(body)
        url = body.get("fileUrl")
        if not isinstance(url, str) or not url:
            return self._failure(ApiError(400, "fileUrl is required"))
        try:
            async with self._session().get(url, timeout=_URL_FETCH_TIMEOUT) as answer:
                if answer.status != 200:
                    return self._failure(ApiError(400, f"Failed to download file: {answer.status}"))
                data = await answer.read()
                declared = answer.content_type
        except (aiohttp.ClientError, TimeoutError):
            return self._failure(ApiError(400, "Failed to download file from URL"))
        fields = (body.get("uploadPath"), body.get("fileName"))
        return self._accept(Incoming("url", *fields, data=data, declared=declared))

    async def download(self, request: web.Request) -> web.Response:
        stored = self._store.get(request.match_info["path"])
        if stored is None:
            raise web.HTTPNotFound
        return web.Response(body=stored.data, content_type=stored.mime_type)

    def _accept(self, incoming: Incoming) -> web.Response:
        upload_path = incoming.upload_path
        if not isinstance(upload_path, str) or not upload_path.strip("/"):
            return self._failure(ApiError(400, "uploadPath is required"))
        name = incoming.file_name if isinstance(incoming.file_name, str) else ""
        mime = sniff_mime(incoming.data, file_name=name, declared=incoming.declared)
        if not name:
            name = uuid.uuid4().hex + (mimetypes.guess_extension(mime) or "")
        stored = self._store.put(
            upload_path=upload_path.strip("/"), file_name=name, data=incoming.data, mime_type=mime
        )
        self._sim.counters.uploads[incoming.kind] += 1
        body = {
            "success": True,
            "code": 200,
            "msg": "File uploaded successfully",
            "data": stored.describe(self._sim.public_base),
        }
        return web.json_response(body)

    def _failure(self, problem: ApiError) -> web.Response:
        body = {"success": False, "code": problem.code, "msg": problem.msg, "data": None}
        status = http_status(problem.code, http_errors=self._sim.scenario.http_errors)
        return web.json_response(body, status=status)
