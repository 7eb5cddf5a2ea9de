"""``/archive/`` and ``/static/`` on the reading room's port, proxied to a pywb server on loopback.

pywb runs in its own process (it monkey-patches the interpreter for gevent on import, see ``newsarchive serve``);
its collection is named ``archive`` so the paths are the same on both sides, and the reader's Host header is
passed on so that the links pywb rewrites point back at this port.
"""

from __future__ import annotations

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


class ArchiveProxy:
    """Forwards GET requests to pywb and returns its answer (redirects included, not followed)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    async def handle(self, request: Request) -> Response:
        """One proxied request; a 502 with a message when pywb does not answer."""
        target = self.upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {"host": request.headers.get("host", ""), "accept": request.headers.get("accept", "*/*")}
        try:
            answer = await self.client.get(target, headers=headers)
        except httpx.HTTPError as error:
            return Response(f"the archive server did not answer: {error}", status_code=502, media_type="text/plain")
        kept = {key: value for key, value in answer.headers.items() if key.lower() not in HOP_BY_HOP}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    async def close(self) -> None:
        await self.client.aclose()
