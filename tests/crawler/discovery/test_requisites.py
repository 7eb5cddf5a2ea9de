"""Finding what a page loads in its HTML, and what a stylesheet loads in its CSS."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.discovery.css import style_attribute_references, stylesheet_references
from crawler.discovery.requisites import (
    compile_patterns,
    excluded,
    page_requisites,
    srcset_urls,
    stylesheet_requisites,
)

PAGE = "https://news.example/2024/07/story/"

HTML = """<!doctype html><html><head>
<link rel="stylesheet" href="/theme/style.css?ver=1">
<link rel="preload" as="font" href="/theme/fonts/a.woff2" crossorigin>
<link rel="shortcut icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png">
<link rel="alternate" type="application/rss+xml" href="/feed/"><link rel="canonical" href="/2024/07/story/">
<meta property="og:image" content="https://cdn.example/og.jpg">
<style>.hero { background: url("img/hero.jpg") } @font-face { src: url(f.woff) }</style>
<script src="https://cdn.example/lib.js"></script><script>var inline = 1;</script>
</head><body>
<img src="photo.jpg" srcset="photo-300.jpg 300w, photo-768.jpg 768w">
<img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg" data-srcset="lazy-1x.jpg 1x, lazy-2x.jpg 2x">
<img data-lazy-src="/wp/lazy2.png">
<picture><source srcset="/p.avif" type="image/avif"><img src="/p.jpg"></picture>
<div style="background-image: url('/bg.png')">x</div>
<a href="/other-article/">not a requisite</a><img src="#frag">
</body></html>"""


def urls(found) -> list[str]:
    return [requisite.url for requisite in found]


def test_page_requisites_name_everything_a_browser_loads():
    found = page_requisites(Selector(text=HTML), PAGE)
    kinds = {requisite.url: requisite.kind for requisite in found}

    assert kinds["https://news.example/theme/style.css?ver=1"] == "stylesheet"
    assert kinds["https://news.example/theme/fonts/a.woff2"] == "font"
    assert kinds["https://news.example/favicon.ico"] == "icon"
    assert kinds["https://news.example/touch.png"] == "icon"
    assert kinds["https://cdn.example/og.jpg"] == "image"
    assert kinds["https://cdn.example/lib.js"] == "script"
    assert kinds["https://news.example/2024/07/story/img/hero.jpg"] == "image"
    assert kinds["https://news.example/2024/07/story/f.woff"] == "font"
    for image in ("photo.jpg", "photo-300.jpg", "photo-768.jpg", "lazy.jpg", "lazy-1x.jpg", "lazy-2x.jpg"):
        assert kinds[PAGE + image] == "image"
    for path in ("/wp/lazy2.png", "/p.avif", "/p.jpg", "/bg.png"):
        assert kinds["https://news.example" + path] == "image"
    assert not [url for url in kinds if "feed" in url or "other-article" in url or url.startswith("data:")]
    assert len(urls(found)) == len(set(urls(found)))


def test_base_href_is_honoured():
    html = '<html><head><base href="https://static.example/assets/"></head><body><img src="a.png"></body></html>'
    assert urls(page_requisites(Selector(text=html), PAGE)) == ["https://static.example/assets/a.png"]


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.jpg 300w, b.jpg 600w", ["a.jpg", "b.jpg"]),
        ("a.jpg, b.jpg 2x", ["a.jpg", "b.jpg"]),
        ("img,1.jpg 1x, img,2.jpg 2x", ["img,1.jpg", "img,2.jpg"]),
        ("  one.png  ", ["one.png"]),
        ("", []),
    ],
)
def test_srcset_candidates(srcset, expected):
    assert srcset_urls(srcset) == expected


def test_stylesheet_imports_fonts_and_backgrounds():
    css = """@charset "utf-8";
    @import "base.css";
    @import url(print.css) print;
    /* url(commented.png) */
    @font-face { font-family: X; src: url("../fonts/x.woff2") format("woff2"), url(../fonts/x.woff) format("woff"); }
    @media (min-width: 600px) { .logo { background-image: url('img/logo.svg') } }
    .hero { background: image-set("hero-1x.jpg" 1x, url(hero-2x.jpg) 2x); }
    .inline { background: url(data:image/png;base64,AAAA) }"""
    found = stylesheet_requisites(css, "https://news.example/theme/css/style.css")

    assert [(r.url.rsplit("/", 2)[-2] + "/" + r.url.rsplit("/", 1)[-1], r.kind) for r in found] == [
        ("css/base.css", "stylesheet"),
        ("css/print.css", "stylesheet"),
        ("fonts/x.woff2", "font"),
        ("fonts/x.woff", "font"),
        ("img/logo.svg", "image"),
        ("css/hero-2x.jpg", "image"),
        ("css/hero-1x.jpg", "image"),
    ]


def test_broken_css_does_not_stop_the_rest():
    refs = stylesheet_references("a { color: red; background: url(ok.png) } } } b { x: url(", "https://h/s.css")
    assert [ref.url for ref in refs] == ["https://h/ok.png"]


def test_style_attribute():
    refs = style_attribute_references("color: red; background-image: url( '/a b.png' )", "https://h/p/")
    assert [ref.url for ref in refs] == ["https://h/a b.png"]


def test_exclusions_built_in_and_per_source():
    patterns = compile_patterns([r"/uploads/ads/"])
    assert excluded("https://securepubads.g.doubleclick.net/tag/js/gpt.js", patterns)
    assert excluded("https://www.googletagmanager.com/gtag/js?id=G-1", patterns)
    assert excluded("https://news.example/wp-content/uploads/ads/banner.png", patterns)
    assert not excluded("https://news.example/wp-content/uploads/2024/07/photo.jpg", patterns)
    assert not excluded("https://cdn.example/lib.js", compile_patterns([], defaults=True))
    assert not excluded("https://www.google-analytics.com/analytics.js", compile_patterns([], defaults=False))


def test_largest_srcset_candidate_beside_src():
    html = '<img src="a.jpg" srcset="a-300.jpg 300w, a-1200.jpg 1200w, a-768.jpg 768w">'
    html += '<img srcset="b.jpg 1x, b2.jpg 2x">'
    found = urls(page_requisites(Selector(text=html), PAGE, srcset="largest"))
    assert found == [PAGE + "a.jpg", PAGE + "a-1200.jpg", PAGE + "b2.jpg"]
