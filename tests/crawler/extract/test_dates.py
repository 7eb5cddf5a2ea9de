"""Publication day rules: declared published time first, then the day the page shows, then the URL's; the day/month
order of the page's language; a declared UTC time in the zone the page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from crawler.extract import extract_metadata, parse_html, parse_page_time, parse_shown_time, url_day
from tests.crawler.extract.pages import article_body, jsonld, meta, page

URL = "https://news.example.com/world/story-123/"


def published(head: str = "", body: str = "", url: str = URL, lang: str | None = "en"):
    return extract_metadata(parse_html(page(head, body + article_body(), lang=lang)), url).published_at


def test_url_date_used_when_nothing_else():
    assert published(url="https://news.example.com/2021/03/23/bridge-reopens/") == date(2021, 3, 23)
    assert published(url="https://news.example.com/story/2019-11-19/bridge") == date(2019, 11, 19)


def test_url_date_loses_to_a_declared_time():
    head = meta("article:published_time", "2021-03-22T10:00:00+01:00")
    assert published(head, url="https://news.example.com/2021/03/23/x/") == datetime(
        2021, 3, 22, 10, tzinfo=timezone(timedelta(hours=1))
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/2021/03/23/x", date(2021, 3, 23)),
        ("https://a.example/news/2021-3-5-x", date(2021, 3, 5)),
        ("https://a.example/2021/13/23/x", None),
        ("https://a.example/x?d=2021/03/23", None),  # the query is not the path
        ("https://a.example/id/20210323/x", None),
    ],
)
def test_url_day(url, expected):
    assert url_day(url) == expected


def test_published_preferred_over_modified():
    head = meta("article:modified_time", "2021-03-25T08:00:00Z") + meta(
        "article:published_time", "2021-03-24T08:00:00Z"
    )
    head += jsonld({"@type": "NewsArticle", "dateModified": "2021-03-26T08:00:00Z"})
    body = '<time class="updated" datetime="2021-03-27T08:00:00Z">27 March</time>'
    assert published(head, body) == datetime(2021, 3, 24, 8, tzinfo=UTC)


def test_a_shown_update_is_not_the_shown_publication_day():
    body = '<p class="post-date">Updated March 25, 2021</p><p class="post-date">March 20, 2021</p>'
    assert published(body=body) == date(2021, 3, 20)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("05/10/2018", "fr", date(2018, 10, 5)),
        ("05/10/2018", "de", date(2018, 10, 5)),
        ("05/10/2018", "en", date(2018, 5, 10)),
        ("25. September 2018", "de", date(2018, 9, 25)),
        ("22 de outubro de 2010", "pt", date(2010, 10, 22)),
        ("25. September", "de", None),  # no year: not a complete date
    ],
)
def test_day_month_order_decided_by_page_language(text, language, expected):
    assert parse_page_time(text, language) == expected


def test_page_language_orders_a_declared_numeric_date():
    assert published(meta("date", "05/10/2018", attribute="name"), lang="fr") == date(2018, 10, 5)
    assert published(meta("date", "05/10/2018", attribute="name"), lang="en") == date(2018, 5, 10)


def test_shown_day_used_when_nothing_is_declared():
    body = '<div class="meta-date">publiziert am 25. September 2018</div>'
    assert published(body=body, lang="de", url="https://a.example/2019/01/02/x") == date(2018, 9, 25)


def test_shown_time_skips_label_words_and_takes_the_declared_year():
    assert parse_shown_time("Posted Nov 18, 8:19 PM", "en", datetime(2019, 11, 19, 1, 19)) == datetime(
        2019, 11, 18, 20, 19
    )
    assert parse_shown_time("Share this story", "en", None) is None


def test_declared_utc_time_shown_in_the_publishers_zone():
    head = meta("article:published_time", "2019-11-19T07:03:25+00:00")
    body = '<div class="article-byline"><time datetime="2019-11-19T07:03:25+00:00">November 18, 2019 11:03 PM</time>'
    result = published(head, body + "</div>")
    assert result == datetime(2019, 11, 19, 7, 3, 25, tzinfo=UTC)  # the same instant
    assert result.utcoffset() == timedelta(hours=-8)
    assert result.date() == date(2019, 11, 18)  # the day its readers saw


def test_shown_update_time_gives_the_zone_of_the_published_time():
    head = meta("article:published_time", "2019-11-20T05:57:50Z") + meta(
        "article:modified_time", "2019-11-20T06:01:19Z"
    )
    body = '<span class="timestamp">Updated 10:01 pm PST, Tuesday, November 19, 2019</span>'
    assert published(head, body).isoformat() == "2019-11-19T21:57:50-08:00"


def test_a_shown_time_of_another_minute_leaves_the_zone_alone():
    head = meta("article:published_time", "2019-11-19T07:03:25+00:00")
    result = published(head, '<span class="date">November 18, 2019 11:41 PM</span>')
    assert result.utcoffset() == timedelta(0)


def test_a_declared_local_offset_is_kept():
    head = meta("article:published_time", "2019-11-18T23:03:25-08:00")
    result = published(head, '<span class="date">November 19, 2019 2:03 AM</span>')
    assert result.utcoffset() == timedelta(hours=-8)


def test_the_header_date_bar_does_not_set_the_zone():
    head = meta("article:published_time", "2019-11-19T07:03:25+00:00")
    result = published(head, '<div class="top-bar"><span class="date">Monday 18 November 2019 11:03 PM</span></div>')
    assert result.utcoffset() == timedelta(0)


def test_a_date_in_the_byline_block_is_the_shown_day():
    body = (
        '<p class="about"><span>Von</span> <span><a class="author-link" href="/author/jane-doe">Jane Doe</a></span>'
        " <span>publiziert am 25. September 2018</span></p>"
    )
    assert published(body=body, lang="de") == date(2018, 9, 25)


def test_a_byline_block_without_a_date_leaves_the_url_day():
    body = '<p class="about"><a class="author-link" href="/author/jane-doe">Jane Doe</a> <span>2 comments</span></p>'
    assert published(body=body, url="https://a.example/2019/01/02/x") == date(2019, 1, 2)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("05/10/2018", "fr", date(2018, 10, 5)),  # CLDR's "dd/MM/y": day first
        ("05/10/2018", "en", date(2018, 5, 10)),  # "M/d/yy": month first
        ("05.10.2018", "en", date(2018, 10, 5)),  # a dotted date is day first everywhere
        ("2018/10/05", "ja", date(2018, 10, 5)),
        ("05.02.2020 - Redaktion: Jane Doe", "de", date(2020, 2, 5)),
        ("Von Example Verband 4. 2. 2022.", "de", date(2022, 2, 4)),
        ("Jagd09.10.2021", "de", None),  # glued to a word: not a date of its own
    ],
)
def test_numeric_day_in_a_shown_text_follows_the_locale_date_order(text, language, expected):
    shown = parse_shown_time(text, language, None, labels=5)
    assert (shown.date() if shown else None) == expected


def test_numeric_shown_time_keeps_the_clock_for_the_zone():
    assert parse_shown_time("10/05/2022 05:22 pm", "es", None) == datetime(2022, 5, 10, 17, 22)


def test_a_day_only_in_the_text_is_read_by_htmldate_as_the_last_resort():
    body = "<div class='meta'><p>Geschrieben am 22. Januar 2022 in Allgemein</p></div>"
    assert published("<title>Bridge</title>", body, lang="de") == date(2022, 1, 22)


def test_a_year_found_alone_in_the_text_is_no_day():
    body = "<p>The society was established in 2010 and has grown since.</p>"
    assert published("<title>Bridge</title>", body) is None


def test_an_article_header_outside_article_keeps_its_date_for_htmldate():
    body = (
        "<header class='page-head'><h1>Bridge reopens</h1><p>Veröffentlicht 31.01.2022 in Sport</p></header>"
        "<header class='site'><p>Heute: 13.07.2024</p></header>"
    )
    assert published("<title>Bridge</title>", body, lang="de") == date(2022, 1, 31)


def test_a_day_and_a_clock_shown_apart_still_give_the_zone():
    head = meta("article:published_time", "2022-05-04T00:25:56Z")
    body = '<div class="meta"><span class="com-date">3 de mayo de 2022</span><span class="com-hour">21:25</span></div>'
    found = published(head, body, lang="es")
    assert found == datetime(2022, 5, 4, 0, 25, 56, tzinfo=UTC)
    assert found.utcoffset() == timedelta(hours=-3) and found.date() == date(2022, 5, 3)


@pytest.mark.parametrize(
    ("stated", "url", "offset", "day"),
    [
        ("2018-12-31T23:11:59+00:00", "https://blog.example.com/2019/01/01/new-year/", 1, date(2019, 1, 1)),
        ("2019-11-19T04:58:46Z", "https://news.example.com/2019/11/18/story/", -5, date(2019, 11, 18)),
    ],
)
def test_a_utc_time_near_midnight_takes_the_day_of_its_url(stated, url, offset, day):
    found = published(meta("article:published_time", stated), url=url)
    assert found == datetime.fromisoformat(stated.replace("Z", "+00:00"))  # the same instant
    assert found.utcoffset() == timedelta(hours=offset) and found.date() == day


def test_a_utc_time_far_from_the_url_day_keeps_its_zone():
    found = published(meta("article:published_time", "2019-11-19T12:00:00Z"), url="https://x.example/2019/11/17/a/")
    assert found.utcoffset() == timedelta(0)


def test_a_day_beside_the_headline_without_date_markup_is_the_shown_day():
    body = (
        "<h1>Bund drosselt Bioenergie</h1><p>17.02.2022 - Die Branche protestiert seit Wochen.</p>"
        "<p>Ein Gesetz vom 03.05.2019 regelt die Vergütung.</p>"
    )
    assert published("<title>Bioenergie</title>", body, lang="de") == date(2022, 2, 17)


def test_declarations_that_disagree_on_the_day_give_way_to_the_one_shown():
    head = jsonld({"@type": "NewsArticle", "datePublished": "2022-01-04T07:29:00Z"})
    head += meta("article:published_time", "2022-01-06T08:29:34+01:00")
    body = "<h1>Vanlife in Schweden</h1><div class='info'>06.01.2022</div>"
    assert published(head, body, lang="de") == datetime(2022, 1, 6, 8, 29, 34, tzinfo=timezone(timedelta(hours=1)))


def test_a_generic_date_meta_gives_way_to_the_day_shown():
    head = meta("date", "2020-04-30", attribute="name")
    body = "<h1>Mietenstreik</h1><p class='date'>29.04.2020, 12:01 Uhr</p>"
    assert published(head, body, lang="de") == date(2020, 4, 29)


def test_a_publication_stamped_with_the_modification_gives_way_to_an_earlier_day_shown():
    head = meta("article:published_time", "2022-11-17T10:33:13Z") + meta(
        "article:modified_time", "2022-11-17T10:32:18Z"
    )
    body = "<h1>Wärmepumpe im Altbau</h1><time class='hero-label' datetime='2022-03-09'>09.03.2022</time>"
    assert published(head, body, lang="de") == date(2022, 3, 9)


def test_a_post_scheduled_after_its_last_edit_keeps_its_declared_day():
    head = meta("article:published_time", "2022-12-25T11:00:02Z") + meta(
        "article:modified_time", "2022-12-07T09:10:52Z"
    )
    body = "<h1>Weihnachten</h1><p>Stand 07.12.2022</p>"
    assert published(head, body, lang="de") == datetime(2022, 12, 25, 11, 0, 2, tzinfo=UTC)


def test_the_site_header_date_bar_is_not_the_shown_day():
    body = (
        "<header><div class='navtop'><time>Mittwoch, 01. November 2023</time></div></header>"
        "<main><h1>Im Schlepptau</h1><p><span class='text_datum'>31. Oktober 2023.</span> Eine Kolumne.</p></main>"
    )
    assert published("<title>Im Schlepptau</title>", body, lang="de") == date(2023, 10, 31)


def test_a_date_of_an_embedded_post_is_not_the_articles():
    body = (
        "<article><h1>Fund</h1><blockquote class='instagram-media'><p>"
        "<time datetime='2019-04-21T23:47:18+00:00'>Apr 21, 2019</time></p></blockquote>"
        "<div class='field'><span class='date-display-single'>18.10.2019 16:06 Uhr</span></div></article>"
    )
    assert published("<title>Fund</title>", body, lang="de") == date(2019, 10, 18)


def test_a_theme_class_of_the_whole_body_is_no_header_bar():
    html = page(
        "<title>Beweise</title>",
        "<h1>Beweise vorgelegt</h1><div class='post-meta'><a class='post-date'>2. Februar 2022</a></div>"
        + article_body(),
        lang="de",
    ).replace("<body>", "<body class='theme has-top-bar'>")
    assert extract_metadata(parse_html(html), URL).published_at == date(2022, 2, 2)


def test_the_main_column_of_a_layout_with_a_sidebar_holds_the_shown_zone():
    head = meta("article:published_time", "2022-05-04T00:25:56Z")
    body = (
        "<div class='lay-sidebar'><div class='sidebar__main'><h1>Jugada</h1><span class='mod-date'>"
        "<time class='com-date'>3 de mayo de 2022</time><time class='com-hour'>21:25</time></span></div></div>"
    )
    assert published(head, body, lang="es").date() == date(2022, 5, 3)


def test_htmldate_reads_the_markup_before_the_oldest_date_of_the_text():
    body = (
        "<div><p>2021-10-16 | Botschaft</p><h2>Die Nacht</h2><ul><li><i class='fa'></i>16.06.2016</li>"
        "<li><i class='fa'></i>27.09.2016</li></ul></div>"
    )
    assert published("<title>Die Nacht</title>", body, lang="de") == date(2021, 10, 16)


def test_the_day_beside_the_h1_holding_the_title_not_beside_the_logos():
    body = (
        "<div><h1>Customs</h1><p>Since 1.1.2001 at your service</p></div>"
        "<div class='stage'><h1>Notices</h1></div>"
        "<div><h1>Tobacco tax act announced</h1><p>Date:</p><p>10/18/2021</p><p>The act of 17 August 2021.</p></div>"
    )
    assert published("<title>Customs - Notices - Tobacco tax act announced</title>", body) == date(2021, 10, 18)
