"""Pages for browser captures under /browser/: a front page built by its script, and pages hostile to a browser.

Opt-in like ``replica.faults``: served only by ``ReplicaPublisher(site, mounts=[MOUNT])`` (or ``python -m replica
--browser``).

- ``/browser/``: a front page whose HTML holds no story: ``app.js`` fetches ``stories.json`` and builds the list
  (the site's newest articles, linked), each with a lazy image (``loading="lazy"``, far below the first screen),
  on a theme (``theme.css``, which ``@import``s ``extra.css`` and names a background image in ``url()``) and one
  image behind a 302 (``/browser/moved.png``). What the HTML alone shows: a header and "built by a script".
- ``/browser/loop/``: a script that never yields (``for (;;) {}``): the page never finishes loading.
- ``/browser/hog/``: a script that allocates JavaScript arrays without end (V8's heap).
- ``/browser/hog-buffers/``: a script that allocates typed arrays without end (memory outside V8's heap).
- ``/browser/ssrf/``: a page whose script and image ask ``localhost`` (a loopback name no source names) for
  ``/browser/secret/``: a browser capture must not reach it.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlsplit

from replica._media import png
from replica._resource import HTML, JSON, PNG, Resource, redirect
from replica._router import Mount, ReplicaRouter
from replica.site import ReplicaSite

CSS = "text/css; charset=UTF-8"
JAVASCRIPT = "application/javascript; charset=UTF-8"
STORIES = 12
STORY_HEIGHT = 320
"""Pixels per story block: twelve make a page several screens tall (lazy images below the fold)."""
BUILT_MARKER = "built-by-script"
"""The class of every story block the script adds: in the rendered DOM, never in the HTML."""
SECRET_PATH = "/browser/secret/"

FRONT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Replica front page (script-built)</title>
<link rel="stylesheet" href="/browser/theme.css"><script src="/browser/app.js" defer></script></head>
<body><header><h1>Replica front page</h1><img src="/browser/moved.png" alt="logo" width="64" height="40"></header>
<main id="stories"><p class="placeholder">This front page is built by a script.</p></main></body></html>"""

APP = """document.addEventListener("DOMContentLoaded", async () => {
  const stories = await (await fetch("/browser/stories.json")).json();
  const main = document.getElementById("stories");
  main.textContent = "";
  stories.forEach((story, rank) => {
    const block = document.createElement("article");
    block.className = "story MARKER";
    block.style.height = "HEIGHTpx";
    block.innerHTML = `<a href="${story.url}"><h2>${story.title}</h2></a>` +
      `<img loading="lazy" src="/browser/img/story-${rank}.png" width="640" height="200" alt="">`;
    main.append(block);
  });
  document.body.dataset.built = String(stories.length);
});
""".replace("MARKER", BUILT_MARKER).replace("HEIGHT", str(STORY_HEIGHT))

THEME = """@import url("/browser/extra.css");
body { margin: 0; font-family: sans-serif; background: #fff url("/browser/img/background.png") repeat-x; }
header { height: 120px; padding: 16px; }
"""
EXTRA = ".story { box-sizing: border-box; border-bottom: 1px solid #ccc; padding: 8px 16px; }\n"

LOOP = "<!DOCTYPE html><html><body><p>This page's script never ends.</p><script>for (;;) {}</script></body></html>"
HOG = (
    "<!DOCTYPE html><html><body><p>This page's script allocates without end.</p>"
    "<script>const kept = []; for (;;) { kept.push(new Array(1e6).fill(Math.random())); }</script></body></html>"
)
HOG_BUFFERS = (
    "<!DOCTYPE html><html><body><p>This page's script allocates buffers without end.</p>"
    "<script>const kept = []; for (;;) { const b = new Uint8Array(64 << 20); b.fill(7); kept.push(b); }</script>"
    "</body></html>"
)
SSRF = """<!DOCTYPE html><html><body><p id="status">asking a private address</p>
<img src="http://localhost:PORT/browser/secret/pixel.png" alt="">
<script>fetch("http://localhost:PORT/browser/secret/").then(
  () => { document.getElementById("status").textContent = "leaked"; },
  () => { document.getElementById("status").textContent = "refused"; });</script></body></html>"""


def resolve(router: ReplicaRouter, path: str, query: dict[str, str]) -> Resource:
    """The answer for ``path`` under ``/browser/`` (an unknown one: the theme's 404)."""
    pages = {
        "/browser/": (FRONT, HTML),
        "/browser/app.js": (APP, JAVASCRIPT),
        "/browser/theme.css": (THEME, CSS),
        "/browser/extra.css": (EXTRA, CSS),
        "/browser/loop/": (LOOP, HTML),
        "/browser/hog/": (HOG, HTML),
        "/browser/hog-buffers/": (HOG_BUFFERS, HTML),
    }
    if path in pages:
        text, content_type = pages[path]
        return Resource(200, text.encode("utf-8"), content_type)
    if path == "/browser/stories.json":
        return Resource(200, json.dumps(stories(router.site, router.base)).encode("utf-8"), JSON)
    if path == "/browser/ssrf/":
        port = urlsplit(router.base).port
        return Resource(200, SSRF.replace("PORT", str(port)).encode("utf-8"), HTML)
    if path == "/browser/moved.png":
        return redirect(f"{router.base}/browser/img/logo.png", 302)
    if path.startswith("/browser/img/") and path.endswith(".png"):
        name = path.removeprefix("/browser/img/").removesuffix(".png")
        return Resource(200, png(name, 640, 200), PNG, compressible=False)
    return router.not_found()


def stories(site: ReplicaSite, base: str) -> list[dict[str, str]]:
    """The site's newest articles, as the script lists them (title escaped: it goes into innerHTML)."""
    return [{"url": base + site.article_path(a), "title": escape(a.title)} for a in site.articles[:STORIES]]


MOUNT = Mount("/browser/", resolve)
"""The hook that installs these routes: ``ReplicaPublisher(site, mounts=[MOUNT])``."""
