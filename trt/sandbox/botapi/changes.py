"""A change counter that coroutines can wait on without holding a lock."""

from __future__ import annotations

import asyncio


class ChangeSignal:
    """``bump()`` is synchronous, so plain state mutations can announce themselves."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> int:
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()
        return self.version

    async def wait_newer(self, version: int, seconds: float) -> bool:
        """Wait until the version passes ``version``; ``False`` on timeout."""
        if self.version > version:
            return True
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return self.version > version
        return True
