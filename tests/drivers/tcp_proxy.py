"""A loopback TCP proxy that a test can cut: every connection through it dies at once, like a
database whose network dropped, and new ones can be refused for a while (an outage).

It runs in the test's event loop; the program under test connects to `proxy.port` instead of
the real server. Cutting aborts both sides (RST), so the client sees a broken connection and
the server ends the session (PostgreSQL frees that session's advisory locks).
"""

import asyncio
import contextlib
from dataclasses import dataclass, field

CHUNK = 64 * 1024


@dataclass(eq=False)
class _Pipe:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


class TcpProxy:
    def __init__(self, *, target_host: str = "127.0.0.1", target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._refuse_until = 0.0
        self.port = 0
        self.cuts = 0
        self.refused = 0

    async def start(self) -> "TcpProxy":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self.cut()
            if self._handlers:  # each ends by itself once its connection is cut
                await asyncio.wait(self._handlers, timeout=5)
            await self._server.wait_closed()
            self._server = None

    @property
    def open_connections(self) -> int:
        return len(self._pipes)

    def cut(self) -> int:
        """Abort every open connection; returns how many there were."""
        pipes = list(self._pipes)
        for pipe in pipes:
            pipe.abort()
        self._pipes.clear()
        self.cuts += 1
        return len(pipes)

    def refuse_for(self, seconds: float) -> None:
        """Cut everything now and close new connections at once for `seconds`."""
        loop = asyncio.get_running_loop()
        self._refuse_until = max(self._refuse_until, loop.time() + seconds)
        self.cut()

    def heal(self) -> None:
        self._refuse_until = 0.0

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            await self._serve(reader, writer)
        finally:
            self._handlers.discard(handler)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if asyncio.get_running_loop().time() < self._refuse_until:
            self.refused += 1
            writer.transport.abort()
            return
        pipe = _Pipe(client=writer)
        self._pipes.add(pipe)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            self._pipes.discard(pipe)
            writer.transport.abort()
            return
        pipe.upstream = up_writer
        if pipe not in self._pipes:  # cut while connecting
            pipe.abort()
            return
        pipe.tasks = [
            asyncio.create_task(_pump(reader, up_writer)),
            asyncio.create_task(_pump(up_reader, writer)),
        ]
        await asyncio.wait(pipe.tasks, return_when=asyncio.FIRST_COMPLETED)
        pipe.abort()
        self._pipes.discard(pipe)
        for task in pipe.tasks:
            task.cancel()
        await asyncio.gather(*pipe.tasks, return_exceptions=True)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
