"""Result files at `/files/<task id>/<name>.<ext>`, public like KIE's tempfile host.

The extension picks the content: `png` is drawn from the task's prompt, `mp4`, `mp3` and `ogg`
are fixtures. A task whose behaviour sets `file_size` gets files padded to exactly that many
bytes, streamed in chunks so a large size costs no memory.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from trt.sandbox.kie.media import CONTENT_TYPES, MediaLibrary, padding_header
from trt.sandbox.kie.simulation import Simulation

_CHUNK: Final = bytes(64 * 1024)


class FileApi:
    def __init__(self, *, simulation: Simulation, media: MediaLibrary) -> None:
        self._sim = simulation
        self._media = media

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/files/{task_id}/{name}", self.result_file)]

    async def result_file(self, request: web.Request) -> web.StreamResponse:
        task = self._sim.store.get(request.match_info["task_id"])
        ext = request.match_info["name"].rpartition(".")[2]
        content = None if task is None else self._media.content(ext, seed_text=task.prompt)
        if task is None or content is None:
            raise web.HTTPNotFound
        self._sim.counters.file_downloads += 1
        size = task.behaviour.file_size
        if size is None or size <= len(content):
            return web.Response(body=content, content_type=CONTENT_TYPES[ext])
        return await _stream_padded(request, content, ext, size)


async def _stream_padded(
    request: web.Request, content: bytes, ext: str, size: int
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": CONTENT_TYPES[ext]})
    response.content_length = size
    await response.prepare(request)
    extra = size - len(content)
    header = padding_header(ext, extra)
    await response.write(content + header)
    remaining = extra - len(header)
    while remaining > 0:
        piece = min(remaining, len(_CHUNK))
        await response.write(_CHUNK[:piece])
        remaining -= piece
    await response.write_eof()
    return response
