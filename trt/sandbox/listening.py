"""One aiohttp application listening on a loopback address: what each simulator's start and stop
share (port 0 picks a free port; `base_url` is known once it listens)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class Listener:
    def __init__(self, *, name: str, host: str, port: int) -> None:
        self._name = name
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    @property
    def listening(self) -> bool:
        return self._runner is not None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError(f"the {self._name} is not started")
        return self._base_url

    async def open(self, app: web.Application) -> str:
        """Serve `app`; returns the base URL (`http://host:port`)."""
        if self._runner is not None:
            raise RuntimeError(f"the {self._name} is already started")
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._base_url = f"http://{host}:{port}"
        return self._base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._base_url = None


class StartStop:
    """`async with server:` starts it and stops it, whatever happens inside."""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
