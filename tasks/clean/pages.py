"""pages: one HTML page into article text and metadata, the part of the clean stage that may be slow.

trafilatura (comments off, precision favoured, metadata kept, and ``fast``: its own extractor without
the readability/jusText comparison, which on the benchmark's dev pages is both more precise, 0.980
vs 0.968, and 40% quicker); when that gives too little, trafilatura's full pass (with that comparison)
favouring precision and favouring recall, the longer kept; when the guards (tasks.clean.guards) doubt
the first pass (a list of teasers, a small share of the main block), the other pass; when its text is a
small part of what the page shows, trafilatura's balanced full pass where that extends the story with
text about the page's subject; then our chrome filter.  docs/cleaning.md
lists every rule and the pattern it handles.  The title, author and date get our
own checks on top of trafilatura's metadata.

This module imports neither Prefect nor the storage layer, so the clean stage's page worker (a
child process that bounds each page's time, ``newsloom.isolation``) starts in a third of a second.
"""
from __future__ import annotations

import html as htmllib
import json
import re

from newsloom.domains import url_host
from newsloom.lang import all_packs
from tasks.clean import boilerplate
from tasks.clean.dates import date_from_meta, is_whole_dateline, parse_local
from tasks.clean.encoding import with_repaired_encoding
from tasks.clean.guards import (
    RECALL_PART,
    better_of,
    count_words,
    fuller_of,
    guard_reason,
    recalled_of,
    shown_words,
    shows_more_words,
)
from tasks.clean.labels import byline_name, label_patterns
from tasks.clean.markup import fragment_text, parse_page
from tasks.clean.ranker import ranked_metadata


class Rejected(Exception):
    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail

    def __reduce__(self):  # pickled whole across the page worker's pipe
        return (Rejected, (self.reason, self.detail))



def normalise_paragraphs(paragraphs: list[str]) -> str:
    """Collapse whitespace inside paragraphs and join them with one blank line."""
    out = []
    for p in paragraphs:
        p = re.sub(r"[ \t\u00a0]+", " ", p).strip()
        if p:
            out.append(p)
    return "\n\n".join(out)


# ---- HTML ----------------------------------------------------------------------------------------------
def _trafilatura(html: str, url: str | None, fast: bool = True, with_metadata: bool = True, **options):
    import trafilatura

    return trafilatura.bare_extraction(
        html, url=url, with_metadata=with_metadata, include_comments=False, include_tables=True, fast=fast,
        date_extraction_params={"original_date": True, "extensive_search": True,
                                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}, **options,
    )


def passes_of(html: str, url: str | None):
    """trafilatura on one page, each configuration run at most once however many rules ask for it.
    trafilatura reads a page's metadata before, and apart from, its text, with the same date settings in every
    pass: once a pass has returned a document, later passes extract the text alone and take every field they
    leave empty (title, author, date, site ...) from it (on the 919 pages of the shared sets, the same pages
    out to the byte, 7% faster)."""
    done: dict[tuple, object] = {}
    first: list = []  # the first document a pass returned

    def run(fast: bool = True, **options):
        key = (fast, *sorted(options.items()))
        if key not in done:
            doc = _trafilatura(html, url, fast, with_metadata=not first, **options)
            if doc is not None and first:
                _fill_empty_fields(doc, first[0])
            elif doc is not None:
                first.append(doc)
            done[key] = doc
        return done[key]
    return run


def _fill_empty_fields(doc, source) -> None:
    for field in type(doc).__slots__:
        if getattr(doc, field, None) is None:
            setattr(doc, field, getattr(source, field, None))


def extracted(html: str, url: str | None, tree, min_words: int):
    """trafilatura's precise pass, or another pass where the guards (tasks.clean.guards) doubt it."""
    run = passes_of(html, url)
    doc = run(favor_precision=True)
    if doc is None or count_words(doc.text or "") < max(min_words, 50):
        # the fallback: trafilatura's full pass, which compares its result with readability-lxml's and
        # jusText's, once favouring precision and once recall; the longer text wins
        for second in (run(fast=False, favor_precision=True), run(fast=False, favor_recall=True)):
            if second is not None and count_words(second.text or "") > count_words((doc.text if doc else "") or ""):
                doc = second
    elif (reason := guard_reason(doc.text, html, tree)) is not None:
        doc = better_of(doc, run(fast=False, favor_recall=True), html, reason)
    shown = shown_words(tree)
    if doc is not None and shows_more_words(doc.text or "", shown):
        doc = fuller_of(doc, run(fast=False), html)
    if doc is not None and shows_more_words(doc.text or "", shown, RECALL_PART):
        doc = recalled_of(doc, run(fast=False, favor_recall=True), html)
    return doc


def clean_html_page(html: str, url: str | None = None, min_words: int = 20, rank: bool = True) -> dict:
    """An HTML page into text and metadata (trafilatura, a recall pass when it finds too little or when the
    guards doubt the first pass, our filter).  With ``rank``, the metadata ranker (tasks.clean.ranker)
    chooses the title, the author and the date among every candidate the page offers, ours included."""
    try:
        tree = parse_page(html)  # one parse for the guards and the ranker
        doc = extracted(html, url, tree, min_words)
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Rejected("parse_error", f"{type(exc).__name__}: {exc}") from None
    if doc is None or not (doc.text or "").strip():
        raise Rejected("empty_text", "no article text found in the page")
    text = boilerplate.strip_residue(doc.text)
    paragraphs = boilerplate.without_repeated_runs(
        [p for p in text.split("\n") if p.strip() and not boilerplate.is_chrome(p)])
    published = parse_local(doc.date)
    declared = date_from_meta(html)
    if declared is not None:
        # the publication time the page declares (schema.org datePublished first, else article:published_time
        # and the like) wins over htmldate's guess: it carries the time of day, and htmldate's "original date"
        # can be a hidden first-published stamp of an old article or an update time of a live page
        published = declared
    site = doc.sitename or doc.hostname or None
    h1 = first_h1(html)
    title = prefer_headline(strip_site_suffix(doc.title or None, site, doc.url or url), h1)
    page = {
        "title": agreed_headline(html, h1, site, doc.url or url) or title,
        "author": normalise_author(doc.author or None) or ld_author(html),
        "site": site,
        "url": doc.url or url,
        "published_at": published,
        "date_source": "metadata" if published else None,
        "text": normalise_paragraphs(paragraphs),
    }
    if not rank:
        return with_repaired_encoding(page)
    page = with_repaired_encoding(ranked_metadata(html, doc.url or url, page, tree))
    return {**page, "text": without_repeated_top(page["text"], page.get("title"))}


TOP_PARAGRAPHS = 3  # the headline, a byline and a dateline sit in the text's first paragraphs, if at all


def without_repeated_top(text: str, title: str | None) -> str:
    """The text without what the metadata already holds at its top: the headline repeated as its first
    paragraph, and a paragraph that is only a byline ("By Ana Ruiz") or only a dateline ("March 2, 2026").
    The text is never emptied: a page whose text is only that keeps it."""
    paragraphs = text.split("\n\n")
    top = 0  # the story starts at the first paragraph that is none of these: a later "By ..." line is story
    while top < min(TOP_PARAGRAPHS, len(paragraphs)) and (
            (top == 0 and title and _squash(paragraphs[0]) == _squash(title))
            or is_byline_line(paragraphs[top]) or is_whole_dateline(paragraphs[top])):
        top += 1
    return "\n\n".join(paragraphs[top:]) if top < len(paragraphs) else text


BYLINE_MAX_WORDS = 8  # "By Ana Ruiz and Li Wei, Staff Writers" at most; a longer line is a sentence


def is_byline_line(line: str) -> bool:
    label = label_patterns()["byline"].match(line)
    return (label is not None and len(line.split()) <= BYLINE_MAX_WORDS and line[label.end():][:1].isupper()
            and byline_name(line) is not None)  # "By Ana Ruiz", never "By the evening, queues formed."


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)


def _json_string(raw: str) -> str | None:
    """A string as a JSON-LD block wrote it ("\u00e9", "\\\""), decoded; None when it does not decode."""
    try:
        return json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        return None


def first_h1(html: str) -> str | None:
    """The text of the page's first <h1>, if any (a cheap look, not a parse)."""
    m = _H1.search(html[:2_000_000])
    return (fragment_text(m.group(1)) or None) if m else None


_TITLE_TAG = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_LD_HEADLINE = re.compile(r'"headline"\s*:\s*"((?:[^"\\]|\\.){2,400})"')


def agreed_headline(html: str, h1: str | None, site: str | None, url: str | None) -> str | None:
    """The on-page headline when three sources agree on it: the <h1>, the JSON-LD ``headline`` and the
    <title> without its site suffix.  trafilatura prefers og:title, which many outlets write as a
    second, social-media headline ("Ferries back on Friday" above the story "Harbour strike: ferries
    to sail again on Friday as Jonas Feld signs the deal"); when the
    page itself says the same thing three times, that is its headline."""
    if not h1:
        return None
    head = html[:2_000_000]
    t, ld = _TITLE_TAG.search(head), _LD_HEADLINE.search(head)
    if not t or not ld or (headline := _json_string(ld.group(1))) is None:
        return None
    headline = htmllib.unescape(headline)
    tag = strip_site_suffix(fragment_text(t.group(1)), site, url)
    key = _squash(h1)
    if key and _squash(headline) == key and _squash(tag or "") == key:
        return h1
    return None


def prefer_headline(title: str | None, h1: str | None) -> str | None:
    """The on-page headline when the metadata title is that headline wrapped in SEO extras: a section or
    site after it ("... reopens - Regional", "... | Dunmere News") or a topic before it ("Harbour
    Strike In Dunmere: Crews walk out ...")."""
    if not title or not h1 or len(h1.split()) < 4:
        return title
    t, h = _squash(title), _squash(h1)
    if h and h != t and h in t:
        return h1
    return title


TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|\*|::|·|»)\s+")


def _squash(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


def strip_site_suffix(title: str | None, site: str | None, url: str | None) -> str | None:
    """Drop trailing " | Site", " - Section | Site", " * by Author" parts that name the outlet, not the story."""
    if not title:
        return title
    names = {_squash(x) for x in (site or "", url_host(url) or "") if x}
    names |= {n.removeprefix("www").rsplit("com", 1)[0] for n in names if n}
    names = {n for n in names if len(n) >= 3}
    parts = TITLE_SEPARATORS.split(title)
    while len(parts) > 1:
        last = _squash(parts[-1])
        if any(n in last or last in n for n in names if last) or _is_byline(parts[-1]):
            parts.pop()
            continue
        break
    pos = 0
    for p in parts:  # cut the original title after the last part kept
        pos = title.index(p, pos) + len(p)
    return title[:pos].strip() or title


_LD_AUTHOR = re.compile(r'"author"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"([^"]{2,200})"')


def ld_author(html: str) -> str | None:
    """The first author the page's JSON-LD names, a person or an organisation ("BBC News"): the byline
    of pages that have no personal one, which trafilatura leaves empty."""
    m = _LD_AUTHOR.search(html[:400_000])
    if not m:
        return None
    name = " ".join((_json_string(m.group(1)) or m.group(1)).split())
    return name if name and not name.startswith(("http://", "https://")) else None


def normalise_author(author: str | None) -> str | None:
    """'Brazil; Rachel' (family; given, as citation metadata gives it) -> 'Rachel Brazil'."""
    if not author:
        return author
    parts = [p.strip() for p in author.split(";")]
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(p and " " not in p for p in parts):
        return "; ".join(f"{parts[i + 1]} {parts[i]}" for i in range(0, len(parts), 2))
    return author


def _is_byline(part: str) -> bool:
    """A title part that is a byline ("By Ana Ruiz"), in any pack's words: a page's language is not known yet."""
    return any((p := pack.pattern("byline_part")) is not None and p.match(part) for pack in all_packs())
