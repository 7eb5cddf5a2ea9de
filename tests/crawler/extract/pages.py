"""Small hand-written pages for the extraction tests (no page of the evaluation sets)."""

from __future__ import annotations

import json
from typing import Any

PARAGRAPHS = [
    "The foreign ministers of the alliance met on Tuesday in Brussels to discuss the future of the mission, "
    "which has lasted for almost two decades and cost thousands of lives.",
    "The secretary of state said that the allies would take the decision together and that no member would "
    "leave the others behind, adding that consultations would continue over the coming weeks.",
    "Officials in Kabul welcomed the statement, saying that a responsible withdrawal had to be linked to "
    "progress in the peace talks and to a reduction of violence across the provinces.",
    "Analysts warned that the timeline remained uncertain and that the security situation could deteriorate "
    "quickly if the forces left before a political settlement had been reached by the parties.",
]

KHAAMA_URL = "https://www.khaama.com/nato-us-to-decide-troops-pullout-as-an-alliance-blinken-54353566/"
SITE = "Khaama Press"
KHAAMA_TITLE = "NATO, US to decide troops pullout as an alliance: Blinken"


def page(head: str = "", body: str = "", lang: str | None = "en") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return f'<!DOCTYPE html><html{lang_attr}><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def article_body(paragraphs: list[str] = PARAGRAPHS) -> str:
    return "<article>" + "".join(f"<p>{text}</p>" for text in paragraphs) + "</article>"


def jsonld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def meta(prop: str, content: str, attribute: str = "property") -> str:
    return f'<meta {attribute}="{prop}" content="{content}">'


def khaama_page(*, structured: bool = True) -> str:
    """A tagDiv "Newspaper" theme WordPress article page with the theme's boilerplate around the text."""
    head = [
        f"<title>{KHAAMA_TITLE} - Khaama Press</title>",
        f'<link rel="canonical" href="{KHAAMA_URL}">',
        meta("og:locale", "en_US"),
        meta("og:site_name", "Khaama Press"),
    ]
    if structured:
        head += [
            meta("og:type", "article"),
            meta("og:title", f"{KHAAMA_TITLE} - Khaama Press"),
            meta("og:description", "NATO allies will decide on the troops pullout together, Blinken said."),
            meta("og:image", "/wp-content/uploads/2021/03/blinken.jpg"),
            meta("article:section", "World"),
            meta("article:published_time", "2021-03-24T06:14:12+00:00"),
            meta("article:modified_time", "2021-03-24T06:20:03+00:00"),
            jsonld(
                {
                    "@context": "https://schema.org",
                    "@graph": [
                        {
                            "@type": "Organization",
                            "@id": "https://www.khaama.com/#organization",
                            "name": "Khaama Press",
                        },
                        {"@type": "WebSite", "@id": "https://www.khaama.com/#website", "name": SITE},
                        {"@type": "WebPage", "@id": KHAAMA_URL + "#webpage", "name": KHAAMA_TITLE},
                        {
                            "@type": "NewsArticle",
                            "@id": KHAAMA_URL + "#article",
                            "headline": KHAAMA_TITLE,
                            "datePublished": "2021-03-24T10:44:12+04:30",
                            "dateModified": "2021-03-24T10:50:03+04:30",
                            "author": {"@id": "https://www.khaama.com/#/schema/person/1"},
                            "publisher": {"@id": "https://www.khaama.com/#organization"},
                            "articleSection": ["World"],
                            "keywords": ["NATO", "Antony Blinken", "Afghanistan"],
                            "inLanguage": "en-US",
                        },
                        {"@type": "Person", "@id": "https://www.khaama.com/#/schema/person/1", "name": "Khaama Press"},
                    ],
                }
            ),
        ]
    content = []
    for index, text in enumerate(PARAGRAPHS):
        content.append(f"<p>{text}</p>")
        if index == 1:
            content.append(
                '<div class="td-a-rec td-a-rec-id-content_inline"><span class="td-adspot-title">- Advertisement -'
                '</span><div class="ad"><a href="https://ads.example/"><img src="/ad.png" alt=""></a></div></div>'
            )
    body = f"""
<div class="td-header-top-menu"><div class="td_data_time">Saturday, July 13, 2024</div>
  <ul class="top-header-menu"><li><a href="/about-us/">About Us</a></li>
  <li><a href="/contact-us/">Contact</a></li></ul></div>
<div class="td-header-menu-wrap"><ul id="menu-main"><li><a href="/category/afghanistan/">Afghanistan</a></li>
  <li><a href="/category/world/">World</a></li><li><a href="/category/opinion/">Opinion</a></li></ul></div>
<div class="td-main-content-wrap"><div class="td-ss-main-content">
<article id="post-54353566" class="post type-post status-publish">
 <div class="td-post-header">
  <ul class="td-category"><li class="entry-category"><a href="/category/world/">World</a></li></ul>
  <header class="td-post-title"><h1 class="entry-title">{KHAAMA_TITLE}</h1>
   <div class="td-module-meta-info"><div class="td-post-author-name"><div class="td-author-by">By</div>
    <a href="/author/khaama/">Khaama Press</a><div class="td-author-line"> - </div></div>
    <span class="td-post-date"><time class="entry-date updated td-module-date"
     datetime="2021-03-24T10:44:12+04:30">March 24, 2021</time></span></div></header></div>
 <div class="td-post-sharing-top"><a href="https://www.facebook.com/sharer.php">Facebook</a>
  <a href="https://twitter.com/intent/tweet">Twitter</a><a href="https://pinterest.com/pin/create">Pinterest</a>
  <a href="https://api.whatsapp.com/send">WhatsApp</a></div>
 <div class="td-post-content tagdiv-type">{"".join(content)}</div>
 <footer>
  <div class="td-post-source-tags"><ul class="td-tags"><li><span>TAGS</span></li>
   <li><a href="/tag/nato/">NATO</a></li><li><a href="/tag/blinken/">Antony Blinken</a></li></ul></div>
  <div class="td-post-sharing-bottom"><a href="https://www.facebook.com/sharer.php">Facebook</a>
   <a href="https://twitter.com/intent/tweet">Twitter</a></div>
  <div class="td-author-name vcard author"><a href="/author/khaama/">Khaama Press</a></div>
  <div class="td-author-description">Khaama Press is a Kabul-based independent and non-political news organization
   established in 2010.</div>
 </footer>
 <div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title"><a href="#">More articles</a></h4>
  <div class="td_module_related_posts"><h3 class="entry-title"><a href="/taliban-talks-resume-5435/">Taliban
   talks resume in Doha after a two-week pause</a></h3></div>
  <div class="td_module_related_posts"><h3 class="entry-title"><a href="/kabul-power-cut-5436/">Kabul hit by
   power cuts as pylons are attacked again</a></h3></div></div>
 <div class="comments" id="comments"><div id="respond" class="comment-respond">
  <h3 id="reply-title" class="comment-reply-title">LEAVE A REPLY</h3>
  <form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
   <div class="comment-form-input-wrap td-form-comment"><textarea placeholder="Comment:" name="comment"></textarea>
    <div class="td-warning-comment">Please enter your comment!</div></div>
   <div class="comment-form-input-wrap td-form-author"><input name="author" placeholder="Name:*" type="text">
    <div class="td-warning-author">Please enter your name here</div></div>
   <div class="comment-form-input-wrap td-form-email"><input name="email" placeholder="Email:*" type="text">
    <div class="td-warning-email-error">You have entered an incorrect email address!</div>
    <div class="td-warning-email">Please enter your email address here</div></div>
   <p class="comment-form-cookies-consent"><input type="checkbox">
    <label>Save my name, email, and website in this browser for the next time I comment.</label></p>
   <div class="gglcptch gglcptch_v2"><div class="gglcptch_recaptcha"></div>
    <div class="gglcptch_error_text">The reCAPTCHA verification period has expired. Please reload the page.</div>
    <noscript><div>Please enable JavaScript to use reCAPTCHA.</div></noscript></div>
   <p class="form-submit"><input name="submit" type="submit" value="Post Comment"></p>
  </form></div></div>
</article></div>
<div class="td-ss-main-sidebar"><h4>Popular</h4><ul>
 <li><a href="/a-1/">Ten things to know about the peace process</a></li>
 <li><a href="/a-2/">Women return to university classes in Herat</a></li></ul></div></div>
<div class="td-footer-wrapper"><p>&copy; Khaama Press. All rights reserved.</p></div>
"""
    return page("".join(head), body, lang="en-US")
