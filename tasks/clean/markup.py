"""The page's markup metadata as candidates: JSON-LD objects (``datePublished``, ``dateModified``,
``headline``, ``author``) and meta tags (Open Graph, ``article:*``, Dublin Core, the publishers' own); and
the page tree that every source reads (its parse, an element's text, the elements after one).
tasks.clean.candidates adds the page's elements, the URL and the text."""
from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from tasks.common.dates import parse_local  # a date keeps the day its page printed


@dataclass(frozen=True)
class Candidate:
    field: str  # "date", "author" or "title"
    kind: str
    value: object  # a datetime for dates, a string otherwise
    position: int = 0
    # where an element of the page gave it: its distance from the first <h1> in document order, as a share
    # of the page's elements (negative above the headline); None for metadata, the URL and the text
    offset: float | None = None
    element: object = field(default=None, compare=False, repr=False)


# --- JSON-LD ---------------------------------------------------------------------------------------------


def json_ld_objects(tree) -> list[dict]:
    """Every object of every JSON-LD block, nested ones and ``@graph`` members included, in page order."""
    found: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except (json.JSONDecodeError, RecursionError):
            continue
        _walk_ld(data, found, depth=0)
    return found


MAX_LD_DEPTH = 8  # JSON-LD nests an article in a page in a graph; deeper is never metadata


def _walk_ld(data, found: list[dict], depth: int) -> None:
    if depth > MAX_LD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            _walk_ld(item, found, depth + 1)
    elif isinstance(data, dict):
        found.append(data)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in data:
                _walk_ld(data[key], found, depth + 1)


def _ld_type(obj: dict) -> str:
    t = obj.get("@type")
    return " ".join(t) if isinstance(t, list) else str(t or "")


# not language: schema.org's type names
ARTICLE_TYPES = re.compile(r"Article|Posting|Report|NewsArticle|Blog", re.I)


def _ld_names(value) -> list[tuple[str, str]]:
    """(name, type) of each author an ``author`` value gives: a string, an object or a list of them."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append((item, ""))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append((item["name"], _ld_type(item)))
    return names


def json_ld_candidates(tree) -> list[Candidate]:
    out: list[Candidate] = []
    for obj in json_ld_objects(tree):
        scope = "article" if ARTICLE_TYPES.search(_ld_type(obj)) else "other"
        for key, kind in (("datePublished", "published"), ("dateCreated", "created"), ("dateModified", "modified"),
                          ("uploadDate", "published")):
            if isinstance(obj.get(key), str) and (dt := parse_local(obj[key])):
                out.append(Candidate("date", f"ld_{kind}_{scope}", dt))
        if isinstance(obj.get("headline"), str):
            out.append(Candidate("title", f"ld_headline_{scope}", htmllib.unescape(obj["headline"])))
        for name, typ in _ld_names(obj.get("author")) + _ld_names(obj.get("creator")):
            person = "person" if "Person" in typ or not typ else "org"
            out.append(Candidate("author", f"ld_author_{person}_{scope}", htmllib.unescape(name)))
    return out


# --- meta tags -------------------------------------------------------------------------------------------

META_AUTHOR_KEYS = frozenset({"author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                              "dcterms.creator", "byl", "citation_author", "og:article:author", "cxenseparse:author"})
META_TITLE_KEYS = {"og:title": "og_title", "twitter:title": "twitter_title", "parsely-title": "meta_title",
                   "sailthru.title": "meta_title", "dc.title": "meta_title", "headline": "meta_title"}


def date_key_kind(key: str) -> str | None:
    """What a meta tag's name says of its date: modified, published or a date of no stated kind."""
    if "modif" in key or "updat" in key or "revis" in key:
        return "modified"
    if "expir" in key or "valid" in key or "start" in key or "end" in key:
        return None
    if "publi" in key or "pub" in key or "creat" in key or "issued" in key or "posted" in key:
        return "published"
    if "date" in key or key.endswith("time"):
        return "generic"
    return None


def meta_candidates(tree) -> list[Candidate]:
    out: list[Candidate] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not key or not content:
            continue
        if key in META_AUTHOR_KEYS and not content.startswith(("http://", "https://")):
            out.append(Candidate("author", "meta_author", content))
        elif key in META_TITLE_KEYS:
            out.append(Candidate("title", META_TITLE_KEYS[key], content))
        elif (kind := date_key_kind(key)) is not None and (dt := parse_local(content)):
            out.append(Candidate("date", f"meta_{kind}", dt))
    return out


# --- analytics data layers -------------------------------------------------------------------------------

# not language: the key WordPress's Google Tag Manager plugin (GTM4WP) gives the post's author in its data layer
DATA_LAYER_AUTHOR = re.compile(r'"pagePostAuthor"\s*:\s*"([^"\\]{1,80})"')


def data_layer_candidates(tree) -> list[Candidate]:
    """The post author a WordPress page's analytics data layer names (``"pagePostAuthor":"Ana Ruiz"``), for a
    page that prints its byline nowhere else."""
    out = []
    for script in tree.iter("script"):
        if script.text and (m := DATA_LAYER_AUTHOR.search(script.text)):
            out.append(Candidate("author", "data_layer_author", htmllib.unescape(m.group(1)).strip()))
    return out[:1]


# not language: an author object in a script framework's page state (Next.js, Nuxt, Gatsby, headless CMS
# payloads), inside a JSON string or not: "author":{"id":21,"name":"Ana Ruiz"}, "authors":[{"name":...}]
APP_STATE_AUTHOR = re.compile(r'\\?"authors?\\?"\s*:\s*\[?\s*\{[^{}]{0,400}?\\?"(?:name|display_?[Nn]ame|full_?[Nn]ame)'
                              r'\\?"\s*:\s*\\?"([^"\\]{2,80})\\?"')
APP_STATE_NAMES = 3  # the first author objects of the page state read (a post's authors come first)


def app_state_candidates(tree) -> list[Candidate]:
    """The names of the author objects a script framework's page state holds (not JSON-LD, read apart), for
    a page that prints its byline in an element no class names."""
    out: list[Candidate] = []
    for script in tree.iter("script"):
        if not script.text or "ld+json" in (script.get("type") or ""):
            continue
        for m in APP_STATE_AUTHOR.finditer(script.text):
            name = htmllib.unescape(m.group(1)).strip()
            if name and all(c.value != name for c in out):
                out.append(Candidate("author", "app_state_author", name))
            if len(out) == APP_STATE_NAMES:
                return out
    return out


# --- the page tree ----------------------------------------------------------------------------------------

HEAD_CHARS = 1_500_000  # pages are cut here before parsing: article metadata sits well before it


TAG = re.compile(r"<[^>]+>")


def fragment_text(fragment: str) -> str:
    """The text of a piece of markup: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(htmllib.unescape(TAG.sub(" ", fragment)).split())


def parse_page(html: str):
    """The page's element tree, or None when it does not parse."""
    head = html[:HEAD_CHARS]
    # not language: the XML declaration
    head = re.sub(r"^\s*<\?xml[^>]*\?>", "", head)  # lxml refuses a str with an encoding declaration
    try:
        return lxml.html.fromstring(head)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None


def element_text(el) -> str:
    """The element's text, a space between its children's ("Luke Kim<span>Dec 17</span>" -> "Luke Kim Dec 17")."""
    try:
        return " ".join(" ".join(el.itertext()).split())
    except ValueError:
        return ""


def element_attrs(el) -> str:
    """Where the element says what it is ("byline", "date"): its class, id, itemprop and rel, lowercased, in
    one string.  Read for every element of a page by several sources, so written out rather than looped."""
    get = el.get
    return f"{get('class') or ''} {get('id') or ''} {get('itemprop') or ''} {get('rel') or ''}".lower()


def elements_after(el):
    """The elements after ``el`` in document order: its descendants, then what follows it."""
    yield from el.iterdescendants()
    node = el
    while node is not None:
        for after in node.itersiblings():
            yield after
            yield from after.iterdescendants()
        node = node.getparent()


def element_offsets(tree) -> dict:
    """element -> its distance from the first <h1> in document order, as a share of the page's elements
    (or from the top, where the page has no <h1>)."""
    order = {el: i for i, el in enumerate(tree.iter())}
    h1 = next(tree.iter("h1"), None)
    origin = order.get(h1, 0)
    total = max(len(order), 1)
    return {el: (i - origin) / total for el, i in order.items()}
