"""Title rules: the visible headline against the declarations, one test per class of page."""

from __future__ import annotations

from crawler.extract import extract_metadata, parse_html
from tests.crawler.extract.pages import article_body, jsonld, meta, page

URL = "https://blog.example.com/2019/10/21/bridge-reopens/"


def title(head: str = "", body: str = "", url: str = URL) -> str | None:
    return extract_metadata(parse_html(page(head, body + article_body())), url).title


def test_visible_headline_wins_over_an_seo_wording_that_speaks_of_it():
    head = meta("og:title", "Oven-baked Italian Olive &amp; Herb Focaccia Bread") + "<title>Focaccia | Example</title>"
    assert title(head, "<h1>Olive &amp; Herb Focaccia Bread</h1>") == "Olive & Herb Focaccia Bread"


def test_visible_headline_unrelated_to_every_declaration_loses():
    head = meta("og:title", "Bridge reopens after long repairs")
    assert title(head, "<h1>Latest news from the valley</h1>") == "Bridge reopens after long repairs"


def test_a_short_section_heading_is_not_the_headline():
    head = "<title>Bridge reopens after repairs - Valley Update News</title>"
    assert title(head, "<h1>Valley News</h1>") == "Bridge reopens after repairs - Valley Update News"


def test_a_short_heading_marked_as_the_entry_title_is_the_headline():
    head = "<title>Blockhaus Typ 3 in Ludorf. Ferienhäuser an der Müritz | Example</title>"
    assert title(head, '<h1 class="entry-title">Blockhaus 3</h1>') == "Blockhaus 3"


def test_site_logo_in_an_h1_gives_way_to_the_entry_title():
    head = "<title>Four Years » Blog Archive » Bridge reopens after repairs</title>"
    body = (
        '<h1><a href="https://blog.example.com/">Four Years</a></h1>'
        f'<h2><a href="{URL}" rel="bookmark">Bridge reopens after repairs</a></h2>'
    )
    assert title(head, body) == "Bridge reopens after repairs"


def test_site_title_h1_by_its_class_is_not_the_headline():
    head = meta("og:title", "Paris Haute Couture: a review")
    body = '<h1 id="site-title"><span>modabot</span></h1><h1 class="entry-title">Paris Haute Couture: a review</h1>'
    assert title(head, body) == "Paris Haute Couture: a review"


def test_kicker_inside_the_headline_is_left_out():
    head = meta("og:title", "Corona-Pandemie - Bridge reopens after long repairs")
    body = '<h1><span class="roofline">Corona-Pandemie</span> Bridge reopens after long repairs</h1>'
    assert title(head, body) == "Bridge reopens after long repairs"


def test_hidden_text_and_a_subtitle_inside_the_headline_are_left_out():
    head = meta("og:title", "Bridge reopens after long repairs | Example")
    body = (
        '<h1 class="title">Bridge reopens after long repairs<span class="element-invisible"> | EXAMPLE.NET</span>'
        '<small class="subtitle">The valley can breathe again</small></h1>'
    )
    assert title(head, body) == "Bridge reopens after long repairs"


def test_a_hidden_h1_is_not_the_headline():
    head = meta("og:title", "Bridge reopens after long repairs")
    body = '<h1 class="visuallyhidden">Example Portal</h1><h1>Bridge reopens after long repairs</h1>'
    assert title(head, body) == "Bridge reopens after long repairs"


def test_a_quote_set_before_the_declared_headline_is_left_out():
    head = meta("og:title", "Jane Doe is the new president | Example")
    assert (
        title(head, "<h1>\u201cMove on\u201d / Jane Doe is the new president</h1>") == "Jane Doe is the new president"
    )


def test_html_entities_in_a_jsonld_headline_are_text():
    head = jsonld({"@type": "Article", "headline": "Olive &#038; Herb Focaccia &#8211; easy"})
    head += "<title>Olive &amp; Herb Focaccia \u2013 easy | Example</title>"
    assert title(head) == "Olive & Herb Focaccia \u2013 easy"


def test_a_declaration_cut_at_an_inner_quote_gives_way_to_the_whole_title():
    head = '<meta property="og:title" content="Senator calls the president "unfit"">'
    head += '<title>Senator calls the president "unfit"</title>'
    assert title(head) == 'Senator calls the president "unfit"'


def test_the_title_is_in_composed_unicode():
    decomposed = "Cafe\u0301 reopens after long repairs"
    assert title(meta("og:title", decomposed)) == "Caf\u00e9 reopens after long repairs"


def test_ornaments_before_a_heading_are_left_out():
    assert title("<title>Jane Doe - Example</title>", "<h2>[&gt; Jane Doe</h2>") == "Jane Doe"


def test_a_declaration_restating_kicker_and_headline_confirms_the_headline_without_its_kicker():
    head = "<title>Initiative Energy - free power check | Example</title>"
    body = '<h1><span class="h1small">Initiative Energy</span> Free power check for private homes</h1>'
    assert title(head, body) == "Free power check for private homes"


def test_without_an_h1_a_confirmed_h2_is_the_headline():
    head = meta("og:title", "The historic somersault (2021/5)")
    assert title(head, "<header><h2>The historic somersault</h2></header>") == "The historic somersault"


def test_an_inflected_word_still_confirms_a_short_headline():
    assert title(meta("og:title", "Nachhaltiger leben"), "<h1>Nachhaltig leben</h1>") == "Nachhaltig leben"


def test_the_heading_a_title_names_exactly_wins_over_a_section_heading_it_names_in_part():
    head = "<title>Customs online - Notices - Tobacco tax act announced</title>"
    body = '<h1 class="entry-title">Notices</h1><h1>Tobacco tax act announced</h1>'
    assert title(head, body) == "Tobacco tax act announced"


def test_a_bare_title_tag_loses_to_a_heading_marked_as_the_entrys_title():
    assert title("<title>Home</title>", '<h1 class="entry-title">Time to say goodbye.</h1>') == "Time to say goodbye."


def test_a_marked_heading_that_promotes_the_site_is_not_the_headline():
    head = "<title>Remembrance day: stones laid in the old town</title>"
    body = '<h1 class="entry-title">Support Example Blog today!</h1>'
    assert title(head, body) == "Remembrance day: stones laid in the old town"
