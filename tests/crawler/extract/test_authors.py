"""Byline cleaning rules: one test per rule, on ``clean_authors`` and on whole pages through ``extract_metadata``."""

from __future__ import annotations

import pytest

from crawler.extract import clean_authors, extract_metadata, looks_like_name, parse_html
from tests.crawler.extract.pages import article_body, jsonld, meta, page

URL = "https://news.example.com/world/story-123/"


def authors(head: str = "", body: str = "") -> tuple[str, ...]:
    return extract_metadata(parse_html(page(head, body + article_body())), URL).authors


@pytest.mark.parametrize(
    "byline",
    [
        "View all posts by Jane Doe",
        "See all articles by Jane Doe",
        "Posts by Jane Doe",
        "More stories by Jane Doe",
        "Autor Jane Doe",
        "Autor: Jane Doe",
        "Auteur : Jane Doe",
        "Zeige alle Beiträge von Jane Doe",
        "Jane Doe Follow",
        "Follow Jane Doe",
    ],
)
def test_boilerplate_around_the_name_is_stripped(byline):
    assert clean_authors([byline]) == ("Jane Doe",)


def test_follow_alone_is_no_author():
    assert clean_authors(["Follow"]) == ()
    assert authors(body='<span class="byline">Follow</span>') == ()


def test_by_a_and_b_for_the_x_gives_a_and_b_without_the_organisation():
    assert clean_authors(["By Jane Doe and John Roe for The Example Times"]) == ("Jane Doe", "John Roe")
    assert clean_authors(["Jane Doe, special to the Example Post"]) == ("Jane Doe",)


def test_a_name_keeps_its_lower_case_words():
    assert clean_authors(["Ludwig van Beethoven"]) == ("Ludwig van Beethoven",)


def test_site_name_glued_to_the_name_is_cut():
    assert clean_authors(["Jane Doe. Example News"], organisations=["Example News"]) == ("Jane Doe",)
    assert clean_authors(["Jane Doe - Example News"], organisations=["Example News"]) == ("Jane Doe",)


def test_organisation_dropped_when_a_person_is_named():
    assert clean_authors(["Jane Doe | Example Advance Media"]) == ("Jane Doe",)
    head = meta("og:site_name", "Example News") + meta("author", "Jane Doe, Example News", attribute="name")
    assert authors(head) == ("Jane Doe",)


def test_organisation_kept_when_it_is_the_only_author():
    assert clean_authors(["Associated Press"]) == ("Associated Press",)
    assert authors(body='<div class="article-byline"><a class="author">Reuters</a></div>') == ("Reuters",)


def test_site_named_person_in_jsonld_gives_way_to_the_visible_byline():
    head = meta("og:site_name", "Example News") + jsonld(
        {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Example News"}}
    )
    body = '<p class="byline">By <a href="mailto:x@example.com">Jane Doe and John Roe</a><br><span>Monday</span></p>'
    assert authors(head, body) == ("Jane Doe", "John Roe")


def test_visible_byline_used_when_meta_and_jsonld_have_none():
    body = '<header><h1>Bridge reopens</h1><span class="author">Jane Doe and John A. Roe</span></header>'
    assert authors(body=body) == ("Jane Doe", "John A. Roe")


def test_visible_byline_leaves_out_its_dates():
    body = (
        '<div class="author_date">Jane Doe - <time datetime="2019-11-19">Nov 19, 2019, 10:31 pm</time></div>'
        '<ul class="article-author"><li class="date-published">2 min read</li></ul>'
    )
    assert authors(body=body) == ("Jane Doe",)


def test_visible_byline_skips_comments_and_related_stories():
    body = (
        '<div class="related-links"><span class="author">Ann Poe</span></div>'
        '<ol class="comment-list"><li><cite class="comment-author" itemprop="author">Karol</cite></li></ol>'
        '<p class="byline">By Jane Doe</p>'
    )
    assert authors(body=body) == ("Jane Doe",)


def test_multiple_authors_all_in_page_order():
    head = jsonld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "John Roe"}})
    body = '<p class="content__meta-byline">By Ann Poe, John Roe, Jane Doe</p>'
    assert authors(head, body) == ("Ann Poe", "John Roe", "Jane Doe")


def test_declared_authors_stay_when_the_byline_names_someone_else():
    head = meta("author", "Jane Doe", attribute="name")
    assert authors(head, '<p class="byline">By Ann Poe and John Roe</p>') == ("Jane Doe",)


@pytest.mark.parametrize("handle", ["jane-doe", "janedoe", "jane_doe", "JaneDoe"])
def test_user_handle_or_url_slug_gives_way_to_the_display_name(handle):
    head = jsonld({"@type": "BlogPosting", "author": {"@type": "Person", "name": handle}})
    body = '<span class="entry-author"><a rel="author" href="/author/jane-doe/">Jane Doe</a></span>'
    assert authors(head, body) == ("Jane Doe",)


def test_handle_kept_when_no_display_name_spells_it():
    head = jsonld({"@type": "BlogPosting", "author": {"@type": "Person", "name": "stevenh"}})
    assert authors(head, '<span class="author">Somebody Else</span>') == ("stevenh",)


def test_space_separated_itemprop_names_the_author():
    body = '<span itemprop="author creator" class="info">Text: Jane Doe</span><span class="nick">Guest</span>'
    assert authors(body=body) == ("Jane Doe",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Jane Doe", True), ("Share", False), ("2 min read", False), ("Ludwig van Beethoven", True), ("정덕현", True)],
)
def test_looks_like_name(text, expected):
    assert looks_like_name(text) is expected


def test_page_wide_layout_classes_do_not_hide_the_byline():
    html = page("", '<header class="content__header--no-promo"><p class="byline">By Jane Doe</p></header>')
    html = html.replace("<body>", '<body class="single sidebar-left">') + article_body()
    assert extract_metadata(parse_html(html), URL).authors == ("Jane Doe",)


def test_site_name_the_title_tag_adds_is_cut_from_a_byline():
    head = "<title>Bridge reopens - Example International</title>" + meta("og:title", "Bridge reopens")
    head += meta("author", "Jane Doe. Example International", attribute="name")
    assert authors(head) == ("Jane Doe",)


def test_an_agency_acronym_alone_is_an_author_and_a_credential_after_a_name_is_not():
    assert clean_authors(["AFP"]) == ("AFP",)
    assert clean_authors(["Jane Doe, MD"]) == ("Jane Doe",)


def test_a_lone_word_beside_full_names_is_an_affiliation():
    assert clean_authors(["Jane Doe, Futurism"]) == ("Jane Doe",)
    assert clean_authors(["Regan"]) == ("Regan",)  # alone, a single name stays
    assert clean_authors(["Jane Doe, 정덕현"]) == ("Jane Doe", "정덕현")  # no case: no telling, both stay


def test_a_label_on_its_own_line_names_the_next_line():
    body = '<div class="node-block--authors"><span class="label">Auteur:</span> <a href="/a">Anna Kubista</a></div>'
    assert authors(body=body) == ("Anna Kubista",)


def test_a_screen_reader_label_glued_to_the_name_is_left_out():
    body = (
        '<span class="byline"><span class="screen-reader-text">Author</span>'
        '<span class="author vcard"><a class="url fn n" href="/author/ak/">Andreas Kalt</a></span></span>'
    )
    assert authors(body=body) == ("Andreas Kalt",)


def test_a_byline_marked_as_a_comments_is_not_the_articles():
    body = '<span class="comment-author-link"><a href="https://spam.example">Flappy Bird</a></span>'
    assert authors(body=body + '<p class="byline">By Jane Doe</p>') == ("Jane Doe",)


def test_inline_parts_of_a_byline_stay_apart():
    body = '<p class="author"><span title="Post">Beitrag</span><span>von <strong>r23</strong></span> » 21.01.2009</p>'
    assert authors(body=body) == ("r23",)


@pytest.mark.parametrize("credit", ["Staff Writer", "Redaktion", "PETA-Team"])
def test_a_staff_credit_is_kept_when_it_is_the_whole_byline(credit):
    assert clean_authors([f"By {credit}"]) == (credit,)
    assert clean_authors([f"Jane Doe, {credit}"]) == ("Jane Doe",)


@pytest.mark.parametrize(
    ("language", "byline", "expected"),
    [
        ("de", "Jane Doe und John Roe", ("Jane Doe", "John Roe")),
        ("es", "Juan Pérez y Ana Gómez", ("Juan Pérez", "Ana Gómez")),
        ("it", "Marco Rossi e Anna Bianchi", ("Marco Rossi", "Anna Bianchi")),
        ("nl", "Jan Jansen en Piet de Vries", ("Jan Jansen", "Piet de Vries")),
        ("en", "Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("en", "Maria y Jose Quintana", ("Maria y Jose Quintana",)),  # "y" joins names in Spanish only
    ],
)
def test_names_split_on_the_conjunction_of_the_page_language(language, byline, expected):
    assert clean_authors([byline], language=language) == expected


def test_an_agency_credit_with_a_slash_stays_whole_and_two_full_names_split():
    assert clean_authors(["dpa/AP"]) == ("dpa/AP",)
    assert clean_authors(["AFP/The Local"]) == ("AFP/The Local",)
    assert clean_authors(["Jane Doe / John Roe"]) == ("Jane Doe", "John Roe")


def test_a_trailing_separator_goes_and_a_final_initial_keeps_its_stop():
    assert clean_authors(["von David ·"]) == ("David",)
    assert clean_authors(["Nicolas Gutierrez C."]) == ("Nicolas Gutierrez C.",)


@pytest.mark.parametrize("byline", ["Veröffentlicht von HansG", "Ein Interview von HansG", "Publié par HansG"])
def test_a_participle_before_the_by_word_is_stripped(byline):
    assert clean_authors([byline]) == ("HansG",)


def test_a_user_name_with_digits_is_a_name_and_a_count_is_not():
    assert looks_like_name("r23") and looks_like_name("freeman1984")
    assert not looks_like_name("2 Kommentare") and not looks_like_name("12:30")


def test_a_declared_site_name_gives_way_to_the_person_in_the_byline():
    head = meta("og:site_name", "Example News") + meta("author", "Example News", attribute="name")
    assert authors(head, '<div class="author-name">Jane Doe</div>') == ("Jane Doe",)


def test_a_byline_written_as_text_without_markup():
    assert authors(body="<div><p>Von Jane Doe</p></div>") == ("Jane Doe",)
    assert authors(body="<div><span>Par Jane Doe, 21 juin 2018</span></div>") == ("Jane Doe",)


def test_a_byline_word_alone_on_its_line_labels_the_next():
    assert authors(body='<div class="byline"><span>Von</span><br><a href="/a">Jane Doe</a></div>') == ("Jane Doe",)


def test_the_site_set_before_the_name_goes():
    assert clean_authors(["Example News - Jane Doe"], organisations=["Example News"]) == ("Jane Doe",)


@pytest.mark.parametrize(
    "byline",
    ["Text von Jane Doe Illustration von John Roe", "Jane Doe, Fotos von John Roe", "Jane Doe photos par John Roe"],
)
def test_whoever_illustrated_or_photographed_in_any_language_is_no_author(byline):
    assert clean_authors([byline]) == ("Jane Doe",)


def test_a_promoted_article_is_not_a_promotion_box():
    body = '<article class="node node--promoted"><div class="field--name-field-tag-author">Jane Doe</div></article>'
    assert authors(body=body) == ("Jane Doe",)


def test_a_byline_written_in_italics_below_the_text():
    assert authors(body="<p><i>von Jane Doe</i></p>") == ("Jane Doe",)


@pytest.mark.parametrize(
    ("tag", "classes"),
    [
        ("div", "one-sidebar"),
        ("div", "content_block right-sidebar"),
        ("article", "post type-post tag-newsletter category-comment"),
        ("div", "blog_post_preview"),
    ],
)
def test_layout_and_taxonomy_classes_around_the_byline_do_not_hide_it(tag, classes):
    byline = '<span class="byline"><span class="author vcard">Jane Doe</span></span>'
    assert authors(body=f'<{tag} class="{classes}">{byline}</{tag}>') == ("Jane Doe",)


def test_a_byline_in_a_real_sidebar_is_still_elsewhere():
    body = '<div class="sidebar"><span class="author">Ann Poe</span></div><p class="byline">By Jane Doe</p>'
    assert authors(body=body) == ("Jane Doe",)


def test_after_a_role_comes_the_affiliation_not_more_authors():
    byline = "Jane Doe, Senior Staff Technologist, Example Speech, Privacy, and Technology Project"
    assert clean_authors([byline]) == ("Jane Doe",)


@pytest.mark.parametrize(
    ("byline", "language"),
    [
        ("Jane Doe March 3, 2021", None),
        ("Jane Doe 12. März 2022", "de"),
        ("Jane Doe vor 5 Stunden", "de"),
        ("Jane Doe il y a 3 heures", "fr"),
        ("Jane Doe hace 2 días", "es"),
    ],
)
def test_a_date_glued_to_the_byline_goes_in_the_page_language(byline, language):
    assert clean_authors([byline], language=language) == ("Jane Doe",)


def test_a_drupal_submitted_line_is_a_byline():
    assert authors(body='<span class="submitted">Author: Jane Doe, Datum: 03.03.19</span>') == ("Jane Doe",)


def test_an_h1_marked_as_the_authors_vcard_is_the_logo_not_the_byline():
    body = (
        '<h1 class="vcard author"><a class="fn" href="/">Example Archive</a></h1>'
        '<h4 class="vcard author">vom <span class="fn">Krimiblogger</span></h4>'
    )
    assert authors(body=body) == ("Krimiblogger",)


def test_a_declared_author_spelling_the_sites_domain_gives_way_to_the_byline():
    head = meta("author", "Newsexampleo", attribute="name")  # the site at news.example.com, a little extended
    body = '<li class="submitted"><span>Author: <a href="/a/jd">Jane Doe</a>, Datum: 03.03.19</span></li>'
    assert authors(head, body) == ("Jane Doe",)


def test_a_declared_name_with_a_label_around_it_gives_way_to_the_shown_name():
    head = meta("author", "Example-Online-Expert Jane Doe", attribute="name")
    assert authors(head, '<a rel="author" href="/jane-doe">Jane Doe</a>') == ("Jane Doe",)


def test_an_e_mail_address_spelled_out_against_harvesters_is_no_name():
    assert clean_authors(["jdoe[at]example.net"]) == ()
    assert clean_authors(["jdoe (at) example.net"]) == ()


def test_a_byline_box_heading_is_no_name():
    assert clean_authors(["Autoreninfo"]) == ()
    assert clean_authors(["Alle Beiträge"]) == ()
    assert authors(body='<div class="author-box"><p>Author info</p></div>') == ()


def test_a_byline_label_element_names_the_text_after_it_up_to_the_next_field():
    body = "<p><strong>Autor:</strong> <a href='/tag/jane'>Jane Doe</a> Tags: Politik, Bahn, Verkehr</p>"
    assert extract_metadata(parse_html(page("", body + article_body(), lang="de")), URL).authors == ("Jane Doe",)


def test_a_labelled_byline_after_a_dash_and_a_date():
    body = "<p>05.02.2020 <span>- Redaktion: Jane Doe (Pressesprecherin des Verbands)</span></p>"
    assert extract_metadata(parse_html(page("", body + article_body(), lang="de")), URL).authors == ("Jane Doe",)


def test_an_agency_code_after_a_slash_is_not_part_of_the_writers_name():
    assert clean_authors(["Jane Doe/SP-X"]) == ("Jane Doe",)
    assert clean_authors(["Jane Doe/dpa"]) == ("Jane Doe",)
    assert clean_authors(["Jane Doe / John Roe"]) == ("Jane Doe", "John Roe")


def test_a_json_ld_user_handle_gives_way_to_the_display_name_of_the_meta_tag():
    head = jsonld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "jane.la.doe"}})
    head += meta("author", "Jane La Doe", attribute="name")
    assert authors(head) == ("Jane La Doe",)


def test_a_user_name_in_lower_case_in_the_byline_element_is_the_writer():
    body = '<div class="post-meta"><a class="author-name" rel="author">jdoe — 2. Februar 2022</a></div>'
    assert extract_metadata(parse_html(page("", body + article_body(), lang="de")), URL).authors == ("jdoe",)
