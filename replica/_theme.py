"""The replica's theme files: a stylesheet that @imports its fonts' CSS and names backgrounds, fonts, scripts.

What a Newspaper-theme WordPress page loads besides its HTML, small but real: CSS a browser applies (so a replay
with the theme looks different from one without), web fonts named in ``@font-face``, a script that swaps lazy
images' ``data-src`` in (as lazy-loading plugins do), and a background image named only in CSS.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from replica._media import png
from replica._resource import PNG, Resource

THEME = "/wp-content/themes/Newspaper"
STYLE_PATH = THEME + "/style.css"
FONTS_CSS_PATH = THEME + "/css/fonts.css"
BACKGROUND_PATH = THEME + "/images/header-texture.png"
FONT_PATHS = (THEME + "/fonts/newspaper.woff2", THEME + "/fonts/newspaper.woff")
JQUERY_PATH = "/wp-includes/js/jquery/jquery.min.js"
THEME_JS_PATH = "/wp-content/plugins/td-composer/legacy/Newspaper/js/tagdiv_theme.min.js"
LAZY_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="

CSS = "text/css"
JS = "application/javascript"
WOFF2 = "font/woff2"
WOFF = "font/woff"

_STYLE = """@charset "UTF-8";
/* Theme Name: Newspaper; Version: 12.6.5; revision {revision} */
@import url("css/fonts.css");
body {{ margin: 0; font-family: "Newspaper Sans", Verdana, Geneva, sans-serif; color: #111; background: #{paper}; }}
.td-header-template-wrap, .td-header-desktop-wrap {{ background: #{accent} url(images/header-texture.png) repeat-x; }}
.tdb-logo-img {{ max-height: 90px; width: auto; }}
.td-container, .tdc-row {{ max-width: 1068px; margin: 0 auto; padding: 0 24px; }}
.tdb-title-text {{ font-size: 36px; line-height: 1.2; font-weight: 700; }}
.td-module-thumb .entry-thumb {{ display: block; width: 218px; height: 150px; background-size: cover; }}
.tdb-block-inner img.entry-thumb {{ width: 100%; height: auto; }}
.td-a-ad {{ text-align: center; margin: 12px 0; }}
.td-adspot-title {{ display: block; font-size: 10px; color: #999; }}
img.avatar {{ border-radius: 50%; }}
"""

_FONTS = """@font-face {
  font-family: "Newspaper Sans";
  src: url("../fonts/newspaper.woff2") format("woff2"), url("../fonts/newspaper.woff") format("woff");
  font-display: swap;
}
"""

_JQUERY = b"""/*! jQuery stand-in for the replica */
window.jQuery = window.$ = function (s) { return document.querySelectorAll(s); };
"""

_THEME_JS = b"""/* tagDiv theme: lazy images get their real source once the page has loaded */
(function () {
  function swap() {
    document.querySelectorAll("img[data-src]").forEach(function (img) {
      if (img.dataset.srcset) { img.srcset = img.dataset.srcset; }
      img.src = img.dataset.src;
      img.removeAttribute("data-src");
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", swap); } else { swap(); }
})();
"""


def theme_resource(path: str, revision: int, stamp: datetime) -> Resource | None:
    """The theme file at ``path`` (revision ``revision`` of the stylesheet), or ``None`` when it is not one."""
    if path == STYLE_PATH:
        digest = hashlib.sha1(str(revision).encode()).hexdigest()
        text = _STYLE.format(revision=revision, paper="fff" if revision == 1 else "f4f1ea", accent=digest[:6])
        return Resource(200, text.encode("utf-8"), CSS + "; charset=UTF-8", last_modified=stamp)
    if path == FONTS_CSS_PATH:
        return Resource(200, _FONTS.encode("utf-8"), CSS + "; charset=UTF-8", last_modified=stamp)
    if path == BACKGROUND_PATH:
        return Resource(200, png(path, 8, 8), PNG, last_modified=stamp, compressible=False)
    if path in FONT_PATHS:
        kind = WOFF2 if path.endswith("2") else WOFF
        # About a real web font's size (tens of kB): more than one read of the socket, so a size cap cuts it.
        body = (b"wOF2" if kind == WOFF2 else b"wOFF") + hashlib.sha256(path.encode()).digest() * 3072
        return Resource(200, body, kind, last_modified=stamp, compressible=False)
    if path == JQUERY_PATH:
        return Resource(200, _JQUERY, JS, last_modified=stamp)
    if path == THEME_JS_PATH:
        return Resource(200, _THEME_JS, JS, last_modified=stamp)
    return None
