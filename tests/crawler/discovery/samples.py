"""Sample discovery documents as publishers serve them (WordPress core, Yoast, Google News, the REST API)."""

from __future__ import annotations

import gzip
import json

SITE = "https://www.example-news.test/"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example News</title>
  <link>https://www.example-news.test</link>
  <generator>https://wordpress.org/?v=6.5.5</generator>
  <item>
    <title>Talks resume in Doha over prisoner exchange</title>
    <link>https://www.example-news.test/talks-resume-in-doha-over-prisoner-exchange-54360001/</link>
    <pubDate>Sat, 13 Jul 2024 09:30:00 +0430</pubDate>
  </item>
  <item>
    <title>Floods hit northern provinces</title>
    <link>https://www.example-news.test/floods-hit-northern-provinces-54360002/</link>
    <pubDate>Fri, 12 Jul 2024 18:00:00 +0000</pubDate>
  </item>
  <item><title>No link</title></item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Atom</title>
  <id>urn:example</id>
  <updated>2024-07-13T10:00:00Z</updated>
  <entry>
    <title>Relative link entry</title>
    <link rel="alternate" href="/2024/07/13/relative-link-entry/"/>
    <id>urn:1</id>
    <published>2024-07-13T08:00:00+02:00</published>
    <updated>2024-07-13T10:00:00Z</updated>
  </entry>
</feed>
"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.example-news.test/post-sitemap.xml</loc><lastmod>2024-07-13T10:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>https://www.example-news.test/post-sitemap2.xml.gz</loc></sitemap>
  <sitemap><loc>https://www.example-news.test/page-sitemap.xml</loc></sitemap>
  <sitemap><loc>https://www.example-news.test/category-sitemap.xml</loc></sitemap>
  <sitemap><loc>https://www.example-news.test/author-sitemap.xml</loc></sitemap>
</sitemapindex>
"""

SELF_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.example-news.test/sitemap_index.xml</loc></sitemap>
  <sitemap><loc>https://www.example-news.test/post-sitemap.xml</loc></sitemap>
</sitemapindex>
"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://www.example-news.test/talks-resume-in-doha-over-prisoner-exchange-54360001/</loc>
    <lastmod>2024-07-13T11:15:00+04:30</lastmod>
    <image:image><image:loc>https://www.example-news.test/wp-content/uploads/doha.jpg</image:loc></image:image>
  </url>
  <url>
    <loc>https://www.example-news.test/older-story-from-last-year-54300000/</loc>
    <lastmod>2023-05-02</lastmod>
  </url>
  <url><lastmod>2023-05-02</lastmod></url>
</urlset>
"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://www.example-news.test/breaking-news-story-here-54360003/</loc>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-07-13T12:00:00+04:30</news:publication_date>
      <news:title>Breaking news story here</news:title>
    </news:news>
  </url>
</urlset>
"""

GZIP_URLSET = gzip.compress(URLSET)

ROBOTS = b"""User-agent: *
Disallow: /wp-admin/
Allow: /wp-admin/admin-ajax.php

Sitemap: https://www.example-news.test/sitemap_index.xml
sitemap: /news-sitemap.xml   # relative, lower case
"""

WP_POSTS = json.dumps(
    [
        {
            "id": 54360001,
            "link": "https://www.example-news.test/talks-resume-in-doha-over-prisoner-exchange-54360001/",
            "date_gmt": "2024-07-13T05:00:00",
            "modified_gmt": "2024-07-13T06:45:00",
        },
        {
            "id": 54360004,
            "link": "https://www.example-news.test/api-only-story-about-trade-54360004/",
            "date_gmt": "2024-07-13T07:00:00",
            "modified_gmt": None,
        },
        {"id": 1},
    ]
).encode()

LISTING = b"""<!doctype html><html><head><title>Afghanistan - Example News</title>
<link rel="next" href="https://www.example-news.test/category/afghanistan/page/2/"></head>
<body>
<a href="/">Home</a>
<a href="/category/afghanistan/">Afghanistan</a>
<a href="/author/staff/">Staff</a>
<a href="/talks-resume-in-doha-over-prisoner-exchange-54360001/#comments">Talks resume</a>
<a href="https://www.example-news.test/floods-hit-northern-provinces-54360002/">Floods</a>
<a href="https://example-news.test/2024/07/12/markets/">Markets</a>
<a href="https://other-site.test/some-long-article-slug-here-1234567/">Elsewhere</a>
<a href="/wp-content/uploads/2024/07/photo-of-the-day.jpg">Photo</a>
<a href="/feed/">RSS</a>
<a href="/about-us/">About</a>
<a href="/category/afghanistan/page/3/">3</a>
<a href="mailto:desk@example-news.test">Mail</a>
</body></html>
"""
