"""Every date, author and title a page offers, each with where it came from: the candidates the metadata
ranker (tasks.clean.ranker) chooses among.

Sources: JSON-LD (``datePublished``, ``dateModified``, ``author``, ``headline``), meta tags (Open Graph,
``article:*``, Dublin Core, the publishers' own), microdata ``itemprop``, ``<time>`` elements, elements whose
class or id says "date", "author" or "byline", ``rel="author"`` links, ``<h1>``, ``<title>``, the URL, the
first lines of the extracted text, and the answers of trafilatura and htmldate as the clean stage already
has them.  The words that label a date or a byline ("Updated", "Publié le", "By") come from the language
packs (``published_labels``, ``updated_labels``, ``byline_labels``, ``not_author_labels``), all of them at
once: a page's language is not known yet when it is cleaned.

A candidate is ``(field, kind, value, position)``: ``kind`` names the source and what the page says of it
(``meta_modified``, ``time_updated_label``); ``position`` is its order among the candidates of its field
(the page's reading order within a source).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from itertools import islice

from newsloom.domains import resolved, site_domain
from tasks.clean import dates
from tasks.clean.author_box import AUTHOR_ATTR, author_box_candidates, portrait_candidates
from tasks.clean.labels import SHORT_TEXT, byline_name, label_patterns, looks_like_a_name
from tasks.clean.markup import (  # the page tree
    Candidate,
    app_state_candidates,
    data_layer_candidates,
    element_attrs,
    element_offsets,
    element_text,
    elements_after,
    json_ld_candidates,
    meta_candidates,
    parse_page,
)
from tasks.common.dates import parse_local  # a date keeps the day its page printed

MAX_ELEMENT_CANDIDATES = 12  # class-named elements read per field: the first ones, near the headline
LABEL_WINDOW = 40  # characters before a date (in its element and its parent) searched for a label word
TEXT_LINES = 4  # the extracted text's first lines that may hold a byline or a dateline
NEAR_HEADLINE_ELEMENTS = 40  # elements after the <h1> read for a date printed under it: the headline's block


# --- elements of the page --------------------------------------------------------------------------------

# not language: the class and id names that themes give date and byline elements, the same on every site
DATE_ATTR = re.compile(r"date|time|publish|posted|updated|modified|byline|meta")


def label_before(el, text: str) -> str:
    """"published", "updated" or "" from the label words in ``text`` and before the element (its parent's
    text up to it, the last LABEL_WINDOW characters): "Updated: <time>", "Publié le <time>"."""
    parent = el.getparent()
    before = ""
    if parent is not None:
        whole = element_text(parent)
        own = element_text(el)
        cut = whole.find(own) if own else -1
        before = whole[max(0, cut - LABEL_WINDOW):cut] if cut > 0 else ""
    return label_in(f"{before} {text[:LABEL_WINDOW]}")


def label_in(context: str) -> str:
    """"published", "updated" or "" from the label words of ``context``, the text before a date."""
    labels = label_patterns()
    updated, published = labels["updated"].search(context), labels["published"].search(context)
    if updated and (not published or updated.start() > published.start()):
        return "updated"  # "Published March 2, updated March 9": the label nearest the date wins
    return "published" if published else ""


def headline_label(el, own: str) -> str:
    """The label of a date under the headline: in its own text ("Updated March 9"), else in the element just
    before it when that is a label alone ("<div>Published</div><div>March 2</div>"), not another date line."""
    if label := label_in(own):
        return label
    before = el.getprevious()
    text = element_text(before) if before is not None else ""
    return label_in(text) if len(text) <= LABEL_WINDOW and not dates.is_whole_dateline(text) else ""


def _element_date(el) -> datetime | None:
    value = el.get("datetime") or el.get("content")
    if value and (dt := parse_local(value)):
        return dt
    text = element_text(el)
    if not text or len(text) > SHORT_TEXT:
        return None
    parsed = dates.parse_dateline(without_date_labels(text)) or dates.parse_dateline(text)
    return parsed[0] if parsed else None


def whole_date(line: str) -> datetime | dates.NumericDate | None:
    """The date of a line that is only a date, without its labels: words or numbers ("03/10/2025")."""
    return dates.is_whole_dateline(without_date_labels(line)) or dates.numeric_date(without_date_labels(line))


def without_date_labels(text: str) -> str:
    """A date line without its "Published" and "Updated" words: "Updated: March 9" -> "March 9"."""
    labels = label_patterns()
    return labels["updated"].sub("", labels["published"].sub("", text)).strip(" :|-–—,")


# not language: class names again ("post-updated", "entry-date published")
UPDATED_ATTR = re.compile(r"updat|modif")


def attribute_label(attrs: str) -> str:
    """What an element's class or id says of its date: "updated", "published" or nothing."""
    return "updated" if UPDATED_ATTR.search(attrs) else "published" if "publish" in attrs else ""


def time_candidates(tree) -> list[Candidate]:
    """``<time>`` elements, itemprop dates, and short elements whose class or id names a date."""
    out: list[Candidate] = []
    seen = 0
    for el in tree.iter("time", "span", "div", "p", "li", "abbr", "small", "a"):
        attrs = element_attrs(el)
        is_time = el.tag == "time"
        if not is_time and not DATE_ATTR.search(attrs):
            continue
        if "datepublished" in attrs or "datemodified" in attrs:
            if (dt := _element_date(el)) is not None:
                kind = "modified" if "datemodified" in attrs else "published"
                out.append(Candidate("date", f"itemprop_{kind}", dt, element=el))
            continue
        if not is_time and seen >= MAX_ELEMENT_CANDIDATES:
            continue
        if (dt := _element_date(el)) is None:
            continue
        seen += not is_time
        label = label_before(el, element_text(el)) or ("published" if el.get("pubdate") is not None else "")
        label = label or attribute_label(attrs)
        out.append(Candidate("date", f"{'time' if is_time else 'element'}_{label or 'plain'}", dt, element=el))
    return out


def headline_block(tree) -> list:
    """The elements just after the first ``<h1>`` (``NEAR_HEADLINE_ELEMENTS``), where a page prints its byline
    and date; none without an ``<h1>``."""
    if (h1 := next(tree.iter("h1"), None)) is None:
        return []
    return list(islice((el for el in elements_after(h1) if isinstance(el.tag, str)), NEAR_HEADLINE_ELEMENTS))


KICKER_ELEMENTS = 2  # the <h1>'s siblings just before it read for a date printed above the headline


def kicker_block(tree) -> list:
    """The elements just before the first ``<h1>`` in its own container (``KICKER_ELEMENTS``, nearest first),
    where some themes print the date above the headline ("<p>March 2, 2026 - 6 min read</p><h1>...")."""
    if (h1 := next(tree.iter("h1"), None)) is None:
        return []
    return list(islice((el for el in h1.itersiblings(preceding=True) if isinstance(el.tag, str)), KICKER_ELEMENTS))


def headline_date_candidates(tree) -> list[Candidate]:
    """Short elements just after the first ``<h1>`` whose own text is a date, whatever their class or id
    ("<h1>...</h1><p>November 2, 2022</p>"): the date a page prints under its headline; and the same just
    before it, in its container (``headline_above_*``).  Elements that ``time_candidates`` reads (``<time>``,
    a class or id that names a date) are left to it."""
    out: list[Candidate] = []
    above = kicker_block(tree)
    for el in above + headline_block(tree):
        if len(out) >= MAX_ELEMENT_CANDIDATES:
            break
        own = (el.text or "").strip()
        if not own or len(own) > SHORT_TEXT or el.tag == "time" or DATE_ATTR.search(element_attrs(el)):
            continue
        if (dt := whole_date(own)) is not None:
            where = "headline_above" if el in above else "headline"
            out.append(Candidate("date", f"{where}_{headline_label(el, own) or 'plain'}", dt, element=el))
    return out


DATE_NEIGHBOURS = 2  # elements before or after a date that may hold the name printed beside it
# not language: the marks that join a byline's parts on one line ("Ana Ruiz | Writer | July 2, 2025")
LINE_PARTS = re.compile(r"\s*[|·•]\s*")


def headline_byline_candidates(tree) -> list[Candidate]:
    """A name printed beside a date just after the first ``<h1>``, in no element that says "author" ("<p>Ana
    Ruiz</p><p>March 2, 2026</p>", "Ana Ruiz | Writer | July 2, 2025"): the byline a page prints under its
    headline without naming it.  Elements whose class or id names an author are left to the author sources."""
    near = headline_block(tree)
    lines = [LINE_PARTS.split(" ".join((el.text or "").split())) for el in near]
    dated = [any(whole_date(p) for p in parts if p) for parts in lines]
    out: list[Candidate] = []
    for i, (el, parts) in enumerate(zip(near, lines)):
        beside = any(dated[max(0, i - DATE_NEIGHBOURS):i + DATE_NEIGHBOURS + 1])  # its own line, or near it
        if beside and not AUTHOR_ATTR.search(element_attrs(el)) and len(out) < MAX_ELEMENT_CANDIDATES and (
                (name := byline_name(parts[0])) is not None and looks_like_a_name(name)):
            out.append(Candidate("author", "headline_byline", name, element=el))
    return out


def author_element_candidates(tree) -> list[Candidate]:
    """``rel="author"`` links, ``itemprop="author"`` and short elements whose class or id names an author."""
    out: list[Candidate] = []
    seen = 0
    author_path = label_patterns()["author_path"]
    for el in tree.iter("a", "span", "div", "p", "address", "li", "strong", "b", "h4", "h5", "h6", "em"):
        attrs = element_attrs(el)
        if "author" in (el.get("rel") or "").lower():
            kind = "rel_author"
        elif el.tag == "a" and author_path.search(el.get("href") or ""):
            kind = "author_link"
        elif "author" in (el.get("itemprop") or "").lower():
            kind = "itemprop_author"
            named = el.find(".//*[@itemprop='name']")
            el = named if named is not None else el
        elif AUTHOR_ATTR.search(attrs) and seen < MAX_ELEMENT_CANDIDATES:
            kind, seen = ("byline_element" if "byline" in attrs else "author_element"), seen + 1
        else:
            continue
        if (name := byline_name(element_text(el))) is not None:
            out.append(Candidate("author", kind, name, element=el))
    return out


def label_byline_candidates(tree) -> list[Candidate]:
    """Short elements that open with a byline label and a capitalised word ("By Ana Ruiz", "Par Léa Roux"),
    whatever their class: many themes print the byline in a plain paragraph.  A label alone takes the name
    its children or its next element print ("<li>by <a>Ana Ruiz</a>", "<span>By</span><span>Ana Ruiz</span>")."""
    out: list[Candidate] = []
    labels = label_patterns()
    for el in tree.iter("p", "span", "div", "li", "em", "strong", "address", "h3", "h4", "h5", "h6"):
        own = (el.text or "").strip()
        if not own or len(own) > SHORT_TEXT:
            continue
        if labels["byline_alone"].match(own):
            text, kind = _name_after_label(el, own), "label_alone_byline"
        elif (m := labels["byline"].match(own)) and own[m.end():m.end() + 1].isupper():
            text, kind = element_text(el), "label_byline"
        else:
            continue
        if text and len(text) <= SHORT_TEXT and (name := byline_name(text)) is not None and name[:1].isupper():
            out.append(Candidate("author", kind, name, element=el))
            if len(out) >= MAX_ELEMENT_CANDIDATES:
                break
    return out


def _name_after_label(el, label: str) -> str:
    """A label alone's byline: with its children's text, its tail ("<b>By:</b> Ana Ruiz"), or the next element's."""
    text, tail = element_text(el), " ".join((el.tail or "").split())
    if len(text) > len(label) + 1 or tail:
        return f"{text} {tail}".strip()
    following = el.getnext()
    return f"{label} {element_text(following)}" if following is not None else ""


def twitter_byline_candidates(tree) -> list[Candidate]:
    """The author of a Twitter card's label/data pair whose label is a byline label ("Written by"), as SEO plugins write."""
    pairs: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        # not language: the Twitter card's own keys
        if (m := re.fullmatch(r"twitter:(label|data)(\d+)", key)) is not None:
            pairs[m[2]][m[1]] = (meta.get("content") or "").strip()
    out = []
    for pair in pairs.values():
        if label_patterns()["byline_alone"].match(pair.get("label", "")) and (name := byline_name(pair.get("data", ""))):
            out.append(Candidate("author", "twitter_byline", name))
    return out


def heading_candidates(tree) -> list[Candidate]:
    out: list[Candidate] = []
    for i, h1 in enumerate(tree.iter("h1")):
        if (text := element_text(h1)) and i < 2:
            out.append(Candidate("title", "h1_first" if i == 0 else "h1_second", text))
    title = tree.find(".//title")
    if title is not None and (text := element_text(title)):
        out.append(Candidate("title", "title_tag", text))
    return out


def without_site_names(candidates: list[Candidate], url: str | None) -> list[Candidate]:
    """The <title> and og:title without the parts that name the site ("Headline | Ledger"), where they
    have such parts: a candidate of their own (``title_tag_stripped``), beside the whole."""
    from tasks.clean.pages import strip_site_suffix

    out = []
    for c in candidates:
        if c.field == "title" and c.kind in ("title_tag", "og_title"):
            stripped = strip_site_suffix(c.value, None, url)
            if stripped and stripped != c.value:
                out.append(Candidate("title", f"{c.kind}_stripped", stripped))
    return out


def text_candidates(text: str | None) -> list[Candidate]:
    """A byline or a dateline left in the extracted text's first lines."""
    out: list[Candidate] = []
    lines = [ln for ln in (text or "").split("\n") if ln.strip()][:TEXT_LINES]
    labels = label_patterns()
    for line in lines:
        if labels["byline"].match(line) and (name := byline_name(line)) and len(name.split()) <= 6:
            out.append(Candidate("author", "text_byline", name))
        if len(line) <= SHORT_TEXT and (parsed := dates.parse_dateline(line)) is not None:
            out.append(Candidate("date", "text_dateline", parsed[0]))
    return out


def cleaned_byline(c: Candidate) -> Candidate | None:
    """An author candidate from metadata cleaned as a byline printed on the page is ("Dec" and "Staff
    Writer" are none); any other candidate as it is."""
    if c.field != "author" or c.kind in ELEMENT_BYLINES:
        return c
    name = byline_name(str(c.value))
    return replace(c, value=name) if name else None


# a headline is short: no labelled title of WCXB's 791 pages has more than 24 words.  A title candidate longer than
# this is a paragraph set in a heading or a description copied into one, never the story's headline
TITLE_MAX_WORDS = 30


def is_a_paragraph(c: Candidate) -> bool:
    """A title candidate of more than TITLE_MAX_WORDS words."""
    return c.field == "title" and len(str(c.value).split()) > TITLE_MAX_WORDS


ELEMENT_BYLINES = ("byline_element", "author_element", "rel_author", "itemprop_author", "author_link", "label_byline",
                   "label_alone_byline", "twitter_byline", "text_byline", "headline_byline", "author_box",
                   "portrait")  # read already


def links_to_another_site(c: Candidate, url: str | None) -> bool:
    """An author link to a profile on another site: a social network's ("bsky.app/profile/...") or a blog
    platform's page of a commenter.  An outlet's author pages are on its own site: of the 46 links to another
    site among WCXB's TRAIN and TUNE author links, none named the article's author (298 of 509 on the site did)."""
    if c.kind != "author_link" or c.element is None or not (here := site_domain(url)):
        return False
    # a link that does not parse ("http://[bad/") says nothing of its site
    return site_domain(resolved(url, c.element.get("href") or "")) not in (None, here)


def page_candidates(html: str, url: str | None, text: str | None, answers: dict, tree=None) -> list[Candidate]:
    """Every candidate of the page, numbered within its field.  ``answers`` are the clean stage's own
    (trafilatura's and htmldate's, with our corrections): ``title``, ``author``, ``published_at``.
    ``tree`` is the page's parse where the caller has it (it is read, never changed)."""
    found: list[Candidate] = []
    tree = parse_page(html) if tree is None else tree
    if tree is not None:
        for collect in (json_ld_candidates, meta_candidates, twitter_byline_candidates, data_layer_candidates,
                        app_state_candidates,
                        time_candidates, headline_date_candidates, headline_byline_candidates,
                        author_element_candidates, author_box_candidates, portrait_candidates,
                        label_byline_candidates,
                        heading_candidates):
            found += collect(tree)
        found = dates.numeric_dates_read(found, url, tree.getroottree().getroot().get("lang"))
    found += without_site_names(found, url)
    if (dt := dates.date_from_url(url)) is not None:
        found.append(Candidate("date", "url", dt))
    found += text_candidates(text)
    for name, key in (("title", "title"), ("author", "author"), ("date", "published_at")):
        if answers.get(key):
            found.append(Candidate(name, "trafilatura", answers[key]))
    found = [c for c in map(cleaned_byline, found)
             if c is not None and not is_a_paragraph(c) and not links_to_another_site(c, url)]
    offset_of = element_offsets(tree) if tree is not None else {}
    counters: dict[str, int] = {}
    numbered = []
    for c in found:
        counters[c.field] = counters.get(c.field, -1) + 1
        offset = offset_of.get(c.element) if c.element is not None else None
        numbered.append(replace(c, position=counters[c.field], offset=offset, element=None))
    return numbered
