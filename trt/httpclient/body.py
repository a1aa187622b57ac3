"""Reading an answer's body without letting a broken or hostile server fill our memory."""

from collections.abc import Callable

import aiohttp


async def read_capped(
    response: aiohttp.ClientResponse, *, limit: int, too_big: Callable[[str], Exception]
) -> bytes:
    """The whole body, or `too_big(reason)` raised once it passes `limit` bytes."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(1 << 16):
        body += chunk
        if len(body) > limit:
            raise too_big(f"answer larger than {limit} bytes")
    return bytes(body)
