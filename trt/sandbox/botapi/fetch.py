"""Downloading a file the bot passed by HTTP URL, as Telegram's servers do.

Telegram fetches the URL itself and refuses anything it cannot get within its limits
(5 MB for photos, 20 MB for other files); the bot only sees a 400.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from trt.sandbox.botapi.errors import WRONG_FILE, bad_request

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0
CHUNK_SIZE = 65536


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    file_name: str | None


class UrlFetcher:
    """One client session for the emulator's lifetime; closed by :meth:`close`."""

    def __init__(self, *, timeout: float = FETCH_TIMEOUT_SECONDS) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        return self._session

    async def fetch(self, url: str, *, limit: int) -> Fetched:
        """The body of ``url``, or the 400 Telegram gives when it cannot fetch it."""
        if not url.startswith(("http://", "https://")):
            raise bad_request(WRONG_FILE, reason=f"not a file_id or HTTP URL: {url[:80]}")
        try:
            async with self._client().get(url) as response:
                if response.status != 200:
                    raise bad_request(WRONG_FILE, reason=f"HTTP {response.status} from {url}")
                data = await _read_limited(response, limit)
                content_type = response.content_type
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("botapi.url_fetch_failed url=%s error=%r", url, error)
            raise bad_request(WRONG_FILE, reason=f"fetch failed: {error!r}") from None
        name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or None
        return Fetched(data=data, content_type=content_type, file_name=name)


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if response.content_length is not None and response.content_length > limit:
        raise bad_request(WRONG_FILE, reason=f"URL content over {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(CHUNK_SIZE):
        total += len(chunk)
        if total > limit:
            raise bad_request(WRONG_FILE, reason=f"URL content over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
