"""Metadata rules through ``extract_article``: JSON-LD (graph, lists), meta-only and bare pages, times, authors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from crawler.extract import extract_article
from tests.crawler.extract.pages import (
    KHAAMA_TITLE,
    KHAAMA_URL,
    PARAGRAPHS,
    article_body,
    jsonld,
    khaama_page,
    meta,
    page,
)

URL = "https://news.example.com/world/2024/03/story-123/"
KABUL = timezone(timedelta(hours=4, minutes=30))


def extract(head: str = "", body: str | None = None, url: str = URL, lang: str | None = "en", **kwargs):
    html = page(head, article_body() if body is None else body, lang=lang)
    return extract_article(html.encode("utf-8"), url, **kwargs)


def test_jsonld_graph_with_references():
    article = extract_article(khaama_page().encode(), KHAAMA_URL)
    assert article.url == KHAAMA_URL
    assert article.title == KHAAMA_TITLE
    assert article.authors == ("Khaama Press",)  # only the organisation is named: it stays
    assert article.published_at == datetime(2021, 3, 24, 10, 44, 12, tzinfo=KABUL)
    assert article.modified_at == datetime(2021, 3, 24, 10, 50, 3, tzinfo=KABUL)
    assert article.section == "World"
    assert article.tags == ("NATO", "Antony Blinken", "Afghanistan")
    assert article.language == "en"
    assert article.summary == "NATO allies will decide on the troops pullout together, Blinken said."
    assert article.image_url == "https://www.khaama.com/wp-content/uploads/2021/03/blinken.jpg"
    assert article.extractor == "default/4"


def test_jsonld_top_level_list_people_before_organisations():
    data = [
        {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": []},
        {
            "@context": "https://schema.org",
            "@type": ["ReportageNewsArticle"],
            "headline": "Floods close the northern highway",
            "author": [
                {"@type": "Person", "name": "By Jane Doe"},
                {"@type": "Organization", "name": "Example News"},
                {"@type": "Person", "name": "John Roe"},
            ],
            "datePublished": "2024-03-02T09:15:00Z",
            "keywords": "floods, roads, weather",
            "articleSection": "National",
            "image": [{"@type": "ImageObject", "url": "/img/floods.jpg"}],
            "inLanguage": "fr-CA",
        },
    ]
    article = extract(jsonld(data) + "<title>Floods close the northern highway | Example News</title>", lang=None)
    assert article.title == "Floods close the northern highway"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.published_at == datetime(2024, 3, 2, 9, 15, tzinfo=UTC)
    assert article.tags == ("floods", "roads", "weather")
    assert article.section == "National"
    assert article.image_url == "https://news.example.com/img/floods.jpg"
    assert article.language == "fr"


def test_meta_tags_only():
    head = "".join(
        [
            "<title>Budget vote delayed again - Example News</title>",
            meta("og:type", "article"),
            meta("og:title", "Budget vote delayed again"),
            meta("og:site_name", "Example News"),
            meta("og:description", "Parliament postponed the vote for a third time."),
            meta("og:image", "https://cdn.example.com/budget.jpg"),
            meta("article:published_time", "2024-03-02T09:15:00-05:00"),
            meta("article:modified_time", "2024-03-02T11:00:00-05:00"),
            meta("article:section", "Politics"),
            meta("article:tag", "Budget"),
            meta("article:tag", "Parliament"),
            meta("author", "By Jane Doe and John Roe", attribute="name"),
        ]
    )
    article = extract(head)
    assert article.title == "Budget vote delayed again"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.published_at == datetime(2024, 3, 2, 9, 15, tzinfo=timezone(timedelta(hours=-5)))
    assert article.modified_at == datetime(2024, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert article.section == "Politics"
    assert article.tags == ("Budget", "Parliament")
    assert article.summary == "Parliament postponed the vote for a third time."
    assert article.image_url == "https://cdn.example.com/budget.jpg"
    assert article.language == "en"


def test_no_metadata_at_all():
    article = extract("<title>Bridge reopens after repairs</title>", lang=None)
    assert article.title == "Bridge reopens after repairs"
    assert article.authors == ()
    assert article.published_at is None
    assert article.modified_at is None
    assert (article.section, article.tags, article.summary, article.image_url) == (None, (), None, None)
    assert article.language == "en"  # detected from the text
    assert article.url == URL
    assert article.body == "\n".join(PARAGRAPHS)


def test_language_detected_from_german_text():
    german = [
        "Die Regierung hat am Dienstag beschlossen, dass die neue Brücke über den Fluss noch in diesem Jahr "
        "gebaut wird, und die Bürger der Stadt sind mit der Entscheidung sehr zufrieden.",
        "Der Bürgermeister sagte, dass die Kosten für das Projekt nicht höher sein werden als geplant und dass "
        "die Arbeiten im Frühjahr beginnen sollen, wenn das Wetter besser ist.",
        "Auch die Opposition hat sich für den Bau ausgesprochen, obwohl sie die lange Planungszeit kritisiert "
        "und mehr Informationen für die Anwohner fordert, die von der Baustelle betroffen sind.",
    ]
    article = extract("<title>Neue Brücke</title>", article_body(german), lang=None)
    assert article.language == "de"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("د افغانستان د بهرنیو چارو وزارت ویلي چې د سولې خبرې به د راتلونکې اونۍ په پیل کې بیا پیل شي. " * 3, "ps"),
        ("وزارت امور خارجه افغانستان می گوید که گفتگوهای صلح در آغاز هفته آینده دوباره آغاز خواهد شد. " * 3, "fa"),
        ("قالت وزارة الخارجية إن محادثات السلام ستستأنف في بداية الأسبوع المقبل في العاصمة القطرية الدوحة. " * 3, "ar"),
    ],
)
def test_language_detected_in_arabic_script(text, language):
    assert extract("<title>x</title>", article_body([text * 2]), lang=None).language == language


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        ("2021-03-24T10:44:12+04:30", datetime(2021, 3, 24, 10, 44, 12, tzinfo=KABUL)),
        ("2021-03-24T06:14:12Z", datetime(2021, 3, 24, 6, 14, 12, tzinfo=UTC)),
        ("2021-03-24T06:14:12.000+0000", datetime(2021, 3, 24, 6, 14, 12, tzinfo=UTC)),
        ("Wed, 24 Mar 2021 06:14:12 GMT", datetime(2021, 3, 24, 6, 14, 12, tzinfo=UTC)),
        ("2021-03-24", date(2021, 3, 24)),
        # No zone stated: the day is known, the instant is not; a date, never an invented zone.
        ("2021-03-24T10:44:12", date(2021, 3, 24)),
        ("March 2021", None),
        ("not a date", None),
    ],
)
def test_published_time_forms(stated, expected):
    article = extract(meta("og:type", "article") + meta("article:published_time", stated))
    assert article.published_at == expected
    assert type(article.published_at) is type(expected)


def test_offset_is_kept_and_converts_to_the_right_utc_instant():
    article = extract(meta("article:published_time", "2021-03-24T01:30:00+04:30"))
    assert article.published_at.utcoffset() == timedelta(hours=4, minutes=30)
    assert article.published_at.astimezone(UTC) == datetime(2021, 3, 23, 21, 0, tzinfo=UTC)
    assert article.to_json()["published_at"] == "2021-03-24T01:30:00+04:30"
    assert article.date_precision == "second"


def test_date_only_stays_a_date_in_json():
    article = extract(jsonld({"@type": "NewsArticle", "headline": "X", "datePublished": "2021-03-24"}))
    assert article.to_json()["published_at"] == "2021-03-24"
    assert article.date_precision == "day"


def test_a_full_time_of_the_same_day_wins_over_a_bare_day():
    head = jsonld({"@type": "NewsArticle", "datePublished": "2021-03-24"}) + meta(
        "article:published_time", "2021-03-24T08:00:00+01:00"
    )
    assert extract(head).published_at == datetime(2021, 3, 24, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def test_jsonld_outranks_meta():
    head = meta("article:published_time", "2020-01-01T00:00:00Z") + jsonld(
        {"@type": "NewsArticle", "datePublished": "2021-03-24T06:14:12Z"}
    )
    assert extract(head).published_at == datetime(2021, 3, 24, 6, 14, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe", ("Jane Doe",)),
        ("Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Jane Doe, John Roe & Ann Poe", ("Jane Doe", "John Roe", "Ann Poe")),
        ("Jane Doe; Jane Doe", ("Jane Doe",)),
        ("Jane Doe, Example News", ("Jane Doe",)),  # the site's name goes when a person is named
        ("Example News", ("Example News",)),  # ... and stays when it is the only author
        ("Jane Doe, Staff Writer", ("Jane Doe",)),
        ("Sarah E. Needleman", ("Sarah E. Needleman",)),
        ("JANE DOE", ("Jane Doe",)),
        ("Jane Doe (https://twitter.com/janedoe)", ("Jane Doe",)),
        ("Written by Jane Doe, edited by John Roe", ("Jane Doe",)),
    ],
)
def test_author_lists(byline, expected):
    head = meta("og:site_name", "Example News") + meta("author", byline, attribute="name")
    assert extract(head).authors == expected


def test_meta_keywords_are_split_on_commas():
    head = meta("keywords", "floods, roads,weather", attribute="name")
    assert extract(head).tags == ("floods", "roads", "weather")


def test_a_person_in_meta_beats_an_organisation_in_jsonld():
    head = jsonld({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example News"}}) + meta(
        "author", "Jane Doe", attribute="name"
    )
    assert extract(head).authors == ("Jane Doe",)


def test_publisher_reference_names_the_site():
    head = jsonld(
        {
            "@graph": [
                {"@type": "NewsMediaOrganization", "@id": "#org", "name": "The Daily Planet"},
                {"@type": "NewsArticle", "publisher": {"@id": "#org"}, "author": {"name": "The Daily Planet"}},
            ]
        }
    ) + meta("author", "Clark Kent, The Daily Planet", attribute="name")
    article = extract(head + "<title>Bridge reopens | The Daily Planet</title>")
    assert article.title == "Bridge reopens"
    assert article.authors == ("Clark Kent",)


def test_author_profile_urls_are_not_names():
    head = meta("article:author", "https://www.facebook.com/janedoe") + meta("author", "Jane Doe", attribute="name")
    assert extract(head).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Bridge reopens after repairs | Example News", "Example News", "Bridge reopens after repairs"),
        ("Bridge reopens after repairs \u2013 Example News", "Example News", "Bridge reopens after repairs"),
        ("Example News - Bridge reopens after repairs", "Example News", "Bridge reopens after repairs"),
        ("Review: the bridge is fine", "Example News", "Review: the bridge is fine"),
        ("Bridge reopens after repairs - Example", None, "Bridge reopens after repairs"),  # the domain's name
    ],
)
def test_title_loses_the_site_name(title, site, expected):
    head = f"<title>{title}</title>" + (meta("og:site_name", site) if site else "")
    assert extract(head).title == expected


@pytest.mark.parametrize(
    ("fetched", "claims", "expected"),
    [
        (URL, '<link rel="canonical" href="https://www.example.com/story-123/">', "https://www.example.com/story-123/"),
        (URL, '<link rel="canonical" href="/story-123/">', "https://news.example.com/story-123/"),
        (URL, meta("og:url", "https://m.example.com/Story-123/"), "https://m.example.com/Story-123/"),
        # another site's claim (a syndication partner, a hijack) is ignored
        (URL, '<link rel="canonical" href="https://other.org/story-123/">', URL),
        (
            "https://Example.com:443/Story/?utm_source=x&b=2&fbclid=abc&a=1#comments",
            "",
            "https://example.com/Story/?a=1&b=2",
        ),
        (
            URL,
            '<link rel="canonical" href="https://example.com/a/?gclid=1&id=7&utm_medium=feed#top">',
            "https://example.com/a/?id=7",
        ),
        ("https://example.co.uk/x", '<link rel="canonical" href="https://other.co.uk/x">', "https://example.co.uk/x"),
    ],
)
def test_canonical_url_rules(fetched, claims, expected):
    assert extract(claims, url=fetched).url == expected


def test_fetched_url_is_evidence_for_the_date_when_the_page_says_nothing():
    article = extract("<title>Bridge</title>", url="https://example.com/2019/11/18/bridge-reopens/")
    assert article.published_at == date(2019, 11, 18)


def test_a_declared_title_nothing_else_repeats_loses():
    # Seen in the wild: a JSON-LD headline holding the page's description.
    head = jsonld({"@type": "Article", "headline": "Island country in the southwestern Pacific Ocean"})
    head += "<title>New Zealand - Example Encyclopedia</title>" + meta("og:site_name", "Example Encyclopedia")
    body = "<h1>New Zealand</h1>" + article_body()
    assert extract(head, body).title == "New Zealand"


def test_title_falls_back_to_the_title_tag_and_headings():
    assert extract("<title>Bridge reopens after repairs</title>").title == "Bridge reopens after repairs"
    assert extract("", "<h1>Bridge reopens after repairs</h1>" + article_body()).title == (
        "Bridge reopens after repairs"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Opinion | Bridge reopens after long repairs", "Bridge reopens after long repairs"),
        ("Example News \u2013 World \u2013 Bridge reopens after long repairs", "Bridge reopens after long repairs"),
        ("Bridge reopens after long repairs | World | Example News", "Bridge reopens after long repairs"),
        # a headline of its own before the <h1>: the visible headline is the title all the same
        (
            "Evolve: Shared Mutable History Of Everything — Bridge reopens after long repairs",
            "Bridge reopens after long repairs",
        ),
    ],
)
def test_title_loses_site_and_section_parts_around_the_h1(title, expected):
    head = meta("og:title", title) + meta("og:site_name", "Example News")
    assert extract(head, "<h1>Bridge reopens after long repairs</h1>" + article_body()).title == expected


def test_title_keeps_the_pages_own_typographic_quotes():
    head = meta("og:title", "'We had some issues,' exec says - Example News") + meta("og:site_name", "Example News")
    body = "<h1>\u2018We had some issues,\u2019 exec says</h1>" + article_body()
    assert extract(head, body).title == "\u2018We had some issues,\u2019 exec says"


def test_space_separated_meta_properties_each_count():
    head = meta("og:title twitter:title", "Bridge reopens after repairs") + "<title>Example News</title>"
    assert extract(head).title == "Bridge reopens after repairs"


def test_dublin_core_title_is_a_declaration():
    head = "<title>Example News</title>" + meta("dc.title", "Bridge reopens after repairs", attribute="name")
    assert extract(head).title == "Bridge reopens after repairs"


def test_the_title_tag_does_not_confirm_itself():
    # Nothing repeats either: the more trusted declaration (og:title) wins over the <title>.
    head = "<title>Title element</title>" + meta("og:title", "Bridge reopens after repairs")
    assert extract(head).title == "Bridge reopens after repairs"
