"""Browser captures: pages rendered in headless Chromium, their traffic recorded, their screenshot and DOM kept.

``renderer.PageRenderer`` decides and limits, ``browser.BrowserHost`` / ``chromium.ChromiumProcess`` own the
browser, ``page.render_page`` renders one page, ``fetcher.BrowserFetcher`` sends the browser's requests through the
crawl's downloader, ``resources`` turns a capture into WARC records. Playwright (the ``render`` extra) is imported
only when a page is rendered.
"""
