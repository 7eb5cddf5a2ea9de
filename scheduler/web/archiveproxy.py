"""``/archive/`` and ``/static/`` on the reading room's port, proxied to a pywb server on loopback.

pywb runs in its own process (it monkey-patches the interpreter for gevent on import, see ``newsarchive serve``);
its collection is named ``archive`` so the paths are the same on both sides, and the reader's Host header is
passed on so that the links pywb rewrites point back at this port. ``newsarchive web`` listens only once pywb
answers; should pywb still (or again) refuse connections, a request is held until it answers, for at most
``HOLD_SECONDS``, then gets a 503 that says so: never a 502 for an archive that is merely starting.
"""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.requests import Request
from starlette.responses import Response

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-encoding",
    "content-length",
}
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
HOLD_SECONDS = 10.0
"""How long a request waits for a pywb that refuses connections (starting, or restarting) before its 503."""
RETRY_INTERVAL = 0.1
STARTING = "The archive server (pywb) is starting and not answering yet; try again in a moment."


class ArchiveProxy:
    """Forwards GET requests to pywb and returns its answer (redirects included, not followed)."""

    def __init__(self, upstream: str, *, hold: float = HOLD_SECONDS) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold = hold
        self.client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    async def handle(self, request: Request) -> Response:
        """One proxied request; a 503 while pywb refuses connections, a 502 when it fails mid-answer."""
        target = self.upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {"host": request.headers.get("host", ""), "accept": request.headers.get("accept", "*/*")}
        deadline = time.monotonic() + self.hold
        while True:
            try:
                answer = await self.client.get(target, headers=headers)
                break
            except httpx.ConnectError:
                if time.monotonic() >= deadline:
                    return Response(STARTING, status_code=503, media_type="text/plain", headers={"retry-after": "5"})
                await asyncio.sleep(RETRY_INTERVAL)
            except httpx.HTTPError as error:
                message = f"the archive server did not answer: {error}"
                return Response(message, status_code=502, media_type="text/plain")
        kept = {key: value for key, value in answer.headers.items() if key.lower() not in HOP_BY_HOP}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    async def close(self) -> None:
        await self.client.aclose()
