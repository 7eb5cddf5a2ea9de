"""The body extractors we run, each behind one function: HTML text + URL in, plain text (paragraph per line) out."""

from __future__ import annotations

import logging
import warnings
from copy import deepcopy

import lxml.etree
import lxml.html
import readability.readability
import trafilatura
from lxml_html_clean import Cleaner
from readability import Document as ReadabilityDocument

with warnings.catch_warnings():
    # newspaper4k warns at import that NLTK is absent; we never use its NLP features.
    warnings.simplefilter("ignore")
    from newspaper import parsers as newspaper_parsers
    from newspaper.cleaners import DocumentCleaner
    from newspaper.configuration import Configuration
    from newspaper.extractors import ContentExtractor
    from newspaper.outputformatters import OutputFormatter

log = logging.getLogger(__name__)

# readability cleans every page with javascript=True, which walks every link and attribute of the page to drop
# "javascript:" URLs and on* handlers: a fifth of its time, for markup its text output never shows. Scripts and
# styles still go (scripts=True, style=True); the text it finds is the same.
readability.readability.html_cleaner = Cleaner(
    scripts=True,
    javascript=False,
    comments=True,
    style=True,
    links=True,
    meta=False,
    add_nofollow=False,
    page_structure=False,
    processing_instructions=True,
    embedded=False,
    frames=False,
    forms=False,
    annoying_tags=False,
    remove_tags=None,
    remove_unknown_tags=False,
    safe_attrs_only=False,
)
# trafilatura logs "discarding data" at WARNING for every page without a main text: for us that is an ordinary
# outcome (a listing, a stub), reported as NotAnArticle, not a warning for the operator.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("readability").setLevel(logging.WARNING)  # its INFO lines narrate its heuristics

_BLOCK_TAGS = (
    "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote pre table tr section article header footer figure figcaption "
    "dd dt dl br hr aside main"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split(" "))
# Languages whose newspaper4k tokenizer works without NLTK.
_NEWSPAPER_LANGUAGES = (
    "ar be bg da de el en es et fa fi fr he hi hr hu id it mk nb nl no pl pt ro ru sl sr sv sw tr uk vi"
)
_NEWSPAPER_LANGUAGES_WITHOUT_NLTK = frozenset(_NEWSPAPER_LANGUAGES.split(" "))


def trafilatura_text(html: str, url: str) -> str:
    """trafilatura's main text, tables kept, comments dropped.

    ``fast=True`` skips trafilatura's internal second opinion (its own readability/jusText pass): our ensemble
    asks readability anyway, and on the dev set the single pass scores as well and runs ~20% faster.
    """
    return _trafilatura(html, url, favor_recall=False)


def trafilatura_recall_text(html: str, url: str) -> str:
    """trafilatura's main text in its recall mode: the ``fast`` mode's only extractor.

    In its balanced mode trafilatura measures the whole page's text (a second cleaning pass over the tree) whenever
    the extraction is under 3,000 characters, as a news article often is, and then retries in recall mode. Asking
    for recall at once skips both: on the benchmark's generated pages the text is identical at 60% of the CPU, and
    on the dev set body F1 moves from 0.9727 to 0.9715, median 13.9 to 9.8 ms/page (``bench/extraction.py``).
    """
    return _trafilatura(html, url, favor_recall=True)


def _trafilatura(html: str, url: str, *, favor_recall: bool) -> str:
    text = trafilatura.extract(
        html,
        url=url or None,
        fast=True,
        favor_recall=favor_recall,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        with_metadata=False,
        output_format="txt",
    )
    return text or ""


def readability_text(html: str, url: str | None = None, root: lxml.html.HtmlElement | None = None) -> str:
    """readability-lxml's article node, rendered one block per line.

    No URL is given to readability on purpose: with one it rewrites every link absolute, a third of its time, for
    links the plain text does not show. Given the page's parsed ``root``, readability works on a copy of it (it
    edits the tree) instead of parsing the HTML again: half the cost, the same article on every dev-set page.
    """
    summary = ReadabilityDocument(html if root is None else deepcopy(root)).summary(html_partial=True)
    if not summary or not summary.strip():
        return ""
    return html_to_lines(lxml.html.fragment_fromstring(summary, create_parent="div"))


def newspaper_text(html: str, language: str | None) -> str:
    """newspaper4k's body only (no title, author, date or image passes; nothing downloaded)."""
    config = Configuration()
    config.fetch_images = False
    config.follow_meta_refresh = False
    config.memorize_articles = False
    # Some of newspaper's tokenizers (Korean, Chinese, Arabic...) need NLTK, which we do not ship: use English
    # stop words there; the candidate is then weak and loses the agreement vote rather than failing.
    config.language = language if language in _NEWSPAPER_LANGUAGES_WITHOUT_NLTK else "en"
    doc = newspaper_parsers.fromstring(html)
    if doc is None:
        return ""
    extractor = ContentExtractor(config)
    top = extractor.calculate_best_node(doc)
    if top is None:
        return ""
    node = DocumentCleaner(config).clean(extractor.top_node_complemented)
    text, _ = OutputFormatter(config).get_formatted(node)
    return text or ""


def html_to_lines(node: lxml.html.HtmlElement) -> str:
    """Text of ``node`` with a line break at every block boundary."""
    for element in node.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    try:
        text = node.text_content()
    except lxml.etree.LxmlError:
        return ""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
