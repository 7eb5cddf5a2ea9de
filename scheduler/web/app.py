"""The reading room's ASGI app: Starlette routes, Jinja2 templates (autoescaped), JSON twins, security headers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.storage import reading
from scheduler.web import params, views
from scheduler.web.archiveproxy import ArchiveProxy
from scheduler.web.pool import Database
from scheduler.web.screenshots import ScreenshotEndpoint
from scheduler.web.views import Context, NotFound

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
"""No inline script or style anywhere in our pages: a value that escaped escaping still could not run."""
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
]
UNPROTECTED_PREFIXES = ("/archive/", "/static/")
"""pywb's replay frames need its own scripts; its responses keep pywb's headers."""


def create_app(
    database_url: str, *, archive_url: str | None = None, page_size: int = 25, archive_dir: Path | None = None
) -> Starlette:
    """The app over the database at ``database_url``; ``/archive/`` proxies to pywb at ``archive_url`` if given;
    ``/screenshot`` reads WARC files where ``warc_files`` says, else in ``archive_dir``."""
    db = Database(database_url)
    ctx = Context(db, page_size=page_size)
    templates = _templates()
    proxy = ArchiveProxy(archive_url) if archive_url else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        db.open()
        try:
            yield
        finally:
            db.close()
            if proxy is not None:
                await proxy.close()

    routes: list[Any] = []
    for path, (view, template) in views.PAGES.items():
        routes.append(Route("/" + path, _html(view, template, ctx, templates)))
        routes.append(Route("/api/" + path, _api(view, ctx)))
    routes.append(Route("/changes.atom", _atom(ctx, templates)))
    routes.append(Route("/screenshot", ScreenshotEndpoint(db, archive_dir).serve))
    routes.append(Mount("/assets", StaticFiles(directory=str(_package_dir() / "assets")), name="assets"))
    archive = proxy.handle if proxy is not None else _no_archive
    routes.append(Route("/archive/{rest:path}", archive))
    routes.append(Route("/static/{rest:path}", archive))
    app = Starlette(routes=routes, lifespan=lifespan)
    return SecurityHeaders(app)  # type: ignore[return-value]


def _package_dir() -> Path:
    return Path(str(resources.files("scheduler.web")))


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_package_dir() / "templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["utc"] = _utc
    env.filters["duration"] = _duration
    env.filters["highlight"] = _highlight
    env.globals["query"] = _query_string
    return env


def _html(view: Callable, template: str, ctx: Context, templates: jinja2.Environment) -> Callable:
    def endpoint(request: Request) -> Response:
        try:
            data = view(request, ctx)
        except (params.BadRequest, NotFound) as error:
            return _error_html(templates, request, error)
        body = templates.get_template(template).render(**data, **_common(request))
        return HTMLResponse(body)

    return endpoint


def _api(view: Callable, ctx: Context) -> Callable:
    def endpoint(request: Request) -> Response:
        try:
            data = view(request, ctx)
        except (params.BadRequest, NotFound) as error:
            return _json({"error": str(error)}, status=_status(error))
        return _json(data)

    return endpoint


def _atom(ctx: Context, templates: jinja2.Environment) -> Callable:
    def endpoint(request: Request) -> Response:
        try:
            data = views.changes(request, ctx)
        except params.BadRequest as error:
            return Response(str(error), status_code=400, media_type="text/plain")
        rows = data["page"].rows
        updated = rows[0]["changed_at"] if rows else datetime(1970, 1, 1, tzinfo=UTC)
        base = str(request.base_url).rstrip("/")
        body = templates.get_template("changes.atom.xml").render(
            **data, base=base, updated=updated, self_url=str(request.url)
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    return endpoint


def _no_archive(request: Request) -> Response:
    return Response(
        "The archive is not served here: start `newsarchive web` with pywb installed or give --archive-url.",
        status_code=503,
        media_type="text/plain",
    )


def _status(error: Exception) -> int:
    return 404 if isinstance(error, NotFound) else 400


def _error_html(templates: jinja2.Environment, request: Request, error: Exception) -> Response:
    body = templates.get_template("error.html").render(message=str(error), status=_status(error), **_common(request))
    return HTMLResponse(body, status_code=_status(error))


def _common(request: Request) -> dict[str, Any]:
    try:
        tz = params.zone(request.query_params)
    except params.BadRequest:
        tz = ZoneInfo("UTC")
    return {"tz": tz, "args": dict(request.query_params), "path": request.url.path}


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, default=_jsonable, ensure_ascii=False)
    return Response(body, status_code=status, media_type="application/json")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if hasattr(value, "key"):  # a ZoneInfo
        return value.key
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _when(value: datetime | None, tz: Any) -> str:
    """An instant in the reader's zone."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _highlight(snippet: str | None) -> markupsafe.Markup:
    """A ts_headline snippet escaped, its match markers turned into ``<mark>``."""
    escaped = markupsafe.escape(snippet or "")
    return markupsafe.Markup(str(escaped).replace(reading.MARK_START, "<mark>").replace(reading.MARK_STOP, "</mark>"))


def _utc(value: datetime | None) -> str:
    """An instant as RFC 3339 UTC, as Atom wants it."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: Any) -> str:
    if seconds is None:
        return ""
    return f"{float(seconds):.1f} s"


def _query_string(args: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (for pagination and facet links)."""
    merged = {**args, **{key: value for key, value in changes.items()}}
    return "?" + urlencode({key: value for key, value in merged.items() if value not in (None, "")})


class SecurityHeaders:
    """Adds the CSP and friends to every response of ours (pywb's replay responses excepted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNPROTECTED_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
